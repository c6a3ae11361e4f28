/** The TON scanner on the devnet: what counts as an income, and that none is lost or doubled. */

import assert from "node:assert/strict";
import { Address, beginCell, toNano } from "@ton/core";
import { incomeHistory } from "../../../core/store/incomes.ts";
import { newAddress } from "../../../core/processor.ts";
import { loadCursor } from "../../../core/store/cursors.ts";
import { startTonHarness, type TonHarness } from "../../support/ton_harness.ts";

async function withHarness(fn: (h: TonHarness) => Promise<void>) {
  const h = await startTonHarness();
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

async function depositOf(h: TonHarness, user: string) {
  const display = await newAddress(h.ctx, user, "TON");
  return { display, address: Address.parse(display) };
}

const history = (h: TonHarness, user: string) =>
  incomeHistory(h.ctx.db, { userId: user, currency: "TON", limit: 100, offset: 0, order: "asc" });

Deno.test("a transfer with a text comment is recorded with source, amount and comment", () =>
  withHarness(async (h) => {
    const { display, address } = await depositOf(h, "u1");
    const txHash = h.devnet.faucet(address, toNano("1.5"), { comment: "hello 👋" });
    await h.devnet.produceBlock();
    await txHash;
    await h.catchUp();
    const [income, ...rest] = await history(h, "u1");
    assert.equal(rest.length, 0);
    assert.equal(income.amount, 1_500_000_000n);
    assert.equal(income.comment, "hello 👋");
    assert.equal(income.depositAddress, display);
    assert.equal(
      Address.parse(income.sourceAddress!).toRawString(),
      h.devnet.faucetAddress.toRawString(),
    );
    assert.match(income.txHash, /^[0-9a-f]{64}$/);
  }));
