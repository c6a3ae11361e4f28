/**
 * The exchange API's webhook events: an income is reported once, when final; a user's
 * withdrawal once per status it reaches. Both land in the outbox for the exchange (no site).
 */

import assert from "node:assert/strict";
import { exchangeEventsTick } from "../../core/exchange_events.ts";
import { newAddress, requestWithdrawal } from "../../core/processor.ts";
import { senderTick } from "../../core/sender.ts";
import { withTronHarness } from "../support/tron_harness.ts";
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
    assert.deepEqual(await exchangeEventsTick(h.ctx), { incomes: 0, withdrawals: 0 });
    await h.block();
    assert.deepEqual(await exchangeEventsTick(h.ctx), { incomes: 1, withdrawals: 0 });
    assert.deepEqual(await exchangeEventsTick(h.ctx), { incomes: 0, withdrawals: 0 });
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
