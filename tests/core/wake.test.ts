/**
 * Wake-ups: a call reaches this process's subscribers of its topic only, and on Postgres it
 * reaches the other instances' through NOTIFY.
 */

import assert from "node:assert/strict";
import { silentLogger } from "../../core/log.ts";
import { openPostgres } from "../../core/db.ts";
import { createWakes, landedTopic } from "../../core/wake.ts";
import { openTestDb } from "../support/db.ts";

Deno.test("a wake-up reaches the subscribers of its topic until they unsubscribe", async () => {
  const t = await openTestDb("pglite");
  const wakes = createWakes(t.db, silentLogger);
  try {
    const woken: string[] = [];
    const stopTon = wakes.subscribe(landedTopic("ton"), () => woken.push("ton"));
    wakes.subscribe(landedTopic("tron"), () => woken.push("tron"));
    wakes.notify(landedTopic("ton"));
    assert.deepEqual(woken, ["ton"]);
    stopTon();
    wakes.notify(landedTopic("ton"));
    wakes.notify(landedTopic("tron"));
    assert.deepEqual(woken, ["ton", "tron"]);
  } finally {
    await wakes.close();
    await t.close();
  }
});

Deno.test({
  name: "on Postgres a wake-up reaches another instance on the same database",
  ignore: !Deno.env.get("DATABASE_URL"),
  async fn() {
    const t = await openTestDb("postgres");
    // A second instance: its own pool on the same server.
    const other = openPostgres(Deno.env.get("DATABASE_URL")!, { max: 2 });
    const here = createWakes(t.db, silentLogger);
    const there = createWakes(other, silentLogger);
    try {
      const topic = landedTopic(`chain-${crypto.randomUUID()}`);
      const woken = new Promise<void>((resolve) => there.subscribe(topic, resolve));
      // NOTIFY reaches only sessions that listen by then: keep notifying until one arrives.
      let arrived = false;
      woken.then(() => arrived = true);
      for (let i = 0; i < 200 && !arrived; i++) {
        here.notify(topic);
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(arrived, "the other instance was never woken");
    } finally {
      await here.close();
      await there.close();
      await other.close();
      await t.close();
    }
  },
});
