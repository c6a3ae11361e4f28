import assert from "node:assert/strict";
import { Address, Cell, loadTransaction } from "@ton/core";
import { TonClient } from "@ton/ton";
import { startTonDevnet } from "../../../../plugins/ton/devnet/server.ts";
import { assertSameShape, call, fixture, rpc } from "./helpers.ts";

const FULL_SHARD = "-9223372036854775808";

function freshAddress(seed: number): Address {
  return new Address(0, Buffer.alloc(32, seed));
}

Deno.test("masterchain info advances with the block timer", async () => {
  const devnet = await startTonDevnet({ blockIntervalMs: 50 });
  try {
    const client = new TonClient({ endpoint: devnet.endpoint });
    const first = await client.getMasterchainInfo();
    await devnet.waitForBlock();
    await devnet.waitForBlock();
    const second = await client.getMasterchainInfo();
    assert.ok(second.latestSeqno >= first.latestSeqno + 2);
    assert.equal(second.shard, FULL_SHARD);

    const raw = await call(devnet.endpoint, "getMasterchainInfo");
    assertSameShape(raw, await fixture("getMasterchainInfo_sample1"));
    const shards = await client.getWorkchainShards(second.latestSeqno);
    assert.equal(shards.length, 1);
    assert.equal(shards[0].workchain, 0);
    assert.equal(shards[0].shard, FULL_SHARD);
  } finally {
    await devnet.close();
  }
});

Deno.test("faucet transfer lands in the shard block and the receiver's history", async () => {
  const devnet = await startTonDevnet({ blockIntervalMs: 0 });
  try {
    const client = new TonClient({ endpoint: devnet.endpoint });
    const to = freshAddress(7);
    const pending = devnet.faucet(to, 2_000_000_000n, { comment: "hello devnet" });
    await devnet.produceBlock();
    const faucetHash = await pending;

    const { masterchain, shard } = devnet.heights();
    const shards = await client.getWorkchainShards(masterchain);
    assert.equal(shards[0].seqno, shard);

    const short = await client.getShardTransactions(0, shard, FULL_SHARD);
    assert.equal(short.length, 2);
    const accounts = short.map((t) => t.account.toRawString()).sort();
    assert.deepEqual(accounts, [to.toRawString(), devnet.faucetAddress.toRawString()].sort());
    const faucetShort = short.find((t) => t.account.equals(devnet.faucetAddress));
    assert.equal(Buffer.from(faucetShort!.hash, "base64").toString("hex"), faucetHash);

    const rawBlock = await call(devnet.endpoint, "getBlockTransactions", {
      workchain: 0,
      shard: FULL_SHARD,
      seqno: shard,
    });
    assertSameShape(rawBlock, await fixture("getBlockTransactions"));

    const txs = await client.getTransactions(to, { limit: 10 });
    assert.equal(txs.length, 1);
    const tx = txs[0];
    assert.equal(tx.inMessage?.info.type, "internal");
    if (tx.inMessage?.info.type === "internal") {
      assert.equal(tx.inMessage.info.value.coins, 2_000_000_000n);
      assert.ok(tx.inMessage.info.src.equals(devnet.faucetAddress));
    }

    // The listed hash is the real cell hash of the BOC in `data`.
    const raw = await call<Record<string, unknown>[]>(devnet.endpoint, "getTransactions", {
      address: to.toString(),
      limit: 5,
    });
    // Text comments come back as msg.dataText (tonlib decodes op=0 bodies).
    const listFixture = structuredClone(await fixture("getTransactions_bounce_example")) as {
      in_msg: { msg_data: unknown };
    }[];
    listFixture[0].in_msg.msg_data = { "@type": "msg.dataText", text: "" };
    assertSameShape(raw, listFixture);
    const data = raw[0].data as string;
    const parsed = loadTransaction(Cell.fromBase64(data).beginParse());
    const txId = raw[0].transaction_id as { lt: string; hash: string };
    assert.equal(parsed.hash().toString("base64"), txId.hash);
    assert.equal(Cell.fromBase64(data).hash().toString("base64"), txId.hash);
    assert.equal(parsed.lt.toString(), txId.lt);
    const inMsg = raw[0].in_msg as Record<string, unknown>;
    assert.equal(inMsg.message, "hello devnet");
    assert.equal(inMsg.source, devnet.faucetAddress.toString());
    assert.deepEqual(inMsg.msg_data, {
      "@type": "msg.dataText",
      text: btoa("hello devnet"),
    });

    // Ext variant carries the same transactions in full.
    const ext = await call<{ transactions: Record<string, unknown>[] }>(
      devnet.endpoint,
      "getBlockTransactionsExt",
      { workchain: 0, shard: FULL_SHARD, seqno: shard },
    );
    assert.equal(ext.transactions.length, 2);
    // The faucet's own transaction has a raw (signed W5 request) body like the fixture.
    const faucetExt = ext.transactions.find((t) =>
      t.account === devnet.faucetAddress.toRawString()
    );
    assertSameShape(
      { ...ext, transactions: [faucetExt] },
      await fixture("getBlockTransactionsExt"),
    );

    // getTransaction by (lt, hash) through TonClient.
    const one = await client.getTransaction(to, txId.lt, txId.hash);
    assert.ok(one && one.hash().equals(parsed.hash()));

    const balance = await client.getBalance(to);
    assert.ok(balance > 1_900_000_000n && balance <= 2_000_000_000n);

    const header = await call<Record<string, unknown>>(devnet.endpoint, "getBlockHeader", {
      workchain: 0,
      shard: FULL_SHARD,
      seqno: shard,
    });
    assert.equal((header.prev_blocks as unknown[]).length, 1);
    assert.ok(BigInt(header.start_lt as string) < parsed.lt);
    assert.ok(parsed.lt < BigInt(header.end_lt as string));

    const looked = await call(devnet.endpoint, "lookupBlock", {
      workchain: 0,
      shard: FULL_SHARD,
      lt: parsed.lt.toString(),
    });
    assert.equal(looked.seqno, shard);
    assertSameShape(looked, await fixture("lookupBlock"));
  } finally {
    await devnet.close();
  }
});

Deno.test("bounceable transfer to an uninitialized address bounces back", async () => {
  const devnet = await startTonDevnet({ blockIntervalMs: 0 });
  try {
    const to = freshAddress(9);
    const pending = devnet.faucet(to, 1_000_000_000n, { bounce: true });
    await devnet.produceBlock();
    await pending;
    const { shard } = devnet.heights();
    const block = await call<{ transactions: { account: string }[] }>(
      devnet.endpoint,
      "getBlockTransactions",
      { workchain: 0, shard: FULL_SHARD, seqno: shard },
    );
    // faucet external tx, receiver tx (bounce), faucet receives the bounce.
    assert.equal(block.transactions.length, 3);

    const receiver = await call<Record<string, unknown>[]>(devnet.endpoint, "getTransactions", {
      address: to.toRawString(),
    });
    assert.equal(receiver.length, 1);
    const outs = receiver[0].out_msgs as Record<string, unknown>[];
    assert.equal(outs.length, 1);
    assert.equal(outs[0].destination, devnet.faucetAddress.toString());

    const faucetTxs = await call<Record<string, unknown>[]>(devnet.endpoint, "getTransactions", {
      address: devnet.faucetAddress.toString(),
      limit: 2,
    });
    const bounced = loadTransaction(Cell.fromBase64(faucetTxs[0].data as string).beginParse());
    assert.equal(bounced.inMessage?.info.type, "internal");
    if (bounced.inMessage?.info.type === "internal") {
      assert.equal(bounced.inMessage.info.bounced, true);
    }

    const state = await call(devnet.endpoint, "getAddressInformation", { address: to.toString() });
    assert.equal(state.state, "uninitialized");
    assert.equal(state.balance, "0");
  } finally {
    await devnet.close();
  }
});

Deno.test("getBlockTransactions pages with count, after_lt and after_hash", async () => {
  const devnet = await startTonDevnet({ blockIntervalMs: 0 });
  try {
    const pending = Array.from(
      { length: 12 },
      (_, i) => devnet.faucet(freshAddress(100 + i), 10_000_000n),
    );
    await devnet.produceBlock();
    await Promise.all(pending);
    const { shard } = devnet.heights();
    const base = { workchain: 0, shard: FULL_SHARD, seqno: shard };
    const full = await call<{ transactions: { account: string; lt: string; hash: string }[] }>(
      devnet.endpoint,
      "getBlockTransactions",
      { ...base, count: 100 },
    );
    assert.equal(full.transactions.length, 24);

    const seen: string[] = [];
    let after: { lt: string; account: string } | null = null;
    for (let page = 0; page < 10; page++) {
      const res: {
        incomplete: boolean;
        req_count: number;
        transactions: { account: string; lt: string; hash: string }[];
      } = await call(devnet.endpoint, "getBlockTransactions", {
        ...base,
        count: 5,
        ...(after ? { after_lt: after.lt, after_hash: after.account.split(":")[1] } : {}),
      });
      assert.equal(res.req_count, 5);
      seen.push(...res.transactions.map((t) => t.hash));
      if (!res.incomplete) break;
      const last = res.transactions[res.transactions.length - 1];
      after = { lt: last.lt, account: last.account };
    }
    assert.deepEqual(seen, full.transactions.map((t) => t.hash));

    // TonClient refuses incomplete blocks, so clients must page themselves.
    const first = await rpc(devnet.endpoint, "getBlockTransactions", { ...base, count: 3 });
    assert.equal((first.body.result as { incomplete: boolean }).incomplete, true);
  } finally {
    await devnet.close();
  }
});

Deno.test("account information endpoints match toncenter shapes", async () => {
  const devnet = await startTonDevnet({ blockIntervalMs: 0 });
  try {
    const address = devnet.faucetAddress.toString();
    assertSameShape(
      await call(devnet.endpoint, "getAddressInformation", { address }),
      await fixture("getAddressInformation"),
    );
    const ext = await call<Record<string, unknown>>(
      devnet.endpoint,
      "getExtendedAddressInformation",
      { address },
    );
    const extFixture = {
      ...(await fixture("getExtendedAddressInformation") as Record<string, unknown>),
    };
    delete extFixture.account_state;
    assertSameShape(ext, extFixture);
    assert.equal((ext.account_state as Record<string, unknown>)["@type"], "raw.accountState");

    const wallet = await call<Record<string, unknown>>(devnet.endpoint, "getWalletInformation", {
      address,
    });
    const walletFixture = { ...(await fixture("getWalletInformation") as Record<string, unknown>) };
    delete walletFixture.public_key;
    assertSameShape(wallet, walletFixture);
    assert.equal(wallet.wallet_type, "wallet v5 r1");
    assert.equal(wallet.seqno, 0);

    assert.equal(await call(devnet.endpoint, "getAddressState", { address }), "active");
    const balance = await call<string>(devnet.endpoint, "getAddressBalance", { address });
    assert.equal(balance, (1_000_000_000n * 1_000_000_000n).toString());

    const cfg = await call<{ config: { bytes: string } }>(devnet.endpoint, "getConfigParam", {
      config_id: 0,
    });
    assert.equal(Cell.fromBase64(cfg.config.bytes).bits.length, 256);

    // GET form of the REST API.
    const url = devnet.endpoint.replace("/jsonRPC", `/api/v2/getAddressState?address=${address}`);
    const res = await fetch(url);
    assert.deepEqual(await res.json(), { ok: true, result: "active" });

    const bad = await rpc(devnet.endpoint, "getAddressInformation", { address: "nope" });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.ok, false);
    const unknown = await rpc(devnet.endpoint, "noSuchMethod");
    assert.equal(unknown.status, 404);
    const missing = await rpc(devnet.endpoint, "getBlockTransactions", {
      workchain: 0,
      shard: FULL_SHARD,
      seqno: 99999,
    });
    // toncenter answers an unknown block with HTTP 500 (recorded: testnet_aiotx_vcr).
    assert.equal(missing.status, 500);
    const garbage = await fetch(devnet.endpoint, { method: "POST", body: "{" });
    assert.equal(garbage.status, 400);
    await garbage.body?.cancel();
  } finally {
    await devnet.close();
  }
});

Deno.test("a block with hundreds of transactions serves quickly", async () => {
  const devnet = await startTonDevnet({ blockIntervalMs: 0 });
  try {
    const pending = Array.from(
      { length: 150 },
      (_, i) => devnet.faucet(new Address(0, Buffer.alloc(32, i)), 1_000_000n),
    );
    let started = performance.now();
    await devnet.produceBlock();
    await Promise.all(pending);
    const produceMs = performance.now() - started;
    const { shard } = devnet.heights();
    const params = { workchain: 0, shard: FULL_SHARD, seqno: shard, count: 256 };
    started = performance.now();
    const first = await call<{ transactions: unknown[] }>(
      devnet.endpoint,
      "getBlockTransactionsExt",
      params,
    );
    const firstMs = performance.now() - started;
    started = performance.now();
    await call(devnet.endpoint, "getBlockTransactionsExt", params);
    const secondMs = performance.now() - started;
    assert.equal(first.transactions.length, 256);
    console.log(
      `150 transfers: produce ${produceMs.toFixed(0)}ms, ext ${firstMs.toFixed(0)}ms then ${
        secondMs.toFixed(0)
      }ms`,
    );
    assert.ok(secondMs < 500, `cached Ext page took ${secondMs}ms`);
  } finally {
    await devnet.close();
  }
});
