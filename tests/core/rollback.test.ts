/**
 * Undoing a fork's blocks (`commitRollback`), on every engine: non-final incomes go, final
 * ones stay with an alarm, and payloads seen in dropped blocks are awaited again.
 */

import assert from "node:assert/strict";
import type { Queryable } from "../../core/db.ts";
import type { Cursor, IncomeEvent } from "../../core/plugin.ts";
import { expiresOnChain } from "../../core/payload_lifecycle.ts";
import { insertAddress, nextDerivationIndex } from "../../core/store/addresses.ts";
import { openAlarms } from "../../core/store/alarms.ts";
import {
  commitBlock,
  commitRollback,
  CursorMovedError,
  initCursor,
  loadCursor,
} from "../../core/store/cursors.ts";
import { declareDead, openPayloads, persistWithdrawalPayload } from "../../core/store/payloads.ts";
import { insertWithdrawal, withdrawalById } from "../../core/store/withdrawals.ts";
import { testOnEngines } from "../support/db.ts";

const cursor = (height: bigint): Cursor => ({
  height,
  time: Number(height) * 3,
  state: { id: `b${height}` },
});

function income(to: string, height: bigint): IncomeEvent {
  return {
    currency: "TRX",
    to,
    from: null,
    amount: 1_000_000n + height,
    comment: null,
    binaryComment: null,
    txHash: `tx${height}`,
    eventIndex: 0,
    blockHeight: height,
    time: Number(height) * 3,
  };
}

/** Ingests blocks 1..top with one income each to a fresh deposit; returns the cursor. */
async function chainOf(db: Queryable, top: bigint): Promise<Cursor> {
  await insertAddress(db, {
    chain: "tron",
    currency: "TRX",
    userId: "u1",
    address: "Tdeposit",
    display: "Tdeposit",
    watchAddress: null,
    derivationIndex: await nextDerivationIndex(db),
  });
  let at = await initCursor(db, "tron", cursor(0n));
  for (let h = 1n; h <= top; h++) {
    const next = cursor(h);
    await commitBlock(db, "tron", at, {
      cursor: next,
      incomes: [income("Tdeposit", h)],
      sightings: [],
    });
    at = next;
  }
  return at;
}

async function heights(db: Queryable): Promise<number[]> {
  const rows = await db.query("select block_height::int as h from incomes order by block_height");
  return rows.map((r) => Number(r.h));
}

testOnEngines(
  "a rollback removes the dropped blocks' incomes and moves the cursor back",
  async (db) => {
    const top = await chainOf(db, 10n);
    const undone = await commitRollback(db, "tron", top, cursor(7n), 19);
    assert.deepEqual(undone, { incomes: 3, payloads: 0, finalKept: 0 });
    assert.deepEqual(await heights(db), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(await loadCursor(db, "tron"), cursor(7n));
    assert.deepEqual(await openAlarms(db, "tron"), []);
    // The new branch re-delivers an income at the same identity: recorded again, once.
    await commitBlock(db, "tron", cursor(7n), {
      cursor: cursor(8n),
      incomes: [income("Tdeposit", 8n)],
      sightings: [],
    });
    assert.deepEqual(await heights(db), [1, 2, 3, 4, 5, 6, 7, 8]);
  },
);

testOnEngines("final incomes above the fork are kept and raise an alarm", async (db) => {
  const top = await chainOf(db, 10n);
  // With 3 confirmations, blocks 1..8 are final at height 10.
  const undone = await commitRollback(db, "tron", top, cursor(6n), 3);
  assert.deepEqual(undone, { incomes: 2, payloads: 0, finalKept: 2 });
  assert.deepEqual(await heights(db), [1, 2, 3, 4, 5, 6, 7, 8]);
  const [alarm] = await openAlarms(db, "tron");
  assert.equal(alarm.kind, "reorg_beyond_finality");
});

testOnEngines("a rollback guarded by the previous height refuses a moved cursor", async (db) => {
  await chainOf(db, 5n);
  await assert.rejects(
    () => commitRollback(db, "tron", cursor(4n), cursor(2n), 19),
    CursorMovedError,
  );
});

testOnEngines(
  "a withdrawal seen in a dropped block is processing again, its payload open",
  async (db) => {
    const top = await chainOf(db, 10n);
    const { withdrawal: w } = await insertWithdrawal(db, {
      chain: "tron",
      currency: "TRX",
      kind: "user",
      userId: "u1",
      queryId: "q1",
      amount: 5n,
      destination: "Tdest",
      destinationInput: "Tdest",
      comment: null,
      binaryComment: null,
    });
    await db.transaction((tx) =>
      persistWithdrawalPayload(tx, "tron", {
        payloadId: "txw",
        wallet: "Thot",
        data: "{}",
        validUntil: 100,
        outKeys: ["txw"],
      }, [w.id])
    );
    const next = cursor(11n);
    await commitBlock(db, "tron", top, {
      cursor: next,
      incomes: [],
      sightings: [{
        payloadId: "txw",
        txHash: "txw",
        outKeys: ["txw"],
        outAmounts: [5n],
        fee: 0n,
        time: next.time,
      }],
    });
    assert.equal((await withdrawalById(db, w.id))!.status, "processed");
    const undone = await commitRollback(db, "tron", next, cursor(9n), 19);
    assert.equal(undone.payloads, 1);
    const back = (await withdrawalById(db, w.id))!;
    assert.equal(back.status, "processing");
    assert.equal(back.txHash, null);
    const [open] = await openPayloads(db, "tron");
    assert.equal(open.payloadId, "txw");
    // Seen again in the new branch: processed again, once.
    await commitBlock(db, "tron", cursor(9n), {
      cursor: cursor(10n),
      incomes: [],
      sightings: [{
        payloadId: "txw",
        txHash: "txw",
        outKeys: ["txw"],
        outAmounts: [5n],
        fee: 0n,
        time: 30,
      }],
    });
    assert.equal((await withdrawalById(db, w.id))!.status, "processed");
  },
);

testOnEngines("a payload is not expired on a cursor a fork moved back", async (db) => {
  const top = await chainOf(db, 10n);
  const { withdrawal: w } = await insertWithdrawal(db, {
    chain: "tron",
    currency: "TRX",
    kind: "user",
    userId: "u1",
    queryId: "q1",
    amount: 5n,
    destination: "Tdest",
    destinationInput: "Tdest",
    comment: null,
    binaryComment: null,
  });
  const ref = await db.transaction((tx) =>
    persistWithdrawalPayload(tx, "tron", {
      payloadId: "txe",
      wallet: "Thot",
      data: "{}",
      validUntil: 20,
      outKeys: ["txe"],
    }, [w.id])
  );
  // The sender judged on block 10 (time 30 > 20 + 5), but a fork took the cursor back to 7.
  await commitRollback(db, "tron", top, cursor(7n), 19);
  const proof = { chain: "tron", lifecycle: expiresOnChain(5) };
  assert.equal(await db.transaction((tx) => declareDead(tx, ref, proof)), false);
  assert.equal((await withdrawalById(db, w.id))!.status, "processing");
  // Once the new branch is past it again, it is expired.
  let at = cursor(7n);
  for (let h = 8n; h <= 10n; h++) {
    await commitBlock(db, "tron", at, { cursor: cursor(h), incomes: [], sightings: [] });
    at = cursor(h);
  }
  assert.equal(await db.transaction((tx) => declareDead(tx, ref, proof)), true);
  assert.equal((await withdrawalById(db, w.id))!.status, "pending");
});
