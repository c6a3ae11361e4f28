/**
 * Key and wallet-contract derivation for the processor: one TON-native
 * mnemonic gives the hot wallet (the address Tonkeeper shows for it) and any
 * number of deposit wallets, all wallet v5r1 contracts sharing the same key.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import { type KeyPair, mnemonicToPrivateKey, mnemonicValidate } from "@ton/crypto";
import { WalletContractV5R1 } from "@ton/ton";
import type { TonNetwork } from "./address.ts";

/** Smallest deposit index. Index 0 is left unused so that "unset" can never derive a wallet. */
export const MIN_DEPOSIT_INDEX = 1n;
/** Deposit indexes must be below this: the v5r1 custom context is a 31-bit unsigned integer. */
export const DEPOSIT_INDEX_LIMIT = 1n << 31n;

/**
 * Derives the key pair of a TON-native 24-word mnemonic (the format of
 * Tonkeeper / @ton/crypto, not BIP39).
 *
 * @throws Error when the mnemonic is not a valid TON mnemonic; the message
 *   never repeats the words, so it is safe to log.
 */
export async function tonKeyPair(mnemonic: string[]): Promise<KeyPair> {
  if (!Array.isArray(mnemonic) || mnemonic.length !== 24) {
    throw new Error(
      `invalid TON mnemonic: expected 24 words, got ${
        Array.isArray(mnemonic) ? mnemonic.length : "no list"
      }`,
    );
  }
  if (!(await mnemonicValidate(mnemonic))) {
    throw new Error("invalid TON mnemonic: words or checksum do not form a TON mnemonic");
  }
  return await mnemonicToPrivateKey(mnemonic);
}

/**
 * The `global_id` of the network, mixed into the v5r1 wallet id so one key
 * yields different addresses (and signatures that cannot be replayed) on
 * different networks: -239 for mainnet, -3 for testnet. A local devnet
 * uses the testnet id, as the sandbox and testnet tooling do.
 */
export function networkGlobalId(network: TonNetwork): number {
  return network === "mainnet" ? -239 : -3;
}

/**
 * The hot wallet: wallet v5r1 in the standard client context (workchain 0,
 * wallet version v5r1, subwallet 0), i.e. the wallet Tonkeeper derives for
 * this key on this network.
 */
export function hotWallet(publicKey: Buffer, network: TonNetwork): WalletContractV5R1 {
  return WalletContractV5R1.create({
    publicKey,
    walletId: {
      networkGlobalId: networkGlobalId(network),
      context: { workchain: 0, walletVersion: "v5r1", subwalletNumber: 0 },
    },
  });
}

/**
 * Deposit wallet number `index`: same key as the hot wallet, but its v5r1
 * wallet id uses the CUSTOM context `index`.
 *
 * Why a custom context: the client context only has a 15-bit subwallet number
 * (32,768 addresses), while the custom context is 31 bits. Custom contexts are
 * serialised with a leading 0 bit and client contexts with a leading 1 bit, so
 * no deposit index can produce the hot wallet's wallet id (and thus address).
 * Each index gives a distinct wallet id, hence a distinct deterministic address.
 *
 * @param index 1 ≤ index < 2^31
 * @throws RangeError outside that range
 */
export function depositWallet(
  publicKey: Buffer,
  index: bigint,
  network: TonNetwork,
): WalletContractV5R1 {
  if (typeof index !== "bigint" || index < MIN_DEPOSIT_INDEX || index >= DEPOSIT_INDEX_LIMIT) {
    throw new RangeError(`deposit index must be an integer in [1, 2^31), got ${String(index)}`);
  }
  return WalletContractV5R1.create({
    publicKey,
    workchain: 0,
    walletId: { networkGlobalId: networkGlobalId(network), context: Number(index) },
  });
}
