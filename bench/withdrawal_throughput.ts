/**
 * Withdrawal throughput: `count` withdrawals of one currency queued through the HTTP API
 * (`POST /v1/withdrawal/send`, `concurrency` requests at a time) on the live processor, and
 * the time until every one is `processed` (its payload seen on chain by the scanner). On
 * Postgres the requests and the status polls run in a worker thread, so that the devnets'
 * emulation on the main thread delays neither the requests nor when the end is seen.
 *
 * @module
 */

import type { Db } from "../core/db.ts";
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

/** One run's withdrawals. */
export interface WithdrawalLoad {
  currency: string;
  destination: string;
  /** Base units, as a decimal string (it crosses to the worker). */
  amount: string;
  count: number;
  concurrency: number;
  timeoutSeconds: number;
}

async function statusCounts(
  db: Db,
  ids: readonly bigint[],
): Promise<{ processed: number; failed: number }> {
  const [row] = await db.query<{ processed: number; failed: number }>(
    `select count(*) filter (where status = 'processed')::int as processed,
            count(*) filter (where status = 'failed')::int as failed
     from withdrawals where id = any($1::bigint[])`,
    [ids.map(String)],
  );
  return row;
}

/** Queues the load through the API at `url` and waits, on `db`, until all are `processed`. */
export async function queueAndWait(
  url: string,
  token: string,
  db: Db,
  load: WithdrawalLoad,
): Promise<Omit<WithdrawalRun, "blocksPerSecond">> {
  const run = crypto.randomUUID().slice(0, 8);
  const ids: bigint[] = [];
  let next = 0;
  const started = performance.now();
  const send = async () => {
    while (next < load.count) {
      const i = next++;
      const response = await fetch(`${url}/v1/withdrawal/send`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          user_id: `bench-${run}`,
          query_id: `${load.currency}-${i}`,
          currency: load.currency,
          amount: load.amount,
          destination: load.destination,
        }),
      });
      const body = await response.json();
      if (response.status !== 200) throw new Error(`withdrawal ${i}: ${JSON.stringify(body)}`);
      ids.push(BigInt(body.ID));
    }
  };
  await Promise.all(Array.from({ length: load.concurrency }, send));
  const queued = performance.now();
  let firstProcessed: number | null = null;
  let counts = { processed: 0, failed: 0 };
  const deadline = started + load.timeoutSeconds * 1000;
  while (performance.now() < deadline) {
    counts = await statusCounts(db, ids);
    if (counts.processed > 0) firstProcessed ??= performance.now();
    if (counts.processed + counts.failed >= ids.length) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const done = performance.now();
  return {
    count: ids.length,
    queueSeconds: (queued - started) / 1000,
    totalSeconds: (done - started) / 1000,
    drainSeconds: (done - (firstProcessed ?? done)) / 1000,
    allProcessed: counts.processed === ids.length && counts.failed === 0,
  };
}

/** Runs `load` on the live processor; `height` is the devnet's height now. */
export async function benchWithdrawals(
  live: LiveProcessor,
  load: WithdrawalLoad,
  height: () => number,
): Promise<WithdrawalRun> {
  const startHeight = height();
  const started = performance.now();
  let result: Omit<WithdrawalRun, "blocksPerSecond">;
  if (live.postgres) {
    const worker = new Worker(new URL("./withdrawal_worker.ts", import.meta.url).href, {
      type: "module",
    });
    try {
      result = await new Promise((resolve, reject) => {
        worker.onmessage = (e) =>
          "error" in e.data ? reject(new Error(e.data.error)) : resolve(e.data);
        worker.onerror = (e) => reject(e.error ?? new Error(e.message));
        worker.postMessage({ url: live.url, token: live.token, ...live.postgres, load });
      });
    } finally {
      worker.terminate();
    }
  } else {
    result = await queueAndWait(live.url, live.token, live.db, load);
  }
  const seconds = (performance.now() - started) / 1000;
  return { ...result, blocksPerSecond: (height() - startHeight) / seconds };
}
