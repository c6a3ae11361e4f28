/**
 * The one retry policy: after a failure, wait `firstDelayMs`, then twice as long after each
 * further failure in a row, never longer than `maxDelayMs`. The background workers (see
 * {@linkcode runWorkerLoop} in `worker_loop.ts`) and the start-up steps both back off by it.
 *
 * Start-up steps that depend on a node or the database are retried rather than ending the
 * process: a node hiccup or a database restart at the wrong moment must not need a person to
 * start the processor again.
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import type { Logger } from "./log.ts";

/** The exponential backoff every retry in the processor follows. */
export interface Backoff {
  /** Wait after the first failure, ms. */
  firstDelayMs: number;
  /** Longest wait, ms. */
  maxDelayMs: number;
}

/** The longest wait of any retry, unless a caller says otherwise: 30 s. */
export const MAX_DELAY_MS = 30_000;

/**
 * How long to wait after `failures` failures in a row (1 or more) under `backoff`.
 *
 * @example
 * ```ts
 * backoffDelayMs(3, { firstDelayMs: 500, maxDelayMs: 30_000 }); // 2000
 * ```
 */
export function backoffDelayMs(failures: number, backoff: Backoff): number {
  // Capping the exponent keeps the arithmetic finite however long an outage lasts.
  const doublings = Math.min(Math.max(failures - 1, 0), 30);
  return Math.min(backoff.maxDelayMs, backoff.firstDelayMs * 2 ** doublings);
}

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
 * Runs `step` until it succeeds, backing off by {@linkcode backoffDelayMs} between attempts;
 * each failure is logged as a warning naming `what`.
 */
export async function retryUntilDone<T>(
  clock: Clock,
  log: Logger,
  what: string,
  step: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const backoff = {
    firstDelayMs: options.firstDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? MAX_DELAY_MS,
  };
  for (let failures = 1;; failures++) {
    try {
      return await step();
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const retryInMs = backoffDelayMs(failures, backoff);
      log.warn(`start: ${what} failed; retrying`, { error, attempt: failures, retryInMs });
      await clock.sleep(retryInMs, options.signal);
    }
  }
}
