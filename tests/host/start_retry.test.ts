/**
 * Start-up on a fresh database asks each chain's node for its tip to pin the starting block;
 * a node error there is retried with backoff instead of ending the process.
 */

import assert from "node:assert/strict";
import { parseConfig } from "../../host/registry.ts";
import type { ProcessorContext } from "../../core/context.ts";
import { createLogger } from "../../core/log.ts";
import { systemClock } from "../../core/clock.ts";
import { loadCursor } from "../../core/store/cursors.ts";
import { pinStartCursors } from "../../host/runtime.ts";
import { STUB_CHAIN, stubPlugin } from "../support/api_client.ts";
import { openTestDb } from "../support/db.ts";

Deno.test("a node error while pinning the starting block is retried with backoff, not fatal", async () => {
  const testDb = await openTestDb();
  try {
    const plugin = stubPlugin();
    let calls = 0;
    plugin.scanner.initialCursor = () => {
      calls++;
      if (calls <= 2) return Promise.reject(new Error("node: 502 Bad Gateway"));
      return Promise.resolve({ height: 42n, time: 1_700_000_000, state: {} });
    };
    const logs: Record<string, unknown>[] = [];
    const ctx: ProcessorContext = {
      db: testDb.db,
      config: parseConfig({}),
      plugins: new Map([[STUB_CHAIN, plugin]]),
      clock: systemClock,
      log: createLogger("debug", (line) => logs.push(JSON.parse(line))),
    };
    const started = Date.now();
    await pinStartCursors(ctx, { firstDelayMs: 50 });
    assert.equal(calls, 3);
    assert.equal((await loadCursor(testDb.db, STUB_CHAIN))?.height, 42n);
    // Backoff: 50 ms, then 100 ms.
    assert.ok(Date.now() - started >= 150);
    const retries = logs.filter((l) =>
      l.message === `start: ${STUB_CHAIN} starting block failed; retrying`
    );
    assert.deepEqual(retries.map((l) => l.retryInMs), [50, 100]);
    // A cursor already pinned is not asked for again.
    await pinStartCursors(ctx);
    assert.equal(calls, 3);
  } finally {
    await testDb.close();
  }
});
