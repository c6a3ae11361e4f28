import assert from "node:assert/strict";
import { encodeFunctionData, type Hex, serializeTransaction } from "viem";
import { newAddress } from "../../../core/processor.ts";
import { listSweeps, type SweepRecord } from "../../../core/store/sweeps.ts";
import { type EvmDevnet, startEvmDevnet } from "../../../plugins/evm/devnet/server.ts";
import { GAS_PRICE_ORACLE } from "../../../plugins/evm/l1_fee.ts";
import { type Processor, startProcessor } from "../../conformance/processor.ts";
import { evmNativeSubject } from "../../conformance/subjects/evm.ts";
import { suiteDevnet, sweepsDone } from "./world.ts";

const USER = "u-sweeps";

/**
 * A transaction and, from its receipt, gas used, price, L1 data fee and the whole fee it paid.
 */
async function txOf(evm: EvmDevnet, hash: string) {
  const tx = await evm.call("eth_getTransactionByHash", [hash]) as Record<string, string>;
  const r = await evm.call("eth_getTransactionReceipt", [hash]) as Record<string, string>;
  const used = BigInt(r.gasUsed);
  const price = BigInt(r.effectiveGasPrice);
  // OP-stack receipts only; an Ethereum chain has none.
  const l1Fee = r.l1Fee === undefined ? 0n : BigInt(r.l1Fee);
  return { tx, limit: BigInt(tx.gas), used, price, l1Fee, fee: used * price + l1Fee };
}

/** The sweep's top-up: its amount and transaction. */
async function topupOf(
  p: Processor,
  sweep: SweepRecord,
): Promise<{ amount: bigint; hash: string }> {
  const [row] = await p.ctx.db.query(
    `select tx_hash, amount::text as amount from withdrawals where sweep_id = $1 and kind = 'prepare'`,
    [sweep.id],
  );
  return { amount: BigInt(String(row.amount)), hash: String(row.tx_hash) };
}

Deno.test("a token deposit is funded with its sweep's gas, swept whole, the fees reported", async () => {
  const evm = await startEvmDevnet({ blockIntervalMs: 0 });
  const p = await startProcessor(evmNativeSubject, suiteDevnet(evm), { minSweep: 1n });
  try {
    const hot = p.plugin.derivation.hotWallet.address;
    const display = await newAddress(p.ctx, USER, "USDT_ERC20");
    const deposit = display.toLowerCase();
    const hotTokens = await evm.balanceOf("USDT_ERC20", hot);
    await evm.faucet(deposit, "USDT_ERC20", 7_000_000n);
    await p.block();
    await sweepsDone(p);
    assert.equal(await evm.balanceOf("USDT_ERC20", deposit), 0n);
    assert.equal(await evm.balanceOf("USDT_ERC20", hot) - hotTokens, 7_000_000n);
    const [sweep] = await listSweeps(p.ctx.db, p.plugin.chain, 10);
    assert.equal(sweep.status, "done");
    assert.equal(sweep.amount, 7_000_000n);
    // The fee is the sweep's own transaction (gas the top-up paid for) and the top-up's.
    const topup = await topupOf(p, sweep);
    const sweepFee = (await txOf(evm, sweep.txHash!)).fee;
    assert.equal(sweep.fee, sweepFee + (await txOf(evm, topup.hash)).fee);
    // What the top-up sent, the sweep burnt: less than one plain transfer's gas is left.
    const left = await evm.balanceOf("ETH", deposit);
    assert.equal(left, topup.amount - sweepFee);
    const again = await p.plugin.sender.buildSweep(
      { address: deposit, index: 1n, currency: "ETH" },
      null,
    );
    assert.equal(again, null, `${left} wei left cannot pay for its own transfer`);
  } finally {
    await p.close();
    await evm.close();
  }
});

Deno.test("a native deposit is swept as its balance less the exact gas, to the wei", async () => {
  const evm = await startEvmDevnet({ blockIntervalMs: 0 });
  const p = await startProcessor(evmNativeSubject, suiteDevnet(evm), { minSweep: 1n });
  try {
    const { deposit, hotGained, sweep, tx: { fee } } = await sweptNativeDeposit(p, evm);
    assert.equal(await evm.balanceOf("ETH", deposit), 0n, "nothing stays on the deposit");
    assert.equal(sweep.fee, fee);
    assert.equal(sweep.amount, 10n ** 16n - fee);
    assert.equal(hotGained, 10n ** 16n - fee);
  } finally {
    await p.close();
    await evm.close();
  }
});

/**
 * Pays a fresh token deposit 7 USDT-like units and runs the sweep to its end: the deposit, the
 * sweep, its top-up and its transaction.
 */
async function sweptTokenDeposit(p: Processor, evm: EvmDevnet) {
  const deposit = (await newAddress(p.ctx, USER, "USDT_ERC20")).toLowerCase();
  await evm.faucet(deposit, "USDT_ERC20", 7_000_000n);
  await p.block();
  await sweepsDone(p);
  const [sweep] = await listSweeps(p.ctx.db, p.plugin.chain, 10);
  return { deposit, sweep, topup: await topupOf(p, sweep), tx: await txOf(evm, sweep.txHash!) };
}

/**
 * Pays a fresh native deposit 0.01 ETH and runs the sweep to its end: what the hot wallet
 * gained by it, the sweep and its transaction.
 */
async function sweptNativeDeposit(p: Processor, evm: EvmDevnet) {
  const hot = p.plugin.derivation.hotWallet.address;
  const deposit = (await newAddress(p.ctx, USER, "ETH")).toLowerCase();
  await evm.faucet(deposit, "ETH", 10n ** 16n);
  await p.block();
  const hotBefore = await evm.balanceOf("ETH", hot);
  await sweepsDone(p);
  const [sweep] = await listSweeps(p.ctx.db, p.plugin.chain, 10);
  const hotGained = await evm.balanceOf("ETH", hot) - hotBefore;
  return { deposit, hotGained, sweep, tx: await txOf(evm, sweep.txHash!) };
}

const GWEI = 1_000_000_000n;

Deno.test("a token deposit is topped up with exactly its sweep's gas at one price, keeping only the EVM's refund", async () => {
  // Base fee 0 and a set tip: the price the network asks is the tip, to the wei.
  const evm = await startEvmDevnet({ blockIntervalMs: 0, initialBaseFeePerGas: 0n });
  const tip = 2n * GWEI;
  const fields = { gas: { priorityFeePerGas: String(tip) } };
  const p = await startProcessor(evmNativeSubject, suiteDevnet(evm, fields), { minSweep: 1n });
  try {
    const { deposit, sweep: first, topup, tx: sweep } = await sweptTokenDeposit(p, evm);
    assert.equal(sweep.price, tip, "the sweep pays what the network asks, no headroom on top");
    assert.equal(sweep.tx.maxFeePerGas, sweep.tx.maxPriorityFeePerGas, "one fixed price per gas");
    assert.equal(topup.amount, sweep.limit * sweep.price, "the top-up is the sweep's gas, exactly");
    // What stays is what the EVM gave back of the limit (clearing the token balance refunds).
    const left = await evm.balanceOf("ETH", deposit);
    assert.equal(left, (sweep.limit - sweep.used) * sweep.price);
    assert.ok(left > 0n && sweep.limit - sweep.used <= 6_000n, `${sweep.limit - sweep.used} gas`);

    // The next token deposit to it is topped up with that much less.
    await evm.faucet(deposit, "USDT_ERC20", 3_000_000n);
    await p.block();
    await sweepsDone(p, 2);
    const [second] = await listSweeps(p.ctx.db, p.plugin.chain, 10);
    assert.notEqual(second.id, first.id);
    const again = await txOf(evm, second.txHash!);
    assert.equal((await topupOf(p, second)).amount, again.limit * again.price - left);
    assert.equal(await evm.balanceOf("ETH", deposit), (again.limit - again.used) * again.price);
    assert.equal(second.fee, again.fee + (await txOf(evm, (await topupOf(p, second)).hash)).fee);
  } finally {
    await p.close();
    await evm.close();
  }
});

/** What the devnet's GasPriceOracle quotes for transaction `tx` (unsigned, as it asks). */
async function oracleQuote(evm: EvmDevnet, tx: Record<string, string>): Promise<bigint> {
  const unsigned = serializeTransaction({
    type: "eip1559",
    chainId: evm.chainId,
    nonce: Number(tx.nonce),
    to: tx.to as Hex,
    value: BigInt(tx.value),
    data: tx.input as Hex,
    gas: BigInt(tx.gas),
    maxFeePerGas: BigInt(tx.maxFeePerGas),
    maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas),
  });
  const data = encodeFunctionData({
    abi: [{
      type: "function",
      name: "getL1Fee",
      stateMutability: "view",
      inputs: [{ name: "", type: "bytes" }],
      outputs: [{ name: "", type: "uint256" }],
    }],
    args: [unsigned],
  });
  return BigInt(await evm.call("eth_call", [{ to: GAS_PRICE_ORACLE, data }, "latest"]) as string);
}

Deno.test("on an OP-stack chain a native sweep also pays the L1 data fee, and reports it", async () => {
  const evm = await startEvmDevnet({ blockIntervalMs: 0, chainType: "op", chainId: 8453 });
  const p = await startProcessor(evmNativeSubject, suiteDevnet(evm), { minSweep: 1n });
  try {
    const { deposit, hotGained, sweep, tx } = await sweptNativeDeposit(p, evm);
    assert.ok(tx.l1Fee > 0n, "the OP devnet charges an L1 data fee");
    assert.equal(tx.l1Fee, await oracleQuote(evm, tx.tx), "as its oracle quotes it");
    assert.equal(sweep.fee, tx.used * tx.price + tx.l1Fee, "the reported fee has the L1 part");
    // A quarter of the quote was set aside beyond it, for L1 fees that rise before inclusion.
    const left = await evm.balanceOf("ETH", deposit);
    assert.equal(left, tx.l1Fee / 4n);
    assert.equal(sweep.amount, 10n ** 16n - sweep.fee - left);
    assert.equal(hotGained, sweep.amount);
  } finally {
    await p.close();
    await evm.close();
  }
});

Deno.test("on an OP-stack chain a token deposit's top-up covers the sweep's L1 data fee too", async () => {
  const evm = await startEvmDevnet({
    blockIntervalMs: 0,
    chainType: "op",
    chainId: 8453,
    initialBaseFeePerGas: 0n,
  });
  const tip = GWEI / 100n;
  const fields = { gas: { priorityFeePerGas: String(tip) } };
  const p = await startProcessor(evmNativeSubject, suiteDevnet(evm, fields), { minSweep: 1n });
  try {
    const { deposit, sweep, topup, tx } = await sweptTokenDeposit(p, evm);
    const quote = await oracleQuote(evm, tx.tx);
    assert.ok(tx.l1Fee > 0n && tx.l1Fee === quote);
    assert.equal(tx.price, tip);
    assert.equal(topup.amount, tx.limit * tx.price + quote + quote / 4n);
    const left = await evm.balanceOf("ETH", deposit);
    assert.equal(left, (tx.limit - tx.used) * tx.price + quote / 4n);
    assert.equal(sweep.fee, tx.fee + (await txOf(evm, topup.hash)).fee);
    assert.equal(await evm.balanceOf("USDT_ERC20", deposit), 0n);
  } finally {
    await p.close();
    await evm.close();
  }
});
