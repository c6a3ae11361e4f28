/**
 * Repeated refused requests from one client get 429, with Retry-After, for bad bearer tokens
 * and bad signatures alike; a client that authenticates is not counted; the window passes.
 */

import assert from "node:assert/strict";
import { Hono } from "hono";
import { authThrottle } from "../../api/auth_throttle.ts";
import { startApi } from "../support/api_client.ts";

Deno.test("after the configured number of bad tokens a client gets 429 on every request", async () => {
  const api = await startApi({ authFailureLimit: 3 });
  try {
    for (let i = 0; i < 3; i++) {
      const r = await api.request("GET", "/v1/address/all?user_id=1", { token: `wrong-${i}` });
      assert.equal(r.status, 401, r.text);
    }
    const blocked = await api.request("GET", "/v1/address/all?user_id=1", { token: "wrong-4" });
    assert.equal(blocked.status, 429, blocked.text);
    assert.match((blocked.json as { error: string }).error, /^authorization: too many refused/);
    assert.ok(Number(blocked.headers.get("retry-after")) >= 1);
    // The good token does not get through either while the client is blocked.
    assert.equal((await api.request("GET", "/v1/address/all?user_id=1")).status, 429);
  } finally {
    await api.close();
  }
});

Deno.test("bad signatures on the merchant API count the same", async () => {
  const api = await startApi({ authFailureLimit: 2 });
  const headers = { "X-Site-Id": "site_nope", "X-Timestamp": "1", "X-Signature": "00" };
  try {
    for (let i = 0; i < 2; i++) {
      const r = await api.request("GET", "/v1/public/assets", { token: null, headers });
      assert.equal(r.status, 401, r.text);
    }
    const blocked = await api.request("GET", "/v1/public/assets", { token: null, headers });
    assert.equal(blocked.status, 429, blocked.text);
  } finally {
    await api.close();
  }
});

Deno.test("good requests are not counted; failures age out of the window", async () => {
  let now = 1_000_000;
  const clock = { now: () => now, sleep: () => Promise.resolve() };
  const app = new Hono();
  app.use("*", authThrottle({ limit: 2, windowSeconds: 60, trustForwardedFor: true, clock }));
  app.get("/x", (c) => c.req.header("authorization") === "ok" ? c.text("ok") : c.text("no", 401));
  const call = async (auth: string, client = "203.0.113.7") =>
    (await app.request("/x", {
      headers: { authorization: auth, "x-forwarded-for": `198.51.100.1, ${client}` },
    })).status;
  for (let i = 0; i < 5; i++) assert.equal(await call("ok"), 200);
  assert.equal(await call("bad"), 401);
  assert.equal(await call("ok"), 200);
  assert.equal(await call("bad"), 401);
  assert.equal(await call("ok"), 429);
  // The proxy's last entry is the client: another client is unaffected.
  assert.equal(await call("ok", "203.0.113.8"), 200);
  now += 61_000;
  assert.equal(await call("ok"), 200);
});

Deno.test("a limit of 0 turns the throttle off", async () => {
  const app = new Hono();
  const clock = { now: () => 0, sleep: () => Promise.resolve() };
  app.use("*", authThrottle({ limit: 0, windowSeconds: 60, trustForwardedFor: false, clock }));
  app.get("/x", (c) => c.text("no", 401));
  for (let i = 0; i < 50; i++) assert.equal((await app.request("/x")).status, 401);
});
