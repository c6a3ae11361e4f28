/**
 * Probes: /healthz is alive whatever the database does; /readyz is 200 only when the database
 * answers, every migration is applied, every chain is synced and no sender is halted, and
 * names what is wrong otherwise. The outage is real: the processor reaches Postgres through a
 * TCP proxy the test cuts and restores.
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import { systemClock } from "../../core/clock.ts";
import { parseConfig } from "../../host/registry.ts";
import type { ProcessorContext } from "../../core/context.ts";
import { openPostgres } from "../../core/db.ts";
import { silentLogger } from "../../core/log.ts";
import { migrate } from "../../core/migrations.ts";
import { raiseAlarm } from "../../core/store/alarms.ts";
import { initCursor } from "../../core/store/cursors.ts";
import {
  type ApiResponse,
  serveApi,
  startApi,
  STUB_CHAIN,
  stubPlugin,
  TEST_TOKEN,
} from "../support/api_client.ts";
import { startTcpProxy } from "../support/tcp_proxy.ts";
import { until } from "../support/waiting.ts";

interface Ready {
  ready: boolean;
  checks: Record<string, unknown>;
  reasons: string[];
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function ready(r: ApiResponse): Ready {
  return r.json as Ready;
}

Deno.test("/healthz is 200 without a token", async () => {
  const api = await startApi();
  try {
    const r = await api.request("GET", "/healthz", { token: null });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { status: "ok" });
  } finally {
    await api.close();
  }
});

Deno.test("/readyz names each failing check, and is 200 once none fails", async () => {
  const api = await startApi({ plugins: [stubPlugin()] });
  try {
    const fresh = await api.request("GET", "/readyz", { token: null });
    assert.equal(fresh.status, 503, fresh.text);
    assert.deepEqual(ready(fresh).reasons, [`chain ${STUB_CHAIN}: no block scanned yet`]);

    await initCursor(api.ctx.db, STUB_CHAIN, { height: 5n, time: nowSeconds() - 600, state: {} });
    const behind = await api.request("GET", "/readyz", { token: null });
    assert.equal(behind.status, 503);
    assert.match(
      ready(behind).reasons[0],
      /^chain stub: 6\d\d s behind the chain \(at most 40 s\)$/,
    );

    await api.ctx.db.query("update cursors set block_time = $1", [nowSeconds()]);
    const synced = await api.request("GET", "/readyz", { token: null });
    assert.equal(synced.status, 200, synced.text);
    assert.equal(ready(synced).ready, true);
    assert.deepEqual(ready(synced).reasons, []);

    await raiseAlarm(api.ctx.db, STUB_CHAIN, "test_condition", "raised by the test");
    const halted = await api.request("GET", "/readyz", { token: null });
    assert.equal(halted.status, 503);
    assert.match(ready(halted).reasons[0], /^sender stub: halted by 1 unresolved alarm/);
    await api.ctx.db.query("update alarms set resolved_at = now()");
    assert.equal((await api.request("GET", "/readyz", { token: null })).status, 200);

    // A database an older build migrated (or a newer build's rollback) is not ready.
    const [latest] = await api.ctx.db.query("select max(version) as v from schema_migrations");
    await api.ctx.db.query("delete from schema_migrations where version = $1", [
      Number(latest.v),
    ]);
    const old = await api.request("GET", "/readyz", { token: null });
    assert.equal(old.status, 503);
    assert.deepEqual(ready(old).reasons, [`migrations: not applied: ${latest.v}`]);
  } finally {
    await api.close();
  }
});

const DATABASE_URL = Deno.env.get("DATABASE_URL");

Deno.test({
  name: "/readyz turns 503 when the database goes away and 200 when it comes back",
  // PGlite is inside the process and cannot go away; CI runs this on Postgres.
  ignore: DATABASE_URL === undefined,
  async fn() {
    const target = new URL(DATABASE_URL!);
    const proxy = startTcpProxy(target.hostname, Number(target.port || 5432));
    const schema = `t_${crypto.randomUUID().replaceAll("-", "")}`;
    const admin = postgres(DATABASE_URL!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create schema ${schema}`);
    const via = new URL(DATABASE_URL!);
    via.hostname = "127.0.0.1";
    via.port = String(proxy.port);
    const db = openPostgres(via.toString(), { max: 2, schema });
    const ctx: ProcessorContext = {
      db,
      config: parseConfig({ api: { tokens: [TEST_TOKEN] } }),
      plugins: new Map([[STUB_CHAIN, stubPlugin()]]),
      clock: systemClock,
      log: silentLogger,
    };
    const api = serveApi(ctx);
    try {
      await migrate(db);
      await initCursor(db, STUB_CHAIN, { height: 1n, time: nowSeconds(), state: {} });
      assert.equal((await api.request("GET", "/readyz", { token: null })).status, 200);

      proxy.refuse();
      const down = await until("readyz 503", async () => {
        const r = await api.request("GET", "/readyz", { token: null });
        return r.status === 503 ? r : null;
      }, 20_000);
      assert.match(ready(down).reasons[0], /^database: unreachable/);
      assert.equal(ready(down).ready, false);
      // Alive all along: an outage of the database must not get the process restarted.
      assert.equal((await api.request("GET", "/healthz", { token: null })).status, 200);

      proxy.restore();
      const up = await until("readyz 200", async () => {
        // Keep the chain synced, so only the database decides (no scanner runs here).
        await db.query("update cursors set block_time = $1", [nowSeconds()]).catch(() => {});
        const r = await api.request("GET", "/readyz", { token: null });
        return r.status === 200 ? r : null;
      }, 30_000);
      assert.deepEqual(ready(up).reasons, []);
    } finally {
      await api.close();
      await db.close().catch(() => {});
      await proxy.close();
      await admin.unsafe(`drop schema ${schema} cascade`);
      await admin.end();
    }
  },
});
