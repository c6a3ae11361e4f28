/**
 * The checkout page's HTML and its status JSON, rendered on the server from a
 * {@linkcode CheckoutView}: the page is whole without its script (which only keeps it live),
 * and every text is escaped here, in one place.
 *
 * @module
 */

import type { CheckoutView } from "../../core/checkout.ts";
import { formatAmount, formatTime, type Lang, LANGS, plainAmount, textsOf } from "./i18n.ts";

/** Escapes text for HTML content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!,
  );
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** The network as the page names it: the chain's name in capitals, with `(devnet)` or `(testnet)` off mainnet. */
function networkName(view: CheckoutView): string {
  const chain = view.chain.toUpperCase();
  return view.network === "mainnet" ? chain : `${chain} (${view.network})`;
}

/** The live part of the page, as `GET /pay/{uuid}/status` answers it. */
export interface CheckoutStatusJson {
  state: CheckoutView["state"];
  final: boolean;
  /**
   * Whether to show what to pay: not once final, nor while a payment is confirming (its
   * amount is not known to fall short yet, and a second one would overpay).
   */
  showPay: boolean;
  /** The state's title and detail line, in the asked language. */
  title: string;
  detail: string;
  /** Amounts in whole units as wallets take them (`"1.5"`), and as the language writes them. */
  due: string;
  dueText: string;
  /** "Amount", or "Still to pay" while underpaid. */
  dueLabel: string;
  received: string;
  missing: string;
  confirmations: number | null;
  requiredConfirmations: number;
  txHash: string | null;
  explorerTxUrl: string | null;
  returnUrl: string | null;
  /** What the QR code holds now (it changes when part is paid). */
  paymentUri: string;
  expiresAt: string;
  /** The server's clock, so the countdown does not depend on the customer's. */
  now: string;
}

/** The status JSON of a view, in `lang`. */
export function checkoutStatusJson(
  view: CheckoutView,
  lang: Lang,
  nowMs: number,
): CheckoutStatusJson {
  const t = textsOf(lang);
  const withCode = (amount: bigint) =>
    `${formatAmount(amount, view.decimals, lang)} ${view.assetCode}`;
  const state = t.states[view.state];
  return {
    state: view.state,
    final: view.final,
    showPay: !view.final && view.state !== "seen" && view.state !== "confirming",
    title: state.title,
    detail: state.detail({
      received: withCode(view.received),
      missing: withCode(view.missing),
      confirmations: view.confirmations ?? 0,
      required: view.requiredConfirmations,
    }),
    due: view.due === 0n ? "0" : plainAmount(view.due, view.decimals),
    dueText: view.due === 0n ? t.anyAmount : formatAmount(view.due, view.decimals, lang),
    dueLabel: view.state === "underpaid" ? t.stillToPay : t.amount,
    received: plainAmount(view.received, view.decimals),
    missing: plainAmount(view.missing, view.decimals),
    confirmations: view.confirmations,
    requiredConfirmations: view.requiredConfirmations,
    txHash: view.txHash,
    explorerTxUrl: view.explorerTxUrl,
    returnUrl: view.returnUrl,
    paymentUri: view.paymentUri,
    expiresAt: iso(view.expiresAt),
    now: iso(nowMs),
  };
}

/** Where the QR image of a view is, its version naming the URI so a change reloads it. */
export function qrPath(view: CheckoutView, lang: Lang): string {
  let hash = 0;
  for (const ch of view.paymentUri) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `/pay/${view.uuid}/qr.svg?v=${hash.toString(36)}&lang=${lang}`;
}

function copyRow(id: string, label: string, value: string, shown: string, lang: Lang): string {
  const t = textsOf(lang);
  return `<div class="row"><dt id="${id}-label">${escapeHtml(label)}</dt><dd>` +
    `<code id="${id}" class="value">${escapeHtml(shown)}</code>` +
    `<button type="button" class="copy" data-copy="${escapeHtml(value)}" data-for="${id}" ` +
    `aria-label="${escapeHtml(t.copyWhat(label))}">${escapeHtml(t.copy)}</button></dd></div>`;
}

function languageLinks(view: CheckoutView, lang: Lang): string {
  const names: Record<Lang, string> = { en: "English", ru: "Русский" };
  return LANGS.map((l) =>
    l === lang
      ? `<span aria-current="true" lang="${l}">${names[l]}</span>`
      : `<a href="/pay/${view.uuid}?lang=${l}" lang="${l}" hreflang="${l}">${names[l]}</a>`
  ).join(" · ");
}

function shell(lang: Lang, title: string, body: string, script: boolean): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">` +
    `<title>${escapeHtml(title)}</title><link rel="stylesheet" href="/pay/assets/checkout.css">` +
    `</head><body>${body}` +
    (script ? `<script src="/pay/assets/checkout.js" defer></script>` : "") +
    `</body></html>`;
}

/** The whole checkout page of a view, in `lang`. */
export function renderCheckoutPage(view: CheckoutView, lang: Lang, nowMs: number): string {
  const t = textsOf(lang);
  const s = checkoutStatusJson(view, lang, nowMs);
  const amount = view.amount === 0n
    ? t.anyAmount
    : `${formatAmount(view.amount, view.decimals, lang)} ${view.assetCode}`;
  const amountRow = view.amount === 0n
    ? `<div class="row"><dt>${escapeHtml(t.amount)}</dt><dd><span id="amount" class="value">` +
      `${escapeHtml(t.anyAmount)}</span><span class="hint">${escapeHtml(t.anyAmountHint)}</span>` +
      `</dd></div>`
    : `<div class="row"><dt id="amount-label">${escapeHtml(s.dueLabel)}</dt><dd>` +
      `<code id="amount" class="value">${escapeHtml(s.dueText)}</code> ` +
      `<span class="unit">${escapeHtml(view.assetCode)}</span>` +
      `<button type="button" class="copy" id="amount-copy" data-copy="${escapeHtml(s.due)}" ` +
      `data-for="amount" aria-label="${escapeHtml(t.copyWhat(t.amount))}">${escapeHtml(t.copy)}` +
      `</button></dd></div>`;
  const memo = view.memo === null ? "" : copyRow("memo", t.memo, view.memo, view.memo, lang) +
    `<p class="warning" id="memo-warning"><strong>!</strong> ${escapeHtml(t.memoWarning)}</p>`;
  const tx = s.txHash === null
    ? ""
    : s.explorerTxUrl
    ? `<a href="${escapeHtml(s.explorerTxUrl)}" rel="noopener noreferrer" target="_blank">` +
      `${escapeHtml(s.txHash)}</a>`
    : escapeHtml(s.txHash);
  const back = s.returnUrl === null
    ? `<a id="back" class="button" hidden href="#">${escapeHtml(t.backToShop)}</a>`
    : `<a id="back" class="button" href="${escapeHtml(s.returnUrl)}">${
      escapeHtml(t.backToShop)
    }</a>`;
  const body = `<main id="checkout" data-uuid="${view.uuid}" data-state="${s.state}" ` +
    `data-final="${s.final}" data-expires="${view.expiresAt}" data-now="${nowMs}" ` +
    `data-time-up="${escapeHtml(t.timeUp)}" data-copied="${escapeHtml(t.copied)}" ` +
    `data-copy="${escapeHtml(t.copy)}">` +
    `<nav class="langs" aria-label="${escapeHtml(t.language)}">${languageLinks(view, lang)}</nav>` +
    `<header><p class="shop">${escapeHtml(t.payTo(view.shopName))}</p>` +
    `<h1>${escapeHtml(t.title(amount))}</h1>` +
    `<p class="network">${escapeHtml(t.network(view.assetCode, networkName(view)))}</p></header>` +
    `<section class="status" aria-labelledby="status-title">` +
    `<div role="status" aria-live="polite" aria-atomic="true">` +
    `<h2 id="status-title">${escapeHtml(s.title)}</h2><p id="status-detail">${
      escapeHtml(s.detail)
    }</p>` +
    `</div>` +
    `<p id="tx"${s.txHash === null ? " hidden" : ""}>${escapeHtml(t.transaction)}: ` +
    `<span id="tx-link" class="value">${tx}</span></p>` +
    `<p id="countdown"${s.final ? " hidden" : ""}>${escapeHtml(t.timeLeft)}: ` +
    `<span id="timer" class="value">—</span> · ${escapeHtml(t.expiresAt)} ` +
    `<time id="expires" datetime="${s.expiresAt}">${
      escapeHtml(formatTime(view.expiresAt, lang))
    }</time></p>` +
    `${back}<p id="offline" class="offline" hidden>${escapeHtml(t.offline)}</p></section>` +
    `<section id="pay" class="pay"${s.showPay ? "" : " hidden"} aria-label="${
      escapeHtml(t.title(amount))
    }">` +
    `<img id="qr" class="qr" src="${qrPath(view, lang)}" width="264" height="264" ` +
    `alt="${escapeHtml(t.qrLabel(view.assetCode))}">` +
    `<dl>${amountRow}${
      copyRow("address", t.address, view.address, view.address, lang)
    }${memo}</dl>` +
    `<a id="wallet" class="button" href="${escapeHtml(s.paymentUri)}">${
      escapeHtml(t.openWallet)
    }</a>` +
    `</section><p id="copied" class="visually-hidden" aria-live="polite"></p></main>`;
  return shell(lang, `${t.title(amount)} · ${view.shopName}`, body, true);
}

/** The page of an unknown or malformed payment link. */
export function renderNotFoundPage(lang: Lang): string {
  const t = textsOf(lang);
  return shell(
    lang,
    t.notFoundTitle,
    `<main id="checkout" class="not-found"><h1>${escapeHtml(t.notFoundTitle)}</h1>` +
      `<p>${escapeHtml(t.notFoundText)}</p></main>`,
    false,
  );
}
