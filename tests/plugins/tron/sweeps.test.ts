/**
 * TRON sweeps through the core sender on the devnet: TRX deposits, and TRC20 deposits paid
 * for by a TRX top-up (which also activates them) or by energy lent from the hot wallet's
 * Stake 2.0 stake. Each sweep records what it cost.
 */

import assert from "node:assert/strict";
import { newAddress } from "../../../core/processor.ts";
import { senderTick } from "../../../core/sender.ts";
import { FOREIGN_SPEND, listAlarms, resolveAlarm } from "../../../core/store/alarms.ts";
import { listSweeps } from "../../../core/store/sweeps.ts";
import { tronHexFromAddress } from "../../../plugins/tron/address.ts";
import { hex } from "../../../plugins/tron/deps.ts";
import { tronAccountKey } from "../../../plugins/tron/derivation.ts";
import { TRON_TEST_MNEMONIC, type TronHarness, withTronHarness } from "../../support/harness.ts";
import { nodeTx, post } from "./devnet/helpers.ts";

function usdtOf(h: TronHarness, address: string): bigint {
  return h.devnet.chain.tokens.get("USDT_TRC20")!.balances.get(tronHexFromAddress(address)) ?? 0n;
}

function trxOf(h: TronHarness, address: string): bigint {
  return h.devnet.chain.account(tronHexFromAddress(address))?.balance ?? 0n;
}

/** Runs sender ticks, each followed by a block, until `done` or `max` rounds. */
async function drive(h: TronHarness, done: () => Promise<boolean>, max = 12): Promise<number> {
  for (let round = 1; round <= max; round++) {
    await senderTick(h.ctx, h.plugin);
    await h.block();
    if (await done()) return round;
  }
  throw new Error("sweep did not finish");
}

/** Whether `count` sweeps (default 1) are done. */
async function sweepDone(h: TronHarness, count = 1): Promise<boolean> {
  const sweeps = await listSweeps(h.ctx.db, "tron", 10);
  return sweeps.filter((s) => s.status === "done").length >= count;
}

async function fundHot(h: TronHarness) {
  await h.devnet.faucetTrx(h.hot, 100_000_000_000n);
  await h.devnet.faucetToken("USDT_TRC20", h.hot, 1_000_000n);
  await h.block();
}

/** TRX deposits swept from 10 TRX, final at one confirmation. */
const TRX_SWEEPS = { assets: { TRX: { minSweep: "10000000" } }, tron: { confirmations: 1 } };

Deno.test("a TRX deposit above its minimum is swept whole to the hot wallet", () =>
  withTronHarness(TRX_SWEEPS, async (h) => {
    await fundHot(h);
    const address = await newAddress(h.ctx, "u1", "TRX");
    await h.devnet.faucetTrx(address, 30_000_000n);
    await h.block();
    const before = trxOf(h, h.hot);
    await drive(h, () => sweepDone(h));
    const [sweep] = await listSweeps(h.ctx.db, "tron", 10);
    assert.equal(sweep.amount, 30_000_000n);
    // The deposit's free daily bandwidth paid for it.
    assert.equal(sweep.fee, 0n);
    assert.equal(trxOf(h, h.hot) - before, 30_000_000n);
    assert.equal(trxOf(h, address), 0n);
  }));

Deno.test("a TRX deposit swept three times in a day keeps nothing: each sweep burns exactly its own bandwidth", () =>
  withTronHarness(TRX_SWEEPS, async (h) => {
    await fundHot(h);
    const address = await newAddress(h.ctx, "u1", "TRX");
    const hotBefore = trxOf(h, h.hot);
    // 600 free bytes a day pay for two ~268-byte transfers; the third burns its bytes.
    for (let round = 1; round <= 3; round++) {
      await h.devnet.faucetTrx(address, 30_000_000n);
      await h.block();
      await drive(h, () => sweepDone(h, round));
      assert.equal(trxOf(h, address), 0n, `left on the deposit after sweep ${round}`);
    }
    const sweeps = (await listSweeps(h.ctx.db, "tron", 10)).reverse();
    assert.deepEqual(sweeps.map((s) => s.fee > 0n), [false, false, true]);
    const moved = sweeps.reduce((sum, s) => sum + s.amount!, 0n);
    const fees = sweeps.reduce((sum, s) => sum + s.fee, 0n);
    assert.equal(moved + fees, 90_000_000n);
    assert.equal(trxOf(h, h.hot) - hotBefore, moved);
  }));

/** `kind:step:status` of every withdrawal made for a sweep, in order. */
async function sweepSteps(h: TronHarness): Promise<string[]> {
  const rows = await h.ctx.db.query(
    "select kind, step, status from withdrawals where sweep_id is not null order by id",
  );
  return rows.map((k) => `${k.kind}:${k.step}:${k.status}`);
}

/** Whether every withdrawal made for a sweep has settled (none queued or unseen). */
async function stepsSettled(h: TronHarness): Promise<boolean> {
  const [row] = await h.ctx.db.query(
    `select count(*)::int as n from withdrawals
     where sweep_id is not null and status in ('pending', 'processing')`,
  );
  return Number(row.n) === 0;
}

Deno.test("top-up strategy: a fresh USDT deposit is activated, funded with TRX and swept; what is left of the TRX comes back", () =>
  withTronHarness({
    assets: { USDT_TRC20: { minSweep: "5000000" } },
    tron: { confirmations: 1 },
  }, async (h) => {
    await fundHot(h);
    const address = await newAddress(h.ctx, "u1", "USDT_TRC20");
    await h.devnet.faucetToken("USDT_TRC20", address, 9_000_000n);
    await h.block();
    assert.equal(h.devnet.chain.account(tronHexFromAddress(address)), undefined);
    const hotUsdt = usdtOf(h, h.hot);
    const hotTrx = trxOf(h, h.hot);
    await drive(h, () => sweepDone(h));
    assert.equal(usdtOf(h, address), 0n);
    assert.equal(usdtOf(h, h.hot) - hotUsdt, 9_000_000n);
    // The top-up paid for a transfer to a new holder; the hot wallet holds USDT, so the sweep
    // burnt about half of it, and the rest goes back once the sweep is seen.
    assert.ok(trxOf(h, address) > 20_000_000n, `${trxOf(h, address)} sun left before the return`);
    await drive(h, () => stepsSettled(h));
    assert.deepEqual(await sweepSteps(h), [
      "prepare:tron.topup:processed",
      "prepare:tron.return:processed",
    ]);
    assert.equal(trxOf(h, address), 0n, "no TRX stays on the deposit");
    const [sweep] = await listSweeps(h.ctx.db, "tron", 10);
    assert.equal(sweep.amount, 9_000_000n);
    // What the hot wallet's TRX lost on the ledger is exactly the sweep's recorded fee: the
    // activation, the energy the sweep burnt, and the bandwidth of all three transactions.
    assert.equal(sweep.fee, hotTrx - trxOf(h, h.hot));
    assert.ok(
      sweep.fee > 1_100_000n + 65_000n * 420n && sweep.fee < 1_100_000n + 70_000n * 420n,
      `fee ${sweep.fee} is activation and a transfer to an existing holder`,
    );
  }));

/** The plugin's TRX sweep of `address`: what it would move, if anything. */
async function trxSweepOf(h: TronHarness, address: string) {
  const [{ index }] = await h.ctx.db.query(
    "select derivation_index::text as index from addresses where address = $1",
    [address],
  );
  return await h.plugin.sender.buildSweep(
    { address, index: BigInt(String(index)), currency: "TRX" },
    null,
  );
}

Deno.test("top-up strategy: a sweep to a hot wallet holding none of the token burns the top-up for a new holder; the bandwidth allowance left over comes back", () =>
  withTronHarness({
    assets: { USDT_TRC20: { minSweep: "5000000" } },
    tron: { confirmations: 1 },
  }, async (h) => {
    await h.devnet.faucetTrx(h.hot, 100_000_000_000n);
    await h.block();
    const address = await newAddress(h.ctx, "u1", "USDT_TRC20");
    await h.devnet.faucetToken("USDT_TRC20", address, 9_000_000n);
    await h.block();
    const hotTrx = trxOf(h, h.hot);
    await drive(h, () => sweepDone(h));
    assert.equal(usdtOf(h, h.hot), 9_000_000n);
    // The deposit was unknown, so the top-up carried 400 bytes' bandwidth; its activation
    // then gave it the free allowance, which paid for the sweep, and 0.4 TRX is left.
    assert.equal(trxOf(h, address), 400_000n);
    await drive(h, () => stepsSettled(h));
    assert.deepEqual(await sweepSteps(h), [
      "prepare:tron.topup:processed",
      "prepare:tron.return:processed",
    ]);
    assert.equal(trxOf(h, address), 0n);
    const [sweep] = await listSweeps(h.ctx.db, "tron", 10);
    assert.equal(sweep.fee, hotTrx - trxOf(h, h.hot));
    // The sweep's energy for a new holder, and the return's bandwidth: what is left of the
    // allowance could not pay for the return, so it burnt part of the 0.4 TRX.
    const returned = 400_000n - (sweep.fee - 1_100_000n - 130_000n * 420n);
    assert.ok(returned > 0n && returned < 400_000n, `${returned} sun came back`);
    assert.equal(await trxSweepOf(h, address), null);
  }));

Deno.test("top-up strategy: what a sweep leaves that cannot pay for its own transfer is not sent for", () =>
  withTronHarness({
    assets: { USDT_TRC20: { minSweep: "5000000" } },
    tron: { confirmations: 1 },
  }, async (h) => {
    await h.devnet.faucetTrx(h.hot, 100_000_000_000n);
    // The first deposit's key: before the processor knows the address, it spends its free
    // bandwidth for the day on two transfers of its own.
    const keys = tronAccountKey(TRON_TEST_MNEMONIC);
    const key = keys.derivePrivateKey(1n);
    const deposit = keys.deriveAddress(1n).address;
    await h.devnet.faucetTrx(deposit, 2_000_000n);
    await h.block();
    for (let i = 0; i < 2; i++) {
      await nodeTx(h.devnet, "/wallet/createtransaction", {
        owner_address: deposit,
        to_address: h.devnet.faucet.address,
        amount: 500_000 + i,
      }, hex.encode(key));
      await h.block();
    }
    key.fill(0);
    const address = await newAddress(h.ctx, "u1", "USDT_TRC20");
    assert.equal(address, deposit);
    await h.devnet.faucetToken("USDT_TRC20", address, 9_000_000n);
    await h.block();
    const hotTrx = trxOf(h, h.hot);
    const before = trxOf(h, address);
    await drive(h, () => sweepDone(h));
    await drive(h, () => stepsSettled(h));
    // The sweep burnt energy for a new holder and its bandwidth: less than the bandwidth of a
    // transfer is left, so the return closed without a transaction.
    assert.deepEqual(await sweepSteps(h), [
      "prepare:tron.topup:processed",
      "prepare:tron.return:cancelled",
    ]);
    const left = trxOf(h, address);
    assert.ok(left > 0n && left < 300_000n, `${left} sun left`);
    const payloads = await h.ctx.db.query("select count(*)::int as n from payloads");
    assert.equal(payloads[0].n, 2, "the top-up and the sweep, nothing for the return");
    const [sweep] = await listSweeps(h.ctx.db, "tron", 10);
    assert.equal(sweep.fee, hotTrx - trxOf(h, h.hot) - (left - before));
    const again = await trxSweepOf(h, address);
    assert.ok(again !== null && "wait" in again, "the plugin's own sweep would not move it");
  }));

Deno.test("top-up strategy: the deposit sends the rest back only once the sweep's block is final", () =>
  withTronHarness({
    assets: { USDT_TRC20: { minSweep: "5000000" } },
    tron: { confirmations: 3 },
  }, async (h) => {
    await fundHot(h);
    const address = await newAddress(h.ctx, "u1", "USDT_TRC20");
    await h.devnet.faucetToken("USDT_TRC20", address, 9_000_000n);
    await h.block();
    await drive(h, () => sweepDone(h));
    // The sweep's block has one confirmation, then two: a fork could still drop it, and the
    // sweep would run again without the TRX the return took.
    for (let confirmations = 1; confirmations < 3; confirmations++) {
      await senderTick(h.ctx, h.plugin);
      assert.deepEqual(await sweepSteps(h), [
        "prepare:tron.topup:processed",
        "prepare:tron.return:pending",
      ], `${confirmations} confirmations`);
      await h.block();
    }
    await senderTick(h.ctx, h.plugin);
    assert.equal((await sweepSteps(h))[1], "prepare:tron.return:processing");
    await drive(h, () => stepsSettled(h));
    assert.equal(trxOf(h, address), 0n);
  }));

Deno.test("a sweep whose fee is too large a share of the amount waits", () =>
  withTronHarness({
    assets: { USDT_TRC20: { minSweep: "1000000", trxPrice: "300000" } },
    tron: { confirmations: 1, sweep: { strategy: "topup", maxFeeBps: 1000 } },
  }, async (h) => {
    await fundHot(h);
    // 2 USDT cannot carry about 28 TRX (≈ 8.4 USDT) of fees at 10%.
    const address = await newAddress(h.ctx, "u1", "USDT_TRC20");
    await h.devnet.faucetToken("USDT_TRC20", address, 2_000_000n);
    await h.block();
    for (let i = 0; i < 3; i++) {
      await senderTick(h.ctx, h.plugin);
      await h.block();
    }
    const [sweep] = await listSweeps(h.ctx.db, "tron", 10);
    assert.equal(sweep.status, "requested");
    const topups = await h.ctx.db.query("select id from withdrawals");
    assert.equal(topups.length, 0);
    assert.equal(usdtOf(h, address), 2_000_000n);
  }));

/**
 * Freezes `sun` of the hot wallet's TRX for energy (Stake 2.0), as an operator would by hand
 * while the processor runs: the processor did not sign it, so it halts its sender with a
 * foreign-spend alarm, which the operator then resolves.
 */
async function stakeHot(h: TronHarness, sun: bigint) {
  const key = tronAccountKey(TRON_TEST_MNEMONIC).derivePrivateKey(0n);
  await nodeTx(h.devnet, "/wallet/freezebalancev2", {
    owner_address: h.hot,
    frozen_balance: Number(sun),
    resource: "ENERGY",
  }, hex.encode(key));
  await h.block();
  const [alarm] = await listAlarms(h.ctx.db, { state: "open", chain: "tron", limit: 10 });
  assert.equal(alarm?.kind, FOREIGN_SPEND, "a stake the processor did not sign halts it");
  await resolveAlarm(h.ctx.db, alarm.id, "the operator staked by hand");
}

Deno.test("delegate strategy: a fresh USDT deposit is activated, lent energy, swept, and the energy reclaimed", () =>
  withTronHarness({
    // No trxPrice, so the fee guard is off (maxFeeBps left at its default): this test is
    // about lending energy, not about weighing the fee.
    assets: { USDT_TRC20: { minSweep: "5000000" } },
    tron: { confirmations: 1, sweep: { strategy: "delegate" } },
  }, async (h) => {
    await fundHot(h);
    await stakeHot(h, 10_000_000_000n);
    const address = await newAddress(h.ctx, "u1", "USDT_TRC20");
    await h.devnet.faucetToken("USDT_TRC20", address, 9_000_000n);
    await h.block();
    const hotUsdt = usdtOf(h, h.hot);
    const hotTrx = trxOf(h, h.hot);
    await drive(h, () => sweepDone(h));
    assert.equal(usdtOf(h, address), 0n);
    assert.equal(usdtOf(h, h.hot) - hotUsdt, 9_000_000n);
    // The reclaim goes out after the sweep is seen.
    await drive(h, async () => {
      const [r] = await h.ctx.db.query(
        "select status from withdrawals where step = 'tron.reclaim'",
      );
      return r?.status === "processed";
    });
    const kinds = await h.ctx.db.query(
      `select kind, step, status, amount::text as amount from withdrawals
       where sweep_id is not null order by id`,
    );
    assert.deepEqual(kinds.map((k) => `${k.kind}:${k.step}:${k.status}`), [
      "prepare:tron.topup:processed",
      "prepare:tron.lend:processed",
      "prepare:tron.reclaim:processed",
    ]);
    // Activation is a 1-sun transfer; what was lent is what was reclaimed.
    assert.equal(kinds[0].amount, "1");
    assert.equal(kinds[1].amount, kinds[2].amount);
    const delegated = await post(h.devnet.endpoint, "/wallet/getdelegatedresourcev2", {
      fromAddress: h.hot,
      toAddress: address,
      visible: true,
    });
    assert.deepEqual(delegated, {});
    // No TRX was burnt for energy: the sweep cost the activation and bandwidth only, all
    // of it paid by the hot wallet (the 1 sun stays on the deposit).
    const [sweep] = await listSweeps(h.ctx.db, "tron", 10);
    assert.equal(sweep.fee, hotTrx - trxOf(h, h.hot) - 1n);
    assert.ok(sweep.fee < 2_000_000n, `fee ${sweep.fee} is activation and bandwidth only`);
  }));

Deno.test("delegate strategy: a sweep waits while the hot wallet has no stake to lend", () =>
  withTronHarness({
    assets: { USDT_TRC20: { minSweep: "5000000" } },
    tron: { confirmations: 1, sweep: { strategy: "delegate" } },
  }, async (h) => {
    await fundHot(h);
    const address = await newAddress(h.ctx, "u1", "USDT_TRC20");
    await h.devnet.faucetToken("USDT_TRC20", address, 9_000_000n);
    await h.block();
    for (let i = 0; i < 4; i++) {
      await senderTick(h.ctx, h.plugin);
      await h.block();
    }
    const lends = await h.ctx.db.query("select status from withdrawals where step = 'tron.lend'");
    assert.equal(lends.length, 0);
    const [sweep] = await listSweeps(h.ctx.db, "tron", 10);
    assert.equal(sweep.status, "requested");
    assert.equal(usdtOf(h, address), 9_000_000n);
  }));

Deno.test("a deposit is swept only once final: no fee is spent on what a fork could drop", () =>
  withTronHarness({
    assets: { TRX: { minSweep: "10000000" } },
    tron: { confirmations: 3 },
  }, async (h) => {
    await fundHot(h);
    const address = await newAddress(h.ctx, "u1", "TRX");
    await h.devnet.faucetTrx(address, 30_000_000n);
    await h.block();
    // Confirmations 1 and 2: not final, no sweep requested.
    for (let i = 0; i < 2; i++) {
      await senderTick(h.ctx, h.plugin);
      assert.deepEqual(await listSweeps(h.ctx.db, "tron", 10), []);
      await h.block();
    }
    await drive(h, () => sweepDone(h));
    assert.equal(trxOf(h, address), 0n);
  }));
