/**
 * The operator's routes: alarms halt a chain's sender until resolved through the admin API
 * (acknowledging alone does not resume it), unrecognized transfers are listed, and each hot
 * wallet shows its balances and what it must be funded with. On a real TRON devnet, so the
 * sender that halts and resumes is the real one.
 */

import assert from "node:assert/strict";
import { newAddress, requestWithdrawal } from "../../core/processor.ts";
import { senderTick } from "../../core/sender.ts";
import { raiseAlarm } from "../../core/store/alarms.ts";
import { type ApiResponse, serveApi, TEST_TOKEN } from "../support/api_client.ts";
import { withTronHarness } from "../support/harness.ts";
import { testKey } from "../plugins/tron/devnet/helpers.ts";

interface Alarm {
  id: number;
  chain: string;
  kind: string;
  state: string;
  haltsSender: boolean;
  detail: string;
  context: Record<string, unknown> | null;
  createdAt: string;
  acknowledgedAt: string | null;
  acknowledgedNote: string | null;
  resolvedAt: string | null;
  resolvedNote: string | null;
}

function assertError(r: ApiResponse, status: number, error: RegExp): void {
  assert.equal(r.status, status, r.text);
  assert.deepEqual(Object.keys(r.json as object), ["error"], r.text);
  assert.match((r.json as { error: string }).error, error);
}

const withApi = (
  fn: (
    h: Parameters<Parameters<typeof withTronHarness>[1]>[0],
    api: ReturnType<typeof serveApi>,
  ) => Promise<void>,
) =>
  withTronHarness({ raw: { api: { tokens: [TEST_TOKEN] } } }, async (h) => {
    const api = serveApi(h.ctx);
    try {
      await fn(h, api);
    } finally {
      await api.close();
    }
  });

Deno.test(
  "an alarm halts the sender, shows in the admin API, and only resolving it resumes sending",
  () =>
    withApi(async (h, api) => {
      await h.devnet.faucetTrx(h.hot, 1_000_000_000n);
      await h.block();
      await raiseAlarm(h.ctx.db, "tron", "test_condition", "raised by the test", {
        txHash: "ef".repeat(32),
      });
      await requestWithdrawal(h.ctx, {
        userId: "u1",
        queryId: "q1",
        currency: "TRX",
        amount: 1_000_000n,
        destination: testKey("alarm-payee").address,
        comment: null,
        binaryComment: null,
      });
      const halted = await senderTick(h.ctx, h.plugin);
      assert.equal(halted.halted, true);
      assert.equal(halted.batched, 0);

      const list = await api.request("GET", "/v1/admin/alarms");
      assert.equal(list.status, 200, list.text);
      const [alarm] = (list.json as { alarms: Alarm[] }).alarms;
      assert.equal(alarm.chain, "tron");
      assert.equal(alarm.kind, "test_condition");
      assert.equal(alarm.state, "open");
      assert.equal(alarm.haltsSender, true);
      assert.equal(alarm.detail, "raised by the test");
      assert.deepEqual(alarm.context, { txHash: "ef".repeat(32) });
      assert.match(alarm.createdAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      const open = await api.request("GET", "/v1/admin/alarms?state=unresolved&chain=tron");
      assert.deepEqual((open.json as { alarms: Alarm[] }).alarms.map((a) => a.id), [alarm.id]);

      const ack = await api.request("POST", `/v1/admin/alarms/${alarm.id}/acknowledge`, {
        body: { note: "looking into it" },
      });
      assert.equal(ack.status, 200, ack.text);
      assert.equal((ack.json as Alarm).state, "acknowledged");
      assert.equal((ack.json as Alarm).acknowledgedNote, "looking into it");
      assert.equal((await senderTick(h.ctx, h.plugin)).halted, true, "acknowledged still halts");

      assertError(
        await api.request("POST", `/v1/admin/alarms/${alarm.id}/resolve`, { body: {} }),
        400,
        /^note: is required$/,
      );
      assertError(
        await api.request("POST", `/v1/admin/alarms/${alarm.id}/resolve`, { body: { note: " " } }),
        400,
        /^note: must not be empty$/,
      );
      const resolved = await api.request("POST", `/v1/admin/alarms/${alarm.id}/resolve`, {
        body: { note: "checked: our own test" },
      });
      assert.equal(resolved.status, 200, resolved.text);
      assert.equal((resolved.json as Alarm).state, "resolved");
      assert.equal((resolved.json as Alarm).haltsSender, false);
      assert.equal((resolved.json as Alarm).resolvedNote, "checked: our own test");
      assertError(
        await api.request("POST", `/v1/admin/alarms/${alarm.id}/resolve`, {
          body: { note: "again" },
        }),
        409,
        /^alarmId: alarm \d+ is already resolved$/,
      );

      const resumed = await senderTick(h.ctx, h.plugin);
      assert.equal(resumed.halted, false);
      assert.equal(resumed.batched, 1);
      const closed = await api.request("GET", "/v1/admin/alarms?state=resolved");
      assert.deepEqual((closed.json as { alarms: Alarm[] }).alarms.map((a) => a.id), [alarm.id]);
      const none = await api.request("GET", "/v1/admin/alarms?state=open");
      assert.deepEqual((none.json as { alarms: Alarm[] }).alarms, []);
    }),
);

Deno.test("the alarm routes refuse bad input naming the field, and want the token", () =>
  withApi(async (_h, api) => {
    assertError(await api.request("GET", "/v1/admin/alarms?state=new"), 400, /^state: must be/);
    assertError(await api.request("GET", "/v1/admin/alarms?limit=0"), 400, /^limit: /);
    assertError(await api.request("GET", "/v1/admin/alarms?chain=TRON"), 400, /^chain: /);
    assertError(await api.request("GET", "/v1/admin/alarms?x=1"), 400, /^x: unknown parameter$/);
    assertError(
      await api.request("POST", "/v1/admin/alarms/999/resolve", { body: { note: "n" } }),
      404,
      /^alarmId: no alarm 999$/,
    );
    assertError(
      await api.request("POST", "/v1/admin/alarms/abc/acknowledge", { body: { note: "n" } }),
      404,
      /^alarmId: /,
    );
    for (const path of ["/v1/admin/alarms", "/v1/admin/unrecognized", "/v1/admin/wallets"]) {
      assertError(await api.request("GET", path, { token: null }), 401, /^authorization: /);
    }
  }));

Deno.test("unrecognized transfers are listed newest first with their deposit", () =>
  withApi(async (h, api) => {
    const deposit = await newAddress(h.ctx, "u2", "USDT_TRC20");
    const [row] = await h.ctx.db.query("select id::text as id from addresses");
    for (const [i, hash] of ["aa", "bb"].entries()) {
      await h.ctx.db.query(
        `insert into unrecognized_transfers (chain, address_id, token, source_address, amount,
           tx_hash, block_time, block_height) values ('tron', $1, 'TFakeToken', null, $2, $3,
           1700000000, $4)`,
        [row.id as string, String(1000 + i), hash.repeat(32), 10 + i],
      );
    }
    const r = await api.request("GET", "/v1/admin/unrecognized?chain=tron&limit=10");
    assert.equal(r.status, 200, r.text);
    const transfers = (r.json as { transfers: Record<string, unknown>[] }).transfers;
    assert.deepEqual(transfers.map((t) => t.txHash), ["bb".repeat(32), "aa".repeat(32)]);
    assert.equal(transfers[0].depositAddress, deposit);
    assert.equal(transfers[0].depositCurrency, "USDT_TRC20");
    assert.equal(transfers[0].amount, "1001");
    assert.equal(transfers[0].blockHeight, "11");
    const older = await api.request("GET", `/v1/admin/unrecognized?before=${transfers[0].id}`);
    assert.deepEqual(
      (older.json as { transfers: { txHash: string }[] }).transfers.map((t) => t.txHash),
      ["aa".repeat(32)],
    );
  }));

Deno.test("the wallets route shows each hot wallet, its balances, and what it needs funding with", () =>
  withApi(async (h, api) => {
    await h.devnet.faucetTrx(h.hot, 5_000_000n);
    await h.block();
    const before = await api.request("GET", "/v1/admin/wallets");
    assert.equal(before.status, 200, before.text);
    const [wallet] = (before.json as { wallets: Record<string, unknown>[] }).wallets;
    assert.equal(wallet.chain, "tron");
    assert.equal(wallet.address, h.plugin.derivation.hotWallet.display);
    assert.equal(wallet.feeCurrency, "TRX");
    const assets = wallet.assets as Record<string, unknown>[];
    assert.deepEqual(assets.map((a) => a.currency), ["TRX", "USDT_TRC20"]);
    assert.equal(assets[0].balance, "5000000");
    assert.deepEqual(wallet.needs, []);
    // More is queued than the wallet holds: it needs the difference and the transfers' fees.
    await requestWithdrawal(h.ctx, {
      userId: "u3",
      queryId: "big",
      currency: "TRX",
      amount: 7_000_000n,
      destination: testKey("wallets-payee").address,
      comment: null,
      binaryComment: null,
    });
    await requestWithdrawal(h.ctx, {
      userId: "u3",
      queryId: "token",
      currency: "USDT_TRC20",
      amount: 3_000_000n,
      destination: testKey("wallets-payee").address,
      comment: null,
      binaryComment: null,
    });
    const after = await api.request("GET", "/v1/admin/wallets");
    const needs = ((after.json as { wallets: Record<string, unknown>[] }).wallets[0].needs) as {
      currency: string;
      amount: string;
    }[];
    const fees = h.plugin.sender.nativeCost("USDT_TRC20") + h.plugin.sender.nativeCost("TRX");
    assert.deepEqual(needs.map((n) => [n.currency, n.amount]), [
      ["TRX", (2_000_000n + fees).toString()],
      ["USDT_TRC20", "3000000"],
    ]);
    const queued = ((after.json as { wallets: Record<string, unknown>[] }).wallets[0]
      .assets as Record<string, unknown>[])[0];
    assert.deepEqual([queued.pending, queued.queued], ["7000000", 1]);
  }));
