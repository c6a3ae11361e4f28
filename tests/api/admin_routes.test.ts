import assert from "node:assert/strict";
import { Hono } from "hono";
import { errorResponse } from "../../api/errors.ts";
import { siteAuth, siteOf } from "../../api/site_auth.ts";
import { SITE_ID_PATTERN, siteSecret } from "../../core/store/sites.ts";
import { type ApiHarness, type ApiResponse, startApi } from "../support/api_client.ts";
import { signedFetch } from "../support/merchant_client.ts";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const SITE_KEYS = [
  "createdAt",
  "disabledAt",
  "name",
  "requireStrongSignature",
  "secretRotatedAt",
  "siteId",
  "webhookUrl",
];

function assertError(r: ApiResponse, status: number, error: string | RegExp): void {
  assert.equal(r.status, status, r.text);
  const body = r.json as { error?: unknown };
  assert.deepEqual(Object.keys(body ?? {}), ["error"], r.text);
  if (typeof error === "string") assert.equal(body.error, error);
  else assert.match(String(body.error), error);
}

interface Created {
  siteId: string;
  apiSecret: string;
}

async function create(api: ApiHarness, body: unknown): Promise<Created> {
  const r = await api.request("POST", "/v1/admin/sites", { body });
  assert.equal(r.status, 200, r.text);
  return r.json as Created;
}

Deno.test("admin API: merchant sites", async (t) => {
  const api = await startApi({ bodyLimitBytes: 1024 });
  const secrets: string[] = [];
  const answers: string[] = [];
  const request = async (...args: Parameters<ApiHarness["request"]>) => {
    const r = await api.request(...args);
    answers.push(r.text);
    return r;
  };
  try {
    let shop: Created = { siteId: "", apiSecret: "" };

    await t.step(
      "POST /v1/admin/sites creates a site, strong scheme by default, and shows its secret",
      async () => {
        const r = await api.request("POST", "/v1/admin/sites", { body: { name: "Shop" } });
        assert.equal(r.status, 200, r.text);
        const body = r.json as Record<string, unknown>;
        assert.deepEqual(Object.keys(body), [
          "siteId",
          "name",
          "apiSecret",
          "webhookUrl",
          "requireStrongSignature",
          "createdAt",
        ]);
        assert.match(String(body.siteId), SITE_ID_PATTERN);
        assert.match(String(body.apiSecret), /^[0-9a-f]{64}$/);
        assert.equal(body.name, "Shop");
        assert.equal(body.webhookUrl, null);
        assert.equal(body.requireStrongSignature, true);
        assert.match(String(body.createdAt), ISO);
        assert.ok(Math.abs(Date.parse(String(body.createdAt)) - Date.now()) < 60_000);
        shop = body as unknown as Created;
        secrets.push(shop.apiSecret);
        assert.equal(await siteSecret(api.ctx.db, shop.siteId), shop.apiSecret);
      },
    );

    await t.step("webhookUrl and requireStrongSignature may be given at creation", async () => {
      const r = await api.request("POST", "/v1/admin/sites", {
        body: {
          name: "Strong shop",
          webhookUrl: "https://shop.example/hooks?k=1",
          requireStrongSignature: false,
        },
      });
      assert.equal(r.status, 200, r.text);
      const body = r.json as Record<string, unknown>;
      assert.equal(body.webhookUrl, "https://shop.example/hooks?k=1");
      assert.equal(body.requireStrongSignature, false);
      secrets.push(String(body.apiSecret));
      const nulls = await create(api, { name: "Nulls", webhookUrl: null });
      secrets.push(nulls.apiSecret);
    });

    await t.step("bad creation bodies are 400 naming the field", async () => {
      const cases: [unknown, string | RegExp][] = [
        [{}, "name: is required"],
        [{ name: "" }, "name: must not be empty"],
        [{ name: 7 }, "name: must be a string"],
        [{ name: " Shop" }, "name: must not have leading or trailing whitespace"],
        [{ name: "a".repeat(201) }, "name: must be at most 200 characters"],
        [{ name: "Shop", extra: 1 }, "extra: unknown field"],
        [{ name: "Shop", apiSecret: "00".repeat(32) }, "apiSecret: unknown field"],
        [{ name: "Shop", webhookUrl: "not a url" }, /^webhookUrl: must be an absolute http/],
        [{ name: "Shop", webhookUrl: "ftp://x.example/" }, /^webhookUrl: must be an absolute/],
        [{ name: "Shop", webhookUrl: "https://u:p@x.example/" }, /^webhookUrl: must not contain/],
        [{ name: "Shop", webhookUrl: 5 }, "webhookUrl: must be a URL string"],
        [{ name: "Shop", requireStrongSignature: "true" }, /^requireStrongSignature: must be true/],
        [{ name: "Shop", requireStrongSignature: 1 }, /^requireStrongSignature: must be true/],
        ["{", "body: must be valid JSON"],
        ["[]", "body: must be a JSON object"],
        ["", "body: must be valid JSON"],
      ];
      for (const [body, error] of cases) {
        assertError(await request("POST", "/v1/admin/sites", { body }), 400, error);
      }
      const big = { name: "Shop", webhookUrl: `https://x.example/${"a".repeat(1100)}` };
      assertError(await request("POST", "/v1/admin/sites", { body: big }), 413, /^body: /);
    });

    await t.step("GET lists and shows sites without their secrets", async () => {
      const list = await request("GET", "/v1/admin/sites");
      assert.equal(list.status, 200, list.text);
      const sites = (list.json as { sites: Record<string, unknown>[] }).sites;
      assert.equal(sites.length, 3);
      for (const site of sites) assert.deepEqual(Object.keys(site).sort(), SITE_KEYS);
      assert.ok(sites.some((s) => s.siteId === shop.siteId));

      const one = await request("GET", `/v1/admin/sites/${shop.siteId}`);
      assert.equal(one.status, 200, one.text);
      const site = one.json as Record<string, unknown>;
      assert.deepEqual(Object.keys(site).sort(), SITE_KEYS);
      assert.equal(site.siteId, shop.siteId);
      assert.equal(site.name, "Shop");
      assert.equal(site.disabledAt, null);
      assert.equal(site.secretRotatedAt, null);
      assert.match(String(site.createdAt), ISO);
    });

    await t.step("an unknown site is 404 on every site route", async () => {
      const unknown = "site_aaaaaaaaaaaaaaaaaaaa";
      const error = `siteId: no site ${unknown}`;
      const base = `/v1/admin/sites/${unknown}`;
      assertError(await request("GET", base), 404, error);
      assertError(await request("POST", `${base}/rotate-secret`), 404, error);
      assertError(
        await request("PUT", `${base}/webhook`, { body: { webhookUrl: null } }),
        404,
        error,
      );
      assertError(
        await request("PUT", `${base}/signature`, { body: { requireStrongSignature: true } }),
        404,
        error,
      );
      assertError(await request("POST", `${base}/disable`), 404, error);
      assertError(await request("GET", "/v1/admin/sites/%20"), 404, "siteId: no site  ");
    });

    await t.step("PUT webhook sets and clears the URL", async () => {
      const path = `/v1/admin/sites/${shop.siteId}/webhook`;
      const set = await request("PUT", path, { body: { webhookUrl: "http://shop.example/h" } });
      assert.equal(set.status, 200, set.text);
      assert.equal((set.json as { webhookUrl: unknown }).webhookUrl, "http://shop.example/h");
      assert.deepEqual(Object.keys(set.json as object).sort(), SITE_KEYS);
      const cleared = await request("PUT", path, { body: { webhookUrl: null } });
      assert.equal((cleared.json as { webhookUrl: unknown }).webhookUrl, null);
      assertError(await request("PUT", path, { body: {} }), 400, "webhookUrl: is required");
      assertError(
        await request("PUT", path, { body: { webhookUrl: "javascript:alert(1)" } }),
        400,
        /^webhookUrl: must be an absolute http or https URL/,
      );
      assertError(
        await request("PUT", path, { body: { webhookUrl: null, name: "x" } }),
        400,
        "name: unknown field",
      );
    });

    await t.step("PUT signature switches the strong requirement", async () => {
      const path = `/v1/admin/sites/${shop.siteId}/signature`;
      const on = await request("PUT", path, { body: { requireStrongSignature: true } });
      assert.equal(on.status, 200, on.text);
      assert.equal((on.json as { requireStrongSignature: unknown }).requireStrongSignature, true);
      const off = await request("PUT", path, { body: { requireStrongSignature: false } });
      assert.equal((off.json as { requireStrongSignature: unknown }).requireStrongSignature, false);
      assertError(
        await request("PUT", path, { body: {} }),
        400,
        "requireStrongSignature: is required",
      );
      assertError(
        await request("PUT", path, { body: { requireStrongSignature: null } }),
        400,
        "requireStrongSignature: must be true or false",
      );
    });

    await t.step("rotation answers a new secret once; the old one stops working", async () => {
      // A throwaway merchant route behind siteAuth, on the same context.
      const app = new Hono();
      app.use("/m/*", siteAuth(api.ctx));
      app.get("/m/who", (c) => c.json({ siteId: siteOf(c).id }));
      app.onError((error, c) => errorResponse(c, error, api.ctx.log));
      const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
      const url = `http://127.0.0.1:${server.addr.port}`;
      const throwaway = { foreignServer: true };
      try {
        const before = await signedFetch(url, shop, "GET", "/m/who", undefined, throwaway);
        assert.equal(before.status, 200, before.text);
        assert.deepEqual(before.json, { siteId: shop.siteId });

        const r = await api.request("POST", `/v1/admin/sites/${shop.siteId}/rotate-secret`);
        assert.equal(r.status, 200, r.text);
        const rotated = r.json as Created;
        assert.deepEqual(Object.keys(rotated), ["siteId", "apiSecret"]);
        assert.equal(rotated.siteId, shop.siteId);
        assert.match(rotated.apiSecret, /^[0-9a-f]{64}$/);
        assert.notEqual(rotated.apiSecret, shop.apiSecret);
        secrets.push(rotated.apiSecret);

        const old = await signedFetch(url, shop, "GET", "/m/who", undefined, throwaway);
        assertError(old, 401, "x-signature: does not match the request");
        const renewed = await signedFetch(url, rotated, "GET", "/m/who", undefined, throwaway);
        assert.equal(renewed.status, 200, renewed.text);

        const shown = await request("GET", `/v1/admin/sites/${shop.siteId}`);
        assert.match(String((shown.json as { secretRotatedAt: unknown }).secretRotatedAt), ISO);

        // Disabling through the API refuses the site's signed requests.
        const disabled = await request("POST", `/v1/admin/sites/${shop.siteId}/disable`);
        assert.equal(disabled.status, 200, disabled.text);
        const at = (disabled.json as { disabledAt: unknown }).disabledAt;
        assert.match(String(at), ISO);
        const again = await request("POST", `/v1/admin/sites/${shop.siteId}/disable`);
        assert.equal((again.json as { disabledAt: unknown }).disabledAt, at);
        const refused = await signedFetch(url, rotated, "GET", "/m/who", undefined, throwaway);
        assertError(refused, 403, "x-site-id: site is disabled");
        const listed = await request("GET", "/v1/admin/sites");
        const mine = (listed.json as { sites: { siteId: string; disabledAt: unknown }[] }).sites
          .find((s) => s.siteId === shop.siteId);
        assert.equal(mine?.disabledAt, at);
      } finally {
        await server.shutdown();
      }
    });

    await t.step("every admin route needs the bearer token", async () => {
      const routes: [string, string, unknown?][] = [
        ["POST", "/v1/admin/sites", { name: "x" }],
        ["GET", "/v1/admin/sites"],
        ["GET", `/v1/admin/sites/${shop.siteId}`],
        ["POST", `/v1/admin/sites/${shop.siteId}/rotate-secret`],
        ["PUT", `/v1/admin/sites/${shop.siteId}/webhook`, { webhookUrl: null }],
        ["PUT", `/v1/admin/sites/${shop.siteId}/signature`, { requireStrongSignature: true }],
        ["POST", `/v1/admin/sites/${shop.siteId}/disable`],
      ];
      for (const [method, path, body] of routes) {
        assertError(await request(method, path, { token: null, body }), 401, /^authorization: /);
        const wrong = await request(method, path, { token: "wrong-token-0123456789", body });
        assertError(wrong, 401, "authorization: invalid token");
        // A merchant's site secret is no admin token.
        assertError(await request(method, path, { token: shop.apiSecret, body }), 401, /invalid/);
      }
      // Nothing changed behind the refusals.
      assert.equal(await siteSecret(api.ctx.db, shop.siteId), secrets.at(-1));
    });

    await t.step("other methods on admin paths are 405 with Allow", async () => {
      const r = await request("DELETE", `/v1/admin/sites/${shop.siteId}`);
      assertError(r, 405, /^method DELETE is not allowed/);
      assert.equal(r.headers.get("allow"), "GET");
      const w = await request("GET", `/v1/admin/sites/${shop.siteId}/webhook`);
      assertError(w, 405, /^method GET is not allowed/);
      assert.equal(w.headers.get("allow"), "PUT");
    });

    await t.step("no answer but creation and rotation, and no log line, has a secret", () => {
      assert.ok(secrets.length >= 4);
      const seen = [...answers, ...api.logs.map((l) => JSON.stringify(l))].join("\n");
      for (const secret of secrets) assert.ok(!seen.includes(secret), "a secret leaked");
      assert.ok(api.logs.some((l) => l.message === "site created"));
      assert.ok(api.logs.some((l) => l.message === "site secret rotated"));
    });
  } finally {
    await api.close();
  }
});
