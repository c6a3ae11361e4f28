import assert from "node:assert/strict";
import fc from "fast-check";
import { startApi, stubPlugin } from "../support/api_client.ts";

const POSTS = [
  "/v1/address/new",
  "/v1/withdrawal/send",
  "/v1/withdrawal/service/ton",
  "/v1/withdrawal/service/jetton",
  "/devnet/faucet",
];
const GETS = [
  "/v1/address/all",
  "/v1/income",
  "/v1/deposit/history",
  "/v1/withdrawal/status",
  "/v1/balance",
  "/v1/deposit/income",
  "/v1/resolve",
];
const FIELDS = [
  "user_id",
  "query_id",
  "currency",
  "amount",
  "destination",
  "comment",
  "binary_comment",
  "from",
  "owner",
  "jetton_master",
  "to",
];
const PARAMS = [
  "user_id",
  "currency",
  "limit",
  "offset",
  "sort_order",
  "id",
  "address",
  "tx_hash",
  "domain",
];

// Values near the valid ones reach deeper than uniformly random JSON does.
const nearValue = fc.oneof(
  fc.jsonValue(),
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.constantFrom("TON", "123", "0", "1", "-1", "1.5", "EXTERNAL1", "DEP1", "9fe7_", "", " "),
  fc.bigInt({ min: 0n, max: 1n << 260n }).map(String),
);

function assertNo5xx(status: number, text: string, what: string): void {
  assert.ok(status < 500, `${what} → ${status} ${text}`);
  assert.equal(typeof JSON.parse(text).error === "string" || status === 200, true, text);
}

Deno.test("random bodies and query strings never produce a 5xx", async (t) => {
  const api = await startApi({ plugins: [stubPlugin()], devnet: true });
  try {
    await t.step("random JSON documents to POST endpoints", async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...POSTS), fc.jsonValue(), async (path, body) => {
          const r = await api.request("POST", path, { body: JSON.stringify(body) });
          assertNo5xx(r.status, r.text, `${path} ${JSON.stringify(body)}`);
        }),
        { numRuns: 150 },
      );
    });

    await t.step("objects with the real field names and random values", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...POSTS),
          fc.dictionary(fc.constantFrom(...FIELDS), nearValue, { maxKeys: 8 }),
          async (path, body) => {
            const r = await api.request("POST", path, { body });
            assertNo5xx(r.status, r.text, `${path} ${JSON.stringify(body)}`);
          },
        ),
        { numRuns: 300 },
      );
    });

    await t.step("arbitrary strings as raw bodies", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...POSTS),
          fc.string({ unit: "binary" }),
          async (path, body) => {
            const r = await api.request("POST", path, { body });
            assertNo5xx(r.status, r.text, `${path} ${JSON.stringify(body)}`);
          },
        ),
        { numRuns: 150 },
      );
    });

    await t.step("random query strings to GET endpoints", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...GETS),
          fc.array(fc.tuple(fc.constantFrom(...PARAMS, "x"), nearValue.map(String)), {
            maxLength: 5,
          }),
          async (path, params) => {
            const query = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
            const r = await api.request("GET", `${path}?${query}`);
            assertNo5xx(r.status, r.text, `${path}?${query}`);
          },
        ),
        { numRuns: 300 },
      );
    });

    await t.step("nothing was logged as an unhandled error", () => {
      assert.deepEqual(api.logs.filter((l) => l.level === "error"), []);
    });
  } finally {
    await api.close();
  }
});
