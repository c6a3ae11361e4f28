/**
 * Strict TRON address codec.
 *
 * A TRON address is 21 bytes: the network byte 0x41 followed by the last 20
 * bytes of keccak256 of the uncompressed public key (without its 0x04 tag).
 * Users see it as base58check (`T…`, 34 characters, checksum = first 4 bytes of
 * sha256(sha256(payload))); nodes speak hex (`41…`). Mainnet, Nile and Shasta
 * all use 0x41, so one codec serves every network.
 *
 * Parsing is deliberately strict: a typo must be rejected, never turned into a
 * different account. Accepted inputs are exactly
 * - base58check `T…` with a valid checksum and a 0x41 payload, and
 * - hex `41` + 40 hex digits (any case; the canonical hex is lowercase).
 *
 * Rejected on purpose: surrounding whitespace (the API layer decides whether
 * to trim, this codec never guesses), `0x`-prefixed hex and bare 20-byte EVM
 * hex (both are Ethereum notations; accepting them would let an ETH address
 * pasted by mistake pass as a TRON one).
 *
 * @module
 */
import { base58check, hex as hexCodec, keccak_256, secp256k1, sha256 } from "./deps.ts";

/** Network byte every TRON address starts with. */
export const TRON_ADDRESS_PREFIX = 0x41;
/** Length of an address payload in bytes (prefix + 20-byte account id). */
export const TRON_ADDRESS_BYTES = 21;

/** A parsed address in both of its forms. */
export interface TronAddress {
  /** Base58check form, `T…` (34 characters). Canonical for storage and matching. */
  address: string;
  /** Hex form as nodes use it: `41` + 40 lowercase hex digits. */
  hex: string;
}

const codec = base58check(sha256);
const HEX41 = /^41[0-9a-fA-F]{40}$/;
const BASE58_ALPHABET = /^[1-9A-HJ-NP-Za-km-z]+$/;
// 0x41 followed by 24 more bytes always encodes to exactly 34 base58 digits.
const BASE58_LENGTH = 34;
const EVM_WORD = /^(?:0x)?([0-9a-fA-F]{64})$/;

// A specialised codec for the 25 bytes of an address with its checksum. The scanner turns
// every account of every block into base58 (about 600 per mainnet block); the generic
// @scure/base coder spent most of the scan there. Encoding with 24-bit limbs and 4-digit
// chunks keeps every intermediate below 2^48, so plain doubles are exact.
const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const DIGIT_OF = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGIT_OF[ALPHABET.charCodeAt(i)] = i;
/** Payload and checksum. */
const FULL_BYTES = TRON_ADDRESS_BYTES + 4;
const LIMB = 2 ** 24;
/** 58^4: four base58 digits per division. */
const CHUNK = 58 ** 4;
/** 25 bytes are 200 bits: 9 limbs of 24 bits (the first holds one byte). */
const LIMBS = 9;

/** sha256(sha256(payload))[0..4], the base58check checksum. */
function checksum(payload: Uint8Array): Uint8Array {
  return sha256(sha256(payload)).subarray(0, 4);
}

/** Base58 of 25 bytes whose first byte is not zero (so no leading `1`). */
function base58Of25(bytes: Uint8Array): string {
  const limbs = new Array<number>(LIMBS);
  limbs[0] = bytes[0];
  for (let i = 1; i < LIMBS; i++) {
    limbs[i] = (bytes[3 * i - 2] << 16) | (bytes[3 * i - 1] << 8) | bytes[3 * i];
  }
  // 200 bits need at most 35 digits; nine chunks of four give 36, least significant first.
  let digits = "";
  for (let c = 0; c < LIMBS; c++) {
    let rem = 0;
    for (let i = 0; i < LIMBS; i++) {
      const cur = rem * LIMB + limbs[i];
      const q = Math.floor(cur / CHUNK);
      limbs[i] = q;
      rem = cur - q * CHUNK;
    }
    for (let d = 0; d < 4; d++) {
      const q = Math.floor(rem / 58);
      digits = ALPHABET[rem - q * 58] + digits;
      rem = q;
    }
  }
  let start = 0;
  while (digits[start] === "1") start++;
  return digits.slice(start);
}

/**
 * The 25 bytes of a 34-digit base58 string starting with `T` (digits already checked to be
 * base58): as @scure/base decodes it, since such a string has no leading `1` and its value
 * needs exactly 25 bytes.
 */
function bytesOfT34(input: string): Uint8Array {
  const limbs = new Array<number>(LIMBS).fill(0);
  // 34 = 2 + 8 × 4 digits: multiply-and-add chunk by chunk, most significant first.
  for (let at = 0; at < BASE58_LENGTH;) {
    const width = at === 0 ? 2 : 4;
    let carry = 0;
    for (let k = 0; k < width; k++) carry = carry * 58 + DIGIT_OF[input.charCodeAt(at + k)];
    at += width;
    const factor = 58 ** width;
    for (let i = LIMBS - 1; i >= 0; i--) {
      const cur = limbs[i] * factor + carry;
      carry = Math.floor(cur / LIMB);
      limbs[i] = cur - carry * LIMB;
    }
  }
  const bytes = new Uint8Array(FULL_BYTES);
  bytes[0] = limbs[0];
  for (let i = 1; i < LIMBS; i++) {
    bytes[3 * i - 2] = limbs[i] >>> 16;
    bytes[3 * i - 1] = (limbs[i] >>> 8) & 0xff;
    bytes[3 * i] = limbs[i] & 0xff;
  }
  return bytes;
}

/** Base58check of a 21-byte payload whose first byte is 0x41. */
function encodeAddress(payload: Uint8Array): string {
  const full = new Uint8Array(FULL_BYTES);
  full.set(payload);
  full.set(checksum(payload), TRON_ADDRESS_BYTES);
  return base58Of25(full);
}

const HEX_DIGITS = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** Lowercase hex of bytes. */
function hexOf(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += HEX_DIGITS[b];
  return out;
}

/**
 * Parses user input into a TRON address, or explains why it is not one.
 *
 * @param input base58check `T…` or hex `41…` (42 hex digits); nothing else
 * @returns both forms, or `{ error }` with a text safe to show the user
 */
export function parseTronAddress(input: string): TronAddress | { error: string } {
  if (typeof input !== "string" || input.length === 0) {
    return { error: "invalid TRON address: empty" };
  }
  if (HEX41.test(input)) {
    const hex = input.toLowerCase();
    return { address: encodeAddress(hexCodec.decode(hex)), hex };
  }
  if (/^0x/i.test(input)) {
    return { error: "invalid TRON address: 0x-prefixed hex is not a TRON address" };
  }
  if (/^[0-9a-fA-F]+$/.test(input)) {
    return { error: "invalid TRON address: hex form must be 41 followed by 40 hex digits" };
  }
  if (!BASE58_ALPHABET.test(input)) {
    return { error: "invalid TRON address: contains characters outside base58" };
  }
  if (input.length !== BASE58_LENGTH) {
    return { error: `invalid TRON address: expected ${BASE58_LENGTH} characters` };
  }
  if (input[0] === "T") {
    // Every 0x41 address, hence every valid input: the fast path, same verdicts as below.
    const full = bytesOfT34(input);
    const payload = full.subarray(0, TRON_ADDRESS_BYTES);
    const sum = checksum(payload);
    for (let i = 0; i < 4; i++) {
      if (sum[i] !== full[TRON_ADDRESS_BYTES + i]) {
        return { error: "invalid TRON address: checksum mismatch" };
      }
    }
    if (payload[0] !== TRON_ADDRESS_PREFIX) {
      return { error: "invalid TRON address: not a 0x41 (T…) address" };
    }
    // Canonical by construction (no leading `1`, exactly 25 bytes); checked all the same, as
    // below, at the cost of one base58 encoding without hashing.
    if (base58Of25(full) !== input) {
      return { error: "invalid TRON address: non-canonical encoding" };
    }
    return { address: input, hex: hexOf(payload) };
  }
  let payload: Uint8Array;
  try {
    payload = codec.decode(input);
  } catch {
    return { error: "invalid TRON address: checksum mismatch" };
  }
  if (payload.length !== TRON_ADDRESS_BYTES || payload[0] !== TRON_ADDRESS_PREFIX) {
    return { error: "invalid TRON address: not a 0x41 (T…) address" };
  }
  // Base58 has one encoding per byte string once leading zeros are excluded
  // (the 0x41 prefix excludes them), but checking costs nothing and makes the
  // "one address, one string" property explicit.
  if (codec.encode(payload) !== input) {
    return { error: "invalid TRON address: non-canonical encoding" };
  }
  return { address: input, hex: hexCodec.encode(payload) };
}

function parseOrThrow(input: string): TronAddress {
  const parsed = parseTronAddress(input);
  if ("error" in parsed) throw new TypeError(parsed.error);
  return parsed;
}

/**
 * Base58check form of a hex address.
 *
 * @param hex41 `41` + 40 hex digits
 * @throws TypeError when `hex41` is not a hex TRON address
 */
export function tronAddressFromHex(hex41: string): string {
  if (!HEX41.test(hex41)) {
    throw new TypeError("invalid TRON address: hex form must be 41 followed by 40 hex digits");
  }
  return parseOrThrow(hex41).address;
}

/**
 * Hex form (`41…`, lowercase) of a base58check address.
 *
 * @param base58 `T…` address
 * @throws TypeError when `base58` is not a valid base58check TRON address
 */
export function tronHexFromAddress(base58: string): string {
  if (HEX41.test(base58)) {
    // A hex string happens to be valid base58 too; refuse it here so that
    // callers who mix up the two forms find out.
    throw new TypeError("invalid TRON address: expected base58check, got hex");
  }
  return parseOrThrow(base58).hex;
}

/** Address (both forms) of a 21-byte payload whose first byte is 0x41. */
function fromPayload(payload: Uint8Array): TronAddress {
  return { address: encodeAddress(payload), hex: hexOf(payload) };
}

/**
 * Address of a secp256k1 public key: 0x41 + keccak256(X‖Y)[12..32].
 *
 * @param publicKey SEC1 uncompressed (65 bytes, `04…`), compressed (33 bytes,
 *   `02…`/`03…`) or bare X‖Y (64 bytes, as tronpy prints it); bytes or hex
 * @throws TypeError when the key has another length or is not on the curve
 */
export function tronAddressFromPublicKey(publicKey: Uint8Array | string): TronAddress {
  let bytes: Uint8Array;
  if (typeof publicKey === "string") {
    if (!/^(?:[0-9a-fA-F]{2})+$/.test(publicKey)) throw new TypeError("public key is not hex");
    bytes = hexCodec.decode(publicKey.toLowerCase());
  } else {
    bytes = publicKey;
  }
  if (bytes.length === 64) bytes = Uint8Array.of(0x04, ...bytes);
  if (bytes.length !== 33 && bytes.length !== 65) {
    throw new TypeError(`public key must be 33, 64 or 65 bytes, got ${bytes.length}`);
  }
  let uncompressed: Uint8Array;
  try {
    // fromBytes checks the point is on the curve: an off-curve "key" would
    // give an address nobody can sign for.
    uncompressed = secp256k1.Point.fromBytes(bytes).toBytes(false);
  } catch {
    throw new TypeError("public key is not a valid secp256k1 point");
  }
  const digest = keccak_256(uncompressed.subarray(1));
  const payload = new Uint8Array(TRON_ADDRESS_BYTES);
  payload[0] = TRON_ADDRESS_PREFIX;
  payload.set(digest.subarray(12), 1);
  return fromPayload(payload);
}

/**
 * Address held in an ABI word, e.g. an indexed `address` topic of an event log
 * (EVM layout: 12 zero bytes, then the 20-byte account id without the 0x41).
 *
 * @param word 64 hex digits, optionally `0x`-prefixed
 * @throws TypeError when `word` is not 32 bytes of hex or its upper 12 bytes
 *   are not zero (then it is not an ABI-encoded address)
 */
export function evmWordToTronAddress(word: string): TronAddress {
  const match = EVM_WORD.exec(word);
  if (match === null) throw new TypeError("ABI word must be 64 hex digits");
  const digits = match[1].toLowerCase();
  if (!/^0{24}$/.test(digits.slice(0, 24))) {
    throw new TypeError("ABI word is not an address: upper 12 bytes are not zero");
  }
  return fromPayload(hexCodec.decode("41" + digits.slice(24)));
}
