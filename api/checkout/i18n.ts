/**
 * The checkout page's languages (English and Russian): choosing one, its texts, and amounts
 * and times written the way each language writes them. Amounts stay exact: they are
 * formatted from base units as strings, never through floating point.
 *
 * @module
 */

import { formatUnits } from "../../core/amount.ts";
import type { CheckoutState } from "../../core/checkout.ts";

/** The languages the page speaks. */
export type Lang = "en" | "ru";

/** Every language, the default first. */
export const LANGS: readonly Lang[] = ["en", "ru"];

/**
 * The page's language: `?lang=` when it names one we speak, else the first of
 * `Accept-Language` (by q-value) that we speak, else English.
 */
export function pickLang(query: string | undefined, acceptLanguage: string | undefined): Lang {
  if (query && (LANGS as readonly string[]).includes(query.toLowerCase())) {
    return query.toLowerCase() as Lang;
  }
  const ranked = (acceptLanguage ?? "").split(",").map((part, i) => {
    const [tag, ...params] = part.trim().split(";");
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
    return { lang: tag.trim().toLowerCase().split("-")[0], q: q ? Number(q) : 1, i };
  }).filter((r) => r.q > 0).sort((a, b) => b.q - a.q || a.i - b.i);
  for (const r of ranked) if ((LANGS as readonly string[]).includes(r.lang)) return r.lang as Lang;
  return "en";
}

/**
 * An amount in base units as the language writes it, exact and without trailing zeros:
 * `1,234.5` in English, `1 234,5` in Russian (no-break space, decimal comma).
 */
export function formatAmount(amount: bigint, decimals: number, lang: Lang): string {
  const [whole, fraction = ""] = plainAmount(amount, decimals).split(".");
  const group = lang === "ru" ? "\u00a0" : ",";
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, group);
  return fraction ? `${grouped}${lang === "ru" ? "," : "."}${fraction}` : grouped;
}

/** An amount as wallets take it: `1234.5` (what copy buttons copy). */
export function plainAmount(amount: bigint, decimals: number): string {
  const text = formatUnits(amount, decimals);
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

/** A moment as the language writes it, in UTC (the page's script shows local time). */
export function formatTime(ms: number, lang: Lang): string {
  const text = new Intl.DateTimeFormat(lang === "ru" ? "ru-RU" : "en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: "UTC",
  }).format(new Date(ms));
  return `${text} UTC`;
}

/** The texts of one language. */
export interface Texts {
  title: (amount: string) => string;
  payTo: (shop: string) => string;
  network: (asset: string, chain: string) => string;
  amount: string;
  stillToPay: string;
  anyAmount: string;
  anyAmountHint: string;
  address: string;
  memo: string;
  memoWarning: string;
  qrLabel: (asset: string) => string;
  openWallet: string;
  copy: string;
  copied: string;
  copyWhat: (what: string) => string;
  timeLeft: string;
  expiresAt: string;
  timeUp: string;
  transaction: string;
  backToShop: string;
  offline: string;
  notFoundTitle: string;
  notFoundText: string;
  language: string;
  states: Record<CheckoutState, { title: string; detail: (d: StateDetail) => string }>;
}

/** What a state's detail line may mention. */
export interface StateDetail {
  /** Formatted amounts with the asset code. */
  received: string;
  missing: string;
  confirmations: number;
  required: number;
}

const EN: Texts = {
  title: (amount) => `Pay ${amount}`,
  payTo: (shop) => `Payment to ${shop}`,
  network: (asset, chain) => `${asset} on the ${chain} network`,
  amount: "Amount",
  stillToPay: "Still to pay",
  anyAmount: "any amount",
  anyAmountHint: "Send as much as you want to pay.",
  address: "Address",
  memo: "Comment (memo)",
  memoWarning:
    "Put this comment in your transfer exactly as shown. A payment without it cannot be matched to your order.",
  qrLabel: (asset) => `QR code of the ${asset} payment, for a wallet app to scan`,
  openWallet: "Open in wallet",
  copy: "Copy",
  copied: "Copied",
  copyWhat: (what) => `Copy ${what.toLowerCase()}`,
  timeLeft: "Time left",
  expiresAt: "Pay before",
  timeUp: "Time is up",
  transaction: "Transaction",
  backToShop: "Back to the shop",
  offline: "Connection lost. Retrying…",
  notFoundTitle: "Payment not found",
  notFoundText: "This payment link is not valid. Ask the shop for a new one.",
  language: "Language",
  states: {
    waiting: { title: "Waiting for your payment", detail: () => "This page updates by itself." },
    seen: {
      title: "Payment seen",
      detail: (d) =>
        `Received ${d.received}. ${d.confirmations} of ${d.required} confirmations so far.`,
    },
    confirming: {
      title: "Confirming",
      detail: (d) => `${d.confirmations} of ${d.required} confirmations. Received ${d.received}.`,
    },
    paid: { title: "Paid", detail: (d) => `Received ${d.received}. Thank you!` },
    paid_over: {
      title: "Paid (more than asked)",
      detail: (d) => `Received ${d.received}. The shop can refund the difference.`,
    },
    underpaid: {
      title: "Partly paid",
      detail: (d) =>
        `Received ${d.received}. Send the missing ${d.missing} to the same address before the time is up.`,
    },
    wrong_amount: {
      title: "Underpaid",
      detail: (d) => `Only ${d.received} arrived in time. Contact the shop for a refund.`,
    },
    expired: { title: "Expired", detail: () => "The time to pay is over. Do not send anything." },
    cancelled: { title: "Cancelled", detail: () => "The shop cancelled this payment." },
    failed: {
      title: "Payment failed",
      detail: () => "The payment could not be completed. Contact the shop.",
    },
    refunding: { title: "Refund in progress", detail: () => "The shop is refunding your payment." },
    refunded: { title: "Refunded", detail: () => "Your payment was sent back." },
    refund_failed: {
      title: "Refund pending",
      detail: () => "The refund could not be sent yet. Contact the shop.",
    },
  },
};

const RU: Texts = {
  title: (amount) => `Оплата ${amount}`,
  payTo: (shop) => `Платёж в пользу ${shop}`,
  network: (asset, chain) => `${asset} в сети ${chain}`,
  amount: "Сумма",
  stillToPay: "Осталось доплатить",
  anyAmount: "любая сумма",
  anyAmountHint: "Отправьте сумму, которую хотите заплатить.",
  address: "Адрес",
  memo: "Комментарий (memo)",
  memoWarning:
    "Укажите этот комментарий в переводе точно как здесь. Платёж без него нельзя сопоставить с вашим заказом.",
  qrLabel: (asset) => `QR-код платежа ${asset} для сканирования кошельком`,
  openWallet: "Открыть в кошельке",
  copy: "Копировать",
  copied: "Скопировано",
  copyWhat: (what) => `Копировать: ${what.toLowerCase()}`,
  timeLeft: "Осталось времени",
  expiresAt: "Оплатить до",
  timeUp: "Время вышло",
  transaction: "Транзакция",
  backToShop: "Вернуться в магазин",
  offline: "Нет связи. Повторяем…",
  notFoundTitle: "Платёж не найден",
  notFoundText: "Эта ссылка на оплату недействительна. Попросите у магазина новую.",
  language: "Язык",
  states: {
    waiting: { title: "Ожидаем ваш платёж", detail: () => "Страница обновляется сама." },
    seen: {
      title: "Платёж замечен",
      detail: (d) =>
        `Получено ${d.received}. Подтверждений пока: ${d.confirmations} из ${d.required}.`,
    },
    confirming: {
      title: "Подтверждается",
      detail: (d) => `Подтверждений: ${d.confirmations} из ${d.required}. Получено ${d.received}.`,
    },
    paid: { title: "Оплачено", detail: (d) => `Получено ${d.received}. Спасибо!` },
    paid_over: {
      title: "Оплачено (больше нужного)",
      detail: (d) => `Получено ${d.received}. Разницу магазин может вернуть.`,
    },
    underpaid: {
      title: "Оплачено частично",
      detail: (d) =>
        `Получено ${d.received}. Доплатите ${d.missing} на тот же адрес, пока не вышло время.`,
    },
    wrong_amount: {
      title: "Недоплата",
      detail: (d) => `Вовремя пришло только ${d.received}. Свяжитесь с магазином для возврата.`,
    },
    expired: {
      title: "Время истекло",
      detail: () => "Время на оплату вышло. Ничего не отправляйте.",
    },
    cancelled: { title: "Отменено", detail: () => "Магазин отменил этот платёж." },
    failed: {
      title: "Платёж не удался",
      detail: () => "Платёж не удалось завершить. Свяжитесь с магазином.",
    },
    refunding: { title: "Идёт возврат", detail: () => "Магазин возвращает ваш платёж." },
    refunded: { title: "Возвращено", detail: () => "Ваш платёж отправлен обратно." },
    refund_failed: {
      title: "Возврат задерживается",
      detail: () => "Возврат пока не удалось отправить. Свяжитесь с магазином.",
    },
  },
};

/** The texts of `lang`. */
export function textsOf(lang: Lang): Texts {
  return lang === "ru" ? RU : EN;
}
