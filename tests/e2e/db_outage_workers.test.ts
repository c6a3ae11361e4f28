/**
 * The database going away under a running processor (issue 14, finding 5): its scanner,
 * sender and webhook workers pause without the process exiting, and once the database is
 * back they resume on their own: the deposits made meanwhile become incomes, once, a
 * withdrawal queued before the outage is paid, once, as the devnets' ledgers say, and the
 * exchange webhook reports each of them. The processor is a child process reaching the
 * shared Postgres through a TCP proxy the test controls; the server itself is never stopped.
 */

import assert from "node:assert/strict";
import { Address } from "@ton/core";
import {
  freshTonAddress,
  freshTronAddress,
  ledgerBalance,
  startDevnetWorld,
} from "../support/devnet_world.ts";
import { proxiedDatabase } from "../support/tcp_proxy.ts";
import { isLeader, type ProcessorChild, spawnProcessor } from "../support/processor_child.ts";
import { until } from "../support/waiting.ts";

const DATABASE_URL = Deno.env.get("DATABASE_URL");

/** Exchange webhook events as received, by type. */
function startReceiver() {
  const events: Record<string, unknown>[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (r) => {
    events.push(await r.json());
    return new Response("ok");
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/hook`,
    events,
    close: () => server.shutdown(),
  };
}

Deno.test({
  name:
    "workers pause while the database is away and resume by themselves: deposits made meanwhile are ingested and a queued withdrawal is paid, each once",
  ignore: !DATABASE_URL,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { proxy, url: proxied } = proxiedDatabase();
    const receiver = startReceiver();
    const world = await startDevnetWorld({
      databaseUrl: proxied,
      extra: { exchangeWebhook: { url: receiver.url, secret: "hook-secret-0123456789" } },
    });
    let child: ProcessorChild | null = null;
    try {
      child = spawnProcessor(world.configPath);
      for (const lock of ["ingest:ton", "ingest:tron", "sender:ton", "sender:tron", "webhooks"]) {
        await child.waitForLog(isLeader(lock), 90_000);
      }
      const deposit = async (currency: string) => {
        const r = await world.call("POST", "/v1/address/new", { user_id: "u", currency });
        assert.equal(r.status, 200);
        return r.json!.address as string;
      };
      const tonDeposit = await deposit("TON");
      const trxDeposit = await deposit("TRX");
      const usdtDeposit = await deposit("USDT_TRC20");
      // Queued before the outage, and not payable before it: the hot wallets are empty.
      const withdrawals = [
        { currency: "TON", amount: 1_234_000_000n, destination: freshTonAddress() },
        { currency: "TRX", amount: 5_432_100n, destination: freshTronAddress() },
      ];
      const ids: number[] = [];
      for (const [i, w] of withdrawals.entries()) {
        const r = await world.call("POST", "/v1/withdrawal/send", {
          user_id: "u",
          query_id: `before-outage-${i}`,
          currency: w.currency,
          amount: w.amount.toString(),
          destination: w.destination,
        });
        assert.equal(r.status, 200, JSON.stringify(r.json));
        ids.push(r.json!.ID as number);
      }
      const hot = await world.hotWallets();

      // Unreachable (packets go nowhere), then stopped (connections refused): during each,
      // deposits arrive and, during the first, the hot wallets are funded.
      const paid: { currency: string; address: string; amount: bigint }[] = [];
      for (
        const [how, cut] of [["unreachable", () => proxy.blackhole()], [
          "stopped",
          () => proxy.refuse(),
        ]] as const
      ) {
        const since = child.logs.length;
        cut();
        if (how === "unreachable") await world.fundHotWallets(hot);
        const n = paid.length;
        paid.push(
          { currency: "TON", address: tonDeposit, amount: 2_000_000_000n + BigInt(n) },
          { currency: "TRX", address: trxDeposit, amount: 20_000_000n + BigInt(n) },
          { currency: "USDT_TRC20", address: usdtDeposit, amount: 150_000_000n + BigInt(n) },
        );
        await world.ton.faucet(Address.parse(tonDeposit), paid[n].amount);
        await world.tron.faucetTrx(trxDeposit, paid[n + 1].amount);
        await world.tron.faucetToken("USDT_TRC20", usdtDeposit, paid[n + 2].amount);
        // The workers meet the outage (their ticks fail) while blocks go by.
        await child.waitForLog(
          (e) => e.level === "warn" && /failed|lost|unavailable/.test(String(e.message)),
          30_000,
          since,
        );
        for (let i = 0; i < 6; i++) await world.tron.waitForBlock();
        const health = await fetch(`${world.api}/healthz`).catch((e) => {
          throw new Error(`${how}: /healthz failed (${e}); the child:\n${child!.report()}`);
        });
        await health.body?.cancel();
        assert.equal(health.status, 200, `${how}: the process still serves`);
        proxy.restore();
        // It leads again by itself, in the same process.
        await child.waitForLog(isLeader("sender:ton"), 60_000, since);
        await child.waitForLog(isLeader("ingest:tron"), 60_000, since);
      }

      for (const [i, id] of ids.entries()) {
        await until(`withdrawal ${id} processed`, async () => {
          const r = await world.call("GET", `/v1/withdrawal/status?id=${id}`);
          return r.json?.status === "processed" ? r.json : null;
        }, 90_000);
        const w = withdrawals[i];
        const onChain = await ledgerBalance(world, w.currency, w.destination);
        assert.equal(onChain, w.amount, `${w.currency} withdrawal on chain, once`);
      }
      const key = (currency: string, address: string, amount: unknown) =>
        `${currency} ${address} ${amount}`;
      const expected = paid.map((p) => key(p.currency, p.address, p.amount)).sort();
      const incomes = await until("every deposit made during the outages", async () => {
        const rows = await world.sql.unsafe(
          `select i.currency, a.display, i.amount::text as amount
           from ${world.schema}.incomes i join ${world.schema}.addresses a on a.id = i.address_id
           where a.purpose = 'user'`,
        );
        return rows.length >= expected.length ? rows : null;
      }, 90_000);
      assert.deepEqual(incomes.map((r) => key(r.currency, r.display, r.amount)).sort(), expected);

      // The webhook worker resumed too: every income final, each withdrawal processed.
      await until("the webhook events", () => {
        const types = receiver.events.map((e) => e.type);
        const confirmed = types.filter((t) => t === "income.confirmed").length;
        const processed = receiver.events.filter((e) =>
          e.type === "withdrawal.status_changed" &&
          (e.withdrawal as { status: string }).status === "processed"
        ).length;
        return Promise.resolve(
          confirmed >= expected.length && processed >= ids.length ? true : null,
        );
      }, 90_000);
      const unique = new Set(receiver.events.map((e) => e.eventId));
      const confirmed = [...new Map(receiver.events.map((e) => [e.eventId, e])).values()]
        .filter((e) => e.type === "income.confirmed")
        .map((e) => {
          const income = e.income as { currency: string; deposit_address: string; amount: string };
          return key(income.currency, income.deposit_address, income.amount);
        }).sort();
      assert.ok(unique.size > 0);
      assert.deepEqual(confirmed, expected);

      // Never an exit on the way.
      const exited = await Promise.race([child.exited.then(() => true), Promise.resolve(false)]);
      assert.equal(exited, false, child.report());
      const alarms = await world.call("GET", "/v1/admin/alarms?state=unresolved");
      assert.deepEqual(alarms.json, { alarms: [] });
    } finally {
      proxy.restore();
      await child?.kill();
      await world.close();
      await proxy.close();
      await receiver.close();
    }
  },
});
