/**
 * The TRON plugin's third-party imports, in one place. All five come from one release
 * family (2.4.0, pinned in deno.json) and share one @noble/hashes.
 *
 * @module
 */
/** secp256k1 curve: points, ECDSA signing and public-key recovery. */
export { secp256k1 } from "@noble/curves/secp256k1.js";
/** SHA-256, for txids and base58check checksums. */
export { sha256 } from "@noble/hashes/sha2.js";
/** Keccak-256 (not SHA3-256), for addresses and event topics. */
export { keccak_256 } from "@noble/hashes/sha3.js";
/** Base58check coder factory and a strict lowercase hex codec. */
export { base58check, hex } from "@scure/base";
/** BIP32 hierarchical deterministic keys. */
export { HDKey } from "@scure/bip32";
/** BIP39 mnemonics: generation (dev mode), validation and mnemonic-to-seed (PBKDF2-HMAC-SHA512). */
export { generateMnemonic, mnemonicToSeedSync, validateMnemonic } from "@scure/bip39";
/** The BIP39 English word list. */
export { wordlist as englishWordlist } from "@scure/bip39/wordlists/english.js";
