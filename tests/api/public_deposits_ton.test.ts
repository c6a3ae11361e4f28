/**
 * The merchant deposit API on the TON devnet, through signed HTTP, for TON and for a jetton
 * (USDT_TON). A deposit of an asset shares the asset's one receiving address and is told apart
 * by its memo, which the payer sends as the comment. Every scenario runs for both assets:
 * exact, over, under (inside and outside the tolerance), any amount, partial payments, a late
 * payment, a memo typo and a wrong memo, cancel, refund (paid and failed) and another site.
 */

import assert from "node:assert/strict";
import { Address, toNano } from "@ton/core";
import { Buffer } from "node:buffer";
import { formatUnits, parseUnits } from "../../core/amount.ts";
import { invoiceTick } from "../../core/invoice_matching.ts";
import { balance } from "../../core/processor.ts";
import { senderTick } from "../../core/sender.ts";
import { createSite } from "../../core/store/sites.ts";
import { type ApiResponse, type ApiServer, serveApi } from "../support/api_client.ts";
import { signedFetch, type SiteCredentials } from "../support/merchant_client.ts";
import { TEST_TOKEN, type TonHarness, withTonHarness } from "../support/harness.ts";

/** Underpayments within 1% count as paid in this file. */
const TOLERANCE_BPS = 100;

interface Deposit {
  uuid: string;
  address: string;
  memo: string | null;
  assetCode: string;
  status: string;
  expectedAmount: string;
  transaction: { receivedAmount: string; networkStatus: string; txhash: string } | null;
  payments: { late: boolean; amount: string; refunded: boolean }[];
  refundTxHash: string | null;
}

interface Unmatched {
  incomeId: string;
  assetCode: string;
  address: string;
  amount: string;
  comment: string | null;
  refundStatus: string | null;
}

/** An asset a TON site takes payments in, and how the devnet faucet pays it. */
interface TonAsset {
  code: "TON" | "USDT_TON";
  decimals: number;
  /** Sends `amount` base units to `to` with `comment`; resolves once the block is sealed. */
  send(h: TonHarness, to: string, amount: bigint, comment: string): Promise<string>;
}

const ASSETS: TonAsset[] = [
  {
    code: "TON",
    decimals: 9,
    send: (h, to, amount, comment) => h.devnet.faucet(Address.parse(to), amount, { comment }),
  },
  {
    code: "USDT_TON",
    decimals: 6,
    send: (h, to, amount, comment) =>
      h.devnet.faucetJetton("USDT_TON", Address.parse(to), amount, { comment }),
  },
];

/** A site on a TON devnet processor, talking to it as its backend would. */
interface Merchant {
  h: TonHarness;
  asset: TonAsset;
  /** The operator's client (bearer token), for the admin routes. */
  operator: ApiServer;
  /** A signed request as this site. */
  call(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  /** Base units of `amount` whole units of the asset. */
  units(amount: string): bigint;
  /** `amount` as the API shows it, with all the asset's decimals ("2.5" → "2.500000"). */
  shown(amount: string): string;
  /** Creates a deposit of the asset for `orderId`. */
  create(orderId: string, expectedAmount: string): Promise<Deposit>;
  get(uuid: string): Promise<Deposit>;
  /** Pays `amount` whole units to `deposit` with `comment` (its memo by default), in a block. */
  pay(deposit: Deposit, amount: string, comment?: string): Promise<void>;
  /** Runs the matcher until nothing moves any more; returns the statuses `uuid` went through. */
  settle(uuid: string): Promise<string[]>;
  /** Ends the deposit's window: its expiry is now in the chain's past. */
  expire(uuid: string): Promise<void>;
  /** Gives the hot wallet TON and the asset to refund with. */
  fundHot(): Promise<void>;
  /**
   * Leaves the hot wallet short of TON (it holds the jettons but 0.03 TON) while the node's
   * balance read lags behind and shows plenty: refunds are signed, and the chain executes
   * them without sending anything. Returns what ends the stale read.
   */
  starveHot(): Promise<() => void>;
  /** The unmatched payments, as the operator lists them. */
  unmatched(): Promise<Unmatched[]>;
  /** Sends queued refunds in a block, then runs the matcher. */
  sendRefunds(): Promise<void>;
  /** The asset's balance of `address` on chain, base units. */
  balanceOf(address: string): Promise<bigint>;
}

function withMerchant(asset: TonAsset, fn: (m: Merchant) => Promise<void>): Promise<void> {
  return withTonHarness({
    jettons: true,
    raw: { public: { underpaymentToleranceBps: TOLERANCE_BPS } },
  }, async (h) => {
    const { site, apiSecret } = await createSite(h.ctx.db, { name: "shop" });
    const creds: SiteCredentials = { siteId: site.id, apiSecret };
    const operator = serveApi(h.ctx, { defaultToken: TEST_TOKEN });
    const call = (method: string, path: string, body?: unknown) =>
      signedFetch(
        operator.url,
        creds,
        method,
        path,
        body === undefined ? undefined : JSON.stringify(body),
      );
    const units = (amount: string) => parseUnits(amount, asset.decimals)!;
    const get = async (uuid: string) => {
      const got = await call("GET", `/v1/public/deposits/${uuid}`);
      assert.equal(got.status, 200, got.text);
      return got.json as Deposit;
    };
    const m: Merchant = {
      h,
      asset,
      operator,
      call,
      units,
      shown: (amount) => formatUnits(units(amount), asset.decimals),
      async create(orderId, expectedAmount) {
        const created = await call("POST", "/v1/public/deposits", {
          orderId,
          assetCode: asset.code,
          expectedAmount,
        });
        assert.equal(created.status, 201, created.text);
        return created.json as Deposit;
      },
      get,
      async pay(deposit, amount, comment = deposit.memo!) {
        const sent = asset.send(h, deposit.address, units(amount), comment);
        await h.block();
        await sent;
      },
      async settle(uuid) {
        const seen: string[] = [];
        for (let i = 0; i < 10; i++) {
          const { moved } = await invoiceTick(h.ctx);
          const now = (await get(uuid)).status;
          if (seen.at(-1) !== now) seen.push(now);
          if (moved === 0) return seen;
        }
        throw new Error(`the matcher kept moving: ${seen.join(" → ")}`);
      },
      async expire(uuid) {
        await h.ctx.db.query(
          "update invoices set expires_at = now() - interval '1 hour' where uuid = $1",
          [uuid],
        );
      },
      async fundHot() {
        const hot = Address.parseRaw(h.plugin.derivation.hotWallet.address);
        const ton = h.devnet.faucet(hot, toNano("100"));
        const jettons = h.devnet.faucetJetton("USDT_TON", hot, 1_000_000_000n);
        await h.block();
        await Promise.all([ton, jettons]);
      },
      async starveHot() {
        const hot = Address.parseRaw(h.plugin.derivation.hotWallet.address);
        const ton = h.devnet.faucet(hot, toNano("0.03"));
        const jettons = h.devnet.faucetJetton("USDT_TON", hot, 1_000_000_000n);
        await h.block();
        await Promise.all([ton, jettons]);
        const sender = h.plugin.sender;
        const read = sender.spendable;
        sender.spendable = async (c) => c === "TON" ? toNano("1000") : await read(c);
        return () => {
          sender.spendable = read;
        };
      },
      async unmatched() {
        const listed = await operator.request("GET", "/v1/admin/payments/unmatched");
        assert.equal(listed.status, 200, listed.text);
        return (listed.json as { payments: Unmatched[] }).payments;
      },
      async sendRefunds() {
        await senderTick(h.ctx, h.plugin);
        await h.block();
        await invoiceTick(h.ctx);
      },
      async balanceOf(address) {
        return (await balance(h.ctx, asset.code, address)).balance;
      },
    };
    try {
      await fn(m);
    } finally {
      await operator.close();
    }
  });
}

/** A fresh address nobody has used: a customer's wallet to refund to. */
const customer = () =>
  new Address(0, Buffer.from(crypto.getRandomValues(new Uint8Array(32))))
    .toString({ testOnly: true, bounceable: false });

for (const asset of ASSETS) {
  const test = (name: string, fn: (m: Merchant) => Promise<void>) =>
    Deno.test(`${asset.code}: ${name}`, () => withMerchant(asset, fn));

  test("deposits share the receiving address, each with its own memo", async (m) => {
    const a = await m.create("order-a", "2.5");
    const b = await m.create("order-b", "1");
    assert.equal(a.assetCode, asset.code);
    assert.equal(a.status, "check");
    assert.equal(a.transaction, null);
    assert.match(a.memo!, /^INV-[0-9A-Z]{10}$/);
    assert.equal(b.address, a.address);
    assert.notEqual(b.memo, a.memo);
  });

  test("an exact payment with the memo: check → process → confirm_check → paid", async (m) => {
    const d = await m.create("order-1", "2.5");
    await m.pay(d, "2.5");
    assert.deepEqual(await m.settle(d.uuid), ["process", "confirm_check", "paid"]);
    const paid = await m.get(d.uuid);
    assert.equal(paid.transaction?.receivedAmount, m.shown("2.5"));
    assert.equal(paid.transaction?.networkStatus, "confirmed");
    assert.deepEqual(paid.payments.map((p) => p.late), [false]);
  });

  test("more than expected is paid_over", async (m) => {
    const d = await m.create("order-1", "2");
    await m.pay(d, "3");
    assert.equal((await m.settle(d.uuid)).at(-1), "paid_over");
  });

  test("an underpayment inside the tolerance is paid", async (m) => {
    const d = await m.create("order-1", "10");
    // 1% of 10 short: exactly the tolerance.
    await m.pay(d, "9.9");
    assert.equal((await m.settle(d.uuid)).at(-1), "paid");
  });

  test("an underpayment beyond the tolerance waits, then is wrong_amount", async (m) => {
    const d = await m.create("order-1", "10");
    // One base unit more than 1% short.
    await m.pay(d, asset.code === "TON" ? "9.899999999" : "9.899999");
    // Final but short while the window is open: it waits for more.
    assert.equal((await m.settle(d.uuid)).at(-1), "confirm_check");
    await m.expire(d.uuid);
    assert.deepEqual(await m.settle(d.uuid), ["wrong_amount"]);
  });

  test("an any-amount deposit (expectedAmount 0) is paid by whatever arrives", async (m) => {
    const d = await m.create("order-1", "0");
    assert.equal(d.expectedAmount, "0");
    await m.pay(d, "0.3");
    assert.equal((await m.settle(d.uuid)).at(-1), "paid");
    assert.equal((await m.get(d.uuid)).transaction?.receivedAmount, m.shown("0.3"));
  });

  test("two partial payments add up to paid", async (m) => {
    const d = await m.create("order-1", "5");
    await m.pay(d, "2");
    assert.equal((await m.settle(d.uuid)).at(-1), "confirm_check");
    await m.pay(d, "3");
    assert.deepEqual(await m.settle(d.uuid), ["paid"]);
    const paid = await m.get(d.uuid);
    assert.deepEqual(paid.payments.map((p) => p.late), [false, false]);
    assert.equal(paid.transaction?.receivedAmount, m.shown("5"));
  });

  test("a payment after expiry is late: the deposit stays expired and is refundable", async (m) => {
    await m.fundHot();
    const d = await m.create("order-1", "2");
    await m.expire(d.uuid);
    assert.deepEqual(await m.settle(d.uuid), ["expired"]);
    await m.pay(d, "2");
    assert.deepEqual(await m.settle(d.uuid), ["expired"]);
    const late = await m.get(d.uuid);
    assert.deepEqual(late.payments.map((p) => [p.late, p.amount]), [[true, m.shown("2")]]);
    assert.equal(late.transaction, null);
    const to = customer();
    const refund = await m.call("POST", `/v1/public/deposits/${d.uuid}/refund`, { address: to });
    assert.equal(refund.status, 200, refund.text);
    assert.equal((refund.json as Deposit).status, "refund_process");
    await m.sendRefunds();
    assert.equal((await m.get(d.uuid)).status, "refund_paid");
    assert.equal(await m.balanceOf(to), m.units("2"));
  });

  test("a memo typed in another case and with spaces still matches", async (m) => {
    const d = await m.create("order-1", "1");
    const typed = `  ${d.memo!.slice(0, 6).toLowerCase()} ${d.memo!.slice(6)} `;
    await m.pay(d, "1", typed);
    assert.equal((await m.settle(d.uuid)).at(-1), "paid");
  });

  test("a wrong memo is unmatched, shown to the operator and refundable once", async (m) => {
    await m.fundHot();
    const d = await m.create("order-1", "1");
    const wrong = d.memo!.slice(0, -1) + (d.memo!.endsWith("0") ? "1" : "0");
    await m.pay(d, "1", wrong);
    assert.deepEqual(await m.settle(d.uuid), ["check"]);
    assert.deepEqual((await m.get(d.uuid)).payments, []);
    const unauthenticated = await m.operator.request("GET", "/v1/admin/payments/unmatched", {
      token: null,
    });
    assert.equal(unauthenticated.status, 401);
    const [payment, ...rest] = await m.unmatched();
    assert.deepEqual(rest, []);
    assert.deepEqual(
      [payment.assetCode, payment.address, payment.amount, payment.comment, payment.refundStatus],
      [asset.code, d.address, m.shown("1"), wrong, null],
    );
    const path = `/v1/admin/payments/${payment.incomeId}/refund`;
    const to = customer();
    const refund = await m.operator.request("POST", path, { body: { address: to } });
    assert.equal(refund.status, 200, refund.text);
    assert.deepEqual(refund.json, { incomeId: payment.incomeId, refundStatus: "pending" });
    const again = await m.operator.request("POST", path, { body: { address: to } });
    assert.equal(again.status, 400);
    await m.sendRefunds();
    assert.deepEqual((await m.unmatched()).map((p) => p.refundStatus), ["processed"]);
    assert.equal(await m.balanceOf(to), m.units("1"));
    // Refunded: not again.
    assert.equal((await m.operator.request("POST", path, { body: { address: to } })).status, 400);
  });

  test("cancel only from check; a payment after it is late and refundable", async (m) => {
    const open = await m.create("order-1", "1");
    const cancelled = await m.call("POST", `/v1/public/deposits/${open.uuid}/cancel`);
    assert.equal(cancelled.status, 200, cancelled.text);
    assert.equal((cancelled.json as Deposit).status, "cancel");
    assert.equal((await m.call("POST", `/v1/public/deposits/${open.uuid}/cancel`)).status, 400);

    const paying = await m.create("order-2", "1");
    await m.pay(paying, "1");
    await invoiceTick(m.h.ctx);
    assert.equal((await m.get(paying.uuid)).status, "process");
    assert.equal((await m.call("POST", `/v1/public/deposits/${paying.uuid}/cancel`)).status, 400);
    assert.equal((await m.settle(paying.uuid)).at(-1), "paid");
    assert.equal((await m.call("POST", `/v1/public/deposits/${paying.uuid}/cancel`)).status, 400);

    await m.pay(open, "1");
    assert.deepEqual(await m.settle(open.uuid), ["cancel"]);
    assert.deepEqual((await m.get(open.uuid)).payments.map((p) => p.late), [true]);
  });

  test("a refund of a paid deposit: refund_process → refund_paid, exactly the amount", async (m) => {
    await m.fundHot();
    const d = await m.create("order-1", "2.5");
    await m.pay(d, "2.5");
    assert.equal((await m.settle(d.uuid)).at(-1), "paid");
    const to = customer();
    const refund = await m.call("POST", `/v1/public/deposits/${d.uuid}/refund`, { address: to });
    assert.equal(refund.status, 200, refund.text);
    assert.equal((refund.json as Deposit).status, "refund_process");
    assert.equal((refund.json as Deposit).refundTxHash, null);
    await m.sendRefunds();
    const refunded = await m.get(d.uuid);
    assert.equal(refunded.status, "refund_paid");
    assert.deepEqual(refunded.payments.map((p) => p.refunded), [true]);
    // The deposit names the refund's transaction: the one that carried the refund withdrawal.
    const [sent] = await m.h.ctx.db.query(
      "select tx_hash from withdrawals where kind = 'refund' and status = 'processed'",
    );
    assert.match(String(sent.tx_hash), /^[0-9a-f]{64}$/);
    assert.equal(refunded.refundTxHash, sent.tx_hash);
    assert.equal(await m.balanceOf(to), m.units("2.5"));
    // Refunded once: there is nothing left to refund.
    const again = await m.call("POST", `/v1/public/deposits/${d.uuid}/refund`, { address: to });
    assert.equal(again.status, 400);
  });

  test("a refund the chain did not send is refund_fail, and may be asked again", async (m) => {
    const d = await m.create("order-1", "2.5");
    await m.pay(d, "2.5");
    assert.equal((await m.settle(d.uuid)).at(-1), "paid");
    const endStaleRead = await m.starveHot();
    const to = customer();
    const refund = await m.call("POST", `/v1/public/deposits/${d.uuid}/refund`, { address: to });
    assert.equal(refund.status, 200, refund.text);
    await m.sendRefunds();
    const failed = await m.get(d.uuid);
    assert.equal(failed.status, "refund_fail");
    assert.equal(failed.refundTxHash, null, "a refund that did not leave has no transaction");
    assert.deepEqual(failed.payments.map((p) => p.refunded), [false]);
    assert.equal(await m.balanceOf(to), 0n);
    const [withdrawal] = await m.h.ctx.db.query(
      "select status, failure_reason from withdrawals where kind = 'refund'",
    );
    assert.equal(withdrawal.status, "failed");
    assert.match(String(withdrawal.failure_reason), /did not leave the wallet/);
    // Once the hot wallet has the TON, the merchant asks again.
    endStaleRead();
    await m.fundHot();
    const retry = await m.call("POST", `/v1/public/deposits/${d.uuid}/refund`, { address: to });
    assert.equal(retry.status, 200, retry.text);
    await m.sendRefunds();
    assert.equal((await m.get(d.uuid)).status, "refund_paid");
    assert.equal(await m.balanceOf(to), m.units("2.5"));
  });

  test("an unmatched payment whose refund failed may be refunded again", async (m) => {
    const d = await m.create("order-1", "1");
    await m.pay(d, "1", "no such memo");
    assert.deepEqual(await m.settle(d.uuid), ["check"]);
    const [payment] = await m.unmatched();
    const endStaleRead = await m.starveHot();
    const path = `/v1/admin/payments/${payment.incomeId}/refund`;
    const to = customer();
    const refund = await m.operator.request("POST", path, { body: { address: to } });
    assert.equal(refund.status, 200, refund.text);
    await m.sendRefunds();
    assert.deepEqual((await m.unmatched()).map((p) => p.refundStatus), ["failed"]);
    assert.equal(await m.balanceOf(to), 0n);
    endStaleRead();
    await m.fundHot();
    const retry = await m.operator.request("POST", path, { body: { address: to } });
    assert.equal(retry.status, 200, retry.text);
    await m.sendRefunds();
    assert.deepEqual((await m.unmatched()).map((p) => p.refundStatus), ["processed"]);
    assert.equal(await m.balanceOf(to), m.units("1"));
  });

  test("another site's deposit is not found", async (m) => {
    const d = await m.create("order-1", "1");
    const other = await createSite(m.h.ctx.db, { name: "other shop" });
    const as = (method: string, path: string, body?: unknown) =>
      signedFetch(
        m.operator.url,
        { siteId: other.site.id, apiSecret: other.apiSecret },
        method,
        path,
        body === undefined ? undefined : JSON.stringify(body),
      );
    assert.equal((await as("GET", `/v1/public/deposits/${d.uuid}`)).status, 404);
    assert.equal((await as("POST", `/v1/public/deposits/${d.uuid}/cancel`)).status, 404);
    const refund = await as("POST", `/v1/public/deposits/${d.uuid}/refund`, {
      address: customer(),
    });
    assert.equal(refund.status, 404);
    const list = (await as("GET", "/v1/public/deposits")).json as { deposits: Deposit[] };
    assert.deepEqual(list.deposits, []);
    // Untouched for its own site.
    assert.equal((await m.get(d.uuid)).status, "check");
  });
}

Deno.test("USDT_TON: a jetton payment sent with no forward TON still matches by its memo", () =>
  withMerchant(ASSETS[1], async (m) => {
    const d = await m.create("order-1", "1");
    // No forward TON, so no transfer_notification: the memo travels in the internal transfer.
    const sent = m.h.devnet.faucetJetton("USDT_TON", Address.parse(d.address), m.units("1"), {
      comment: d.memo!,
      forwardTonAmount: 0n,
    });
    await m.h.block();
    await sent;
    assert.equal((await m.settle(d.uuid)).at(-1), "paid");
  }));
