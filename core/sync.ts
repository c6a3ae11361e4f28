/** The sync tracker: how far behind the chain each scanner is. */

import type { ProcessorContext } from "./context.ts";
import { loadCursor } from "./store/cursors.ts";

/** Sync state of one chain. */
export interface ChainSync {
  chain: string;
  isSynced: boolean;
  /** Generation time of the last scanned block, unix seconds; 0 before the first. */
  lastBlockTime: number;
  lastBlockHeight: string | null;
  lagSeconds: number | null;
}

/** Sync state of one chain from its persisted cursor and the clock. */
export async function chainSync(ctx: ProcessorContext, chain: string): Promise<ChainSync> {
  const cursor = await loadCursor(ctx.db, chain);
  if (!cursor) {
    return { chain, isSynced: false, lastBlockTime: 0, lastBlockHeight: null, lagSeconds: null };
  }
  const lag = Math.max(0, Math.floor(ctx.clock.now() / 1000) - cursor.time);
  return {
    chain,
    isSynced: lag <= ctx.config.syncLagSeconds,
    lastBlockTime: cursor.time,
    lastBlockHeight: cursor.height.toString(),
    lagSeconds: lag,
  };
}

/** Sync state of every enabled chain; synced only when all are. */
export async function overallSync(
  ctx: ProcessorContext,
): Promise<{ isSynced: boolean; lastBlockTime: number; chains: ChainSync[] }> {
  const chains = await Promise.all([...ctx.plugins.keys()].map((c) => chainSync(ctx, c)));
  return {
    isSynced: chains.length > 0 && chains.every((c) => c.isSynced),
    lastBlockTime: chains.length ? Math.min(...chains.map((c) => c.lastBlockTime)) : 0,
    chains,
  };
}
