/**
 * TON ingest throughput through the processor's own path: `ingestOnce` with the real
 * `createTonScanner`, the real per-block `accountLookup` and the real commit, fed by an
 * in-process node serving the fixture's real mainnet block over and over.
 *
 * @module
 */

import { systemClock } from "../core/clock.ts";
import { parseConfig } from "../core/config.ts";
import type { ProcessorContext } from "../core/context.ts";
import type { Db, Param, Queryable, Row } from "../core/db.ts";
import { accountLookup, currentCursor, ingestOnce } from "../core/ingest.ts";
import { silentLogger } from "../core/log.ts";
import type { AccountLookup, ChainScanner } from "../core/plugin.ts";
import { formatTonAddress } from "../plugins/ton/address.ts";
import { createTonScanner } from "../plugins/ton/scanner.ts";
import { decodeTransaction, incomingTransfer } from "../plugins/ton/transaction.ts";
import type { BlockTransaction } from "../plugins/ton/toncenter.ts";
import { openBenchDb } from "./db.ts";
import { BENCH_CHAIN, benchPlugin } from "./plugin.ts";
import { blockVariants, fixtureNode, type FixtureTransaction } from "./ton_fixture.ts";

/** How the ingest benchmark runs. */
export interface IngestOptions {
  /** Deposit addresses in the table for each case (the block's own accounts included). */
  addressCounts: readonly number[];
  /** Blocks ingested before measuring, per case. */
  warmupBlocks: number;
  /** Blocks measured per phase and case. */
  blocks: number;
  /** Blocks a case ingests before the next case takes its turn. */
  chunkBlocks: number;
}

/** Where the time of one block went, in milliseconds (means over the phase). */
export interface BlockBreakdown {
  /** Whole `ingestOnce`. */
  total: number;
  /** `scanner.next`: node calls (in-process here), ownership lookup and decoding. */
  scan: number;
  /** The ownership lookup query alone (part of `scan`). */
  lookup: number;
  /** The commit transaction: cursor update, incomes insert, BEGIN/COMMIT. */
  commit: number;
  /** The statements inside the commit transaction (cursor update, incomes insert). */
  commitStatements: number;
  /** Database queries outside the transaction: loading the cursor. */
  cursor: number;
}

/** Figures of one measured phase. */
export interface IngestPhase {
  blocks: number;
  seconds: number;
  blocksPerSecond: number;
  transactionsPerSecond: number;
  /** Incomes recorded per block (0 for replayed blocks). */
  newIncomesPerBlock: number;
  breakdown: BlockBreakdown;
}

/** Figures of one case (one deposit address count). */
export interface IngestCase {
  addresses: number;
  /** Seconds the bulk insert of the addresses took. */
  insertSeconds: number;
  /** Blocks whose incomes are new to the processor. */
  firstSeen: IngestPhase;
  /** The same blocks again: decoded and looked up, but every income already recorded. */
  replayed: IngestPhase;
}

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

interface Timers {
  scan: number;
  lookup: number;
  commit: number;
  commitStatements: number;
  cursor: number;
}

function emptyTimers(): Timers {
  return { scan: 0, lookup: 0, commit: 0, commitStatements: 0, cursor: 0 };
}

/** The database with the time spent in queries and transactions added to `timers`. */
function timedDb(db: Db, timers: Timers): Db {
  return {
    engine: db.engine,
    async query<T extends Row>(text: string, params?: readonly Param[]): Promise<T[]> {
      const start = performance.now();
      try {
        return await db.query<T>(text, params);
      } finally {
        timers.cursor += performance.now() - start;
      }
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const start = performance.now();
      try {
        return await db.transaction((tx) =>
          fn({
            async query<R extends Row>(text: string, params?: readonly Param[]): Promise<R[]> {
              const at = performance.now();
              try {
                return await tx.query<R>(text, params);
              } finally {
                timers.commitStatements += performance.now() - at;
              }
            },
          })
        );
      } finally {
        timers.commit += performance.now() - start;
      }
    },
    tryLock: (key) => db.tryLock(key),
    close: () => db.close(),
  };
}

async function countIncomes(db: Db): Promise<number> {
  const [row] = await db.query("select count(*)::int as n from incomes");
  return Number(row.n);
}

/** One case, ready to ingest: its database, processor context and instrumented plugin. */
interface CaseRunner {
  addresses: number;
  insertSeconds: number;
  /** Ingests `blocks` blocks; adds their time and breakdown to `into`. */
  ingest(blocks: number, into: PhaseTotals): Promise<void>;
  incomes(): Promise<number>;
  close(): Promise<void>;
}

/** Sums over the chunks of one phase of one case. */
interface PhaseTotals extends Timers {
  blocks: number;
  ms: number;
  incomes: number;
}

function emptyTotals(): PhaseTotals {
  return { blocks: 0, ms: 0, incomes: 0, ...emptyTimers() };
}

function phaseOf(t: PhaseTotals, transactionsPerBlock: number): IngestPhase {
  const seconds = t.ms / 1000;
  return {
    blocks: t.blocks,
    seconds,
    blocksPerSecond: t.blocks / seconds,
    transactionsPerSecond: t.blocks * transactionsPerBlock / seconds,
    newIncomesPerBlock: t.incomes / t.blocks,
    breakdown: {
      total: t.ms / t.blocks,
      scan: t.scan / t.blocks,
      lookup: t.lookup / t.blocks,
      commit: t.commit / t.blocks,
      commitStatements: t.commitStatements / t.blocks,
      // Plain queries: the lookup runs through `query` too, the commit does not.
      cursor: (t.cursor - t.lookup) / t.blocks,
    },
  };
}

/** Opens a fresh database for one case, fills it and points the processor at the chain. */
async function openCase(
  fixture: IngestFixture,
  variants: readonly BlockTransaction[][],
  addresses: number,
  options: IngestOptions,
): Promise<CaseRunner> {
  const unique = options.warmupBlocks + options.blocks;
  // Blocks 0 … unique-1 are first seen; later blocks replay the measured ones.
  const chain = fixtureNode((k) =>
    variants[k < unique ? k : options.warmupBlocks + (k - unique) % options.blocks]
  );
  const testDb = await openBenchDb();
  try {
    const insertStart = performance.now();
    await insertAddresses(testDb.db, fixture.own, addresses);
    const insertSeconds = (performance.now() - insertStart) / 1000;

    const timers = emptyTimers();
    const db = timedDb(testDb.db, timers);
    const ctx: ProcessorContext = {
      db,
      config: parseConfig({}),
      plugins: new Map(),
      clock: systemClock,
      log: silentLogger,
    };
    const inner = createTonScanner(chain.node, "mainnet");
    const scanner: ChainScanner = {
      initialCursor: () => inner.initialCursor(),
      async next(cursor, lookup) {
        const start = performance.now();
        try {
          return await inner.next(cursor, lookup);
        } finally {
          timers.scan += performance.now() - start;
        }
      },
    };
    const plugin = benchPlugin(scanner);
    ctx.plugins = new Map([[plugin.chain, plugin]]);
    const realLookup = accountLookup(ctx, plugin);
    const lookup: AccountLookup = async (accounts) => {
      const start = performance.now();
      try {
        return await realLookup(accounts);
      } finally {
        timers.lookup += performance.now() - start;
      }
    };

    // The chain starts at its first block; the processor starts there, then it grows.
    await currentCursor(ctx, plugin);
    chain.setTip(chain.firstSeqno + unique + options.blocks);

    const incomes = () => countIncomes(testDb.db);
    return {
      addresses,
      insertSeconds,
      incomes,
      async ingest(blocks, into) {
        const before = await incomes();
        Object.assign(timers, emptyTimers());
        const start = performance.now();
        for (let i = 0; i < blocks; i++) {
          if (!await ingestOnce(ctx, plugin, lookup)) {
            throw new Error("the chain ran out of blocks");
          }
        }
        into.ms += performance.now() - start;
        into.blocks += blocks;
        into.incomes += await incomes() - before;
        into.scan += timers.scan;
        into.lookup += timers.lookup;
        into.commit += timers.commit;
        into.commitStatements += timers.commitStatements;
        into.cursor += timers.cursor;
      },
      close: () => testDb.close(),
    };
  } catch (error) {
    await testDb.close();
    throw error;
  }
}

/**
 * Runs every case of the ingest benchmark. The cases' databases are open side by side and
 * measured in alternating chunks of `chunkBlocks`, so load from elsewhere on the machine
 * falls on every case alike and the ratio between them stays meaningful.
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
  const runners: CaseRunner[] = [];
  try {
    for (const addresses of options.addressCounts) {
      runners.push(await openCase(fixture, variants, addresses, options));
    }
    for (const runner of runners) await runner.ingest(options.warmupBlocks, emptyTotals());
    const measure = async (): Promise<PhaseTotals[]> => {
      const totals = runners.map(emptyTotals);
      for (let done = 0; done < options.blocks; done += options.chunkBlocks) {
        const chunk = Math.min(options.chunkBlocks, options.blocks - done);
        for (const [i, runner] of runners.entries()) await runner.ingest(chunk, totals[i]);
      }
      return totals;
    };
    const firstSeen = await measure();
    const replayed = await measure();
    const perBlock = fixture.block.length;
    return runners.map((runner, i) => ({
      addresses: runner.addresses,
      insertSeconds: runner.insertSeconds,
      firstSeen: phaseOf(firstSeen[i], perBlock),
      replayed: phaseOf(replayed[i], perBlock),
    }));
  } finally {
    for (const runner of runners) await runner.close();
  }
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
