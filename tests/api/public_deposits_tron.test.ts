/**
 * The merchant deposit API on the TRON devnet, through signed HTTP: a USDT_TRC20 deposit gets
 * its own address (no memo) and walks check → process → confirm_check → paid as the payment
 * arrives and confirms (3 blocks here); overpayment, underpayment inside and outside the
 * tolerance (1% here), any amount, partial payments, expiry and a late payment, cancel, refund
 * (paid, and failed on chain) and another site's deposit.
 */

import assert from "node:assert/strict";
import { invoiceTick } from "../../core/invoice_matching.ts";
import { senderTick } from "../../core/sender.ts";
import { createSite } from "../../core/store/sites.ts";
import { withdrawalById } from "../../core/store/withdrawals.ts";
import { tronHexFromAddress } from "../../plugins/tron/address.ts";
import { serveApi } from "../support/api_client.ts";
import { signedFetch, type SiteCredentials } from "../support/merchant_client.ts";
import { type TronHarness, withTronHarness } from "../support/harness.ts";
import { testKey } from "../plugins/tron/devnet/helpers.ts";

interface Deposit {
  uuid: string;
  address: string;
  memo: string | null;
  status: string;
  expectedAmount: string;
  transaction: { confirmations: number; receivedAmount: string; networkStatus: string } | null;
  payments: { late: boolean; amount: string; refunded: boolean }[];
  refundTxHash: string | null;
}

/** Underpayments within 1% count as paid in this file. */
const TOLERANCE_BPS = 100;

async function withMerchant(
  options: Parameters<typeof withTronHarness>[0],
  fn: (
    h: TronHarness,
    call: (
      method: string,
      path: string,
      body?: unknown,
    ) => Promise<{ status: number; json: unknown }>,
  ) => Promise<void>,
): Promise<void> {
  await withTronHarness({
    tron: { confirmations: 3 },
    raw: { public: { underpaymentToleranceBps: TOLERANCE_BPS } },
    ...options,
  }, async (h) => {
    const { site, apiSecret } = await createSite(h.ctx.db, { name: "shop" });
    const creds: SiteCredentials = { siteId: site.id, apiSecret };
    const api = serveApi(h.ctx);
    try {
      await fn(
        h,
        (method, path, body) =>
          signedFetch(
            api.url,
            creds,
            method,
            path,
            body === undefined ? undefined : JSON.stringify(body),
          ),
      );
    } finally {
      await api.close();
    }
  });
}

/** A block, then the matcher, as the running processor does. */
async function blockAndMatch(h: TronHarness): Promise<void> {
  await h.block();
  await invoiceTick(h.ctx);
}

Deno.test("a USDT_TRC20 deposit: own address, check → process → confirm_check → paid", () =>
  withMerchant({}, async (h, call) => {
    const created = await call("POST", "/v1/public/deposits", {
      orderId: "order-1",
      assetCode: "USDT_TRC20",
      expectedAmount: "100.50",
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const d = created.json as Deposit;
    assert.equal(d.status, "check");
    assert.equal(d.memo, null);
    assert.equal(d.expectedAmount, "100.50");
    assert.match(d.address, /^T/);
    assert.equal(d.transaction, null);
    // Same order, same content: the same deposit; other content: refused.
    const again = await call("POST", "/v1/public/deposits", {
      orderId: "order-1",
      assetCode: "USDT_TRC20",
      expectedAmount: "100.5",
    });
    assert.equal(again.status, 200);
    assert.equal((again.json as Deposit).uuid, d.uuid);
    const other = await call("POST", "/v1/public/deposits", {
      orderId: "order-1",
      assetCode: "USDT_TRC20",
      expectedAmount: "99",
    });
    assert.equal(other.status, 400);
    // A second order never shares the address.
    const second = (await call("POST", "/v1/public/deposits", {
      orderId: "order-2",
      assetCode: "USDT_TRC20",
      expectedAmount: "1",
    })).json as Deposit;
    assert.notEqual(second.address, d.address);

    await h.devnet.faucetToken("USDT_TRC20", d.address, 100_500_000n);
    const seen: string[] = [];
    for (let i = 0; i < 8; i++) {
      await blockAndMatch(h);
      const now = (await call("GET", `/v1/public/deposits/${d.uuid}`)).json as Deposit;
      if (seen.at(-1) !== now.status) seen.push(now.status);
    }
    assert.deepEqual(seen, ["process", "confirm_check", "paid"]);
    const paid = (await call("GET", `/v1/public/deposits/${d.uuid}`)).json as Deposit;
    assert.equal(paid.transaction?.receivedAmount, "100.500000");
    assert.equal(paid.transaction?.networkStatus, "confirmed");
    const list = (await call("GET", "/v1/public/deposits?status=paid")).json as {
      deposits: Deposit[];
    };
    assert.deepEqual(list.deposits.map((x) => x.uuid), [d.uuid]);
  }));

Deno.test("underpaid then expired: wrong_amount; refunded from the hot wallet", () =>
  withMerchant({}, async (h, call) => {
    await h.devnet.faucetTrx(h.hot, 10_000_000_000n);
    await h.devnet.faucetToken("USDT_TRC20", h.hot, 1_000_000_000n);
    await h.block();
    const d = (await call("POST", "/v1/public/deposits", {
      orderId: "order-under",
      assetCode: "USDT_TRC20",
      expectedAmount: "10",
      lifetimeSeconds: 60,
    })).json as Deposit;
    await h.devnet.faucetToken("USDT_TRC20", d.address, 4_000_000n);
    await h.devnet.faucetToken("USDT_TRC20", d.address, 3_000_000n);
    for (let i = 0; i < 6; i++) await blockAndMatch(h);
    // Final but short while the window is open: it waits for more.
    let now = (await call("GET", `/v1/public/deposits/${d.uuid}`)).json as Deposit;
    assert.equal(now.status, "confirm_check");
    assert.equal(now.transaction?.receivedAmount, "7.000000");
    assert.equal(now.payments.length, 2);
    // Early refund is refused: the deposit is not decided.
    const early = await call("POST", `/v1/public/deposits/${d.uuid}/refund`, {
      address: testKey("customer").address,
    });
    assert.equal(early.status, 400);
    // The window ends by the chain's clock.
    await h.ctx.db.query("update invoices set expires_at = now() - interval '1 hour'");
    await blockAndMatch(h);
    now = (await call("GET", `/v1/public/deposits/${d.uuid}`)).json as Deposit;
    assert.equal(now.status, "wrong_amount");
    // Not to one of our own addresses: it would never count as anyone's income.
    for (const ours of [d.address, h.hot]) {
      const refused = await call("POST", `/v1/public/deposits/${d.uuid}/refund`, { address: ours });
      assert.equal(refused.status, 400);
      assert.match((refused.json as { error: string }).error, /^address: /);
    }
    const customer = testKey("customer").address;
    const refund = await call("POST", `/v1/public/deposits/${d.uuid}/refund`, {
      address: customer,
    });
    assert.equal(refund.status, 200, JSON.stringify(refund.json));
    assert.equal((refund.json as Deposit).status, "refund_process");
    await senderTick(h.ctx, h.plugin);
    await blockAndMatch(h);
    now = (await call("GET", `/v1/public/deposits/${d.uuid}`)).json as Deposit;
    assert.equal(now.status, "refund_paid");
    const [sent] = await h.ctx.db.query(
      "select tx_hash from withdrawals where kind = 'refund' and status = 'processed'",
    );
    assert.match(String(sent.tx_hash), /^[0-9a-f]{64}$/);
    assert.equal(now.refundTxHash, sent.tx_hash);
    const paid = h.devnet.chain.tokens.get("USDT_TRC20")!.balances.get(
      tronHexFromAddress(customer),
    );
    assert.equal(paid, 7_000_000n);
  }));

type Call = (method: string, path: string, body?: unknown) => Promise<{
  status: number;
  json: unknown;
}>;

/** Creates a USDT_TRC20 deposit for `orderId`. */
async function create(call: Call, orderId: string, expectedAmount: string): Promise<Deposit> {
  const created = await call("POST", "/v1/public/deposits", {
    orderId,
    assetCode: "USDT_TRC20",
    expectedAmount,
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  return created.json as Deposit;
}

async function get(call: Call, uuid: string): Promise<Deposit> {
  const got = await call("GET", `/v1/public/deposits/${uuid}`);
  assert.equal(got.status, 200, JSON.stringify(got.json));
  return got.json as Deposit;
}

/** Blocks and matcher passes until any payment is final; the statuses `uuid` went through. */
async function settle(h: TronHarness, call: Call, uuid: string): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < 6; i++) {
    await blockAndMatch(h);
    const now = (await get(call, uuid)).status;
    if (seen.at(-1) !== now) seen.push(now);
  }
  return seen;
}

/** Ends a deposit's window: its expiry is now in the chain's past. */
async function expire(h: TronHarness, uuid: string): Promise<void> {
  await h.ctx.db.query(
    "update invoices set expires_at = now() - interval '1 hour' where uuid = $1",
    [uuid],
  );
}

async function fundHot(h: TronHarness): Promise<void> {
  await h.devnet.faucetTrx(h.hot, 10_000_000_000n);
  await h.devnet.faucetToken("USDT_TRC20", h.hot, 1_000_000_000n);
  await h.block();
}

function usdtOf(h: TronHarness, address: string): bigint {
  return h.devnet.chain.tokens.get("USDT_TRC20")!.balances.get(tronHexFromAddress(address)) ?? 0n;
}

/** Sends queued refunds in a block, then runs the matcher. */
async function sendRefunds(h: TronHarness): Promise<void> {
  await senderTick(h.ctx, h.plugin);
  await blockAndMatch(h);
}

Deno.test("more than expected is paid_over", () =>
  withMerchant({}, async (h, call) => {
    const d = await create(call, "order-1", "10");
    await h.devnet.faucetToken("USDT_TRC20", d.address, 12_000_000n);
    assert.deepEqual(await settle(h, call, d.uuid), ["process", "confirm_check", "paid_over"]);
    assert.equal((await get(call, d.uuid)).transaction?.receivedAmount, "12.000000");
  }));

Deno.test("underpaid by the tolerance is paid; by one base unit more, wrong_amount", () =>
  withMerchant({}, async (h, call) => {
    const inside = await create(call, "order-inside", "10");
    const beyond = await create(call, "order-beyond", "10");
    // 1% of 10 short, and one base unit more than that.
    await h.devnet.faucetToken("USDT_TRC20", inside.address, 9_900_000n);
    await h.devnet.faucetToken("USDT_TRC20", beyond.address, 9_899_999n);
    assert.equal((await settle(h, call, inside.uuid)).at(-1), "paid");
    // Final but short while the window is open: it waits for more.
    assert.equal((await get(call, beyond.uuid)).status, "confirm_check");
    await expire(h, beyond.uuid);
    await blockAndMatch(h);
    assert.equal((await get(call, beyond.uuid)).status, "wrong_amount");
  }));

Deno.test("an any-amount deposit (expectedAmount 0) is paid by whatever arrives", () =>
  withMerchant({}, async (h, call) => {
    const d = await create(call, "order-1", "0");
    assert.equal(d.expectedAmount, "0");
    await h.devnet.faucetToken("USDT_TRC20", d.address, 1n);
    assert.equal((await settle(h, call, d.uuid)).at(-1), "paid");
    assert.equal((await get(call, d.uuid)).transaction?.receivedAmount, "0.000001");
  }));

Deno.test("two partial payments in different blocks add up to paid", () =>
  withMerchant({}, async (h, call) => {
    const d = await create(call, "order-1", "5");
    await h.devnet.faucetToken("USDT_TRC20", d.address, 2_000_000n);
    assert.equal((await settle(h, call, d.uuid)).at(-1), "confirm_check");
    await h.devnet.faucetToken("USDT_TRC20", d.address, 3_000_000n);
    // It waits in confirm_check until the second payment is final too.
    assert.deepEqual(await settle(h, call, d.uuid), ["confirm_check", "paid"]);
    const paid = await get(call, d.uuid);
    assert.deepEqual(paid.payments.map((p) => [p.amount, p.late]), [
      ["2.000000", false],
      ["3.000000", false],
    ]);
    assert.equal(paid.transaction?.receivedAmount, "5.000000");
  }));

Deno.test("a payment after expiry is late: the deposit stays expired and is refundable", () =>
  withMerchant({}, async (h, call) => {
    await fundHot(h);
    const d = await create(call, "order-1", "2");
    await expire(h, d.uuid);
    await blockAndMatch(h);
    assert.equal((await get(call, d.uuid)).status, "expired");
    await h.devnet.faucetToken("USDT_TRC20", d.address, 2_000_000n);
    assert.deepEqual(await settle(h, call, d.uuid), ["expired"]);
    const late = await get(call, d.uuid);
    assert.deepEqual(late.payments.map((p) => [p.amount, p.late]), [["2.000000", true]]);
    assert.equal(late.transaction, null);
    const customer = testKey("late-customer").address;
    const refund = await call("POST", `/v1/public/deposits/${d.uuid}/refund`, {
      address: customer,
    });
    assert.equal(refund.status, 200, JSON.stringify(refund.json));
    assert.equal((refund.json as Deposit).status, "refund_process");
    await sendRefunds(h);
    assert.equal((await get(call, d.uuid)).status, "refund_paid");
    assert.equal(usdtOf(h, customer), 2_000_000n);
  }));

Deno.test("cancel only from check; a payment after it is late", () =>
  withMerchant({}, async (h, call) => {
    const open = await create(call, "order-1", "1");
    const cancelled = await call("POST", `/v1/public/deposits/${open.uuid}/cancel`);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.json));
    assert.equal((cancelled.json as Deposit).status, "cancel");
    assert.equal((await call("POST", `/v1/public/deposits/${open.uuid}/cancel`)).status, 400);

    const paying = await create(call, "order-2", "1");
    await h.devnet.faucetToken("USDT_TRC20", paying.address, 1_000_000n);
    await blockAndMatch(h);
    assert.equal((await get(call, paying.uuid)).status, "process");
    assert.equal((await call("POST", `/v1/public/deposits/${paying.uuid}/cancel`)).status, 400);
    assert.equal((await settle(h, call, paying.uuid)).at(-1), "paid");
    assert.equal((await call("POST", `/v1/public/deposits/${paying.uuid}/cancel`)).status, 400);

    await h.devnet.faucetToken("USDT_TRC20", open.address, 1_000_000n);
    assert.deepEqual(await settle(h, call, open.uuid), ["cancel"]);
    assert.deepEqual((await get(call, open.uuid)).payments.map((p) => p.late), [true]);
  }));

Deno.test("a refund of a paid deposit sends exactly what arrived, once", () =>
  withMerchant({}, async (h, call) => {
    await fundHot(h);
    const d = await create(call, "order-1", "25");
    await h.devnet.faucetToken("USDT_TRC20", d.address, 25_000_000n);
    assert.equal((await settle(h, call, d.uuid)).at(-1), "paid");
    const customer = testKey("paid-customer").address;
    const refund = await call("POST", `/v1/public/deposits/${d.uuid}/refund`, {
      address: customer,
    });
    assert.equal(refund.status, 200, JSON.stringify(refund.json));
    assert.equal((refund.json as Deposit).status, "refund_process");
    await sendRefunds(h);
    const refunded = await get(call, d.uuid);
    assert.equal(refunded.status, "refund_paid");
    assert.deepEqual(refunded.payments.map((p) => p.refunded), [true]);
    assert.equal(usdtOf(h, customer), 25_000_000n);
    const again = await call("POST", `/v1/public/deposits/${d.uuid}/refund`, {
      address: customer,
    });
    assert.equal(again.status, 400);
  }));

Deno.test("a refund that runs out of energy is refund_fail, and may be asked again", () =>
  // A fee limit of 1 TRX cannot pay a TRC20 transfer's energy.
  withMerchant({ tron: { confirmations: 3, feeLimit: "1000000" } }, async (h, call) => {
    await fundHot(h);
    const d = await create(call, "order-1", "25");
    await h.devnet.faucetToken("USDT_TRC20", d.address, 25_000_000n);
    assert.equal((await settle(h, call, d.uuid)).at(-1), "paid");
    const customer = testKey("unlucky-customer").address;
    const refund = await call("POST", `/v1/public/deposits/${d.uuid}/refund`, {
      address: customer,
    });
    assert.equal(refund.status, 200, JSON.stringify(refund.json));
    const [{ refund_id }] = await h.ctx.db.query(
      "select refund_withdrawal_id::text as refund_id from invoices",
    );
    await sendRefunds(h);
    const failed = await get(call, d.uuid);
    assert.equal(failed.status, "refund_fail");
    assert.deepEqual(failed.payments.map((p) => p.refunded), [false]);
    const w = await withdrawalById(h.ctx.db, BigInt(String(refund_id)));
    assert.equal(w?.status, "failed");
    assert.match(w?.failureReason ?? "", /OUT_OF_ENERGY/);
    assert.equal(usdtOf(h, customer), 0n);
    // The operator raises the fee limit and restarts; the merchant asks again.
    h.config.tron!.feeLimit = 100_000_000n;
    await h.restart();
    const retry = await call("POST", `/v1/public/deposits/${d.uuid}/refund`, {
      address: customer,
    });
    assert.equal(retry.status, 200, JSON.stringify(retry.json));
    await sendRefunds(h);
    assert.equal((await get(call, d.uuid)).status, "refund_paid");
    assert.equal(usdtOf(h, customer), 25_000_000n);
  }));

Deno.test("another site's deposit is not found", () =>
  withMerchant({}, async (h, call) => {
    const d = await create(call, "order-1", "1");
    const other = await createSite(h.ctx.db, { name: "other shop" });
    const api = serveApi(h.ctx);
    try {
      const as: Call = (method, path, body) =>
        signedFetch(
          api.url,
          { siteId: other.site.id, apiSecret: other.apiSecret },
          method,
          path,
          body === undefined ? undefined : JSON.stringify(body),
        );
      assert.equal((await as("GET", `/v1/public/deposits/${d.uuid}`)).status, 404);
      assert.equal((await as("POST", `/v1/public/deposits/${d.uuid}/cancel`)).status, 404);
      const refund = await as("POST", `/v1/public/deposits/${d.uuid}/refund`, {
        address: testKey("someone").address,
      });
      assert.equal(refund.status, 404);
      const list = (await as("GET", "/v1/public/deposits")).json as { deposits: Deposit[] };
      assert.deepEqual(list.deposits, []);
    } finally {
      await api.close();
    }
    // Untouched for its own site.
    assert.equal((await get(call, d.uuid)).status, "check");
  }));
