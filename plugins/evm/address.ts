/**
 * EVM addresses: 20 bytes as `0x` and 40 hex digits. The canonical form (storage, matching)
 * is lowercase; the display form is the EIP-55 mixed-case checksum. Input may be all
 * lowercase or all uppercase (no checksum to check), or mixed case, which must then be the
 * exact EIP-55 spelling: a wrong mix is a typo EIP-55 exists to catch.
 *
 * @module
 */

import { getAddress } from "viem";

/** An address in both forms. */
export interface EvmAddress {
  /** Lowercase `0x…`, for storage and matching. */
  address: string;
  /** EIP-55 checksummed `0x…`, for people. */
  display: string;
}

const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const ZERO = "0x" + "0".repeat(40);

/** Parses user input (any case, EIP-55 checked when mixed) or says why not. */
export function parseEvmAddress(input: string): EvmAddress | { error: string } {
  if (!HEX_ADDRESS.test(input)) {
    return { error: "must be an EVM address: 0x followed by 40 hexadecimal digits" };
  }
  const digits = input.slice(2);
  const display = getAddress(input.toLowerCase());
  const mixed = digits !== digits.toLowerCase() && digits !== digits.toUpperCase();
  if (mixed && input !== display) {
    return { error: "has an invalid EIP-55 checksum (a character is wrong or miscased)" };
  }
  const address = input.toLowerCase();
  if (address === ZERO) return { error: "is the zero address, which nobody can spend from" };
  return { address, display };
}

/** EIP-55 form of a canonical (or any-case) address. */
export function evmDisplay(address: string): string {
  return getAddress(address.toLowerCase());
}
