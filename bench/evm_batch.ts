/**
 * Gas per EVM withdrawal, one per transaction against 50 through the batch contract, on the
 * EVM devnet (Hardhat's EDR): the plugin's own transactions (`buildTransfers`, `broadcast`),
 * to fresh recipients each time (new accounts, new token holders: the dearer case), read from
 * the receipts.
 *
 * @module
 */

import type { Hex } from "viem";
import { parseConfig } from "../host/registry.ts";
import type { ChainPlugin, TransferItem } from "../core/plugin.ts";
import { approveBatchContract, devnetEvmAssets } from "../plugins/evm/dev.ts";
import { evmAccountKey, newEvmMnemonic } from "../plugins/evm/derivation.ts";
import { type EvmDevnet, startEvmDevnet } from "../plugins/evm/devnet/server.ts";
import { evmPlugin } from "../plugins/evm/module.ts";

/** Gas per withdrawal of one asset, both ways. */
export interface BatchGas {
  currency: string;
  single: bigint;
  batched: bigint;
  batchSize: number;
}

async function gasOf(devnet: EvmDevnet, plugin: ChainPlugin, items: TransferItem[]) {
  const payload = (await plugin.sender.buildTransfers(items))!;
  await plugin.sender.broadcast(payload);
  await devnet.mine();
  const receipt = await devnet.call("eth_getTransactionReceipt", [payload.payloadId as Hex]) as {
    gasUsed: string;
    status: string;
  };
  if (receipt.status !== "0x1") throw new Error(`the ${items.length}-transfer payload failed`);
  return BigInt(receipt.gasUsed) / BigInt(items.length);
}

/** Measures ETH and the no-bool USDT, `batchSize` transfers a batch. */
export async function benchEvmBatchGas(batchSize: number): Promise<BatchGas[]> {
  const devnet = await startEvmDevnet({ blockIntervalMs: 0 });
  try {
    const config = parseConfig({
      network: "devnet",
      evm: {
        endpoint: devnet.endpoint,
        chainId: devnet.chainId,
        mnemonic: newEvmMnemonic(),
        batch: { contract: devnet.batchContract, maxBatch: batchSize },
        assets: devnetEvmAssets(devnet),
      },
    });
    const plugin = await evmPlugin.create(config.evm!, { instance: "evm", network: "devnet" });
    const hot = plugin.derivation.hotWallet.address;
    await devnet.faucet(hot, "ETH", 1000n * 10n ** 18n);
    await devnet.faucet(hot, "USDT_ERC20", 10n ** 15n);
    await devnet.mine();
    await approveBatchContract(devnet, hot);
    const fresh = evmAccountKey(newEvmMnemonic());
    let next = 1n;
    const items = (currency: string, count: number): TransferItem[] =>
      Array.from({ length: count }, () => ({
        id: next,
        step: null,
        currency,
        to: fresh.address(next++).address,
        amount: 1000n,
        comment: null,
        binaryComment: null,
      }));
    const out: BatchGas[] = [];
    for (const currency of ["ETH", "USDT_ERC20"]) {
      out.push({
        currency,
        single: await gasOf(devnet, plugin, items(currency, 1)),
        batched: await gasOf(devnet, plugin, items(currency, batchSize)),
        batchSize,
      });
    }
    await plugin.close();
    return out;
  } finally {
    await devnet.close();
  }
}
