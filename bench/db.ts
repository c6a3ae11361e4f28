/**
 * Fresh, migrated benchmark databases: a dedicated Postgres schema (dropped on close) when
 * DATABASE_URL is set, PGlite in memory otherwise.
 *
 * @module
 */

import { openTestDb, type TestDb } from "../tests/support/db.ts";

/** Which engine the benchmarks run on. */
export function benchEngine(): "postgres" | "pglite" {
  return Deno.env.get("DATABASE_URL") ? "postgres" : "pglite";
}

/** A human-readable name of the engine, for the report header. */
export function engineLabel(): string {
  if (benchEngine() === "pglite") return "PGlite (in memory, WASM, same process)";
  const url = new URL(Deno.env.get("DATABASE_URL")!);
  return `Postgres at ${url.host}${url.pathname} (dedicated schema, dropped afterwards)`;
}

/** Opens a fresh migrated database; `close()` drops it. */
export async function openBenchDb(): Promise<TestDb> {
  return await openTestDb(benchEngine());
}
