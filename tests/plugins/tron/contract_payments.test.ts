/**
 * Value that reaches TRON deposits other than by a plain TransferContract, through the core
 * ingest loop on the devnet: TRX a contract sends (an internal transaction) is an income, once;
 * TRC10 is an unrecognized transfer; a sweep never moves TRX that was not credited.
 */

import assert from "node:assert/strict";
import { history, newAddress, totalIncome } from "../../../core/processor.ts";
import { senderTick } from "../../../core/sender.ts";
import { listSweeps } from "../../../core/store/sweeps.ts";
import { tronHexFromAddress } from "../../../plugins/tron/address.ts";
import { TRC10_TOKEN_PREFIX } from "../../../plugins/tron/scanner.ts";
import { type TronHarness, withTronHarness } from "../../support/harness.ts";

async function trxIncomes(h: TronHarness) {
  return await history(h.ctx, {
    userId: "u1",
    currency: "TRX",
    limit: 10,
    offset: 0,
    order: "asc",
  });
}

function trxOf(h: TronHarness, address: string): bigint {
  return h.devnet.chain.account(tronHexFromAddress(address))?.balance ?? 0n;
}

Deno.test("TRX a contract forwards to a deposit is one income from the contract, final at the configured count", () =>
  withTronHarness({ tron: { confirmations: 3 } }, async (h) => {
    const address = await newAddress(h.ctx, "u1", "TRX");
    const txid = await h.devnet.faucetViaContract(address, 4_500_000n);
    await h.block();
    // Scanning on (and replaying nothing twice) keeps exactly one income.
    for (let i = 0; i < 3; i++) await h.block();
    const incomes = await trxIncomes(h);
    assert.equal(incomes.length, 1);
    assert.equal(incomes[0].txHash, txid);
    assert.equal(incomes[0].amount, 4_500_000n);
    assert.equal(incomes[0].sourceAddress, h.devnet.forwarder);
    assert.equal(trxOf(h, address), 4_500_000n, "the devnet moved the TRX");
    const { totals } = await totalIncome(h.ctx, "u1");
    assert.equal(totals.find((t) => t.depositAddress === address)?.amount, 4_500_000n);
    const [row] = await h.ctx.db.query<{ event_index: number }>(
      "select event_index from incomes where tx_hash = $1",
      [txid],
    );
    assert.equal(Number(row.event_index), -1);
  }));

Deno.test("a forward that runs out of energy credits nothing: its internal transaction is rejected", () =>
  withTronHarness({}, async (h) => {
    const address = await newAddress(h.ctx, "u1", "TRX");
    // The faucet pays the forward with a fee_limit too small for the call.
    const d = h.devnet;
    const txid = await d.faucetViaContract(address, 1_000_000n, { feeLimit: 420 });
    await h.block();
    const info = d.chain.lookup(txid)!.info as {
      receipt: { result: string };
      internal_transactions: { rejected?: boolean }[];
    };
    assert.equal(info.receipt.result, "OUT_OF_ENERGY");
    assert.equal(info.internal_transactions[0].rejected, true);
    assert.deepEqual(await trxIncomes(h), []);
    assert.equal(trxOf(h, address), 0n);
  }));

Deno.test("TRC10 sent to a deposit is an unrecognized transfer, never an income", () =>
  withTronHarness({}, async (h) => {
    const trx = await newAddress(h.ctx, "u1", "TRX");
    const usdt = await newAddress(h.ctx, "u1", "USDT_TRC20");
    const a = await h.devnet.faucetTrc10(trx, 777n);
    const b = await h.devnet.faucetTrc10(usdt, 888n);
    await h.block();
    await h.block();
    assert.deepEqual(await trxIncomes(h), []);
    const rows = await h.ctx.db.query<
      { address: string; token: string; amount: string; tx_hash: string; source_address: string }
    >(
      `select a.address, u.token, u.amount::text as amount, u.tx_hash, u.source_address
       from unrecognized_transfers u join addresses a on a.id = u.address_id order by u.amount`,
    );
    const token = TRC10_TOKEN_PREFIX + h.devnet.trc10;
    assert.deepEqual(rows.map((r) => ({ ...r })), [
      { address: trx, token, amount: "777", tx_hash: a, source_address: h.devnet.faucet.address },
      { address: usdt, token, amount: "888", tx_hash: b, source_address: h.devnet.faucet.address },
    ]);
    assert.equal((await h.ctx.db.query("select * from incomes")).length, 0);
  }));

Deno.test("a TRX deposit paid through a contract is swept for exactly what was credited", () =>
  withTronHarness({
    assets: { TRX: { minSweep: "10000000" } },
    tron: { confirmations: 1 },
  }, async (h) => {
    await h.devnet.faucetTrx(h.hot, 100_000_000_000n);
    await h.block();
    const address = await newAddress(h.ctx, "u1", "TRX");
    // Half paid directly, half through the contract: before, the sweep took both and only the
    // direct half had been credited.
    await h.devnet.faucetTrx(address, 15_000_000n);
    await h.devnet.faucetViaContract(address, 15_000_000n);
    await h.block();
    const { totals } = await totalIncome(h.ctx, "u1");
    assert.equal(totals.find((t) => t.depositAddress === address)?.amount, 30_000_000n);
    for (let round = 0; round < 8; round++) {
      await senderTick(h.ctx, h.plugin);
      await h.block();
      if ((await listSweeps(h.ctx.db, "tron", 10)).some((s) => s.status === "done")) break;
    }
    const [sweep] = await listSweeps(h.ctx.db, "tron", 10);
    assert.equal(sweep.status, "done");
    // What left is what was credited, less the bandwidth the sweep burnt.
    assert.equal(sweep.amount! + sweep.fee, 30_000_000n);
    assert.equal(trxOf(h, address), 0n);
  }));
