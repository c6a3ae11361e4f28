import assert from "node:assert/strict";
import {
  Address,
  beginCell,
  type Cell,
  Dictionary,
  external,
  internal,
  SendMode,
  storeMessage,
  toNano,
} from "@ton/core";
import { keyPairFromSeed } from "@ton/crypto";
import { TonClient, WalletContractV5R1 } from "@ton/ton";
import {
  DNS_CATEGORY_WALLET,
  dnsInternalName,
} from "../../../../plugins/ton/devnet/dns_resolver.ts";
import { startTonDevnet } from "../../../../plugins/ton/devnet/server.ts";
import { call, rpc } from "./helpers.ts";

async function resolve(
  client: TonClient,
  root: Address,
  name: Buffer,
  category: bigint,
): Promise<{ bits: number; record: Cell | null }> {
  const res = await client.runMethod(root, "dnsresolve", [
    { type: "slice", cell: beginCell().storeBuffer(name).endCell() },
    { type: "int", value: category },
  ]);
  return { bits: res.stack.readNumber(), record: res.stack.readCellOpt() };
}

Deno.test("DNS root resolves faucet.ton and extra names via TonClient", async () => {
  const alice = new Address(0, Buffer.alloc(32, 0xa1));
  const devnet = await startTonDevnet({ blockIntervalMs: 0, names: { "alice.ton": alice } });
  try {
    const client = new TonClient({ endpoint: devnet.endpoint });
    const name = dnsInternalName("faucet.ton");
    assert.equal(name.toString("latin1"), "ton\0faucet\0");

    for (const subdomain of [name, Buffer.concat([Buffer.from([0]), name])]) {
      const { bits, record } = await resolve(
        client,
        devnet.dnsRoot,
        subdomain,
        DNS_CATEGORY_WALLET,
      );
      assert.equal(bits, subdomain.length * 8);
      const s = record!.beginParse();
      assert.equal(s.loadUint(16), 0x9fd3);
      assert.ok(s.loadAddress().equals(devnet.faucetAddress));
    }

    const aliceRes = await resolve(
      client,
      devnet.dnsRoot,
      dnsInternalName("alice.ton"),
      DNS_CATEGORY_WALLET,
    );
    assert.ok(aliceRes.record!.beginParse().skip(16).loadAddress().equals(alice));

    // Category 0 returns the whole records dictionary.
    const all = await resolve(client, devnet.dnsRoot, name, 0n);
    const dict = Dictionary.loadDirect(
      Dictionary.Keys.BigUint(256),
      Dictionary.Values.Cell(),
      all.record,
    );
    assert.deepEqual(dict.keys(), [DNS_CATEGORY_WALLET]);

    const unknown = await resolve(
      client,
      devnet.dnsRoot,
      dnsInternalName("nobody.ton"),
      DNS_CATEGORY_WALLET,
    );
    assert.deepEqual(unknown, { bits: 0, record: null });

    const noCategory = await resolve(client, devnet.dnsRoot, name, 12345n);
    assert.equal(noCategory.record, null);
  } finally {
    await devnet.close();
  }
});

Deno.test("failNext injects errors and bounded timeouts", async () => {
  const devnet = await startTonDevnet({ blockIntervalMs: 0, faultTimeoutMs: 100 });
  try {
    const client = new TonClient({ endpoint: devnet.endpoint });
    devnet.faults.failNext("getMasterchainInfo", 2, "error");
    for (let i = 0; i < 2; i++) {
      const r = await rpc(devnet.endpoint, "getMasterchainInfo");
      assert.equal(r.status, 500);
      assert.equal(r.body.ok, false);
    }
    assert.ok((await client.getMasterchainInfo()).latestSeqno >= 1);

    devnet.faults.failNext("*", 1, "timeout");
    const started = Date.now();
    const slow = await rpc(devnet.endpoint, "getAddressState", {
      address: devnet.faucetAddress.toString(),
    });
    assert.equal(slow.status, 504);
    assert.ok(Date.now() - started >= 90);

    devnet.faults.failNext("shards", 1, "ratelimit");
    assert.equal((await rpc(devnet.endpoint, "shards", { seqno: 1 })).status, 429);
    assert.equal((await rpc(devnet.endpoint, "shards", { seqno: 1 })).status, 200);

    devnet.faults.lagHeight(2);
    await devnet.produceBlock();
    await devnet.produceBlock();
    await devnet.produceBlock();
    const info = await client.getMasterchainInfo();
    assert.equal(info.latestSeqno, devnet.heights().masterchain - 2);
    devnet.faults.reset();
    assert.equal((await client.getMasterchainInfo()).latestSeqno, devnet.heights().masterchain);
  } finally {
    await devnet.close();
  }
});

Deno.test("close releases requests held by a timeout fault", async () => {
  const devnet = await startTonDevnet({ blockIntervalMs: 0, faultTimeoutMs: 60_000 });
  devnet.faults.failNext("*", 1, "timeout");
  const held = rpc(devnet.endpoint, "getMasterchainInfo");
  while (devnet.faults.heldRequests === 0) await new Promise((r) => setTimeout(r, 10));
  await devnet.close();
  assert.equal((await held).status, 504);
});

Deno.test("errorRate is reproducible for a seed", async () => {
  const pattern = async (): Promise<number[]> => {
    const devnet = await startTonDevnet({ blockIntervalMs: 0, faultSeed: 7 });
    try {
      devnet.faults.errorRate("getMasterchainInfo", 0.5);
      const out: number[] = [];
      for (let i = 0; i < 12; i++) {
        out.push((await rpc(devnet.endpoint, "getMasterchainInfo")).status);
      }
      return out;
    } finally {
      await devnet.close();
    }
  };
  const a = await pattern();
  assert.deepEqual(await pattern(), a);
  assert.ok(a.includes(500) && a.includes(200));
});

Deno.test("dropNextBroadcasts accepts sendBoc but loses the message", async () => {
  const devnet = await startTonDevnet({ blockIntervalMs: 0 });
  try {
    const key = keyPairFromSeed(Buffer.alloc(32, 3));
    const wallet = WalletContractV5R1.create({ workchain: 0, publicKey: key.publicKey });
    const funded = devnet.faucet(wallet.address, toNano("3"));
    await devnet.produceBlock();
    await funded;
    const boc = beginCell().store(storeMessage(external({
      to: wallet.address,
      init: wallet.init,
      body: wallet.createTransfer({
        seqno: 0,
        secretKey: key.secretKey,
        sendMode: SendMode.PAY_GAS_SEPARATELY,
        messages: [internal({ to: devnet.faucetAddress, value: toNano("1") })],
      }),
    }))).endCell().toBoc().toString("base64");

    devnet.faults.dropNextBroadcasts(1);
    assert.equal((await call(devnet.endpoint, "sendBoc", { boc }))["@type"], "ok");
    await devnet.produceBlock();
    const state = await call(devnet.endpoint, "getAddressState", {
      address: wallet.address.toString(),
    });
    assert.equal(state, "uninitialized");

    // Re-sending the same message works once the fault is used up.
    await call(devnet.endpoint, "sendBoc", { boc });
    await devnet.produceBlock();
    assert.equal(
      await call(devnet.endpoint, "getAddressState", { address: wallet.address.toString() }),
      "active",
    );
  } finally {
    await devnet.close();
  }
});
