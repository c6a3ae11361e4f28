/**
 * The invoice state machine, specified here independently of the table in core: every
 * allowed transition leads where the seed's flow says, and every other one is refused.
 */

import assert from "node:assert/strict";
import {
  INVOICE_STATUSES,
  INVOICE_TRANSITIONS,
  type InvoiceEvent,
  type InvoiceStatus,
  nextInvoiceStatus,
} from "../../core/invoice_status.ts";

const EVENTS: InvoiceEvent[] = [
  "detected",
  "confirming",
  "settled_exact",
  "settled_over",
  "settled_under",
  "expire",
  "cancel",
  "dropped",
  "undecidable",
  "refund_requested",
  "refund_sent",
  "refund_failed",
];

const REFUNDABLE: InvoiceStatus[] = [
  "paid",
  "paid_over",
  "wrong_amount",
  "expired",
  "cancel",
  "fail",
  "system_fail",
  "refund_fail",
];

const ALLOWED: [InvoiceStatus, InvoiceEvent, InvoiceStatus][] = [
  ["check", "detected", "process"],
  ["check", "expire", "expired"],
  ["check", "cancel", "cancel"],
  ["check", "undecidable", "system_fail"],
  ["process", "confirming", "confirm_check"],
  ["process", "dropped", "fail"],
  ["process", "undecidable", "system_fail"],
  ["confirm_check", "settled_exact", "paid"],
  ["confirm_check", "settled_over", "paid_over"],
  ["confirm_check", "settled_under", "wrong_amount"],
  ["confirm_check", "dropped", "fail"],
  ["confirm_check", "undecidable", "system_fail"],
  ...REFUNDABLE.map((s): [InvoiceStatus, InvoiceEvent, InvoiceStatus] => [
    s,
    "refund_requested",
    "refund_process",
  ]),
  ["refund_process", "refund_sent", "refund_paid"],
  ["refund_process", "refund_failed", "refund_fail"],
];

Deno.test("the table covers exactly the seed's thirteen statuses", () => {
  assert.deepEqual(Object.keys(INVOICE_TRANSITIONS).sort(), [...INVOICE_STATUSES].sort());
  assert.equal(INVOICE_STATUSES.length, 13);
});

Deno.test("every allowed transition leads to its target", () => {
  for (const [from, event, to] of ALLOWED) {
    assert.equal(nextInvoiceStatus(from, event), to, `${from} --${event}-->`);
  }
});

Deno.test("the table allows nothing beyond the specified transitions", () => {
  const inTable = Object.entries(INVOICE_TRANSITIONS).flatMap(([from, exits]) =>
    Object.entries(exits).map(([event, to]) => `${from} ${event} ${to}`)
  );
  assert.deepEqual(inTable.sort(), ALLOWED.map((t) => t.join(" ")).sort());
});

Deno.test("every other (status, event) pair is refused as illegal", () => {
  let refused = 0;
  for (const from of INVOICE_STATUSES) {
    for (const event of EVENTS) {
      if (ALLOWED.some(([f, e]) => f === from && e === event)) continue;
      refused++;
      assert.throws(
        () => nextInvoiceStatus(from, event),
        (e: Error) => e.message.includes("illegal") && e.message.includes(from),
      );
    }
  }
  assert.equal(refused, INVOICE_STATUSES.length * EVENTS.length - ALLOWED.length);
});

Deno.test("refund_paid is final; names from Object.prototype are not events", () => {
  for (const event of EVENTS) assert.throws(() => nextInvoiceStatus("refund_paid", event));
  assert.throws(() => nextInvoiceStatus("check", "toString" as InvoiceEvent));
  assert.throws(() => nextInvoiceStatus("nope" as InvoiceStatus, "detected"));
});
