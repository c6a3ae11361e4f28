/**
 * How the sender groups queued withdrawals into payloads: in order, `maxBatch` to a payload and
 * at most the payloads it may sign; a preparation's undo alone (its deposit may sign it) and at
 * most one in flight per deposit (it is sized to the deposit's whole balance).
 */

import assert from "node:assert/strict";
import type { Withdrawal } from "../../core/models.ts";
import { planBatches } from "../../core/sender.ts";

function withdrawal(id: number, destination: string, step: string | null = null): Withdrawal {
  return {
    id: BigInt(id),
    chain: "coin",
    currency: "COIN",
    kind: step ? "prepare" : "user",
    userId: step ? null : "u1",
    queryId: step ? null : `q${id}`,
    amount: 1n,
    destination,
    destinationInput: destination,
    comment: null,
    binaryComment: null,
    step,
    spends: step === null,
    status: "pending",
    attempt: 0,
    txHash: null,
    confirmedTxHash: null,
    failureReason: null,
  };
}

const ids = (batches: Withdrawal[][]) => batches.map((b) => b.map((w) => Number(w.id)));
const undos = new Set([3, 4, 6, 7]);
const isUndo = (w: Withdrawal) => undos.has(Number(w.id));

Deno.test("payments fill payloads in order, maxBatch each, up to the payloads allowed", () => {
  const pending = [1, 2, 3, 4, 5].map((i) => withdrawal(i, `d${i}`));
  const plan = { maxBatch: 2, payloads: 2, isUndo: () => false, undoing: new Set<string>() };
  assert.deepEqual(ids(planBatches(pending, plan)), [[1, 2], [3, 4]]);
});

Deno.test("an undo goes alone, one per deposit, and never beside one already in flight", () => {
  const pending = [
    withdrawal(1, "a"),
    withdrawal(2, "b"),
    withdrawal(3, "dep1", "coin.return"),
    withdrawal(4, "dep1", "coin.return"),
    withdrawal(5, "c"),
    withdrawal(6, "dep2", "coin.return"),
    withdrawal(7, "dep3", "coin.return"),
  ];
  const undoing = new Set(["dep2"]);
  const batches = planBatches(pending, { maxBatch: 3, payloads: 10, isUndo, undoing });
  // 4 waits for 3 (same deposit), 6 for the one of dep2 in flight.
  assert.deepEqual(ids(batches), [[1, 2, 5], [3], [7]]);
  assert.deepEqual([...undoing].sort(), ["dep1", "dep2", "dep3"]);
});

Deno.test("an undo counts as a payload of its own against the limit", () => {
  const pending = [
    withdrawal(3, "dep1", "coin.return"),
    withdrawal(1, "a"),
    withdrawal(4, "dep2", "coin.return"),
  ];
  const plan = { maxBatch: 5, payloads: 2, isUndo, undoing: new Set<string>() };
  assert.deepEqual(ids(planBatches(pending, plan)), [[3], [1]]);
});

Deno.test("with a batch key, a payload holds one key's currencies; later ones join theirs", () => {
  const of = (id: number, currency: string) => ({ ...withdrawal(id, `d${id}`), currency });
  const pending = [of(1, "COIN"), of(2, "TOKEN"), of(3, "COIN"), of(4, "TOKEN"), of(5, "COIN")];
  const plan = {
    maxBatch: 2,
    payloads: 2,
    isUndo: () => false,
    undoing: new Set<string>(),
    key: (currency: string) => currency,
  };
  // 5 finds COIN's payload full and no room for a third.
  assert.deepEqual(ids(planBatches(pending, plan)), [[1, 3], [2, 4]]);
  assert.deepEqual(ids(planBatches(pending, { ...plan, key: () => "all" })), [[1, 2], [3, 4]]);
});
