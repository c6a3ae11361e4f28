/**
 * What the hosted checkout page (`/pay/{uuid}`) shows a customer: a deposit as its payer
 * needs it, reached by uuid alone (the uuid is the capability), with nothing of the site
 * beyond its name, and no order id, metadata or other deposit.
 *
 * Decisions:
 * - The customer's state is derived from the payments as well as the status: once the
 *   on-time payments are final and cover the amount, the page says paid at once, without
 *   waiting for the matcher's remaining one-step-per-second transitions. Those outcomes are
 *   fixed by then (`settlementOf` decides both), so the page never says paid to a deposit
 *   that ends otherwise.
 * - Underpaid while the window is open is its own state, with what is missing, since the
 *   customer can still send the rest.
 *
 * @module
 */

import { assetOf, type ProcessorContext } from "./context.ts";
import { depositJson } from "./invoice_render.ts";
import { type InvoiceStatus, settlementOf } from "./invoice_status.ts";
import { invoiceForCheckout, type InvoicePayment, invoicePayments } from "./store/invoices.ts";

/** The states a customer sees. */
export type CheckoutState =
  | "waiting"
  | "seen"
  | "confirming"
  | "paid"
  | "paid_over"
  | "underpaid"
  | "wrong_amount"
  | "expired"
  | "cancelled"
  | "failed"
  | "refunding"
  | "refunded"
  | "refund_failed";

/** States after which nothing the customer does changes the outcome. */
export const FINAL_CHECKOUT_STATES: readonly CheckoutState[] = [
  "paid",
  "paid_over",
  "wrong_amount",
  "expired",
  "cancelled",
  "failed",
  "refunding",
  "refunded",
  "refund_failed",
];

/** A deposit as its checkout page shows it. Amounts are base units. */
export interface CheckoutView {
  uuid: string;
  /** The site's name. */
  shopName: string;
  assetCode: string;
  /** The chain plugin's name, e.g. `coin`. */
  chain: string;
  /** `mainnet`, `testnet` or `devnet`. */
  network: string;
  decimals: number;
  /** Expected amount; 0 means any amount. */
  amount: bigint;
  /** Receiving address, display form. */
  address: string;
  /** Comment the payment must carry (memo chains), or null. */
  memo: string | null;
  /** What is left to pay: the amount, or what is missing while underpaid. */
  due: bigint;
  /**
   * What the QR code holds, for the amount due: the plugin's wallet URI, or the address when
   * it has none.
   */
  paymentUri: string;
  /** Unix milliseconds. */
  expiresAt: number;
  state: CheckoutState;
  final: boolean;
  /** Total of the on-time payments. */
  received: bigint;
  /** What is still missing while underpaid; 0 otherwise. */
  missing: bigint;
  /** Confirmations of the least confirmed on-time payment; null before any payment. */
  confirmations: number | null;
  requiredConfirmations: number;
  /** The latest on-time payment's transaction and its explorer link. */
  txHash: string | null;
  explorerTxUrl: string | null;
  /** The merchant's link back, once final: success for paid, cancel otherwise. */
  returnUrl: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const BY_STATUS: Partial<Record<InvoiceStatus, CheckoutState>> = {
  paid: "paid",
  paid_over: "paid_over",
  wrong_amount: "wrong_amount",
  expired: "expired",
  cancel: "cancelled",
  fail: "failed",
  system_fail: "failed",
  refund_process: "refunding",
  refund_paid: "refunded",
  refund_fail: "refund_failed",
};

/**
 * The customer's state of a deposit in `status` with its on-time `payments`,
 * with `required` confirmations needed.
 */
export function checkoutState(
  status: InvoiceStatus,
  payments: readonly InvoicePayment[],
  d: { expected: bigint; required: number; toleranceBps: number },
): CheckoutState {
  const decided = BY_STATUS[status];
  if (decided) return decided;
  if (!payments.length) return "waiting";
  if (payments.some((p) => p.confirmations < d.required)) {
    return status === "confirm_check" ? "confirming" : "seen";
  }
  const total = payments.reduce((s, p) => s + p.amount, 0n);
  const settled = settlementOf(total, d.expected, d.toleranceBps);
  if (settled === "exact") return "paid";
  if (settled === "over") return "paid_over";
  // Short: the matcher decides wrong_amount once the chain's clock passes the window; until
  // then more may come (and a payment made in time but ingested late still counts).
  return "underpaid";
}

/** The checkout view of deposit `uuid`; null for a malformed or unknown uuid. */
export async function checkoutView(
  ctx: ProcessorContext,
  uuid: string,
): Promise<CheckoutView | null> {
  if (!UUID.test(uuid)) return null;
  const found = await invoiceForCheckout(ctx.db, uuid);
  if (!found) return null;
  const { invoice, siteName } = found;
  const all = await invoicePayments(ctx.db, invoice.id);
  const payments = all.filter((p) => !p.late);
  const served = assetOf(ctx, invoice.assetCode);
  const decimals = served?.asset.decimals ?? 0;
  const required = served?.plugin.requiredConfirmations ?? 1;
  const state = checkoutState(invoice.status, payments, {
    expected: invoice.expectedAmount,
    required,
    toleranceBps: ctx.config.public.underpaymentToleranceBps,
  });
  const received = payments.reduce((s, p) => s + p.amount, 0n);
  const final = FINAL_CHECKOUT_STATES.includes(state);
  const paidState = state === "paid" || state === "paid_over";
  const missing = state === "underpaid" ? invoice.expectedAmount - received : 0n;
  const due = state === "underpaid" ? missing : invoice.expectedAmount;
  const uri = served?.plugin.paymentUri?.({
    assetCode: invoice.assetCode,
    address: invoice.display,
    amount: due,
    memo: invoice.memo,
  }) ?? invoice.display;
  const transaction = depositJson(ctx, invoice, all).transaction;
  return {
    uuid: invoice.uuid,
    shopName: siteName,
    assetCode: invoice.assetCode,
    chain: invoice.chain,
    network: ctx.config.network,
    decimals,
    amount: invoice.expectedAmount,
    address: invoice.display,
    memo: invoice.memo,
    due,
    paymentUri: uri,
    expiresAt: invoice.expiresAt,
    state,
    final,
    received,
    missing,
    confirmations: transaction?.confirmations ?? null,
    requiredConfirmations: required,
    txHash: transaction?.txhash ?? null,
    explorerTxUrl: transaction?.explorerTxUrl ?? null,
    returnUrl: !final
      ? null
      : paidState
      ? invoice.successUrl ?? invoice.cancelUrl
      : invoice.cancelUrl ?? invoice.successUrl,
  };
}
