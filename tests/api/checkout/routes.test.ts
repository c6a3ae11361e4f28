/**
 * The checkout routes over HTTP on a TON devnet processor: what the page and its status JSON
 * show (and do not), their security headers, return links given at creation, `paymentUrl`,
 * and 404s for unknown or malformed links.
 */

import assert from "node:assert/strict";
import { Address, toNano } from "@ton/core";
import { invoiceTick } from "../../../core/invoice_matching.ts";
import { createSite } from "../../../core/store/sites.ts";
import { type ApiResponse, serveApi } from "../../support/api_client.ts";
import { signedFetch } from "../../support/merchant_client.ts";
import { type TonHarness, withTonHarness } from "../../support/harness.ts";

interface Site {
  h: TonHarness;
  url: string;
  secret: string;
  call(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  get(path: string, headers?: Record<string, string>): Promise<Response & { body_: string }>;
}

function withSite(raw: Record<string, unknown>, fn: (s: Site) => Promise<void>): Promise<void> {
  return withTonHarness({ raw }, async (h) => {
    const { site, apiSecret } = await createSite(h.ctx.db, { name: "Shop <b>&</b>" });
    const api = serveApi(h.ctx);
    try {
      await fn({
        h,
        url: api.url,
        secret: apiSecret,
        call: (method, path, body) =>
          signedFetch(
            api.url,
            { siteId: site.id, apiSecret },
            method,
            path,
            body === undefined ? undefined : JSON.stringify(body),
          ),
        async get(path, headers = {}) {
          const r = await fetch(api.url + path, { headers });
          return Object.assign(r, { body_: await r.text() });
        },
      });
    } finally {
      await api.close();
    }
  });
}

Deno.test("a deposit's paymentUrl is its absolute checkout page, under public.baseUrl", async () => {
  await withSite({ public: { baseUrl: "https://pay.example.com/" } }, async (s) => {
    const r = await s.call("POST", "/v1/public/deposits", {
      orderId: "o-1",
      assetCode: "TON",
      expectedAmount: "1",
    });
    assert.equal(r.status, 201, r.text);
    const d = r.json as { uuid: string; paymentUrl: string; successUrl: null; cancelUrl: null };
    assert.equal(d.paymentUrl, `https://pay.example.com/pay/${d.uuid}`);
    assert.equal(d.successUrl, null);
    assert.equal(d.cancelUrl, null);
  });
});

Deno.test("return links must be absolute http(s) URLs, and a repeat with other links is refused", async () => {
  await withSite({}, async (s) => {
    for (
      const bad of [
        "javascript:alert(1)",
        "/relative",
        "ftp://x.example/",
        "https://u:p@x.example/",
      ]
    ) {
      const r = await s.call("POST", "/v1/public/deposits", {
        orderId: "o-bad",
        assetCode: "TON",
        expectedAmount: "1",
        successUrl: bad,
      });
      assert.equal(r.status, 400, bad);
      assert.match((r.json as { error: string }).error, /^successUrl: /);
    }
    const body = {
      orderId: "o-2",
      assetCode: "TON",
      expectedAmount: "1",
      successUrl: "https://shop.example/ok",
      cancelUrl: "http://shop.example/cart",
    };
    const first = await s.call("POST", "/v1/public/deposits", body);
    assert.equal(first.status, 201, first.text);
    const d = first.json as { paymentUrl: string; successUrl: string; cancelUrl: string };
    assert.equal(d.successUrl, "https://shop.example/ok");
    assert.equal(d.cancelUrl, "http://shop.example/cart");
    assert.ok(d.paymentUrl.startsWith("http://127.0.0.1:"), d.paymentUrl);
    assert.equal((await s.call("POST", "/v1/public/deposits", body)).status, 200);
    const other = await s.call("POST", "/v1/public/deposits", { ...body, cancelUrl: undefined });
    assert.equal(other.status, 400);
    assert.match((other.json as { error: string }).error, /cancelUrl/);
  });
});

Deno.test("the checkout page shows the payment, escapes the shop name, sends security headers", async () => {
  await withSite({}, async (s) => {
    const d = (await s.call("POST", "/v1/public/deposits", {
      orderId: "o-3",
      assetCode: "TON",
      expectedAmount: "1.5",
      metadata: { customerEmail: "secret@example.com" },
    })).json as { uuid: string; address: string; memo: string };
    const page = await s.get(`/pay/${d.uuid}`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
    const csp = page.headers.get("content-security-policy")!;
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers.get("x-frame-options"), "DENY");
    assert.equal(page.headers.get("x-content-type-options"), "nosniff");
    assert.equal(page.headers.get("referrer-policy"), "no-referrer");
    assert.equal(page.headers.get("cache-control"), "no-store");
    assert.ok(page.body_.includes("Shop &lt;b&gt;&amp;&lt;/b&gt;"), "the shop name is escaped");
    assert.ok(!page.body_.includes("<b>&</b>"));
    assert.ok(page.body_.includes(d.address));
    assert.ok(page.body_.includes(d.memo));
    assert.ok(page.body_.includes("Pay 1.5 TON"));
    // Nothing of the merchant's beyond its name: no order id, metadata, site id or secret.
    for (const hidden of ["o-3", "secret@example.com", "site_", s.secret]) {
      assert.ok(!page.body_.includes(hidden), hidden);
    }
    // Every script, style and image is the processor's own.
    for (const m of page.body_.matchAll(/(?:src|href)="([^"]+)"/g)) {
      assert.ok(m[1].startsWith("/") || m[1].startsWith("ton://") || m[1] === "#", m[1]);
    }
    const qr = await s.get(`/pay/${d.uuid}/qr.svg`);
    assert.equal(qr.status, 200);
    assert.equal(qr.headers.get("content-type"), "image/svg+xml; charset=utf-8");
    assert.match(qr.body_, /^<svg /);
    assert.ok(!qr.body_.includes("<script"));
    for (const asset of ["/pay/assets/checkout.css", "/pay/assets/checkout.js"]) {
      const r = await s.get(asset);
      assert.equal(r.status, 200, asset);
      assert.equal(r.headers.get("x-content-type-options"), "nosniff");
    }
  });
});

Deno.test("the page may be framed by the origins public.checkoutFrameAncestors names", async () => {
  await withSite({
    public: { checkoutFrameAncestors: ["https://shop.example/any/path"] },
  }, async (s) => {
    const d = (await s.call("POST", "/v1/public/deposits", {
      orderId: "o-4",
      assetCode: "TON",
      expectedAmount: "1",
    })).json as { uuid: string };
    const page = await s.get(`/pay/${d.uuid}`);
    assert.match(
      page.headers.get("content-security-policy")!,
      /frame-ancestors https:\/\/shop\.example(;|$)/,
    );
    assert.equal(page.headers.get("x-frame-options"), null);
  });
});

Deno.test("the status JSON follows the payment to paid, in the asked language, with the return link", async () => {
  await withSite({}, async (s) => {
    const d = (await s.call("POST", "/v1/public/deposits", {
      orderId: "o-5",
      assetCode: "TON",
      expectedAmount: "2",
      successUrl: "https://shop.example/ok",
    })).json as { uuid: string; address: string; memo: string };
    const status = async (lang = "en") => {
      const r = await s.get(`/pay/${d.uuid}/status?lang=${lang}`);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get("cache-control"), "no-store");
      return JSON.parse(r.body_);
    };
    const waiting = await status();
    assert.equal(waiting.state, "waiting");
    assert.equal(waiting.final, false);
    assert.equal(waiting.returnUrl, null, "no way back before the end");
    assert.equal(waiting.due, "2");
    assert.equal(
      waiting.paymentUri,
      `ton://transfer/${d.address}?amount=${toNano("2")}&text=${d.memo}`,
    );

    const pay = async (amount: string) => {
      const sent = s.h.devnet.faucet(Address.parse(d.address), toNano(amount), { comment: d.memo });
      await s.h.block();
      await sent;
    };
    await pay("0.5");
    const partly = await status("ru");
    assert.equal(partly.state, "underpaid");
    assert.equal(partly.title, "Оплачено частично");
    assert.match(partly.detail, /Доплатите 1,5 TON/);
    assert.equal(partly.due, "1.5");
    assert.equal(partly.dueText, "1,5");
    assert.ok(partly.paymentUri.includes(`amount=${toNano("1.5")}`), partly.paymentUri);
    assert.equal(typeof partly.txHash, "string");

    await pay("1.5");
    // Final on chain and covering the amount: paid at once, before the matcher's steps.
    const paid = await status();
    assert.equal(paid.state, "paid");
    assert.equal(paid.final, true);
    assert.equal(paid.returnUrl, "https://shop.example/ok");
    for (let i = 0; i < 5; i++) await invoiceTick(s.h.ctx);
    const merchant = await s.call("GET", `/v1/public/deposits/${d.uuid}`);
    assert.equal((merchant.json as { status: string }).status, "paid", "the matcher agrees");
    assert.equal((await status()).state, "paid");
  });
});

Deno.test("a cancelled deposit's page says so and links to the cancel URL", async () => {
  await withSite({}, async (s) => {
    const d = (await s.call("POST", "/v1/public/deposits", {
      orderId: "o-6",
      assetCode: "TON",
      expectedAmount: "1",
      successUrl: "https://shop.example/ok",
      cancelUrl: "https://shop.example/cart",
    })).json as { uuid: string };
    assert.equal((await s.call("POST", `/v1/public/deposits/${d.uuid}/cancel`)).status, 200);
    const r = JSON.parse((await s.get(`/pay/${d.uuid}/status`)).body_);
    assert.equal(r.state, "cancelled");
    assert.equal(r.final, true);
    assert.equal(r.showPay, false);
    assert.equal(r.returnUrl, "https://shop.example/cart");
    const page = await s.get(`/pay/${d.uuid}?lang=ru`);
    assert.ok(page.body_.includes("Отменено"));
    assert.ok(page.body_.includes('href="https://shop.example/cart"'));
  });
});

Deno.test("an unknown or malformed link is 404: a page, or JSON for the status, without details", async () => {
  await withSite({}, async (s) => {
    for (const id of [crypto.randomUUID(), "not-a-uuid", "'%3Cscript%3E", "0".repeat(5000)]) {
      const page = await s.get(`/pay/${id}`, { "accept-language": "ru" });
      assert.equal(page.status, 404, id);
      assert.match(page.body_, /Платёж не найден/);
      assert.doesNotMatch(page.body_, /<script|Error|at \S+\.ts/);
      const json = await s.get(`/pay/${id}/status`);
      assert.equal(json.status, 404);
      assert.deepEqual(JSON.parse(json.body_), { error: "Payment not found" });
      assert.equal((await s.get(`/pay/${id}/qr.svg`)).status, 404);
    }
    const post = await fetch(`${s.url}/pay/${crypto.randomUUID()}`, { method: "POST" });
    assert.equal(post.status, 405);
    await post.body?.cancel();
  });
});
