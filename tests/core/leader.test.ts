/**
 * Leadership, on every engine: an advisory lock per key, held by one session at a time, and
 * `runAsLeader`, which runs a chain worker in exactly one contender and hands over when the
 * leader stops or loses its lock.
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import { systemClock } from "../../core/clock.ts";
import { parseConfig } from "../../host/registry.ts";
import type { ProcessorContext } from "../../core/context.ts";
import type { Db, HeldLock } from "../../core/db.ts";
import { runAsLeader } from "../../core/leader.ts";
import { silentLogger } from "../../core/log.ts";
import { openTestDb, testOnEngines } from "../support/db.ts";

/** Advisory locks are database-wide, so every test takes its own keys. */
const uniqueKey = (name: string) => `leader-test:${name}:${crypto.randomUUID()}`;

/** Short intervals so hand-overs happen in milliseconds. */
// The takeover delay is generous against the 5 ms checks: under load the old leader's
// check (a reconnect after its session died) can take tens of milliseconds.
const FAST = { retryMs: 5, checkMs: 5, takeoverDelayMs: 250 };

function contextFor(db: Db): ProcessorContext {
  return {
    db,
    config: parseConfig({}),
    plugins: new Map(),
    clock: systemClock,
    log: silentLogger,
  };
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await delay(2);
  }
}

const aborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });

/** Records who leads, and how many lead at once. */
class Leadership {
  active = new Set<string>();
  started: string[] = [];
  stopped: string[] = [];
  maxConcurrent = 0;

  /** A worker that leads until its signal aborts. */
  worker(name: string) {
    return async (signal: AbortSignal) => {
      this.active.add(name);
      this.started.push(name);
      this.maxConcurrent = Math.max(this.maxConcurrent, this.active.size);
      await aborted(signal);
      this.active.delete(name);
      this.stopped.push(name);
    };
  }
}

/** One contender for `key`: its stop switch and the promise of its `runAsLeader`. */
function contend(ctx: ProcessorContext, key: string, name: string, leadership: Leadership) {
  const stop = new AbortController();
  const run = runAsLeader(ctx, key, stop.signal, leadership.worker(name), FAST);
  return { stop, run };
}

/** A Db whose locks can be declared lost by the test, as if their session had died. */
function withLosableLocks(db: Db): { db: Db; loseAll(): void } {
  const locks: { lost: boolean }[] = [];
  return {
    db: {
      ...db,
      async tryLock(key: string): Promise<HeldLock | null> {
        const lock = await db.tryLock(key);
        if (!lock) return null;
        const state = { lost: false };
        locks.push(state);
        return {
          release: () => lock.release(),
          alive: async () => !state.lost && await lock.alive(),
        };
      },
    },
    loseAll() {
      for (const lock of locks) lock.lost = true;
    },
  };
}

testOnEngines(
  "a second tryLock on a held key gets null until the first is released",
  async (db) => {
    const key = uniqueKey("same");
    const first = await db.tryLock(key);
    assert.ok(first, "the first taker gets the lock");
    assert.equal(await db.tryLock(key), null);
    assert.equal(await db.tryLock(key), null, "still held");
    await first.release();
    const second = await db.tryLock(key);
    assert.ok(second, "free again after release");
    assert.equal(await db.tryLock(key), null);
    await second.release();
  },
);

testOnEngines("locks on different keys are independent", async (db) => {
  const a = await db.tryLock(uniqueKey("a"));
  const b = await db.tryLock(uniqueKey("b"));
  assert.ok(a);
  assert.ok(b);
  assert.equal(await a.alive(), true);
  assert.equal(await b.alive(), true);
  await a.release();
  assert.equal(await b.alive(), true, "releasing one key leaves the other held");
  await b.release();
});

testOnEngines(
  "a held lock is alive; a released one is not, and releasing twice is harmless",
  async (db) => {
    const key = uniqueKey("alive");
    const lock = await db.tryLock(key);
    assert.ok(lock);
    assert.equal(await lock.alive(), true);
    await lock.release();
    assert.equal(await lock.alive(), false);
    await lock.release();
    const again = await db.tryLock(key);
    assert.ok(again, "a second release did not disturb the next holder");
    await lock.release();
    assert.equal(await db.tryLock(key), null, "a stale handle cannot release the new holder");
    await again.release();
  },
);

testOnEngines(
  "of two contenders only one runs the work; the other takes over when it stops",
  async (db) => {
    const ctx = contextFor(db);
    const key = uniqueKey("contenders");
    const leadership = new Leadership();
    const a = contend(ctx, key, "a", leadership);
    await until("a leads", () => leadership.started.includes("a"));
    const b = contend(ctx, key, "b", leadership);
    await delay(100); // many retry intervals of b
    assert.deepEqual(leadership.started, ["a"], "b must wait while a leads");

    a.stop.abort();
    await a.run;
    await until("b takes over", () => leadership.started.includes("b"));
    assert.deepEqual(leadership.started, ["a", "b"]);
    assert.deepEqual(leadership.stopped, ["a"]);
    assert.equal(leadership.maxConcurrent, 1);

    b.stop.abort();
    await b.run;
    assert.deepEqual(leadership.stopped, ["a", "b"]);
    const free = await db.tryLock(key);
    assert.ok(free, "the last leader released the lock");
    await free.release();
  },
);

testOnEngines(
  "a leader that loses its lock has its work aborted and leadership passes on",
  async (db) => {
    const losable = withLosableLocks(db);
    const ctx = contextFor(losable.db);
    const key = uniqueKey("lost");
    const leadership = new Leadership();
    const a = contend(ctx, key, "a", leadership);
    await until("a leads", () => leadership.started.includes("a"));
    const b = contend(ctx, key, "b", leadership);
    await delay(30);
    assert.deepEqual(leadership.started, ["a"]);

    losable.loseAll();
    await until("a's work is aborted", () => leadership.stopped.includes("a"));
    await until("a new leader runs", () => leadership.started.length === 2);
    assert.equal(leadership.maxConcurrent, 1);

    a.stop.abort();
    b.stop.abort();
    await Promise.all([a.run, b.run]);
    assert.equal(leadership.active.size, 0);
  },
);

testOnEngines(
  "a stop requested while the lock is being taken: the work never runs, the lock is freed",
  async (db) => {
    const stop = new AbortController();
    const racing: Db = {
      ...db,
      async tryLock(key: string) {
        const lock = await db.tryLock(key);
        stop.abort(); // shutdown arrives while the lock query is in flight
        return lock;
      },
    };
    const key = uniqueKey("race");
    let workRan = false;
    await runAsLeader(contextFor(racing), key, stop.signal, () => {
      workRan = true;
      return Promise.resolve();
    }, FAST);
    assert.equal(workRan, false, "the work must not start after the stop");
    const again = await db.tryLock(key);
    assert.ok(again, "the lock was released");
    await again.release();
  },
);

testOnEngines(
  "a stopped contender returns without taking the lock or running the work",
  async (db) => {
    const key = uniqueKey("stopped");
    const stop = new AbortController();
    stop.abort();
    let ran = false;
    await runAsLeader(contextFor(db), key, stop.signal, () => {
      ran = true;
      return Promise.resolve();
    }, FAST);
    assert.equal(ran, false);
    const lock = await db.tryLock(key);
    assert.ok(lock);
    await lock.release();
  },
);

testOnEngines(
  "a contender keeps retrying while the lock is held elsewhere, then leads",
  async (db) => {
    const key = uniqueKey("retry");
    const held = await db.tryLock(key);
    assert.ok(held);
    const leadership = new Leadership();
    const c = contend(contextFor(db), key, "c", leadership);
    await delay(50);
    assert.deepEqual(leadership.started, []);
    await held.release();
    await until("c leads", () => leadership.started.includes("c"));
    c.stop.abort();
    await c.run;
  },
);

testOnEngines("a failing lock query is retried, not fatal", async (db) => {
  let failures = 0;
  const flaky: Db = {
    ...db,
    tryLock(key: string) {
      if (failures < 3) {
        failures++;
        return Promise.reject(new Error("connection refused"));
      }
      return db.tryLock(key);
    },
  };
  const leadership = new Leadership();
  const c = contend(contextFor(flaky), uniqueKey("flaky"), "c", leadership);
  await until("c leads", () => leadership.started.includes("c"));
  assert.equal(failures, 3);
  c.stop.abort();
  await c.run;
});

testOnEngines("work that throws releases the lock and the error reaches the caller", async (db) => {
  const key = uniqueKey("throws");
  const stop = new AbortController();
  await assert.rejects(
    runAsLeader(contextFor(db), key, stop.signal, () => Promise.reject(new Error("crash")), FAST),
    /crash/,
  );
  const lock = await db.tryLock(key);
  assert.ok(lock, "the lock was released");
  await lock.release();
});

const url = Deno.env.get("DATABASE_URL");

/** The backend pid that holds the advisory lock of `key`, seen from another session. */
async function lockHolder(admin: postgres.Sql, key: string): Promise<number | null> {
  const rows = await admin.unsafe(
    // Lock keys are scoped by schema (see core/db.ts): match the key in any schema.
    `select l.pid from pg_locks l join pg_namespace n
       on ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended(n.nspname || ':' || $1, 0)
     where l.locktype = 'advisory' and l.granted`,
    [key],
  );
  return rows.length ? Number(rows[0].pid) : null;
}

/** `promise`, or a rejection naming `what` when it does not settle within `ms`. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A test on the Postgres server with a second, independent session (`admin`). A driver error
 * thrown outside any promise would kill a real processor; here it is caught and fails the test.
 */
function postgresTest(name: string, fn: (db: Db, admin: postgres.Sql) => Promise<void>) {
  Deno.test({
    name: `[postgres] ${name}`,
    ignore: !url,
    async fn() {
      const uncaught: unknown[] = [];
      const onError = (event: ErrorEvent) => {
        event.preventDefault();
        uncaught.push(event.error);
      };
      globalThis.addEventListener("error", onError);
      const t = await openTestDb("postgres");
      const admin = postgres(url!, { max: 1, onnotice: () => {} });
      try {
        await fn(t.db, admin);
      } finally {
        await admin.end();
        await within(10_000, "closing the database", t.close()).catch(() => {});
        globalThis.removeEventListener("error", onError);
      }
      assert.deepEqual(uncaught, [], "the driver threw outside any promise (a process crash)");
    },
  });
}

postgresTest("alive() turns false once the lock's session is terminated", async (db, admin) => {
  const key = uniqueKey("terminate");
  const lock = await db.tryLock(key);
  assert.ok(lock);
  assert.equal(await lock.alive(), true);
  const pid = await lockHolder(admin, key);
  assert.ok(pid, "the lock shows in pg_locks");

  await admin.unsafe("select pg_terminate_backend($1)", [pid]);
  await until("the server drops the lock", async () => await lockHolder(admin, key) === null);
  assert.equal(await within(3000, "alive()", lock.alive()), false);
  const next = await within(3000, "taking the freed lock", db.tryLock(key));
  assert.ok(next, "another session can take the lock");
  await within(3000, "releasing the new lock", next.release());
  await within(3000, "releasing the dead lock", lock.release().catch(() => {}));
});

postgresTest(
  "a leader whose session is terminated stops, and a contender takes over",
  async (db, admin) => {
    const ctx = contextFor(db);
    const key = uniqueKey("takeover");
    const leadership = new Leadership();
    const a = contend(ctx, key, "a", leadership);
    const b = contend(ctx, key, "b", leadership);
    let failure: unknown = null;
    try {
      // Each lock opens its own session, so either contender may win the race.
      await until("one leads", () => leadership.started.length === 1);
      await delay(50);
      const [first] = leadership.started;
      assert.equal(leadership.started.length, 1);
      const pid = await lockHolder(admin, key);
      assert.ok(pid);

      await admin.unsafe("select pg_terminate_backend($1)", [pid]);
      await until("the first leader's work is aborted", () => leadership.stopped.includes(first));
      await until("a new leader runs", () => leadership.started.length === 2);
      assert.equal(leadership.maxConcurrent, 1);
      const holder = await lockHolder(admin, key);
      assert.ok(holder && holder !== pid, "the lock is held by a live session");
    } catch (error) {
      failure = error;
    }
    a.stop.abort();
    b.stop.abort();
    const stopping = await within(5000, "both contenders stopping", Promise.all([a.run, b.run]))
      .then(() => null, (error) => error);
    if (failure) throw failure; // the first failure is the one that explains the others
    if (stopping) throw stopping;
  },
);
