/**
 * The exchange API's webhook events: an income is reported once, when final; a user's
 * withdrawal once per status it reaches. Both land in the outbox for the exchange (no site).
 */

import assert from "node:assert/strict";
import { exchangeEventsTick } from "../../core/exchange_events.ts";
import { newAddress, requestWithdrawal } from "../../core/processor.ts";
import { senderTick } from "../../core/sender.ts";
import { systemClock } from "../../core/clock.ts";
import { parseConfig } from "../../core/config.ts";
import type { ProcessorContext } from "../../core/context.ts";
import { silentLogger } from "../../core/log.ts";
import { acknowledgeAlarm, raiseAlarm, resolveAlarm } from "../../core/store/alarms.ts";
import { insertAddress } from "../../core/store/addresses.ts";
import { openTestDb } from "../support/db.ts";
import { withTronHarness } from "../support/harness.ts";
import { testKey } from "../plugins/tron/devnet/helpers.ts";

async function events(db: { query(text: string): Promise<Record<string, unknown>[]> }) {
  const rows = await db.query("select type, body, site_id from outbox order by id");
  return rows.map((r) => ({
    type: String(r.type),
    site: r.site_id,
    body: JSON.parse(String(r.body)),
  }));
}

Deno.test("an income is reported once, when it becomes final", () =>
  withTronHarness({ tron: { confirmations: 3 } }, async (h) => {
    const address = await newAddress(h.ctx, "alice", "USDT_TRC20");
    const txid = await h.devnet.faucetToken("USDT_TRC20", address, 5_000_000n);
    await h.block();
    await h.block();
    assert.deepEqual(await exchangeEventsTick(h.ctx), {
      incomes: 0,
      withdrawals: 0,
      alarms: 0,
      unrecognized: 0,
    });
    await h.block();
    assert.deepEqual(await exchangeEventsTick(h.ctx), {
      incomes: 1,
      withdrawals: 0,
      alarms: 0,
      unrecognized: 0,
    });
    assert.deepEqual(await exchangeEventsTick(h.ctx), {
      incomes: 0,
      withdrawals: 0,
      alarms: 0,
      unrecognized: 0,
    });
    const [event] = await events(h.ctx.db);
    assert.equal(event.type, "income.confirmed");
    assert.equal(event.site, null);
    assert.match(event.body.eventId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(
      [event.body.income.user_id, event.body.income.amount, event.body.income.tx_hash],
      ["alice", "5000000", txid],
    );
  }));

Deno.test("a withdrawal is reported at each status it reaches", () =>
  withTronHarness({}, async (h) => {
    await h.devnet.faucetTrx(h.hot, 1_000_000_000n);
    await h.block();
    const { id } = await requestWithdrawal(h.ctx, {
      userId: "bob",
      queryId: "w1",
      currency: "TRX",
      amount: 2_000_000n,
      destination: testKey("payee-events").address,
      comment: null,
      binaryComment: null,
    });
    await exchangeEventsTick(h.ctx);
    await senderTick(h.ctx, h.plugin);
    await exchangeEventsTick(h.ctx);
    await h.block();
    await exchangeEventsTick(h.ctx);
    await exchangeEventsTick(h.ctx);
    const all = await events(h.ctx.db);
    assert.deepEqual(all.map((e) => e.body.withdrawal.status), [
      "pending",
      "processing",
      "processed",
    ]);
    assert.ok(all.every((e) => e.type === "withdrawal.status_changed" && e.site === null));
    assert.equal(all[2].body.withdrawal.ID, Number(id));
    assert.match(all[2].body.withdrawal.tx_hash, /^[0-9a-f]{64}$/);
  }));

Deno.test("an alarm is reported when raised, acknowledged and resolved; an unrecognized transfer once", async () => {
  const t = await openTestDb();
  const ctx: ProcessorContext = {
    db: t.db,
    config: parseConfig({}),
    plugins: new Map(),
    clock: systemClock,
    log: silentLogger,
  };
  try {
    await raiseAlarm(t.db, "tron", "foreign_spend", "the hot wallet sent what we did not sign", {
      txHash: "ab".repeat(32),
    });
    const deposit = await insertAddress(t.db, {
      chain: "ton",
      currency: "TON",
      userId: "carol",
      address: "0:" + "11".repeat(32),
      display: "UQdeposit",
      watchAddress: null,
      derivationIndex: 3n,
    });
    await t.db.query(
      `insert into unrecognized_transfers (chain, address_id, token, source_address, amount,
         tx_hash, block_time, block_height) values ('ton', $1, '0:fake', 'EQsender', 12345,
         $2, 1700000000, 7)`,
      [deposit.id, "cd".repeat(32)],
    );
    assert.deepEqual(await exchangeEventsTick(ctx), {
      incomes: 0,
      withdrawals: 0,
      alarms: 1,
      unrecognized: 1,
    });
    assert.deepEqual(await exchangeEventsTick(ctx), {
      incomes: 0,
      withdrawals: 0,
      alarms: 0,
      unrecognized: 0,
    });
    const [row] = await t.db.query("select id::text as id from alarms");
    await acknowledgeAlarm(t.db, BigInt(String(row.id)), "looking");
    await exchangeEventsTick(ctx);
    await resolveAlarm(t.db, BigInt(String(row.id)), "our own manual send");
    await exchangeEventsTick(ctx);
    const all = await events(t.db);
    assert.deepEqual(all.map((e) => e.type), [
      "alarm.raised",
      "unrecognized_transfer.detected",
      "alarm.acknowledged",
      "alarm.resolved",
    ]);
    assert.ok(all.every((e) => e.site === null));
    assert.equal(all[0].body.alarm.kind, "foreign_spend");
    assert.equal(all[0].body.alarm.haltsSender, true);
    assert.deepEqual(all[0].body.alarm.context, { txHash: "ab".repeat(32) });
    assert.equal(all[3].body.alarm.state, "resolved");
    assert.equal(all[3].body.alarm.resolvedNote, "our own manual send");
    assert.equal(all[3].body.alarm.haltsSender, false);
    const transfer = all[1].body.transfer;
    assert.deepEqual(
      [transfer.depositAddress, transfer.token, transfer.amount, transfer.txHash],
      ["UQdeposit", "0:fake", "12345", "cd".repeat(32)],
    );
  } finally {
    await t.close();
  }
});
