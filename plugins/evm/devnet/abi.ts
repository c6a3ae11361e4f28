/**
 * The little of the Solidity ABI the devnet itself needs to deploy and call its contracts:
 * selectors and the head/tail encoding of `uint`, `address` and `string` arguments
 * (docs.soliditylang.org, "Contract ABI Specification").
 *
 * @module
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";

/** One argument: an unsigned integer, an address (0x hex) or a string. */
export type AbiArg =
  | { uint: bigint }
  | { address: string }
  | { string: string };

/** `0x`-prefixed keccak-256 of bytes given as hex (with or without `0x`). */
export function keccakHex(hex: string): string {
  return `0x${bytesToHex(keccak_256(hexToBytes(hex.replace(/^0x/, ""))))}`;
}

/** The 4-byte selector of a function signature such as `transfer(address,uint256)`, as hex. */
export function selector(signature: string): string {
  return bytesToHex(keccak_256(utf8ToBytes(signature))).slice(0, 8);
}

function word(n: bigint): string {
  if (n < 0n || n >= 1n << 256n) throw new RangeError(`${n} does not fit in uint256`);
  return n.toString(16).padStart(64, "0");
}

function addressWord(address: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new TypeError(`not an address: ${address}`);
  return address.slice(2).toLowerCase().padStart(64, "0");
}

/** The ABI encoding of `args` as a tuple, hex without `0x`. */
export function encodeArgs(args: readonly AbiArg[]): string {
  const heads: string[] = [];
  const tails: string[] = [];
  let tailBytes = 32 * args.length;
  for (const arg of args) {
    if ("uint" in arg) heads.push(word(arg.uint));
    else if ("address" in arg) heads.push(addressWord(arg.address));
    else {
      const data = bytesToHex(utf8ToBytes(arg.string));
      const padded = data.padEnd(Math.ceil(data.length / 64) * 64, "0");
      heads.push(word(BigInt(tailBytes)));
      tails.push(word(BigInt(data.length / 2)) + padded);
      tailBytes += 32 + padded.length / 2;
    }
  }
  return heads.join("") + tails.join("");
}

/** Call data of `signature` with `args`, `0x`-prefixed. */
export function callData(signature: string, args: readonly AbiArg[]): string {
  return `0x${selector(signature)}${encodeArgs(args)}`;
}
