/**
 * The sync tracker, on every engine: a chain is synced when its last scanned block is no older
 * than `syncLagSeconds` by the processor's clock; the processor is synced when all chains are.
 */

import assert from "node:assert/strict";
import type { Clock } from "../../core/clock.ts";
import { parseConfig } from "../../host/registry.ts";
import type { ProcessorContext } from "../../core/context.ts";
import type { Db } from "../../core/db.ts";
import { silentLogger } from "../../core/log.ts";
import type { ChainPlugin } from "../../core/plugin.ts";
import { initCursor } from "../../core/store/cursors.ts";
import { chainSync, overallSync } from "../../core/sync.ts";
import { testOnEngines } from "../support/db.ts";

/** A clock that only moves when told to. */
function fakeClock(seconds: number): Clock & { set(seconds: number, ms?: number): void } {
  let nowMs = seconds * 1000;
  return {
    now: () => nowMs,
    sleep: () => Promise.resolve(),
    set(s: number, ms = 0) {
      nowMs = s * 1000 + ms;
    },
  };
}

function context(db: Db, clock: Clock, chains: string[], syncLagSeconds = 40): ProcessorContext {
  // The sync tracker only reads which chains are enabled, never the plugins themselves.
  const plugins = new Map(chains.map((c) => [c, { name: c } as unknown as ChainPlugin]));
  return { db, config: parseConfig({ syncLagSeconds }), plugins, clock, log: silentLogger };
}

const T0 = 1_700_000_000;

testOnEngines("a chain without a cursor is not synced", async (db) => {
  const ctx = context(db, fakeClock(T0), ["ton"]);
  assert.deepEqual(await chainSync(ctx, "ton"), {
    chain: "ton",
    isSynced: false,
    lastBlockTime: 0,
    lastBlockHeight: null,
    lagSeconds: null,
  });
});

testOnEngines("a chain whose last block is within syncLagSeconds is synced", async (db) => {
  const clock = fakeClock(T0 + 25);
  const ctx = context(db, clock, ["ton"], 40);
  await initCursor(db, "ton", { height: 123n, time: T0, state: {} });
  assert.deepEqual(await chainSync(ctx, "ton"), {
    chain: "ton",
    isSynced: true,
    lastBlockTime: T0,
    lastBlockHeight: "123",
    lagSeconds: 25,
  });
  clock.set(T0);
  assert.equal((await chainSync(ctx, "ton")).lagSeconds, 0);
  assert.equal((await chainSync(ctx, "ton")).isSynced, true);
});

testOnEngines("a lag of exactly syncLagSeconds is synced; one second more is not", async (db) => {
  const clock = fakeClock(T0 + 40);
  const ctx = context(db, clock, ["ton"], 40);
  await initCursor(db, "ton", { height: 5n, time: T0, state: {} });
  assert.equal((await chainSync(ctx, "ton")).isSynced, true);
  clock.set(T0 + 41);
  const late = await chainSync(ctx, "ton");
  assert.equal(late.isSynced, false);
  assert.equal(late.lagSeconds, 41);
  assert.equal(late.lastBlockHeight, "5");
});

testOnEngines("a chain far behind is not synced and reports its lag", async (db) => {
  const ctx = context(db, fakeClock(T0 + 3600), ["ton"], 40);
  await initCursor(db, "ton", { height: 1n, time: T0, state: {} });
  const sync = await chainSync(ctx, "ton");
  assert.equal(sync.isSynced, false);
  assert.equal(sync.lagSeconds, 3600);
});

testOnEngines("the lag is measured in whole seconds of the processor's clock", async (db) => {
  const clock = fakeClock(0);
  const ctx = context(db, clock, ["ton"], 10);
  await initCursor(db, "ton", { height: 1n, time: T0, state: {} });
  clock.set(T0 + 10, 999);
  assert.equal((await chainSync(ctx, "ton")).lagSeconds, 10);
  assert.equal((await chainSync(ctx, "ton")).isSynced, true);
});

testOnEngines("a block time ahead of the clock counts as no lag", async (db) => {
  const ctx = context(db, fakeClock(T0 - 30), ["ton"]);
  await initCursor(db, "ton", { height: 1n, time: T0, state: {} });
  const sync = await chainSync(ctx, "ton");
  assert.equal(sync.lagSeconds, 0);
  assert.equal(sync.isSynced, true);
});

testOnEngines("the threshold follows the configured syncLagSeconds", async (db) => {
  await initCursor(db, "ton", { height: 1n, time: T0, state: {} });
  const clock = fakeClock(T0 + 100);
  assert.equal((await chainSync(context(db, clock, ["ton"], 99), "ton")).isSynced, false);
  assert.equal((await chainSync(context(db, clock, ["ton"], 100), "ton")).isSynced, true);
});

testOnEngines("overall sync holds only when every enabled chain is synced", async (db) => {
  const clock = fakeClock(T0 + 10);
  const ctx = context(db, clock, ["ton", "tron"], 40);
  await initCursor(db, "ton", { height: 10n, time: T0, state: {} });

  // tron has no cursor yet.
  let overall = await overallSync(ctx);
  assert.equal(overall.isSynced, false);
  assert.deepEqual(overall.chains.map((c) => [c.chain, c.isSynced]), [
    ["ton", true],
    ["tron", false],
  ]);
  assert.equal(overall.lastBlockTime, 0);

  await initCursor(db, "tron", { height: 900n, time: T0 - 20, state: {} });
  overall = await overallSync(ctx);
  assert.equal(overall.isSynced, true);
  assert.equal(overall.lastBlockTime, T0 - 20, "the oldest chain's block time");
  assert.deepEqual(overall.chains.map((c) => c.lastBlockHeight), ["10", "900"]);

  // tron falls behind while ton is still fresh.
  clock.set(T0 + 25);
  overall = await overallSync(ctx);
  assert.deepEqual(overall.chains.map((c) => c.isSynced), [true, false]);
  assert.equal(overall.isSynced, false);
});

testOnEngines("overall sync ignores cursors of chains that are not enabled", async (db) => {
  await initCursor(db, "ton", { height: 1n, time: T0, state: {} });
  await initCursor(db, "tron", { height: 1n, time: T0 - 10_000, state: {} });
  const overall = await overallSync(context(db, fakeClock(T0), ["ton"]));
  assert.equal(overall.isSynced, true);
  assert.deepEqual(overall.chains.map((c) => c.chain), ["ton"]);
});

testOnEngines("with no chain enabled the processor is not synced", async (db) => {
  assert.deepEqual(await overallSync(context(db, fakeClock(T0), [])), {
    isSynced: false,
    lastBlockTime: 0,
    chains: [],
  });
});
