/**
 * The ingest loop's polling once caught up: faster than a block, within the node's rate limit.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import type { Clock } from "../../core/clock.ts";
import {
  MAX_POLL_INTERVAL_MS,
  MIN_POLL_INTERVAL_MS,
  pollIntervalWithin,
  runIngest,
} from "../../core/ingest.ts";
import { silentLogger } from "../../core/log.ts";
import type { ChainPlugin } from "../../core/plugin.ts";
import type { Db } from "../../core/db.ts";
import { openTestDb } from "../support/db.ts";

Deno.test("caught-up polls spend at most half the node's rate limit, between the bounds", () => {
  fc.assert(fc.property(
    fc.double({ min: 0.01, max: 100_000, noNaN: true }),
    fc.integer({ min: 1, max: 5 }),
    (rps, requests) => {
      const ms = pollIntervalWithin(rps, requests);
      assert.ok(ms >= MIN_POLL_INTERVAL_MS && ms <= MAX_POLL_INTERVAL_MS);
      if (ms < MAX_POLL_INTERVAL_MS) assert.ok((1000 / ms) * requests <= rps / 2 + 1e-9);
    },
  ));
  // toncenter without a key (1 rps) is polled no faster than before; a devnet much faster.
  assert.equal(pollIntervalWithin(1), MAX_POLL_INTERVAL_MS);
  assert.equal(pollIntervalWithin(1000), MIN_POLL_INTERVAL_MS);
});

Deno.test("a caught-up ingest loop waits the scanner's poll interval", async () => {
  const t = await openTestDb("pglite");
  try {
    const waits: number[] = [];
    const stop = new AbortController();
    const clock: Clock = {
      now: () => Date.now(),
      sleep: (ms) => {
        waits.push(ms);
        stop.abort();
        return Promise.resolve();
      },
    };
    let polls = 0;
    const plugin = {
      chain: "stub",
      derivation: { hotWallet: { address: "hot", display: "hot" } },
      scanner: {
        initialCursor: () => Promise.resolve({ height: 1n, time: 0, state: null }),
        next: () => (polls++, Promise.resolve(null)),
        pollIntervalMs: 120,
      },
    } as unknown as ChainPlugin;
    const ctx = {
      db: t.db,
      config: undefined as never,
      plugins: new Map([["stub", plugin]]),
      clock,
      log: silentLogger,
    };
    await runIngest(ctx, plugin, stop.signal);
    assert.equal(polls, 1);
    assert.deepEqual(waits, [120]);
  } finally {
    await t.close();
  }
});

Deno.test("caught-up polls ask the node only: the cursor is read from the database once", async () => {
  const t = await openTestDb("pglite");
  try {
    let queries = 0;
    const db = {
      ...t.db,
      query: ((text, params) => (queries++, t.db.query(text, params))) as Db["query"],
    };
    const stop = new AbortController();
    let sleeps = 0;
    const clock: Clock = {
      now: () => Date.now(),
      sleep: () => {
        if (++sleeps === 5) stop.abort();
        return Promise.resolve();
      },
    };
    const queriesAtPoll: number[] = [];
    const plugin = {
      chain: "stub",
      derivation: { hotWallet: { address: "hot", display: "hot" } },
      scanner: {
        initialCursor: () => Promise.resolve({ height: 1n, time: 0, state: null }),
        next: () => (queriesAtPoll.push(queries), Promise.resolve(null)),
      },
    } as unknown as ChainPlugin;
    const ctx = {
      db,
      config: undefined as never,
      plugins: new Map([["stub", plugin]]),
      clock,
      log: silentLogger,
    };
    await runIngest(ctx, plugin, stop.signal);
    assert.equal(queriesAtPoll.length, 5);
    assert.ok(queriesAtPoll[0] > 0, "the first poll reads the cursor");
    assert.deepEqual(queriesAtPoll.slice(1), Array(4).fill(queriesAtPoll[0]));
  } finally {
    await t.close();
  }
});
