/**
 * What keeps the TON sender from paying wrongly or never: a foreign spend from the hot wallet
 * halts it until an operator resolves the alarm; the head of a queue waiting for funds raises
 * an alarm saying what is missing; `overtake` lets later withdrawals that fit pass it.
 */

import assert from "node:assert/strict";
import { Address, toNano } from "@ton/core";
import { Buffer } from "node:buffer";
import { requestWithdrawal, withdrawalStatus } from "../../../core/processor.ts";
import { senderTick } from "../../../core/sender.ts";
import { FOREIGN_SPEND, openAlarms, WITHDRAWAL_QUEUE_STALLED } from "../../../core/store/alarms.ts";
import { type TonHarness, withTonHarness } from "../../support/harness.ts";

async function fundHot(h: TonHarness, amount: bigint) {
  const hot = Address.parseRaw(h.plugin.derivation.hotWallet.address);
  const done = h.devnet.faucet(hot, amount);
  await h.block();
  await done;
}

const destination = () =>
  new Address(0, Buffer.from(crypto.getRandomValues(new Uint8Array(32))))
    .toString({ testOnly: true, bounceable: false });

async function withdraw(h: TonHarness, queryId: string, amount: bigint): Promise<bigint> {
  return (await requestWithdrawal(h.ctx, {
    userId: "u1",
    queryId,
    currency: "TON",
    amount,
    destination: destination(),
    comment: null,
    binaryComment: null,
  })).id;
}

Deno.test("a transfer out of the hot wallet that this processor did not sign halts the sender until resolved", () =>
  withTonHarness({}, async (h) => {
    await fundHot(h, toNano("100"));
    // Another holder of the mnemonic signs and sends; this processor never persisted it.
    const foreign = await h.plugin.sender.buildTransfers([{
      id: 1_000_000n,
      step: null,
      currency: "TON",
      to: Address.parse(destination()).toRawString(),
      amount: toNano("1"),
      comment: null,
      binaryComment: null,
    }]);
    assert.ok(foreign, "a payment is always built");
    await h.plugin.sender.broadcast(foreign);
    await h.block();

    const alarms = await openAlarms(h.ctx.db, "ton");
    assert.equal(alarms.length, 1);
    assert.equal(alarms[0].kind, FOREIGN_SPEND);
    assert.match(alarms[0].detail, /^transaction [0-9a-f]{64} at height \d+ spent from an account/);

    const id = await withdraw(h, "q1", toNano("1"));
    const halted = await senderTick(h.ctx, h.plugin);
    assert.equal(halted.halted, true);
    assert.equal(halted.batched, 0);
    assert.equal((await withdrawalStatus(h.ctx, id)).status, "pending");

    // The operator resolves it (as the admin alarms API does): sending resumes.
    await h.ctx.db.query("update alarms set resolved_at = now() where id = $1", [alarms[0].id]);
    const resumed = await senderTick(h.ctx, h.plugin);
    assert.equal(resumed.halted, false);
    assert.equal(resumed.batched, 1);
  }));

Deno.test("the head of a queue waiting for funds raises a non-halting alarm with what is missing, cleared when it moves", () =>
  withTonHarness({ raw: { withdrawalStallSeconds: 0 } }, async (h) => {
    await fundHot(h, toNano("10"));
    const big = await withdraw(h, "big", toNano("1000"));
    const small = await withdraw(h, "small", toNano("1"));
    const tick = await senderTick(h.ctx, h.plugin);
    // Strict FIFO by default: the small one waits behind the big one.
    assert.equal(tick.halted, false);
    assert.equal(tick.batched, 0);
    assert.equal((await withdrawalStatus(h.ctx, small)).status, "pending");
    const alarms = await openAlarms(h.ctx.db, "ton");
    assert.equal(alarms.length, 1);
    assert.equal(alarms[0].kind, WITHDRAWAL_QUEUE_STALLED);
    assert.match(
      alarms[0].detail,
      new RegExp(
        `^withdrawal ${big} of 1000000000000 TON has waited \\d+ s at the head of its queue; ` +
          `the hot wallet is missing \\d+ TON`,
      ),
    );
    const missing = BigInt(/missing (\d+) TON/.exec(alarms[0].detail)![1]);
    assert.ok(missing > toNano("990") && missing < toNano("1000"), String(missing));
    // Raised once, not at every tick.
    await senderTick(h.ctx, h.plugin);
    assert.equal((await openAlarms(h.ctx.db, "ton")).length, 1);

    // Cancelling the head clears its alarm and lets the queue move.
    await h.ctx.db.query("update withdrawals set status = 'cancelled' where id = $1", [big]);
    const moved = await senderTick(h.ctx, h.plugin);
    assert.equal(moved.batched, 1);
    assert.deepEqual(await openAlarms(h.ctx.db, "ton"), []);
  }));

Deno.test("with overtake, later withdrawals that fit pass one the hot wallet cannot pay", () =>
  withTonHarness({ ton: { assets: { TON: { decimals: 9, overtake: true } } } }, async (h) => {
    await fundHot(h, toNano("10"));
    const big = await withdraw(h, "big", toNano("1000"));
    const small = await withdraw(h, "small", toNano("1"));
    const tick = await senderTick(h.ctx, h.plugin);
    assert.equal(tick.batched, 1);
    assert.equal((await withdrawalStatus(h.ctx, small)).status, "processing");
    assert.equal((await withdrawalStatus(h.ctx, big)).status, "pending");
    await h.block();
    assert.equal((await withdrawalStatus(h.ctx, small)).status, "processed");
  }));
