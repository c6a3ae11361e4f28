/**
 * Forks on the TRON devnet through the core ingest and sender: the scanner notices a block
 * whose parent is not the one it ingested, rolls back to the shared block, and the new
 * branch decides what stays. Nothing is lost, nothing counted or paid twice.
 */

import assert from "node:assert/strict";
import {
  history,
  newAddress,
  requestWithdrawal,
  withdrawalStatus,
} from "../../../core/processor.ts";
import { createDeposit, getDeposit } from "../../../core/invoice_creation.ts";
import { invoiceTick } from "../../../core/invoice_matching.ts";
import { senderTick } from "../../../core/sender.ts";
import { createSite } from "../../../core/store/sites.ts";
import { tronHexFromAddress } from "../../../plugins/tron/address.ts";
import { type TronHarness, withTronHarness } from "../../support/harness.ts";
import { testKey } from "./devnet/helpers.ts";

async function incomes(h: TronHarness) {
  return await history(h.ctx, {
    userId: "u1",
    currency: "USDT_TRC20",
    limit: 10,
    offset: 0,
    order: "asc",
  });
}

Deno.test("a fork that keeps a deposit re-records it once, at its new height", () =>
  withTronHarness({}, async (h) => {
    const address = await newAddress(h.ctx, "u1", "USDT_TRC20");
    const txid = await h.devnet.faucetToken("USDT_TRC20", address, 5_000_000n);
    await h.block();
    await h.block();
    const [before] = await incomes(h);
    assert.equal(before.confirmations, 2);
    h.devnet.reorg(2);
    await h.block();
    const after = await incomes(h);
    assert.equal(after.length, 1);
    assert.equal(after[0].txHash, txid);
    assert.equal(after[0].amount, 5_000_000n);
    const state = (await h.ctx.db.query("select height::int as h from cursors"))[0];
    assert.equal(state.h, h.devnet.height());
  }));

Deno.test("a fork that drops a deposit removes the income before it was ever final", () =>
  withTronHarness({}, async (h) => {
    const address = await newAddress(h.ctx, "u1", "USDT_TRC20");
    const kept = await h.devnet.faucetToken("USDT_TRC20", address, 1_000_000n);
    await h.block();
    const dropped = await h.devnet.faucetToken("USDT_TRC20", address, 2_000_000n);
    await h.block();
    assert.equal((await incomes(h)).length, 2);
    h.devnet.reorg(1, { drop: [dropped] });
    await h.block();
    const left = await incomes(h);
    assert.deepEqual(left.map((i) => i.txHash), [kept]);
  }));

Deno.test("a withdrawal whose block a fork dropped goes back to processing and is paid once", () =>
  withTronHarness({}, async (h) => {
    await h.devnet.faucetTrx(h.hot, 10_000_000_000n);
    await h.block();
    const to = testKey("payee-fork").address;
    const { id } = await requestWithdrawal(h.ctx, {
      userId: "u1",
      queryId: "q1",
      currency: "TRX",
      amount: 4_000_000n,
      destination: to,
      comment: null,
      binaryComment: null,
    });
    await senderTick(h.ctx, h.plugin);
    await h.block();
    const first = await withdrawalStatus(h.ctx, id);
    assert.equal(first.status, "processed");
    h.devnet.reorg(1, { drop: [first.txHash!] });
    await h.block();
    assert.equal((await withdrawalStatus(h.ctx, id)).status, "processing");
    // The stored transaction is broadcast again as it is; nothing new is signed.
    const tick = await senderTick(h.ctx, h.plugin, { rebroadcastMs: 0 });
    assert.equal(tick.batched, 0);
    assert.equal(tick.broadcast, 1);
    await h.block();
    const again = await withdrawalStatus(h.ctx, id);
    assert.equal(again.status, "processed");
    assert.equal(again.txHash, first.txHash);
    assert.equal(h.devnet.chain.account(tronHexFromAddress(to))?.balance, 4_000_000n);
  }));

Deno.test("a deposit whose payment a fork dropped is fail, and its event is written", () =>
  withTronHarness({ tron: { confirmations: 5 } }, async (h) => {
    const { site } = await createSite(h.ctx.db, { name: "shop" });
    const { deposit } = await createDeposit(h.ctx, site.id, {
      orderId: "o-fork",
      assetCode: "USDT_TRC20",
      expectedAmount: "5",
    });
    const txid = await h.devnet.faucetToken("USDT_TRC20", deposit.address, 5_000_000n);
    await h.block();
    await invoiceTick(h.ctx);
    assert.equal((await getDeposit(h.ctx, site.id, deposit.uuid)).status, "process");
    h.devnet.reorg(1, { drop: [txid] });
    await h.block();
    await invoiceTick(h.ctx);
    const failed = await getDeposit(h.ctx, site.id, deposit.uuid);
    assert.equal(failed.status, "fail");
    assert.deepEqual(failed.payments, []);
    const events = await h.ctx.db.query("select body from outbox order by id");
    assert.deepEqual(
      events.map((e) => JSON.parse(String(e.body)).deposit.status),
      ["process", "fail"],
    );
  }));
