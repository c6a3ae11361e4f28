/**
 * TRON money-safety cases found in review: our own top-ups are never a user's income, and
 * withdrawals the hot wallet cannot cover never keep a sweep from refilling it.
 */

import assert from "node:assert/strict";
import { history, newAddress, requestWithdrawal } from "../../../core/processor.ts";
import { senderTick } from "../../../core/sender.ts";
import { listSweeps } from "../../../core/store/sweeps.ts";
import { insertWithdrawal, pendingWithdrawals } from "../../../core/store/withdrawals.ts";
import { tronHexFromAddress } from "../../../plugins/tron/address.ts";
import { type TronHarness, withTronHarness } from "../../support/harness.ts";
import { testKey } from "./devnet/helpers.ts";

function usdtOf(h: TronHarness, address: string): bigint {
  return h.devnet.chain.tokens.get("USDT_TRC20")!.balances.get(tronHexFromAddress(address)) ?? 0n;
}

Deno.test("TRX the hot wallet sends a TRX deposit (a sweep's top-up) is not the user's income", () =>
  withTronHarness({}, async (h) => {
    await h.devnet.faucetTrx(h.hot, 1_000_000_000n);
    await h.block();
    const address = await newAddress(h.ctx, "u1", "TRX");
    await insertWithdrawal(h.ctx.db, {
      chain: "tron",
      currency: "TRX",
      kind: "prepare",
      step: "tron.topup",
      userId: null,
      queryId: null,
      amount: 55_000_000n,
      destination: address,
      destinationInput: address,
      comment: null,
      binaryComment: null,
    });
    assert.equal((await senderTick(h.ctx, h.plugin)).batched, 1);
    await h.block();
    assert.equal(h.devnet.chain.account(tronHexFromAddress(address))?.balance, 55_000_000n);
    const incomes = await history(h.ctx, {
      userId: "u1",
      currency: "TRX",
      limit: 10,
      offset: 0,
      order: "asc",
    });
    assert.deepEqual(incomes, []);
  }));

Deno.test("withdrawals are taken in numeric id order (10 after 9, not after 1)", () =>
  withTronHarness({}, async (h) => {
    for (let i = 1; i <= 12; i++) {
      await requestWithdrawal(h.ctx, {
        userId: "u1",
        queryId: `q${i}`,
        currency: "TRX",
        amount: BigInt(i),
        destination: testKey("payee-order").address,
        comment: null,
        binaryComment: null,
      });
    }
    const queue = await pendingWithdrawals(h.ctx.db, "tron", 100);
    assert.deepEqual(queue.map((w) => Number(w.amount)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  }));

Deno.test("a sweep's top-up goes out while dozens of withdrawals wait for the funds it brings", () =>
  withTronHarness({
    assets: { USDT_TRC20: { minSweep: "5000000" } },
    tron: { confirmations: 1 },
  }, async (h) => {
    await h.devnet.faucetTrx(h.hot, 100_000_000_000n);
    await h.block();
    const payee = testKey("payee-queue").address;
    for (let i = 0; i < 45; i++) {
      await requestWithdrawal(h.ctx, {
        userId: "u1",
        queryId: `q${i}`,
        currency: "USDT_TRC20",
        amount: 10_000_000n,
        destination: payee,
        comment: null,
        binaryComment: null,
      });
    }
    const address = await newAddress(h.ctx, "u2", "USDT_TRC20");
    await h.devnet.faucetToken("USDT_TRC20", address, 500_000_000n);
    await h.block();
    for (let round = 0; round < 12; round++) {
      await senderTick(h.ctx, h.plugin);
      await h.block();
      if ((await listSweeps(h.ctx.db, "tron", 10)).some((s) => s.status === "done")) break;
    }
    assert.equal(usdtOf(h, address), 0n);
    // Refilled, the hot wallet pays the queue in order.
    for (let round = 0; round < 6; round++) {
      await senderTick(h.ctx, h.plugin);
      await h.block();
    }
    assert.equal(usdtOf(h, payee), 450_000_000n);
  }));
