/**
 * TON ingest throughput through the processor's own path: `ingestOnce` with the real
 * `createTonScanner`, the real per-block `accountLookup` and the real commit, fed by an
 * in-process node serving the fixture's real mainnet block over and over.
 *
 * @module
 */

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
  await db.query(
    `insert into addresses (chain, currency, user_id, address, display, derivation_index)
     select $1, 'TON', 'bench-user-' || (g % 1000), '0:' || md5(random()::text || g) ||
       md5(g::text || random()::text), 'bench-display-' || g, g
     from generate_series(1, $2::int) g`,
    [BENCH_CHAIN, random],
  );
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

/** Cost of decoding our transactions outside the processor, for comparison with `scan`. */
export interface DecodeCost {
  /** Milliseconds per block: `decodeTransaction` + `incomingTransfer` of our transactions. */
  perBlock: number;
  /** Milliseconds per decoded transaction. */
  perTransaction: number;
}

/**
 * Decodes our transactions of `blocks` block variants the way the scanner does (after one
 * unmeasured pass): the share of `scan` that is TON decoding rather than lookup or plumbing.
 */
export function measureDecode(fixture: IngestFixture, blocks: number): DecodeCost {
  const own = new Set(fixture.own);
  const variants = blockVariants(fixture.block, own, blocks);
  const ours = variants.map((v) => v.filter((t) => own.has(t.account)));
  const pass = () => {
    for (const block of ours) {
      for (const t of block) {
        const tx = decodeTransaction(t.boc);
        if (incomingTransfer(tx)) formatTonAddress(tx.account, "mainnet", false);
      }
    }
  };
  pass();
  const start = performance.now();
  pass();
  const ms = performance.now() - start;
  const count = ours.reduce((n, b) => n + b.length, 0);
  return { perBlock: ms / blocks, perTransaction: ms / count };
}
