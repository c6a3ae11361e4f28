/**
 * Jetton withdrawals on the devnet: a TEP-74 transfer from the hot wallet's jetton wallet,
 * processed when the hot wallet's message left, in batches mixed with TON.
 */

import assert from "node:assert/strict";
import { Address, toNano } from "@ton/core";
import { Buffer } from "node:buffer";
import { balance, requestWithdrawal, withdrawalStatus } from "../../../core/processor.ts";
import { senderTick } from "../../../core/sender.ts";
import { openAlarms } from "../../../core/store/alarms.ts";
import { type TonHarness, withTonHarness } from "../../support/harness.ts";

const withHarness = (fn: (h: TonHarness) => Promise<void>) => withTonHarness({ jettons: true }, fn);

async function inBlock(h: TonHarness, sent: Promise<string>) {
  await h.block();
  return await sent;
}

const someone = () =>
  new Address(0, Buffer.from(crypto.getRandomValues(new Uint8Array(32))))
    .toString({ testOnly: true, bounceable: false });

async function fundHot(h: TonHarness) {
  const hot = Address.parseRaw(h.plugin.derivation.hotWallet.address);
  await inBlock(h, h.devnet.faucet(hot, toNano("100")));
  await inBlock(h, h.devnet.faucetJetton("USDT_TON", hot, 50_000_000n));
  await inBlock(h, h.devnet.faucetJetton("TGR", hot, 9_000_000_000n));
}

const withdraw = async (
  h: TonHarness,
  queryId: string,
  currency: string,
  amount: bigint,
  to: string,
) =>
  (await requestWithdrawal(h.ctx, {
    userId: "u1",
    queryId,
    currency,
    amount,
    destination: to,
    comment: `w ${queryId}`,
    binaryComment: null,
  })).id;

Deno.test("a jetton withdrawal is processed with a tx hash and the recipient gets exactly it", () =>
  withHarness(async (h) => {
    await fundHot(h);
    assert.equal((await balance(h.ctx, "USDT_TON", undefined)).balance, 50_000_000n);
    const to = someone();
    const id = await withdraw(h, "j1", "USDT_TON", 1_500_000n, to);
    assert.equal((await senderTick(h.ctx, h.plugin)).batched, 1);
    await h.block();
    const w = await withdrawalStatus(h.ctx, id);
    assert.equal(w.status, "processed");
    assert.match(w.txHash!, /^[0-9a-f]{64}$/);
    assert.deepEqual(await balance(h.ctx, "USDT_TON", to), {
      balance: 1_500_000n,
      status: "active",
    });
    const hot = await balance(h.ctx, "USDT_TON", undefined);
    assert.deepEqual([hot.balance, hot.pending, hot.processing], [48_500_000n, 0n, 0n]);
    // The recipient's jetton wallet returned the unused gas as `excesses` with our query_id.
    assert.match(w.confirmedTxHash!, /^[0-9a-f]{64}$/);
    assert.notEqual(w.confirmedTxHash, w.txHash);
  }));

Deno.test("one batch mixes TON and two jettons", () =>
  withHarness(async (h) => {
    await fundHot(h);
    const [a, b, c] = [someone(), someone(), someone()];
    const ids = [
      await withdraw(h, "m1", "TON", toNano("2"), a),
      await withdraw(h, "m2", "USDT_TON", 3n, b),
      await withdraw(h, "m3", "TGR", 4_000_000_000n, c),
      await withdraw(h, "m4", "USDT_TON", 5n, b),
    ];
    assert.equal((await senderTick(h.ctx, h.plugin)).batched, 4);
    await h.block();
    const hashes = new Set<string>();
    for (const id of ids) {
      const w = await withdrawalStatus(h.ctx, id);
      assert.equal(w.status, "processed");
      hashes.add(w.txHash!);
    }
    assert.equal(hashes.size, 1);
    assert.equal((await balance(h.ctx, "TON", a)).balance, toNano("2"));
    assert.equal((await balance(h.ctx, "USDT_TON", b)).balance, 8n);
    assert.equal((await balance(h.ctx, "TGR", c)).balance, 4_000_000_000n);
  }));

Deno.test("a jetton withdrawal beyond the hot jetton balance waits without holding TON ones", () =>
  withHarness(async (h) => {
    await fundHot(h);
    const big = await withdraw(h, "b1", "USDT_TON", 60_000_000n, someone());
    const small = await withdraw(h, "b2", "USDT_TON", 1n, someone());
    const ton = await withdraw(h, "b3", "TON", toNano("1"), someone());
    assert.equal((await senderTick(h.ctx, h.plugin)).batched, 1);
    await h.block();
    assert.equal((await withdrawalStatus(h.ctx, big)).status, "pending");
    // Strict order within USDT_TON: the small one waits behind the big one.
    assert.equal((await withdrawalStatus(h.ctx, small)).status, "pending");
    assert.equal((await withdrawalStatus(h.ctx, ton)).status, "processed");
  }));

Deno.test("a jetton transfer our jetton wallet sends back raises an alarm and halts the sender", () =>
  withHarness(async (h) => {
    await fundHot(h);
    // A balance read that lags behind the chain, as from a node a block behind.
    const read = h.plugin.sender.spendable;
    h.plugin.sender.spendable = async (c) => c === "USDT_TON" ? 500_000_000n : await read(c);
    const id = await withdraw(h, "j1", "USDT_TON", 60_000_000n, someone());
    assert.equal((await senderTick(h.ctx, h.plugin)).batched, 1);
    await h.block();
    // The hot wallet's message left, so the withdrawal is processed as the issue defines it;
    // the bounce that followed is a loud alarm, and nothing more is sent until it is resolved.
    assert.equal((await withdrawalStatus(h.ctx, id)).status, "processed");
    const alarms = await openAlarms(h.ctx.db, "ton");
    assert.equal(alarms.length, 1);
    assert.equal(alarms[0].kind, "transfer_returned");
    assert.match(alarms[0].detail, new RegExp(`withdrawal ${id}`));
    await withdraw(h, "j2", "TON", toNano("1"), someone());
    assert.equal((await senderTick(h.ctx, h.plugin)).halted, true);
  }));

Deno.test("right after a jetton batch, the hot jetton balance is not trusted for the same amount", () =>
  withHarness(async (h) => {
    await fundHot(h);
    await withdraw(h, "k1", "USDT_TON", 30_000_000n, someone());
    assert.equal((await senderTick(h.ctx, h.plugin)).batched, 1);
    await h.block();
    // A node that has not seen the jetton wallet's debit yet still shows 50 USDT.
    const read = h.plugin.sender.spendable;
    h.plugin.sender.spendable = async (c) => c === "USDT_TON" ? 50_000_000n : await read(c);
    const second = await withdraw(h, "k2", "USDT_TON", 30_000_000n, someone());
    assert.equal((await senderTick(h.ctx, h.plugin)).batched, 0);
    assert.equal((await withdrawalStatus(h.ctx, second)).status, "pending");
  }));
