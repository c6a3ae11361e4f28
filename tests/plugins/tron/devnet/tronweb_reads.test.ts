/**
 * tronweb's own read calls, the ones a wallet makes, pointed at the TRON devnet: a client
 * nobody here wrote must be able to use it, for TRX, TRC20, TRC10 and contract payments alike.
 */

import assert from "node:assert/strict";
import { startTronDevnet } from "../../../../plugins/tron/devnet/server.ts";
import { testKey } from "./helpers.ts";
import { TronWeb } from "./tronweb.ts";

Deno.test("tronweb reads: balance, blocks, transactions and infos, an internal transaction, TRC10", async () => {
  const d = await startTronDevnet({ blockIntervalMs: 0 });
  try {
    const tronWeb = new TronWeb({ fullHost: d.endpoint });
    const to = testKey("tronweb-reader").address;
    const direct = await d.faucetTrx(to, 2_000_000n);
    const forwarded = await d.faucetViaContract(to, 3_000_000n);
    const trc10 = await d.faucetTrc10(to, 55n);
    const n = d.produceBlock();

    assert.equal(await tronWeb.trx.getBalance(to), 5_000_000);
    const account = await tronWeb.trx.getAccount(to);
    assert.equal(account.balance, 5_000_000);

    const current = await tronWeb.trx.getCurrentBlock();
    assert.equal(current.block_header.raw_data.number, n);
    assert.equal(current.blockID, d.chain.blocks[n].id);
    const byNumber = await tronWeb.trx.getBlockByNumber(n);
    assert.equal(byNumber.blockID, current.blockID);
    assert.deepEqual(byNumber.transactions?.map((t) => t.txID), [direct, forwarded, trc10]);
    const byHash = await tronWeb.trx.getBlockByHash(current.blockID);
    assert.equal(byHash.block_header.raw_data.number, n);

    const tx = await tronWeb.trx.getTransaction(forwarded);
    assert.equal(tx.txID, forwarded);
    assert.equal(tx.ret?.[0]?.contractRet, "SUCCESS");
    const info = await tronWeb.trx.getTransactionInfo(forwarded);
    assert.equal(info.id, forwarded);
    assert.equal(info.receipt.result, "SUCCESS");
    const [internal] = info.internal_transactions ?? [];
    assert.equal(tronWeb.address.fromHex(internal.transferTo_address), to);
    assert.equal(tronWeb.address.fromHex(internal.caller_address), d.forwarder);
    assert.equal(internal.callValueInfo[0].callValue, 3_000_000);
    const unconfirmed = await tronWeb.trx.getUnconfirmedTransactionInfo(forwarded);
    assert.equal(unconfirmed.id, forwarded);

    const assetTx = await tronWeb.trx.getTransaction(trc10);
    const value = assetTx.raw_data.contract[0].parameter.value as { asset_name: string };
    assert.equal(tronWeb.toUtf8(value.asset_name), d.trc10);
    assert.equal(
      (await tronWeb.trx.getTransactionInfo(direct)).blockNumber,
      n,
    );
  } finally {
    await d.close();
  }
});
