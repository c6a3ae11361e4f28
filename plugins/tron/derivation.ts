/**
 * TRON key derivation: BIP39 mnemonic → BIP32 path `m/44'/195'/0'/0/i`, the
 * path TronLink, Ledger and Trust Wallet use, so importing the processor's
 * mnemonic into any of them shows the same addresses.
 *
 * Index plan: index {@linkcode TRON_HOT_WALLET_INDEX} (0) is the hot wallet,
 * which is also the first account a wallet app shows for the mnemonic;
 * deposit addresses use indexes 1 … 2^31 − 1 (non-hardened children).
 *
 * The mnemonic-to-seed step (PBKDF2-HMAC-SHA512, 2048 rounds) and the three
 * hardened steps run once, in {@linkcode tronAccountKey}. The returned object
 * keeps only the node `m/44'/195'/0'/0`, so each address costs one
 * non-hardened child derivation plus one keccak.
 *
 * @module
 */
import {
  englishWordlist as english,
  HDKey,
  hex as hexCodec,
  mnemonicToSeedSync,
  secp256k1,
  validateMnemonic,
} from "./deps.ts";
import { type TronAddress, tronAddressFromPublicKey } from "./address.ts";

/** BIP44 account path for TRON (coin type 195), account 0. */
export const TRON_ACCOUNT_PATH = "m/44'/195'/0'";
/** Index of the hot wallet under `m/44'/195'/0'/0`. */
export const TRON_HOT_WALLET_INDEX = 0n;
/** Smallest deposit index; everything below is reserved (index 0 is the hot wallet). */
export const TRON_MIN_DEPOSIT_INDEX = 1n;
/** Indexes must be below this: 2^31 and up would be hardened children. */
export const TRON_INDEX_LIMIT = 1n << 31n;

/** Turns a normalized mnemonic and passphrase into the 64-byte BIP39 seed. */
export type SeedFunction = (mnemonic: string, passphrase: string) => Uint8Array;

/** Options of {@linkcode tronAccountKey}. */
export interface TronAccountKeyOptions {
  /**
   * Seed function, for tests that count how often the expensive step runs.
   * Defaults to BIP39 PBKDF2 from @scure/bip39.
   */
  seed?: SeedFunction;
}

/** One derived address with its public key. */
export interface DerivedTronAddress extends TronAddress {
  /** SEC1 uncompressed public key, hex (`04…`, 130 digits). */
  publicKey: string;
}

/** Account-level key for `m/44'/195'/0'`: derives addresses without the mnemonic. */
export interface TronAccountKey {
  /** Address at `m/44'/195'/0'/0/index`. */
  deriveAddress(index: number | bigint): DerivedTronAddress;
  /** 32-byte private key at `m/44'/195'/0'/0/index`; a fresh copy the caller may wipe. */
  derivePrivateKey(index: number | bigint): Uint8Array;
}

/** Word counts BIP39 defines (128 … 256 bits of entropy). */
const WORD_COUNTS: ReadonlySet<number> = new Set([12, 15, 18, 21, 24]);
const ENGLISH: ReadonlySet<string> = new Set(english);

/**
 * Collapses runs of whitespace (config files and copy-paste bring newlines and
 * double spaces). Word case is kept: the English list is lowercase, and BIP39
 * seeds hash the exact text, so changing case would silently give another seed.
 */
function normalizeMnemonic(mnemonic: string): string {
  return mnemonic.normalize("NFKD").trim().split(/\s+/).join(" ");
}

/**
 * Throws when `mnemonic` is not a valid English BIP39 phrase. Errors name word
 * positions and counts only, never the words, because they end up in logs.
 */
function assertValidMnemonic(mnemonic: string): void {
  const words = mnemonic.length === 0 ? [] : mnemonic.split(" ");
  if (!WORD_COUNTS.has(words.length)) {
    throw new Error(
      `TRON mnemonic must have 12, 15, 18, 21 or 24 words, got ${words.length}`,
    );
  }
  const unknown = words.findIndex((word) => !ENGLISH.has(word));
  if (unknown !== -1) {
    throw new Error(
      `TRON mnemonic word #${unknown + 1} is not in the BIP39 English word list`,
    );
  }
  if (!validateMnemonic(mnemonic, english)) {
    throw new Error("TRON mnemonic checksum is invalid (a word is wrong or the order is off)");
  }
}

function toIndex(index: number | bigint): number {
  const big = typeof index === "bigint" ? index : Number.isSafeInteger(index) ? BigInt(index) : -1n;
  if (big < 0n || big >= TRON_INDEX_LIMIT) {
    throw new RangeError(`TRON derivation index must be an integer in [0, 2^31), got ${index}`);
  }
  return Number(big);
}

/**
 * Builds the account-level key from a mnemonic. The seed and the master node
 * are wiped before returning; only `m/44'/195'/0'/0` stays in memory.
 *
 * @param mnemonic English BIP39 phrase (whitespace is normalized)
 * @param passphrase optional BIP39 passphrase ("25th word"), default empty
 * @param options test seams
 * @throws Error when the mnemonic is invalid; the message never contains words
 */
export function tronAccountKey(
  mnemonic: string,
  passphrase = "",
  options: TronAccountKeyOptions = {},
): TronAccountKey {
  const normalized = normalizeMnemonic(mnemonic);
  assertValidMnemonic(normalized);
  const seed = (options.seed ?? mnemonicToSeedSync)(normalized, passphrase);
  const root = HDKey.fromMasterSeed(seed);
  seed.fill(0);
  const account = root.derive(TRON_ACCOUNT_PATH);
  // The external chain (`…/0`) is the only one used; caching it instead of the
  // account node saves one more HMAC + point multiplication per address.
  const external = account.deriveChild(0);
  root.wipePrivateData();
  account.wipePrivateData();

  const child = (index: number | bigint): HDKey => external.deriveChild(toIndex(index));
  return {
    deriveAddress(index: number | bigint): DerivedTronAddress {
      const node = child(index);
      const compressed = node.publicKey;
      node.wipePrivateData();
      if (compressed === null) throw new Error("derived node has no public key");
      // BIP32 nodes hold compressed keys; decompress once and reuse it for both
      // the address and the returned key.
      const uncompressed = secp256k1.Point.fromBytes(compressed).toBytes(false);
      return {
        ...tronAddressFromPublicKey(uncompressed),
        publicKey: hexCodec.encode(uncompressed),
      };
    },
    derivePrivateKey(index: number | bigint): Uint8Array {
      const node = child(index);
      const privateKey = node.privateKey;
      if (privateKey === null) throw new Error("derived node has no private key");
      const copy = Uint8Array.from(privateKey);
      node.wipePrivateData();
      return copy;
    },
  };
}
