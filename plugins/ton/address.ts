/**
 * Strict TON address parsing and formatting.
 *
 * `Address.parse` from @ton/core is deliberately lenient (it accepts mixed
 * base64 alphabets, any workchain byte, and raw hashes with trailing garbage),
 * which is wrong for a payment processor: a typo must be rejected, never
 * silently turned into a different account. This module is the strict gate.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { Address } from "@ton/core";

/** Networks the processor can run against. Only "mainnet" uses the real chain. */
export type TonNetwork = "mainnet" | "testnet" | "devnet";

/** Result of {@linkcode parseTonAddress}. */
export type ParsedTonAddress = {
  /** The parsed address. */
  address: Address;
  /** Canonical raw form: `wc:` + 64 lowercase hex digits, e.g. `0:2cf5…22e3`. */
  raw: string;
  /**
   * The bounceable flag the user-friendly form carried, or `null` for raw input
   * (raw addresses say nothing about bounce preference).
   */
  bounceable: boolean | null;
};

const FRIENDLY_LENGTH = 48;
const URL_SAFE_ALPHABET = /^[A-Za-z0-9_-]{48}$/;
const STANDARD_ALPHABET = /^[A-Za-z0-9+/]{48}$/;
const RAW_FORM = /^(0|-1):([0-9a-fA-F]{64})$/;

const TAG_BOUNCEABLE = 0x11;
const TAG_NON_BOUNCEABLE = 0x51;
const TAG_TEST_ONLY = 0x80;

/** Workchains the processor deals with: basechain (0) and masterchain (-1). */
const ALLOWED_WORKCHAINS: ReadonlySet<number> = new Set([0, -1]);

function rawOf(address: Address): string {
  return `${address.workChain}:${address.hash.toString("hex")}`;
}

function parseFriendly(
  input: string,
  network: TonNetwork,
): ParsedTonAddress | { error: string } {
  // Mixing the two alphabets is not produced by any wallet; accepting it would
  // make two different strings denote one address.
  const urlSafe = URL_SAFE_ALPHABET.test(input);
  const standard = STANDARD_ALPHABET.test(input);
  if (!urlSafe && !standard) {
    return { error: "invalid address: not a base64 user-friendly address" };
  }
  const base64 = input.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Buffer.from(base64, "base64");
  // 36 bytes encode to exactly 48 base64 chars with no padding bits, so a
  // re-encoding mismatch means Buffer skipped or reinterpreted something.
  if (bytes.length !== 36 || bytes.toString("base64") !== base64) {
    return { error: "invalid address: wrong length" };
  }
  const tag = bytes[0];
  const testOnly = (tag & TAG_TEST_ONLY) !== 0;
  const baseTag = tag & ~TAG_TEST_ONLY;
  if (baseTag !== TAG_BOUNCEABLE && baseTag !== TAG_NON_BOUNCEABLE) {
    return { error: "invalid address: unknown tag byte" };
  }
  if (testOnly && network === "mainnet") {
    return { error: "invalid address: testnet-only address on mainnet" };
  }
  const workchain = bytes[1] === 0xff ? -1 : bytes[1];
  if (!ALLOWED_WORKCHAINS.has(workchain)) {
    return { error: "invalid address: unsupported workchain" };
  }
  const address = new Address(workchain, Buffer.from(bytes.subarray(2, 34)));
  const bounceable = baseTag === TAG_BOUNCEABLE;
  // Re-serialising with the same flags recomputes the CRC16; comparing whole
  // buffers checks the checksum without a second CRC implementation.
  const expected = address.toStringBuffer({ bounceable, testOnly });
  if (!expected.equals(bytes)) {
    return { error: "invalid address: checksum mismatch" };
  }
  return { address, raw: rawOf(address), bounceable };
}

/**
 * Parses a TON address typed by a user or returned by an API.
 *
 * Accepted: user-friendly form (bounceable or non-bounceable; url-safe or
 * standard base64, but not a mix of both) and raw `wc:64hex` form (hex in any
 * case). Only workchains 0 and -1 are accepted. On mainnet, friendly forms
 * flagged test-only are rejected; on testnet/devnet both flavours are accepted
 * because wallets commonly show the non-test form there too.
 *
 * Nothing is trimmed: surrounding whitespace is an error, so the caller sees
 * exactly what would be stored.
 *
 * @returns the address and its canonical raw form, or `{ error }` with a
 *   human-readable reason.
 */
export function parseTonAddress(
  input: string,
  network: TonNetwork,
): ParsedTonAddress | { error: string } {
  if (typeof input !== "string" || input.length === 0) {
    return { error: "invalid address: empty" };
  }
  if (input.includes(":")) {
    const match = RAW_FORM.exec(input);
    if (match === null) {
      return { error: "invalid address: malformed raw address" };
    }
    const address = new Address(Number(match[1]), Buffer.from(match[2], "hex"));
    return { address, raw: rawOf(address), bounceable: null };
  }
  if (input.length !== FRIENDLY_LENGTH) {
    return { error: "invalid address: wrong length" };
  }
  return parseFriendly(input, network);
}

/**
 * Formats an address in url-safe user-friendly form. The test-only flag is set
 * on every network except mainnet, matching what wallets display there.
 *
 * @param address an `Address` or a canonical raw string (`wc:64hex`)
 * @throws Error if a raw string is not a valid raw address
 */
export function formatTonAddress(
  address: Address | string,
  network: TonNetwork,
  bounceable: boolean,
): string {
  let parsed: Address;
  if (typeof address === "string") {
    const match = RAW_FORM.exec(address);
    if (match === null) throw new Error("formatTonAddress: expected a raw address (wc:64hex)");
    parsed = new Address(Number(match[1]), Buffer.from(match[2], "hex"));
  } else {
    parsed = address;
  }
  return parsed.toString({ urlSafe: true, bounceable, testOnly: network !== "mainnet" });
}

/** Canonical raw form (`wc:64 lowercase hex`) of an address. */
export function rawTonAddress(address: Address): string {
  return rawOf(address);
}
