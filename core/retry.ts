/**
 * Start-up steps that depend on a node or the database are retried with exponential backoff
 * rather than ending the process: a node hiccup or a database restart at the wrong moment must
 * not need a person to start the processor again (after the first start, the workers already
 * behave this way).
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import type { Logger } from "./log.ts";

/** Backoff of {@linkcode retryUntilDone}. */
export interface RetryOptions {
  /** First wait after a failure, ms (default 500). */
  firstDelayMs?: number;
  /** Longest wait, ms (default 30 000). */
  maxDelayMs?: number;
  /** Stops retrying: the last error is thrown. */
  signal?: AbortSignal;
}

/**
 * Runs `step` until it succeeds, waiting `firstDelayMs`, then twice as long each time up to
 * `maxDelayMs`, between attempts; each failure is logged as a warning naming `what`.
 */
export async function retryUntilDone<T>(
  clock: Clock,
  log: Logger,
  what: string,
  step: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const first = options.firstDelayMs ?? 500;
  const max = options.maxDelayMs ?? 30_000;
  for (let attempt = 0;; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const retryInMs = Math.min(max, first * 2 ** Math.min(attempt, 20));
      log.warn(`start: ${what} failed; retrying`, { error, attempt: attempt + 1, retryInMs });
      await clock.sleep(retryInMs, options.signal);
    }
  }
}
