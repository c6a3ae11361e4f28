/**
 * TON message comments: text comments (op 0 + UTF-8 snake) and "binary
 * comments" (an arbitrary bit string carried as the whole message body,
 * written in Fift bitstring hex such as `9fe7_`).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { beginCell, BitString, type Cell, Slice } from "@ton/core";

/** Largest text comment (in UTF-8 bytes) the processor accepts for withdrawals. */
export const MAX_COMMENT_BYTES = 500;

/** Largest number of bits a single cell (hence a binary comment) can hold. */
const MAX_CELL_BITS = 1023;

/** Result of {@linkcode decodeComment}; at most one of the two is non-null. */
export type DecodedComment = {
  /** Cleaned text of an op-0 comment, or `null` if the body is not a text comment. */
  comment: string | null;
  /** Fift-style hex of the body's root-cell bits for any other non-empty body. */
  binaryComment: string | null;
};

/**
 * Length of the well-formed UTF-8 sequence starting at `i`, or 0 if the bytes
 * there are not one (stray continuation byte, overlong form, surrogate, value
 * above U+10FFFF, or a truncated sequence). Ranges follow Unicode Table 3-7.
 */
function validSequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i];
  if (b0 < 0x80) return 1;
  let length: number;
  let secondMin = 0x80;
  let secondMax = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    length = 2;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    length = 3;
    if (b0 === 0xe0) secondMin = 0xa0;
    if (b0 === 0xed) secondMax = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    length = 4;
    if (b0 === 0xf0) secondMin = 0x90;
    if (b0 === 0xf4) secondMax = 0x8f;
  } else {
    return 0;
  }
  if (i + length > bytes.length) return 0;
  if (bytes[i + 1] < secondMin || bytes[i + 1] > secondMax) return 0;
  for (let k = 2; k < length; k++) {
    if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return 0;
  }
  return length;
}

/**
 * Decodes UTF-8, dropping NUL bytes and every byte that is not part of a
 * well-formed sequence. Working on bytes (rather than stripping U+FFFD after a
 * lenient decode) keeps a U+FFFD the sender really wrote, and never produces
 * NUL, which PostgreSQL text columns reject.
 */
function decodeCleanUtf8(bytes: Uint8Array): string {
  const kept = new Uint8Array(bytes.length);
  let size = 0;
  let i = 0;
  while (i < bytes.length) {
    const length = validSequenceLength(bytes, i);
    if (length === 0) {
      i += 1;
      continue;
    }
    if (!(length === 1 && bytes[i] === 0)) {
      kept.set(bytes.subarray(i, i + length), size);
      size += length;
    }
    i += length;
  }
  // ignoreBOM keeps a leading U+FEFF: the comment is returned as sent.
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(kept.subarray(0, size));
}

/**
 * Collects the bytes of an op-0 text comment: the root after the 32-bit op,
 * then each first reference in turn (the "snake" layout). Returns `null` when
 * some cell of the chain does not hold a whole number of bytes.
 */
function snakeBytes(body: Cell): Uint8Array | null {
  const parts: Buffer[] = [];
  let cell: Cell | undefined = body;
  let skip = 32;
  while (cell !== undefined) {
    const bits = cell.bits.length - skip;
    if (bits % 8 !== 0) return null;
    const slice = cell.beginParse(true);
    slice.skip(skip);
    parts.push(slice.loadBuffer(bits / 8));
    skip = 0;
    cell = cell.refs[0];
  }
  return Buffer.concat(parts);
}

function isTextOp(body: Cell): boolean {
  return body.bits.length >= 32 && body.beginParse(true).preloadUint(32) === 0;
}

/**
 * Extracts the comment of a message body.
 *
 * - `null`/`undefined` or a body with no bits in its root cell: both fields `null`.
 * - op 0 (32 zero bits) with every snake cell byte-aligned: `comment` is the
 *   UTF-8 text of the root and its first-reference chain, concatenated as
 *   bytes before decoding (so a character split across cells survives), with
 *   NUL characters and invalid UTF-8 bytes removed. An op-0 body with no text
 *   gives `comment: ""`.
 * - op 0 but some cell of the chain is not byte-aligned: this is not a valid
 *   text comment, so it is reported like any other payload, as a binary
 *   comment — the raw bits are preserved instead of guessing at text.
 * - anything else (other op, bounce marker 0xFFFFFFFF, fewer than 32 bits):
 *   `binaryComment` is the Fift hex of the ROOT cell's bits; references are
 *   not included (a binary comment is defined as a single-cell bit string).
 */
export function decodeComment(body: Cell | null | undefined): DecodedComment {
  if (body === null || body === undefined || body.bits.length === 0) {
    return { comment: null, binaryComment: null };
  }
  if (isTextOp(body)) {
    const bytes = snakeBytes(body);
    if (bytes !== null) return { comment: decodeCleanUtf8(bytes), binaryComment: null };
  }
  return { comment: null, binaryComment: formatBinaryComment(body.bits) };
}

/**
 * Builds a text-comment body: 32 zero bits then the UTF-8 bytes in snake
 * layout (root filled to its last whole byte, then 127 bytes per reference),
 * which is the layout `comment()` of @ton/core produces.
 */
export function encodeComment(text: string): Cell {
  const bytes = Buffer.from(new TextEncoder().encode(text));
  const rootBytes = Math.floor((MAX_CELL_BITS - 32) / 8);
  const tailBytes = Math.floor(MAX_CELL_BITS / 8);
  const chunks: Buffer[] = [];
  if (bytes.length > rootBytes) {
    for (let offset = rootBytes; offset < bytes.length; offset += tailBytes) {
      chunks.push(bytes.subarray(offset, offset + tailBytes));
    }
  }
  // Built from the tail backwards so each cell can reference the next one.
  let tail: Cell | null = null;
  for (let k = chunks.length - 1; k >= 0; k--) {
    const builder = beginCell().storeBuffer(chunks[k]);
    if (tail !== null) builder.storeRef(tail);
    tail = builder.endCell();
  }
  const root = beginCell().storeUint(0, 32).storeBuffer(bytes.subarray(0, rootBytes));
  if (tail !== null) root.storeRef(tail);
  return root.endCell();
}

const BINARY_COMMENT_FORM = /^([0-9a-fA-F]*)(_?)$/;

/**
 * Parses a Fift bitstring hex (case-insensitive), e.g. `9FE7` (16 bits) or
 * `9fe7_` (15 bits): a trailing `_` is the completion tag, meaning the last
 * `1` bit and the zeros after it are padding and not part of the data.
 *
 * Rejected: empty input, any character other than hex digits and one final
 * `_`, a `_` with no `1` bit to strip, a result of zero bits (an empty body is
 * "no comment", not a binary comment), and more than 1023 bits.
 *
 * @returns a cell holding exactly those bits, or `{ error }`
 */
export function parseBinaryComment(hex: string): Cell | { error: string } {
  const match = BINARY_COMMENT_FORM.exec(hex);
  if (match === null || hex.length === 0) {
    return { error: "binary comment must be hex digits, optionally ending with _" };
  }
  const digits = match[1];
  const completionTag = match[2] === "_";
  if (digits.length > Math.ceil(MAX_CELL_BITS / 4)) {
    return { error: `binary comment is longer than ${MAX_CELL_BITS} bits` };
  }
  const data = Buffer.from(digits.length % 2 === 0 ? digits : `${digits}0`, "hex");
  let length = digits.length * 4;
  if (completionTag) {
    const all = new BitString(data, 0, length);
    let last = length - 1;
    while (last >= 0 && !all.at(last)) last--;
    if (last < 0) return { error: "binary comment completion tag _ without a 1 bit" };
    length = last;
  }
  if (length === 0) return { error: "binary comment is empty" };
  if (length > MAX_CELL_BITS) {
    return { error: `binary comment is longer than ${MAX_CELL_BITS} bits` };
  }
  return beginCell().storeBits(new BitString(data, 0, length)).endCell();
}

/**
 * Formats bits as Fift bitstring hex (lowercase). When the length is not a
 * multiple of 4, a `1` and then zeros pad to the nibble boundary and `_` is
 * appended, so {@linkcode parseBinaryComment} recovers the exact bits.
 * A `Slice` is read from its current position without being consumed.
 */
export function formatBinaryComment(bits: BitString | Slice): string {
  const source = bits instanceof Slice ? bits.clone().loadBits(bits.remainingBits) : bits;
  const length = source.length;
  let out = "";
  for (let nibbleStart = 0; nibbleStart < length; nibbleStart += 4) {
    let nibble = 0;
    for (let k = 0; k < 4; k++) {
      const index = nibbleStart + k;
      const bit = index < length ? source.at(index) : index === length;
      nibble = (nibble << 1) | (bit ? 1 : 0);
    }
    out += nibble.toString(16);
  }
  return length % 4 === 0 ? out : `${out}_`;
}

/**
 * Checks the memo of a withdrawal request before it is stored.
 *
 * @returns an error message naming the offending field (`comment` or
 *   `binary_comment`), or `null` when the memo is acceptable
 */
export function validateWithdrawalMemo(
  comment: string | null,
  binaryComment: string | null,
): string | null {
  if (comment !== null && binaryComment !== null) {
    return "comment and binary_comment are mutually exclusive";
  }
  if (comment !== null) {
    if (comment.includes("\u0000")) return "comment must not contain NUL characters";
    if (!comment.isWellFormed()) return "comment contains invalid Unicode (lone surrogate)";
    const size = new TextEncoder().encode(comment).length;
    if (size > MAX_COMMENT_BYTES) {
      return `comment is ${size} bytes in UTF-8, more than the ${MAX_COMMENT_BYTES} allowed`;
    }
  }
  if (binaryComment !== null) {
    const parsed = parseBinaryComment(binaryComment);
    if ("error" in parsed) return `binary_comment: ${parsed.error}`;
  }
  return null;
}
