/**
 * TON deposit address derivation rate: `depositWallet` (wallet v5r1, custom context) per
 * index, down to the raw address the processor stores.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { keyPairFromSeed } from "@ton/crypto";
import { rawTonAddress } from "../plugins/ton/address.ts";
import { depositWallet } from "../plugins/ton/wallets.ts";

/** Figures of the derivation benchmark. */
export interface DerivationResult {
  addresses: number;
  seconds: number;
  addressesPerSecond: number;
}

/** Derives `count` deposit addresses (after `warmup` unmeasured ones). */
export function benchDerivation(count: number, warmup: number): DerivationResult {
  const { publicKey } = keyPairFromSeed(Buffer.from(crypto.getRandomValues(new Uint8Array(32))));
  const seen = new Set<string>();
  const derive = (from: number, n: number) => {
    for (let i = from; i < from + n; i++) {
      seen.add(rawTonAddress(depositWallet(publicKey, BigInt(i), "mainnet").address));
    }
  };
  derive(1, warmup);
  const start = performance.now();
  derive(1 + warmup, count);
  const seconds = (performance.now() - start) / 1000;
  if (seen.size !== warmup + count) throw new Error("derived addresses are not distinct");
  return { addresses: count, seconds, addressesPerSecond: count / seconds };
}
