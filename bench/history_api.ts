/**
 * GET /v1/deposit/history through the real app (`createApp`) served by `Deno.serve` on
 * loopback, over a database holding many users' incomes. Client and server share this
 * process (and its cores).
 *
 * @module
 */

import { createApp } from "../api/app.ts";
import { systemClock } from "../core/clock.ts";
import { parseConfig } from "../host/registry.ts";
import type { ProcessorContext } from "../core/context.ts";
import { silentLogger } from "../core/log.ts";
import { openBenchDb } from "./db.ts";
import { BENCH_CHAIN, benchPlugin } from "./plugin.ts";
import { percentile } from "./stats.ts";

/** How the history benchmark runs. */
export interface HistoryOptions {
  users: number;
  incomesPerUser: number;
  /** Requests measured, after `warmup` unmeasured ones. */
  requests: number;
  warmup: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** `limit` of each request. */
  limit: number;
}

/** Figures of the history benchmark. */
export interface HistoryResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Seconds the bulk insert of addresses and incomes took. */
  insertSeconds: number;
}

const TOKEN = "bench-token-0123456789abcdef";

/** Runs the history benchmark on a fresh database. */
export async function benchHistoryApi(options: HistoryOptions): Promise<HistoryResult> {
  const testDb = await openBenchDb();
  const { db } = testDb;
  try {
    const insertStart = performance.now();
    await db.query(
      `insert into addresses (chain, currency, user_id, address, display, derivation_index)
       select $1, 'TON', 'user-' || g, '0:' || md5('a' || g) || md5('b' || g),
         'UQ' || substr(md5('d' || g) || md5('e' || g), 1, 46), g
       from generate_series(1, $2::int) g`,
      [BENCH_CHAIN, options.users],
    );
    await db.query(
      `insert into incomes (chain, currency, address_id, source_address, amount, comment,
         tx_hash, event_index, block_height, block_time)
       select a.chain, 'TON', a.id, 'UQ' || substr(md5('s' || k) || md5('t' || k), 1, 46),
         (1000000000 + a.id * 1000 + k)::numeric, 'deposit ' || k,
         md5(a.id || ':' || k) || md5(k || ':' || a.id), 0, 1000 + k,
         1760000000 + k * 60 + (a.id % 60)
       from addresses a cross join generate_series(1, $1::int) k`,
      [options.incomesPerUser],
    );
    await db.query("analyze");
    const insertSeconds = (performance.now() - insertStart) / 1000;

    const ctx: ProcessorContext = {
      db,
      config: parseConfig({ api: { tokens: [TOKEN] } }),
      plugins: new Map([[BENCH_CHAIN, benchPlugin()]]),
      clock: systemClock,
      log: silentLogger,
    };
    const app = createApp(ctx);
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
    try {
      const base = `http://127.0.0.1:${server.addr.port}/v1/deposit/history`;
      const headers = { Authorization: `Bearer ${TOKEN}` };
      const one = async (): Promise<number> => {
        const user = 1 + Math.floor(Math.random() * options.users);
        const start = performance.now();
        const response = await fetch(
          `${base}?user_id=user-${user}&currency=TON&limit=${options.limit}`,
          { headers },
        );
        const body = await response.json() as { incomes?: unknown[] };
        const ms = performance.now() - start;
        const expected = Math.min(options.limit, options.incomesPerUser);
        if (response.status !== 200 || body.incomes?.length !== expected) {
          throw new Error(`unexpected answer ${response.status}: ${JSON.stringify(body)}`);
        }
        return ms;
      };
      const run = async (count: number): Promise<{ latencies: number[]; ms: number }> => {
        const latencies: number[] = [];
        let issued = 0;
        const start = performance.now();
        const worker = async () => {
          while (issued < count) {
            issued++;
            latencies.push(await one());
          }
        };
        await Promise.all(Array.from({ length: options.concurrency }, worker));
        return { latencies, ms: performance.now() - start };
      };

      await run(options.warmup);
      const { latencies, ms } = await run(options.requests);
      return {
        requests: latencies.length,
        seconds: ms / 1000,
        requestsPerSecond: latencies.length / (ms / 1000),
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        maxMs: Math.max(...latencies),
        insertSeconds,
      };
    } finally {
      await server.shutdown();
    }
  } finally {
    await testDb.close();
  }
}
