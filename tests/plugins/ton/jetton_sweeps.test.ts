/**
 * Jetton sweeps on the devnet: the hot wallet first sends the deposit owner TON for gas, then
 * the owner's jetton wallet moves everything to the hot wallet's, leaving no TON behind.
 */

import assert from "node:assert/strict";
import { Address, toNano } from "@ton/core";
import {
  balance,
  newAddress,
  serviceTokenWithdrawal,
  serviceWithdrawal,
} from "../../../core/processor.ts";
import { senderTick } from "../../../core/sender.ts";
import { type TonHarness, withTonHarness } from "../../support/harness.ts";
import { JETTON_SERVICE_TERMS } from "../../../api/processor_routes.ts";

/** The seed's jetton service withdrawal, as its route calls the core. */
function jettonService(h: TonHarness, owner: string, master: string): Promise<string> {
  return serviceTokenWithdrawal(h.ctx, "jetton", owner, master, JETTON_SERVICE_TERMS);
}

const withHarness = (fn: (h: TonHarness) => Promise<void>, minSweep?: string) =>
  withTonHarness({ jettons: true, jettonAsset: minSweep ? { minSweep } : {} }, fn);

async function inBlock(h: TonHarness, sent: Promise<string>) {
  await h.block();
  return await sent;
}

/** Ticks the sender and seals a block, `n` times. */
async function rounds(h: TonHarness, n: number) {
  for (let i = 0; i < n; i++) {
    await senderTick(h.ctx, h.plugin);
    await h.block();
  }
}

const sweeps = (h: TonHarness) =>
  h.ctx.db.query(
    "select kind, status, currency, memo, amount::text as amount from sweeps order by id",
  );

async function fundHot(h: TonHarness) {
  const hot = Address.parseRaw(h.plugin.derivation.hotWallet.address);
  await inBlock(h, h.devnet.faucet(hot, toNano("100")));
}

Deno.test("a jetton service withdrawal tops the owner up with TON, then sweeps every jetton", () =>
  withHarness(async (h) => {
    await fundHot(h);
    const display = await newAddress(h.ctx, "u1", "USDT_TON");
    const owner = Address.parse(display);
    // No forward TON: the owner holds jettons and not a single nanoton.
    await inBlock(
      h,
      h.devnet.faucetJetton("USDT_TON", owner, 10_000_000n, { forwardTonAmount: 0n }),
    );
    const memo = await jettonService(h, display, h.devnet.jettons.USDT_TON.master.toString());
    await rounds(h, 1);
    assert.deepEqual((await sweeps(h)).map((s) => s.status), ["funding"]);
    await rounds(h, 3);
    const [sweep] = await sweeps(h);
    assert.deepEqual(
      [sweep.kind, sweep.status, sweep.currency, sweep.memo, sweep.amount],
      ["service", "done", "USDT_TON", memo, "10000000"],
    );
    assert.equal((await balance(h.ctx, "USDT_TON", display)).balance, 0n);
    assert.equal((await balance(h.ctx, "USDT_TON", undefined)).balance, 10_000_000n);
    // The owner kept no TON: it was deleted once empty.
    assert.equal((await balance(h.ctx, "TON", display)).balance, 0n);
  }));

Deno.test("a jetton deposit at the minimum is swept automatically", () =>
  withHarness(async (h) => {
    await fundHot(h);
    const display = await newAddress(h.ctx, "u1", "USDT_TON");
    await inBlock(h, h.devnet.faucetJetton("USDT_TON", Address.parse(display), 2_000_000n));
    await rounds(h, 4);
    const [sweep] = await sweeps(h);
    assert.deepEqual([sweep.kind, sweep.status, sweep.amount], ["auto", "done", "2000000"]);
    assert.equal((await balance(h.ctx, "USDT_TON", undefined)).balance, 2_000_000n);
  }, "1000000"));

Deno.test("a service withdrawal is refused while the same deposit's sweep is open", () =>
  withHarness(async (h) => {
    await fundHot(h);
    const display = await newAddress(h.ctx, "u1", "USDT_TON");
    await inBlock(h, h.devnet.faucetJetton("USDT_TON", Address.parse(display), 5n));
    const master = h.devnet.jettons.USDT_TON.master.toString();
    await jettonService(h, display, master);
    await assert.rejects(
      jettonService(h, display, master),
      /from: a withdrawal from this address is already in progress/,
    );
    // TON stranded on the same owner is a separate sweep and may go.
    assert.match(await serviceWithdrawal(h.ctx, "TON", display), /^[0-9a-f-]{36}$/);
    await assert.rejects(
      jettonService(h, display, h.devnet.faucetAddress.toString()),
      /jetton_master: no configured jetton has this master/,
    );
  }));

Deno.test("a restart in the middle of a jetton sweep loses and duplicates nothing", () =>
  withHarness(async (h) => {
    await fundHot(h);
    const display = await newAddress(h.ctx, "u1", "USDT_TON");
    await inBlock(h, h.devnet.faucetJetton("USDT_TON", Address.parse(display), 3_000_000n));
    await jettonService(h, display, h.devnet.jettons.USDT_TON.master.toString());
    // Top-up signed and persisted, then the process dies before its block.
    await senderTick(h.ctx, h.plugin);
    await h.restart();
    await rounds(h, 1);
    // The sweep itself signed and persisted, and the process dies again.
    await senderTick(h.ctx, h.plugin);
    await h.restart();
    await rounds(h, 3);
    const all = await sweeps(h);
    assert.deepEqual(all.map((s) => [s.status, s.amount]), [["done", "3000000"]]);
    const topups = await h.ctx.db.query(
      "select status from withdrawals where step = 'ton.topup'",
    );
    assert.deepEqual(topups.map((t) => t.status), ["processed"]);
    assert.equal((await balance(h.ctx, "USDT_TON", undefined)).balance, 3_000_000n);
    assert.equal((await balance(h.ctx, "USDT_TON", display)).balance, 0n);
  }));

Deno.test("TON stranded on a jetton deposit owner goes to the hot wallet on its own", () =>
  withHarness(async (h) => {
    await fundHot(h);
    const display = await newAddress(h.ctx, "u1", "USDT_TON");
    await inBlock(h, h.devnet.faucet(Address.parse(display), toNano("0.7")));
    await serviceWithdrawal(h.ctx, "TON", display);
    await rounds(h, 2);
    assert.deepEqual((await sweeps(h)).map((s) => [s.currency, s.status]), [["TON", "done"]]);
    assert.equal((await balance(h.ctx, "TON", display)).balance, 0n);
    // The jetton deposit's income total, hot-wallet side, is not mixed with that TON.
    const { incomeTotals } = await import("../../../core/store/incomes.ts");
    assert.deepEqual(
      (await incomeTotals(h.ctx.db, "u1", "hot_wallet")).map((t) => [t.currency, t.amount]),
      [["USDT_TON", 0n]],
    );
  }));
