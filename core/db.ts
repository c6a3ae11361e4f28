/**
 * The one database interface the core uses, with two engines behind it: a Postgres server
 * through postgres.js, or PGlite (Postgres in WASM) embedded in a data directory. Both run
 * the same SQL.
 */

import postgres from "postgres";
import { PGlite } from "@electric-sql/pglite";
import {
  DatabaseUnavailableError,
  isConnectionLost,
  isUnavailable,
  unavailableAfter,
} from "./db_unavailable.ts";

/** Default server-side `statement_timeout`, milliseconds. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 4000;
/** Default time to open a connection, seconds. */
export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 3;
/**
 * The server ends a lock's session after this long without a query, releasing the lock. A
 * leader checks its lock every few seconds, so a live one never idles this long; one cut off
 * without its socket closing (a partition, a frozen or powered-off host) would otherwise keep
 * the lock until TCP keepalive gives up on it, over two hours by Linux defaults, and no other
 * instance could take over meanwhile.
 */
export const LOCK_IDLE_SESSION_TIMEOUT_MS = 15_000;

/**
 * Connections a Postgres pool opens by default: two per core of this host. A query keeps a
 * server process busy only while it computes or waits on I/O, so a couple per core keeps the
 * cores busy; more only queue on the same cores and lengthen the tail. postgres.js pipelines
 * further queries on busy connections, so load beyond the pool waits in the socket, not in a
 * queue of its own. A database server with more cores than this host takes
 * `database.poolSize`.
 */
export function defaultPoolSize(cores: number = navigator.hardwareConcurrency): number {
  return Math.max(2, 2 * cores);
}

/** A row as the engine returns it; the store converts columns to domain types. */
export type Row = Record<string, unknown>;

/** SQL parameter; bigints are sent as decimal strings. */
export type Param = string | number | bigint | boolean | null | string[] | Date;

/** Something queries can run on: the database or an open transaction. */
export interface Queryable {
  query<T extends Row = Row>(text: string, params?: readonly Param[]): Promise<T[]>;
}

/** A held advisory lock; `lost` turns true when its session died. */
export interface HeldLock {
  release(): Promise<void>;
  /** Checks the session still holds the lock. */
  alive(): Promise<boolean>;
}

/** The database. */
export interface Db extends Queryable {
  readonly engine: "postgres" | "pglite";
  /** PGlite only: a copy of the whole data directory (a template for another instance). */
  dump?(): Promise<Blob>;
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Takes a session-level advisory lock without waiting; null when another session holds it. */
  tryLock(key: string): Promise<HeldLock | null>;
  /**
   * Postgres only: calls `onNotify` with the payload of every `NOTIFY` on `channel`, from any
   * session, until the returned function is called. Absent on PGlite, which one process owns.
   */
  listen?(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * Sets the session's `idle_session_timeout` (Postgres 14 and later); an older server, which
 * does not know it, keeps its sessions as before.
 */
async function idleSessionTimeout(conn: postgres.Sql, ms: number): Promise<void> {
  try {
    await conn.unsafe(`set idle_session_timeout = ${Math.trunc(ms)}`);
  } catch (error) {
    // 42704 undefined_object: "unrecognized configuration parameter".
    if ((error as { code?: string }).code !== "42704") throw error;
  }
}

/** Settles with `promise`'s value, or undefined after `ms` or on rejection; never throws. */
async function bounded<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<undefined>((resolve) => timer = setTimeout(() => resolve(undefined), ms)),
    ]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

function toParams(params: readonly Param[] | undefined): unknown[] {
  return (params ?? []).map((p) => typeof p === "bigint" ? p.toString() : p);
}

/**
 * Makes a connection error that no caller awaits a report instead of the end of the process,
 * until the returned function is called. postgres.js 3.4.9 starts a fetch of the array types
 * on each new connection and drops its promise (connection.js, `ReadyForQuery` returns
 * `fetchArrayTypes()` to a socket handler): when that connection dies and its reconnect is
 * refused, the fetch rejects with ECONNREFUSED and reaches no one. Such an error says only
 * that the database is unreachable, which every query of ours, awaited and time-bounded,
 * reports by itself; every other unhandled rejection stays fatal.
 */
export function reportStrayConnectionErrors(report: (error: unknown) => void): () => void {
  const listener = (event: PromiseRejectionEvent) => {
    if (!isUnavailable(event.reason)) return;
    event.preventDefault();
    report(event.reason);
  };
  globalThis.addEventListener("unhandledrejection", listener);
  return () => globalThis.removeEventListener("unhandledrejection", listener);
}

/** Options of {@linkcode openPostgres}. */
export interface PostgresOptions {
  /** Pool size; {@linkcode defaultPoolSize} when absent. */
  max?: number;
  /** Schema to use (search_path). */
  schema?: string;
  /**
   * Server-side `statement_timeout`, ms; a query also fails (DatabaseUnavailableError, 503)
   * when no answer came 500 ms after it, so a dead or unreachable server is never waited on.
   */
  statementTimeoutMs?: number;
  /** Time to open a connection, seconds. */
  connectTimeoutSeconds?: number;
}

/** Opens a Postgres server connection pool (optionally in one schema). */
export function openPostgres(url: string, options: PostgresOptions = {}): Db {
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const answerWithinMs = statementTimeoutMs + 500;
  const clientOptions = {
    onnotice: () => {},
    connection: {
      ...(options.schema ? { search_path: options.schema } : {}),
      statement_timeout: statementTimeoutMs,
    },
    connect_timeout: options.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_SECONDS,
    // Keep int8 and numeric as strings; the store converts them to bigint.
    types: {},
  };
  const sql = postgres(url, { ...clientOptions, max: options.max ?? defaultPoolSize() });
  const run =
    (exec: postgres.Sql | postgres.TransactionSql) =>
    <T extends Row>(text: string, params?: readonly Param[]): Promise<T[]> =>
      unavailableAfter(async () => {
        // Prepared: the same few statements run all day, and planning dominates their cost.
        const rows = await exec.unsafe(
          text,
          toParams(params) as postgres.ParameterOrJSON<never>[],
          { prepare: true },
        );
        return rows as unknown as T[];
      }, answerWithinMs);
  return {
    engine: "postgres",
    query: run(sql),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      // Each statement inside is bounded by `run`; BEGIN, COMMIT and the ROLLBACK after a
      // failure wait on the server too, so the caller is let go once any of them has had
      // `answerWithinMs` (the server rolls back a session that dies). A commit whose answer
      // is lost may still have happened: every caller re-reads state before acting on it.
      let timer: ReturnType<typeof setTimeout> | undefined;
      let abandon!: (error: unknown) => void;
      const abandoned = new Promise<never>((_, reject) => abandon = reject);
      abandoned.catch(() => {}); // may be abandoned after the race is over
      const giveUpIn = (what: string) => {
        clearTimeout(timer);
        timer = setTimeout(
          () => abandon(new DatabaseUnavailableError(`${what}: no answer in time`)),
          answerWithinMs,
        );
      };
      giveUpIn("BEGIN");
      // Once the transaction's connection has closed, postgres.js must be given nothing more
      // to send on it: it would write its ROLLBACK or COMMIT from a `setImmediate` on a null
      // socket, an uncaught TypeError that ends the process (porsager/postgres#1208, open in
      // 3.4.9). So after a loss the callback below never settles (the server has rolled the
      // transaction back with the session), and statements after it fail without being sent.
      let gone = false;
      const work = sql.begin((tx) => {
        clearTimeout(timer);
        const statement = run(tx);
        const guarded: Queryable = {
          query: (text, params) =>
            gone
              ? Promise.reject(new DatabaseUnavailableError("the connection closed"))
              : statement(text, params),
        };
        return new Promise<T>((resolve, reject) => {
          fn(guarded).then((result) => {
            if (gone) return;
            giveUpIn("COMMIT");
            resolve(result);
          }, (error) => {
            if (gone || isConnectionLost(error)) {
              gone = true;
              abandon(new DatabaseUnavailableError(error));
              return;
            }
            if (error instanceof DatabaseUnavailableError) abandon(error);
            else giveUpIn("ROLLBACK");
            reject(error);
          });
        });
      });
      // begin() rejects as soon as its connection closes; it may also settle after the
      // caller was let go.
      work.catch(() => gone = true);
      try {
        return await Promise.race([work, abandoned]) as T;
      } catch (error) {
        throw isUnavailable(error) && !(error instanceof DatabaseUnavailableError)
          ? new DatabaseUnavailableError(error)
          : error;
      } finally {
        clearTimeout(timer);
      }
    },
    async tryLock(key: string): Promise<HeldLock | null> {
      // Each lock gets a client of its own rather than a pooled connection: when the server
      // ends that session, this client reconnects to a fresh one where the lock is absent, so
      // `alive()` tells the truth (a reserved pool connection breaks instead).
      const conn = postgres(url, { ...clientOptions, max: 1, idle_timeout: 0, max_lifetime: null });
      const lockSql = "hashtextextended(current_schema() || ':' || $1, 0)";
      let ok = false;
      try {
        await idleSessionTimeout(conn, LOCK_IDLE_SESSION_TIMEOUT_MS);
        const [row] = await conn.unsafe(`select pg_try_advisory_lock(${lockSql}) as ok`, [key]);
        ok = row.ok === true;
      } finally {
        if (!ok) await conn.end({ timeout: 1 });
      }
      if (!ok) return null;
      let released = false;
      let dead = false;
      return {
        async release() {
          if (released) return;
          released = true;
          // A dead session took its lock with it, and a query on its client may never settle
          // (postgres.js), so only a live lock is unlocked, and nothing here waits unbounded.
          if (!dead) {
            await bounded(conn.unsafe(`select pg_advisory_unlock(${lockSql})`, [key]), 2000);
          }
          await bounded(conn.end({ timeout: 1 }), 2000);
        },
        async alive() {
          if (released || dead) return false;
          const rows = await bounded(
            conn.unsafe(
              `select count(*)::int as n from pg_locks where locktype = 'advisory'
               and pid = pg_backend_pid() and granted`,
            ),
            5000,
          );
          dead = !rows || rows[0].n === 0;
          return !dead;
        },
      };
    },
    async listen(channel, onNotify) {
      // postgres.js keeps a connection of its own for it and listens again after a reconnect.
      const { unlisten } = await sql.listen(channel, onNotify);
      return async () => void await bounded(unlisten(), 2000);
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}

/**
 * Opens PGlite in `dataDir` (created when missing), or in memory for `memory://`. A
 * `template` (a dump of another PGlite data directory) skips initdb, which takes seconds.
 */
export async function openPglite(dataDir: string, template?: Blob): Promise<Db> {
  if (!dataDir.startsWith("memory://")) await Deno.mkdir(dataDir, { recursive: true });
  const pg = await PGlite.create({ dataDir, loadDataDir: template });
  // PGlite is one session, where advisory locks are re-entrant: track holders here so two
  // workers in this process still exclude each other.
  const held = new Set<string>();
  const query = async <T extends Row>(
    exec: Pick<PGlite, "query">,
    text: string,
    params?: readonly Param[],
  ): Promise<T[]> => {
    const result = await exec.query<T>(text, toParams(params));
    return result.rows;
  };
  return {
    engine: "pglite",
    dump: () => pg.dumpDataDir("none"),
    query: (text, params) => query(pg, text, params),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return await pg.transaction((tx) => fn({ query: (text, params) => query(tx, text, params) }));
    },
    tryLock(key: string): Promise<HeldLock | null> {
      if (held.has(key)) return Promise.resolve(null);
      held.add(key);
      let released = false;
      return Promise.resolve({
        release() {
          if (released) return Promise.resolve(); // a stale handle must not free a new holder
          released = true;
          held.delete(key);
          return Promise.resolve();
        },
        alive: () => Promise.resolve(!released && !pg.closed),
      });
    },
    async close() {
      await pg.close();
    },
  };
}

/** Opens Postgres when `url` is given (in `schema` if set), PGlite in `dataDir` otherwise. */
export async function openDb(
  options: {
    url?: string;
    schema?: string;
    dataDir: string;
    poolSize?: number;
    statementTimeoutMs?: number;
    connectTimeoutSeconds?: number;
  },
): Promise<Db> {
  return options.url
    ? openPostgres(options.url, {
      schema: options.schema,
      max: options.poolSize,
      statementTimeoutMs: options.statementTimeoutMs,
      connectTimeoutSeconds: options.connectTimeoutSeconds,
    })
    : await openPglite(options.dataDir);
}
