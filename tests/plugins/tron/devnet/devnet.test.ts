import assert from "node:assert/strict";
import { signTronTx, tronBandwidthBytes, tronTxId } from "../../../../plugins/tron/transaction.ts";
import { decodeTrc20Transfers, TRANSFER_TOPIC } from "../../../../plugins/tron/logs.ts";
import { startTronDevnet } from "../../../../plugins/tron/devnet/server.ts";
import { encodeRawData, type RawDataJson } from "../../../../plugins/tron/devnet/protobuf.ts";
import { hex } from "../../../../plugins/tron/deps.ts";
import { tronHexFromAddress as tronHex } from "../../../../plugins/tron/address.ts";
import {
  balance,
  message,
  nodeTx,
  post,
  sign,
  testKey,
  tokenBalance,
  type Tx,
  unsignedTrc20Transfer as trc20Transfer,
  unsignedTrx as transferTrx,
  withDevnet,
} from "./helpers.ts";

Deno.test("devnet: blocks have java-tron ids and manual production", async () => {
  await withDevnet(async (d) => {
    assert.equal(d.height(), 0);
    assert.equal(d.produceBlock(), 1);
    const now = await post(d.endpoint, "/wallet/getnowblock");
    const header = (now.block_header as { raw_data: { number: number; parentHash: string } })
      .raw_data;
    assert.equal(header.number, 1);
    assert.equal(String(now.blockID).slice(0, 16), "0000000000000001");
    const genesis = await post(d.endpoint, "/wallet/getblockbynum", { num: 0 });
    assert.equal(header.parentHash, genesis.blockID);
    assert.deepEqual(await post(d.endpoint, "/wallet/getblockbynum", { num: 5 }), {});
  });
});

Deno.test("devnet: TRX transfer signed with signTronTx lands in the next block", async () => {
  await withDevnet(async (d) => {
    const alice = testKey("alice");
    const bob = testKey("bob");
    assert.deepEqual(await post(d.endpoint, "/wallet/getaccount", { address: alice.address }), {});
    await d.faucetTrx(alice.address, 50_000_000n);
    d.produceBlock();
    assert.equal(await balance(d, alice.address), 50_000_000);

    const tx = await transferTrx(d, alice.address, bob.address, 3_000_000);
    assert.equal(tx.txID, tronTxId(tx.raw_data_hex));
    assert.equal(hex.encode(encodeRawData(tx.raw_data)), tx.raw_data_hex);
    const res = await post(d.endpoint, "/wallet/broadcasttransaction", sign(tx, alice.privateKey));
    assert.deepEqual(res, { result: true, txid: tx.txID });
    // Not executed before the block.
    assert.deepEqual(
      await post(d.endpoint, "/wallet/gettransactioninfobyid", { value: tx.txID }),
      {},
    );
    const n = d.produceBlock();
    // Bob is new: alice pays 1 TRX activation + 0.1 TRX creation bandwidth.
    assert.equal(await balance(d, bob.address), 3_000_000);
    assert.equal(await balance(d, alice.address), 50_000_000 - 3_000_000 - 1_100_000);
    const info = await post(d.endpoint, "/wallet/gettransactioninfobyid", { value: tx.txID });
    assert.equal(info.id, tx.txID);
    assert.equal(info.blockNumber, n);
    assert.equal(info.fee, 1_100_000);
    const block = await post(d.endpoint, "/wallet/getblockbynum", { num: n });
    const txs = block.transactions as Tx[];
    assert.equal(txs.length, 1);
    assert.equal(txs[0].txID, tx.txID);
    const byId = await post(d.endpoint, "/wallet/gettransactionbyid", { value: tx.txID });
    assert.deepEqual(byId.ret, [{ contractRet: "SUCCESS" }]);

    // Second transfer to an existing account: free bandwidth, no fee.
    const tx2 = await transferTrx(d, alice.address, bob.address, 1_000_000);
    assert.equal(
      (await post(d.endpoint, "/wallet/broadcasttransaction", sign(tx2, alice.privateKey))).result,
      true,
    );
    d.produceBlock();
    const info2 = await post(d.endpoint, "/wallet/gettransactioninfobyid", { value: tx2.txID });
    assert.equal(info2.fee, undefined);
    assert.ok(Number((info2.receipt as { net_usage: number }).net_usage) > 200);
    assert.equal(await balance(d, bob.address), 4_000_000);

    // Duplicate broadcast is rejected.
    const dup = await post(d.endpoint, "/wallet/broadcasttransaction", sign(tx2, alice.privateKey));
    assert.equal(dup.code, "DUP_TRANSACTION_ERROR");
  });
});

Deno.test("devnet: a TRX transfer must fit in what its bandwidth burn leaves, as java-tron burns bandwidth first", async () => {
  await withDevnet(async (d) => {
    const alice = testKey("alice");
    const bob = testKey("bob");
    await d.faucetTrx(alice.address, 10_000_000n);
    await d.faucetTrx(bob.address, 1_000_000n);
    d.produceBlock();
    // Two transfers use up most of alice's 600 free bytes for the day.
    for (const amount of [1_000_000, 1_000_001]) {
      const tx = await transferTrx(d, alice.address, bob.address, amount);
      await post(d.endpoint, "/wallet/broadcasttransaction", sign(tx, alice.privateKey));
      d.produceBlock();
    }
    const left = await balance(d, alice.address);
    assert.equal(left, 8_000_000 - 1);
    // The whole balance: `createtransaction` builds it (it does not consume bandwidth), but
    // the broadcast refuses it, the burn coming out of the balance first.
    const whole = await transferTrx(d, alice.address, bob.address, left);
    const refused = await post(
      d.endpoint,
      "/wallet/broadcasttransaction",
      sign(whole, alice.privateKey),
    );
    assert.equal(refused.code, "CONTRACT_VALIDATE_ERROR");
    assert.match(message(refused.message), /balance is not sufficient/);
    // The balance less the burn is taken, and empties the account exactly.
    const burn = tronBandwidthBytes(whole.raw_data_hex, 1) * 1000;
    const sized = await transferTrx(d, alice.address, bob.address, left - burn);
    assert.equal(tronBandwidthBytes(sized.raw_data_hex, 1) * 1000, burn);
    const ok = await post(
      d.endpoint,
      "/wallet/broadcasttransaction",
      sign(sized, alice.privateKey),
    );
    assert.equal(ok.result, true, JSON.stringify(ok));
    d.produceBlock();
    const info = await post(d.endpoint, "/wallet/gettransactioninfobyid", { value: sized.txID });
    assert.equal(info.fee, burn);
    assert.deepEqual(info.receipt, { net_fee: burn });
    assert.equal(await balance(d, alice.address), 0);
  });
});

Deno.test("devnet: wrongly signed transaction is SIGERROR and moves nothing", async () => {
  await withDevnet(async (d) => {
    const alice = testKey("alice");
    const mallory = testKey("mallory");
    await d.faucetTrx(alice.address, 10_000_000n);
    d.produceBlock();
    const tx = await transferTrx(d, alice.address, mallory.address, 5_000_000);
    const res = await post(
      d.endpoint,
      "/wallet/broadcasttransaction",
      sign(tx, mallory.privateKey),
    );
    assert.equal(res.result, false);
    assert.equal(res.code, "SIGERROR");
    assert.match(message(res.message), /signature/i);
    // Tampered amount with alice's signature over the original: also SIGERROR.
    const signed = sign(tx, alice.privateKey);
    const tampered = structuredClone(signed);
    tampered.raw_data.contract[0].parameter.value.amount = 9_000_000;
    const res2 = await post(d.endpoint, "/wallet/broadcasttransaction", tampered);
    assert.equal(res2.code, "SIGERROR");
    // Unsigned.
    const res3 = await post(d.endpoint, "/wallet/broadcasttransaction", tx);
    assert.equal(res3.code, "SIGERROR");
    d.produceBlock();
    assert.equal(await balance(d, alice.address), 10_000_000);
    assert.deepEqual(
      await post(d.endpoint, "/wallet/getaccount", { address: mallory.address }),
      {},
    );
  });
});

Deno.test("devnet: expired and bad-TaPoS transactions are rejected", async () => {
  await withDevnet(async (d) => {
    const alice = testKey("alice");
    await d.faucetTrx(alice.address, 10_000_000n);
    d.produceBlock();
    const tx = await transferTrx(d, alice.address, d.faucet.address, 1_000_000);
    const head = d.chain.head().header.timestamp;
    const raw: RawDataJson = { ...tx.raw_data, expiration: head - 1 };
    const rawHex = hex.encode(encodeRawData(raw));
    const expired = {
      txID: tronTxId(rawHex),
      raw_data: raw,
      raw_data_hex: rawHex,
      signature: [signTronTx(rawHex, alice.privateKey)],
    };
    const res = await post(d.endpoint, "/wallet/broadcasttransaction", expired);
    assert.equal(res.code, "TRANSACTION_EXPIRATION_ERROR");

    const badRef: RawDataJson = { ...tx.raw_data, ref_block_hash: "0011223344556677" };
    const badHex = hex.encode(encodeRawData(badRef));
    const res2 = await post(d.endpoint, "/wallet/broadcasttransaction", {
      raw_data: badRef,
      raw_data_hex: badHex,
      signature: [signTronTx(badHex, alice.privateKey)],
    });
    assert.equal(res2.code, "TAPOS_ERROR");

    // Insufficient balance is refused at broadcast, as java-tron validates contracts there.
    const big = await post(d.endpoint, "/wallet/createtransaction", {
      owner_address: alice.address,
      to_address: d.faucet.address,
      amount: 20_000_000,
      visible: true,
    });
    assert.match(String(big.Error), /balance is not sufficient/);
  });
});

Deno.test("devnet: TRC20 transfer emits a Transfer log; balances via triggerconstantcontract", async () => {
  await withDevnet(async (d) => {
    const alice = testKey("alice");
    const bob = testKey("bob");
    await d.faucetTrx(alice.address, 100_000_000n);
    await d.faucetToken("USDT_TRC20", alice.address, 25_000_000n);
    d.produceBlock();
    assert.equal(await tokenBalance(d, alice.address), 25_000_000n);

    const tx = await trc20Transfer(d, alice.address, bob.address, 7_000_000n, 100_000_000);
    assert.equal(tx.txID, tronTxId(tx.raw_data_hex));
    const res = await post(d.endpoint, "/wallet/broadcasttransaction", sign(tx, alice.privateKey));
    assert.equal(res.result, true, JSON.stringify(res));
    const n = d.produceBlock();

    const infos = await post(d.endpoint, "/wallet/gettransactioninfobyblocknum", {
      num: n,
    }) as unknown as Record<string, unknown>[];
    assert.equal(infos.length, 1);
    const info = infos[0];
    assert.equal(info.id, tx.txID);
    assert.equal(info.blockNumber, n);
    const receipt = info.receipt as Record<string, number | string>;
    assert.equal(receipt.result, "SUCCESS");
    // Bob never held the token: new-holder energy, burnt at 420 sun.
    assert.equal(receipt.energy_usage_total, 130_000);
    assert.equal(receipt.energy_fee, 130_000 * 420);
    const log = (info.log as { address: string; topics: string[]; data: string }[])[0];
    assert.equal(log.address, tronHex(d.tokens.USDT_TRC20).slice(2));
    assert.deepEqual(log.topics, [
      TRANSFER_TOPIC,
      "0".repeat(24) + alice.hex.slice(2),
      "0".repeat(24) + bob.hex.slice(2),
    ]);
    assert.equal(BigInt("0x" + log.data), 7_000_000n);
    const decoded = decodeTrc20Transfers(info, new Set([d.tokens.USDT_TRC20]));
    assert.equal(decoded.length, 1);
    assert.equal(decoded[0].from, alice.address);
    assert.equal(decoded[0].to, bob.address);
    assert.equal(decoded[0].contract, d.tokens.USDT_TRC20);

    assert.equal(await tokenBalance(d, alice.address), 18_000_000n);
    assert.equal(await tokenBalance(d, bob.address), 7_000_000n);
    // TRC20 does not activate bob.
    assert.deepEqual(await post(d.endpoint, "/wallet/getaccount", { address: bob.address }), {});
    // 65k energy to an existing holder.
    const tx2 = await trc20Transfer(d, alice.address, bob.address, 1n, 100_000_000);
    await post(d.endpoint, "/wallet/broadcasttransaction", sign(tx2, alice.privateKey));
    d.produceBlock();
    const info2 = await post(d.endpoint, "/wallet/gettransactioninfobyid", { value: tx2.txID });
    assert.equal((info2.receipt as { energy_usage_total: number }).energy_usage_total, 65_000);
  });
});

Deno.test("devnet: tiny fee_limit gives OUT_OF_ENERGY, no log, tokens unchanged", async () => {
  await withDevnet(async (d) => {
    const alice = testKey("alice");
    const bob = testKey("bob");
    await d.faucetTrx(alice.address, 100_000_000n);
    await d.faucetToken("USDT_TRC20", alice.address, 5_000_000n);
    d.produceBlock();
    const before = await balance(d, alice.address);
    const tx = await trc20Transfer(d, alice.address, bob.address, 1_000_000n, 1_000_000);
    await post(d.endpoint, "/wallet/broadcasttransaction", sign(tx, alice.privateKey));
    const n = d.produceBlock();
    const [info] = await post(d.endpoint, "/wallet/gettransactioninfobyblocknum", {
      num: n,
    }) as unknown as Record<string, unknown>[];
    assert.equal(info.result, "FAILED");
    assert.equal((info.receipt as { result: string }).result, "OUT_OF_ENERGY");
    assert.equal(info.log, undefined);
    assert.deepEqual(decodeTrc20Transfers(info, new Set([d.tokens.USDT_TRC20])), []);
    assert.equal(await tokenBalance(d, alice.address), 5_000_000n);
    assert.equal(await tokenBalance(d, bob.address), 0n);
    // The whole fee_limit (rounded down to whole energy) is burnt.
    const burnt = Math.floor(1_000_000 / 420) * 420;
    assert.equal(before - await balance(d, alice.address), burnt);
    const byId = await post(d.endpoint, "/wallet/gettransactionbyid", { value: tx.txID });
    assert.deepEqual(byId.ret, [{ contractRet: "OUT_OF_ENERGY" }]);
  });
});

Deno.test("devnet: delegated energy is used before burning", async () => {
  await withDevnet(async (d) => {
    const alice = testKey("alice");
    const bob = testKey("bob");
    await d.faucetTrx(alice.address, 10_000_000n);
    await d.faucetToken("USDT_TRC20", alice.address, 5_000_000n);
    await d.faucetToken("USDT_TRC20", bob.address, 1n);
    await nodeTx(d, "/wallet/freezebalancev2", {
      owner_address: d.faucet.address,
      frozen_balance: 1_000_000_000,
      resource: "ENERGY",
    }, d.faucet.privateKey);
    d.produceBlock();
    // 700 TRX at about 100 energy per TRX: just under 70k energy.
    await nodeTx(d, "/wallet/delegateresource", {
      owner_address: d.faucet.address,
      receiver_address: alice.address,
      balance: 700_000_000,
      resource: "ENERGY",
    }, d.faucet.privateKey);
    d.produceBlock();
    const res = await post(d.endpoint, "/wallet/getaccountresource", { address: alice.address });
    assert.equal(res.EnergyLimit, 69_999);
    const refused = await post(d.endpoint, "/wallet/delegateresource", {
      owner_address: d.faucet.address,
      receiver_address: testKey("nobody").address,
      balance: 1_000_000,
      resource: "ENERGY",
      visible: true,
    });
    assert.match(
      String(refused.Error),
      /ContractValidateException : Account\[41[0-9a-f]{40}\] not exists/,
    );
    const tx = await trc20Transfer(d, alice.address, bob.address, 1_000n, 0);
    await post(d.endpoint, "/wallet/broadcasttransaction", sign(tx, alice.privateKey));
    d.produceBlock();
    const info = await post(d.endpoint, "/wallet/gettransactioninfobyid", { value: tx.txID });
    const receipt = info.receipt as Record<string, unknown>;
    assert.equal(receipt.result, "SUCCESS");
    assert.equal(receipt.energy_usage, 65_000);
    assert.equal(receipt.energy_fee, undefined);
  });
});

Deno.test("devnet: faults fail requests and lag the head", async () => {
  const d = await startTronDevnet({ blockIntervalMs: 0, faultTimeoutMs: 50 });
  try {
    d.produceBlock();
    d.produceBlock();
    d.faults.failNext("/wallet/getnowblock", 1, "error");
    const r1 = await fetch(`${d.endpoint}/wallet/getnowblock`, { method: "POST" });
    assert.equal(r1.status, 503);
    await r1.body?.cancel();
    const r2 = await post(d.endpoint, "/wallet/getnowblock");
    assert.equal((r2.block_header as { raw_data: { number: number } }).raw_data.number, 2);
    d.faults.failNext("*", 1, "timeout");
    const r3 = await fetch(`${d.endpoint}/wallet/getaccount`, {
      method: "POST",
      body: JSON.stringify({ address: d.faucet.address }),
    });
    assert.equal(r3.status, 504);
    await r3.body?.cancel();
    d.faults.lagHeight(2);
    const r4 = await post(d.endpoint, "/wallet/getnowblock");
    assert.equal((r4.block_header as { raw_data: { number: number } }).raw_data.number, 0);
    assert.equal(String(r4.blockID).slice(0, 16), "0000000000000000");
    assert.deepEqual(await post(d.endpoint, "/wallet/getblockbynum", { num: 2 }), {});
    d.faults.reset();
    assert.equal(
      (await post(d.endpoint, "/wallet/getblockbynum", { num: 2 })).blockID,
      d.chain.blocks[2].id,
    );
  } finally {
    await d.close();
  }
});

Deno.test("devnet: a dropped broadcast is answered as accepted but never executes", async () => {
  await withDevnet(async (d) => {
    const alice = testKey("alice");
    const bob = testKey("bob");
    await d.faucetTrx(alice.address, 50_000_000n);
    d.produceBlock();
    d.faults.dropNextBroadcasts(1);
    const lost = await transferTrx(d, alice.address, bob.address, 3_000_000);
    const res = await post(
      d.endpoint,
      "/wallet/broadcasttransaction",
      sign(lost, alice.privateKey),
    );
    assert.deepEqual(res, { result: true, txid: lost.txID });
    d.produceBlock();
    assert.deepEqual(
      await post(d.endpoint, "/wallet/gettransactioninfobyid", { value: lost.txID }),
      {},
    );
    assert.equal(await balance(d, alice.address), 50_000_000);
    // The node never knew it: the same transaction is accepted again, and lands.
    const again = await post(
      d.endpoint,
      "/wallet/broadcasttransaction",
      sign(lost, alice.privateKey),
    );
    assert.deepEqual(again, { result: true, txid: lost.txID });
    d.produceBlock();
    assert.equal(await balance(d, bob.address), 3_000_000);
  });
});

Deno.test("devnet: POST /devnet/faucet and the block timer", async () => {
  const d = await startTronDevnet({ blockIntervalMs: 50 });
  try {
    const alice = testKey("alice");
    const r = await post(d.endpoint, "/devnet/faucet", { to: alice.address, amount: 2_000_000 });
    assert.equal(r.result, true);
    const t = await post(d.endpoint, "/devnet/faucet", {
      to: alice.address,
      amount: "1500000",
      currency: "USDT_TRC20",
    });
    assert.equal(t.result, true);
    await d.waitForBlock();
    await d.waitForBlock();
    assert.equal(await balance(d, alice.address), 2_000_000);
    assert.equal(await tokenBalance(d, alice.address), 1_500_000n);
    assert.ok(d.height() >= 1);
  } finally {
    await d.close();
  }
});

Deno.test("devnet: walletsolidity trails the head by solidityLag", async () => {
  const d = await startTronDevnet({ blockIntervalMs: 0, solidityLag: 19 });
  try {
    const alice = testKey("alice");
    const txid = await d.faucetTrx(alice.address, 1_000_000n);
    d.produceBlock();
    assert.equal(
      (await post(d.endpoint, "/wallet/gettransactioninfobyid", { value: txid })).id,
      txid,
    );
    assert.deepEqual(
      await post(d.endpoint, "/walletsolidity/gettransactioninfobyid", { value: txid }),
      {},
    );
    for (let i = 0; i < 19; i++) d.produceBlock();
    assert.equal(
      (await post(d.endpoint, "/walletsolidity/gettransactioninfobyid", { value: txid })).id,
      txid,
    );
    const solidHead = await post(d.endpoint, "/walletsolidity/getnowblock");
    assert.equal((solidHead.block_header as { raw_data: { number: number } }).raw_data.number, 1);
  } finally {
    await d.close();
  }
});
