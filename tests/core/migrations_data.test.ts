/**
 * Migrations keep existing data: rows written under the schema before a migration read the
 * same after it, in the new shape.
 */

import assert from "node:assert/strict";
import { openPglite } from "../../core/db.ts";
import { migrate } from "../../core/migrations.ts";
import { incomeHistory } from "../../core/store/incomes.ts";
import { listSweeps, undoPreparations } from "../../core/store/sweeps.ts";
import { queuedTotals, withdrawalById } from "../../core/store/withdrawals.ts";

Deno.test("payloads and sweep preparations written before 14 and 15 keep their data", async () => {
  const db = await openPglite("memory://");
  try {
    await migrate(db, 13);
    const [address] = await db.query(
      `insert into addresses (chain, currency, user_id, address, display, derivation_index)
       values ('tron', 'USDT_TRC20', 'u1', 'Tdep', 'Tdep', 1) returning id::text as id`,
    );
    const [sweep] = await db.query(
      `insert into sweeps (chain, address_id, currency, kind, status, fee)
       values ('tron', $1, 'USDT_TRC20', 'auto', 'done', 7) returning id::text as id`,
      [address.id as string],
    );
    const payload = async (id: string, status: string) =>
      (await db.query(
        `insert into payloads (chain, payload_id, wallet, purpose, boc, valid_until, out_keys,
           status, fee)
         values ('tron', $1, 'Thot', 'withdrawals', $2, 100, array[$1], $3, 10)
         returning id::text as id`,
        [id, `{"txID":"${id}"}`, status],
      ))[0].id as string;
    const seen = await payload("tx-lend", "seen");
    await payload("tx-old", "expired");
    const prep = async (kind: string, amount: number, ref: string | null) =>
      (await db.query(
        `insert into withdrawals (chain, currency, kind, amount, destination, destination_input,
           status, sweep_id, payload_ref)
         values ('tron', 'TRX', $1, $2, 'Tdep', 'Tdep', $3, $4, $5) returning id::text as id`,
        [kind, amount, ref ? "processed" : "pending", sweep.id as string, ref],
      ))[0].id as string;
    const topup = await prep("topup", 40, seen);
    const lend = await prep("lend", 1000, seen);
    const reclaim = await prep("reclaim", 1000, null);

    assert.deepEqual(await migrate(db, 15), [14, 15]);

    const payloads = await db.query(
      "select payload_id, data, status, dead_reason, family = id as own from payloads order by id",
    );
    assert.deepEqual(payloads.map((p) => ({ ...p })), [
      {
        payload_id: "tx-lend",
        data: '{"txID":"tx-lend"}',
        status: "seen",
        dead_reason: null,
        own: true,
      },
      {
        payload_id: "tx-old",
        data: '{"txID":"tx-old"}',
        status: "dead",
        dead_reason: "expired",
        own: true,
      },
    ]);
    const w = async (id: string) => {
      const row = (await withdrawalById(db, BigInt(id)))!;
      return [row.kind, row.step, row.spends];
    };
    assert.deepEqual(await w(topup), ["prepare", "tron.topup", true]);
    assert.deepEqual(await w(lend), ["prepare", "tron.lend", false]);
    assert.deepEqual(await w(reclaim), ["prepare", "tron.reclaim", false]);
    const [undo] = await db.query("select undo_step from withdrawals where id = $1", [lend]);
    assert.equal(undo.undo_step, "tron.reclaim");
    // Lent resources still do not count against the balance; only the top-up's TRX did.
    assert.equal((await queuedTotals(db, "tron", "TRX")).pending, 0n);
    // The sweep's fee still adds what its preparations' transactions cost.
    const [listed] = await listSweeps(db, "tron", 10);
    assert.equal(listed.fee, 7n + 10n + 10n);
  } finally {
    await db.close();
  }
});

Deno.test("undo steps queued before 17 name the preparation they undo, in order, and are never queued again", async () => {
  const db = await openPglite("memory://");
  try {
    await migrate(db, 16);
    const [address] = await db.query(
      `insert into addresses (chain, currency, user_id, address, display, derivation_index)
       values ('tron', 'USDT_TRC20', 'u1', 'Tdep', 'Tdep', 1) returning id::text as id`,
    );
    const [sweep] = await db.query(
      `insert into sweeps (chain, address_id, currency, kind, status)
       values ('tron', $1, 'USDT_TRC20', 'auto', 'done') returning id::text as id`,
      [address.id as string],
    );
    const step = async (name: string, undo: string | null, status: string) =>
      (await db.query(
        `insert into withdrawals (chain, currency, kind, step, spends, undo_step, amount,
           destination, destination_input, status, sweep_id)
         values ('tron', 'TRX', 'prepare', $1, false, $2, 5, 'Tdep', 'Tdep', $3, $4)
         returning id::text as id`,
        [name, undo, status, sweep.id as string],
      ))[0].id as string;
    const lend1 = await step("tron.lend", "tron.reclaim", "processed");
    const lend2 = await step("tron.lend", "tron.reclaim", "processed");
    const topup = await step("tron.topup", null, "processed");
    const reclaim1 = await step("tron.reclaim", null, "processed");
    const reclaim2 = await step("tron.reclaim", null, "pending");

    assert.deepEqual(await migrate(db, 17), [17]);

    const rows = await db.query("select id::text as id, undoes::text as undoes from withdrawals");
    const undoes = new Map(rows.map((r) => [String(r.id), r.undoes]));
    assert.deepEqual(
      [lend1, lend2, topup, reclaim1, reclaim2].map((id) => undoes.get(id)),
      [null, null, null, lend1, lend2],
    );
    // Settling the sweep again (a replayed sighting) queues nothing: each lend has its undo.
    assert.equal(await undoPreparations(db, [BigInt(sweep.id as string)]), 0);
    await assert.rejects(
      db.query(
        `insert into withdrawals (chain, currency, kind, step, spends, amount, destination,
           destination_input, status, sweep_id, undoes)
         values ('tron', 'TRX', 'prepare', 'tron.reclaim', false, 5, 'Tdep', 'Tdep', 'pending',
           $1, $2)`,
        [sweep.id as string, lend1],
      ),
      /duplicate key|unique/,
    );
  } finally {
    await db.close();
  }
});

Deno.test("incomes written before 19 get their address's user and show in its history", async () => {
  const db = await openPglite("memory://");
  try {
    await migrate(db, 16);
    const address = async (user: string, n: number) =>
      (await db.query(
        `insert into addresses (chain, currency, user_id, address, display, derivation_index)
         values ('ton', 'TON', $1, $2, $3, $4) returning id::text as id`,
        [user, `0:${n}`, `D${n}`, n],
      ))[0].id as string;
    const mine = await address("u1", 1);
    const theirs = await address("u2", 2);
    for (const [owner, tx, time] of [[mine, "t1", 100], [theirs, "t2", 150], [mine, "t3", 200]]) {
      await db.query(
        `insert into incomes (chain, currency, address_id, amount, tx_hash, event_index,
           block_height, block_time)
         values ('ton', 'TON', $1, 5, $2, 0, 1, $3)`,
        [owner, tx, time],
      );
    }

    assert.ok((await migrate(db, 19)).includes(19));

    const users = await db.query("select tx_hash, user_id from incomes order by tx_hash");
    assert.deepEqual(users.map((r) => ({ ...r })), [
      { tx_hash: "t1", user_id: "u1" },
      { tx_hash: "t2", user_id: "u2" },
      { tx_hash: "t3", user_id: "u1" },
    ]);
    const page = await incomeHistory(db, {
      userId: "u1",
      currency: "TON",
      limit: 10,
      offset: 0,
      order: "desc",
    });
    assert.deepEqual(page.map((i) => [i.txHash, i.depositAddress]), [["t3", "D1"], ["t1", "D1"]]);
    // An insert that does not name the user (an older processor still running) is refused.
    await assert.rejects(
      db.query(
        `insert into incomes (chain, currency, address_id, amount, tx_hash, event_index,
           block_height, block_time)
         values ('ton', 'TON', $1, 5, 't4', 0, 1, 300)`,
        [mine],
      ),
      /user_id/,
    );
  } finally {
    await db.close();
  }
});
