/**
 * The plugin boundary: a chain that `core/`, `api/` and the built-in registry have never heard
 * of (tests/support/stub_chain) is registered through `createRegistry` alone, with its own
 * config section, environment names, explorer templates and devnet, and serves both APIs.
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import { silentLogger } from "../../core/log.ts";
import { createSite } from "../../core/store/sites.ts";
import { createRegistry } from "../../host/registry.ts";
import { startProcessor } from "../../host/runtime.ts";
import { signedFetch } from "../support/merchant_client.ts";
import { stubChain } from "../support/stub_chain/module.ts";
import { until } from "../support/waiting.ts";

const TOKEN = "stub-token-0123456789abcdef";

Deno.test("a stub chain registered through the registry alone serves the exchange and merchant APIs", async () => {
  const registry = createRegistry([stubChain]);
  const devnet = await stubChain.devnet!.start({});
  const url = Deno.env.get("DATABASE_URL");
  const schema = `stub_${crypto.randomUUID().replaceAll("-", "")}`;
  const admin = url ? postgres(url, { max: 1, onnotice: () => {} }) : null;
  await admin?.unsafe(`create schema ${schema}`);
  // The section comes from the plugin's own env names, as an operator would set them.
  const config = registry.parseConfig(registry.applyEnv({
    network: "devnet",
    api: { port: 0, hostname: "127.0.0.1", tokens: [TOKEN] },
    database: url ? { url, schema } : { dataDir: "memory://" },
  }, { STUB_ENDPOINT: devnet.endpoint, STUB_MNEMONIC: "ALICE", STUB_ASSET_STUB_MIN_SWEEP: "7" }));
  const section = (config as unknown as Record<string, { assets: { STUB: { minSweep: bigint } } }>)
    .stub;
  assert.equal(section.assets.STUB.minSweep, 7n);
  assert.throws(() => registry.parseConfig({ ton: {} }), /ton: Unrecognized key/);

  const running = await startProcessor(config, silentLogger, { stub: devnet.controls }, registry);
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(running.url + path, {
      method,
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, json: await r.json() };
  };
  try {
    // Exchange API: an address, a payment to it in the history, a queued withdrawal.
    const address = await call("POST", "/v1/address/new", { user_id: "7", currency: "STUB" });
    assert.equal(address.status, 200, JSON.stringify(address.json));
    assert.match(address.json.address, /^DEPALICE\d+$/);
    const info = await call("GET", "/devnet");
    assert.equal(info.json.chains.stub.hot_wallet, "HOTALICE");
    const paid = await call("POST", "/devnet/faucet", {
      currency: "STUB",
      to: address.json.address,
      amount: "1500000",
    });
    assert.equal(paid.status, 200, JSON.stringify(paid.json));
    const history = await until("the payment in the history", async () => {
      const r = await call("GET", "/v1/deposit/history?user_id=7&currency=STUB&limit=10");
      return r.status === 200 && r.json.incomes.length ? r.json.incomes : null;
    });
    assert.equal(history.length, 1);
    assert.equal(history[0].amount, "1500000");
    assert.equal(history[0].tx_hash, paid.json.tx_hash);
    const withdrawal = await call("POST", "/v1/withdrawal/send", {
      user_id: "7",
      query_id: "stub-1",
      currency: "STUB",
      destination: "BOBWALLET",
      amount: "1000",
    });
    assert.equal(withdrawal.status, 200, JSON.stringify(withdrawal.json));
    const status = await call("GET", `/v1/withdrawal/status?id=${withdrawal.json.ID}`);
    assert.equal(status.status, 200, JSON.stringify(status.json));
    const refused = await call("POST", "/v1/withdrawal/send", {
      user_id: "7",
      query_id: "stub-2",
      currency: "STUB",
      destination: "not a stub address",
      amount: "1000",
    });
    assert.equal(refused.status, 400);
    assert.match(refused.json.error, /^destination/);

    // Merchant API: a deposit, with the plugin's explorer templates filled in.
    const { site, apiSecret } = await createSite(running.ctx.db, { name: "stub shop" });
    const creds = { siteId: site.id, apiSecret };
    const deposit = await signedFetch(
      running.url,
      creds,
      "POST",
      "/v1/public/deposits",
      JSON.stringify({ orderId: "o-1", assetCode: "STUB", expectedAmount: "2" }),
    );
    assert.equal(deposit.status, 201, deposit.text);
    const d = deposit.json as { uuid: string; address: string; explorerAddressUrl: string };
    assert.equal(d.explorerAddressUrl, `https://explorer.stub.example/address/${d.address}`);
    const payment = await call("POST", "/devnet/faucet", {
      currency: "STUB",
      to: d.address,
      amount: "2000000",
    });
    const done = await until("the deposit paid", async () => {
      const r = await signedFetch(running.url, creds, "GET", `/v1/public/deposits/${d.uuid}`);
      const json = r.json as { status: string; transaction: { explorerTxUrl: string } };
      return json.status === "paid" ? json : null;
    });
    assert.equal(
      done.transaction.explorerTxUrl,
      `https://explorer.stub.example/tx/${payment.json.tx_hash}`,
    );
  } finally {
    await running.stop();
    await devnet.stop();
    await admin?.unsafe(`drop schema ${schema} cascade`);
    await admin?.end();
  }
});
