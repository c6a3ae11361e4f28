/**
 * The whole processor with the TRON plugin (workers under leader locks, HTTP, devnet blocks
 * on a timer), driven only through HTTP as a new user would.
 */

import assert from "node:assert/strict";
import { tronHexFromAddress } from "../../plugins/tron/address.ts";
import { bearerCaller, startE2e } from "../support/e2e.ts";
import { testKey } from "../plugins/tron/devnet/helpers.ts";
import { until } from "../support/waiting.ts";

const CONFIRMATIONS = 5;

Deno.test("TRON end to end: deposits to final, a USDT_TRC20 withdrawal, a sweep with its fee", async () => {
  const e2e = await startE2e({
    tron: {
      blockIntervalMs: 300,
      settings: { confirmations: CONFIRMATIONS },
      assets: { USDT_TRC20: { minSweep: "20000000" } },
    },
  });
  try {
    const running = await e2e.start();
    const statuses: number[] = [];
    const call = bearerCaller(running.url, statuses);
    const info = await call("GET", "/devnet");
    const hot = info.json.chains.tron.hot_wallet as string;
    const faucet = info.json.chains.tron.faucet as string;
    await call("POST", "/devnet/faucet", { currency: "TRX", to: hot, amount: "500000000000" });
    await call("POST", "/devnet/faucet", { currency: "USDT_TRC20", to: hot, amount: "100000000" });

    // The scanner is live (a new leader first waits out any old one's lock) and caught up.
    const scanned = async () =>
      Number((await call("GET", "/v1/system/sync")).json.chains.tron.last_block_height);
    const start = await scanned();
    await until("the scanner to start", async () => await scanned() > start + 1 ? true : null);
    const height = (await call("GET", "/devnet")).json.chains.tron.height as number;
    await until("the scanner to catch up", async () => await scanned() >= height ? true : null);

    // A USDT_TRC20 deposit: rising confirmations, counted in /v1/income only once final.
    const usdt = (await call("POST", "/v1/address/new", {
      user_id: "alice",
      currency: "USDT_TRC20",
    })).json.address as string;
    assert.match(usdt, /^T[1-9A-HJ-NP-Za-km-z]{33}$/);
    await call("POST", "/devnet/faucet", { currency: "USDT_TRC20", to: usdt, amount: "25000000" });
    const seen = new Set<number>();
    const final = await until("the USDT income to be final", async () => {
      const r = await call("GET", "/v1/deposit/history?user_id=alice&currency=USDT_TRC20");
      const income = r.json.incomes?.[0];
      if (!income) return null;
      seen.add(income.confirmations);
      const total = await call("GET", "/v1/income?user_id=alice");
      const counted = total.json.total_income.find((t: { deposit_address: string }) =>
        t.deposit_address === usdt
      );
      // Read after the history: counted implies the count reached the configuration.
      if (counted && counted.amount !== "0") {
        return { income, counted };
      }
      assert.ok(
        income.confirmations < CONFIRMATIONS + 1,
        `${income.confirmations} yet not counted`,
      );
      return null;
    });
    assert.equal(final.counted.amount, "25000000");
    assert.equal(final.income.source_address, faucet);
    assert.ok(seen.size >= 2, `confirmations seen rising: ${[...seen]}`);
    const byHash = await call("GET", `/v1/deposit/income?tx_hash=${final.income.tx_hash}`);
    assert.equal(byHash.json.currency, "USDT_TRC20");
    assert.ok(byHash.json.income.confirmations >= CONFIRMATIONS);

    // A TRX deposit, likewise.
    const trx = (await call("POST", "/v1/address/new", { user_id: "alice", currency: "TRX" }))
      .json.address as string;
    await call("POST", "/devnet/faucet", { currency: "TRX", to: trx, amount: "7000000" });
    const trxIncome = await until("the TRX income to be final", async () => {
      const r = await call("GET", "/v1/deposit/history?user_id=alice&currency=TRX");
      const income = r.json.incomes?.[0];
      return income && income.confirmations >= CONFIRMATIONS ? income : null;
    });
    assert.equal(trxIncome.amount, "7000000");
    const all = await call("GET", "/v1/address/all?user_id=alice");
    assert.deepEqual(
      all.json.addresses.map((a: { address: string }) => a.address).sort(),
      [usdt, trx].sort(),
    );

    // The USDT deposit is above its minimum: it is swept to the hot wallet (top-up first),
    // and the sweep's fee is recorded.
    const sweep = await until("the sweep", async () => {
      const r = await call("GET", "/v1/sweeps?chain=tron");
      const done = r.json.sweeps.find((s: { status: string }) => s.status === "done");
      return done ?? null;
    });
    assert.equal(sweep.deposit_address, usdt);
    assert.equal(sweep.amount, "25000000");
    assert.ok(BigInt(sweep.fee) > 0n, `fee ${sweep.fee}`);
    const emptied = await call("GET", `/v1/balance?currency=USDT_TRC20&address=${usdt}`);
    assert.deepEqual(emptied.json, { balance: "0", status: "active" });
    // The top-up was sized for a transfer to a new holder; the hot wallet holds USDT, so the
    // sweep burnt about half of it, and the deposit sends the rest back: no TRX stays.
    await until("the rest of the top-up to come back", async () => {
      const r = await call("GET", `/v1/balance?currency=TRX&address=${usdt}`);
      return r.json.balance === "0" ? true : null;
    });

    // A USDT_TRC20 withdrawal to a fresh account, given in 41… hex.
    const payee = testKey("e2e-payee").address;
    const fresh = await call("GET", `/v1/balance?currency=USDT_TRC20&address=${payee}`);
    assert.deepEqual(fresh.json, { balance: "0", status: "non_exist" });
    const sent = await call("POST", "/v1/withdrawal/send", {
      user_id: "alice",
      query_id: "payout-1",
      currency: "USDT_TRC20",
      amount: "12345678",
      destination: tronHexFromAddress(payee),
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.json));
    const done = await until("the withdrawal", async () => {
      const r = await call("GET", `/v1/withdrawal/status?id=${sent.json.ID}`);
      return r.json.status === "processed" ? r.json : null;
    });
    assert.match(done.tx_hash, /^[0-9a-f]{64}$/);
    const paid = await call("GET", `/v1/balance?currency=USDT_TRC20&address=${payee}`);
    assert.equal(paid.json.balance, "12345678");

    // Bad input is a 400 naming the field.
    const bad = await call("POST", "/v1/withdrawal/send", {
      user_id: "alice",
      query_id: "payout-2",
      currency: "USDT_TRC20",
      amount: "1",
      destination: "T-not-an-address",
    });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error, /^destination: /);
    const memo = await call("POST", "/v1/withdrawal/send", {
      user_id: "alice",
      query_id: "payout-3",
      currency: "TRX",
      amount: "1",
      destination: payee,
      comment: "hello",
    });
    assert.equal(memo.status, 400);
    assert.match(memo.json.error, /^comment: /);

    const sync = await call("GET", "/v1/system/sync");
    assert.equal(typeof sync.json.is_synced, "boolean");
    assert.equal(typeof sync.json.last_block_gen_utime, "number");
    assert.ok(sync.json.chains.tron);
    assert.ok(statuses.every((s) => s < 500), `statuses: ${statuses}`);
  } finally {
    await e2e.close();
  }
});
