/** Sweeps on the devnet: deposits to the hot wallet, service withdrawals, excess to cold. */

import assert from "node:assert/strict";
import { Address, toNano } from "@ton/core";
import { Buffer } from "node:buffer";
import { TonClient } from "@ton/ton";
import { decodeComment } from "../../../plugins/ton/comment.ts";
import { newAddress, serviceWithdrawal, totalIncome } from "../../../core/processor.ts";
import { senderTick } from "../../../core/sender.ts";
import { type TonHarness, withTonHarness } from "../../support/harness.ts";

const withHarness = (
  ton: Record<string, unknown>,
  fn: (h: TonHarness) => Promise<void>,
  raw: Record<string, unknown> = {},
) => withTonHarness({ ton, raw }, fn);

async function pay(h: TonHarness, to: Address, amount: bigint, comment?: string) {
  const sent = h.devnet.faucet(to, amount, { comment });
  await h.block();
  await sent;
}

const balanceOf = async (h: TonHarness, a: Address) =>
  (await h.devnet.blockchain.getContract(a)).balance;

const hotOf = (h: TonHarness) => Address.parseRaw(h.plugin.derivation.hotWallet.address);

const sweepRows = (h: TonHarness) =>
  h.ctx.db.query(
    "select kind, status, memo, amount::text as amount, fee::text as fee from sweeps order by id",
  );

Deno.test("a deposit at the minimum is swept whole to the hot wallet; a smaller one waits", () =>
  withHarness(
    { assets: { TON: { decimals: 9, minSweep: "1000000000" } } },
    async (h) => {
      const big = Address.parse(await newAddress(h.ctx, "u1", "TON"));
      const small = Address.parse(await newAddress(h.ctx, "u2", "TON"));
      await pay(h, big, toNano("2"));
      await pay(h, small, toNano("0.5"));
      const hotBefore = await balanceOf(h, hotOf(h));
      assert.equal((await senderTick(h.ctx, h.plugin)).sweeps, 1);
      await h.block();
      assert.equal(await balanceOf(h, big), 0n);
      assert.equal(await balanceOf(h, small), toNano("0.5"));
      const [sweep] = await sweepRows(h);
      assert.equal(sweep.status, "done");
      const swept = BigInt(sweep.amount as string);
      // Everything but the deploy and forwarding fees arrives.
      assert.ok(swept > toNano("1.95") && swept < toNano("2"), `swept ${swept}`);
      assert.equal(await balanceOf(h, hotOf(h)) - hotBefore, swept);
      assert.ok(BigInt(sweep.fee as string) > 0n);
      // Nothing more to do for that deposit.
      assert.equal((await senderTick(h.ctx, h.plugin)).sweeps, 0);
    },
  ));

Deno.test("income on the hot_wallet side counts what the sweeps delivered", () =>
  withHarness(
    { assets: { TON: { decimals: 9, minSweep: "1000000000" } } },
    async (h) => {
      const deposit = Address.parse(await newAddress(h.ctx, "u1", "TON"));
      await pay(h, deposit, toNano("3"));
      let totals = await totalIncome(h.ctx, "u1");
      assert.equal(totals.countingSide, "hot_wallet");
      assert.equal(totals.totals[0].amount, 0n);
      await senderTick(h.ctx, h.plugin);
      await h.block();
      totals = await totalIncome(h.ctx, "u1");
      const [sweep] = await sweepRows(h);
      assert.equal(totals.totals[0].amount, BigInt(sweep.amount as string));
    },
    { countingSide: "hot_wallet" },
  ));

Deno.test("a service withdrawal moves everything with its memo, below any minimum", () =>
  withHarness({}, async (h) => {
    const display = await newAddress(h.ctx, "u1", "TON");
    const deposit = Address.parse(display);
    await pay(h, deposit, toNano("0.3"));
    const memo = await serviceWithdrawal(h.ctx, "TON", display);
    assert.match(memo, /^[0-9a-f-]{36}$/);
    const hotBefore = await balanceOf(h, hotOf(h));
    assert.equal((await senderTick(h.ctx, h.plugin)).sweeps, 1);
    await h.block();
    assert.equal(await balanceOf(h, deposit), 0n);
    const [sweep] = await sweepRows(h);
    assert.deepEqual([sweep.kind, sweep.status, sweep.memo], ["service", "done", memo]);
    assert.equal(await balanceOf(h, hotOf(h)) - hotBefore, BigInt(sweep.amount as string));
    // The memo is the comment of the transfer the hot wallet received.
    const client = new TonClient({ endpoint: h.devnet.endpoint });
    const [last] = await client.getTransactions(hotOf(h), { limit: 1 });
    assert.equal(decodeComment(last.inMessage?.body).comment, memo);
  }));

Deno.test("hot wallet excess above the maximum goes to the cold wallet down to the residual", () => {
  const cold = new Address(0, Buffer.alloc(32, 7));
  return withHarness(
    {
      coldWallet: cold.toRawString(),
      assets: { TON: { decimals: 9, hotMax: "50000000000", hotResidual: "20000000000" } },
    },
    async (h) => {
      const hot = hotOf(h);
      const fund = h.devnet.faucet(hot, toNano("100"));
      await h.block();
      await fund;
      // First tick queues the cold transfer, the next one sends it.
      await senderTick(h.ctx, h.plugin);
      assert.equal((await senderTick(h.ctx, h.plugin)).batched, 1);
      await h.block();
      const sent = await balanceOf(h, cold);
      // The residual is what stays spendable; the hot wallet's fee reserve stays on top.
      assert.ok(sent > toNano("78") && sent < toNano("80"), `cold got ${sent}`);
      const left = await balanceOf(h, hot);
      assert.ok(left >= toNano("20") && left < toNano("21.5"), `hot kept ${left}`);
      const [w] = await h.ctx.db.query("select kind, status from withdrawals");
      assert.deepEqual([w.kind, w.status], ["cold", "processed"]);
    },
  );
});
