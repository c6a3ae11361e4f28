/**
 * The whole processor as dev mode runs it (workers under leader locks, HTTP, devnet blocks on
 * a timer), driven only through HTTP as a new user would.
 */

import assert from "node:assert/strict";
import { Address, toNano } from "@ton/core";
import { Buffer } from "node:buffer";
import { bearerCaller, startE2e } from "../support/e2e.ts";
import { until } from "../support/waiting.ts";

Deno.test("dev mode end to end: address, faucet payment, income, withdrawal, balances", async () => {
  const e2e = await startE2e({ ton: { blockIntervalMs: 500 } });
  try {
    const running = await e2e.start();
    const statuses: number[] = [];
    const call = bearerCaller(running.url, statuses);
    const info = await call("GET", "/devnet");
    const hot = info.json.chains.ton.hot_wallet as string;
    await call("POST", "/devnet/faucet", { currency: "TON", to: hot, amount: "50000000000" });

    const { json: { address } } = await call("POST", "/v1/address/new", {
      user_id: "alice",
      currency: "TON",
    });
    const paid = await call("POST", "/devnet/faucet", {
      currency: "TON",
      to: address,
      amount: "2500000000",
      comment: "order 17",
    });
    assert.equal(paid.status, 200);

    const income = await until("the income", async () => {
      const r = await call("GET", "/v1/deposit/history?user_id=alice&currency=TON");
      return r.json.incomes?.length ? r.json.incomes[0] : null;
    });
    assert.equal(income.amount, "2500000000");
    assert.equal(income.comment, "order 17");
    assert.equal(income.deposit_address, address);
    const byHash = await call("GET", `/v1/deposit/income?tx_hash=${income.tx_hash}`);
    // Blocks keep coming, so only the confirmation count may differ between the two reads.
    const { confirmations: seen, ...rest } = income;
    assert.equal(byHash.json.currency, "TON");
    assert.deepEqual({ ...byHash.json.income, confirmations: seen }, {
      ...rest,
      confirmations: seen,
    });
    assert.ok(byHash.json.income.confirmations >= seen);
    const total = await call("GET", "/v1/income?user_id=alice");
    assert.deepEqual(total.json.total_income, [
      { deposit_address: address, amount: "2500000000", currency: "TON" },
    ]);

    await until("sync", async () => {
      const r = await call("GET", "/v1/system/sync");
      return r.json.is_synced ? true : null;
    });
    const destination = new Address(0, Buffer.alloc(32, 9)).toString({
      testOnly: true,
      bounceable: false,
    });
    const hotBefore = BigInt((await call("GET", "/v1/balance?currency=TON")).json.balance);
    const sent = await call("POST", "/v1/withdrawal/send", {
      user_id: "alice",
      query_id: "payout-1",
      currency: "TON",
      amount: "1000000000",
      destination,
      comment: "thanks",
    });
    const id = sent.json.ID as number;
    const done = await until("the withdrawal", async () => {
      const r = await call("GET", `/v1/withdrawal/status?id=${id}`);
      return r.json.status === "processed" ? r.json : null;
    });
    assert.match(done.tx_hash, /^[0-9a-f]{64}$/);
    const dest = await call("GET", `/v1/balance?currency=TON&address=${destination}`);
    assert.equal(dest.json.balance, "1000000000");
    const hotAfter = await call("GET", "/v1/balance?currency=TON");
    const spent = hotBefore - BigInt(hotAfter.json.balance);
    // The amount plus a fee well under 0.05 TON left the hot wallet (no sweep here: 0 minimum).
    assert.ok(spent >= toNano("1") && spent < toNano("1.05"), `hot wallet spent ${spent}`);
    assert.equal(hotAfter.json.total_pending_amount, "0");
    assert.equal(hotAfter.json.total_processing_amount, "0");

    // A jetton deposit: an owner address paid by a faucet jetton transfer with no forward TON.
    const usdt = (await call("POST", "/v1/address/new", { user_id: "alice", currency: "USDT_TON" }))
      .json.address as string;
    const jettonPaid = await call("POST", "/devnet/faucet", {
      currency: "USDT_TON",
      to: usdt,
      amount: "25000000",
      comment: "order 18",
      forward_amount: "0",
    });
    assert.equal(jettonPaid.status, 200);
    const jettonIncome = await until("the jetton income", async () => {
      const r = await call("GET", "/v1/deposit/history?user_id=alice&currency=USDT_TON");
      return r.json.incomes?.length ? r.json.incomes[0] : null;
    });
    assert.deepEqual(
      [jettonIncome.deposit_address, jettonIncome.amount, jettonIncome.comment],
      [usdt, "25000000", "order 18"],
    );
    assert.equal(jettonIncome.source_address, info.json.chains.ton.faucet);
    const jettonBalance = await call("GET", `/v1/balance?currency=USDT_TON&address=${usdt}`);
    assert.deepEqual(jettonBalance.json, { balance: "25000000", status: "active" });

    // Service withdrawal of the jetton: the owner is topped up with TON, then swept.
    const master = info.json.chains.ton.jettons.USDT_TON as string;
    const service = await call("POST", "/v1/withdrawal/service/jetton", {
      owner: usdt,
      jetton_master: master,
    });
    assert.match(service.json.memo, /^[0-9a-f-]{36}$/);
    await until("the jetton sweep", async () => {
      const r = await call("GET", "/v1/balance?currency=USDT_TON");
      return r.json.balance === "25000000" ? true : null;
    });
    const emptied = await call("GET", `/v1/balance?currency=USDT_TON&address=${usdt}`);
    assert.equal(emptied.json.balance, "0");

    // A jetton withdrawal from the hot wallet's jetton wallet, to a fresh owner.
    const payee = new Address(0, Buffer.alloc(32, 5)).toString({
      testOnly: true,
      bounceable: false,
    });
    const jw = await call("POST", "/v1/withdrawal/send", {
      user_id: "alice",
      query_id: "payout-usdt",
      currency: "USDT_TON",
      amount: "7000000",
      destination: payee,
      comment: "usdt payout",
    });
    const jettonDone = await until("the jetton withdrawal", async () => {
      const r = await call("GET", `/v1/withdrawal/status?id=${jw.json.ID}`);
      return r.json.status === "processed" ? r.json : null;
    });
    assert.match(jettonDone.tx_hash, /^[0-9a-f]{64}$/);
    const payeeBalance = await call("GET", `/v1/balance?currency=USDT_TON&address=${payee}`);
    assert.equal(payeeBalance.json.balance, "7000000");
    const hotUsdt = await call("GET", "/v1/balance?currency=USDT_TON");
    assert.equal(hotUsdt.json.balance, "18000000");
    assert.ok(statuses.every((s) => s < 500), `statuses: ${statuses}`);
  } finally {
    await e2e.close();
  }
});

Deno.test({
  name: "two instances on one Postgres: one scanner and one sender, nothing counted or paid twice",
  ignore: !Deno.env.get("DATABASE_URL"),
  async fn() {
    // TON alone, with the section's defaults (60 s validity, TON the only asset).
    const e2e = await startE2e({
      ton: {
        blockIntervalMs: 400,
        settings: { validitySeconds: 60, assets: { TON: { decimals: 9 } } },
      },
    });
    try {
      const [a, b] = await Promise.all([e2e.start(), e2e.start()]);
      const call = async (base: string, method: string, path: string, body?: unknown) =>
        (await bearerCaller(base)(method, path, body)).json;
      const hot = a.ctx.plugins.get("ton")!.derivation.hotWallet.display;
      await call(a.url, "POST", "/devnet/faucet", {
        currency: "TON",
        to: hot,
        amount: "9000000000",
      });
      // An address made on one instance is watched by whichever instance scans.
      const { address } = await call(b.url, "POST", "/v1/address/new", {
        user_id: "bob",
        currency: "TON",
      });
      for (const amount of ["100000000", "200000000", "300000000"]) {
        await call(a.url, "POST", "/devnet/faucet", { currency: "TON", to: address, amount });
      }
      const incomes = await until("three incomes", async () => {
        const r = await call(a.url, "GET", "/v1/deposit/history?user_id=bob&currency=TON");
        return r.incomes.length >= 3 ? r.incomes : null;
      });
      const destination = new Address(0, Buffer.alloc(32, 3)).toString({
        testOnly: true,
        bounceable: false,
      });
      const ids: number[] = [];
      for (const [i, base] of [a.url, b.url, a.url, b.url].entries()) {
        const r = await call(base, "POST", "/v1/withdrawal/send", {
          user_id: "bob",
          query_id: `q${i % 2}`,
          currency: "TON",
          amount: "500000000",
          destination,
        });
        ids.push(r.ID);
      }
      assert.deepEqual([ids[0], ids[1]], [ids[2], ids[3]]);
      for (const id of new Set(ids)) {
        await until(`withdrawal ${id}`, async () => {
          const r = await call(b.url, "GET", `/v1/withdrawal/status?id=${id}`);
          return r.status === "processed" ? r : null;
        });
      }
      // Let a few more blocks pass: a second scanner or sender would show up now.
      await new Promise((r) => setTimeout(r, 2000));
      const after = await call(b.url, "GET", "/v1/deposit/history?user_id=bob&currency=TON");
      assert.equal(after.incomes.length, 3);
      // The same incomes, each once; only their confirmations have grown.
      const strip = (list: Record<string, unknown>[]) =>
        list.map(({ confirmations: _, ...rest }) => rest);
      assert.deepEqual(strip(after.incomes), strip(incomes));
      const dest = await call(a.url, "GET", `/v1/balance?currency=TON&address=${destination}`);
      assert.equal(dest.balance, "1000000000");
    } finally {
      await e2e.close();
    }
  },
});
