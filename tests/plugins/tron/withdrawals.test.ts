/**
 * TRON withdrawals through the core sender on the devnet: signed with tronweb, persisted with
 * their txid before broadcast, exactly once across crashes and expiry, and `failed` with the
 * chain's reason when the transaction reverted.
 */

import assert from "node:assert/strict";
import { requestWithdrawal, withdrawalStatus } from "../../../core/processor.ts";
import { senderTick } from "../../../core/sender.ts";
import { loadCursor } from "../../../core/store/cursors.ts";
import { openPayloads } from "../../../core/store/payloads.ts";
import { tronHexFromAddress } from "../../../plugins/tron/address.ts";
import { type TronHarness, withTronHarness } from "../../support/harness.ts";
import { testKey } from "./devnet/helpers.ts";
import { crashingBroadcast } from "../../support/waiting.ts";

async function fundHot(h: TronHarness, trx = 10_000_000_000n, usdt = 1_000_000_000n) {
  await h.devnet.faucetTrx(h.hot, trx);
  await h.devnet.faucetToken("USDT_TRC20", h.hot, usdt);
  await h.block();
}

function usdtOf(h: TronHarness, address: string): bigint {
  return h.devnet.chain.tokens.get("USDT_TRC20")!.balances.get(tronHexFromAddress(address)) ?? 0n;
}

function trxOf(h: TronHarness, address: string): bigint {
  return h.devnet.chain.account(tronHexFromAddress(address))?.balance ?? 0n;
}

async function withdraw(
  h: TronHarness,
  queryId: string,
  currency: string,
  to: string,
  amount: bigint,
): Promise<bigint> {
  return (await requestWithdrawal(h.ctx, {
    userId: "u1",
    queryId,
    currency,
    amount,
    destination: to,
    comment: null,
    binaryComment: null,
  })).id;
}

Deno.test("a USDT_TRC20 withdrawal is processed with its txid and delivers exactly the amount", () =>
  withTronHarness({}, async (h) => {
    await fundHot(h);
    const to = testKey("payee-usdt").address;
    const id = await withdraw(h, "q1", "USDT_TRC20", to, 12_345_678n);
    const tick = await senderTick(h.ctx, h.plugin);
    assert.equal(tick.batched, 1);
    const [payload] = await openPayloads(h.ctx.db, "tron");
    // The txid is stored before the first broadcast: it is the payload's id.
    assert.match(payload.payloadId, /^[0-9a-f]{64}$/);
    assert.equal(JSON.parse(payload.data).txID, payload.payloadId);
    await h.block();
    const done = await withdrawalStatus(h.ctx, id);
    assert.equal(done.status, "processed");
    assert.equal(done.txHash, payload.payloadId);
    assert.equal(usdtOf(h, to), 12_345_678n);
  }));

Deno.test("a TRX withdrawal accepts a 41… hex destination and activates a new account", () =>
  withTronHarness({}, async (h) => {
    await fundHot(h);
    const to = testKey("payee-trx").address;
    const id = await withdraw(h, "q1", "TRX", tronHexFromAddress(to), 5_000_000n);
    await senderTick(h.ctx, h.plugin);
    await h.block();
    assert.equal((await withdrawalStatus(h.ctx, id)).status, "processed");
    assert.equal(trxOf(h, to), 5_000_000n);
  }));

Deno.test("several TRON withdrawals go out at once, one transaction each", () =>
  withTronHarness({}, async (h) => {
    await fundHot(h);
    const to = testKey("payee-many").address;
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await withdraw(h, `q${i}`, "USDT_TRC20", to, 1_000_000n));
    assert.equal((await senderTick(h.ctx, h.plugin)).batched, 5);
    assert.equal((await openPayloads(h.ctx.db, "tron")).length, 5);
    await h.block();
    for (const id of ids) assert.equal((await withdrawalStatus(h.ctx, id)).status, "processed");
    assert.equal(usdtOf(h, to), 5_000_000n);
  }));

Deno.test("a crash between persist and broadcast still sends the TRON withdrawal exactly once", () =>
  withTronHarness({}, async (h) => {
    await fundHot(h);
    const to = testKey("payee-crash1").address;
    const id = await withdraw(h, "q1", "USDT_TRC20", to, 2_000_000n);
    const restore = crashingBroadcast(h);
    assert.equal((await senderTick(h.ctx, h.plugin)).batched, 1);
    restore();
    const [persisted] = await openPayloads(h.ctx.db, "tron");
    assert.equal(persisted.broadcasts, 0);
    await h.block();
    assert.equal((await withdrawalStatus(h.ctx, id)).status, "processing");
    await h.restart();
    const tick = await senderTick(h.ctx, h.plugin);
    assert.equal(tick.broadcast, 1);
    assert.equal(tick.batched, 0);
    await h.block();
    await senderTick(h.ctx, h.plugin, { rebroadcastMs: 0 });
    await h.block();
    const done = await withdrawalStatus(h.ctx, id);
    assert.equal(done.status, "processed");
    assert.equal(done.txHash, persisted.payloadId);
    assert.equal(usdtOf(h, to), 2_000_000n);
  }));

Deno.test("a crash after broadcast re-sends the same transaction, paid once", () =>
  withTronHarness({}, async (h) => {
    await fundHot(h);
    const to = testKey("payee-crash2").address;
    const id = await withdraw(h, "q1", "TRX", to, 3_000_000n);
    await senderTick(h.ctx, h.plugin);
    await h.restart();
    // Before the block: the restarted sender re-broadcasts the stored transaction only; the
    // node already holds it (DUP_TRANSACTION_ERROR), which counts as sent.
    const tick = await senderTick(h.ctx, h.plugin, { rebroadcastMs: 0 });
    assert.equal(tick.broadcast, 1);
    assert.equal(tick.batched, 0);
    await h.block();
    await senderTick(h.ctx, h.plugin, { rebroadcastMs: 0 });
    await h.block();
    assert.equal((await withdrawalStatus(h.ctx, id)).status, "processed");
    assert.equal(trxOf(h, to), 3_000_000n);
    const payloads = await h.ctx.db.query("select status from payloads");
    assert.deepEqual(payloads.map((p) => p.status), ["seen"]);
  }));

Deno.test("an expired unsent TRON transaction is rebuilt once and paid once", () =>
  withTronHarness({ tron: { validitySeconds: 3, confirmations: 2 } }, async (h) => {
    await fundHot(h);
    const to = testKey("payee-expired").address;
    const id = await withdraw(h, "q1", "USDT_TRC20", to, 1_500_000n);
    const restore = crashingBroadcast(h);
    await senderTick(h.ctx, h.plugin);
    const [lost] = await openPayloads(h.ctx.db, "tron");
    // Blocks keep coming until the scanned chain is past the expiration and its margin, as
    // the plugin's lifecycle judges it.
    const dead = async () =>
      h.plugin.sender.lifecycle.state(lost, (await loadCursor(h.ctx.db, "tron"))!).state ===
        "dead";
    for (let i = 0; !await dead(); i++) {
      assert.ok(i < 120, "the payload never expired on the scanned chain");
      await h.block();
      await new Promise((r) => setTimeout(r, 500));
    }
    restore();
    const tick = await senderTick(h.ctx, h.plugin, { rebroadcastMs: 3_600_000 });
    assert.equal(tick.expired, 1);
    assert.equal(tick.batched, 1);
    await h.block();
    const w = await withdrawalStatus(h.ctx, id);
    assert.equal(w.status, "processed");
    assert.equal(w.attempt, 2);
    assert.equal(usdtOf(h, to), 1_500_000n);
    const payloads = await h.ctx.db.query("select status from payloads order by id");
    assert.deepEqual(payloads.map((p) => p.status), ["dead", "seen"]);
    // The expired transaction, broadcast now, is refused by the node: it can never land.
    await assert.rejects(() => h.plugin.sender.broadcast(lost), /EXPIR/);
  }));

Deno.test("a TRC20 withdrawal that runs out of energy is failed with the chain's reason", () =>
  withTronHarness({ tron: { feeLimit: "1000000" } }, async (h) => {
    await fundHot(h);
    const to = testKey("payee-oute").address;
    const id = await withdraw(h, "q1", "USDT_TRC20", to, 1_000_000n);
    await senderTick(h.ctx, h.plugin);
    await h.block();
    const w = await withdrawalStatus(h.ctx, id);
    assert.equal(w.status, "failed");
    assert.match(w.failureReason!, /OUT_OF_ENERGY/);
    assert.equal(usdtOf(h, to), 0n);
  }));

Deno.test("TRON withdrawals never exceed the hot balance, in flight ones included", () =>
  withTronHarness({}, async (h) => {
    await fundHot(h, 10_000_000_000n, 3_000_000n);
    const to = testKey("payee-budget").address;
    const a = await withdraw(h, "q1", "USDT_TRC20", to, 2_000_000n);
    const b = await withdraw(h, "q2", "USDT_TRC20", to, 2_000_000n);
    assert.equal((await senderTick(h.ctx, h.plugin)).batched, 1);
    // The first is in flight and unseen: the node still shows 3 USDT, yet only 1 is free.
    assert.equal((await senderTick(h.ctx, h.plugin)).batched, 0);
    await h.block();
    assert.equal((await withdrawalStatus(h.ctx, a)).status, "processed");
    assert.equal((await withdrawalStatus(h.ctx, b)).status, "pending");
    assert.equal(usdtOf(h, to), 2_000_000n);
  }));

Deno.test("TRON keeps as many withdrawals in flight as the hot wallet can pay for, past any fixed 20", () =>
  withTronHarness({}, async (h) => {
    await fundHot(h);
    const to = testKey("payee-window").address;
    const ids = [];
    for (let i = 0; i < 30; i++) ids.push(await withdraw(h, `q${i}`, "USDT_TRC20", to, 1_000_000n));
    assert.equal((await senderTick(h.ctx, h.plugin)).batched, 30);
    await h.block();
    for (const id of ids) assert.equal((await withdrawalStatus(h.ctx, id)).status, "processed");
    assert.equal(usdtOf(h, to), 30_000_000n);
  }));

Deno.test("the TRON in-flight window counts each transaction at its dearest, burnt bandwidth included", () =>
  // Each USDT transfer may burn its 60 TRX fee limit; beyond the first (the 600 bytes of free
  // bandwidth a day), each also burns 400 bytes at 1,000 sun. With 301 TRX beyond the 2 TRX
  // reserve, fee limits alone would allow five; with the bandwidth only four are covered.
  withTronHarness({ tron: { feeLimit: "60000000" } }, async (h) => {
    await fundHot(h, 303_000_000n);
    const to = testKey("payee-dearest").address;
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await withdraw(h, `q${i}`, "USDT_TRC20", to, 1_000_000n));
    assert.equal((await senderTick(h.ctx, h.plugin)).batched, 4);
    await h.block();
    for (const id of ids.slice(0, 4)) {
      assert.equal((await withdrawalStatus(h.ctx, id)).status, "processed");
    }
    // What they did not burn pays for the fifth.
    assert.equal((await senderTick(h.ctx, h.plugin)).batched, 1);
    await h.block();
    assert.equal((await withdrawalStatus(h.ctx, ids[4])).status, "processed");
    assert.equal(usdtOf(h, to), 5_000_000n);
  }));
