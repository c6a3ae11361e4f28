/**
 * Jetton deposits on the devnet: a jetton deposit address is an owner; the processor follows
 * the jetton wallet the configured master derives for it, and only that wallet counts.
 */

import assert from "node:assert/strict";
import { Address, beginCell, toNano } from "@ton/core";
import { newAddress } from "../../../core/processor.ts";
import { incomeHistory } from "../../../core/store/incomes.ts";
import { jettonTransferNotificationBody } from "../../../plugins/ton/devnet/jettons.ts";
import { jettonWalletAddress } from "../../../plugins/ton/devnet/jettons.ts";
import { type TonHarness, withTonHarness } from "../../support/harness.ts";

const withHarness = (fn: (h: TonHarness) => Promise<void>) => withTonHarness({ jettons: true }, fn);

const history = (h: TonHarness, user: string, currency: string) =>
  incomeHistory(h.ctx.db, { userId: user, currency, limit: 100, offset: 0, order: "asc" });

async function inBlock(h: TonHarness, sent: Promise<string>) {
  await h.block();
  return await sent;
}

Deno.test("a jetton deposit address is an owner whose derived jetton wallet is watched", () =>
  withHarness(async (h) => {
    const display = await newAddress(h.ctx, "u1", "USDT_TON");
    const owner = Address.parse(display);
    const [row] = await h.ctx.db.query("select address, watch_address from addresses");
    assert.equal(row.address, owner.toRawString());
    const master = h.devnet.jettons.USDT_TON.master;
    assert.equal(row.watch_address, (await jettonWalletAddress(master, owner)).toRawString());
  }));

Deno.test("a jetton deposit with a text comment is recorded with amount, payer and comment", () =>
  withHarness(async (h) => {
    const owner = Address.parse(await newAddress(h.ctx, "u1", "USDT_TON"));
    await inBlock(h, h.devnet.faucetJetton("USDT_TON", owner, 12_500_000n, { comment: "inv 7" }));
    const [income, ...rest] = await history(h, "u1", "USDT_TON");
    assert.equal(rest.length, 0);
    assert.equal(income.amount, 12_500_000n);
    assert.equal(income.comment, "inv 7");
    assert.equal(income.depositAddress, owner.toString({ testOnly: true, bounceable: false }));
    assert.equal(
      Address.parse(income.sourceAddress!).toRawString(),
      h.devnet.faucetAddress.toRawString(),
    );
    // The TON forwarded with the notification is not a TON income of this jetton deposit.
    assert.deepEqual(await history(h, "u1", "TON"), []);
  }));

Deno.test("payloads in a ref, binary payloads and zero forward TON all count", () =>
  withHarness(async (h) => {
    const owner = Address.parse(await newAddress(h.ctx, "u1", "TGR"));
    const long = "a memo long enough that it can only travel in a ref cell, not inline";
    await inBlock(
      h,
      h.devnet.faucetJetton("TGR", owner, 1n, { comment: long, payloadInRef: true }),
    );
    const binary = beginCell().storeUint(0xcafe, 16).storeUint(1, 1).endCell();
    await inBlock(h, h.devnet.faucetJetton("TGR", owner, 2n, { forwardPayload: binary }));
    await inBlock(
      h,
      h.devnet.faucetJetton("TGR", owner, 3n, { comment: "no ton", forwardTonAmount: 0n }),
    );
    const incomes = await history(h, "u1", "TGR");
    assert.deepEqual(
      incomes.map((i) => [i.amount, i.comment, i.binaryComment]),
      [[1n, long, null], [2n, null, "cafec_"], [3n, "no ton", null]],
    );
  }));

Deno.test("a fake jetton and a forged notification to the owner create no income", () =>
  withHarness(async (h) => {
    const owner = Address.parse(await newAddress(h.ctx, "u1", "USDT_TON"));
    const fake = await h.devnet.deployFakeJetton("USDT_TON");
    await inBlock(h, h.devnet.faucetJetton(fake.master, owner, 1_000_000_000n, { comment: "x" }));
    // A hand-made transfer_notification straight to the owner, as a scammer would send it.
    const forged = jettonTransferNotificationBody({
      amount: 5_000_000_000n,
      sender: h.devnet.faucetAddress,
      forwardPayload: beginCell().storeUint(0, 32).storeStringTail("paid").endCell(),
    });
    await inBlock(h, h.devnet.faucet(owner, toNano("0.05"), { body: forged }));
    assert.deepEqual(await history(h, "u1", "USDT_TON"), []);
    assert.deepEqual(await history(h, "u1", "TON"), []);
    // The genuine jetton still counts afterwards.
    await inBlock(h, h.devnet.faucetJetton("USDT_TON", owner, 7n));
    assert.deepEqual((await history(h, "u1", "USDT_TON")).map((i) => i.amount), [7n]);
  }));

Deno.test("jetton balances: an owner's and the hot wallet's, through the master's wallets", () =>
  withHarness(async (h) => {
    const { balance } = await import("../../../core/processor.ts");
    const display = await newAddress(h.ctx, "u1", "USDT_TON");
    assert.deepEqual(await balance(h.ctx, "USDT_TON", display), {
      balance: 0n,
      status: "non_exist",
    });
    await inBlock(h, h.devnet.faucetJetton("USDT_TON", Address.parse(display), 4_200_000n));
    assert.deepEqual(await balance(h.ctx, "USDT_TON", display), {
      balance: 4_200_000n,
      status: "active",
    });
    const hot = await balance(h.ctx, "USDT_TON", undefined);
    assert.deepEqual([hot.balance, hot.pending, hot.processing], [0n, 0n, 0n]);
  }));

Deno.test("a jetton of an unconfigured master is recorded as unrecognized, never as income", () =>
  withHarness(async (h) => {
    const tonDeposit = Address.parse(await newAddress(h.ctx, "u1", "TON"));
    const usdtDeposit = Address.parse(await newAddress(h.ctx, "u2", "USDT_TON"));
    const fake = await h.devnet.deployFakeJetton("USDT_TON");
    await inBlock(h, h.devnet.faucetJetton(fake.master, tonDeposit, 111n, { comment: "oops" }));
    await inBlock(h, h.devnet.faucetJetton(fake.master, usdtDeposit, 222n));
    // The genuine jetton's own notification is not "unrecognized".
    await inBlock(h, h.devnet.faucetJetton("USDT_TON", usdtDeposit, 333n));
    const rows = await h.ctx.db.query(
      `select a.user_id, u.amount::text as amount, u.comment, u.token from unrecognized_transfers u
       join addresses a on a.id = u.address_id order by u.id`,
    );
    const { jettonWalletAddress } = await import("../../../plugins/ton/devnet/jettons.ts");
    assert.deepEqual(rows.map((r) => [r.user_id, r.amount, r.comment, r.token]), [
      ["u1", "111", "oops", (await jettonWalletAddress(fake.master, tonDeposit)).toRawString()],
      ["u2", "222", null, (await jettonWalletAddress(fake.master, usdtDeposit)).toRawString()],
    ]);
    assert.deepEqual((await history(h, "u2", "USDT_TON")).map((i) => i.amount), [333n]);
  }));
