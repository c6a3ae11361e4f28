import assert from "node:assert/strict";
import { startTronDevnet } from "../../../../plugins/tron/devnet/server.ts";
import { TronWeb } from "./tronweb.ts";
import { testKey } from "./helpers.ts";

Deno.test("tronweb: sendTransaction and a TRC20 transfer against the devnet", async () => {
  const d = await startTronDevnet({ blockIntervalMs: 0 });
  try {
    const tronWeb = new TronWeb({ fullHost: d.endpoint, privateKey: d.faucet.privateKey });
    const bob = testKey("bob");
    const sent = await tronWeb.trx.sendTransaction(bob.address, 2_000_000);
    assert.equal(sent.result, true, JSON.stringify(sent));
    d.produceBlock();
    assert.equal(await tronWeb.trx.getBalance(bob.address), 2_000_000);

    const { transaction, result } = await tronWeb.transactionBuilder.triggerSmartContract(
      d.tokens.USDT_TRC20,
      "transfer(address,uint256)",
      { feeLimit: 100_000_000 },
      [{ type: "address", value: bob.address }, { type: "uint256", value: 1_234_567 }],
      d.faucet.address,
    );
    assert.equal(result.result, true);
    const signed = await tronWeb.trx.sign(transaction);
    const broadcast = await tronWeb.trx.sendRawTransaction(signed);
    assert.equal(broadcast.result, true, JSON.stringify(broadcast));
    d.produceBlock();
    const info = await tronWeb.trx.getTransactionInfo(signed.txID);
    assert.equal(info.receipt.result, "SUCCESS");
    assert.equal(info.log?.length, 1);

    const constant = await tronWeb.transactionBuilder.triggerConstantContract(
      d.tokens.USDT_TRC20,
      "balanceOf(address)",
      {},
      [{ type: "address", value: bob.address }],
      bob.address,
    );
    assert.equal(BigInt("0x" + constant.constant_result[0]), 1_234_567n);

    // A signature by another key is refused by the node, not just by tronweb.
    const unsigned = await tronWeb.transactionBuilder.sendTrx(bob.address, 1, d.faucet.address);
    const forged = await tronWeb.trx.sign(unsigned, d.faucet.privateKey);
    const other = await new TronWeb({ fullHost: d.endpoint, privateKey: bob.privateKey }).trx
      .sign(
        await tronWeb.transactionBuilder.sendTrx(d.faucet.address, 1, bob.address),
      );
    forged.signature = other.signature;
    const rejected = await tronWeb.trx.sendRawTransaction(forged);
    assert.equal(rejected.code, "SIGERROR");
  } finally {
    await d.close();
  }
});
