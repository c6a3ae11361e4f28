/**
 * Native coin a contract forwards to a deposit (an internal transfer) on the real EDR node,
 * through the real core ingest and sender: untraced it is no income, so the native sweep that
 * moves it records it as an unrecognized transfer, once; traced it is an income and nothing is
 * unrecognized.
 */

import assert from "node:assert/strict";
import { encodeFunctionData, type Hex } from "viem";
import { newAddress } from "../../../core/processor.ts";
import { listSweeps } from "../../../core/store/sweeps.ts";
import { listUnrecognized } from "../../../core/store/unrecognized.ts";
import artifacts from "../../../plugins/evm/devnet/artifacts.json" with { type: "json" };
import { type EvmDevnet, startEvmDevnet } from "../../../plugins/evm/devnet/server.ts";
import { type Processor, startProcessor } from "../../conformance/processor.ts";
import { evmNativeSubject } from "../../conformance/subjects/evm.ts";
import { deployFromFaucet, faucetSender, suiteDevnet, sweepsDone } from "./world.ts";

const USER = "u-reconcile";
const PAID = 10n ** 16n;
const FORWARDED = 3n * 10n ** 15n;

/** Pays `deposit` directly from the faucet, and `FORWARDED` through the forwarder, one block. */
async function payBothWays(evm: EvmDevnet, forwarder: string, deposit: string): Promise<string> {
  await evm.faucet(deposit, "ETH", PAID);
  return await faucetSender(evm)({
    to: forwarder,
    value: FORWARDED,
    data: encodeFunctionData({
      abi: artifacts.contracts.Forwarder.abi,
      functionName: "forward",
      args: [deposit as Hex],
    }),
  });
}

async function incomesOf(p: Processor): Promise<bigint[]> {
  const rows = await p.ctx.db.query("select amount::text as amount from incomes order by id");
  return rows.map((r) => BigInt(String(r.amount)));
}

Deno.test("untraced, coin a contract forwards to a deposit is swept and recorded unrecognized once", async () => {
  const evm = await startEvmDevnet({ blockIntervalMs: 0 });
  const p = await startProcessor(evmNativeSubject, suiteDevnet(evm, { traceInternal: "off" }), {
    minSweep: 1n,
  });
  try {
    const forwarder = await deployFromFaucet(evm, "Forwarder");
    await p.catchUp();
    const display = await newAddress(p.ctx, USER, "ETH");
    const deposit = display.toLowerCase();
    const forwardTx = await payBothWays(evm, forwarder, deposit);
    await p.block();
    const receipt = await evm.call("eth_getTransactionReceipt", [forwardTx]) as { status: string };
    assert.equal(receipt.status, "0x1");
    assert.equal(await evm.balanceOf("ETH", deposit), PAID + FORWARDED, "both arrived");
    assert.deepEqual(await incomesOf(p), [PAID], "only the direct payment is an income");

    await sweepsDone(p);
    assert.equal(await evm.balanceOf("ETH", deposit), 0n, "the sweep moved both");
    const [sweep] = await listSweeps(p.ctx.db, p.plugin.chain, 10);
    assert.equal(sweep.amount! + sweep.fee, PAID + FORWARDED);
    const [found, ...more] = await listUnrecognized(p.ctx.db, { limit: 10 });
    assert.deepEqual(more, []);
    assert.equal(found.amount, FORWARDED, "what no income explains, to the wei");
    assert.equal(found.token, "ETH", "native value: the native coin's code");
    assert.equal(found.depositAddress, display);
    assert.equal(found.txHash, sweep.txHash, "found by the sweep that moved it");

    // A second round: a plain payment, swept; the ledger already holds the forwarded value.
    await evm.faucet(deposit, "ETH", 2n * PAID);
    await p.block();
    await sweepsDone(p, 2);
    const sweeps = await listSweeps(p.ctx.db, p.plugin.chain, 10);
    assert.equal(sweeps.length, 2);
    assert.equal(sweeps[0].amount! + sweeps[0].fee, 2n * PAID);
    await p.tick({ rebroadcastMs: 0 });
    await p.block();
    assert.equal((await listUnrecognized(p.ctx.db, { limit: 10 })).length, 1, "nothing more");
    assert.deepEqual(await incomesOf(p), [PAID, 2n * PAID]);
  } finally {
    await p.close();
    await evm.close();
  }
});

Deno.test("traced, coin a contract forwards to a deposit is an income and nothing is unrecognized", async () => {
  const evm = await startEvmDevnet({ blockIntervalMs: 0 });
  const p = await startProcessor(evmNativeSubject, suiteDevnet(evm, { traceInternal: "auto" }), {
    minSweep: 1n,
  });
  try {
    const forwarder = await deployFromFaucet(evm, "Forwarder");
    await p.catchUp();
    const deposit = (await newAddress(p.ctx, USER, "ETH")).toLowerCase();
    await payBothWays(evm, forwarder, deposit);
    await p.block();
    assert.deepEqual(await incomesOf(p), [PAID, FORWARDED]);
    await sweepsDone(p);
    assert.equal(await evm.balanceOf("ETH", deposit), 0n);
    const [sweep] = await listSweeps(p.ctx.db, p.plugin.chain, 10);
    assert.equal(sweep.amount! + sweep.fee, PAID + FORWARDED);
    assert.deepEqual(await listUnrecognized(p.ctx.db, { limit: 10 }), []);
  } finally {
    await p.close();
    await evm.close();
  }
});
