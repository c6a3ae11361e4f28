/**
 * Malformed input at the edge never reaches Postgres: each case below answered 500 (or was
 * silently accepted) before, and is now a 4xx `{"error"}` naming the field, with nothing written.
 */

import assert from "node:assert/strict";
import { createSite } from "../../core/store/sites.ts";
import { type ApiResponse, startApi, stubPlugin } from "../support/api_client.ts";
import { signedFetch, type SiteCredentials } from "../support/merchant_client.ts";

function assertError(r: ApiResponse, status: number, error: string | RegExp, what = ""): void {
  assert.equal(r.status, status, `${what}: ${r.text}`);
  const body = r.json as { error?: unknown };
  assert.deepEqual(Object.keys(body ?? {}), ["error"], `${what}: ${r.text}`);
  if (typeof error === "string") assert.equal(body.error, error, what);
  else assert.match(String(body.error), error, what);
}

/** Row counts of every table a request could write. */
async function counts(api: Awaited<ReturnType<typeof startApi>>): Promise<string> {
  const rows = await api.ctx.db.query(
    `select (select count(*) from invoices)::int as invoices,
            (select count(*) from addresses)::int as addresses,
            (select count(*) from withdrawals)::int as withdrawals,
            (select count(*) from sites)::int as sites,
            (select count(*) from outbox)::int as outbox`,
  );
  return JSON.stringify(rows[0]);
}

Deno.test("malformed input at the API edge is a 4xx naming the field, never a 500", async (t) => {
  const api = await startApi({ plugins: [stubPlugin()] });
  try {
    const { site, apiSecret } = await createSite(api.ctx.db, { name: "shop" });
    const shop: SiteCredentials = { siteId: site.id, apiSecret };
    const before = await counts(api);
    const signed = (method: string, path: string, body?: string) =>
      signedFetch(api.url, shop, method, path, body);

    await t.step("a 36-character hex-and-dash string that is not a UUID is 400 uuid", async () => {
      for (const uuid of ["-".repeat(36), "0".repeat(36), "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaa-"]) {
        assertError(
          await signed("GET", `/v1/public/deposits/${uuid}`),
          400,
          "uuid: must be a UUID",
        );
        assertError(
          await signed("POST", `/v1/public/deposits/${uuid}/cancel`),
          400,
          "uuid: must be a UUID",
        );
        assertError(
          await signed("POST", `/v1/public/deposits/${uuid}/refund`, '{"address":"DEST0001"}'),
          400,
          "uuid: must be a UUID",
        );
      }
      // A well-formed UUID that names nothing is still 404.
      const unknown = await signed("GET", `/v1/public/deposits/${crypto.randomUUID()}`);
      assert.equal(unknown.status, 404, unknown.text);
    });

    await t.step("a NUL character in a merchant body field is 400 naming it", async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ orderId: "o\u00001", assetCode: "TON", expectedAmount: "1" }, "orderId"],
        [{ orderId: "o1", assetCode: "T\u0000N", expectedAmount: "1" }, "assetCode"],
        [{ orderId: "o1", assetCode: "TON", expectedAmount: "1\u0000" }, "expectedAmount"],
        [
          { orderId: "o1", assetCode: "TON", expectedAmount: "1", metadata: { a: "\u0000" } },
          "metadata",
        ],
        [
          { orderId: "o1", assetCode: "TON", expectedAmount: "1", metadata: { "\u0000": 1 } },
          "metadata",
        ],
        [
          { orderId: "o1", assetCode: "TON", expectedAmount: "1", metadata: { a: ["\ud800"] } },
          "metadata",
        ],
      ];
      for (const [body, field] of cases) {
        const r = await signed("POST", "/v1/public/deposits", JSON.stringify(body));
        assertError(
          r,
          400,
          new RegExp(`^${field}: must (not contain NUL|be valid Unicode)`),
          field,
        );
      }
      const refund = await signed(
        "POST",
        `/v1/public/deposits/${crypto.randomUUID()}/refund`,
        JSON.stringify({ address: "DEST\u00000001" }),
      );
      assertError(refund, 400, "address: must not contain NUL characters");
    });

    await t.step("a NUL character in a query parameter or the path is 400 naming it", async () => {
      assertError(
        await signed("GET", "/v1/public/deposits?orderId=%00"),
        400,
        "orderId: must not contain NUL characters",
      );
      assertError(
        await api.request("GET", "/v1/admin/sites/%00"),
        400,
        "path: must not contain NUL characters",
      );
      assertError(
        await api.request("GET", "/v1/admin/sites/site_%00/disable"),
        400,
        "path: must not contain NUL characters",
      );
      assertError(
        await api.request("GET", "/v1/address/all?user_id=%00"),
        400,
        "user_id: must not contain NUL characters",
      );
      assertError(
        await api.request("GET", "/v1/address/all?user_id=1&%00=1"),
        400,
        "query: parameter names must not contain NUL characters",
      );
      assertError(
        await api.request("GET", "/v1/admin/sites/%E0%A4%A"),
        400,
        "path: must be valid percent-encoded UTF-8",
      );
    });

    await t.step("a byte order mark before JSON is refused", async () => {
      const bom = '\ufeff{"user_id":"1","currency":"TON"}';
      assertError(
        await api.request("POST", "/v1/address/new", { body: bom }),
        400,
        "body: must be valid JSON",
      );
      const signedBom = '\ufeff{"orderId":"o1","assetCode":"TON","expectedAmount":"1"}';
      assertError(
        await signed("POST", "/v1/public/deposits", signedBom),
        400,
        "body: must be valid JSON",
      );
      // Without the mark, the same body goes through.
      const ok = await api.request("POST", "/v1/address/new", { body: bom.slice(1) });
      assert.equal(ok.status, 200, ok.text);
      await api.ctx.db.query("delete from addresses");
    });

    await t.step(
      "GET /v1/admin/sites refuses unknown parameters like every other route",
      async () => {
        assertError(await api.request("GET", "/v1/admin/sites?x=1"), 400, "x: unknown parameter");
        assert.equal((await api.request("GET", "/v1/admin/sites")).status, 200);
      },
    );

    await t.step("a very long query string is 414 with an error body", async () => {
      const r = await api.request("GET", `/v1/address/all?user_id=${"a".repeat(10_000)}`);
      assertError(r, 414, "url: must be at most 8192 characters");
    });

    await t.step("an income id beyond bigint is 404, not a failed cast", async () => {
      const r = await api.request("POST", "/v1/admin/payments/9999999999999999999/refund", {
        body: { address: "DEST0001" },
      });
      assertError(r, 404, "incomeId: no payment 9999999999999999999");
    });

    assert.equal(await counts(api), before, "nothing was written");
    for (const line of api.logs) {
      assert.notEqual(line.message, "api: unhandled error", JSON.stringify(line));
    }
  } finally {
    await api.close();
  }
});
