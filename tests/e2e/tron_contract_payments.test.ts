/**
 * Dev mode's whole path for value that does not come as a TransferContract, driven through
 * HTTP only (the processor's API and the devnet's own faucet route), blocks on a timer: TRX
 * paid to a deposit through a contract is an income exactly once; TRC10 is an unrecognized
 * transfer.
 */

import assert from "node:assert/strict";
import { bearerCaller, startE2e } from "../support/e2e.ts";
import { until } from "../support/waiting.ts";

Deno.test("dev mode: TRX paid through a contract (POST /devnet/faucet via contract) is one income; TRC10 is unrecognized", async () => {
  const e2e = await startE2e({ tron: { blockIntervalMs: 300, settings: { confirmations: 2 } } });
  const devnet = e2e.tron;
  try {
    const running = await e2e.start();
    const call = bearerCaller(running.url);
    const info = (await call("GET", "/devnet")).json.chains.tron;
    assert.equal(info.forwarder, devnet.forwarder);
    const address = (await call("POST", "/v1/address/new", { user_id: "bob", currency: "TRX" }))
      .json.address as string;

    const paid = await call("POST", "/devnet/faucet", {
      currency: "TRX",
      to: address,
      amount: "3250000",
      via: "contract",
    });
    assert.equal(paid.status, 200, JSON.stringify(paid.json));
    const txid = paid.json.tx_hash as string;
    const refused = await call("POST", "/devnet/faucet", {
      currency: "TRX",
      to: address,
      amount: "1",
      via: "pigeon",
    });
    assert.equal(refused.status, 400);
    assert.match(refused.json.error, /^via: /);

    const final = await until("the contract payment to be final", async () => {
      const r = await call("GET", "/v1/income?user_id=bob");
      const total = r.json.total_income?.find((t: { currency: string }) => t.currency === "TRX");
      return total && BigInt(total.amount) > 0n ? total : null;
    });
    assert.equal(final.amount, "3250000");
    const historyAnswer = await call("GET", "/v1/deposit/history?user_id=bob&currency=TRX");
    assert.equal(historyAnswer.json.incomes.length, 1);
    assert.equal(historyAnswer.json.incomes[0].tx_hash, txid);
    assert.equal(historyAnswer.json.incomes[0].source_address, devnet.forwarder);

    // TRC10 from the devnet's own faucet route: recorded for a person, never an income.
    const trc10 = await fetch(`${devnet.endpoint}/devnet/faucet`, {
      method: "POST",
      body: JSON.stringify({ currency: "TRC10", to: address, amount: "4242" }),
    }).then((r) => r.json());
    assert.equal(trc10.result, true);
    const db = running.ctx.db;
    const [row] = await until("the TRC10 transfer to be recorded", async () => {
      const rows = await db.query<{ token: string; amount: string }>(
        "select token, amount::text as amount from unrecognized_transfers where tx_hash = $1",
        [trc10.txid],
      );
      return rows.length ? rows : null;
    });
    assert.deepEqual({ ...row }, { token: `TRC10:${devnet.trc10}`, amount: "4242" });
    const after = await call("GET", "/v1/deposit/history?user_id=bob&currency=TRX");
    assert.equal(after.json.incomes.length, 1, "still the one income");
  } finally {
    await e2e.close();
  }
});
