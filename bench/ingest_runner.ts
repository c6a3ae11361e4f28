/**
 * The chain-independent half of the ingest benchmarks: one fresh database per case, the
 * processor's own `ingestOnce` with the real `accountLookup` and commit, timers around the
 * scanner, the lookup and the database, and the measuring loop. A chain's benchmark supplies
 * an {@linkcode IngestChain}: its blocks, in-process node, scanner, plugin and address seeding.
 *
 * @module
 */

import { systemClock } from "../core/clock.ts";
import { parseConfig } from "../host/registry.ts";
import type { ProcessorContext } from "../core/context.ts";
import type { Db, Param, Queryable, Row } from "../core/db.ts";
import { accountLookup, currentCursor, ingestOnce } from "../core/ingest.ts";
import { silentLogger } from "../core/log.ts";
import type { AccountLookup, ChainPlugin, ChainScanner, IncomeEvent } from "../core/plugin.ts";
import { type CommitFloor, openCommitFloor } from "./commit_floor.ts";
import { openBenchDb } from "./db.ts";

/** How the ingest benchmark runs. */
export interface IngestOptions {
  /** Deposit addresses in the table for each case (the blocks' own accounts included). */
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
  /**
   * The statements inside the commit transaction (cursor update, incomes insert, …): wall
   * time with one or more in flight, as pipelined statements overlap.
   */
  commitStatements: number;
  /** Database queries outside the transaction: loading the cursor. */
  cursor: number;
  /** The floor of `commit`: the same block's minimal commit (see `commit_floor.ts`). */
  floorCommit: number;
  /** The floor of the incomes insert: its raw `INSERT ... unnest` inside `floorCommit`. */
  floorInsert: number;
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

/** One case's in-process chain, as {@linkcode IngestChain.openNode} builds it. */
export interface IngestNode {
  /** The chain's real scanner, reading the in-process node. */
  scanner: ChainScanner;
  /** Makes the first `blocks` blocks after the chain's first block available. */
  grow(blocks: number): void;
}

/** What a chain's ingest benchmark supplies; {@linkcode runIngestCases} does the rest. */
export interface IngestChain {
  /** The chain's name in error messages. */
  name: string;
  /** Transactions in every block, for the tx/s figures. */
  transactionsPerBlock: number;
  /**
   * Incomes every first-seen block must record (replayed blocks must record none); the run
   * throws otherwise, as it would be measuring a path that finds nothing. Unchecked if absent.
   */
  incomesPerBlock?: number;
  /** Bulk-inserts `total` deposit addresses, ours among them, into a fresh database. */
  insertAddresses(db: Db, total: number): Promise<void>;
  /**
   * A fresh chain starting at its first block, whose `k`-th block after it (from 0) holds the
   * fixture's block `blockAt(k)`.
   */
  openNode(blockAt: (k: number) => number): IngestNode;
  /** The plugin the processor runs around `scanner` (the instrumented one). */
  plugin(scanner: ChainScanner): ChainPlugin;
}

interface Timers {
  scan: number;
  lookup: number;
  commit: number;
  commitStatements: number;
  cursor: number;
  floorCommit: number;
  floorInsert: number;
}

function emptyTimers(): Timers {
  return {
    scan: 0,
    lookup: 0,
    commit: 0,
    commitStatements: 0,
    cursor: 0,
    floorCommit: 0,
    floorInsert: 0,
  };
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
      // Wall time with at least one statement in flight: pipelined statements overlap.
      let inFlight = 0;
      let since = 0;
      try {
        return await db.transaction((tx) =>
          fn({
            async query<R extends Row>(text: string, params?: readonly Param[]): Promise<R[]> {
              if (inFlight++ === 0) since = performance.now();
              try {
                return await tx.query<R>(text, params);
              } finally {
                if (--inFlight === 0) timers.commitStatements += performance.now() - since;
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
      floorCommit: t.floorCommit / t.blocks,
      floorInsert: t.floorInsert / t.blocks,
    },
  };
}

/** One case, ready to ingest: its database, processor context and instrumented plugin. */
interface CaseRunner {
  addresses: number;
  insertSeconds: number;
  /** Ingests `blocks` blocks; adds their time and breakdown to `into`. */
  ingest(blocks: number, into: PhaseTotals): Promise<void>;
  close(): Promise<void>;
}

/** Opens a fresh database for one case, fills it and points the processor at the chain. */
async function openCase(
  chain: IngestChain,
  addresses: number,
  options: IngestOptions,
): Promise<CaseRunner> {
  const unique = options.warmupBlocks + options.blocks;
  // Blocks 0 … unique-1 are first seen; later blocks replay the measured ones.
  const node = chain.openNode((k) =>
    k < unique ? k : options.warmupBlocks + (k - unique) % options.blocks
  );
  const testDb = await openBenchDb();
  try {
    const insertStart = performance.now();
    await chain.insertAddresses(testDb.db, addresses);
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
    const inner = node.scanner;
    // The floor commit of each block's rows runs beside the processor's: before it on even
    // blocks (right after the scan, where the first round trip after the block's CPU work
    // lands), after it on odd ones, so neither order favours one side.
    let floor: CommitFloor | null = null;
    let scannedBlocks = 0;
    let floorBeforeCommit = 0;
    const pending: { height: bigint; incomes: IncomeEvent[] }[] = [];
    /** Runs the floor of one block; returns the wall time it took, address lookup included. */
    const runFloor = async (block: { height: bigint; incomes: IncomeEvent[] }) => {
      const start = performance.now();
      const t = await floor!.commit(block.height, block.incomes);
      timers.floorCommit += t.commit;
      timers.floorInsert += t.insert;
      return performance.now() - start;
    };
    const scanner: ChainScanner = {
      initialCursor: () => inner.initialCursor(),
      async next(cursor, lookup) {
        const start = performance.now();
        const block = await inner.next(cursor, lookup);
        timers.scan += performance.now() - start;
        if (floor && block && "incomes" in block) {
          const rows = { height: block.cursor.height, incomes: block.incomes };
          if (scannedBlocks++ % 2 === 0) floorBeforeCommit += await runFloor(rows);
          else pending.push(rows);
        }
        return block;
      },
    };
    const plugin = chain.plugin(scanner);
    ctx.plugins = new Map([[plugin.chain, plugin]]);
    floor = await openCommitFloor(testDb.db, plugin.chain);
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
    node.grow(unique + options.blocks);

    const incomes = () => countIncomes(testDb.db);
    return {
      addresses,
      insertSeconds,
      async ingest(blocks, into) {
        const before = await incomes();
        Object.assign(timers, emptyTimers());
        let ms = 0;
        for (let i = 0; i < blocks; i++) {
          floorBeforeCommit = 0;
          const start = performance.now();
          if (!await ingestOnce(ctx, plugin, lookup)) {
            throw new Error("the chain ran out of blocks");
          }
          ms += performance.now() - start - floorBeforeCommit;
          for (const rows of pending.splice(0)) await runFloor(rows);
        }
        into.ms += ms;
        into.blocks += blocks;
        into.incomes += await incomes() - before;
        into.scan += timers.scan;
        into.lookup += timers.lookup;
        into.commit += timers.commit;
        into.commitStatements += timers.commitStatements;
        into.cursor += timers.cursor;
        into.floorCommit += timers.floorCommit;
        into.floorInsert += timers.floorInsert;
      },
      async close() {
        await floor?.close();
        await testDb.close();
      },
    };
  } catch (error) {
    await testDb.close();
    throw error;
  }
}

/**
 * Runs every case of one chain's ingest benchmark: `warmupBlocks` unmeasured blocks, then
 * `blocks` first-seen blocks, then the same blocks replayed. The cases' databases are open
 * side by side and measured in alternating chunks of `chunkBlocks`, so load from elsewhere on
 * the machine falls on every case alike and the ratio between them stays meaningful.
 */
export async function runIngestCases(
  chain: IngestChain,
  options: IngestOptions,
): Promise<IngestCase[]> {
  const runners: CaseRunner[] = [];
  try {
    for (const addresses of options.addressCounts) {
      runners.push(await openCase(chain, addresses, options));
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
    if (chain.incomesPerBlock !== undefined) {
      const expected = chain.incomesPerBlock * options.blocks;
      for (const [i, runner] of runners.entries()) {
        if (firstSeen[i].incomes !== expected || replayed[i].incomes !== 0) {
          throw new Error(
            `${chain.name} ingest with ${runner.addresses} addresses recorded ${
              firstSeen[i].incomes
            } + ${replayed[i].incomes} incomes, expected ${expected} + 0`,
          );
        }
      }
    }
    return runners.map((runner, i) => ({
      addresses: runner.addresses,
      insertSeconds: runner.insertSeconds,
      firstSeen: phaseOf(firstSeen[i], chain.transactionsPerBlock),
      replayed: phaseOf(replayed[i], chain.transactionsPerBlock),
    }));
  } finally {
    for (const runner of runners) await runner.close();
  }
}
