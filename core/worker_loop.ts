/**
 * The loop every background worker runs: one pass, then a wait of the interval (or none when
 * the pass says more is waiting), backing off by the one retry policy of `retry.ts` while
 * passes fail, until stopped. A wake-up cuts an idle wait short; leadership runs the loop
 * only while this instance holds the worker's lock (see {@linkcode runAsLeader}).
 *
 * A failed pass is never skipped: the next pass starts from the same persisted state, so a
 * worker's progress is what its passes committed.
 *
 * @module
 */

import type { ProcessorContext } from "./context.ts";
import { runAsLeader } from "./leader.ts";
import { backoffDelayMs, MAX_DELAY_MS } from "./retry.ts";

/**
 * One pass of a worker. Resolving `true` says more work is waiting, so the next pass starts
 * at once; anything else waits the interval first. A rejection backs off.
 */
export type WorkerPass = () => Promise<boolean | void>;

/**
 * Subscribes `wake` to whatever should end an idle wait early (a delivery settling, say);
 * returns the unsubscribe. Called before each pass, so an event during the pass counts too.
 */
export type WakeUp = (wake: () => void) => () => void;

/** What the workers need from the processor: its clock, its log and, to lead, its store. */
export type WorkerContext = Pick<ProcessorContext, "clock" | "log" | "db">;

/** How a worker loop runs. */
export interface WorkerLoopOptions {
  /** The warning logged when a pass fails. */
  failure: string;
  /** Extra fields for the failure log line (the chain, say). */
  logFields?: Record<string, unknown>;
  /** Wait between passes, ms (default 1000). */
  intervalMs?: number;
  /** Wait after the first failed pass, ms (default twice the interval). */
  firstDelayMs?: number;
  /** Longest wait after failures, ms (default 30 000). */
  maxDelayMs?: number;
  /** Ends the wait after a successful pass early; a backoff is always slept out whole. */
  wakeUp?: WakeUp;
  /** Runs only while this instance holds the advisory lock of this key. */
  leader?: string;
}

/** The options every worker's `run…` function passes on to {@linkcode runWorkerLoop}. */
export type WorkerOptions = Pick<WorkerLoopOptions, "intervalMs" | "leader">;

/**
 * Runs `pass` over and over until `signal` aborts; resolves once the pass in progress has
 * finished. Failures are logged as warnings with the wait before the next try (`retryInMs`).
 */
export async function runWorkerLoop(
  ctx: WorkerContext,
  signal: AbortSignal,
  pass: WorkerPass,
  options: WorkerLoopOptions,
): Promise<void> {
  if (options.leader !== undefined) {
    const { leader, ...rest } = options;
    return await runAsLeader(ctx, leader, signal, (led) => runWorkerLoop(ctx, led, pass, rest));
  }
  const intervalMs = options.intervalMs ?? 1000;
  const backoff = {
    firstDelayMs: options.firstDelayMs ?? 2 * intervalMs,
    maxDelayMs: options.maxDelayMs ?? MAX_DELAY_MS,
  };
  let failures = 0;
  while (!signal.aborted) {
    // Subscribed before the pass, so a wake-up while it runs still cuts the wait short.
    const woken = new AbortController();
    const unsubscribe = options.wakeUp?.(() => woken.abort());
    try {
      const more = await pass();
      failures = 0;
      if (more !== true) {
        await ctx.clock.sleep(intervalMs, AbortSignal.any([signal, woken.signal]));
      }
    } catch (error) {
      failures++;
      const retryInMs = backoffDelayMs(failures, backoff);
      ctx.log.warn(options.failure, { ...options.logFields, error, retryInMs });
      await ctx.clock.sleep(retryInMs, signal);
    } finally {
      unsubscribe?.();
    }
  }
}
