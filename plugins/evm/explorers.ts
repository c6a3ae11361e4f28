/**
 * Block explorers of the EVM networks by chain id: Etherscan and its family (BscScan,
 * PolygonScan, Arbiscan, BaseScan), mainnets and their public testnets. A chain id not listed
 * (a devnet, a chain of its own) has none unless `public.explorers` names one.
 *
 * @module
 */

import type { ExplorerTemplates } from "../../core/plugin.ts";

function scan(origin: string): ExplorerTemplates {
  return { address: `${origin}/address/{address}`, tx: `${origin}/tx/{tx}` };
}

/** Explorer templates by EIP-155 chain id. */
export const EVM_EXPLORERS: Readonly<Record<number, ExplorerTemplates>> = {
  1: scan("https://etherscan.io"),
  11155111: scan("https://sepolia.etherscan.io"),
  17000: scan("https://holesky.etherscan.io"),
  56: scan("https://bscscan.com"),
  97: scan("https://testnet.bscscan.com"),
  137: scan("https://polygonscan.com"),
  80002: scan("https://amoy.polygonscan.com"),
  42161: scan("https://arbiscan.io"),
  421614: scan("https://sepolia.arbiscan.io"),
  8453: scan("https://basescan.org"),
  84532: scan("https://sepolia.basescan.org"),
};

/** The explorer of `chainId`, or null. */
export function evmExplorer(chainId: number): ExplorerTemplates | null {
  return EVM_EXPLORERS[chainId] ?? null;
}
