/**
 * Response shapes of the seed contract, driven through a stub chain plugin (see
 * tests/support/api_client.ts): these check the API layer's rendering and core wiring, not a
 * chain. End-to-end flows over the TON devnet belong with the TON plugin's harness.
 */

import assert from "node:assert/strict";
import { initCursor } from "../../core/store/cursors.ts";
import { insertIncomes } from "../../core/store/incomes.ts";
import { startApi, STUB_CHAIN, stubPlugin } from "../support/api_client.ts";

const HASH_A = "9d0fb69b1ca9371bc9e5260a248cda12a1c42916f9051fe9fc21b4abdd41d744";
const HASH_B = "7d0fb69b1ca9371bc9e5260a248cda12a1c42916f9051fe9fc21b4abdd41d744";

Deno.test("the exchange API renders the seed's shapes", async (t) => {
  const plugin = stubPlugin();
  const api = await startApi({ plugins: [plugin], devnet: true });
  try {
    let deposit = "";

    await t.step("POST /v1/address/new returns the display address", async () => {
      const r = await api.request("POST", "/v1/address/new", {
        body: { user_id: "123", currency: "TON" },
      });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(Object.keys(r.json as object), ["address"]);
      deposit = (r.json as { address: string }).address;
      assert.match(deposit, /^DEP[0-9]+$/);
    });

    await t.step("GET /v1/address/all lists the user's addresses with currency", async () => {
      const r = await api.request("GET", "/v1/address/all?user_id=123");
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json, { addresses: [{ address: deposit, currency: "TON" }] });
    });

    await t.step("history and income by hash render incomes with string amounts", async () => {
      const now = Math.floor(Date.now() / 1000);
      const canonical = `stub:${deposit.toLowerCase()}`;
      // The stub chain's scanner is at block 20: the incomes below have 11 and 10 blocks.
      await initCursor(api.ctx.db, STUB_CHAIN, { height: 20n, time: now, state: {} });
      await insertIncomes(api.ctx.db, STUB_CHAIN, [
        {
          currency: "TON",
          to: canonical,
          from: "SENDER1",
          amount: 1000000n,
          comment: "hello",
          binaryComment: null,
          txHash: HASH_A,
          eventIndex: 0,
          blockHeight: 10n,
          time: now - 100,
        },
        {
          currency: "TON",
          to: canonical,
          from: null,
          amount: 1n << 255n,
          comment: null,
          binaryComment: "9fe7_",
          txHash: HASH_B,
          eventIndex: 0,
          blockHeight: 11n,
          time: now - 50,
        },
      ]);
      const first = {
        deposit_address: deposit,
        time: now - 100,
        source_address: "SENDER1",
        amount: "1000000",
        comment: "hello",
        tx_hash: HASH_A,
        confirmations: 11,
      };
      const second = {
        deposit_address: deposit,
        time: now - 50,
        source_address: "",
        amount: (1n << 255n).toString(),
        comment: "",
        tx_hash: HASH_B,
        binary_comment: "9fe7_",
        confirmations: 10,
      };
      const desc = await api.request("GET", "/v1/deposit/history?user_id=123&currency=TON");
      assert.equal(desc.status, 200, desc.text);
      assert.deepEqual(desc.json, { incomes: [second, first] });
      const asc = await api.request(
        "GET",
        "/v1/deposit/history?user_id=123&currency=TON&sort_order=asc&limit=1&offset=0",
      );
      assert.deepEqual(asc.json, { incomes: [first] });
      const page2 = await api.request(
        "GET",
        "/v1/deposit/history?user_id=123&currency=TON&sort_order=asc&limit=1&offset=1",
      );
      assert.deepEqual(page2.json, { incomes: [second] });
      const byHash = await api.request("GET", `/v1/deposit/income?tx_hash=${HASH_A.toUpperCase()}`);
      assert.equal(byHash.status, 200, byHash.text);
      assert.deepEqual(byHash.json, { currency: "TON", income: first });
    });

    await t.step("GET /v1/income sums per deposit address on the counting side", async () => {
      const r = await api.request("GET", "/v1/income?user_id=123");
      assert.deepEqual(r.json, {
        counting_side: "deposit",
        total_income: [{
          deposit_address: deposit,
          amount: ((1n << 255n) + 1000000n).toString(),
          currency: "TON",
        }],
      });
    });

    const withdrawal = {
      user_id: "123",
      query_id: "321",
      currency: "TON",
      amount: "100",
      destination: "EXTERNAL1",
      comment: "hello",
    };
    let id = 0;

    await t.step('POST /v1/withdrawal/send answers {"ID": number}', async () => {
      const r = await api.request("POST", "/v1/withdrawal/send", { body: withdrawal });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(Object.keys(r.json as object), ["ID"]);
      id = (r.json as { ID: number }).ID;
      assert.equal(typeof id, "number");
      assert.ok(Number.isSafeInteger(id) && id > 0);
    });

    await t.step("a repeated query_id with the same content returns the first ID", async () => {
      for (let i = 0; i < 3; i++) {
        const r = await api.request("POST", "/v1/withdrawal/send", { body: withdrawal });
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.json, { ID: id });
      }
    });

    await t.step(
      "a repeated query_id with different content is 400 naming the conflict",
      async () => {
        const r = await api.request("POST", "/v1/withdrawal/send", {
          body: { ...withdrawal, amount: "101" },
        });
        assert.equal(r.status, 400, r.text);
        assert.match((r.json as { error: string }).error, /^query_id: .*amount/);
      },
    );

    await t.step("concurrent identical requests all get the same ID", async () => {
      const body = { ...withdrawal, query_id: "concurrent-1" };
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => api.request("POST", "/v1/withdrawal/send", { body })),
      );
      const ids = new Set(answers.map((r) => (r.json as { ID: number }).ID));
      assert.deepEqual(answers.map((r) => r.status), Array(8).fill(200));
      assert.equal(ids.size, 1);
    });

    await t.step(
      "the plugin's memo and address verdicts surface as 400 on their field",
      async () => {
        const long = await api.request("POST", "/v1/withdrawal/send", {
          body: { ...withdrawal, query_id: "q-long", comment: "x".repeat(21) },
        });
        assert.equal(long.status, 400);
        assert.match((long.json as { error: string }).error, /^comment: /);
        const bad = await api.request("POST", "/v1/withdrawal/send", {
          body: { ...withdrawal, query_id: "q-bad", destination: "not-an-address" },
        });
        assert.equal(bad.status, 400);
        assert.match((bad.json as { error: string }).error, /^destination: /);
        const own = await api.request("POST", "/v1/withdrawal/send", {
          body: { ...withdrawal, query_id: "q-own", destination: deposit },
        });
        assert.equal(own.status, 400);
        assert.match((own.json as { error: string }).error, /^destination: .*this processor/);
        const hot = await api.request("POST", "/v1/withdrawal/send", {
          body: { ...withdrawal, query_id: "q-hot", destination: "HOTWALLET" },
        });
        assert.equal(hot.status, 400);
      },
    );

    await t.step("null memos are the same as absent ones", async () => {
      const r = await api.request("POST", "/v1/withdrawal/send", {
        body: { ...withdrawal, query_id: "q-null", comment: null, binary_comment: null },
      });
      assert.equal(r.status, 200, r.text);
    });

    await t.step(
      "GET /v1/withdrawal/status has user_id, query_id, status, no tx_hash yet",
      async () => {
        const r = await api.request("GET", `/v1/withdrawal/status?id=${id}`);
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.json, { user_id: "123", query_id: "321", status: "pending" });
      },
    );

    await t.step("a processed withdrawal's status carries its tx_hash", async () => {
      const r = await api.request("POST", "/v1/withdrawal/send", {
        body: { ...withdrawal, query_id: "q-done", amount: "7" },
      });
      const doneId = (r.json as { ID: number }).ID;
      await api.ctx.db.query(
        "update withdrawals set status = 'processed', tx_hash = $2 where id = $1",
        [doneId, HASH_A],
      );
      const status = await api.request("GET", `/v1/withdrawal/status?id=${doneId}`);
      assert.deepEqual(status.json, {
        user_id: "123",
        query_id: "q-done",
        status: "processed",
        tx_hash: HASH_A,
      });
    });

    await t.step("an internal cold-wallet transfer is not visible by id", async () => {
      const [row] = await api.ctx.db.query<{ id: string }>(
        `insert into withdrawals (chain, currency, kind, amount, destination, destination_input,
           status) values ('stub', 'TON', 'cold', 1, 'stub:cold1', 'COLD1', 'pending')
         returning id::text as id`,
      );
      const r = await api.request("GET", `/v1/withdrawal/status?id=${row.id}`);
      assert.equal(r.status, 404, r.text);
    });

    await t.step("the hot wallet balance includes the queued totals", async () => {
      const r = await api.request("GET", "/v1/balance?currency=TON");
      assert.equal(r.status, 200, r.text);
      const body = r.json as Record<string, string>;
      assert.deepEqual(Object.keys(body), [
        "balance",
        "status",
        "total_processing_amount",
        "total_pending_amount",
      ]);
      assert.equal(body.balance, "1000");
      assert.equal(body.status, "active");
      assert.equal(body.total_processing_amount, "0");
      // 100 (q 321) + 100 (concurrent-1) + 100 (q-null) + 1 (cold); q-done is processed.
      assert.equal(body.total_pending_amount, "301");
    });

    await t.step("another address's balance is {balance, status}", async () => {
      const r = await api.request("GET", "/v1/balance?currency=TON&address=SOMEONE1");
      assert.deepEqual(r.json, { balance: "5", status: "uninit" });
      const bad = await api.request("GET", "/v1/balance?currency=TON&address=bad");
      assert.equal(bad.status, 400);
      assert.match((bad.json as { error: string }).error, /^address: /);
    });

    await t.step("a chain outage is 503 with an error body", async () => {
      const r = await api.request("GET", "/v1/balance?currency=TON&address=DOWN0");
      assert.equal(r.status, 503, r.text);
      assert.deepEqual(r.json, { error: "stub node is down" });
    });

    await t.step("an unexpected exception is a bare 500, details only in the log", async () => {
      const r = await api.request("GET", "/v1/balance?currency=TON&address=BOOM0");
      assert.equal(r.status, 500);
      assert.deepEqual(r.json, { error: "internal error" });
      const logged = api.logs.filter((l) => l.level === "error");
      assert.equal(logged.length, 1);
      assert.equal(logged[0].path, "/v1/balance");
      assert.ok(!JSON.stringify(logged).includes("address=BOOM0"));
    });

    await t.step("a service withdrawal from a deposit returns a memo, once at a time", async () => {
      const r = await api.request("POST", "/v1/withdrawal/service/ton", {
        body: { from: deposit },
      });
      assert.equal(r.status, 200, r.text);
      assert.match((r.json as { memo: string }).memo, /^[0-9a-f-]{36}$/);
      const again = await api.request("POST", "/v1/withdrawal/service/ton", {
        body: { from: deposit },
      });
      assert.equal(again.status, 400);
      assert.match((again.json as { error: string }).error, /^from: /);
      const foreign = await api.request("POST", "/v1/withdrawal/service/ton", {
        body: { from: "FOREIGN1" },
      });
      assert.equal(foreign.status, 400);
      assert.match((foreign.json as { error: string }).error, /^from: /);
    });

    await t.step("GET /v1/resolve returns the resolver's address or 404", async () => {
      const r = await api.request("GET", "/v1/resolve?domain=Wallet.TON");
      assert.deepEqual(r.json, { address: "RESOLVED1" });
      const missing = await api.request("GET", "/v1/resolve?domain=nobody.ton");
      assert.equal(missing.status, 404);
    });

    await t.step("GET /v1/system/sync reports each chain", async () => {
      // Start from a chain that was never scanned.
      await api.ctx.db.query("delete from cursors where chain = $1", [STUB_CHAIN]);
      const before = await api.request("GET", "/v1/system/sync", { token: null });
      assert.deepEqual(before.json, {
        is_synced: false,
        last_block_gen_utime: 0,
        chains: {
          stub: {
            is_synced: false,
            last_block_gen_utime: 0,
            last_block_height: null,
            lag_seconds: null,
          },
        },
      });
      const time = Math.floor(Date.now() / 1000) - 5;
      await initCursor(api.ctx.db, STUB_CHAIN, { height: 42n, time, state: {} });
      const after = await api.request("GET", "/v1/system/sync", { token: null });
      const body = after.json as {
        is_synced: boolean;
        last_block_gen_utime: number;
        chains: { stub: { last_block_height: string; lag_seconds: number } };
      };
      assert.equal(body.is_synced, true);
      assert.equal(body.last_block_gen_utime, time);
      assert.equal(body.chains.stub.last_block_height, "42");
      assert.ok(body.chains.stub.lag_seconds >= 5 && body.chains.stub.lag_seconds < 60);
    });

    await t.step("GET /devnet shows each chain's devnet info without a token", async () => {
      const r = await api.request("GET", "/devnet", { token: null });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json, {
        chains: { stub: { faucet: "FAUCET", height: 7, hot_wallet: "HOTWALLET" } },
      });
    });

    await t.step("POST /devnet/faucet needs a token and sends to the parsed address", async () => {
      const body = { currency: "TON", to: deposit, amount: "500", comment: "gift" };
      const anon = await api.request("POST", "/devnet/faucet", { token: null, body });
      assert.equal(anon.status, 401);
      const r = await api.request("POST", "/devnet/faucet", { body });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json, { tx_hash: "ab".repeat(32) });
      assert.deepEqual(plugin.faucetCalls, [{
        currency: "TON",
        to: `stub:${deposit.toLowerCase()}`,
        amount: 500n,
        comment: "gift",
        forwardAmount: null,
      }]);
      const cases: [Record<string, unknown>, string][] = [
        [{ ...body, amount: "1.5" }, "amount"],
        [{ ...body, to: "bad" }, "to"],
        [{ ...body, currency: "BTC" }, "currency"],
        [{ ...body, extra: true }, "extra"],
      ];
      for (const [bad, field] of cases) {
        const answer = await api.request("POST", "/devnet/faucet", { body: bad });
        assert.equal(answer.status, 400, answer.text);
        assert.match((answer.json as { error: string }).error, new RegExp(`^${field}: `));
      }
    });
  } finally {
    await api.close();
  }
});
