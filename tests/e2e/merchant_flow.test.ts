/**
 * The merchant API as a new merchant uses it from the README, on the whole processor with
 * both devnets: a site, signed requests made with a plain HMAC recipe, a USDT_TRC20 deposit
 * and a TON deposit (paid with its memo) walking to `paid`, signed webhooks that verify with
 * the documented recipe, an underpaid deposit ending `wrong_amount`, and its refund.
 */

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { toNano } from "@ton/core";
import { bearerCaller, startE2e } from "../support/e2e.ts";
import { testKey } from "../plugins/tron/devnet/helpers.ts";
import { until } from "../support/waiting.ts";

/** The README's recipe: hex(HMAC-SHA256(secret, timestamp + "." + raw body)). */
const sign = (secret: string, ts: string, body: string) =>
  createHmac("sha256", secret).update(`${ts}.${body}`).digest("hex");

interface Received {
  siteId: string | null;
  ok: boolean;
  body: { eventId: string; type: string; deposit?: { uuid: string; status: string } };
}

Deno.test("a merchant: site, signed deposits on TRON and TON, webhooks, wrong amount, refund", async () => {
  const e2e = await startE2e({
    ton: { blockIntervalMs: 500 },
    tron: { blockIntervalMs: 300, settings: { confirmations: 3 } },
  });

  let secret = "";
  const received: Received[] = [];
  const hooks = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    const body = await req.text();
    const ts = req.headers.get("x-timestamp") ?? "";
    const ok = req.headers.get("x-signature") === sign(secret, ts, body) &&
      Math.abs(Number(ts) - Date.now() / 1000) <= 300;
    received.push({ siteId: req.headers.get("x-site-id"), ok, body: JSON.parse(body) });
    return new Response(null, { status: ok ? 204 : 401 });
  });

  try {
    const running = await e2e.start();
    const bearer = bearerCaller(running.url);
    // 1. a site, with our receiver as its webhook
    const site = await bearer("POST", "/v1/admin/sites", {
      name: "shop",
      webhookUrl: `http://127.0.0.1:${hooks.addr.port}/hooks`,
    });
    assert.equal(site.status, 200, JSON.stringify(site.json));
    const siteId = site.json.siteId as string;
    secret = site.json.apiSecret as string;
    const listed = await bearer("GET", "/v1/admin/sites");
    assert.ok(!JSON.stringify(listed.json).includes(secret), "the secret is never shown again");

    // 2. signed requests, exactly as the README's recipe: the strong scheme, which new sites
    // require, with a fresh nonce so that polling the same path twice in a second is fine
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
    const unsigned = await fetch(`${running.url}/v1/public/assets`);
    assert.equal(unsigned.status, 401);
    await unsigned.body?.cancel();

    // The hot wallets hold funds for the refund later.
    const info = (await bearer("GET", "/devnet")).json;
    await bearer("POST", "/devnet/faucet", {
      currency: "TRX",
      to: info.chains.tron.hot_wallet,
      amount: "500000000000",
    });
    await bearer("POST", "/devnet/faucet", {
      currency: "USDT_TRC20",
      to: info.chains.tron.hot_wallet,
      amount: "100000000",
    });

    // 3. a USDT_TRC20 deposit and a TON deposit
    const usdt = await signed(
      "POST",
      "/v1/public/deposits",
      JSON.stringify({ orderId: "o-1", assetCode: "USDT_TRC20", expectedAmount: "25" }),
    );
    assert.equal(usdt.status, 201, JSON.stringify(usdt.json));
    assert.equal(usdt.json.memo, null);
    const tonDeposit = await signed(
      "POST",
      "/v1/public/deposits",
      JSON.stringify({ orderId: "o-2", assetCode: "TON", expectedAmount: "1.5" }),
    );
    assert.equal(tonDeposit.status, 201);
    assert.match(tonDeposit.json.memo, /^INV-/);

    // 4. pay both on the devnets, the TON one with its memo (typed in lower case)
    await bearer("POST", "/devnet/faucet", {
      currency: "USDT_TRC20",
      to: usdt.json.address,
      amount: "25000000",
    });
    await bearer("POST", "/devnet/faucet", {
      currency: "TON",
      to: tonDeposit.json.address,
      amount: toNano("1.5").toString(),
      comment: (tonDeposit.json.memo as string).toLowerCase(),
    });
    for (const d of [usdt.json, tonDeposit.json]) {
      const paid = await until(`${d.orderId} paid`, async () => {
        const r = await signed("GET", `/v1/public/deposits/${d.uuid}`);
        return r.json.status === "paid" ? r.json : null;
      });
      assert.equal(paid.transaction.networkStatus, "confirmed");
      // Webhooks: every status of the flow, in order, each verifying with the recipe.
      const statuses = await until(`${d.orderId} webhooks`, () => {
        const mine = received.filter((e) => e.body.deposit?.uuid === d.uuid);
        return Promise.resolve(
          mine.at(-1)?.body.deposit?.status === "paid" ? mine : null,
        );
      });
      assert.ok(statuses.every((e) => e.ok && e.siteId === siteId));
      assert.deepEqual(statuses.map((e) => e.body.deposit!.status), [
        "process",
        "confirm_check",
        "paid",
      ]);
    }

    // 5. an underpaid deposit: wrong_amount once its window ends; then refunded
    const under = await signed(
      "POST",
      "/v1/public/deposits",
      JSON.stringify({ orderId: "o-3", assetCode: "USDT_TRC20", expectedAmount: "10" }),
    );
    await bearer("POST", "/devnet/faucet", {
      currency: "USDT_TRC20",
      to: under.json.address,
      amount: "6000000",
    });
    await until("the short payment to be final", async () => {
      const r = await signed("GET", `/v1/public/deposits/${under.json.uuid}`);
      return r.json.status === "confirm_check" && r.json.transaction?.networkStatus === "confirmed"
        ? true
        : null;
    });
    // The window ends (shortened here rather than waiting an hour).
    await running.ctx.db.query(
      "update invoices set expires_at = now() - interval '1 minute' where uuid = $1::uuid",
      [under.json.uuid],
    );
    await until("wrong_amount", async () => {
      const r = await signed("GET", `/v1/public/deposits/${under.json.uuid}`);
      return r.json.status === "wrong_amount" ? true : null;
    });
    const customer = testKey("e2e-customer").address;
    const refund = await signed(
      "POST",
      `/v1/public/deposits/${under.json.uuid}/refund`,
      JSON.stringify({ address: customer }),
    );
    assert.equal(refund.status, 200, JSON.stringify(refund.json));
    await until("refund_paid", async () => {
      const r = await signed("GET", `/v1/public/deposits/${under.json.uuid}`);
      return r.json.status === "refund_paid" ? true : null;
    });
    const back = await bearer("GET", `/v1/balance?currency=USDT_TRC20&address=${customer}`);
    assert.equal(back.json.balance, "6000000");
    assert.ok(received.every((e) => e.ok), "every webhook verified");
  } finally {
    await e2e.close();
    await hooks.shutdown();
  }
});
