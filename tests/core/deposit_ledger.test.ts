/**
 * A deposit's native ledger on the real store (PGlite, and Postgres with DATABASE_URL): a
 * native sweep records the balance no record explains as unrecognized with the sweep, all or
 * nothing, and once, whether the sweep is rebuilt, its sighting replayed, or the deposit swept
 * again.
 */

import assert from "node:assert/strict";
import type { Db } from "../../core/db.ts";
import type { IncomeEvent, ScannedBlock, SweepPayload } from "../../core/plugin.ts";
import { insertAddress, nextDerivationIndex } from "../../core/store/addresses.ts";
import { commitBlock, initCursor, loadCursor } from "../../core/store/cursors.ts";
import {
  depositPayloadsAbove,
  expectedNativeBalance,
  type LedgerAccount,
  recordUnexplained,
} from "../../core/store/deposit_ledger.ts";
import { declareDead, persistSweepPayload } from "../../core/store/payloads.ts";
import { requestedSweeps, requestServiceSweep } from "../../core/store/sweeps.ts";
import { listUnrecognized } from "../../core/store/unrecognized.ts";
import { testOnEngines } from "../support/db.ts";

const CHAIN = "coin";
const ACCOUNT: LedgerAccount = { chain: CHAIN, address: "d1", native: "COIN" };

function income(tx: string, amount: bigint, height: bigint): IncomeEvent {
  return {
    currency: "COIN",
    to: "d1",
    from: "payer",
    amount,
    comment: null,
    binaryComment: null,
    txHash: tx,
    eventIndex: 0,
    blockHeight: height,
    time: Number(height) * 10,
  };
}

/** Commits the block after the cursor with `contents`. */
async function commit(db: Db, contents: Partial<ScannedBlock>): Promise<bigint> {
  const previous = (await loadCursor(db, CHAIN))!;
  const height = previous.height + 1n;
  const block: ScannedBlock = {
    cursor: { height, time: Number(height) * 10, state: { h: Number(height) } },
    incomes: [],
    sightings: [],
    ...contents,
  };
  await db.transaction((tx) => commitBlock(tx, CHAIN, previous, block));
  return height;
}

function sweepPayload(id: string, balance: bigint, height: bigint): SweepPayload {
  return {
    payloadId: id,
    wallet: "d1",
    data: "signed",
    validUntil: null,
    nonce: "0",
    outKeys: [id],
    moves: { balance, height, time: Number(height) * 10 },
  };
}

/** Deposit d1 of the native coin, on a chain whose scanner stands at block 1. */
async function depositAtFirstBlock(db: Db): Promise<{ id: bigint }> {
  const address = await insertAddress(db, {
    chain: CHAIN,
    currency: "COIN",
    userId: "u1",
    address: "d1",
    display: "D1",
    watchAddress: null,
    derivationIndex: await nextDerivationIndex(db),
  });
  await initCursor(db, CHAIN, { height: 1n, time: 10, state: {} });
  return address;
}

/** Persists the requested sweep of d1 as `payload`, reconciled; returns what it recorded. */
async function persist(db: Db, payload: SweepPayload): Promise<bigint> {
  const [sweep] = await requestedSweeps(db, CHAIN, 10);
  return await db.transaction(async (tx) => {
    const unexplained = await recordUnexplained(tx, ACCOUNT, payload);
    await persistSweepPayload(
      tx,
      CHAIN,
      payload,
      sweep.id,
      sweep.coversUpTo,
      payload.moves!.height,
    );
    return unexplained;
  });
}

testOnEngines("a native sweep records what no record explains, once", async (db) => {
  const address = await depositAtFirstBlock(db);
  const paidAt = await commit(db, { incomes: [income("t1", 100n, 2n)] });
  assert.equal(await expectedNativeBalance(db, ACCOUNT, paidAt), 100n);
  assert.equal(await expectedNativeBalance(db, ACCOUNT, 1n), 0n, "by height");
  await requestServiceSweep(db, CHAIN, address.id, "COIN", "m1");

  // 30 arrived unseen (a forwarded internal transfer). A crash before the commit leaves
  // neither the sweep nor the record.
  const [sweep] = await requestedSweeps(db, CHAIN, 10);
  await assert.rejects(db.transaction(async (tx) => {
    await recordUnexplained(tx, ACCOUNT, sweepPayload("p0", 130n, paidAt));
    throw new Error("crash");
  }));
  assert.deepEqual(await listUnrecognized(db, { limit: 10 }), []);
  assert.equal(sweep.id, (await requestedSweeps(db, CHAIN, 10))[0].id, "still requested");

  assert.equal(await depositPayloadsAbove(db, ACCOUNT, paidAt), false);
  assert.equal(await persist(db, sweepPayload("p1", 130n, paidAt)), 30n);
  assert.equal(await depositPayloadsAbove(db, ACCOUNT, paidAt), true, "p1 is unseen");
  const [found] = await listUnrecognized(db, { limit: 10 });
  assert.equal(found.amount, 30n);
  assert.equal(found.token, "COIN");
  assert.equal(found.txHash, "p1");
  assert.equal(found.blockHeight, paidAt);
  assert.equal(found.depositAddress, "D1");

  // The payload dies unseen; the service sweep is built again on the same balance.
  const dead = await refOf(db, "p1");
  assert.equal(await db.transaction((tx) => declareDead(tx, dead)), true);
  const again = await commit(db, {});
  assert.equal(await persist(db, sweepPayload("p2", 130n, again)), 0n, "recorded already");

  // It lands (125 moved, fee 5), and its block is replayed: nothing changes.
  const seen = {
    payloadId: "p2",
    txHash: "p2",
    outKeys: ["p2"],
    outAmounts: [125n],
    fee: 5n,
    time: 40,
  };
  const landed = await commit(db, { sightings: [seen] });
  await commit(db, { sightings: [seen] });
  assert.equal(await expectedNativeBalance(db, ACCOUNT, landed), 0n);
  assert.equal(await depositPayloadsAbove(db, ACCOUNT, landed), false);
  assert.equal(await depositPayloadsAbove(db, ACCOUNT, landed - 1n), true, "seen above it");

  // Paid again and swept: the ledger holds the first round whole.
  const later = await commit(db, { incomes: [income("t2", 50n, landed + 2n)] });
  await requestServiceSweep(db, CHAIN, address.id, "COIN", "m2");
  assert.equal(await persist(db, sweepPayload("p3", 50n, later)), 0n);
  assert.equal((await listUnrecognized(db, { limit: 10 })).length, 1);
});

testOnEngines("less than the records say is reported, never recorded", async (db) => {
  const address = await depositAtFirstBlock(db);
  const paidAt = await commit(db, { incomes: [income("t1", 100n, 2n)] });
  await requestServiceSweep(db, CHAIN, address.id, "COIN", "m1");
  assert.equal(await persist(db, sweepPayload("p1", 90n, paidAt)), -10n);
  assert.deepEqual(await listUnrecognized(db, { limit: 10 }), []);
});

testOnEngines("a balance read above the scanned cursor is refused with its sweep", async (db) => {
  const address = await depositAtFirstBlock(db);
  const paidAt = await commit(db, { incomes: [income("t1", 100n, 2n)] });
  await requestServiceSweep(db, CHAIN, address.id, "COIN", "m1");
  await assert.rejects(persist(db, sweepPayload("p1", 130n, paidAt + 1n)), /moved back below/);
  assert.deepEqual(await listUnrecognized(db, { limit: 10 }), []);
  assert.equal((await requestedSweeps(db, CHAIN, 10)).length, 1, "the sweep is still requested");
});

async function refOf(db: Db, payloadId: string): Promise<bigint> {
  const [row] = await db.query("select id::text as id from payloads where payload_id = $1", [
    payloadId,
  ]);
  return BigInt(String(row.id));
}
