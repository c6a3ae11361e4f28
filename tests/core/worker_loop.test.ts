/**
 * The worker loop every background worker runs: a pass, then the interval (none when the pass
 * found more), the one backoff while passes fail, a wake-up that ends an idle wait early, a
 * stop that lets the pass in progress finish, and leadership.
 */

import assert from "node:assert/strict";
import type { Clock } from "../../core/clock.ts";
import { createLogger, silentLogger } from "../../core/log.ts";
import type { Db } from "../../core/db.ts";
import { runWorkerLoop, type WorkerContext } from "../../core/worker_loop.ts";
import { openTestDb } from "../support/db.ts";

/** A clock whose waits take a thousandth of their time and record how they ended. */
class ScaledClock implements Clock {
  readonly sleeps: { ms: number; cutShort: boolean }[] = [];

  now(): number {
    return 0;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const record = { ms, cutShort: false };
      this.sleeps.push(record);
      const end = (cutShort: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", abort);
        record.cutShort = cutShort;
        resolve();
      };
      const abort = () => end(true);
      const timer = setTimeout(() => end(false), ms / 1000);
      if (signal?.aborted) return end(true);
      signal?.addEventListener("abort", abort, { once: true });
    });
  }
}

/** A context without a store: enough for every loop that does not lead. */
function contextFor(clock: Clock, log = silentLogger): WorkerContext {
  return { clock, log, db: undefined as unknown as Db };
}

Deno.test("a pass that found more goes again at once; one that did not waits the interval", async () => {
  const clock = new ScaledClock();
  const stop = new AbortController();
  const found = [true, true, false, true, false];
  let passes = 0;
  await runWorkerLoop(contextFor(clock), stop.signal, () => {
    const more = found[passes++];
    if (passes === found.length) stop.abort();
    return Promise.resolve(more);
  }, { failure: "test failed", intervalMs: 1000 });
  assert.equal(passes, 5);
  assert.deepEqual(clock.sleeps.map((s) => s.ms), [1000, 1000]);
});

Deno.test("failing passes back off from twice the interval, doubling up to 30 s, reset by a success", async () => {
  const clock = new ScaledClock();
  const logs: Record<string, unknown>[] = [];
  const log = createLogger("debug", (line) => logs.push(JSON.parse(line)));
  const stop = new AbortController();
  const outcomes = ["fail", "fail", "fail", "fail", "fail", "fail", "ok", "fail", "ok"];
  let passes = 0;
  await runWorkerLoop(contextFor(clock, log), stop.signal, () => {
    const outcome = outcomes[passes++];
    if (passes === outcomes.length) stop.abort();
    return outcome === "ok" ? Promise.resolve() : Promise.reject(new Error("node down"));
  }, { failure: "test pass failed", logFields: { chain: "stub" }, intervalMs: 1000 });
  assert.deepEqual(
    clock.sleeps.map((s) => s.ms),
    [2000, 4000, 8000, 16000, 30000, 30000, 1000, 2000, 1000],
  );
  const failures = logs.filter((l) => l.message === "test pass failed");
  assert.deepEqual(
    failures.map((l) => [l.level, l.chain, l.retryInMs]),
    [2000, 4000, 8000, 16000, 30000, 30000, 2000].map((ms) => ["warn", "stub", ms]),
  );
  assert.match(JSON.stringify(failures[0].error), /node down/);
});

Deno.test("a wake-up ends the wait after a pass early, but never a backoff", async () => {
  const clock = new ScaledClock();
  const stop = new AbortController();
  let wake: (() => void) | null = null;
  let subscribed = 0;
  let unsubscribed = 0;
  const outcomes = ["ok", "fail", "ok"];
  let passes = 0;
  await runWorkerLoop(contextFor(clock), stop.signal, () => {
    const outcome = outcomes[passes++];
    wake!(); // something settled while the pass ran
    if (passes === outcomes.length) stop.abort();
    return outcome === "ok" ? Promise.resolve() : Promise.reject(new Error("db down"));
  }, {
    failure: "test failed",
    intervalMs: 10_000,
    wakeUp: (w) => {
      subscribed++;
      wake = w;
      return () => {
        unsubscribed++;
        wake = null;
      };
    },
  });
  assert.deepEqual(clock.sleeps, [
    { ms: 10_000, cutShort: true },
    { ms: 20_000, cutShort: false },
    { ms: 10_000, cutShort: true },
  ]);
  assert.equal(subscribed, 3);
  assert.equal(unsubscribed, 3);
});

Deno.test("a stop lets the pass in progress finish and starts no other", async () => {
  const clock = new ScaledClock();
  const stop = new AbortController();
  let passes = 0;
  let finished = 0;
  const loop = runWorkerLoop(contextFor(clock), stop.signal, async () => {
    passes++;
    stop.abort();
    await new Promise((resolve) => setTimeout(resolve, 20));
    finished++;
  }, { failure: "test failed" });
  await loop;
  assert.equal(passes, 1);
  assert.equal(finished, 1);
});

Deno.test("with a leader key, passes run only while this instance holds that lock", async () => {
  const testDb = await openTestDb("pglite");
  const clock = new ScaledClock();
  const stop = new AbortController();
  const key = "worker-loop-test";
  try {
    const other = await testDb.db.tryLock(key);
    assert.ok(other, "another worker holds the lock");
    let passes = 0;
    const loop = runWorkerLoop({ clock, log: silentLogger, db: testDb.db }, stop.signal, () => {
      passes++;
      if (passes === 3) stop.abort();
      return Promise.resolve();
    }, { failure: "test failed", leader: key });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(passes, 0, "no pass while another instance leads");
    await other.release();
    await loop;
    assert.equal(passes, 3);
    assert.ok(await testDb.db.tryLock(key), "the lock is released on stop");
  } finally {
    stop.abort();
    await testDb.close();
  }
});
