/**
 * The ingest loop: scan the next block after the persisted cursor and commit its events with
 * the new cursor in one transaction. A failed block is retried from the same cursor, never
 * skipped; a replayed block inserts nothing new.
 */

import type { ProcessorContext } from "./context.ts";
import { wholeUnits } from "./metrics.ts";
import type { AccountLookup, ChainPlugin, Cursor } from "./plugin.ts";
import { ownedDeposits } from "./store/addresses.ts";
import { commitBlock, commitRollback, initCursor, loadCursor } from "./store/cursors.ts";
import { landedTopic } from "./wake.ts";
import { runWorkerLoop, type WorkerOptions } from "./worker_loop.ts";

/** Shortest wait between two caught-up polls, ms: polling faster only burns CPU. */
export const MIN_POLL_INTERVAL_MS = 50;
/** Longest wait between two caught-up polls, ms. */
export const MAX_POLL_INTERVAL_MS = 1000;

/**
 * The wait between caught-up polls that spends at most half of a node's `rps` (requests per
 * second) on polls of `requestsPerPoll` requests each, leaving the rest to catching up and
 * the sender; between {@linkcode MIN_POLL_INTERVAL_MS} and {@linkcode MAX_POLL_INTERVAL_MS}.
 */
export function pollIntervalWithin(rps: number, requestsPerPoll = 1): number {
  const ms = Math.ceil((2 * 1000 * requestsPerPoll) / rps);
  return Math.min(MAX_POLL_INTERVAL_MS, Math.max(MIN_POLL_INTERVAL_MS, ms));
}

/** The per-block ownership lookup: our deposit addresses plus the hot wallet. */
export function accountLookup(ctx: ProcessorContext, plugin: ChainPlugin): AccountLookup {
  const hot = plugin.derivation.hotWallet;
  return async (addresses) => {
    const owned = await ownedDeposits(ctx.db, plugin.chain, addresses);
    if (addresses.includes(hot.address)) {
      owned.set(hot.address, { ...hot, kind: "hot", currency: null, owner: null, watch: null });
    }
    return owned;
  };
}

/** The cursor in force, starting at the chain's tip the first time. */
export async function currentCursor(ctx: ProcessorContext, plugin: ChainPlugin): Promise<Cursor> {
  return await loadCursor(ctx.db, plugin.chain) ??
    await initCursor(ctx.db, plugin.chain, await plugin.scanner.initialCursor());
}

/** Ingests at most one block; false when the chain had none yet. */
export async function ingestOnce(
  ctx: ProcessorContext,
  plugin: ChainPlugin,
  lookup: AccountLookup = accountLookup(ctx, plugin),
): Promise<boolean> {
  return await ingestAfter(ctx, plugin, lookup, await currentCursor(ctx, plugin)) !== null;
}

/**
 * Ingests at most the block after `cursor`, which the commit checks is still the persisted
 * one; returns the cursor now in force, or null when the chain had no block yet.
 */
async function ingestAfter(
  ctx: ProcessorContext,
  plugin: ChainPlugin,
  lookup: AccountLookup,
  cursor: Cursor,
): Promise<Cursor | null> {
  const block = await plugin.scanner.next(cursor, lookup);
  if (!block) return null;
  if ("to" in block) {
    const undone = await ctx.db.transaction((tx) =>
      commitRollback(tx, plugin.chain, cursor, block.to, plugin.requiredConfirmations)
    );
    ctx.log.warn("fork: blocks rolled back", {
      chain: plugin.chain,
      from: cursor.height,
      to: block.to.height,
      ...undone,
    });
    // Payloads seen only on the dropped blocks are open again: the sender judges them now.
    ctx.wakes?.notify(landedTopic(plugin.chain));
    return block.to;
  }
  // The hot wallet pays deposits only to fund their sweeps (withdrawals to our own deposits
  // are refused): that is our money coming back, never a user's income.
  const hot = plugin.derivation.hotWallet.display;
  const incomes = block.incomes.filter((i) => i.from !== hot);
  const { newIncomes, unknownSightings, tripwires } = await ctx.db.transaction((tx) =>
    commitBlock(tx, plugin.chain, cursor, { ...block, incomes })
  );
  // Our payloads landed: a sequence-numbered wallet may sign its next one, and the window
  // of payloads in flight has room again. (An alarm this block raised halts it instead.)
  if (block.sightings.length) ctx.wakes?.notify(landedTopic(plugin.chain));
  const metrics = ctx.metrics;
  if (metrics) {
    const chain = plugin.chain;
    metrics.blocksScanned.inc({ chain });
    if (block.transactionCount) metrics.transactionsScanned.inc({ chain }, block.transactionCount);
    // Counted from the block, not the insert: a replayed block counts again, which only a
    // crash between commit and here causes.
    for (const income of incomes) {
      const decimals = plugin.assets.find((a) => a.code === income.currency)?.decimals ?? 0;
      metrics.incomes.inc({ chain, currency: income.currency });
      metrics.incomeAmount.inc(
        { chain, currency: income.currency },
        wholeUnits(income.amount, decimals),
      );
    }
  }
  for (const tx of tripwires) {
    ctx.log.error("alarm raised: sender halted", { chain: plugin.chain, tx });
  }
  for (const tx of unknownSightings) {
    // Signed with our key but not by this processor: someone else holds the key, or an
    // operator sent by hand. The commit raised a foreign_spend alarm: sending stops.
    ctx.log.error("alarm raised: outgoing transaction not sent by this processor; sender halted", {
      chain: plugin.chain,
      tx,
    });
  }
  if (newIncomes || block.sightings.length) {
    ctx.log.info("block ingested", {
      chain: plugin.chain,
      height: block.cursor.height,
      incomes: newIncomes,
      sightings: block.sightings.length,
    });
  }
  return block.cursor;
}

/**
 * Runs ingestion until `signal` aborts: as fast as blocks come, polling every interval when
 * caught up (the scanner's `pollIntervalMs` unless `options` set one); a failed block is
 * retried from the same cursor after a backoff.
 */
export async function runIngest(
  ctx: ProcessorContext,
  plugin: ChainPlugin,
  signal: AbortSignal,
  options: WorkerOptions = {},
): Promise<void> {
  const lookup = accountLookup(ctx, plugin);
  // The cursor this loop last committed or read: a caught-up poll then costs the node one
  // request and the database none. Commits check it is still the persisted one (another
  // leader may have moved it meanwhile); after any failure it is read again.
  let cursor: Cursor | null = null;
  const pass = async () => {
    try {
      cursor ??= await currentCursor(ctx, plugin);
      const next = await ingestAfter(ctx, plugin, lookup, cursor);
      if (next) cursor = next;
      return next !== null;
    } catch (error) {
      cursor = null;
      throw error;
    }
  };
  await runWorkerLoop(ctx, signal, pass, {
    ...options,
    intervalMs: options.intervalMs ?? plugin.scanner.pollIntervalMs,
    // Polling fast is one cheap request; retrying a failing node as fast is not.
    firstDelayMs: 2 * (options.intervalMs ?? 1000),
    failure: "ingest failed; retrying the same block",
    logFields: { chain: plugin.chain },
  });
}
