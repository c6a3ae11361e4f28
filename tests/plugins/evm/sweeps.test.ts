import assert from "node:assert/strict";
import type { Hex } from "viem";
import { newAddress } from "../../../core/processor.ts";
import { listSweeps } from "../../../core/store/sweeps.ts";
import { startEvmDevnet } from "../../../plugins/evm/devnet/server.ts";
import { type Processor, startProcessor } from "../../conformance/processor.ts";
import { evmNativeSubject } from "../../conformance/subjects/evm.ts";
import { suiteDevnet } from "./world.ts";

const USER = "u-sweeps";

/** Fee a transaction paid, from its receipt. */
async function feeOf(call: (m: string, p: unknown[]) => Promise<unknown>, hash: string) {
  const r = await call("eth_getTransactionReceipt", [hash as Hex]) as Record<string, string>;
  return BigInt(r.gasUsed) * BigInt(r.effectiveGasPrice);
}

async function sweepDone(p: Processor): Promise<void> {
  for (let i = 0; i < 12; i++) {
    const rows = await p.ctx.db.query("select status from sweeps");
    if (rows.length > 0 && rows.every((r) => r.status === "done")) return;
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
