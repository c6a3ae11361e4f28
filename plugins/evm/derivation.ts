/**
 * EVM key derivation: BIP39 mnemonic → BIP32 path `m/44'/60'/0'/0/i`, what MetaMask, Ledger
 * Live and every other Ethereum wallet derive, so the processor's mnemonic imported into one of
 * them shows the same accounts. Index 0 is the hot wallet (the first account a wallet shows);
 * deposits use indexes 1 … 2^31 − 1. Every EVM instance derives the same addresses from the
 * same mnemonic, as wallets do across networks.
 *
 * The seed (PBKDF2, 2048 rounds) and the hardened steps run once, in {@linkcode evmAccountKey};
 * only the node `m/44'/60'/0'/0` is kept, so an address costs one child derivation and a keccak.
 *
 * @module
 */

import { secp256k1 } from "@noble/curves/secp256k1.js";
import { HDKey } from "@scure/bip32";
import { generateMnemonic, mnemonicToSeedSync, validateMnemonic } from "@scure/bip39";
import { wordlist as english } from "@scure/bip39/wordlists/english.js";
import { bytesToHex } from "viem";
import { publicKeyToAddress } from "viem/accounts";
import { type EvmAddress, evmDisplay } from "./address.ts";

/** The external chain of BIP44 account 0 for coin type 60. */
export const EVM_EXTERNAL_PATH = "m/44'/60'/0'/0";
/** Index of the hot wallet. */
export const EVM_HOT_WALLET_INDEX = 0n;
/** Indexes must be below this: 2^31 and up would be hardened children. */
export const EVM_INDEX_LIMIT: bigint = 1n << 31n;

/** Keys under `m/44'/60'/0'/0`, without the mnemonic. */
export interface EvmAccountKey {
  /** Address at index `index`, both forms. */
  address(index: bigint): EvmAddress;
  /** 32-byte private key at `index`, `0x` hex. */
  privateKey(index: bigint): `0x${string}`;
}

/** A fresh 24-word English mnemonic (dev mode and tests). */
export function newEvmMnemonic(): string {
  return generateMnemonic(english, 256);
}

/**
 * Builds the key from an English BIP39 mnemonic (whitespace normalized). Errors name counts,
 * never words: they end up in logs.
 */
export function evmAccountKey(mnemonic: string): EvmAccountKey {
  const normalized = mnemonic.normalize("NFKD").trim().split(/\s+/).join(" ");
  if (!validateMnemonic(normalized, english)) {
    const words = normalized === "" ? 0 : normalized.split(" ").length;
    throw new Error(
      `is not a valid English BIP39 mnemonic (${words} words; a word or the checksum is wrong)`,
    );
  }
  const seed = mnemonicToSeedSync(normalized);
  const root = HDKey.fromMasterSeed(seed);
  seed.fill(0);
  const external = root.derive(EVM_EXTERNAL_PATH);
  root.wipePrivateData();
  const child = (index: bigint): HDKey => {
    if (index < 0n || index >= EVM_INDEX_LIMIT) {
      throw new RangeError(`EVM derivation index must be in [0, 2^31), got ${index}`);
    }
    return external.deriveChild(Number(index));
  };
  return {
    address(index) {
      const node = child(index);
      const compressed = node.publicKey;
      node.wipePrivateData();
      if (compressed === null) throw new Error("derived node has no public key");
      const uncompressed = secp256k1.Point.fromBytes(compressed).toBytes(false);
      const address = publicKeyToAddress(bytesToHex(uncompressed)).toLowerCase();
      return { address, display: evmDisplay(address) };
    },
    privateKey(index) {
      const node = child(index);
      if (node.privateKey === null) throw new Error("derived node has no private key");
      const hex = bytesToHex(node.privateKey);
      node.wipePrivateData();
      return hex;
    },
  };
}
