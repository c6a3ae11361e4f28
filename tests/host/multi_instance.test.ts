/**
 * Two instances of one plugin in one processor: `ton` and `ton_b` (`"plugin": "ton"`), each on
 * its own TON devnet with its own mnemonic and asset code. A deposit on each is an income of its
 * own instance only, a withdrawal from each is paid by its own hot wallet, and cursors and hot
 * wallet rows are kept per instance. A config that reuses an asset code across instances is
 * refused, naming the field.
 */

import assert from "node:assert/strict";
import { Address } from "@ton/core";
import { mnemonicNew } from "@ton/crypto";
import { Buffer } from "node:buffer";
import postgres from "postgres";
import { silentLogger } from "../../core/log.ts";
import { parseConfig } from "../../host/registry.ts";
import { startProcessor } from "../../host/runtime.ts";
import { tonDevnetControls } from "../../plugins/ton/dev.ts";
import { startTonDevnet } from "../../plugins/ton/devnet/server.ts";
import { bearerCaller, E2E_TOKEN } from "../support/e2e.ts";
import { until } from "../support/waiting.ts";

Deno.test("two TON instances keep their incomes, withdrawals, cursors and hot wallets apart", async () => {
  const a = await startTonDevnet({ blockIntervalMs: 500 });
  const b = await startTonDevnet({ blockIntervalMs: 500 });
  const url = Deno.env.get("DATABASE_URL");
  const schema = `multi_${crypto.randomUUID().replaceAll("-", "")}`;
  const admin = url ? postgres(url, { max: 1, onnotice: () => {} }) : null;
  await admin?.unsafe(`create schema ${schema}`);
  const section = async (endpoint: string, code: string) => ({
    endpoint,
    mnemonic: (await mnemonicNew()).join(" "),
    rps: 1000,
    validitySeconds: 20,
    assets: { [code]: { decimals: 9 } },
  });
  const config = parseConfig({
    network: "devnet",
    api: { port: 0, hostname: "127.0.0.1", tokens: [E2E_TOKEN] },
    database: url ? { url, schema } : { dataDir: "memory://" },
    ton: await section(a.endpoint, "TON"),
    ton_b: { plugin: "ton", ...await section(b.endpoint, "TONB") },
  });
  const running = await startProcessor(config, silentLogger, {
    ton: tonDevnetControls(a),
    ton_b: tonDevnetControls(b, "TONB"),
  });
  try {
    const call = bearerCaller(running.url);
    const info = (await call("GET", "/devnet")).json.chains;
    assert.notEqual(info.ton.hot_wallet, info.ton_b.hot_wallet);
    for (const [code, chain] of [["TON", "ton"], ["TONB", "ton_b"]]) {
      const funded = await call("POST", "/devnet/faucet", {
        currency: code,
        to: info[chain].hot_wallet,
        amount: "50000000000",
      });
      assert.equal(funded.status, 200, JSON.stringify(funded.json));
    }

    // A deposit on each instance, paid on that instance's devnet only.
    const deposits: Record<string, string> = {};
    for (const [code, amount] of [["TON", "2000000000"], ["TONB", "3000000000"]]) {
      const r = await call("POST", "/v1/address/new", { user_id: "alice", currency: code });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      deposits[code] = r.json.address;
      const paid = await call("POST", "/devnet/faucet", {
        currency: code,
        to: r.json.address,
        amount,
      });
      assert.equal(paid.status, 200, JSON.stringify(paid.json));
    }
    for (const [code, amount] of [["TON", "2000000000"], ["TONB", "3000000000"]]) {
      const incomes = await until(`the ${code} income`, async () => {
        const r = await call("GET", `/v1/deposit/history?user_id=alice&currency=${code}`);
        return r.json.incomes?.length ? r.json.incomes : null;
      });
      assert.deepEqual(
        incomes.map((
          i: { amount: string; deposit_address: string },
        ) => [i.amount, i.deposit_address]),
        [[amount, deposits[code]]],
      );
    }
    const total = await call("GET", "/v1/income?user_id=alice");
    assert.deepEqual(
      [...total.json.total_income].sort((x, y) => x.currency.localeCompare(y.currency)),
      [
        { deposit_address: deposits.TON, amount: "2000000000", currency: "TON" },
        { deposit_address: deposits.TONB, amount: "3000000000", currency: "TONB" },
      ],
    );

    // A withdrawal from each instance reaches a destination on that instance's chain only.
    const destination = new Address(0, Buffer.alloc(32, 9)).toString({
      testOnly: true,
      bounceable: false,
    });
    for (const [code, amount] of [["TON", "1000000000"], ["TONB", "1500000000"]]) {
      const sent = await call("POST", "/v1/withdrawal/send", {
        user_id: "alice",
        query_id: `payout-${code}`,
        currency: code,
        amount,
        destination,
      });
      assert.equal(sent.status, 200, JSON.stringify(sent.json));
      await until(`the ${code} withdrawal`, async () => {
        const r = await call("GET", `/v1/withdrawal/status?id=${sent.json.ID}`);
        return r.json.status === "processed" ? r.json : null;
      });
    }
    const onA = await call("GET", `/v1/balance?currency=TON&address=${destination}`);
    const onB = await call("GET", `/v1/balance?currency=TONB&address=${destination}`);
    assert.equal(onA.json.balance, "1000000000");
    assert.equal(onB.json.balance, "1500000000");

    // Storage keeps the instances apart.
    const cursors = await running.ctx.db.query<{ chain: string }>(
      "select chain from cursors order by chain",
    );
    assert.deepEqual(cursors.map((r) => r.chain), ["ton", "ton_b"]);
    const hot = await running.ctx.db.query<{ chain: string; display: string }>(
      "select chain, display from hot_wallets order by chain",
    );
    assert.deepEqual(hot.map((r) => [r.chain, r.display]), [
      ["ton", info.ton.hot_wallet],
      ["ton_b", info.ton_b.hot_wallet],
    ]);
  } finally {
    await running.stop();
    await a.close();
    await b.close();
    await admin?.unsafe(`drop schema ${schema} cascade`);
    await admin?.end();
  }
});

Deno.test("a config reusing an asset code across instances is refused, naming the field", () => {
  assert.throws(
    () =>
      parseConfig({
        network: "devnet",
        ton: { assets: { TON: { decimals: 9 } } },
        ton_b: { plugin: "ton", assets: { TON: { decimals: 9 } } },
      }),
    /ton_b\.assets\.TON/,
  );
});
