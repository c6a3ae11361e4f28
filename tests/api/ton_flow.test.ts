/**
 * The exchange API end to end over the real TON plugin on its devnet: deposit, history,
 * income by hash, totals, sync, balances, withdrawal through the sender to processed,
 * service withdrawal, DNS and the devnet faucet.
 */

import assert from "node:assert/strict";
import { Address, toNano } from "@ton/core";
import { senderTick } from "../../core/sender.ts";
import { type ApiResponse, serveApi } from "../support/api_client.ts";
import { startTonHarness, TEST_TOKEN } from "../support/harness.ts";

const randomAddress = () =>
  new Address(0, crypto.getRandomValues(new Uint8Array(32)) as never).toString({
    testOnly: true,
    bounceable: false,
  });

function field<T>(r: ApiResponse, key: string): T {
  assert.equal(r.status, 200, r.text);
  return (r.json as Record<string, T>)[key];
}

Deno.test("the exchange API over the TON devnet, deposit to processed withdrawal", async (t) => {
  const h = await startTonHarness();
  const api = serveApi(h.ctx, { devnet: true, defaultToken: TEST_TOKEN });
  try {
    let deposit = "";
    let incomeHash = "";

    await t.step("a new TON deposit address is user-friendly and listed for the user", async () => {
      deposit = field<string>(
        await api.request("POST", "/v1/address/new", { body: { user_id: "u1", currency: "TON" } }),
        "address",
      );
      assert.match(deposit, /^[0-9A-Za-z_-]{48}$/);
      const all = await api.request("GET", "/v1/address/all?user_id=u1");
      assert.deepEqual(all.json, { addresses: [{ address: deposit, currency: "TON" }] });
    });

    await t.step(
      "the devnet faucet funds the deposit and the income shows in history",
      async () => {
        const pending = api.request("POST", "/devnet/faucet", {
          body: { currency: "TON", to: deposit, amount: "2000000000", comment: "hello" },
        });
        // The faucet's transfer lands only when a block is sealed after the request queued it:
        // seal blocks until the request answers rather than guessing how long that takes.
        let answered = false;
        pending.finally(() => answered = true);
        for (let i = 0; i < 50 && !answered; i++) {
          await h.block();
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const faucetHash = field<string>(await pending, "tx_hash");
        assert.match(faucetHash, /^[0-9a-f]{64}$/);
        await h.block();
        const history = await api.request("GET", "/v1/deposit/history?user_id=u1&currency=TON");
        const incomes = field<Record<string, unknown>[]>(history, "incomes");
        assert.equal(incomes.length, 1, history.text);
        const income = incomes[0];
        assert.deepEqual(Object.keys(income).sort(), [
          "amount",
          "comment",
          "confirmations",
          "deposit_address",
          "source_address",
          "time",
          "tx_hash",
        ]);
        assert.equal(income.deposit_address, deposit);
        assert.equal(income.amount, "2000000000");
        assert.equal(income.comment, "hello");
        assert.equal(typeof income.time, "number");
        assert.match(String(income.source_address), /^[0-9A-Za-z_-]{48}$/);
        incomeHash = String(income.tx_hash);
        assert.match(incomeHash, /^[0-9a-f]{64}$/);
      },
    );

    await t.step("the income is found by its tx_hash and counted in /v1/income", async () => {
      const byHash = await api.request("GET", `/v1/deposit/income?tx_hash=${incomeHash}`);
      assert.equal(field<string>(byHash, "currency"), "TON");
      assert.equal((byHash.json as { income: { amount: string } }).income.amount, "2000000000");
      const totals = await api.request("GET", "/v1/income?user_id=u1");
      assert.deepEqual(totals.json, {
        counting_side: "deposit",
        total_income: [{ deposit_address: deposit, amount: "2000000000", currency: "TON" }],
      });
    });

    await t.step("the sync flag is up and the ton chain reports its height", async () => {
      const r = await api.request("GET", "/v1/system/sync", { token: null });
      const body = r.json as {
        is_synced: boolean;
        chains: { ton: { is_synced: boolean; last_block_height: string } };
      };
      assert.equal(body.is_synced, true, r.text);
      assert.equal(body.chains.ton.is_synced, true);
      assert.match(body.chains.ton.last_block_height, /^[0-9]+$/);
    });

    await t.step(
      "balances: the deposit's own, and the hot wallet's with queue totals",
      async () => {
        const own = await api.request("GET", `/v1/balance?currency=TON&address=${deposit}`);
        assert.deepEqual(Object.keys(own.json as object), ["balance", "status"]);
        assert.equal(field<string>(own, "balance"), "2000000000");
        const hot = Address.parseRaw(h.plugin.derivation.hotWallet.address);
        const funded = h.devnet.faucet(hot, toNano("100"));
        await h.block();
        await funded;
        const r = await api.request("GET", "/v1/balance?currency=TON");
        const body = r.json as Record<string, string>;
        assert.equal(r.status, 200, r.text);
        assert.equal(body.balance, toNano("100").toString());
        assert.equal(body.total_pending_amount, "0");
        assert.equal(body.total_processing_amount, "0");
      },
    );

    await t.step("a withdrawal is pending, then processed with its tx_hash", async () => {
      const destination = randomAddress();
      const request = {
        user_id: "u1",
        query_id: "w1",
        currency: "TON",
        amount: "1234567890",
        destination,
        comment: "payout",
      };
      const id = field<number>(
        await api.request("POST", "/v1/withdrawal/send", { body: request }),
        "ID",
      );
      assert.deepEqual(
        (await api.request("POST", "/v1/withdrawal/send", { body: request })).json,
        { ID: id },
      );
      const hot = await api.request("GET", "/v1/balance?currency=TON");
      assert.equal(field<string>(hot, "total_pending_amount"), "1234567890");
      const pending = await api.request("GET", `/v1/withdrawal/status?id=${id}`);
      assert.deepEqual(pending.json, { user_id: "u1", query_id: "w1", status: "pending" });
      await senderTick(h.ctx, h.plugin);
      await h.block();
      const done = await api.request("GET", `/v1/withdrawal/status?id=${id}`);
      const body = done.json as Record<string, string>;
      assert.equal(body.status, "processed", done.text);
      assert.match(body.tx_hash, /^[0-9a-f]{64}$/);
    });

    await t.step("withdrawal refusals from the TON plugin name their field", async () => {
      const base = { user_id: "u1", currency: "TON", amount: "1", destination: randomAddress() };
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ ...base, query_id: "r1", destination: "not-an-address" }, /^destination: /],
        [{ ...base, query_id: "r2", destination: deposit }, /^destination: /],
        [{ ...base, query_id: "r3", comment: "x".repeat(600) }, /comment/],
        [{ ...base, query_id: "r4", binary_comment: "zz" }, /binary_comment/],
      ];
      for (const [body, pattern] of cases) {
        const r = await api.request("POST", "/v1/withdrawal/send", { body });
        assert.equal(r.status, 400, r.text);
        assert.match((r.json as { error: string }).error, pattern);
      }
    });

    await t.step("a service withdrawal from the deposit returns a memo", async () => {
      const r = await api.request("POST", "/v1/withdrawal/service/ton", {
        body: { from: deposit },
      });
      assert.match(field<string>(r, "memo"), /^[0-9a-f-]{36}$/);
      const foreign = await api.request("POST", "/v1/withdrawal/service/ton", {
        body: { from: randomAddress() },
      });
      assert.equal(foreign.status, 400, foreign.text);
    });

    await t.step(
      "DNS: faucet.ton resolves to a bounceable address, unknown names are 404",
      async () => {
        const r = await api.request("GET", "/v1/resolve?domain=faucet.ton");
        const address = field<string>(r, "address");
        assert.equal(Address.parse(address).equals(h.devnet.faucetAddress), true);
        const missing = await api.request("GET", "/v1/resolve?domain=nobody-here.ton");
        assert.equal(missing.status, 404, missing.text);
      },
    );

    await t.step("GET /devnet shows the TON devnet", async () => {
      const r = await api.request("GET", "/devnet", { token: null });
      const chains = field<Record<string, Record<string, unknown>>>(r, "chains");
      assert.equal(typeof chains.ton.faucet, "string");
    });
  } finally {
    await api.close();
    await h.close();
  }
});
