/**
 * The TON sender with the core sender loop on the devnet: persist before send, exactly once
 * across crashes, expiry and rebuild, and the 250-message batch.
 */

import assert from "node:assert/strict";
import { Address, toNano } from "@ton/core";
import { requestWithdrawal, withdrawalStatus } from "../../../core/processor.ts";
import { senderTick } from "../../../core/sender.ts";
import { openPayloads } from "../../../core/store/payloads.ts";
import { startTonHarness, type TonHarness } from "../../support/ton_harness.ts";

async function withHarness(fn: (h: TonHarness) => Promise<void>) {
  const h = await startTonHarness();
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

async function fundHot(h: TonHarness, amount = toNano("1000")) {
  const hot = Address.parseRaw(h.plugin.derivation.hotWallet.address);
  const done = h.devnet.faucet(hot, amount);
  await h.block();
  await done;
}

const destination = () => new Address(0, crypto.getRandomValues(new Uint8Array(32)) as never);

async function balanceOf(h: TonHarness, address: Address) {
  return (await h.devnet.blockchain.getContract(address)).balance;
}

Deno.test("a withdrawal is persisted, sent, seen and processed with its tx hash", () =>
  withHarness(async (h) => {
    await fundHot(h);
    const to = destination();
    const { id } = await requestWithdrawal(h.ctx, {
      userId: "u1",
      queryId: "q1",
      currency: "TON",
      amount: 1_234_567_890n,
      destination: to.toString({ testOnly: true, bounceable: false }),
      comment: "payout",
      binaryComment: null,
    });
    const tick = await senderTick(h.ctx, h.plugin);
    assert.equal(tick.batched, 1);
    assert.equal((await withdrawalStatus(h.ctx, id)).status, "processing");
    await h.block();
    const done = await withdrawalStatus(h.ctx, id);
    assert.equal(done.status, "processed");
    assert.match(done.txHash!, /^[0-9a-f]{64}$/);
    assert.equal(await balanceOf(h, to), 1_234_567_890n);
  }));
