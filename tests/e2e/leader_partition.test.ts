/**
 * A leader cut off from the database without its socket closing (a network partition, a
 * host that froze or lost power) must not keep its chains' locks: the Postgres server would
 * hold such a session, and with it the advisory locks, until TCP keepalive gives up on it
 * (over two hours with Linux defaults), and no other instance could scan or send meanwhile.
 * Here the leader reaches Postgres through a proxy that stops forwarding while holding every
 * connection open; the waiting instance must take over within a bounded time and pay each
 * withdrawal once, as the devnets' ledgers say.
 */

import assert from "node:assert/strict";
import { freshTonAddress, freshTronAddress, startDevnetWorld } from "../support/devnet_world.ts";
import { proxiedDatabase } from "../support/tcp_proxy.ts";
import {
  freePort,
  isLeader,
  type ProcessorChild,
  spawnProcessor,
} from "../support/processor_child.ts";
import { until } from "../support/waiting.ts";

const DATABASE_URL = Deno.env.get("DATABASE_URL");

Deno.test({
  name:
    "a leader partitioned from the database loses its locks: the waiting instance takes over and pays each withdrawal once",
  ignore: !DATABASE_URL,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { proxy, url: proxied } = proxiedDatabase();
    const world = await startDevnetWorld();
    const portB = freePort();
    const apiB = `http://127.0.0.1:${portB}`;
    let a: ProcessorChild | null = null;
    let b: ProcessorChild | null = null;
    try {
      a = spawnProcessor(world.configPath, { DATABASE_URL: proxied });
      for (const lock of ["sender:ton", "sender:tron", "ingest:ton", "ingest:tron"]) {
        await a.waitForLog(isLeader(lock), 90_000);
      }
      b = spawnProcessor(world.configPath, { API_PORT: String(portB) });
      await b.waitForLog((e) => e.message === "processor started", 90_000);
      await world.fundHotWallets(await world.hotWallets(apiB));

      proxy.blackhole();
      const plan = [
        { currency: "TON", amount: 1_111_000_000n, destination: freshTonAddress() },
        { currency: "TRX", amount: 2_222_000n, destination: freshTronAddress() },
        { currency: "USDT_TRC20", amount: 3_333_000n, destination: freshTronAddress() },
      ];
      const ids: number[] = [];
      for (const [i, w] of plan.entries()) {
        const r = await world.call("POST", "/v1/withdrawal/send", {
          user_id: "u",
          query_id: `q${i}`,
          currency: w.currency,
          amount: w.amount.toString(),
          destination: w.destination,
        }, apiB);
        assert.equal(r.status, 200, JSON.stringify(r.json));
        ids.push(r.json!.ID as number);
      }
      // Bounded: the locks come free once the cut-off sessions are ended by the server.
      for (const lock of ["ingest:ton", "ingest:tron", "sender:ton", "sender:tron"]) {
        await b.waitForLog(isLeader(lock), 60_000);
      }
      for (const id of ids) {
        await until(`withdrawal ${id} processed`, async () => {
          const r = await world.call("GET", `/v1/withdrawal/status?id=${id}`, undefined, apiB);
          return r.json?.status === "processed" ? true : null;
        }, 60_000);
      }
      // The partition heals: the old leader finds the locks taken and stays a standby.
      proxy.restore();
      for (let i = 0; i < 4; i++) {
        await Promise.all([world.ton.waitForBlock(), world.tron.waitForBlock()]);
      }
      assert.equal(await world.tonBalance(plan[0].destination), plan[0].amount);
      assert.equal(world.trxBalance(plan[1].destination), plan[1].amount);
      assert.equal(world.trc20Balance("USDT_TRC20", plan[2].destination), plan[2].amount);
      const alarms = await world.call("GET", "/v1/admin/alarms?state=unresolved", undefined, apiB);
      assert.deepEqual(alarms.json, { alarms: [] });
    } finally {
      proxy.restore();
      await a?.kill();
      await b?.stop();
      await world.close();
      await proxy.close();
    }
  },
});
