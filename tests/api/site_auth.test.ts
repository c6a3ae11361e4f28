import assert from "node:assert/strict";
import { type Context, Hono } from "hono";
import { z } from "zod";
import { errorResponse } from "../../api/errors.ts";
import { jsonBodyOf, rawBodyOf, siteAuth, siteOf } from "../../api/site_auth.ts";
import type { Clock } from "../../core/clock.ts";
import { parseConfig } from "../../core/config.ts";
import type { ProcessorContext } from "../../core/context.ts";
import { signRequest } from "../../core/hmac.ts";
import { createLogger } from "../../core/log.ts";
import {
  createSite,
  disableSite,
  rotateSiteSecret,
  setSiteStrongSignature,
} from "../../core/store/sites.ts";
import type { ApiResponse } from "../support/api_client.ts";
import { openTestDb } from "../support/db.ts";
import {
  signedFetch,
  signedHeaders,
  type SignOptions,
  type SiteCredentials,
} from "../support/merchant_client.ts";

/** A moment with a non-zero millisecond part, so flooring to seconds is exercised. */
const NOW_SECONDS = 1_800_000_000;
const BODY_LIMIT = 1024;

interface Harness {
  ctx: ProcessorContext;
  url: string;
  logs: string[];
  answers: string[];
  setNow(ms: number): void;
  newSite(options?: { strong?: boolean }): Promise<SiteCredentials>;
  fetch(
    site: SiteCredentials,
    method: string,
    path: string,
    body?: string | Uint8Array,
    options?: SignOptions,
  ): Promise<ApiResponse>;
  /** A raw request with exactly these headers and body. */
  raw(method: string, path: string, init: RequestInit): Promise<ApiResponse>;
  close(): Promise<void>;
}

/** siteAuth in front of throwaway routes, served over HTTP, on a real database. */
async function harness(window?: number): Promise<Harness> {
  const testDb = await openTestDb();
  const logs: string[] = [];
  const answers: string[] = [];
  let nowMs = NOW_SECONDS * 1000 + 999;
  const clock: Clock = { now: () => nowMs, sleep: () => Promise.resolve() };
  const ctx: ProcessorContext = {
    db: testDb.db,
    config: parseConfig({
      api: { tokens: ["admin-token-0123456789"], bodyLimitBytes: BODY_LIMIT },
      ...(window ? { public: { signatureWindowSeconds: window } } : {}),
    }),
    plugins: new Map(),
    clock,
    log: createLogger("debug", (line: string) => logs.push(line)),
  };
  const app = new Hono();
  app.use("/m/*", siteAuth(ctx));
  const route = (name: string) => (c: Context): Response =>
    c.json({ route: name, siteId: siteOf(c).id, bytes: rawBodyOf(c).length });
  app.on(["GET", "POST"], "/m/a", route("a"));
  app.get("/m/b", route("b"));
  app.post("/m/echo", async (c) =>
    c.json({
      siteId: siteOf(c).id,
      raw: Array.from(rawBodyOf(c)),
      json: jsonBodyOf(c),
      viaHono: await c.req.text(),
    }));
  app.post("/m/typed", (c) => c.json(jsonBodyOf(c, z.strictObject({ orderId: z.string() }))));
  app.onError((error, c) => errorResponse(c, error, ctx.log));
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
  const url = `http://127.0.0.1:${server.addr.port}`;
  const keep = (r: ApiResponse): ApiResponse => {
    answers.push(r.text);
    return r;
  };
  // Every signature is accepted once: seed-scheme requests, which carry no nonce, each get
  // their own second within the window.
  let sent = 0;
  const freshTimestamp = () => NOW_SECONDS - 1 - (sent++ % 200);
  return {
    ctx,
    url,
    logs,
    answers,
    setNow: (ms) => nowMs = ms,
    async newSite(options = {}) {
      const { site, apiSecret } = await createSite(ctx.db, {
        name: "Shop",
        requireStrongSignature: options.strong ?? false,
      });
      return { siteId: site.id, apiSecret };
    },
    async fetch(site, method, path, body, options = {}) {
      return keep(
        await signedFetch(url, site, method, path, body, {
          timestamp: freshTimestamp(),
          strong: false,
          // A test app of its own around siteAuth, not the processor's routes.
          foreignServer: true,
          ...options,
        }),
      );
    },
    async raw(method, path, init) {
      const response = await fetch(url + path, { method, ...init });
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return keep({ status: response.status, headers: response.headers, text, json });
    },
    async close() {
      await server.shutdown();
      await testDb.close();
    },
  };
}

function assertRefused(r: ApiResponse, status: number, error: string | RegExp): void {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get("content-type") ?? "", /application\/json/);
  const body = r.json as { error?: unknown };
  assert.deepEqual(Object.keys(body ?? {}), ["error"], r.text);
  if (typeof error === "string") assert.equal(body.error, error);
  else assert.match(String(body.error), error);
  if (status === 401) assert.match(r.headers.get("www-authenticate") ?? "", /^Signature/);
}

const MISMATCH = "x-signature: does not match the request";

Deno.test("siteAuth: merchant request signatures", async (t) => {
  const h = await harness();
  const secrets: string[] = [];
  const site = async (options?: { strong?: boolean }) => {
    const s = await h.newSite(options);
    secrets.push(s.apiSecret);
    return s;
  };
  try {
    const shop = await site();

    await t.step("a valid seed signature passes, GET and POST, and the site is set", async () => {
      const get = await h.fetch(shop, "GET", "/m/a");
      assert.equal(get.status, 200, get.text);
      assert.deepEqual(get.json, { route: "a", siteId: shop.siteId, bytes: 0 });
      const post = await h.fetch(shop, "POST", "/m/a", '{"x":1}');
      assert.equal(post.status, 200, post.text);
      assert.deepEqual(post.json, { route: "a", siteId: shop.siteId, bytes: 7 });
    });

    await t.step("a valid strong signature passes", async () => {
      for (const path of ["/m/a", "/m/a?x=1&y=%20z", "/m/b"]) {
        const r = await h.fetch(shop, "GET", path, undefined, { strong: true });
        assert.equal(r.status, 200, `${path}: ${r.text}`);
      }
      const post = await h.fetch(shop, "POST", "/m/a", '{"x":1}', { strong: true });
      assert.equal(post.status, 200, post.text);
    });

    await t.step("version 1 is the seed scheme; hex may be upper case", async () => {
      const headers = signedHeaders(shop, "GET", "/m/a", "", {
        timestamp: NOW_SECONDS - 250,
        strong: false,
      });
      const r = await h.raw("GET", "/m/a", {
        headers: {
          ...headers,
          "X-Signature": headers["X-Signature"].toUpperCase(),
          "X-Signature-Version": "1",
        },
      });
      assert.equal(r.status, 200, r.text);
    });

    await t.step("handlers get the exact signed bytes, parsed JSON and c.req.text()", async () => {
      // An escaped slash and a non-ASCII character: re-serialising would change the bytes.
      const body = '{"url":"https:\\/\\/x.example\\/","name":"caf\u00e9" }';
      const r = await h.fetch(shop, "POST", "/m/echo", body);
      assert.equal(r.status, 200, r.text);
      const out = r.json as { siteId: string; raw: number[]; json: unknown; viaHono: string };
      assert.equal(out.siteId, shop.siteId);
      assert.deepEqual(out.raw, Array.from(new TextEncoder().encode(body)));
      assert.deepEqual(out.json, { url: "https://x.example/", name: "caf\u00e9" });
      assert.equal(out.viaHono, body);
    });

    await t.step("a body that is not JSON is a 400 from jsonBodyOf, naming the body", async () => {
      assertRefused(
        await h.fetch(shop, "POST", "/m/echo", "{nope"),
        400,
        "body: must be valid JSON",
      );
      const bad = new Uint8Array([0x22, 0xff, 0x22]);
      assertRefused(await h.fetch(shop, "POST", "/m/echo", bad), 400, "body: must be valid JSON");
      assertRefused(
        await h.fetch(shop, "POST", "/m/typed", "[1]"),
        400,
        "body: must be a JSON object",
      );
      assertRefused(await h.fetch(shop, "POST", "/m/typed", "{}"), 400, /^orderId: /);
      const ok = await h.fetch(shop, "POST", "/m/typed", '{"orderId":"o1"}');
      assert.deepEqual(ok.json, { orderId: "o1" });
    });

    await t.step("a wrong secret is refused", async () => {
      const wrong = { siteId: shop.siteId, apiSecret: "00".repeat(32) };
      assertRefused(await h.fetch(wrong, "GET", "/m/a"), 401, MISMATCH);
      assertRefused(
        await h.fetch(wrong, "GET", "/m/a", undefined, { strong: true }),
        401,
        MISMATCH,
      );
      const other = await site();
      const swapped = { siteId: shop.siteId, apiSecret: other.apiSecret };
      assertRefused(await h.fetch(swapped, "POST", "/m/a", "{}"), 401, MISMATCH);
    });

    await t.step("one changed body byte is refused", async () => {
      const body = '{"amount":"100"}';
      for (const strong of [false, true]) {
        const headers = signedHeaders(shop, "POST", "/m/a", body, {
          timestamp: NOW_SECONDS,
          strong,
        });
        const ok = await h.raw("POST", "/m/a", { headers, body });
        assert.equal(ok.status, 200, ok.text);
        const changed = await h.raw("POST", "/m/a", { headers, body: body.replace("1", "2") });
        assertRefused(changed, 401, MISMATCH);
        const longer = await h.raw("POST", "/m/a", { headers, body: body + " " });
        assertRefused(longer, 401, MISMATCH);
      }
    });

    await t.step("a changed timestamp header is refused (the signature covers it)", async () => {
      const headers = signedHeaders(shop, "GET", "/m/a", "", {
        timestamp: NOW_SECONDS,
        strong: false,
      });
      const r = await h.raw("GET", "/m/a", {
        headers: { ...headers, "X-Timestamp": String(NOW_SECONDS - 1) },
      });
      assertRefused(r, 401, MISMATCH);
    });

    await t.step("timestamps: ±300 s pass, ±301 s fail, checked against the clock", async () => {
      for (const strong of [false, true]) {
        for (const delta of [-300, 300, 0]) {
          const r = await h.fetch(shop, "GET", "/m/a", undefined, {
            timestamp: NOW_SECONDS + delta,
            strong,
          });
          assert.equal(r.status, 200, `${delta}: ${r.text}`);
        }
        for (const delta of [-301, 301, -86_400, 86_400]) {
          const r = await h.fetch(shop, "GET", "/m/a", undefined, {
            timestamp: NOW_SECONDS + delta,
            strong,
          });
          assertRefused(r, 401, /^x-timestamp: must be within 300 seconds/);
        }
      }
      // The same signed request becomes stale as the clock moves on.
      const headers = signedHeaders(shop, "GET", "/m/a", "", {
        timestamp: NOW_SECONDS - 260,
        strong: false,
      });
      h.setNow((NOW_SECONDS + 40) * 1000 + 999);
      assert.equal((await h.raw("GET", "/m/a", { headers })).status, 200);
      h.setNow((NOW_SECONDS + 41) * 1000);
      assertRefused(await h.raw("GET", "/m/a", { headers }), 401, /^x-timestamp: /);
      h.setNow(NOW_SECONDS * 1000 + 999);
    });

    await t.step("missing and malformed headers are 401 naming the header", async () => {
      const cases: [Record<string, string | null>, string | RegExp][] = [
        [{ "X-Site-Id": null }, "x-site-id: missing header"],
        [{ "X-Site-Id": "" }, "x-site-id: missing header"],
        [{ "X-Timestamp": null }, "x-timestamp: missing header"],
        [{ "X-Timestamp": "" }, "x-timestamp: missing header"],
        [{ "X-Timestamp": "abc" }, "x-timestamp: must be unix seconds"],
        [{ "X-Timestamp": `${NOW_SECONDS}.5` }, "x-timestamp: must be unix seconds"],
        [{ "X-Timestamp": `-${NOW_SECONDS}` }, "x-timestamp: must be unix seconds"],
        [{ "X-Timestamp": "999999999999" }, /^x-timestamp: must be within/],
        [{ "X-Timestamp": `${NOW_SECONDS}000` }, "x-timestamp: must be unix seconds"],
        [{ "X-Signature": null }, "x-signature: missing header"],
        [{ "X-Signature": "" }, "x-signature: missing header"],
        [{ "X-Signature": "zz".repeat(32) }, "x-signature: must be 64 hexadecimal characters"],
        [{ "X-Signature": "ab".repeat(31) }, "x-signature: must be 64 hexadecimal characters"],
        [{ "X-Signature": "ab".repeat(33) }, "x-signature: must be 64 hexadecimal characters"],
        [{ "X-Signature-Version": "3" }, "x-signature-version: must be 1 or 2"],
        [{ "X-Signature-Version": "" }, "x-signature-version: must be 1 or 2"],
      ];
      for (const [headers, error] of cases) {
        const r = await h.fetch(shop, "GET", "/m/a", undefined, { headers });
        assertRefused(r, 401, error);
      }
      assertRefused(await h.raw("GET", "/m/a", {}), 401, "x-site-id: missing header");
    });

    await t.step("an unknown site is 401", async () => {
      for (const siteId of ["site_aaaaaaaaaaaaaaaaaaaa", "nope", "x".repeat(10_000)]) {
        const r = await h.fetch({ siteId, apiSecret: shop.apiSecret }, "GET", "/m/a");
        assertRefused(r, 401, "x-site-id: unknown site");
      }
    });

    await t.step("every signature is accepted once, on its own route only", async () => {
      const USED = "x-signature: already used; sign every request afresh";
      const ts = NOW_SECONDS - 290;
      const seed = signedHeaders(shop, "GET", "/m/a", "", { timestamp: ts, strong: false });
      assert.equal((await h.raw("GET", "/m/a", { headers: seed })).status, 200);
      // The seed scheme does not bind the path, but a captured empty-body signature has been
      // used by its own request: it opens neither that route again nor any other.
      assertRefused(await h.raw("GET", "/m/a", { headers: seed }), 401, USED);
      assertRefused(await h.raw("GET", "/m/b", { headers: seed }), 401, USED);
      assertRefused(await h.raw("GET", "/m/a?other=1", { headers: seed }), 401, USED);
      // Nor with its hex in upper case.
      const upper = { ...seed, "X-Signature": seed["X-Signature"].toUpperCase() };
      assertRefused(await h.raw("GET", "/m/b", { headers: upper }), 401, USED);
      // A signature made for another route and never sent still cannot open a first one.
      const unused = signedHeaders(shop, "GET", "/m/b", "", { timestamp: ts - 1, strong: false });
      assert.equal((await h.raw("POST", "/m/a", { headers: unused })).status, 200);
      assertRefused(await h.raw("GET", "/m/b", { headers: unused }), 401, USED);

      const strongShop = await site({ strong: true });
      const seedStrong = signedHeaders(strongShop, "GET", "/m/a", "", {
        timestamp: NOW_SECONDS,
        strong: false,
      });
      assertRefused(
        await h.raw("GET", "/m/a", { headers: seedStrong }),
        401,
        /^x-signature-version: this site requires 2/,
      );
      const strong = signedHeaders(strongShop, "GET", "/m/a", "", {
        timestamp: NOW_SECONDS,
        strong: true,
        nonce: null,
      });
      assertRefused(await h.raw("GET", "/m/b", { headers: strong }), 401, MISMATCH);
      assertRefused(await h.raw("GET", "/m/a?x=1", { headers: strong }), 401, MISMATCH);
      assertRefused(await h.raw("POST", "/m/a", { headers: strong }), 401, MISMATCH);
      assert.equal((await h.raw("GET", "/m/a", { headers: strong })).status, 200);
      assertRefused(await h.raw("GET", "/m/a", { headers: strong }), 401, USED);

      const withQuery = signedHeaders(strongShop, "GET", "/m/a?x=1", "", {
        timestamp: NOW_SECONDS,
        strong: true,
      });
      assertRefused(await h.raw("GET", "/m/a?x=2", { headers: withQuery }), 401, MISMATCH);
      assertRefused(await h.raw("GET", "/m/a?x=1&y=2", { headers: withQuery }), 401, MISMATCH);
      assertRefused(await h.raw("GET", "/m/a", { headers: withQuery }), 401, MISMATCH);
      assert.equal((await h.raw("GET", "/m/a?x=1", { headers: withQuery })).status, 200);
      // The nonce is signed: another nonce on the same headers does not match.
      assertRefused(
        await h.raw("GET", "/m/a?x=1", { headers: { ...withQuery, "X-Nonce": "other" } }),
        401,
        MISMATCH,
      );
      // A fresh nonce lets the same request go twice in one second.
      for (let i = 0; i < 2; i++) {
        const again = signedHeaders(strongShop, "GET", "/m/a?x=1", "", {
          timestamp: NOW_SECONDS,
          strong: true,
        });
        assert.equal((await h.raw("GET", "/m/a?x=1", { headers: again })).status, 200);
      }
      assertRefused(
        await h.raw("GET", "/m/a", { headers: { ...seed, "X-Nonce": "abc" } }),
        401,
        "x-nonce: is signed by version 2 only",
      );

      // Requiring the strong scheme takes effect at once, and can be lifted again.
      const fresh = () =>
        signedHeaders(shop, "GET", "/m/a", "", { strong: false, timestamp: ts - 2 - used++ });
      let used = 0;
      await setSiteStrongSignature(h.ctx.db, shop.siteId, true);
      assertRefused(await h.raw("GET", "/m/a", { headers: fresh() }), 401, /^x-signature-version/);
      await setSiteStrongSignature(h.ctx.db, shop.siteId, false);
      assert.equal((await h.raw("GET", "/m/a", { headers: fresh() })).status, 200);
    });

    await t.step("used signatures are forgotten once their window has passed", async () => {
      const count = async (where: string) =>
        Number(
          (await h.ctx.db.query(`select count(*)::int as n from used_signatures ${where}`))[0].n,
        );
      const later = new Date((NOW_SECONDS + 400) * 1000);
      assert.ok(await count("") > 0);
      try {
        h.setNow(later.getTime());
        const late = signedHeaders(shop, "GET", "/m/a", "", {
          timestamp: NOW_SECONDS + 400,
          strong: false,
        });
        assert.equal((await h.raw("GET", "/m/a", { headers: late })).status, 200);
        assert.equal(await count(`where expires_at < '${later.toISOString()}'`), 0);
        assert.ok(await count("") > 0);
      } finally {
        h.setNow(NOW_SECONDS * 1000 + 999);
      }
    });

    await t.step("the strong scheme signs method, path and query exactly as core/hmac", () => {
      const headers = signedHeaders(shop, "get", "/m/a?b=1", "{}", {
        timestamp: NOW_SECONDS,
        strong: true,
        nonce: null,
      });
      const expected = signRequest(shop.apiSecret, "strong", {
        timestamp: String(NOW_SECONDS),
        method: "GET",
        pathAndQuery: "/m/a?b=1",
        body: new TextEncoder().encode("{}"),
      });
      assert.equal(headers["X-Signature"], expected);
      assert.equal(headers["X-Signature-Version"], "2");
    });

    await t.step("rotation invalidates the old secret at once", async () => {
      const rotating = await site();
      assert.equal((await h.fetch(rotating, "GET", "/m/a")).status, 200);
      const fresh = await rotateSiteSecret(h.ctx.db, rotating.siteId);
      assert.ok(fresh !== null);
      secrets.push(fresh);
      assertRefused(await h.fetch(rotating, "GET", "/m/a"), 401, MISMATCH);
      const renewed = { siteId: rotating.siteId, apiSecret: fresh };
      assert.equal((await h.fetch(renewed, "GET", "/m/a")).status, 200);
    });

    await t.step("a disabled site is 403 with a valid signature, 401 without", async () => {
      const closing = await site();
      await disableSite(h.ctx.db, closing.siteId);
      assertRefused(await h.fetch(closing, "GET", "/m/a"), 403, "x-site-id: site is disabled");
      const strong = await h.fetch(closing, "POST", "/m/a", "{}", { strong: true });
      assertRefused(strong, 403, "x-site-id: site is disabled");
      const forged = { siteId: closing.siteId, apiSecret: "11".repeat(32) };
      assertRefused(await h.fetch(forged, "GET", "/m/a"), 401, MISMATCH);
    });

    await t.step("the body limit applies: 413 past api.bodyLimitBytes", async () => {
      const exact = `"${"a".repeat(BODY_LIMIT - 2)}"`;
      assert.equal((await h.fetch(shop, "POST", "/m/a", exact)).status, 200);
      const over = `"${"a".repeat(BODY_LIMIT - 1)}"`;
      assertRefused(
        await h.fetch(shop, "POST", "/m/a", over),
        413,
        `body: must be at most ${BODY_LIMIT} bytes`,
      );
      // A chunked body announces no length; it is counted as it arrives.
      const chunked = (text: string) => {
        const bytes = new TextEncoder().encode(text);
        return new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < bytes.length; i += 100) controller.enqueue(bytes.slice(i, i + 100));
            controller.close();
          },
        });
      };
      const headersFor = (text: string) =>
        signedHeaders(shop, "POST", "/m/echo", text, { timestamp: NOW_SECONDS, strong: false });
      const small = '{"chunked":true}';
      const ok = await h.raw("POST", "/m/echo", {
        headers: headersFor(small),
        body: chunked(small),
      });
      assert.equal(ok.status, 200, ok.text);
      assert.equal((ok.json as { viaHono: string }).viaHono, small);
      const big = await h.raw("POST", "/m/echo", {
        headers: headersFor(over),
        body: chunked(over),
      });
      assertRefused(big, 413, `body: must be at most ${BODY_LIMIT} bytes`);
    });

    await t.step("no answer and no log line carries a secret", () => {
      assert.ok(secrets.length >= 5);
      const seen = [...h.answers, ...h.logs].join("\n");
      for (const secret of secrets) assert.ok(!seen.includes(secret), "a secret leaked");
    });
  } finally {
    await h.close();
  }
});

Deno.test("siteAuth: the window comes from public.signatureWindowSeconds", async () => {
  const h = await harness(60);
  try {
    const shop = await h.newSite();
    assert.equal(
      (await h.fetch(shop, "GET", "/m/a", undefined, { timestamp: NOW_SECONDS - 60 }))
        .status,
      200,
    );
    const stale = await h.fetch(shop, "GET", "/m/a", undefined, { timestamp: NOW_SECONDS - 61 });
    assertRefused(stale, 401, "x-timestamp: must be within 60 seconds of the server's clock");
  } finally {
    await h.close();
  }
});

Deno.test("siteOf and rawBodyOf outside siteAuth are wiring bugs, not caller errors", async () => {
  const app = new Hono();
  const seen: string[] = [];
  app.get("/x", (c) => c.json(siteOf(c)));
  app.get("/y", (c) => c.json(rawBodyOf(c).length));
  app.onError((error, c) => {
    seen.push(error.message);
    return c.json({ error: "internal error" }, 500);
  });
  assert.equal((await app.request("/x")).status, 500);
  assert.equal((await app.request("/y")).status, 500);
  assert.deepEqual(seen, [
    "siteOf: the route is not behind siteAuth",
    "rawBodyOf: the route is not behind siteAuth",
  ]);
});
