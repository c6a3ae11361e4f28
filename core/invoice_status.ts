/**
 * The public deposit (invoice) state machine of `shared/seeds/public-deposits-api.txt`. Every
 * status write goes through {@linkcode nextInvoiceStatus}, so an illegal move is an error,
 * never a silent write.
 *
 * Flow: `check → process → confirm_check → paid | paid_over | wrong_amount`; `expired` when
 * the monitoring window ends unpaid; `cancel` by the merchant before any payment; `fail` when
 * the payments it was waiting on vanished (a fork dropped them); `system_fail` when the
 * processor cannot decide (its asset is no longer served); `refund_process → refund_paid |
 * refund_fail` through the withdrawal sender.
 */

/** Invoice statuses, as the merchant API reports them. */
export type InvoiceStatus =
  | "check"
  | "process"
  | "confirm_check"
  | "paid"
  | "paid_over"
  | "wrong_amount"
  | "expired"
  | "cancel"
  | "fail"
  | "system_fail"
  | "refund_process"
  | "refund_paid"
  | "refund_fail";

/** Every status, in the seed's order. */
export const INVOICE_STATUSES: readonly InvoiceStatus[] = [
  "check",
  "process",
  "confirm_check",
  "paid",
  "paid_over",
  "wrong_amount",
  "expired",
  "cancel",
  "fail",
  "system_fail",
  "refund_process",
  "refund_paid",
  "refund_fail",
];

/** Why a transition happens. */
export type InvoiceEvent =
  /** A transfer to the invoice was seen. */
  | "detected"
  /** The transfers are in blocks and accrue confirmations. */
  | "confirming"
  /** Final, and the total matches the expected amount (within tolerance, or any amount). */
  | "settled_exact"
  /** Final, and more than expected arrived. */
  | "settled_over"
  /** Final, the window is over, and less than expected (beyond tolerance) arrived. */
  | "settled_under"
  /** The monitoring window ended with nothing received. */
  | "expire"
  /** The merchant cancelled it. */
  | "cancel"
  /** The transfers it was waiting on vanished. */
  | "dropped"
  /** The processor cannot decide. */
  | "undecidable"
  /** The merchant asked for a refund of what arrived. */
  | "refund_requested"
  /** The refund left the hot wallet. */
  | "refund_sent"
  /** The refund could not be sent. */
  | "refund_failed";

const SETTLE = {
  settled_exact: "paid",
  settled_over: "paid_over",
  settled_under: "wrong_amount",
} as const;

/** Statuses from which a refund of what arrived may be asked. */
const REFUNDABLE = { refund_requested: "refund_process" } as const;

/** From status, by event, to status. Anything absent is illegal. */
export const INVOICE_TRANSITIONS: Readonly<
  Record<InvoiceStatus, Partial<Record<InvoiceEvent, InvoiceStatus>>>
> = {
  check: { detected: "process", expire: "expired", cancel: "cancel", undecidable: "system_fail" },
  process: { confirming: "confirm_check", dropped: "fail", undecidable: "system_fail" },
  confirm_check: { ...SETTLE, dropped: "fail", undecidable: "system_fail" },
  paid: REFUNDABLE,
  paid_over: REFUNDABLE,
  wrong_amount: REFUNDABLE,
  // Late payments to an expired, cancelled or failed invoice are refundable too.
  expired: REFUNDABLE,
  cancel: REFUNDABLE,
  fail: REFUNDABLE,
  system_fail: REFUNDABLE,
  refund_process: { refund_sent: "refund_paid", refund_failed: "refund_fail" },
  refund_paid: {},
  // A failed refund may be asked again (to a corrected address, say).
  refund_fail: REFUNDABLE,
};

/** Statuses the matcher still works on. */
export const OPEN_INVOICE_STATUSES: readonly InvoiceStatus[] = [
  "check",
  "process",
  "confirm_check",
  "refund_process",
];

/** The status `event` leads to from `from`; throws on an illegal transition. */
export function nextInvoiceStatus(from: InvoiceStatus, event: InvoiceEvent): InvoiceStatus {
  const exits = INVOICE_TRANSITIONS[from];
  const to = exits && Object.hasOwn(exits, event) ? exits[event] : undefined;
  if (!to) throw new Error(`illegal invoice transition: ${from} --${event}-->`);
  return to;
}

/** How a final total compares with the expected amount. */
export type Settlement = "exact" | "over" | "under";

/**
 * The settlement rule: any amount (expected 0) or a total short by at most `toleranceBps` of
 * the expected amount is exact; more is over; anything else is under. Base units.
 */
export function settlementOf(total: bigint, expected: bigint, toleranceBps: number): Settlement {
  const shortfall = expected - total;
  const tolerated = expected * BigInt(toleranceBps) / 10_000n;
  if (expected === 0n || (shortfall >= 0n && shortfall <= tolerated)) return "exact";
  return shortfall < 0n ? "over" : "under";
}
