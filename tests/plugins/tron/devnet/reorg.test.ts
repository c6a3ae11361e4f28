import assert from "node:assert/strict";
import { hex } from "../../../../plugins/tron/deps.ts";
import { signTronTx, tronTxId } from "../../../../plugins/tron/transaction.ts";
import { type TronDevnet } from "../../../../plugins/tron/devnet/server.ts";
import { MAX_REORG_DEPTH } from "../../../../plugins/tron/devnet/blocks.ts";
import { NETWORK_ENERGY_WEIGHT } from "../../../../plugins/tron/devnet/resources.ts";
import { encodeRawData, type RawDataJson } from "../../../../plugins/tron/devnet/protobuf.ts";
import {
  balance,
  nodeTx,
  post,
  sign,
  testKey,
  tokenBalance,
  type Tx,
  unsignedTrc20Transfer,
  unsignedTrx,
  withDevnet,
} from "./helpers.ts";

type Json = Record<string, unknown>;

interface Header {
  number: number;
  parentHash: string;
  timestamp: number;
}

function header(block: Json): Header {
  return (block.block_header as { raw_data: Header }).raw_data;
}

async function blockByNum(d: TronDevnet, num: number): Promise<Json> {
  return await post(d.endpoint, "/wallet/getblockbynum", { num });
}

async function txids(d: TronDevnet, num: number): Promise<string[]> {
  const block = await blockByNum(d, num);
  return ((block.transactions ?? []) as Tx[]).map((t) => t.txID);
}

async function info(d: TronDevnet, txid: string): Promise<Json> {
  return await post(d.endpoint, "/wallet/gettransactioninfobyid", { value: txid });
}

/** Asserts that blocks `from`…head chain by parentHash, read through getblockbynum. */
async function assertChained(d: TronDevnet, from: number): Promise<void> {
  let parent = await blockByNum(d, from - 1);
  for (let n = from; n <= d.height(); n++) {
    const block = await blockByNum(d, n);
    assert.equal(header(block).number, n);
    assert.equal(header(block).parentHash, parent.blockID, `parent of block ${n}`);
    assert.ok(header(block).timestamp > header(parent).timestamp, `time of block ${n}`);
    parent = block;
  }
}

/** Balances the scenario moves: TRX of alice and bob (sun), USDT of alice and carol. */
async function balances(d: TronDevnet): Promise<Json> {
  const [alice, bob, carol] = ["alice", "bob", "carol"].map((l) => testKey(l).address);
  return {
    aliceTrx: await balance(d, alice),
    bobTrx: await balance(d, bob),
    aliceUsdt: await tokenBalance(d, alice),
    carolUsdt: await tokenBalance(d, carol),
  };
}

/**
 * Funds alice in block 1, then puts a TRX transfer alice → bob (activating bob)
 * in block 2 and a USDT transfer alice → carol (new holder) in block 3. Both are
 * built on block 1, which every fork below keeps, so they stay valid for TaPoS.
 */
async function scenario(d: TronDevnet): Promise<{ trx: Tx; usdt: Tx }> {
  const alice = testKey("alice");
  await d.faucetTrx(alice.address, 100_000_000n);
  await d.faucetToken("USDT_TRC20", alice.address, 25_000_000n);
  assert.equal(d.produceBlock(), 1);
  const trx = sign(
    await unsignedTrx(d, alice.address, testKey("bob").address, 3_000_000),
    alice.privateKey,
  );
  const usdt = sign(
    await unsignedTrc20Transfer(d, alice.address, testKey("carol").address, 7_000_000n, 1e8),
    alice.privateKey,
  );
  assert.equal((await post(d.endpoint, "/wallet/broadcasttransaction", trx)).result, true);
  assert.equal(d.produceBlock(), 2);
  assert.equal((await post(d.endpoint, "/wallet/broadcasttransaction", usdt)).result, true);
  assert.equal(d.produceBlock(), 3);
  return { trx, usdt };
}

Deno.test("reorg: replaced blocks get new ids and keep their transactions", async () => {
  await withDevnet(async (d) => {
    const { trx, usdt } = await scenario(d);
    const before = await balances(d);
    assert.deepEqual(before, {
      aliceTrx: 100_000_000 - 3_000_000 - 1_100_000 - 130_000 * 420,
      bobTrx: 3_000_000,
      aliceUsdt: 18_000_000n,
      carolUsdt: 7_000_000n,
    });
    const old = [await blockByNum(d, 2), await blockByNum(d, 3)];
    const oldInfos = [await info(d, trx.txID), await info(d, usdt.txID)];
    const block1 = await blockByNum(d, 1);

    d.reorg(2);

    assert.equal(d.height(), 3);
    const fresh = [await blockByNum(d, 2), await blockByNum(d, 3)];
    for (let i = 0; i < 2; i++) {
      assert.notEqual(fresh[i].blockID, old[i].blockID);
      assert.equal(String(fresh[i].blockID).slice(0, 16), (i + 2).toString(16).padStart(16, "0"));
    }
    assert.equal(header(fresh[0]).parentHash, block1.blockID);
    assert.equal(header(fresh[1]).parentHash, fresh[0].blockID);
    assert.deepEqual(await txids(d, 2), [trx.txID]);
    assert.deepEqual(await txids(d, 3), [usdt.txID]);
    assert.deepEqual(await balances(d), before);

    // Same infos, now at the new blocks' times.
    const newInfos = [await info(d, trx.txID), await info(d, usdt.txID)];
    for (let i = 0; i < 2; i++) {
      assert.equal(newInfos[i].blockNumber, i + 2);
      assert.equal(newInfos[i].blockTimeStamp, header(fresh[i]).timestamp);
      assert.deepEqual(
        { ...newInfos[i], blockTimeStamp: 0 },
        { ...oldInfos[i], blockTimeStamp: 0 },
      );
    }
    const byNum = await post(d.endpoint, "/wallet/gettransactioninfobyblocknum", { num: 3 });
    assert.deepEqual(byNum, [newInfos[1]]);

    // Every block read serves the new branch; the orphaned ids are unknown.
    assert.equal((await post(d.endpoint, "/wallet/getnowblock")).blockID, fresh[1].blockID);
    assert.equal(
      (await post(d.endpoint, "/wallet/getblock", { id_or_num: "2" })).blockID,
      fresh[0].blockID,
    );
    assert.equal(
      (await post(d.endpoint, "/wallet/getblock", { id_or_num: fresh[1].blockID })).blockID,
      fresh[1].blockID,
    );
    assert.equal(
      (await post(d.endpoint, "/wallet/getblockbyid", { value: fresh[0].blockID })).blockID,
      fresh[0].blockID,
    );
    for (const o of old) {
      assert.deepEqual(await post(d.endpoint, "/wallet/getblockbyid", { value: o.blockID }), {});
      assert.deepEqual(await post(d.endpoint, "/wallet/getblock", { id_or_num: o.blockID }), {});
    }

    // Still on chain, so still a duplicate.
    const dup = await post(d.endpoint, "/wallet/broadcasttransaction", trx);
    assert.equal(dup.code, "DUP_TRANSACTION_ERROR");

    // Heights go on from the new head.
    assert.equal(d.produceBlock(), 4);
    await assertChained(d, 1);
  });
});

Deno.test("reorg: a dropped transaction vanishes and can be broadcast again", async () => {
  await withDevnet(async (d) => {
    const { trx, usdt } = await scenario(d);
    const before = await balances(d);
    const usdtFee = Number((await info(d, usdt.txID)).fee);
    assert.equal(usdtFee, 130_000 * 420);

    d.reorg(2, { drop: [trx.txID] });

    assert.equal(d.height(), 3);
    assert.deepEqual(await txids(d, 2), []);
    assert.deepEqual(await txids(d, 3), [usdt.txID]);
    assert.deepEqual(await info(d, trx.txID), {});
    assert.deepEqual(await post(d.endpoint, "/wallet/gettransactionbyid", { value: trx.txID }), {});
    assert.deepEqual(
      await post(d.endpoint, "/wallet/gettransactioninfobyblocknum", { num: 2 }),
      [],
    );
    assert.equal((await info(d, usdt.txID)).blockNumber, 3);
    // Bob was never activated; alice paid only for the USDT transfer.
    assert.deepEqual(
      await post(d.endpoint, "/wallet/getaccount", { address: testKey("bob").address }),
      {},
    );
    assert.deepEqual(await balances(d), {
      aliceTrx: 100_000_000 - usdtFee,
      bobTrx: 0,
      aliceUsdt: 18_000_000n,
      carolUsdt: 7_000_000n,
    });
    await assertChained(d, 1);

    // Not expired and its reference block survived: accepted again, same txid.
    assert.deepEqual(
      await post(d.endpoint, "/wallet/broadcasttransaction", trx),
      { result: true, txid: trx.txID },
    );
    assert.equal(d.produceBlock(), 4);
    assert.deepEqual(await txids(d, 4), [trx.txID]);
    assert.equal((await info(d, trx.txID)).blockNumber, 4);
    assert.deepEqual(await balances(d), before);
    await assertChained(d, 1);
  });
});

Deno.test("reorg: transactions that no longer validate or have expired vanish too", async () => {
  await withDevnet(async (d) => {
    const alice = testKey("alice");
    const bob = testKey("bob");
    await d.faucetTrx(alice.address, 10_000_000n);
    d.produceBlock();
    // Bob spends what alice sends him, in the next block.
    const fund = sign(
      await unsignedTrx(d, alice.address, bob.address, 5_000_000),
      alice.privateKey,
    );
    await post(d.endpoint, "/wallet/broadcasttransaction", fund);
    d.produceBlock();
    const spend = sign(await unsignedTrx(d, bob.address, alice.address, 1_000_000), bob.privateKey);
    await post(d.endpoint, "/wallet/broadcasttransaction", spend);
    d.produceBlock();
    assert.equal((await info(d, spend.txID)).blockNumber, 3);

    d.reorg(2, { drop: [fund.txID] });
    assert.deepEqual(await info(d, fund.txID), {});
    assert.deepEqual(await info(d, spend.txID), {});
    assert.equal(await balance(d, alice.address), 10_000_000);

    // A transaction whose expiration has passed by the time of the new block.
    const tx = await unsignedTrx(d, alice.address, d.faucet.address, 1_000_000);
    const raw: RawDataJson = { ...tx.raw_data, expiration: d.chain.head().header.timestamp + 200 };
    const rawHex = hex.encode(encodeRawData(raw));
    const short = {
      txID: tronTxId(rawHex),
      raw_data: raw,
      raw_data_hex: rawHex,
      signature: [signTronTx(rawHex, alice.privateKey)],
    };
    assert.equal((await post(d.endpoint, "/wallet/broadcasttransaction", short)).result, true);
    const n = d.produceBlock();
    assert.equal((await info(d, short.txID)).blockNumber, n);
    await new Promise((resolve) => setTimeout(resolve, 250));
    d.reorg(1);
    assert.deepEqual(await info(d, short.txID), {});
    assert.equal(await balance(d, alice.address), 10_000_000);
    const again = await post(d.endpoint, "/wallet/broadcasttransaction", short);
    assert.equal(again.code, "TRANSACTION_EXPIRATION_ERROR");
    await assertChained(d, 1);
  });
});

Deno.test("reorg: stake and delegations roll back", async () => {
  await withDevnet(async (d) => {
    const alice = testKey("alice");
    await d.faucetTrx(alice.address, 1_000_000n);
    d.produceBlock();
    const resources = async (address: string): Promise<Json> =>
      await post(d.endpoint, "/wallet/getaccountresource", { address, visible: true });
    const freeze = await nodeTx(d, "/wallet/freezebalancev2", {
      owner_address: d.faucet.address,
      frozen_balance: 1_000_000_000,
      resource: "ENERGY",
    }, d.faucet.privateKey);
    d.produceBlock();
    const delegate = await nodeTx(d, "/wallet/delegateresource", {
      owner_address: d.faucet.address,
      receiver_address: alice.address,
      balance: 700_000_000,
      resource: "ENERGY",
    }, d.faucet.privateKey);
    d.produceBlock();
    assert.equal((await resources(alice.address)).EnergyLimit, 69_999);
    assert.equal((await resources(alice.address)).TotalEnergyWeight, NETWORK_ENERGY_WEIGHT + 1_000);

    d.reorg(1, { drop: [delegate] });
    assert.equal((await resources(alice.address)).EnergyLimit, undefined);
    const index = await post(d.endpoint, "/wallet/getdelegatedresourceaccountindexv2", {
      value: alice.address,
      visible: true,
    });
    assert.deepEqual(index, { account: alice.address });
    assert.equal((await resources(alice.address)).TotalEnergyWeight, NETWORK_ENERGY_WEIGHT + 1_000);

    // Dropping the freeze: nothing is staked any more.
    d.reorg(2, { drop: [freeze] });
    assert.equal((await resources(alice.address)).TotalEnergyWeight, NETWORK_ENERGY_WEIGHT);
    const faucet = await post(d.endpoint, "/wallet/getaccount", {
      address: d.faucet.address,
      visible: true,
    });
    assert.deepEqual(faucet.frozenV2, [{}, { type: "ENERGY" }, { type: "TRON_POWER" }]);
    assert.equal(d.height(), 3);
    await assertChained(d, 1);
  });
});

Deno.test("reorg: depth and drop are checked before anything changes", async () => {
  await withDevnet(async (d) => {
    const { trx } = await scenario(d);
    const head = d.chain.head().id;
    for (const depth of [0, -1, 1.5, 4, Number.NaN]) {
      assert.throws(() => d.reorg(depth), RangeError, `depth ${depth}`);
    }
    assert.throws(() => d.reorg(1, { drop: [trx.txID] }), /not in the last 1 blocks/);
    assert.equal(d.chain.head().id, head);
    assert.equal((await info(d, trx.txID)).blockNumber, 2);

    // Waiters of the next block are woken by the new branch.
    const waiting = d.waitForBlock();
    d.reorg(3, { drop: [trx.txID.toUpperCase()] });
    await waiting;
    assert.deepEqual(await info(d, trx.txID), {});

    // Only the last MAX_REORG_DEPTH blocks can be replaced.
    while (d.height() < MAX_REORG_DEPTH + 5) d.produceBlock();
    assert.throws(() => d.reorg(MAX_REORG_DEPTH + 1), RangeError);
    d.reorg(MAX_REORG_DEPTH);
    assert.equal(d.height(), MAX_REORG_DEPTH + 5);
    await assertChained(d, 1);
  });
});
