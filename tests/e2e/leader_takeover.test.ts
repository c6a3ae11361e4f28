/**
 * Leadership mid-batch (issue 14, finding 6): two processors on one Postgres, the leader
 * SIGKILLed while it broadcasts the batches it has just signed and persisted. The waiting
 * instance takes over, and every withdrawal lands exactly once, as the devnets' ledgers say.
 */

import assert from "node:assert/strict";
import {
  freshTonAddress,
  freshTronAddress,
  ledgerBalance,
  startDevnetWorld,
} from "../support/devnet_world.ts";
import {
  freePort,
  isLeader,
  type ProcessorChild,
  spawnProcessor,
} from "../support/processor_child.ts";
import { until } from "../support/waiting.ts";

interface Planned {
  queryId: string;
  currency: "TON" | "USDT_TON" | "TRX" | "USDT_TRC20";
  amount: bigint;
  destination: string;
  id?: number;
}

Deno.test({
  name:
    "the leader killed while it broadcasts a signed batch: the waiting instance takes over, each withdrawal lands once",
  ignore: !Deno.env.get("DATABASE_URL"),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const world = await startDevnetWorld();
    const portB = freePort();
    const apiB = `http://127.0.0.1:${portB}`;
    let a: ProcessorChild | null = null;
    let b: ProcessorChild | null = null;
    try {
      a = spawnProcessor(world.configPath);
      for (const lock of ["sender:ton", "sender:tron", "ingest:ton", "ingest:tron"]) {
        await a.waitForLog(isLeader(lock), 90_000);
      }
      b = spawnProcessor(world.configPath, { API_PORT: String(portB) });
      await b.waitForLog((e) => e.message === "processor started", 90_000);
      await world.fundHotWallets(await world.hotWallets());

      const plan: Planned[] = [];
      const add = (currency: Planned["currency"], n: number, unit: bigint) => {
        for (let i = 0; i < n; i++) {
          const destination = currency === "TON" || currency === "USDT_TON"
            ? freshTonAddress()
            : freshTronAddress();
          plan.push({
            queryId: `${currency}-${i}`,
            currency,
            amount: unit + BigInt(i),
            destination,
          });
        }
      };
      add("TON", 6, 1_000_000_000n);
      add("USDT_TON", 3, 2_000_000n);
      add("TRX", 6, 3_000_000n);
      add("USDT_TRC20", 4, 4_000_000n);

      // The next broadcast of each chain hangs in the node: the leader is inside it when
      // it dies. TON: the first batch, never delivered. TRON: one of several payloads, so
      // some are on chain, one is persisted and half-sent, the rest not signed yet.
      world.ton.faults.failNext("sendBoc", 1, "timeout");
      const tronSigned = a.waitForLog((e) =>
        e.message === "withdrawal batch signed" && e.chain === "tron"
      );
      // Requests go to the instance that is not leading: the API is stateless.
      for (const w of plan) {
        const r = await world.call("POST", "/v1/withdrawal/send", {
          user_id: "u1",
          query_id: w.queryId,
          currency: w.currency,
          amount: w.amount.toString(),
          destination: w.destination,
        }, apiB);
        assert.equal(r.status, 200, JSON.stringify(r.json));
        w.id = r.json!.ID as number;
      }
      await tronSigned;
      world.tron.faults.failNext("broadcasttransaction", 1, "timeout");
      await until(
        "both leaders' broadcasts held by the nodes",
        () =>
          Promise.resolve(
            world.ton.faults.heldRequests > 0 && world.tron.faults.heldRequests > 0 ? true : null,
          ),
        60_000,
      );
      await a.kill();
      const atKill = await world.sql.unsafe(
        `select chain, status, count(*)::int as n from ${world.schema}.withdrawals
         where kind = 'user' group by chain, status order by chain, status`,
      );
      const processing = (chain: string) =>
        atKill.find((r) => r.chain === chain && r.status === "processing")?.n ?? 0;
      assert.ok(
        processing("ton") > 0,
        `TON batch persisted at the kill: ${JSON.stringify(atKill)}`,
      );
      assert.ok(processing("tron") > 0, `TRON payload persisted: ${JSON.stringify(atKill)}`);

      await b.waitForLog(isLeader("sender:ton"), 60_000);
      await b.waitForLog(isLeader("sender:tron"), 60_000);
      for (const w of plan) {
        await until(`withdrawal ${w.queryId} processed`, async () => {
          const r = await world.call("GET", `/v1/withdrawal/status?id=${w.id}`, undefined, apiB);
          return r.json?.status === "processed" ? true : null;
        }, 90_000);
      }
      // Later blocks would show a second payment if one had gone out.
      await world.ton.waitForBlock();
      await world.tron.waitForBlock();
      await world.ton.waitForBlock();
      for (const w of plan) {
        assert.equal(
          await ledgerBalance(world, w.currency, w.destination),
          w.amount,
          `${w.queryId} on chain`,
        );
      }
      const alarms = await world.call("GET", "/v1/admin/alarms?state=unresolved", undefined, apiB);
      assert.deepEqual(alarms.json, { alarms: [] });
    } finally {
      await a?.kill();
      await b?.stop();
      await world.close();
    }
  },
});
