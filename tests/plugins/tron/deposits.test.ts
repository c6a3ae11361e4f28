/**
 * TRON deposits through the core ingest loop on the devnet: shown with rising confirmations,
 * credited once final, and nothing lost or doubled when the node misbehaves.
 */

import assert from "node:assert/strict";
import { history, newAddress, totalIncome } from "../../../core/processor.ts";
import { ingestOnce } from "../../../core/ingest.ts";
import { type TronHarness, withTronHarness } from "../../support/harness.ts";

async function usdtHistory(h: TronHarness, currency = "USDT_TRC20") {
  return await history(h.ctx, { userId: "u1", currency, limit: 10, offset: 0, order: "asc" });
}

async function credited(h: TronHarness, address: string): Promise<bigint> {
  const { totals } = await totalIncome(h.ctx, "u1");
  return totals.find((t) => t.depositAddress === address)?.amount ?? 0n;
}

Deno.test("a USDT_TRC20 deposit shows rising confirmations and is credited at the configured count", () =>
  withTronHarness({ tron: { confirmations: 4 } }, async (h) => {
    const address = await newAddress(h.ctx, "u1", "USDT_TRC20");
    await h.devnet.faucetToken("USDT_TRC20", address, 25_000_000n);
    await h.block();
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [income] = await usdtHistory(h);
      seen.push(income.confirmations);
      assert.equal(income.amount, 25_000_000n);
      assert.equal(await credited(h, address), i + 1 >= 4 ? 25_000_000n : 0n);
      await h.block();
    }
    assert.deepEqual(seen, [1, 2, 3, 4]);
    assert.equal(await credited(h, address), 25_000_000n);
  }));

Deno.test("a TRX deposit is recorded once with its sender and becomes final at 19 by default", () =>
  withTronHarness({}, async (h) => {
    const address = await newAddress(h.ctx, "u1", "TRX");
    const txid = await h.devnet.faucetTrx(address, 7_000_000n);
    await h.block();
    for (let i = 0; i < 17; i++) await h.block();
    let [income] = await usdtHistory(h, "TRX");
    assert.equal(income.confirmations, 18);
    assert.equal(income.txHash, txid);
    assert.equal(income.sourceAddress, h.devnet.faucet.address);
    assert.equal(await credited(h, address), 0n);
    await h.block();
    [income] = await usdtHistory(h, "TRX");
    assert.equal(income.confirmations, 19);
    assert.equal(await credited(h, address), 7_000_000n);
  }));

Deno.test("node errors, timeouts and a lagging head lose no TRON deposit and double none", () =>
  withTronHarness(
    { devnet: { faultTimeoutMs: 200 }, tron: { requestTimeoutMs: 100 } },
    async (h) => {
      const addresses = [
        await newAddress(h.ctx, "u1", "USDT_TRC20"),
        await newAddress(h.ctx, "u1", "USDT_TRC20"),
      ];
      const kinds = ["error", "timeout", "ratelimit"] as const;
      const paths = ["getblock", "getblockbynum", "gettransactioninfobyblocknum"];
      let sent = 0n;
      for (let round = 0; round < 9; round++) {
        const amount = BigInt(1_000_000 + round);
        await h.devnet.faucetToken("USDT_TRC20", addresses[round % 2], amount);
        sent += amount;
        h.devnet.produceBlock();
        h.devnet.faults.failNext(paths[round % 3], 1, kinds[round % 3]);
        if (round === 4) h.devnet.faults.lagHeight(3);
        // The ingest loop retries a failed block from the same cursor.
        for (let attempt = 0; attempt < 5; attempt++) {
          try {
            while (await ingestOnce(h.ctx, h.plugin));
            break;
          } catch {
            // retried
          }
        }
        if (round === 6) h.devnet.faults.lagHeight(0);
      }
      h.devnet.faults.reset();
      await h.block();
      const incomes = await usdtHistory(h);
      assert.equal(incomes.length, 9);
      assert.equal(incomes.reduce((sum, i) => sum + i.amount, 0n), sent);
      const rows = await h.ctx.db.query("select count(*)::int as n from incomes");
      assert.equal(rows[0].n, 9);
    },
  ));
