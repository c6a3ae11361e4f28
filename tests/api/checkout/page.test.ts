import assert from "node:assert/strict";
import { CHECKOUT_CSS, CHECKOUT_JS } from "../../../api/checkout/assets.ts";
import {
  checkoutStatusJson,
  escapeHtml,
  renderCheckoutPage,
  renderNotFoundPage,
} from "../../../api/checkout/page.ts";
import type { CheckoutView } from "../../../core/checkout.ts";

const NOW = Date.UTC(2026, 11, 2, 7, 0);

const view = (over: Partial<CheckoutView> = {}): CheckoutView => ({
  uuid: "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  shopName: "Shop",
  assetCode: "USDT_TRC20",
  chain: "tron",
  network: "mainnet",
  decimals: 6,
  amount: 100_500_000n,
  address: "TLqh4TXjXQn4dZmpJ6RnbpcqWc3KZ6e6kk",
  memo: null,
  due: 100_500_000n,
  paymentUri: "tron:TLqh4TXjXQn4dZmpJ6RnbpcqWc3KZ6e6kk?amount=100.5",
  expiresAt: NOW + 3_600_000,
  state: "waiting",
  final: false,
  received: 0n,
  missing: 0n,
  confirmations: null,
  requiredConfirmations: 19,
  txHash: null,
  explorerTxUrl: null,
  returnUrl: null,
  ...over,
});

Deno.test("the page shows the exact amount, the address with copy buttons, and no memo for TRON", () => {
  const html = renderCheckoutPage(view(), "en", NOW);
  assert.ok(html.includes("Pay 100.5 USDT_TRC20"));
  assert.ok(html.includes('data-copy="100.5"'));
  assert.ok(html.includes('data-copy="TLqh4TXjXQn4dZmpJ6RnbpcqWc3KZ6e6kk"'));
  assert.ok(html.includes("USDT_TRC20 on the TRON network"));
  assert.ok(!html.includes('id="memo"'));
  assert.ok(!html.includes("<script>"), "no inline script: the CSP allows none");
  assert.ok(!/ style=/.test(html), "no inline style: the CSP allows none");
});

Deno.test("a memo chain's page shows the memo and the warning", () => {
  const html = renderCheckoutPage(
    view({ chain: "ton", assetCode: "TON", decimals: 9, memo: "INV-0123456789" }),
    "ru",
    NOW,
  );
  assert.ok(html.includes('<code id="memo" class="value">INV-0123456789</code>'));
  assert.ok(html.includes("Платёж без него нельзя сопоставить"));
  assert.ok(html.startsWith('<!doctype html><html lang="ru">'));
});

Deno.test("an any-amount deposit says so and has no amount to copy", () => {
  const html = renderCheckoutPage(view({ amount: 0n, due: 0n }), "en", NOW);
  assert.ok(html.includes("Pay any amount"));
  assert.ok(!html.includes('id="amount-copy"'));
});

Deno.test("a final page hides what to pay and links back to the shop", () => {
  const html = renderCheckoutPage(
    view({
      state: "paid",
      final: true,
      received: 100_500_000n,
      txHash: "ab12",
      explorerTxUrl: "https://tronscan.org/#/transaction/ab12",
      returnUrl: "https://shop.example/ok?a=1&b=2",
    }),
    "en",
    NOW,
  );
  assert.ok(html.includes('<section id="pay" class="pay" hidden'));
  assert.ok(html.includes('<p id="countdown" hidden'));
  assert.ok(html.includes('href="https://shop.example/ok?a=1&amp;b=2">Back to the shop'));
  assert.ok(html.includes('href="https://tronscan.org/#/transaction/ab12"'));
});

Deno.test("the status of a confirming payment counts its confirmations", () => {
  const s = checkoutStatusJson(
    view({ state: "confirming", received: 100_500_000n, confirmations: 4, txHash: "ab" }),
    "en",
    NOW,
  );
  assert.equal(s.detail, "4 of 19 confirmations. Received 100.5 USDT_TRC20.");
  assert.equal(s.showPay, false, "a second payment would overpay");
  assert.equal(checkoutStatusJson(view({ state: "underpaid" }), "en", NOW).showPay, true);
  assert.equal(s.now, "2026-12-02T07:00:00Z");
});

Deno.test("every text is escaped", () => {
  assert.equal(
    escapeHtml(`<a href="x">'&'</a>`),
    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
  );
  const html = renderCheckoutPage(view({ shopName: `"><img src=x onerror=alert(1)>` }), "en", NOW);
  assert.ok(!html.includes("<img src=x"));
});

Deno.test("the page fits its weight budget: HTML 8 KiB, CSS 4 KiB, script 5 KiB", () => {
  const html = renderCheckoutPage(
    view({
      chain: "ton",
      assetCode: "USDT_TON",
      memo: "INV-0123456789",
      shopName: "x".repeat(128),
    }),
    "ru",
    NOW,
  );
  const size = (s: string) => new TextEncoder().encode(s).length;
  assert.ok(size(html) <= 8 * 1024, `HTML ${size(html)}`);
  assert.ok(size(CHECKOUT_CSS) <= 4 * 1024, `CSS ${size(CHECKOUT_CSS)}`);
  assert.ok(size(CHECKOUT_JS) <= 5 * 1024, `JS ${size(CHECKOUT_JS)}`);
});

Deno.test("the not-found page says so in the language, with no script", () => {
  const html = renderNotFoundPage("ru");
  assert.ok(html.includes("<h1>Платёж не найден</h1>"));
  assert.ok(!html.includes("<script"));
});
