/**
 * The whole processor with the EVM plugin (workers under leader locks, HTTP, the EVM devnet
 * sealing blocks on a timer), driven only through HTTP: the exchange API on a USDT-like token
 * and the native coin, and a merchant deposit on the token with its signed webhooks.
 */

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { evmAccountKey, newEvmMnemonic } from "../../plugins/evm/derivation.ts";
import { bearerCaller, startE2e } from "../support/e2e.ts";
import { until } from "../support/waiting.ts";

const CONFIRMATIONS = 3;

Deno.test("EVM end to end: USDT-like and native deposits final once, a withdrawal, a sweep with its fee", async () => {
  const e2e = await startE2e({
    evm: {
      blockIntervalMs: 300,
      settings: { confirmations: CONFIRMATIONS },
      assets: { USDT_ERC20: { minSweep: "20000000" } },
    },
  });
  try {
    const running = await e2e.start();
    const statuses: number[] = [];
    const call = bearerCaller(running.url, statuses);
    const info = await call("GET", "/devnet");
    const hot = info.json.chains.evm.hot_wallet as string;
    assert.match(hot, /^0x[0-9a-fA-F]{40}$/);
    assert.notEqual(hot, hot.toLowerCase(), "checksummed");
    await call("POST", "/devnet/faucet", {
      currency: "ETH",
      to: hot,
      amount: "10" + "0".repeat(18),
    });
    await call("POST", "/devnet/faucet", { currency: "USDT_ERC20", to: hot, amount: "100000000" });

    const usdt =
      (await call("POST", "/v1/address/new", { user_id: "alice", currency: "USDT_ERC20" }))
        .json.address as string;
    assert.match(usdt, /^0x[0-9a-fA-F]{40}$/);
    const paid = await call("POST", "/devnet/faucet", {
      currency: "USDT_ERC20",
      to: usdt.toLowerCase(),
      amount: "25000000",
    });
    assert.equal(paid.status, 200, JSON.stringify(paid.json));
    const final = await until("the USDT income to be final", async () => {
      const total = await call("GET", "/v1/income?user_id=alice");
      const counted = total.json.total_income.find((t: { deposit_address: string }) =>
        t.deposit_address === usdt
      );
      return counted && counted.amount !== "0" ? counted : null;
    });
    assert.equal(final.amount, "25000000");
    const history = await call("GET", "/v1/deposit/history?user_id=alice&currency=USDT_ERC20");
    assert.equal(history.json.incomes.length, 1, "one income, once");
    assert.equal(history.json.incomes[0].source_address, info.json.chains.evm.faucet);
    assert.ok(history.json.incomes[0].confirmations >= CONFIRMATIONS);

    const eth = (await call("POST", "/v1/address/new", { user_id: "alice", currency: "ETH" }))
      .json.address as string;
    await call("POST", "/devnet/faucet", { currency: "ETH", to: eth, amount: "7000000000000000" });
    const ethIncome = await until("the ETH income to be final", async () => {
      const r = await call("GET", "/v1/deposit/history?user_id=alice&currency=ETH");
      const income = r.json.incomes?.[0];
      return income && income.confirmations >= CONFIRMATIONS ? r.json.incomes : null;
    });
    assert.deepEqual(ethIncome.map((i: { amount: string }) => i.amount), ["7000000000000000"]);

    // The USDT deposit is above its minimum: topped up with gas, swept whole, fee recorded.
    const sweep = await until("the sweep", async () => {
      const r = await call("GET", "/v1/sweeps?chain=evm");
      return r.json.sweeps.find((s: { status: string }) => s.status === "done") ?? null;
    });
    assert.equal(sweep.deposit_address, usdt);
    assert.equal(sweep.amount, "25000000");
    assert.ok(BigInt(sweep.fee) > 0n, `fee ${sweep.fee}`);
    const emptied = await call("GET", `/v1/balance?currency=USDT_ERC20&address=${usdt}`);
    assert.equal(emptied.json.balance, "0");

    // A USDT withdrawal to an outside account, given in lower case.
    const payee = evmAccountKey(newEvmMnemonic()).address(1n);
    const sent = await call("POST", "/v1/withdrawal/send", {
      user_id: "alice",
      query_id: "payout-1",
      currency: "USDT_ERC20",
      amount: "12345678",
      destination: payee.address,
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.json));
    const done = await until("the withdrawal", async () => {
      const r = await call("GET", `/v1/withdrawal/status?id=${sent.json.ID}`);
      return r.json.status === "processed" ? r.json : null;
    });
    assert.match(done.tx_hash, /^0x[0-9a-f]{64}$/);
    const got = await call("GET", `/v1/balance?currency=USDT_ERC20&address=${payee.display}`);
    assert.equal(got.json.balance, "12345678");

    // Bad input is a 400 naming the field.
    const bad = await call("POST", "/v1/withdrawal/send", {
      user_id: "alice",
      query_id: "payout-2",
      currency: "USDT_ERC20",
      amount: "1",
      destination: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
    });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error, /^destination: /);
    const sync = await call("GET", "/v1/system/sync");
    assert.ok(sync.json.chains.evm);
    assert.ok(statuses.every((s) => s < 500), `statuses: ${statuses}`);
  } finally {
    await e2e.close();
  }
});

/** The README's recipe: hex(HMAC-SHA256(secret, timestamp + "." + raw body)). */
const sign = (secret: string, ts: string, body: string) =>
  createHmac("sha256", secret).update(`${ts}.${body}`).digest("hex");

Deno.test("a merchant deposit on an EVM token goes process, confirm_check, paid, with signed webhooks", async () => {
  const e2e = await startE2e({
    evm: { blockIntervalMs: 300, settings: { confirmations: CONFIRMATIONS } },
  });
  let secret = "";
  const received: { ok: boolean; status?: string; uuid?: string }[] = [];
  const hooks = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    const body = await req.text();
    const ts = req.headers.get("x-timestamp") ?? "";
    const ok = req.headers.get("x-signature") === sign(secret, ts, body);
    const parsed = JSON.parse(body);
    received.push({ ok, status: parsed.deposit?.status, uuid: parsed.deposit?.uuid });
    return new Response(null, { status: ok ? 204 : 401 });
  });
  try {
    const running = await e2e.start();
    const bearer = bearerCaller(running.url);
    const site = await bearer("POST", "/v1/admin/sites", {
      name: "shop",
      webhookUrl: `http://127.0.0.1:${hooks.addr.port}/hooks`,
    });
    const siteId = site.json.siteId as string;
    secret = site.json.apiSecret as string;
    const signed = async (method: string, path: string, body = "") => {
      const ts = String(Math.floor(Date.now() / 1000));
      const nonce = crypto.randomUUID();
      const r = await fetch(`${running.url}${path}`, {
        method,
        headers: {
          "X-Site-Id": siteId,
          "X-Timestamp": ts,
          "X-Signature-Version": "2",
          "X-Nonce": nonce,
          "X-Signature": sign(secret, `${ts}.${nonce}.${method}.${path}`, body),
        },
        body: body === "" ? undefined : body,
      });
      return { status: r.status, json: await r.json() };
    };
    const deposit = await signed(
      "POST",
      "/v1/public/deposits",
      JSON.stringify({ orderId: "o-1", assetCode: "USDT_ERC20", expectedAmount: "25" }),
    );
    assert.equal(deposit.status, 201, JSON.stringify(deposit.json));
    assert.equal(deposit.json.status, "check");
    assert.equal(deposit.json.memo, null);
    assert.match(deposit.json.address, /^0x[0-9a-fA-F]{40}$/);
    await bearer("POST", "/devnet/faucet", {
      currency: "USDT_ERC20",
      to: deposit.json.address,
      amount: "25000000",
    });
    const paid = await until("paid", async () => {
      const r = await signed("GET", `/v1/public/deposits/${deposit.json.uuid}`);
      return r.json.status === "paid" ? r.json : null;
    });
    assert.equal(paid.transaction.networkStatus, "confirmed");
    const flow = await until("the webhooks", () => {
      const mine = received.filter((e) => e.uuid === deposit.json.uuid);
      return Promise.resolve(mine.at(-1)?.status === "paid" ? mine : null);
    });
    assert.ok(flow.every((e) => e.ok), "every webhook verifies");
    assert.deepEqual(flow.map((e) => e.status), ["process", "confirm_check", "paid"]);
  } finally {
    await e2e.close();
    await hooks.shutdown();
  }
});
