/**
 * The lean decoder against @ton/core's: every real mainnet transaction of the fixtures (the
 * three recorded blocks, whole, and every transaction BOC of the JSON fixtures) decodes to the
 * same facts both ways, without falling back; and mutated transactions (one bit flipped in one
 * cell, re-serialised with a valid CRC) are accepted by `decodeTransaction` exactly when
 * @ton/core accepts them, with the same result.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { BitBuilder, Cell, CellType } from "@ton/core";
import fc from "fast-check";
import { extractBlockTransactions } from "../../../plugins/ton/block_fixture.ts";
import { hashHex, readBase64Boc, UnsupportedBoc } from "../../../plugins/ton/lean_boc.ts";
import { decodeLeanTransaction } from "../../../plugins/ton/lean_transaction.ts";
import {
  decodeCoreTransaction,
  type DecodedTransaction,
  decodeTransaction,
} from "../../../plugins/ton/transaction.ts";

const FIXTURES = new URL("../../fixtures/ton/", import.meta.url);
const BLOCKS = [
  "block_0_8000000000000000_71398501/block.boc.base64.txt",
  "transactions/block_0_8000000000000000_40484416.boc.base64.txt",
  "transactions/block_0_8000000000000000_40484438.boc.base64.txt",
];

/** Every base64 BOC string in the JSON fixtures (`te6c` is the generic BOC magic). */
async function jsonBocs(dir: URL): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) out.push(...await jsonBocs(url));
    else if (entry.name.endsWith(".json")) {
      const text = await Deno.readTextFile(url);
      out.push(...(text.match(/te6c[A-Za-z0-9+/=]+/g) ?? []));
    }
  }
  return out;
}

async function fixtureTransactions(): Promise<{ blocks: string[]; json: string[] }> {
  const blocks: string[] = [];
  for (const path of BLOCKS) {
    const cells = extractBlockTransactions(await Deno.readTextFile(new URL(path, FIXTURES)));
    blocks.push(...cells.map((c) => c.toBoc().toString("base64")));
  }
  const json = (await jsonBocs(FIXTURES)).filter((boc) => {
    try {
      decodeCoreTransaction(boc);
      return true;
    } catch {
      return false; // another kind of BOC (config, state, message)
    }
  });
  return { blocks, json };
}

/** The decoded facts with bodies compared by hash and bits (cells hold per-instance closures). */
function comparable(tx: DecodedTransaction): unknown {
  const body = (cell: Cell) => ({ hash: cell.hash().toString("hex"), cell: cell.toString() });
  return {
    ...tx,
    inMessage: tx.inMessage && { ...tx.inMessage, body: body(tx.inMessage.body) },
    outMessages: tx.outMessages.map((m) => ({ ...m, body: body(m.body) })),
  };
}

const { blocks, json } = await fixtureTransactions();

Deno.test("the fixtures hold the transactions this test is about", () => {
  // 269 in the main block; the two others and the JSON files add their own.
  assert.ok(blocks.length > 269, `${blocks.length} block transactions`);
  assert.ok(json.length >= 10, `${json.length} JSON transaction BOCs`);
});

/** Whether a proof's cell (pruned branch, Merkle proof or update) is in the tree. */
function hasExotic(cell: Cell): boolean {
  return (cell.isExotic && cell.type !== CellType.Library) || cell.refs.some(hasExotic);
}

Deno.test("every fixture transaction decodes the same through the lean decoder and @ton/core", () => {
  let lean = 0;
  for (const boc of [...blocks, ...json]) {
    const core = decodeCoreTransaction(boc);
    assert.deepEqual(comparable(decodeTransaction(boc)), comparable(core), core.hash);
    if (hasExotic(Cell.fromBase64(boc))) {
      // Pruned branches (the cut-off parts of a block proof) hash by other rules: left to @ton/core.
      assert.throws(() => decodeLeanTransaction(boc), UnsupportedBoc);
      continue;
    }
    assert.deepEqual(comparable(decodeLeanTransaction(boc)), comparable(core), core.hash);
    lean++;
  }
  // Every transaction of the main block, at least, takes the lean path.
  assert.ok(lean >= 269, `${lean} decoded lean`);
});

Deno.test("the lean cell hash is the representation hash of every cell of the fixtures", () => {
  for (const boc of [...blocks, ...json]) {
    const core = Cell.fromBase64(boc);
    if (hasExotic(core)) continue;
    const lean = readBase64Boc(boc);
    const walk = (c: Cell, l: typeof lean) => {
      assert.equal(hashHex(l), c.hash().toString("hex"));
      c.refs.forEach((ref, i) => walk(ref, l.refs[i]));
    };
    walk(core, lean);
  }
});

/** `cell` with bit `at` of the cell reached by `path` (ref indexes) flipped. */
function flipped(cell: Cell, path: readonly number[], at: number): Cell {
  if (path.length === 0) {
    const bits = new BitBuilder(cell.bits.length);
    for (let i = 0; i < cell.bits.length; i++) {
      bits.writeBit(i === at % Math.max(1, cell.bits.length) ? !cell.bits.at(i) : cell.bits.at(i));
    }
    return new Cell({ bits: bits.build(), refs: cell.refs });
  }
  const [head, ...rest] = path;
  const index = head % cell.refs.length;
  const refs = cell.refs.map((r, i) => i === index ? flipped(r, rest, at) : r);
  return new Cell({ bits: cell.bits, refs });
}

/** A path of ref indexes from the root, cut where a cell has no refs. */
function reachable(cell: Cell, path: readonly number[]): number[] {
  const out: number[] = [];
  let c = cell;
  for (const step of path) {
    if (c.refs.length === 0) break;
    out.push(step);
    c = c.refs[step % c.refs.length];
  }
  return out;
}

Deno.test("a mutated transaction is accepted exactly when @ton/core accepts it", () => {
  const sources = [...blocks.filter((_, i) => i % 7 === 0), ...json].filter((boc) =>
    !hasExotic(Cell.fromBase64(boc))
  );
  const seen = { accepted: 0, rejected: 0 };
  fc.assert(
    fc.property(
      fc.nat(sources.length - 1),
      fc.array(fc.nat(3), { maxLength: 6 }),
      fc.nat(1022),
      (which, path, at) => {
        const root = Cell.fromBase64(sources[which]);
        const boc = flipped(root, reachable(root, path), at).toBoc().toString("base64");
        let expected: unknown;
        try {
          expected = comparable(decodeCoreTransaction(boc));
        } catch {
          assert.throws(() => decodeTransaction(boc));
          seen.rejected++;
          return;
        }
        assert.deepEqual(comparable(decodeTransaction(boc)), expected);
        seen.accepted++;
      },
    ),
    { numRuns: 600 },
  );
  // Both sides of the rule were exercised.
  assert.ok(seen.accepted > 50 && seen.rejected > 50, JSON.stringify(seen));
});

Deno.test("a BOC with a broken checksum is rejected", () => {
  const bytes = Buffer.from(blocks[0], "base64");
  bytes[bytes.length - 1] ^= 1;
  const boc = bytes.toString("base64");
  assert.throws(() => decodeCoreTransaction(boc), /CRC32C/);
  assert.throws(() => decodeLeanTransaction(boc), /CRC32C/);
  assert.throws(() => decodeTransaction(boc), /CRC32C/);
});
