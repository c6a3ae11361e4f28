/**
 * TON ingest throughput through the processor's own path: `ingestOnce` with the real
 * `createTonScanner`, the real per-block `accountLookup` and the real commit, fed by an
 * in-process node serving the fixture's real mainnet block over and over.
 *
 * @module
 */

import { hash as nativeHash } from "node:crypto";
import { Cell } from "@ton/core";
import type { Db } from "../core/db.ts";
import { formatTonAddress } from "../plugins/ton/address.ts";
import { createTonScanner } from "../plugins/ton/scanner.ts";
import { decodeTransaction, incomingTransfer } from "../plugins/ton/transaction.ts";
import { type IngestCase, type IngestOptions, runIngestCases } from "./ingest_runner.ts";
import { BENCH_CHAIN, benchPlugin } from "./plugin.ts";
import { blockVariants, fixtureNode, type FixtureTransaction } from "./ton_fixture.ts";

/** What every case shares. */
export interface IngestFixture {
  block: readonly FixtureTransaction[];
  /** Raw accounts of the block made ours. */
  own: readonly string[];
  /** Transactions of `own` accounts per block, and the incomes among them. */
  ownTransactions: number;
  ownIncomes: number;
  /** Transactions of `own` accounts with an external in-message: payload sightings. */
  ownSightings: number;
  /** Distinct accounts per block. */
  accounts: number;
}

/** Picks the accounts that are ours: the first `count` receiving transfers, by address. */
export function chooseOwnAccounts(
  block: readonly FixtureTransaction[],
  count: number,
): IngestFixture {
  const receiving = [...new Set(block.filter((t) => t.income).map((t) => t.account))].sort();
  const own = receiving.slice(0, count);
  const ownSet = new Set(own);
  const ownTxs = block.filter((t) => ownSet.has(t.account));
  return {
    block,
    own,
    ownTransactions: ownTxs.length,
    ownIncomes: ownTxs.filter((t) => t.income).length,
    ownSightings: ownTxs.filter((t) => t.externalIn).length,
    accounts: new Set(block.map((t) => t.account)).size,
  };
}

/** Bulk-inserts `total` deposit addresses: the `own` raw accounts plus random ones. */
async function insertAddresses(db: Db, own: readonly string[], total: number): Promise<void> {
  const random = total - own.length;
  // In chunks: each statement stays well inside the pool's statement timeout on a busy machine.
  const chunk = 20_000;
  for (let from = 1; from <= random; from += chunk) {
    await db.query(
      `insert into addresses (chain, currency, user_id, address, display, derivation_index)
       select $1, 'TON', 'bench-user-' || (g % 1000), '0:' || md5(random()::text || g) ||
         md5(g::text || random()::text), 'bench-display-' || g, g
       from generate_series($2::int, $3::int) g`,
      [BENCH_CHAIN, from, Math.min(random, from + chunk - 1)],
    );
  }
  await db.query(
    `insert into addresses (chain, currency, user_id, address, display, derivation_index)
     select $1, 'TON', 'bench-own-' || o.n, o.address, o.display, $4::int + o.n
     from unnest($2::text[], $3::text[]) with ordinality as o(address, display, n)`,
    [
      BENCH_CHAIN,
      [...own],
      own.map((a) => formatTonAddress(a, "mainnet", false)),
      random,
    ],
  );
  // Statistics as autovacuum would eventually have them on a long-running processor.
  await db.query("analyze addresses");
}

/**
 * Runs every case of the TON ingest benchmark: our transactions get a new logical time (hence
 * hash) in every first-seen block; see {@linkcode runIngestCases} for how cases are measured.
 */
export async function benchTonIngest(
  fixture: IngestFixture,
  options: IngestOptions,
): Promise<IngestCase[]> {
  const variants = blockVariants(
    fixture.block,
    new Set(fixture.own),
    options.warmupBlocks + options.blocks,
  );
  return await runIngestCases({
    name: "TON",
    transactionsPerBlock: fixture.block.length,
    incomesPerBlock: fixture.ownIncomes,
    insertAddresses: (db, total) => insertAddresses(db, fixture.own, total),
    openNode(blockAt) {
      const chain = fixtureNode((k) => variants[blockAt(k)]);
      return {
        scanner: createTonScanner(chain.node, "mainnet"),
        grow: (blocks) => chain.setTip(chain.firstSeqno + blocks),
      };
    },
    plugin: (scanner) => benchPlugin(scanner),
  }, options);
}

/** Cost of decoding our transactions outside the processor, against its floor. */
export interface DecodeCost {
  /** Milliseconds per block: `decodeTransaction` + `incomingTransfer` of our transactions. */
  perBlock: number;
  /** Milliseconds per decoded transaction. */
  perTransaction: number;
  /** The floor: native SHA-256 over every cell of our transactions, milliseconds per block. */
  floorPerBlock: number;
  /** Distinct cells of our transactions per block. */
  cellsPerBlock: number;
}

/**
 * A byte string of each distinct cell's representation size (descriptors, data, and depth
 * and hash per reference): what SHA-256 reads to hash the cell. Its cost depends on the size
 * only.
 */
function representations(root: Cell, into: Map<Cell, Uint8Array>): void {
  if (into.has(root)) return;
  for (const ref of root.refs) representations(ref, into);
  into.set(root, new Uint8Array(2 + Math.ceil(root.bits.length / 8) + 34 * root.refs.length));
}

/**
 * Decodes our transactions of `blocks` block variants the way the scanner does (after one
 * unmeasured pass): the share of `scan` that is TON decoding rather than lookup or plumbing.
 * Interleaved with it, pass for pass, the floor: one native SHA-256 per cell of the same
 * transactions, over byte strings of each cell's representation size.
 */
export function measureDecode(fixture: IngestFixture, blocks: number): DecodeCost {
  const own = new Set(fixture.own);
  const variants = blockVariants(fixture.block, own, blocks);
  const ours = variants.map((v) => v.filter((t) => own.has(t.account)));
  const reprs = ours.map((block) => {
    const cells = new Map<Cell, Uint8Array>();
    for (const t of block) representations(Cell.fromBase64(t.boc), cells);
    return [...cells.values()];
  });
  const decode = () => {
    for (const block of ours) {
      for (const t of block) {
        const tx = decodeTransaction(t.boc);
        if (incomingTransfer(tx)) formatTonAddress(tx.account, "mainnet", false);
      }
    }
  };
  const hash = () => {
    for (const block of reprs) {
      for (const repr of block) nativeHash("sha256", repr, "buffer");
    }
  };
  decode();
  hash();
  let ms = 0;
  let floor = 0;
  for (let pass = 0; pass < 3; pass++) {
    const start = performance.now();
    decode();
    const mid = performance.now();
    hash();
    floor += performance.now() - mid;
    ms += mid - start;
  }
  const count = ours.reduce((n, b) => n + b.length, 0);
  return {
    perBlock: ms / 3 / blocks,
    perTransaction: ms / 3 / count,
    floorPerBlock: floor / 3 / blocks,
    cellsPerBlock: reprs.reduce((n, b) => n + b.length, 0) / blocks,
  };
}
