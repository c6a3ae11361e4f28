/**
 * GET /v1/deposit/history through the real app (`createApp`) served by `Deno.serve` on
 * loopback, over a database holding many users' incomes, with its two floors measured in
 * the same run under the same load generator: a bare Hono route answering a page of the same
 * size (what HTTP and JSON cost on this machine), and the history query alone through the
 * same postgres.js pool (what the database costs). Client and server share this process (and
 * its cores). Every answer is checked: its status, the rows a page must hold, their order.
 *
 * @module
 */

import { Hono } from "hono";
import postgres from "postgres";
import { createApp } from "../api/app.ts";
import { systemClock } from "../core/clock.ts";
import { type Db, defaultPoolSize, openPostgres } from "../core/db.ts";
import { incomeHistory } from "../core/store/incomes.ts";
import { parseConfig } from "../host/registry.ts";
import type { ProcessorContext } from "../core/context.ts";
import { silentLogger } from "../core/log.ts";
import { benchEngine, openBenchDb } from "./db.ts";
import { BENCH_CHAIN, benchPlugin } from "./plugin.ts";
import { median, percentile } from "./stats.ts";

/** How the history benchmark runs. */
export interface HistoryOptions {
  users: number;
  incomesPerUser: number;
  /** Requests measured, after `warmup` unmeasured ones, for each of the three figures. */
  requests: number;
  warmup: number;
  /**
   * The measured requests are split into this many rounds, each running the three targets
   * in turn, so a machine whose speed drifts (other work on shared cores) slows all three
   * alike and the ratios stay meaningful.
   */
  rounds: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** `limit` of each request. */
  limit: number;
  /** Connections of the app's Postgres pool; the production default when absent. */
  poolSize?: number;
}

/** Throughput and latency of one figure. */
export interface LoadFigure {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Figures of the history benchmark. */
export interface HistoryResult {
  /** The project: the history route of the real app. */
  api: LoadFigure;
  /** Floor: a bare Hono route answering a page of the same size, same load generator. */
  bareRoute: LoadFigure;
  /** Floor: the history query alone (`incomeHistory`) through the same pool, no HTTP. */
  query: LoadFigure;
  /** Median over the rounds of the API's rate over the bare route's. */
  ratioToBareRoute: number;
  /** Median over the rounds of the API's rate over the query's. */
  ratioToQuery: number;
  /** Seconds the bulk insert of addresses and incomes (and its vacuum) took. */
  insertSeconds: number;
  /** Incomes in the table. */
  incomes: number;
  /** Connections of the app's pool (PGlite: one session). */
  poolSize: number;
}

const TOKEN = "bench-token-0123456789abcdef";

/** Latencies of `count` calls of `one`, `concurrency` at a time, and the seconds they took. */
async function load(
  count: number,
  concurrency: number,
  one: () => Promise<void>,
): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let issued = 0;
  const start = performance.now();
  const worker = async () => {
    while (issued < count) {
      issued++;
      const t = performance.now();
      await one();
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, seconds: (performance.now() - start) / 1000 };
}

/** The figure of several rounds of one target. */
function figure(rounds: readonly { latencies: number[]; seconds: number }[]): LoadFigure {
  const latencies = rounds.flatMap((r) => r.latencies);
  const seconds = rounds.reduce((sum, r) => sum + r.seconds, 0);
  return {
    requests: latencies.length,
    seconds,
    requestsPerSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.reduce((a, b) => Math.max(a, b), 0),
  };
}

/** Throws unless `times` is a full page in the order asked (newest first). */
function checkPage(times: readonly number[], expected: number, what: string): void {
  if (times.length !== expected) {
    throw new Error(`${what}: ${times.length} incomes, expected ${expected}`);
  }
  for (let i = 1; i < times.length; i++) {
    if (times[i] > times[i - 1]) throw new Error(`${what}: incomes out of order at ${i}`);
  }
}

/**
 * Fills the tables: `users` users with one TON address each, and `incomesPerUser` incomes
 * each. Incomes go in time order across users, as deposits arrive, so one user's incomes lie
 * on as many pages as a real history's do. On Postgres this runs on a connection of its own,
 * without the pool's statement timeout, and ends with the vacuum a long-lived table has had.
 */
async function fill(db: Db, options: HistoryOptions): Promise<void> {
  const statements = [
    `insert into addresses (chain, currency, user_id, address, display, derivation_index)
     select '${BENCH_CHAIN}', 'TON', 'user-' || g, '0:' || md5('a' || g) || md5('b' || g),
       'UQ' || substr(md5('d' || g) || md5('e' || g), 1, 46), g
     from generate_series(1, ${options.users}) g`,
    `insert into incomes (chain, currency, address_id, user_id, source_address, amount, comment,
       tx_hash, event_index, block_height, block_time)
     select a.chain, 'TON', a.id, a.user_id, 'UQ' || substr(md5('s' || k) || md5('t' || k), 1, 46),
       (1000000000 + a.id * 1000 + k)::numeric, 'deposit ' || k,
       md5(a.id || ':' || k) || md5(k || ':' || a.id), 0, 1000 + k,
       1760000000 + k * 60 + (a.id % 60)
     from generate_series(1, ${options.incomesPerUser}) k cross join addresses a
     order by k, a.id`,
    "vacuum analyze addresses",
    "vacuum analyze incomes",
  ];
  if (db.engine === "pglite") {
    for (const statement of statements) await db.query(statement);
    return;
  }
  const [{ schema }] = await db.query<{ schema: string }>("select current_schema() as schema");
  const bulk = postgres(Deno.env.get("DATABASE_URL")!, {
    max: 1,
    onnotice: () => {},
    connection: { search_path: schema },
  });
  try {
    for (const statement of statements) await bulk.unsafe(statement).simple();
  } finally {
    await bulk.end();
  }
}

/** Runs the history benchmark on a fresh database. */
export async function benchHistoryApi(options: HistoryOptions): Promise<HistoryResult> {
  const testDb = await openBenchDb();
  // The app gets a pool sized as production sizes it, not the test harness's.
  const poolSize = options.poolSize ?? defaultPoolSize();
  let db = testDb.db;
  try {
    const insertStart = performance.now();
    await fill(db, options);
    const insertSeconds = (performance.now() - insertStart) / 1000;
    if (benchEngine() === "postgres") {
      const [{ schema }] = await db.query<{ schema: string }>("select current_schema() as schema");
      db = openPostgres(Deno.env.get("DATABASE_URL")!, { max: poolSize, schema });
    }
    const expected = Math.min(options.limit, options.incomesPerUser);
    const randomUser = () => `user-${1 + Math.floor(Math.random() * options.users)}`;

    const query = async () => {
      const incomes = await incomeHistory(db, {
        userId: randomUser(),
        currency: "TON",
        limit: options.limit,
        offset: 0,
        order: "desc",
      });
      checkPage(incomes.map((i) => i.time), expected, "history query");
    };

    const ctx: ProcessorContext = {
      db,
      config: parseConfig({ api: { tokens: [TOKEN] } }),
      plugins: new Map([[BENCH_CHAIN, benchPlugin()]]),
      clock: systemClock,
      log: silentLogger,
    };
    const headers = { Authorization: `Bearer ${TOKEN}` };
    const request = (base: string) => async () => {
      const response = await fetch(
        `${base}/v1/deposit/history?user_id=${randomUser()}&currency=TON&limit=${options.limit}`,
        { headers },
      );
      const body = await response.json() as { incomes?: { time: number }[] };
      if (response.status !== 200) {
        throw new Error(`unexpected answer ${response.status}: ${JSON.stringify(body)}`);
      }
      checkPage((body.incomes ?? []).map((i) => i.time), expected, "history API");
    };

    // One real page, answered as is by a route with nothing behind it.
    const sample = await createApp(ctx).request(
      `/v1/deposit/history?user_id=user-1&currency=TON&limit=${options.limit}`,
      { headers },
    );
    const page = await sample.json();
    const bare = new Hono();
    bare.get("/v1/deposit/history", (c) => c.json(page));

    const serve = (fetch: (r: Request) => Response | Promise<Response>) =>
      Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, fetch);
    const servers = [serve(bare.fetch), serve(createApp(ctx).fetch)];
    try {
      const [bareCall, apiCall] = servers.map((s) => request(`http://127.0.0.1:${s.addr.port}`));
      const targets = [apiCall, bareCall, query];
      for (const target of targets) await load(options.warmup, options.concurrency, target);
      const rounds: { latencies: number[]; seconds: number }[][] = [[], [], []];
      const perRound = Math.ceil(options.requests / options.rounds);
      for (let round = 0; round < options.rounds; round++) {
        for (const [i, target] of targets.entries()) {
          rounds[i].push(await load(perRound, options.concurrency, target));
        }
      }
      const rate = (r: { latencies: number[]; seconds: number }) => r.latencies.length / r.seconds;
      const ratio = (of: number) =>
        median(rounds[0].map((api, round) => rate(api) / rate(rounds[of][round])));
      return {
        api: figure(rounds[0]),
        bareRoute: figure(rounds[1]),
        query: figure(rounds[2]),
        ratioToBareRoute: ratio(1),
        ratioToQuery: ratio(2),
        insertSeconds,
        incomes: options.users * options.incomesPerUser,
        poolSize: db.engine === "postgres" ? poolSize : 1,
      };
    } finally {
      for (const server of servers) await server.shutdown();
      if (db !== testDb.db) await db.close();
    }
  } finally {
    await testDb.close();
  }
}
