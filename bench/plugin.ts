/**
 * A minimal TON-shaped chain plugin for the benchmarks: the real scanner (or none) and the
 * `TON` asset on chain `ton`; everything the benchmarks never call rejects.
 *
 * @module
 */

import { type Asset, DEFAULT_MAX_WITHDRAWAL } from "../core/asset.ts";
import type { ChainPlugin, ChainScanner } from "../core/plugin.ts";
import { expiresOnChain } from "../core/payload_lifecycle.ts";

/** Chain name the benchmark plugin serves. */
export const BENCH_CHAIN = "ton";

/** The asset the benchmark plugin serves: native TON. */
export const TON_ASSET: Asset = {
  code: "TON",
  chain: BENCH_CHAIN,
  decimals: 9,
  contract: null,
  minSweep: 0n,
  hotMax: null,
  hotResidual: 0n,
  maxWithdrawal: DEFAULT_MAX_WITHDRAWAL,
  overtake: false,
};

/** A hot wallet address that appears in no fixture block. */
export const BENCH_HOT_WALLET = { address: `0:${"ab".repeat(32)}`, display: "BENCH-HOT-WALLET" };

function unused(): Promise<never> {
  return Promise.reject(new Error("not used by the benchmarks"));
}

/**
 * Builds the plugin around `scanner`; without one, scanning rejects (the API benchmark needs
 * the asset only).
 */
export function benchPlugin(scanner?: ChainScanner): ChainPlugin {
  return {
    chain: BENCH_CHAIN,
    assets: [TON_ASSET],
    derivation: {
      hotWallet: BENCH_HOT_WALLET,
      deposit: () => {
        throw new Error("not used by the benchmarks");
      },
      parseAddress: () => ({ error: "not used by the benchmarks" }),
      display: (address) => address,
    },
    scanner: scanner ?? { initialCursor: unused, next: unused },
    sender: {
      maxBatch: 1,
      maxInFlight: 1,
      tokenBalanceLagSeconds: 0,
      withdrawable: () => true,
      nativeCost: () => 0n,
      spendable: unused,
      buildTransfers: unused,
      buildSweep: unused,
      broadcast: unused,
      balance: unused,
      lifecycle: expiresOnChain(60),
    },
    coldWallet: null,
    requiredConfirmations: 1,
    sharedDepositAddresses: false,
    validateMemo: () => null,
    close: () => Promise.resolve(),
  };
}
