/**
 * The withdrawal state machine: pending -> processing -> processed | failed, back to pending
 * when a payload expired unseen, and back to processing when a fork dropped the block that
 * held it; pending -> cancelled (final) when the exchange takes it back before it is signed, or
 * when a preparation's undo has nothing left to do.
 * Anything else is an error.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  nextWithdrawalStatus,
  WITHDRAWAL_TRANSITIONS,
  type WithdrawalEvent,
  type WithdrawalStatus,
} from "../../core/withdrawal_status.ts";

const STATUSES: WithdrawalStatus[] = ["pending", "processing", "processed", "failed", "cancelled"];
const EVENTS: WithdrawalEvent[] = [
  "batched",
  "sent",
  "not_sent",
  "expired",
  "orphaned",
  "cancelled",
  "unneeded",
];

/** The specification, written out independently of the table in core. */
const ALLOWED: [WithdrawalStatus, WithdrawalEvent, WithdrawalStatus][] = [
  ["pending", "batched", "processing"],
  ["pending", "cancelled", "cancelled"],
  ["pending", "unneeded", "cancelled"],
  ["processing", "sent", "processed"],
  ["processing", "not_sent", "failed"],
  ["processing", "expired", "pending"],
  ["processed", "orphaned", "processing"],
  ["failed", "orphaned", "processing"],
];

Deno.test("the transition table covers exactly the five statuses", () => {
  assert.deepEqual(Object.keys(WITHDRAWAL_TRANSITIONS).sort(), [...STATUSES].sort());
});

Deno.test("every allowed transition leads to its target", () => {
  for (const [from, event, to] of ALLOWED) {
    assert.equal(nextWithdrawalStatus(from, event), to, `${from} --${event}-->`);
  }
});

Deno.test("the table allows nothing beyond the specified transitions", () => {
  const inTable = Object.entries(WITHDRAWAL_TRANSITIONS).flatMap(([from, exits]) =>
    Object.entries(exits).map(([event, to]) => `${from} ${event} ${to}`)
  );
  assert.deepEqual(inTable.sort(), ALLOWED.map((t) => t.join(" ")).sort());
});

Deno.test("every other (status, event) pair throws an illegal transition error", () => {
  let illegal = 0;
  for (const from of STATUSES) {
    for (const event of EVENTS) {
      if (ALLOWED.some(([f, e]) => f === from && e === event)) continue;
      illegal++;
      assert.throws(
        () => nextWithdrawalStatus(from, event),
        (error: Error) => error.message.includes("illegal") && error.message.includes(from),
        `${from} --${event}--> must be refused`,
      );
    }
  }
  assert.equal(illegal, STATUSES.length * EVENTS.length - ALLOWED.length);
});

Deno.test("processed and failed are left only when a fork orphans the payload", () => {
  for (const terminal of ["processed", "failed"] as const) {
    assert.deepEqual(WITHDRAWAL_TRANSITIONS[terminal], { orphaned: "processing" });
    for (const event of EVENTS.filter((e) => e !== "orphaned")) {
      assert.throws(() => nextWithdrawalStatus(terminal, event));
    }
  }
});

Deno.test("unknown statuses and events are refused, not passed through", () => {
  assert.throws(() => nextWithdrawalStatus("pending", "toString" as WithdrawalEvent));
  assert.throws(() => nextWithdrawalStatus("pending", "constructor" as WithdrawalEvent));
  assert.throws(() => nextWithdrawalStatus("cancelled" as WithdrawalStatus, "batched"));
});

Deno.test("random event sequences keep the status in the enum; only a fork leaves processed or failed", () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...EVENTS), { maxLength: 60 }), (events) => {
      let status: WithdrawalStatus = "pending";
      let terminalReached: WithdrawalStatus | null = null;
      for (const event of events) {
        const before: WithdrawalStatus = status;
        try {
          status = nextWithdrawalStatus(status, event);
        } catch {
          // An illegal event changes nothing.
          assert.equal(status, before);
        }
        assert.ok(STATUSES.includes(status), `${status} is not a withdrawal status`);
        if (terminalReached && event !== "orphaned") assert.equal(status, terminalReached);
        terminalReached = status === "processed" || status === "failed" ? status : null;
      }
    }),
    { numRuns: 1000 },
  );
});

Deno.test("a withdrawal reaches processed only through processing", () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...EVENTS), { maxLength: 30 }), (events) => {
      let status: WithdrawalStatus = "pending";
      for (const event of events) {
        let next: WithdrawalStatus;
        try {
          next = nextWithdrawalStatus(status, event);
        } catch {
          continue;
        }
        if (next === "processed" || next === "failed") assert.equal(status, "processing");
        status = next;
      }
    }),
  );
});
