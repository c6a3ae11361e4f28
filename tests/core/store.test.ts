/**
 * The store, specified once and run on every engine: PGlite always, the Postgres server when
 * DATABASE_URL is set.
 */

import assert from "node:assert/strict";
import type { Queryable } from "../../core/db.ts";
import { migrate } from "../../core/migrations.ts";
import type {
  IncomeEvent,
  PayloadSighting,
  ScannedBlock,
  SignedPayload,
} from "../../core/plugin.ts";
import { insertAddress, nextDerivationIndex, ownedDeposits } from "../../core/store/addresses.ts";
import { openAlarms } from "../../core/store/alarms.ts";
import { commitBlock, CursorMovedError, initCursor, loadCursor } from "../../core/store/cursors.ts";
import {
  incomeByTxHash,
  incomeHistory,
  incomeTotals,
  insertIncomes,
} from "../../core/store/incomes.ts";
import {
  applySighting,
  declareDead,
  openPayloads,
  persistSweepPayload,
  persistWithdrawalPayload,
} from "../../core/store/payloads.ts";
import {
  markSweepEmpty,
  requestAutoSweeps,
  requestedSweeps,
  requestServiceSweep,
} from "../../core/store/sweeps.ts";
import {
  insertWithdrawal,
  type NewWithdrawal,
  queuedTotals,
  withdrawalById,
} from "../../core/store/withdrawals.ts";
import { testOnEngines } from "../support/db.ts";

async function deposit(db: Queryable, user: string, address: string) {
  const index = await nextDerivationIndex(db);
  return await insertAddress(db, {
    chain: "ton",
    currency: "TON",
    userId: user,
    address,
    display: `display-${address}`,
    watchAddress: null,
    derivationIndex: index,
  });
}

function income(to: string, tx: string, amount: bigint, time = 100, index = 0): IncomeEvent {
  return {
    currency: "TON",
    to,
    from: "sender",
    amount,
    comment: "hello",
    binaryComment: null,
    txHash: tx,
    eventIndex: index,
    blockHeight: 1n,
    time,
  };
}

function block(height: bigint, incomes: IncomeEvent[], sightings = []): ScannedBlock {
  return {
    cursor: { height, time: Number(height) * 10, state: { h: Number(height) } },
    incomes,
    sightings,
  };
}

/** A sighting of payload `payloadId` executed in `txHash`, sending `outKeys`. */
const sighting = (
  payloadId: string,
  txHash: string,
  outKeys: string[],
  outAmounts: bigint[],
  fee: bigint,
  time: number,
): PayloadSighting => ({ payloadId, txHash, outKeys, outAmounts, fee, time });

const withdrawal = (queryId: string, amount = 5n): NewWithdrawal => ({
  chain: "ton",
  currency: "TON",
  kind: "user",
  userId: "u1",
  queryId,
  amount,
  destination: "0:dest",
  destinationInput: "dest",
  comment: null,
  binaryComment: null,
});

const payload = (id: string, keys: string[], validUntil = 1000): SignedPayload => ({
  payloadId: id,
  wallet: "0:hot",
  data: "te6cc",
  validUntil,
  outKeys: keys,
});

testOnEngines("migrations are applied once; a second run does nothing", async (db) => {
  assert.deepEqual(await migrate(db), []);
});

testOnEngines("the ownership lookup returns only our addresses", async (db) => {
  await deposit(db, "u1", "0:aa");
  await deposit(db, "u2", "0:bb");
  const owned = await ownedDeposits(db, "ton", ["0:aa", "0:cc", "0:bb"]);
  assert.deepEqual([...owned.keys()].sort(), ["0:aa", "0:bb"]);
  assert.equal(owned.get("0:aa")?.currency, "TON");
  assert.equal((await ownedDeposits(db, "ton", [])).size, 0);
});

testOnEngines(
  "a block's incomes and cursor commit together, and a replay is a no-op",
  async (db) => {
    await deposit(db, "u1", "0:aa");
    const start = await initCursor(db, "ton", { height: 1n, time: 10, state: {} });
    const b = block(2n, [income("0:aa", "t1", 7n), income("0:aa", "t1", 8n, 100, 1)]);
    assert.deepEqual(await db.transaction((tx) => commitBlock(tx, "ton", start, b)), {
      newIncomes: 2,
      unknownSightings: [],
      tripwires: [],
    });
    assert.equal((await loadCursor(db, "ton"))?.height, 2n);
    assert.deepEqual((await loadCursor(db, "ton"))?.state, { h: 2 });
    // The same block again from the old cursor: the guard refuses it, nothing is added.
    await assert.rejects(
      db.transaction((tx) => commitBlock(tx, "ton", start, b)),
      CursorMovedError,
    );
    // Replayed events under a new cursor are still recorded once.
    const again = block(3n, [income("0:aa", "t1", 7n)]);
    const now = (await loadCursor(db, "ton"))!;
    const unknown = sighting("never-sent", "h9", [], [], 0n, 30);
    assert.deepEqual(
      await db.transaction((tx) => commitBlock(tx, "ton", now, { ...again, sightings: [unknown] })),
      { newIncomes: 0, unknownSightings: ["h9"], tripwires: [] },
    );
    const history = await incomeHistory(db, {
      userId: "u1",
      currency: "TON",
      limit: 10,
      offset: 0,
      order: "asc",
    });
    assert.deepEqual(history.map((i) => i.amount), [7n, 8n]);
  },
);

testOnEngines("a failing commit leaves neither incomes nor the cursor", async (db) => {
  await deposit(db, "u1", "0:aa");
  const start = await initCursor(db, "ton", { height: 1n, time: 10, state: {} });
  await assert.rejects(db.transaction(async (tx) => {
    await commitBlock(tx, "ton", start, block(2n, [income("0:aa", "t1", 7n)]));
    throw new Error("crash after the writes");
  }));
  assert.equal((await loadCursor(db, "ton"))?.height, 1n);
  assert.equal(await incomeByTxHash(db, "t1"), null);
});

testOnEngines("history pages and sorts; totals count deposits or swept amounts", async (db) => {
  const a = await deposit(db, "u1", "0:aa");
  const start = await initCursor(db, "ton", { height: 1n, time: 10, state: {} });
  await db.transaction((tx) =>
    commitBlock(
      tx,
      "ton",
      start,
      block(2n, [
        income("0:aa", "t1", 1n, 100),
        income("0:aa", "t2", 2n, 200),
        income("0:aa", "t3", 3n, 300),
      ]),
    )
  );
  const page = await incomeHistory(db, {
    userId: "u1",
    currency: "TON",
    limit: 2,
    offset: 1,
    order: "desc",
  });
  assert.deepEqual(page.map((i) => i.txHash), ["t2", "t1"]);
  assert.equal(page[0].depositAddress, a.display);
  assert.deepEqual(await incomeTotals(db, "u1", "deposit"), [
    { depositAddress: a.display, currency: "TON", amount: 6n },
  ]);
  assert.deepEqual(await incomeTotals(db, "u1", "hot_wallet"), [
    { depositAddress: a.display, currency: "TON", amount: 0n },
  ]);
});

testOnEngines(
  "every history page is the user's incomes of the currency, in order, whatever the offset",
  async (db) => {
    // u1 has two TON deposits and a USDT_TON one; u2 pays into the same blocks.
    const a = await deposit(db, "u1", "0:a1");
    const b = await deposit(db, "u1", "0:b1");
    await deposit(db, "u2", "0:c2");
    await insertAddress(db, {
      chain: "ton",
      currency: "USDT_TON",
      userId: "u1",
      address: "0:d1",
      display: "display-0:d1",
      watchAddress: null,
      derivationIndex: await nextDerivationIndex(db),
    });
    const events: IncomeEvent[] = [];
    for (let k = 0; k < 12; k++) {
      // Times repeat, so the id decides between equal times.
      const time = 100 + Math.floor(k / 3);
      events.push(income(k % 2 ? "0:a1" : "0:b1", `u1-${k}`, BigInt(k), time));
      events.push(income("0:c2", `u2-${k}`, 100n + BigInt(k), time));
      events.push({ ...income("0:d1", `usdt-${k}`, 200n + BigInt(k), time), currency: "USDT_TON" });
    }
    await insertIncomes(db, "ton", events);
    const rows = await db.query<{ id: string; tx_hash: string; block_time: string }>(
      "select id::text as id, tx_hash, block_time::text as block_time from incomes",
    );
    const ascending = rows.filter((r) => r.tx_hash.startsWith("u1-")).sort((x, y) =>
      Number(x.block_time) - Number(y.block_time) || Number(x.id) - Number(y.id)
    ).map((r) => r.tx_hash);
    assert.equal(ascending.length, 12);
    for (const order of ["asc", "desc"] as const) {
      const all = order === "asc" ? ascending : [...ascending].reverse();
      for (const offset of [0, 1, 5, 11, 12]) {
        const page = await incomeHistory(db, {
          userId: "u1",
          currency: "TON",
          limit: 4,
          offset,
          order,
        });
        assert.deepEqual(
          page.map((i) => i.txHash),
          all.slice(offset, offset + 4),
          `${order} ${offset}`,
        );
        for (const i of page) {
          assert.equal(i.depositAddress, i.txHash.match(/[13579]$/) ? a.display : b.display);
        }
      }
    }
  },
);

testOnEngines("a repeated (user_id, query_id) returns the first withdrawal", async (db) => {
  const first = await insertWithdrawal(db, withdrawal("q1"));
  const second = await insertWithdrawal(db, { ...withdrawal("q1"), amount: 99n });
  assert.equal(first.created, true);
  assert.equal(second.created, false);
  assert.equal(second.withdrawal.id, first.withdrawal.id);
  assert.equal(second.withdrawal.amount, 5n);
});

testOnEngines(
  "a seen batch processes the transfers that left and fails the one that did not",
  async (db) => {
    const w1 = (await insertWithdrawal(db, withdrawal("q1"))).withdrawal;
    const w2 = (await insertWithdrawal(db, withdrawal("q2"))).withdrawal;
    const w3 = (await insertWithdrawal(db, withdrawal("q3", 6n))).withdrawal;
    await db.transaction((tx) =>
      persistWithdrawalPayload(tx, "ton", payload("p1", ["k5", "k5", "k6"]), [w1.id, w2.id, w3.id])
    );
    assert.deepEqual(await queuedTotals(db, "ton", "TON"), {
      pending: 0n,
      processing: 16n,
      processingCount: 3,
    });
    assert.equal((await openPayloads(db, "ton")).length, 1);
    const result = await db.transaction((tx) =>
      applySighting(tx, "ton", sighting("p1", "h1", ["k5", "k5"], [5n, 5n], 1n, 50))
    );
    assert.equal(result, "applied");
    assert.equal((await withdrawalById(db, w1.id))?.status, "processed");
    assert.equal((await withdrawalById(db, w1.id))?.txHash, "h1");
    assert.equal((await withdrawalById(db, w2.id))?.status, "processed");
    assert.equal((await withdrawalById(db, w3.id))?.status, "failed");
    assert.equal((await openPayloads(db, "ton")).length, 0);
    const replay = await db.transaction((tx) =>
      applySighting(tx, "ton", sighting("p1", "h1", [], [], 1n, 50))
    );
    assert.equal(replay, "replay");
    assert.equal((await withdrawalById(db, w1.id))?.status, "processed");
  },
);

testOnEngines("a batch cannot take a withdrawal that is no longer pending", async (db) => {
  const w1 = (await insertWithdrawal(db, withdrawal("q1"))).withdrawal;
  await db.transaction((tx) => persistWithdrawalPayload(tx, "ton", payload("p1", ["k"]), [w1.id]));
  await assert.rejects(
    db.transaction((tx) => persistWithdrawalPayload(tx, "ton", payload("p2", ["k"]), [w1.id])),
  );
  assert.equal((await openPayloads(db, "ton")).length, 1);
});

testOnEngines(
  "an expired payload returns its withdrawals to pending with a new attempt",
  async (db) => {
    const w1 = (await insertWithdrawal(db, withdrawal("q1"))).withdrawal;
    const ref = await db.transaction((tx) =>
      persistWithdrawalPayload(tx, "ton", payload("p1", ["k"]), [w1.id])
    );
    assert.equal(await db.transaction((tx) => declareDead(tx, ref)), true);
    assert.equal(await db.transaction((tx) => declareDead(tx, ref)), false);
    const after = await withdrawalById(db, w1.id);
    assert.equal(after?.status, "pending");
    assert.equal(after?.attempt, 2);
  },
);

testOnEngines(
  "an expired payload seen on chain trips the alarm and changes no withdrawal",
  async (db) => {
    const w1 = (await insertWithdrawal(db, withdrawal("q1"))).withdrawal;
    const ref = await db.transaction((tx) =>
      persistWithdrawalPayload(tx, "ton", payload("p1", ["k"]), [w1.id])
    );
    await db.transaction((tx) => declareDead(tx, ref));
    const result = await db.transaction((tx) =>
      applySighting(tx, "ton", sighting("p1", "h", ["k"], [5n], 0n, 1))
    );
    assert.equal(result, "tripwire");
    assert.equal((await openAlarms(db, "ton")).length, 1);
    assert.equal((await withdrawalById(db, w1.id))?.status, "pending");
  },
);

testOnEngines(
  "deposits reaching the minimum are swept once; the sweep records its amount",
  async (db) => {
    const a = await deposit(db, "u1", "0:aa");
    await deposit(db, "u1", "0:bb");
    const start = await initCursor(db, "ton", { height: 1n, time: 10, state: {} });
    await db.transaction((tx) =>
      commitBlock(
        tx,
        "ton",
        start,
        block(2n, [
          income("0:aa", "t1", 60n),
          income("0:aa", "t2", 50n),
          income("0:bb", "t3", 10n),
        ]),
      )
    );
    const minimums = new Map([["TON", 100n]]);
    assert.equal(await requestAutoSweeps(db, "ton", minimums, 10), 1);
    assert.equal(await requestAutoSweeps(db, "ton", minimums, 10), 0);
    const [sweep] = await requestedSweeps(db, "ton", 10);
    assert.equal(sweep.account.address, "0:aa");
    assert.equal(sweep.account.index, a.derivationIndex);
    await db.transaction((tx) =>
      persistSweepPayload(tx, "ton", payload("s1", ["sweep"]), sweep.id, sweep.coversUpTo)
    );
    await db.transaction((tx) =>
      applySighting(tx, "ton", sighting("s1", "hs", ["sweep"], [105n], 3n, 60))
    );
    assert.deepEqual(
      (await incomeTotals(db, "u1", "hot_wallet")).map((t) => t.amount),
      [105n, 0n],
    );
    // Covered incomes never request another sweep.
    assert.equal(await requestAutoSweeps(db, "ton", minimums, 10), 0);
  },
);

testOnEngines(
  "an expired sweep frees its incomes; a service sweep is requested again",
  async (db) => {
    const a = await deposit(db, "u1", "0:aa");
    const start = await initCursor(db, "ton", { height: 1n, time: 10, state: {} });
    await db.transaction((tx) =>
      commitBlock(tx, "ton", start, block(2n, [income("0:aa", "t1", 500n)]))
    );
    assert.equal(await requestServiceSweep(db, "ton", a.id, "TON", "memo-1"), true);
    assert.equal(await requestServiceSweep(db, "ton", a.id, "TON", "memo-2"), false);
    const [sweep] = await requestedSweeps(db, "ton", 10);
    assert.equal(sweep.memo, "memo-1");
    const ref = await db.transaction((tx) =>
      persistSweepPayload(tx, "ton", payload("s1", ["x"]), sweep.id, sweep.coversUpTo)
    );
    await db.transaction((tx) => declareDead(tx, ref));
    assert.equal((await requestedSweeps(db, "ton", 10))[0].memo, "memo-1");
    await markSweepEmpty(db, sweep.id, sweep.coversUpTo);
    assert.equal((await requestedSweeps(db, "ton", 10)).length, 0);
    assert.equal(await requestAutoSweeps(db, "ton", new Map([["TON", 1n]]), 10), 0);
  },
);

testOnEngines(
  "an income ingested after a sweep was read stays unswept and gets its own sweep",
  async (db) => {
    await deposit(db, "u1", "0:aa");
    const start = await initCursor(db, "ton", { height: 1n, time: 10, state: {} });
    await db.transaction((tx) =>
      commitBlock(tx, "ton", start, block(2n, [income("0:aa", "t1", 150n)]))
    );
    const minimums = new Map([["TON", 100n]]);
    await requestAutoSweeps(db, "ton", minimums, 10);
    const [sweep] = await requestedSweeps(db, "ton", 10);
    // The deposit's balance is read for the sweep; then another payment is ingested.
    const now = (await loadCursor(db, "ton"))!;
    await db.transaction((tx) =>
      commitBlock(tx, "ton", now, block(3n, [income("0:aa", "t2", 120n)]))
    );
    await db.transaction((tx) =>
      persistSweepPayload(tx, "ton", payload("s1", ["sweep"]), sweep.id, sweep.coversUpTo)
    );
    await db.transaction((tx) =>
      applySighting(tx, "ton", sighting("s1", "hs", ["sweep"], [149n], 1n, 40))
    );
    assert.equal(await requestAutoSweeps(db, "ton", minimums, 10), 1);
  },
);

testOnEngines(
  "incomes show their confirmations and count in totals once final",
  async (db) => {
    await deposit(db, "u1", "0:aa");
    const start = await initCursor(db, "ton", { height: 1n, time: 10, state: {} });
    await db.transaction((tx) =>
      commitBlock(tx, "ton", start, block(2n, [{ ...income("0:aa", "t1", 7n), blockHeight: 2n }]))
    );
    const required = new Map([["ton", 3]]);
    const q = { userId: "u1", currency: "TON", limit: 10, offset: 0, order: "asc" as const };
    assert.equal((await incomeHistory(db, q))[0].confirmations, 1);
    assert.deepEqual((await incomeTotals(db, "u1", "deposit", required)).map((t) => t.amount), [
      0n,
    ]);
    for (const height of [3n, 4n]) {
      const now = (await loadCursor(db, "ton"))!;
      await db.transaction((tx) => commitBlock(tx, "ton", now, block(height, [])));
    }
    assert.equal((await incomeHistory(db, q))[0].confirmations, 3);
    assert.deepEqual((await incomeTotals(db, "u1", "deposit", required)).map((t) => t.amount), [
      7n,
    ]);
  },
);

testOnEngines(
  "a sweep executed on chain that moved nothing frees its incomes and alarms",
  async (db) => {
    const a = await deposit(db, "u1", "0:aa");
    const start = await initCursor(db, "ton", { height: 1n, time: 10, state: {} });
    await db.transaction((tx) =>
      commitBlock(tx, "ton", start, block(2n, [income("0:aa", "t1", 9n)]))
    );
    await requestServiceSweep(db, "ton", a.id, "TON", "m");
    const [sweep] = await requestedSweeps(db, "ton", 10);
    await db.transaction((tx) =>
      persistSweepPayload(tx, "ton", payload("s1", ["sweep"]), sweep.id, sweep.coversUpTo)
    );
    await db.transaction((tx) => applySighting(tx, "ton", sighting("s1", "hs", [], [], 5n, 40)));
    const [row] = await db.query("select status from sweeps");
    assert.equal(row.status, "expired");
    assert.deepEqual((await openAlarms(db, "ton")).map((x) => x.kind), ["sweep_failed"]);
    assert.equal(await requestAutoSweeps(db, "ton", new Map([["TON", 1n]]), 10), 1);
  },
);

testOnEngines(
  "a sweep is not signed while fee resources are being reclaimed from its address",
  async (db) => {
    const a = await deposit(db, "u1", "0:dep-reclaim");
    await requestServiceSweep(db, "ton", a.id, "TON", "memo");
    const { withdrawal: reclaim } = await insertWithdrawal(db, {
      ...withdrawal("r1", 1n),
      kind: "prepare",
      step: "ton.reclaim",
      spends: false,
      userId: null,
      queryId: null,
      destination: a.address,
    });
    assert.deepEqual(await requestedSweeps(db, "ton", 10), []);
    await db.query("update withdrawals set status = 'processed' where id = $1", [reclaim.id]);
    assert.equal((await requestedSweeps(db, "ton", 10)).length, 1);
  },
);
