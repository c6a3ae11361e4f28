import assert from "node:assert/strict";
import { encodeFunctionData, type Hex, serializeTransaction } from "viem";
import { newAddress } from "../../../core/processor.ts";
import { listSweeps, type SweepRecord } from "../../../core/store/sweeps.ts";
import { type EvmDevnet, startEvmDevnet } from "../../../plugins/evm/devnet/server.ts";
import { GAS_PRICE_ORACLE } from "../../../plugins/evm/l1_fee.ts";
import { type Processor, startProcessor } from "../../conformance/processor.ts";
import { evmNativeSubject } from "../../conformance/subjects/evm.ts";
import { suiteDevnet } from "./world.ts";

const USER = "u-sweeps";

/** Fee a transaction paid, from its receipt. */
async function feeOf(call: (m: string, p: unknown[]) => Promise<unknown>, hash: string) {
  const r = await call("eth_getTransactionReceipt", [hash as Hex]) as Record<string, string>;
  return BigInt(r.gasUsed) * BigInt(r.effectiveGasPrice);
}

async function sweepDone(p: Processor, count = 1): Promise<void> {
  for (let i = 0; i < 12; i++) {
    const rows = await p.ctx.db.query("select status from sweeps");
    if (rows.length >= count && rows.every((r) => r.status === "done")) return;
    await p.tick({ rebroadcastMs: 0 });
    await p.block();
  }
  assert.fail("the sweep did not finish");
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
    await sweepDone(p);
    assert.equal(await evm.balanceOf("USDT_ERC20", deposit), 0n);
    assert.equal(await evm.balanceOf("USDT_ERC20", hot) - hotTokens, 7_000_000n);
    const [sweep] = await listSweeps(p.ctx.db, p.plugin.chain, 10);
    assert.equal(sweep.status, "done");
    assert.equal(sweep.amount, 7_000_000n);
    // The fee is the sweep's own transaction (gas the top-up paid for) and the top-up's.
    const [topup] = await p.ctx.db.query(
      `select w.tx_hash, w.amount::text as amount from withdrawals w
        where w.sweep_id = $1 and w.kind = 'prepare'`,
      [sweep.id],
    );
    const call = (m: string, params: unknown[]) => evm.call(m, params);
    const sweepFee = await feeOf(call, sweep.txHash!);
    assert.equal(sweep.fee, sweepFee + await feeOf(call, String(topup.tx_hash)));
    // What the top-up sent, the sweep burnt: less than one plain transfer's gas is left.
    const left = await evm.balanceOf("ETH", deposit);
    assert.equal(left, BigInt(String(topup.amount)) - sweepFee);
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
    const hot = p.plugin.derivation.hotWallet.address;
    const deposit = (await newAddress(p.ctx, USER, "ETH")).toLowerCase();
    await evm.faucet(deposit, "ETH", 10n ** 16n);
    await p.block();
    const hotBefore = await evm.balanceOf("ETH", hot);
    await sweepDone(p);
    assert.equal(await evm.balanceOf("ETH", deposit), 0n, "nothing stays on the deposit");
    const [sweep] = await listSweeps(p.ctx.db, p.plugin.chain, 10);
    const fee = await feeOf((m, params) => evm.call(m, params), sweep.txHash!);
    assert.equal(sweep.fee, fee);
    assert.equal(sweep.amount, 10n ** 16n - fee);
    assert.equal(await evm.balanceOf("ETH", hot) - hotBefore, 10n ** 16n - fee);
  } finally {
    await p.close();
    await evm.close();
  }
});

/** A transaction's gas limit and, from its receipt, gas used, price and L1 data fee. */
async function sweepTx(evm: EvmDevnet, hash: string) {
  const tx = await evm.call("eth_getTransactionByHash", [hash]) as Record<string, string>;
  const r = await evm.call("eth_getTransactionReceipt", [hash]) as Record<string, string>;
  return {
    tx,
    limit: BigInt(tx.gas),
    used: BigInt(r.gasUsed),
    price: BigInt(r.effectiveGasPrice),
    // OP-stack receipts only; an Ethereum chain has none.
    l1Fee: r.l1Fee === undefined ? 0n : BigInt(r.l1Fee),
  };
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

const GWEI = 1_000_000_000n;

Deno.test("a token deposit is topped up with exactly its sweep's gas at one price, keeping only the EVM's refund", async () => {
  // Base fee 0 and a set tip: the price the network asks is the tip, to the wei.
  const evm = await startEvmDevnet({ blockIntervalMs: 0, initialBaseFeePerGas: 0n });
  const tip = 2n * GWEI;
  const fields = { gas: { priorityFeePerGas: String(tip) } };
  const p = await startProcessor(evmNativeSubject, suiteDevnet(evm, fields), { minSweep: 1n });
  try {
    const deposit = (await newAddress(p.ctx, USER, "USDT_ERC20")).toLowerCase();
    await evm.faucet(deposit, "USDT_ERC20", 7_000_000n);
    await p.block();
    await sweepDone(p);
    const [first] = await listSweeps(p.ctx.db, p.plugin.chain, 10);
    const topup = await topupOf(p, first);
    const sweep = await sweepTx(evm, first.txHash!);
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
    await sweepDone(p, 2);
    const [second] = await listSweeps(p.ctx.db, p.plugin.chain, 10);
    assert.notEqual(second.id, first.id);
    const again = await sweepTx(evm, second.txHash!);
    assert.equal((await topupOf(p, second)).amount, again.limit * again.price - left);
    assert.equal(await evm.balanceOf("ETH", deposit), (again.limit - again.used) * again.price);
    assert.equal(second.fee, again.used * again.price + (await receiptFee(evm, second, p)));
  } finally {
    await p.close();
    await evm.close();
  }
});

/** Fee of the sweep's top-up transaction, from its receipt (L1 data fee included). */
async function receiptFee(evm: EvmDevnet, sweep: SweepRecord, p: Processor): Promise<bigint> {
  const t = await sweepTx(evm, (await topupOf(p, sweep)).hash);
  return t.used * t.price + t.l1Fee;
}

/** What the devnet's GasPriceOracle quotes for the transaction `hash` (unsigned, as it asks). */
async function oracleQuote(evm: EvmDevnet, hash: string): Promise<bigint> {
  const tx = await evm.call("eth_getTransactionByHash", [hash]) as Record<string, string>;
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
    const hot = p.plugin.derivation.hotWallet.address;
    const deposit = (await newAddress(p.ctx, USER, "ETH")).toLowerCase();
    await evm.faucet(deposit, "ETH", 10n ** 16n);
    await p.block();
    const hotBefore = await evm.balanceOf("ETH", hot);
    await sweepDone(p);
    const [sweep] = await listSweeps(p.ctx.db, p.plugin.chain, 10);
    const tx = await sweepTx(evm, sweep.txHash!);
    assert.ok(tx.l1Fee > 0n, "the OP devnet charges an L1 data fee");
    assert.equal(tx.l1Fee, await oracleQuote(evm, sweep.txHash!), "as its oracle quotes it");
    assert.equal(sweep.fee, tx.used * tx.price + tx.l1Fee, "the reported fee has the L1 part");
    // A quarter of the quote was set aside beyond it, for L1 fees that rise before inclusion.
    const left = await evm.balanceOf("ETH", deposit);
    assert.equal(left, tx.l1Fee / 4n);
    assert.equal(sweep.amount, 10n ** 16n - sweep.fee - left);
    assert.equal(await evm.balanceOf("ETH", hot) - hotBefore, sweep.amount);
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
    const deposit = (await newAddress(p.ctx, USER, "USDT_ERC20")).toLowerCase();
    await evm.faucet(deposit, "USDT_ERC20", 7_000_000n);
    await p.block();
    await sweepDone(p);
    const [sweep] = await listSweeps(p.ctx.db, p.plugin.chain, 10);
    const topup = await topupOf(p, sweep);
    const tx = await sweepTx(evm, sweep.txHash!);
    const quote = await oracleQuote(evm, sweep.txHash!);
    assert.ok(tx.l1Fee > 0n && tx.l1Fee === quote);
    assert.equal(tx.price, tip);
    assert.equal(topup.amount, tx.limit * tx.price + quote + quote / 4n);
    const left = await evm.balanceOf("ETH", deposit);
    assert.equal(left, (tx.limit - tx.used) * tx.price + quote / 4n);
    assert.equal(sweep.fee, tx.used * tx.price + tx.l1Fee + await receiptFee(evm, sweep, p));
    assert.equal(await evm.balanceOf("USDT_ERC20", deposit), 0n);
  } finally {
    await p.close();
    await evm.close();
  }
});
