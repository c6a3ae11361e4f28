import assert from "node:assert/strict";
import { checkoutState, FINAL_CHECKOUT_STATES } from "../../core/checkout.ts";
import { INVOICE_STATUSES } from "../../core/invoice_status.ts";
import type { InvoicePayment } from "../../core/store/invoices.ts";

const payment = (amount: bigint, confirmations: number): InvoicePayment => ({
  incomeId: 1n,
  amount,
  txHash: "ab",
  blockHeight: 1n,
  time: 0,
  confirmations,
  late: false,
  detectedAt: 0,
  refundWithdrawalId: null,
});
const terms = { expected: 100n, required: 3, toleranceBps: 100 };

Deno.test("a deposit with no payment waits", () => {
  assert.equal(checkoutState("check", [], terms), "waiting");
});

Deno.test("payments short of their confirmations are seen, then confirming", () => {
  assert.equal(checkoutState("check", [payment(100n, 1)], terms), "seen");
  assert.equal(checkoutState("process", [payment(100n, 2)], terms), "seen");
  assert.equal(checkoutState("confirm_check", [payment(100n, 2)], terms), "confirming");
});

Deno.test("final payments that cover the amount are paid before the matcher decides", () => {
  assert.equal(checkoutState("process", [payment(100n, 3)], terms), "paid");
  // Within the tolerance (1%) is paid, as the matcher rules.
  assert.equal(checkoutState("confirm_check", [payment(99n, 3)], terms), "paid");
  assert.equal(
    checkoutState("confirm_check", [payment(60n, 5), payment(41n, 3)], terms),
    "paid_over",
  );
  assert.equal(checkoutState("check", [payment(1n, 3)], { ...terms, expected: 0n }), "paid");
});

Deno.test("final payments short of the amount are underpaid until the matcher decides", () => {
  assert.equal(checkoutState("confirm_check", [payment(98n, 3)], terms), "underpaid");
  assert.equal(checkoutState("wrong_amount", [payment(98n, 3)], terms), "wrong_amount");
});

Deno.test("a decided status is shown as it is, whatever the payments", () => {
  const cases = {
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
  } as const;
  for (const [status, state] of Object.entries(cases)) {
    assert.equal(checkoutState(status as keyof typeof cases, [payment(1n, 0)], terms), state);
    assert.ok(FINAL_CHECKOUT_STATES.includes(state), state);
  }
  // Every status is either open or one of those.
  const open = INVOICE_STATUSES.filter((s) => !(s in cases));
  assert.deepEqual(open, ["check", "process", "confirm_check"]);
});
