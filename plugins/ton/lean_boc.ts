/**
 * A lean reader of bag-of-cells (BOC) bytes, for the scanner's hot path. `Cell.fromBoc` of
 * @ton/core hashes every cell as it builds it, with a pure-JS SHA-256 fed through hex strings;
 * a scanner needs the hash of a few cells only (the transaction, some message bodies). Here
 * cells are plain data, hashed on demand with the runtime's native SHA-256, and turned into
 * @ton/core cells only when a caller asks for one.
 *
 * The reader accepts exactly what `Cell.fromBoc` accepts, check for check (magic, CRC32-C,
 * reference order, sizes), or throws {@linkcode UnsupportedBoc} for what it leaves to
 * @ton/core: other BOC magics, and the exotic cells of proofs (pruned branches, Merkle proofs
 * and updates), whose hashes follow other rules. Library cells, which every USDT jetton
 * wallet's StateInit carries as its code, are read.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { hash as nativeHash } from "node:crypto";
import { BitString, Cell } from "@ton/core";

/** The input uses a form this reader leaves to @ton/core; it says nothing of its validity. */
export class UnsupportedBoc extends Error {
  constructor(what: string) {
    super(`lean BOC reader: ${what}`);
    this.name = "UnsupportedBoc";
  }
}

/** An ordinary or library cell: data bits and references, hashed on demand. */
export interface LeanCell {
  /** A library cell (exotic type 2): hashed as exotic, and never parsed as data. */
  readonly exotic: boolean;
  /** Data bytes: the first `bits` bits are the cell's (what follows in the last byte is not). */
  readonly data: Uint8Array;
  /** Number of data bits. */
  readonly bits: number;
  /** References, in order. */
  readonly refs: readonly LeanCell[];
  /** Representation hash and depth, once computed; the @ton/core cell, once built. */
  memo: { hash?: Uint8Array; depth?: number; cell?: Cell };
}

/** Generic BOC magic (`serialized_boc#b5ee9c72`), the only one toncenter sends. */
const MAGIC = 0xb5ee9c72;
const MAX_BITS = 1023;
const MAX_REFS = 4;
/** Exotic cell type of a library reference: `library#02 hash:bits256`. */
const LIBRARY = 2;

/** CRC-32C (Castagnoli, reflected polynomial 0x82f63b78) lookup table, one entry per byte. */
const CRC32C_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  return c >>> 0;
});

/** CRC-32C of `bytes`, as the BOC stores it (little-endian) — @ton/core's `crc32c`, by table. */
function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC32C_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function fail(what: string): never {
  throw new Error(`invalid BOC: ${what}`);
}

/** Big-endian unsigned integer of `size` bytes at `at` (size ≤ 6). */
function readBytesUint(bytes: Uint8Array, at: number, size: number): number {
  if (at + size > bytes.length) fail("truncated");
  let value = 0;
  for (let i = 0; i < size; i++) value = value * 256 + bytes[at + i];
  return value;
}

/** Number of data bits of a padded cell: the last 1 bit marks where the data ends. */
function paddedLength(data: Uint8Array): number {
  for (let i = data.length - 1; i >= 0; i--) {
    const byte = data[i];
    if (byte !== 0) {
      let trailing = 0;
      while (((byte >> trailing) & 1) === 0) trailing++;
      return i * 8 + 7 - trailing;
    }
  }
  // @ton/core then reads on into the bytes before the cell; that form is left to it.
  throw new UnsupportedBoc("padded cell without a padding bit");
}

/** @ton/core's checks of an exotic cell, for the one exotic type read here. */
function checkLibrary(data: Uint8Array, bits: number): void {
  if (bits < 8) throw new Error("Index 8 is out of bounds");
  const type = data[0];
  if (type !== LIBRARY) {
    if (type >= 1 && type <= 4) throw new UnsupportedBoc(`exotic cell of type ${type}`);
    throw new Error(`Invalid exotic cell type: ${type}`);
  }
  if (bits !== 8 + 256) throw new Error(`Library cell must have exactly (8 + 256) bits`);
}

/**
 * The root cells of a BOC, as `Cell.fromBoc` would return them (same checks, same order),
 * but as {@linkcode LeanCell}s.
 *
 * @throws UnsupportedBoc for another magic or an exotic cell; Error for what @ton/core
 *   rejects too
 */
export function readBoc(src: Uint8Array): LeanCell[] {
  if (readBytesUint(src, 0, 4) !== MAGIC) throw new UnsupportedBoc("BOC magic other than b5ee9c72");
  const flags = readBytesUint(src, 4, 1);
  const hasIdx = (flags & 0x80) !== 0;
  const hasCrc32c = (flags & 0x40) !== 0;
  const size = flags & 0x07;
  const offBytes = readBytesUint(src, 5, 1);
  let at = 6;
  const next = (bytes: number): number => {
    const value = readBytesUint(src, at, bytes);
    at += bytes;
    return value;
  };
  const count = next(size);
  const rootCount = next(size);
  next(size); // absent: unused, as in @ton/core
  const totalCellSize = next(offBytes);
  const roots: number[] = [];
  for (let i = 0; i < rootCount; i++) roots.push(next(size));
  if (hasIdx) at += count * offBytes;
  const cellStart = at;
  at += totalCellSize;
  if (at > src.length) fail("truncated");
  if (hasCrc32c) {
    if (at + 4 > src.length) fail("truncated");
    const stored = src[at] | (src[at + 1] << 8) | (src[at + 2] << 16) | (src[at + 3] << 24);
    if (crc32c(src.subarray(0, src.length - 4)) !== stored >>> 0) throw new Error("Invalid CRC32C");
  }
  const data = src.subarray(cellStart, cellStart + totalCellSize);
  const raw: { data: Uint8Array; bits: number; refs: number[]; exotic: boolean }[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    const d1 = readBytesUint(data, p, 1);
    const d2 = readBytesUint(data, p + 1, 1);
    p += 2;
    if ((d1 & 16) !== 0) {
      // Stored hashes and depths: skipped, as @ton/core does (they are recomputed).
      const mask = d1 >> 5;
      const hashes = (mask & 1) + ((mask >> 1) & 1) + ((mask >> 2) & 1) + 1;
      p += hashes * 34;
      if (p > data.length) fail("truncated");
    }
    const byteSize = Math.ceil(d2 / 2);
    if (p + byteSize > data.length) fail("truncated");
    const cellData = data.subarray(p, p + byteSize);
    const bits = byteSize === 0 ? 0 : d2 % 2 === 1 ? paddedLength(cellData) : byteSize * 8;
    p += byteSize;
    const refs: number[] = [];
    for (let r = 0; r < (d1 & 7); r++) {
      refs.push(readBytesUint(data, p, size));
      p += size;
    }
    raw.push({ data: cellData, bits, refs, exotic: (d1 & 8) !== 0 });
  }
  const cells: LeanCell[] = new Array(count);
  for (let i = count - 1; i >= 0; i--) {
    const { data: cellData, bits, refs, exotic } = raw[i];
    if (exotic) checkLibrary(cellData, bits);
    else if (refs.length > MAX_REFS) throw new Error("Invalid number of references");
    else if (bits > MAX_BITS) throw new Error(`Bits overflow: ${bits} > ${MAX_BITS}`);
    const children = refs.map((r) => {
      if (r <= i || r >= count) throw new Error("Invalid BOC file");
      return cells[r];
    });
    cells[i] = { exotic, data: cellData, bits, refs: children, memo: {} };
  }
  return roots.map((r) => {
    if (r >= count) fail(`root ${r} of ${count} cells`);
    return cells[r];
  });
}

/** Reads the single root of a base64 BOC, as `Cell.fromBase64` does. */
export function readBase64Boc(boc: string): LeanCell {
  const roots = readBoc(Buffer.from(boc, "base64"));
  if (roots.length !== 1) throw new Error("Deserialized more than one cell");
  return roots[0];
}

/** An ordinary cell made of `bits` data bits read from `data` at bit `offset`, and `refs`. */
export function leanCell(
  data: Uint8Array,
  offset: number,
  bits: number,
  refs: readonly LeanCell[],
): LeanCell {
  if (bits > MAX_BITS || refs.length > MAX_REFS) fail("cell too large");
  const out = new Uint8Array(Math.ceil(bits / 8));
  const shift = offset % 8;
  const start = offset >> 3;
  for (let i = 0; i < out.length; i++) {
    const hi = data[start + i] ?? 0;
    const lo = data[start + i + 1] ?? 0;
    out[i] = shift === 0 ? hi : ((hi << shift) | (lo >> (8 - shift))) & 0xff;
  }
  if (bits % 8 !== 0) out[out.length - 1] &= (0xff << (8 - bits % 8)) & 0xff;
  return { exotic: false, data: out, bits, refs, memo: {} };
}

function depthOf(cell: LeanCell): number {
  if (cell.memo.depth === undefined) hashOf(cell);
  return cell.memo.depth!;
}

/**
 * The representation hash of a level-0 cell (TVM whitepaper 3.1.5; @ton/core's `getRepr`):
 * SHA-256 of the two descriptor bytes (the first marks an exotic cell), the data padded with a 1 bit, each
 * reference's depth (2 bytes) and each reference's hash.
 */
export function hashOf(cell: LeanCell): Uint8Array {
  const cached = cell.memo.hash;
  if (cached !== undefined) return cached;
  const bytes = Math.ceil(cell.bits / 8);
  const repr = new Uint8Array(2 + bytes + 34 * cell.refs.length);
  repr[0] = cell.refs.length + (cell.exotic ? 8 : 0);
  repr[1] = bytes + Math.floor(cell.bits / 8);
  repr.set(cell.data.subarray(0, bytes), 2);
  const rest = cell.bits % 8;
  if (rest !== 0) {
    const last = 2 + bytes - 1;
    repr[last] = (repr[last] & (0xff << (8 - rest))) | (0x80 >> rest);
  }
  let at = 2 + bytes;
  let depth = 0;
  for (const ref of cell.refs) {
    const d = depthOf(ref);
    depth = Math.max(depth, d + 1);
    repr[at++] = (d >> 8) & 0xff;
    repr[at++] = d & 0xff;
  }
  for (const ref of cell.refs) {
    repr.set(hashOf(ref), at);
    at += 32;
  }
  // The one-shot form: half the cost of createHash()…digest() per call under Deno.
  const hash = nativeHash("sha256", repr, "buffer");
  cell.memo.hash = hash;
  cell.memo.depth = depth;
  return hash;
}

/** Lowercase hex of {@linkcode hashOf}. */
export function hashHex(cell: LeanCell): string {
  return Buffer.from(hashOf(cell)).toString("hex");
}

/**
 * The @ton/core cell with the same bits and references (built once, then kept), for code that
 * reads cells through the @ton/core API.
 */
export function toCoreCell(cell: LeanCell): Cell {
  // The empty body of a plain transfer: @ton/core's own, hashed once.
  if (cell.bits === 0 && cell.refs.length === 0 && !cell.exotic) return Cell.EMPTY;
  if (cell.memo.cell === undefined) {
    const data = Buffer.from(cell.data.buffer, cell.data.byteOffset, cell.data.byteLength);
    cell.memo.cell = new Cell({
      bits: new BitString(data, 0, cell.bits),
      refs: cell.refs.map(toCoreCell),
      exotic: cell.exotic,
    });
  }
  return cell.memo.cell;
}
