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
  ctx: ProcessorContext,
  key: string,
  signal: AbortSignal,
  work: (signal: AbortSignal) => Promise<void>,
  options: { retryMs?: number; checkMs?: number } = {},
): Promise<void> {
  const retryMs = options.retryMs ?? 5000;
  const checkMs = options.checkMs ?? 5000;
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
