/**
 * Withdrawal throughput: `count` withdrawals of one currency queued through the HTTP API
 * (`POST /v1/withdrawal/send`, `concurrency` requests at a time) on the live processor, and
 * the time until every one is `processed` (its payload seen on chain by the scanner).
 *
 * @module
 */

import type { LiveProcessor } from "./live_processor.ts";

/** What one run measured. */
export interface WithdrawalRun {
  count: number;
  /** From the first request to the last answer, s. */
  queueSeconds: number;
  /** From the first request until all are `processed`, s. */
  totalSeconds: number;
  /** From the first `processed` until the last, s. */
  drainSeconds: number;
  /** Every withdrawal's id went `processed` exactly once, and none failed. */
  allProcessed: boolean;
  /** Blocks the devnet sealed per second meanwhile (slower than its interval on a busy host). */
  blocksPerSecond: number;
}

async function statusCounts(
  live: LiveProcessor,
  ids: readonly bigint[],
): Promise<{ processed: number; failed: number }> {
  const [row] = await live.running.ctx.db.query<{ processed: number; failed: number }>(
    `select count(*) filter (where status = 'processed')::int as processed,
            count(*) filter (where status = 'failed')::int as failed
     from withdrawals where id = any($1::bigint[])`,
    [ids.map(String)],
  );
  return row;
}

/** Queues `count` withdrawals of `currency` to `destination` and waits for all `processed`. */
export async function benchWithdrawals(
  live: LiveProcessor,
  options: {
    currency: string;
    destination: string;
    amount: bigint;
    count: number;
    concurrency: number;
    timeoutSeconds: number;
    /** The devnet's height now. */
    height: () => number;
  },
): Promise<WithdrawalRun> {
  const run = crypto.randomUUID().slice(0, 8);
  const ids: bigint[] = [];
  let next = 0;
  const startHeight = options.height();
  const started = performance.now();
  const send = async () => {
    while (next < options.count) {
      const i = next++;
      const response = await fetch(`${live.running.url}/v1/withdrawal/send`, {
        method: "POST",
        headers: { authorization: `Bearer ${live.token}`, "content-type": "application/json" },
        body: JSON.stringify({
          user_id: `bench-${run}`,
          query_id: `${options.currency}-${i}`,
          currency: options.currency,
          amount: options.amount.toString(),
          destination: options.destination,
        }),
      });
      const body = await response.json();
      if (response.status !== 200) throw new Error(`withdrawal ${i}: ${JSON.stringify(body)}`);
      ids.push(BigInt(body.ID));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, send));
  const queued = performance.now();
  let firstProcessed: number | null = null;
  let counts = { processed: 0, failed: 0 };
  const deadline = started + options.timeoutSeconds * 1000;
  while (performance.now() < deadline) {
    counts = await statusCounts(live, ids);
    if (counts.processed > 0) firstProcessed ??= performance.now();
    if (counts.processed + counts.failed >= ids.length) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const done = performance.now();
  return {
    blocksPerSecond: (options.height() - startHeight) / ((done - started) / 1000),
    count: ids.length,
    queueSeconds: (queued - started) / 1000,
    totalSeconds: (done - started) / 1000,
    drainSeconds: (done - (firstProcessed ?? done)) / 1000,
    allProcessed: counts.processed === ids.length && counts.failed === 0,
  };
}
