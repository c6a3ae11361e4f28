/**
 * The OpenAPI document: valid by a real OpenAPI 3.1 validator, complete (every route the app
 * serves is documented or left out on purpose), faithful to the seeds' shapes, with the
 * bearer token and the merchant's HMAC headers described; the check every API test runs on
 * every answer (tests/support/openapi_check.ts) refuses what the document does not say; and
 * the reference page is served from our own origin.
 */

import assert from "node:assert/strict";
import { Validator } from "@seriousme/openapi-schema-validator";
import { createApp } from "../../api/app.ts";
import { documentedRoutes, UNDOCUMENTED_PATHS } from "../../api/openapi.ts";
import { startApi, stubPlugin } from "../support/api_client.ts";
import { checkAgainstDocument } from "../support/openapi_check.ts";

type JsonObject = Record<string, unknown>;

const json = (body: unknown, status = 200) => ({
  status,
  headers: new Headers({ "content-type": "application/json" }),
  text: JSON.stringify(body),
});

const HASH = "9d0fb69b1ca9371bc9e5260a248cda12a1c42916f9051fe9fc21b4abdd41d744";
const INCOME = {
  deposit_address: "0QB7BSerVyP9xAKnxp3QpqR8JO2HKwZhl10zsfwg7aJ281ZR",
  time: 1680604643,
  source_address: "0QAUuul9LdYcyJuBHernHo3JkbWTduH_FuEb2H8jCDdGesOP",
  amount: "1000000",
  comment: "hello",
  tx_hash: HASH,
};

Deno.test("the served document is valid OpenAPI 3.1 and describes every route", async (t) => {
  const api = await startApi({ plugins: [stubPlugin()], devnet: true });
  try {
    const r = await api.request("GET", "/openapi.json", { token: null });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
    const document = r.json as JsonObject;

    await t.step("a real validator accepts it", async () => {
      assert.equal(document.openapi, "3.1.0");
      const result = await new Validator().validate(document);
      assert.deepEqual(result, { valid: true });
    });

    await t.step("every route is documented or left out on purpose, and none is made up", () => {
      const served = createApp(api.ctx, { devnet: true }).routes
        .filter((route) => ["GET", "POST", "PUT"].includes(route.method))
        .map((route) => `${route.method} ${route.path}`);
      const documented = documentedRoutes();
      const excluded = (route: string) =>
        UNDOCUMENTED_PATHS.some((u) => route.split(" ")[1].startsWith(u.prefix));
      assert.deepEqual(
        served.filter((route) => !excluded(route) && !documented.includes(route)),
        [],
        "served but not documented",
      );
      assert.deepEqual(documented.filter((route) => !served.includes(route)), [], "made up");
      // The exclusions are the ones the README names, and each still exists.
      for (const { prefix } of UNDOCUMENTED_PATHS) {
        assert.ok(served.some((route) => route.split(" ")[1].startsWith(prefix)), prefix);
      }
    });

    await t.step("the bearer token and the merchant's HMAC headers are described", () => {
      const components = document.components as { securitySchemes: JsonObject };
      assert.deepEqual(components.securitySchemes.bearer, {
        type: "http",
        scheme: "bearer",
        description: "One of `api.tokens`.",
      });
      for (
        const [scheme, header] of [
          ["siteId", "X-Site-Id"],
          ["timestamp", "X-Timestamp"],
          ["signature", "X-Signature"],
        ]
      ) {
        const s = components.securitySchemes[scheme] as JsonObject;
        assert.equal(s.type, "apiKey");
        assert.equal(s.in, "header");
        assert.equal(s.name, header);
      }
      const paths = document.paths as Record<string, Record<string, JsonObject>>;
      for (const [path, item] of Object.entries(paths)) {
        for (const [method, op] of Object.entries(item)) {
          const where = `${method} ${path}`;
          const headers = ((op.parameters ?? []) as JsonObject[])
            .filter((p) => p.in === "header").map((p) => p.name);
          if (path.startsWith("/v1/public/")) {
            assert.deepEqual(op.security, [{ siteId: [], timestamp: [], signature: [] }], where);
            assert.deepEqual(headers, ["X-Signature-Version", "X-Nonce"], where);
            assert.ok("403" in (op.responses as JsonObject), where);
          } else if (path === "/v1/system/sync" || !path.startsWith("/v1/")) {
            assert.deepEqual(op.security, [], where);
          } else {
            assert.deepEqual(op.security, [{ bearer: [] }], where);
            assert.ok("401" in (op.responses as JsonObject), where);
          }
        }
      }
    });
  } finally {
    await api.close();
  }
});

// The examples of shared/seeds/processor-api.txt, each with the fields we add (marked), must
// conform: the document describes the seed's names, casing and types.
Deno.test("the seeds' example answers conform to the document", () => {
  const seeds: [string, string, unknown][] = [
    ["POST", "/v1/address/new", { address: INCOME.deposit_address }],
    ["GET", "/v1/address/all?user_id=123", {
      addresses: [
        { address: INCOME.deposit_address, currency: "TON" },
        { address: "0QCdyiS-fIV9UVfI9Phswo4l2MA-hm8YseHynZ_YiH9Y1oSe", currency: "TGR" },
      ],
    }],
    ["GET", "/v1/income?user_id=123", {
      counting_side: "deposit",
      total_income: [{
        deposit_address: INCOME.deposit_address,
        amount: "1000000",
        currency: "TON",
      }],
    }],
    ["GET", "/v1/deposit/history?user_id=1&currency=TON", {
      incomes: [{ ...INCOME, confirmations: 3 /* ours */ }],
    }],
    ["POST", "/v1/withdrawal/send", { ID: 1 }],
    ["POST", "/v1/withdrawal/service/ton", { memo: "123e4567-e89b-12d3-a456-426655440000" }],
    ["POST", "/v1/withdrawal/service/jetton", { memo: "123e4567-e89b-12d3-a456-426655440000" }],
    ["GET", "/v1/withdrawal/status?id=1", {
      user_id: "123",
      query_id: "321",
      status: "processed",
      tx_hash: HASH,
    }],
    ["GET", "/v1/balance?currency=TON", {
      balance: "1000000",
      status: "active",
      total_processing_amount: "1000",
      total_pending_amount: "1000",
    }],
    ["GET", "/v1/system/sync", {
      is_synced: false,
      last_block_gen_utime: 1718490850,
      chains: {}, /* ours */
    }],
    ["GET", `/v1/deposit/income?tx_hash=${HASH}`, {
      currency: "TON",
      income: { ...INCOME, confirmations: 3 /* ours */ },
    }],
    ["GET", "/v1/resolve?domain=wallet.ton", {
      address: "kQCKt2WPGX-fh0cIAz38Ljd_OKQjoZE_cqk7QrYGsNP6wfP0",
    }],
  ];
  for (const [method, url, body] of seeds) checkAgainstDocument(method, url, json(body));
  for (const [method, url] of seeds) {
    checkAgainstDocument(method, url, json({ error: "error text" }, 400));
    checkAgainstDocument(method, url, json({ error: "error text" }, 500));
  }
  checkAgainstDocument("GET", "/v1/deposit/income?tx_hash=x", json({ error: "e" }, 404));
  checkAgainstDocument("GET", "/v1/resolve?domain=x", json({ error: "e" }, 404));
});

Deno.test("the check refuses an answer the document does not describe", () => {
  const refuses = (method: string, url: string, response: ReturnType<typeof json>, why: RegExp) =>
    assert.throws(() => checkAgainstDocument(method, url, response), why);
  refuses("POST", "/v1/withdrawal/send", json({ ID: "1" }), /ID must be integer/);
  refuses("POST", "/v1/withdrawal/send", json({ id: 1 }), /must have required property 'ID'/);
  refuses("POST", "/v1/address/new", json({ address: "A", extra: 1 }), /additional properties/);
  refuses("POST", "/v1/address/new", json({ address: "A" }, 201), /status not documented/);
  refuses("GET", "/v1/withdrawal/status", json({ ...{ user_id: "1", query_id: "1" } }), /status/);
  refuses("GET", "/healthz", { ...json({ status: "ok" }), text: "ok" }, /not JSON/);
  refuses("GET", "/v1/nothing", json({ error: "e" }, 200), /no operation documents/);
  refuses("GET", "/v1/nothing", json({ message: "e" }, 404), /required property 'error'/);
  // And accepts what it does describe, unknown paths' 404 included.
  checkAgainstDocument("POST", "/v1/withdrawal/send", json({ ID: 7 }));
  checkAgainstDocument("DELETE", "/v1/address/new", json({ error: "e" }, 405));
  checkAgainstDocument("GET", "/v1/nothing", json({ error: "e" }, 404));
});

Deno.test("the reference page is Swagger UI served from our own origin", async () => {
  const api = await startApi();
  try {
    const page = await api.request("GET", "/docs", { token: null });
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    const csp = page.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self';/);
    // Every asset the page loads is a relative URL, so it comes from this server.
    const urls = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(urls, [
      "docs/assets/favicon-32x32.png",
      "docs/assets/swagger-ui.css",
      "docs/assets/swagger-ui-bundle.js",
      "docs/assets/init.js",
    ]);
    const types: Record<string, RegExp> = {
      "favicon-32x32.png": /^image\/png/,
      "swagger-ui.css": /^text\/css/,
      "swagger-ui-bundle.js": /^text\/javascript/,
      "init.js": /^text\/javascript/,
    };
    for (const url of urls) {
      const r = await api.request("GET", `/${url}`, { token: null });
      assert.equal(r.status, 200, url);
      assert.match(r.headers.get("content-type") ?? "", types[url.split("/").at(-1)!]);
      assert.ok(r.text.length > 0, url);
    }
    const bundle = await api.request("GET", "/docs/assets/swagger-ui-bundle.js", { token: null });
    assert.match(bundle.text, /SwaggerUIBundle/);
    const init = await api.request("GET", "/docs/assets/init.js", { token: null });
    assert.match(init.text, /openapi\.json/);
    assert.match(init.text, /validatorUrl: null/);
  } finally {
    await api.close();
  }
});
