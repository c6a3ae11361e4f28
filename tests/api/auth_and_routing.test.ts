import assert from "node:assert/strict";
import {
  constantTimeEqual,
  tokenCheck,
  tokenMatches,
  VERIFIED_TOKEN_TTL_MS,
} from "../../api/auth.ts";
import type { Clock } from "../../core/clock.ts";
import { type ApiResponse, startApi, TEST_TOKEN } from "../support/api_client.ts";

function assertError(r: ApiResponse, status: number, pattern?: RegExp): void {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get("content-type") ?? "", /application\/json/);
  const body = r.json as { error?: unknown };
  assert.equal(typeof body?.error, "string", r.text);
  assert.deepEqual(Object.keys(body), ["error"]);
  if (pattern) assert.match(body.error as string, pattern);
}

const AUTHED: [string, string][] = [
  ["POST", "/v1/address/new"],
  ["GET", "/v1/address/all?user_id=1"],
  ["GET", "/v1/income?user_id=1"],
  ["GET", "/v1/deposit/history?user_id=1&currency=TON"],
  ["POST", "/v1/withdrawal/send"],
  ["POST", "/v1/withdrawal/service/ton"],
  ["POST", "/v1/withdrawal/service/jetton"],
  ["GET", "/v1/withdrawal/status?id=1"],
  ["GET", "/v1/balance?currency=TON"],
  ["GET", "/v1/deposit/income?tx_hash=" + "a".repeat(64)],
  ["GET", "/v1/resolve?domain=wallet.ton"],
];

Deno.test("bearer auth guards every route but the sync flag", async (t) => {
  const api = await startApi({ tokens: [TEST_TOKEN, "second-token-abcdefgh"] });
  try {
    await t.step("a request without Authorization is 401 on every authed route", async () => {
      for (const [method, path] of AUTHED) {
        const body = method === "POST" ? {} : undefined;
        assertError(await api.request(method, path, { token: null, body }), 401, /authorization/);
      }
    });

    await t.step("a wrong token is 401 and the answer says Bearer", async () => {
      for (const [method, path] of AUTHED) {
        const body = method === "POST" ? {} : undefined;
        const r = await api.request(method, path, { token: "wrong-token-0123456789", body });
        assertError(r, 401, /invalid token/);
        assert.match(r.headers.get("www-authenticate") ?? "", /^Bearer/);
      }
    });

    await t.step("a prefix, an extension or a different case of the token is refused", async () => {
      for (const token of [TEST_TOKEN.slice(0, -1), TEST_TOKEN + "x", TEST_TOKEN.toUpperCase()]) {
        assertError(await api.request("GET", "/v1/address/all?user_id=1", { token }), 401);
      }
    });

    await t.step("other schemes and malformed headers are 401", async () => {
      for (
        const value of [
          `Basic ${TEST_TOKEN}`,
          `Bearer`,
          `Bearer `,
          TEST_TOKEN,
          `Bearer ${TEST_TOKEN} extra`,
        ]
      ) {
        const r = await api.request("GET", "/v1/address/all?user_id=1", {
          token: null,
          headers: { Authorization: value },
        });
        assertError(r, 401);
      }
    });

    await t.step("either configured token is accepted", async () => {
      for (const token of [TEST_TOKEN, "second-token-abcdefgh"]) {
        const r = await api.request("GET", "/v1/address/all?user_id=1", { token });
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.json, { addresses: [] });
      }
    });

    await t.step("the bearer scheme name is case-insensitive", async () => {
      const r = await api.request("GET", "/v1/address/all?user_id=1", {
        token: null,
        headers: { Authorization: `bearer ${TEST_TOKEN}` },
      });
      assert.equal(r.status, 200, r.text);
    });

    await t.step("/v1/system/sync is open without a token", async () => {
      const r = await api.request("GET", "/v1/system/sync", { token: null });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json, { is_synced: false, last_block_gen_utime: 0, chains: {} });
    });

    await t.step("the token never appears in the logs", () => {
      assert.ok(!JSON.stringify(api.logs).includes(TEST_TOKEN));
    });
  } finally {
    await api.close();
  }
});

Deno.test("with no tokens configured every authed route is 401", async () => {
  const api = await startApi({ tokens: [] });
  try {
    for (const [method, path] of AUTHED) {
      const body = method === "POST" ? {} : undefined;
      for (const token of [null, "", "anything-at-all-0123456789"]) {
        const headers: Record<string, string> = token === "" ? { Authorization: "Bearer " } : {};
        assertError(await api.request(method, path, { token: token || null, body, headers }), 401);
      }
    }
    assert.equal((await api.request("GET", "/v1/system/sync", { token: null })).status, 200);
    assert.ok(api.logs.some((l) => /no API tokens/.test(String(l.message))));
  } finally {
    await api.close();
  }
});

Deno.test("token comparison hashes both sides so unequal lengths compare in equal time", async () => {
  const digest = async (s: string) =>
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
  const expected = [await digest("token-aaaaaaaaaaaaaaaa"), await digest("token-bbbbbbbbbbbbbbbb")];
  assert.equal(await tokenMatches("token-aaaaaaaaaaaaaaaa", expected), true);
  assert.equal(await tokenMatches("token-bbbbbbbbbbbbbbbb", expected), true);
  assert.equal(await tokenMatches("token-a", expected), false);
  assert.equal(await tokenMatches("", expected), false);
  assert.equal(await tokenMatches("token-aaaaaaaaaaaaaaaa", []), false);
  assert.equal(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])), true);
  assert.equal(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0])), false);
  assert.equal(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])), false);
});

Deno.test("a verified token is hashed once a period; a refused one every time", async () => {
  let hashed = 0;
  const digest = async (s: string) => {
    hashed++;
    return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
  };
  let now = 1_000_000;
  const clock: Clock = { now: () => now, sleep: () => Promise.resolve() };
  const [a, b] = ["token-aaaaaaaaaaaaaaaa", "token-bbbbbbbbbbbbbbbb"];
  const check = tokenCheck([a, b], { clock, digest });
  assert.equal(hashed, 2); // the configured tokens, at once
  assert.equal(await check(a), true);
  assert.equal(hashed, 3);
  assert.equal(await check(a), true);
  assert.equal(await check(b), true);
  assert.equal(await check(a), true);
  assert.equal(hashed, 4);
  for (const wrong of ["token-cccccccccccccccc", a.slice(0, -1), a + "x", a.toUpperCase()]) {
    assert.equal(await check(wrong), false);
    assert.equal(await check(wrong), false);
  }
  assert.equal(hashed, 4 + 8);
  now += VERIFIED_TOKEN_TTL_MS - 1;
  assert.equal(await check(a), true);
  assert.equal(hashed, 12);
  now += 1;
  assert.equal(await check(a), true);
  assert.equal(hashed, 13);
  // A process configured without `a` (revoked, then restarted) refuses it from the start.
  assert.equal(await tokenCheck([b], { clock, digest })(a), false);
  // Remembering nothing: every check hashes.
  const uncached = tokenCheck([a], { clock, digest, ttlMs: 0 });
  hashed = 0;
  assert.equal(await uncached(a), true);
  assert.equal(await uncached(a), true);
  assert.equal(hashed, 2);
});

Deno.test("routing answers JSON errors for unknown routes, wrong methods and bad bodies", async (t) => {
  const api = await startApi({ bodyLimitBytes: 1024 });
  try {
    await t.step("an unknown route is 404 with an error body", async () => {
      assertError(await api.request("GET", "/v1/nope"), 404, /no route/);
      assertError(await api.request("GET", "/"), 404);
      assertError(await api.request("POST", "/v1/address/new/"), 404);
    });

    await t.step("devnet routes are absent unless devnet mode is on", async () => {
      assertError(await api.request("GET", "/devnet", { token: null }), 404);
      assertError(await api.request("POST", "/devnet/faucet", { body: {} }), 404);
    });

    await t.step("a known path with the wrong method is 405 naming the allowed one", async () => {
      const r = await api.request("GET", "/v1/withdrawal/send");
      assertError(r, 405, /use POST/);
      assert.equal(r.headers.get("allow"), "POST");
      const d = await api.request("DELETE", "/v1/balance?currency=TON");
      assertError(d, 405, /use GET/);
      assertError(await api.request("POST", "/v1/system/sync", { body: {} }), 405);
    });

    await t.step("a body over the limit is 413 with an error body", async () => {
      const big = { user_id: "u", currency: "TON", pad: "x".repeat(2000) };
      assertError(await api.request("POST", "/v1/address/new", { body: big }), 413, /body/);
    });

    await t.step("a chunked body over the limit is 413 too", async () => {
      const chunks = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode("x".repeat(600)));
          controller.close();
        },
      });
      const response = await fetch(api.url + "/v1/address/new", {
        method: "POST",
        headers: { Authorization: `Bearer ${TEST_TOKEN}`, "Content-Type": "application/json" },
        body: chunks,
      });
      const text = await response.text();
      assert.equal(response.status, 413, text);
      assert.match(JSON.parse(text).error, /body/);
    });

    await t.step("the limit is checked only after authentication", async () => {
      const big = "x".repeat(2000);
      assertError(await api.request("POST", "/v1/address/new", { token: null, body: big }), 401);
    });

    await t.step("malformed JSON is 400 naming the body", async () => {
      for (const body of ["{", "not json", "", "{'a':1}", '{"user_id":"1",}']) {
        assertError(await api.request("POST", "/v1/address/new", { body }), 400, /^body: /);
      }
    });

    await t.step("a JSON body that is not an object is 400", async () => {
      for (const body of ["[]", "null", "1", '"x"', "true"]) {
        const r = await api.request("POST", "/v1/withdrawal/send", { body });
        assertError(r, 400, /^body: must be a JSON object/);
      }
    });
  } finally {
    await api.close();
  }
});
