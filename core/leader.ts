/**
 * Leadership per chain worker: each chain's scanner and sender run in exactly one instance
 * at a time, whoever holds the Postgres advisory lock.
 */

import type { ProcessorContext } from "./context.ts";

/**
 * Runs `work` while this instance holds the lock `key`, retrying to take it while another
 * instance holds it, until `signal` aborts. `work` gets a signal that aborts when the lock is
 * lost or the caller stops.
 */
export async function runAsLeader(
  ctx: Pick<ProcessorContext, "clock" | "log" | "db">,
  key: string,
  signal: AbortSignal,
  work: (signal: AbortSignal) => Promise<void>,
  options: { retryMs?: number; checkMs?: number; takeoverDelayMs?: number } = {},
): Promise<void> {
  const retryMs = options.retryMs ?? 5000;
  const checkMs = options.checkMs ?? 2000;
  // A leader whose session died learns it at its next check; a new leader waits longer than
  // that before working, so the two never run together. (The store's guards keep money safe
  // even if they did: the cursor update and batch persistence are conditional writes.)
  // Embedded PGlite belongs to this one process, so no other instance can be leading.
  const takeoverDelayMs = options.takeoverDelayMs ??
    (ctx.db.engine === "pglite" ? 0 : 2 * checkMs + 1000);
  while (!signal.aborted) {
    let lock;
    try {
      lock = await ctx.db.tryLock(key);
    } catch (error) {
      ctx.log.warn("leader lock unavailable", { lock: key, error });
    }
    if (!lock) {
      await ctx.clock.sleep(retryMs, signal);
      continue;
    }
    await ctx.clock.sleep(takeoverDelayMs, signal);
    if (signal.aborted || !(await lock.alive())) {
      await lock.release().catch(() => {});
      continue;
    }
    ctx.log.info("leader", { lock: key });
    const inner = new AbortController();
    const stop = () => inner.abort();
    signal.addEventListener("abort", stop, { once: true });
    if (signal.aborted) inner.abort(); // stopped while the lock was being taken
    const watch = (async () => {
      while (!inner.signal.aborted) {
        await ctx.clock.sleep(checkMs, inner.signal);
        if (!inner.signal.aborted && !(await lock.alive())) {
          ctx.log.warn("leadership lost", { lock: key });
          inner.abort();
        }
      }
    })();
    try {
      await work(inner.signal);
    } finally {
      inner.abort();
      signal.removeEventListener("abort", stop);
      await watch;
      await lock.release().catch(() => {});
    }
  }
}
