/**
 * Deposit address derivation rates: TON `depositWallet` (wallet v5r1, custom context) per
 * index down to the raw address the processor stores, and TRON BIP32
 * `m/44'/195'/0'/0/i` down to the base58 address.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { keyPairFromSeed } from "@ton/crypto";
import { rawTonAddress } from "../plugins/ton/address.ts";
import { depositWallet } from "../plugins/ton/wallets.ts";
import { englishWordlist, generateMnemonic } from "../plugins/tron/deps.ts";
import { tronAccountKey } from "../plugins/tron/derivation.ts";

/** Figures of the derivation benchmark. */
export interface DerivationResult {
  addresses: number;
  seconds: number;
  addressesPerSecond: number;
}

/**
 * Times `address` over indexes `1 + warmup` … `warmup + count`, after the unmeasured indexes
 * `1` … `warmup`; throws unless every derived address is distinct (a derivation ignoring its
 * index would otherwise look fast).
 */
function measureDerivation(
  count: number,
  warmup: number,
  address: (index: number) => string,
): DerivationResult {
  const seen = new Set<string>();
  const derive = (from: number, n: number) => {
    for (let i = from; i < from + n; i++) seen.add(address(i));
  };
  derive(1, warmup);
  const start = performance.now();
  derive(1 + warmup, count);
  const seconds = (performance.now() - start) / 1000;
  if (seen.size !== warmup + count) throw new Error("derived addresses are not distinct");
  return { addresses: count, seconds, addressesPerSecond: count / seconds };
}

/** Derives `count` TON deposit addresses (after `warmup` unmeasured ones). */
export function benchDerivation(count: number, warmup: number): DerivationResult {
  const { publicKey } = keyPairFromSeed(Buffer.from(crypto.getRandomValues(new Uint8Array(32))));
  return measureDerivation(
    count,
    warmup,
    (i) => rawTonAddress(depositWallet(publicKey, BigInt(i), "mainnet").address),
  );
}

/**
 * Derives `count` TRON deposit addresses (after `warmup` unmeasured ones) from a fresh
 * mnemonic; the one-off mnemonic-to-seed step is not measured, as the processor runs it once.
 */
export function benchTronDerivation(count: number, warmup: number): DerivationResult {
  const key = tronAccountKey(generateMnemonic(englishWordlist, 128));
  return measureDerivation(count, warmup, (i) => key.deriveAddress(i).address);
}
