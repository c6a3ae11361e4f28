/**
 * Test databases: the local Postgres when DATABASE_URL is set (a fresh schema per test, so
 * parallel tests never see each other's rows), PGlite in memory otherwise.
 */

import postgres from "postgres";
import { type Db, openPglite, openPostgres } from "../../core/db.ts";
import { migrate } from "../../core/migrations.ts";

/** A migrated, empty database and how to drop it. */
export interface TestDb {
  db: Db;
  close(): Promise<void>;
}

/**
 * Registers `name` once per engine, each run on a fresh migrated database that is closed
 * afterwards: one specification, every engine.
 */
export function testOnEngines(name: string, fn: (db: Db) => Promise<void>): void {
  for (const engine of engines()) {
    Deno.test(`[${engine}] ${name}`, async () => {
      const t = await openTestDb(engine);
      try {
        await fn(t.db);
      } finally {
        await t.close();
      }
    });
  }
}

/** Which engines to run store suites on: PGlite always, Postgres when DATABASE_URL is set. */
export function engines(): ("pglite" | "postgres")[] {
  return Deno.env.get("DATABASE_URL") ? ["pglite", "postgres"] : ["pglite"];
}

let template: Promise<Blob> | null = null;

// initdb dominates PGlite start-up, so every test database is a copy of one migrated template.
function migratedTemplate(): Promise<Blob> {
  template ??= (async () => {
    const db = await openPglite("memory://");
    await migrate(db);
    const blob = await db.dump!();
    await db.close();
    return blob;
  })();
  return template;
}

/** Opens a fresh migrated database on `engine` (default: Postgres if configured). */
export async function openTestDb(engine?: "pglite" | "postgres"): Promise<TestDb> {
  const url = Deno.env.get("DATABASE_URL");
  const use = engine ?? (url ? "postgres" : "pglite");
  if (use === "pglite") {
    const db = await openPglite("memory://", await migratedTemplate());
    await migrate(db);
    return { db, close: () => db.close() };
  }
  if (!url) throw new Error("DATABASE_URL is not set");
  const schema = `t_${crypto.randomUUID().replaceAll("-", "")}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create schema ${schema}`);
  const db = openPostgres(url, { max: 4, schema });
  await migrate(db);
  return {
    db,
    async close() {
      await db.close();
      await admin.unsafe(`drop schema ${schema} cascade`);
      await admin.end();
    },
  };
}
