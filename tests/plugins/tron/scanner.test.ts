import assert from "node:assert/strict";
import type {
  AccountLookup,
  ChainScanner,
  Cursor,
  OwnedAccount,
  Rollback,
  ScannedBlock,
} from "../../../core/plugin.ts";
import { startTronDevnet, type TronDevnet } from "../../../plugins/tron/devnet/server.ts";
import { createTronNode, type TronNode, TronNodeError } from "../../../plugins/tron/node.ts";
import { createTronScanner } from "../../../plugins/tron/scanner.ts";
import { tronHexFromAddress } from "../../../plugins/tron/address.ts";
import { post, sign, testKey, unsignedTrc20Transfer, unsignedTrx } from "./devnet/helpers.ts";

async function withDevnet(fn: (d: TronDevnet) => Promise<void>): Promise<void> {
  const devnet = await startTronDevnet({
    blockIntervalMs: 0,
    trc20: [{ symbol: "USDT_TRC20", decimals: 6 }, { symbol: "FAKE", decimals: 6 }],
  });
  try {
    await fn(devnet);
  } finally {
    await devnet.close();
  }
}

function scannerFor(d: TronDevnet, node?: TronNode): ChainScanner {
  return createTronScanner(node ?? createTronNode({ endpoint: d.endpoint }), {
    assets: [
      { code: "TRX", contract: null },
      { code: "USDT_TRC20", contract: d.tokens.USDT_TRC20 },
    ],
  });
}

function deposit(address: string, currency: string): OwnedAccount {
  return { address, display: address, kind: "deposit", currency, owner: null, watch: null };
}

function hot(address: string): OwnedAccount {
  return { address, display: address, kind: "hot", currency: null, owner: null, watch: null };
}

/** A lookup over an in-test map that records every call. */
function mapLookup(accounts: OwnedAccount[]): { lookup: AccountLookup; calls: string[][] } {
  const map = new Map(accounts.map((a) => [a.address, a]));
  const calls: string[][] = [];
  const lookup: AccountLookup = (addresses) => {
    calls.push([...addresses]);
    const out = new Map<string, OwnedAccount>();
    for (const a of addresses) {
      const found = map.get(a);
      if (found) out.set(a, found);
    }
    return Promise.resolve(out);
  };
  return { lookup, calls };
}

/** The scanned block of a `next` answer that must be one. */
function scanned(answer: ScannedBlock | Rollback | null): ScannedBlock {
  assert.ok(answer !== null && !("to" in answer), "a scanned block");
  return answer;
}

/** Scans until the scanner has nothing more; returns the blocks in order. */
async function scanAll(
  scanner: ChainScanner,
  cursor: Cursor,
  lookup: AccountLookup,
): Promise<{ blocks: ScannedBlock[]; cursor: Cursor }> {
  const blocks: ScannedBlock[] = [];
  for (;;) {
    const block = await scanner.next(cursor, lookup);
    if (block === null) return { blocks, cursor };
    assert.ok(!("to" in block), "no fork on the devnet");
    assert.equal(block.cursor.height, cursor.height + 1n);
    blocks.push(block);
    cursor = block.cursor;
  }
}

async function sendTrx(
  d: TronDevnet,
  key: string,
  from: string,
  to: string,
  amount: number,
): Promise<string> {
  const tx = await unsignedTrx(d, from, to, amount);
  const res = await post(d.endpoint, "/wallet/broadcasttransaction", sign(tx, key));
  assert.equal(res.result, true, JSON.stringify(res));
  return tx.txID;
}

async function sendToken(
  d: TronDevnet,
  key: string,
  from: string,
  to: string,
  amount: bigint,
  feeLimit: number,
): Promise<string> {
  const tx = await unsignedTrc20Transfer(d, from, to, amount, feeLimit);
  const sent = await post(d.endpoint, "/wallet/broadcasttransaction", sign(tx, key));
  assert.equal(sent.result, true, JSON.stringify(sent));
  return tx.txID;
}

Deno.test("tron scanner: TRX deposit with amount, sender, height and time", async () => {
  await withDevnet(async (d) => {
    const scanner = scannerFor(d);
    const start = await scanner.initialCursor();
    assert.equal(start.height, 0n);
    const dep = testKey("dep-trx").address;
    const { lookup, calls } = mapLookup([deposit(dep, "TRX")]);
    const txid = await d.faucetTrx(dep, 5_000_000n);
    const n = d.produceBlock();
    const { blocks, cursor } = await scanAll(scanner, start, lookup);
    assert.equal(blocks.length, 1);
    assert.equal(cursor.height, BigInt(n));
    const ts = d.chain.blocks[n].header.timestamp;
    assert.equal(cursor.time, Math.floor(ts / 1000));
    assert.deepEqual(cursor.state, {
      blockId: d.chain.blocks[n].id,
      recent: [d.chain.blocks[n - 1].id, d.chain.blocks[n].id],
    });
    assert.deepEqual(blocks[0].incomes, [{
      currency: "TRX",
      to: dep,
      from: d.faucet.address,
      amount: 5_000_000n,
      comment: null,
      binaryComment: null,
      txHash: txid,
      eventIndex: 0,
      blockHeight: BigInt(n),
      time: Math.floor(ts / 1000),
    }]);
    // The faucet is not ours: no sighting.
    assert.deepEqual(blocks[0].sightings, []);
    assert.equal(calls.length, 1);
    assert.deepEqual(new Set(calls[0]), new Set([dep, d.faucet.address]));
  });
});

Deno.test("tron scanner: TRC20 deposit by log index; fake token and wrong currency ignored; one lookup per block", async () => {
  await withDevnet(async (d) => {
    const scanner = scannerFor(d);
    const start = await scanner.initialCursor();
    const usdtDep = testKey("dep-usdt").address;
    const trxDep = testKey("dep-trx").address;
    const { lookup, calls } = mapLookup([deposit(usdtDep, "USDT_TRC20"), deposit(trxDep, "TRX")]);
    const good = await d.faucetToken("USDT_TRC20", usdtDep, 7_000_000n);
    const fake = await d.faucetToken("FAKE", usdtDep, 9_000_000n); // not configured
    const misplaced = await d.faucetToken("USDT_TRC20", trxDep, 1_000_000n); // to a TRX deposit
    await d.faucetTrx(usdtDep, 2_000_000n); // TRX to a USDT deposit
    d.produceBlock();
    d.produceBlock(); // empty block: still one lookup
    const { blocks } = await scanAll(scanner, start, lookup);
    assert.equal(blocks.length, 2);
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[1], []);
    assert.equal(blocks[0].incomes.length, 1);
    const income = blocks[0].incomes[0];
    assert.equal(income.currency, "USDT_TRC20");
    assert.equal(income.to, usdtDep);
    assert.equal(income.from, d.faucet.address);
    assert.equal(income.amount, 7_000_000n);
    assert.equal(income.txHash, good);
    assert.equal(income.eventIndex, 0);
    assert.deepEqual(blocks[1].incomes, []);
    // Tokens that are no income are still on our addresses: recorded for a person.
    assert.deepEqual(
      blocks[0].unrecognized?.map((u) => [u.txHash, u.token, u.to, u.amount]),
      [
        [fake, d.tokens.FAKE, usdtDep, 9_000_000n],
        [misplaced, d.tokens.USDT_TRC20, trxDep, 1_000_000n],
      ],
    );
  });
});

Deno.test("tron scanner: several Transfer logs in one tx (recorded devnet block, logs appended)", async () => {
  // The devnet token emits one log per call, so this serves the devnet's own block and info
  // JSON through an in-test node with a second USDT log and a log from the fake token appended.
  await withDevnet(async (d) => {
    const real = createTronNode({ endpoint: d.endpoint });
    const depA = testKey("dep-a");
    const depB = testKey("dep-b").address;
    const txid = await d.faucetToken("USDT_TRC20", depA.address, 1_000n);
    const n = d.produceBlock();
    const block = await real.blockByNum(n);
    const infos = await real.transactionInfoByBlockNum(n);
    assert.ok(block);
    const first = infos[0].log![0];
    const word = (hex41: string): string => "0".repeat(24) + hex41.slice(2);
    const second = {
      ...first,
      topics: [first.topics![0], first.topics![1], word(tronHexFromAddress(depB))],
      data: (2_000n).toString(16).padStart(64, "0"),
    };
    const fake = { ...second, address: tronHexFromAddress(d.tokens.FAKE).slice(2) };
    infos[0].log = [first, second, fake];
    const node: TronNode = {
      nowBlock: () =>
        Promise.resolve({
          number: n,
          timestamp: block.timestamp,
          id: block.id,
          parentId: block.parentId,
        }),
      blockByNum: (num) => Promise.resolve(num === n ? block : null),
      transactionInfoByBlockNum: (num) => Promise.resolve(num === n ? infos : []),
    };
    const scanner = scannerFor(d, node);
    const { lookup } = mapLookup([
      deposit(depA.address, "USDT_TRC20"),
      deposit(depB, "USDT_TRC20"),
    ]);
    const got = scanned(
      await scanner.next({ height: BigInt(n - 1), time: 0, state: {} }, lookup),
    );
    assert.ok(got);
    assert.deepEqual(
      got.incomes.map((i) => [i.txHash, i.eventIndex, i.to, i.amount]),
      [[txid, 0, depA.address, 1_000n], [txid, 1, depB, 2_000n]],
    );
  });
});

Deno.test("tron scanner: OUT_OF_ENERGY transfer is no income but our sighting has no out keys", async () => {
  await withDevnet(async (d) => {
    const hotKey = testKey("hot");
    const dep = testKey("dep-usdt").address;
    const other = testKey("other").address;
    await d.faucetTrx(hotKey.address, 100_000_000n);
    await d.faucetToken("USDT_TRC20", hotKey.address, 10_000_000n);
    d.produceBlock();
    const scanner = scannerFor(d);
    const start = await scanner.initialCursor();
    const failed = await sendToken(
      d,
      hotKey.privateKey,
      hotKey.address,
      dep,
      1_000_000n,
      1_000_000,
    );
    const ok = await sendTrx(d, hotKey.privateKey, hotKey.address, other, 3_000_000);
    const n = d.produceBlock();
    const { lookup, calls } = mapLookup([hot(hotKey.address), deposit(dep, "USDT_TRC20")]);
    const { blocks } = await scanAll(scanner, start, lookup);
    assert.equal(blocks.length, 1);
    assert.equal(calls.length, 1);
    assert.deepEqual(blocks[0].incomes, []);
    const time = Math.floor(d.chain.blocks[n].header.timestamp / 1000);
    const burnt = BigInt(Math.floor(1_000_000 / 420) * 420);
    const byId = new Map(blocks[0].sightings.map((s) => [s.payloadId, s]));
    assert.equal(byId.size, 2);
    const f = byId.get(failed)!;
    assert.deepEqual(f.outKeys, []);
    assert.deepEqual(f.outAmounts, []);
    assert.equal(f.txHash, failed);
    assert.ok(f.fee >= burnt, `${f.fee}`);
    assert.equal(f.time, time);
    const s = byId.get(ok)!;
    assert.deepEqual(s.outKeys, [ok]);
    assert.deepEqual(s.outAmounts, [3_000_000n]);
    assert.equal(s.fee, 1_100_000n); // new account: activation + creation bandwidth
  });
});

Deno.test("tron scanner: successful TRC20 send by the hot wallet is sighted with its amount", async () => {
  await withDevnet(async (d) => {
    const hotKey = testKey("hot");
    const dest = testKey("dest").address;
    await d.faucetTrx(hotKey.address, 100_000_000n);
    await d.faucetToken("USDT_TRC20", hotKey.address, 10_000_000n);
    d.produceBlock();
    const scanner = scannerFor(d);
    const start = await scanner.initialCursor();
    const txid = await sendToken(
      d,
      hotKey.privateKey,
      hotKey.address,
      dest,
      4_000_000n,
      100_000_000,
    );
    d.produceBlock();
    const { lookup } = mapLookup([hot(hotKey.address)]);
    const { blocks } = await scanAll(scanner, start, lookup);
    assert.deepEqual(blocks[0].incomes, []);
    assert.equal(blocks[0].sightings.length, 1);
    const s = blocks[0].sightings[0];
    assert.deepEqual(s.outKeys, [txid]);
    assert.deepEqual(s.outAmounts, [4_000_000n]);
    assert.ok(s.fee >= BigInt(130_000 * 420));
  });
});

Deno.test("tron scanner: lagging head returns null and never goes backwards", async () => {
  await withDevnet(async (d) => {
    const scanner = scannerFor(d);
    const { lookup } = mapLookup([]);
    d.produceBlock();
    d.produceBlock();
    d.produceBlock();
    let { cursor } = await scanAll(scanner, await scanner.initialCursor(), lookup);
    // initialCursor is the head: nothing to scan.
    assert.equal(cursor.height, 3n);
    d.faults.lagHeight(2);
    assert.equal(await scanner.next(cursor, lookup), null);
    d.produceBlock(); // real 4, node reports 2
    assert.equal(await scanner.next(cursor, lookup), null);
    d.faults.lagHeight(0);
    ({ cursor } = await scanAll(scanner, cursor, lookup));
    assert.equal(cursor.height, 4n);
    // A node one block behind: the head equals the cursor → null, cursor untouched.
    d.faults.lagHeight(1);
    d.produceBlock();
    assert.equal(await scanner.next(cursor, lookup), null);
    assert.equal(cursor.height, 4n);
  });
});

Deno.test("tron scanner: a failed info call throws and the retry yields the same block", async () => {
  await withDevnet(async (d) => {
    const scanner = scannerFor(d);
    const start = await scanner.initialCursor();
    const dep = testKey("dep-trx").address;
    const { lookup, calls } = mapLookup([deposit(dep, "TRX")]);
    const txid = await d.faucetTrx(dep, 1_000_000n);
    const n = d.produceBlock();
    d.produceBlock();
    d.faults.failNext("/wallet/gettransactioninfobyblocknum", 1, "error");
    await assert.rejects(
      () => scanner.next(start, lookup),
      (e: unknown) => {
        assert.ok(e instanceof TronNodeError);
        assert.match(e.message, /gettransactioninfobyblocknum: HTTP 503/);
        assert.ok(!e.message.includes(d.endpoint));
        return true;
      },
    );
    assert.equal(calls.length, 0);
    const again = scanned(await scanner.next(start, lookup));
    assert.ok(again);
    assert.equal(again.cursor.height, BigInt(n));
    assert.equal(again.incomes[0].txHash, txid);
  });
});

Deno.test("tron scanner: an info list missing a transaction throws", async () => {
  await withDevnet(async (d) => {
    const real = createTronNode({ endpoint: d.endpoint });
    await d.faucetTrx(testKey("x").address, 1_000_000n);
    const n = d.produceBlock();
    const node: TronNode = { ...real, transactionInfoByBlockNum: () => Promise.resolve([]) };
    const scanner = scannerFor(d, node);
    await assert.rejects(
      () => scanner.next({ height: BigInt(n - 1), time: 0, state: {} }, mapLookup([]).lookup),
      /transaction info missing/,
    );
  });
});

Deno.test("tron node: errors name neither URL nor API key; API key header is sent", async () => {
  const key = "secret-key-123";
  const seen: (string | null)[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, (req) => {
    seen.push(req.headers.get("TRON-PRO-API-KEY"));
    return new Response(JSON.stringify({ Error: `bad key ${key} at ${req.url}` }));
  });
  try {
    const endpoint = `http://127.0.0.1:${server.addr.port}`;
    const node = createTronNode({ endpoint, apiKey: key, timeoutMs: 2_000 });
    const err = await node.nowBlock().catch((e) => e);
    assert.ok(err instanceof TronNodeError);
    assert.ok(!err.message.includes(key), err.message);
    assert.ok(!err.message.includes(endpoint), err.message);
    assert.deepEqual(seen, [key]);
  } finally {
    await server.shutdown();
  }
  const closed = createTronNode({ endpoint: "http://127.0.0.1:1", apiKey: key });
  const err = await closed.blockByNum(1).catch((e) => e);
  assert.ok(err instanceof TronNodeError);
  assert.ok(!err.message.includes("127.0.0.1"), err.message);
});

Deno.test("tron scanner: the head is asked (as a header) only once caught up, and each block is read once", async () => {
  await withDevnet(async (d) => {
    const scanner = scannerFor(d);
    const start = await scanner.initialCursor();
    for (let i = 0; i < 5; i++) d.produceBlock();
    d.resetRequests();
    const { lookup } = mapLookup([]);
    const { blocks } = await scanAll(scanner, start, lookup);
    assert.equal(blocks.length, 5);
    // One head request found blocks 1..5; blocks 2..5 needed none; the last poll found nothing
    // new. getnowblock (the whole head block, every transaction) is never asked.
    assert.deepEqual(d.requests(), {
      "wallet/getblock": 2,
      "wallet/getblockbynum": 5,
      "wallet/gettransactioninfobyblocknum": 5,
    });
    d.resetRequests();
    const cursor = blocks[4].cursor;
    for (let i = 0; i < 3; i++) assert.equal(await scanner.next(cursor, lookup), null);
    assert.deepEqual(d.requests(), { "wallet/getblock": 3 }, "waiting costs one header a poll");
  });
});

Deno.test("tron scanner: the head request is header-only getblock; a node without it falls back to getnowblock", async () => {
  const seen: string[] = [];
  const header = {
    blockID: "00000000000000075e8a6e2b3d0f7c7a1f3c4b2a9e0d1c2b3a4f5e6d7c8b9a01",
    block_header: { raw_data: { number: 7, timestamp: 21_000, parentHash: "00".repeat(32) } },
  };
  let hasGetBlock = true;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    seen.push(`${path} ${await req.text()}`);
    if (path === "/wallet/getblock" && !hasGetBlock) return new Response("", { status: 404 });
    return Response.json(header);
  });
  try {
    const node = createTronNode({ endpoint: `http://127.0.0.1:${server.addr.port}` });
    assert.equal((await node.nowBlock()).number, 7);
    assert.deepEqual(seen, ['/wallet/getblock {"detail":false}']);
    hasGetBlock = false;
    seen.length = 0;
    assert.equal((await node.nowBlock()).number, 7);
    assert.equal((await node.nowBlock()).number, 7);
    assert.deepEqual(seen, [
      '/wallet/getblock {"detail":false}',
      "/wallet/getnowblock {}",
      "/wallet/getnowblock {}",
    ]);
  } finally {
    await server.shutdown();
  }
});

Deno.test("tron scanner: contract TRX is income from the contract, never from a rejected internal transaction; indexes never meet log indexes", async () => {
  // The devnet's forward, served through an in-test node with what real infos also carry
  // appended: a rejected internal transaction (a sub-call that reverted inside a successful
  // transaction), a TRC10 entry, a staking note (saveFeaturedInternalTx), and a USDT log.
  await withDevnet(async (d) => {
    const real = createTronNode({ endpoint: d.endpoint });
    const dep = testKey("dep-trx").address;
    const usdtDep = testKey("dep-usdt").address;
    const txid = await d.faucetViaContract(dep, 2_000_000n);
    const n = d.produceBlock();
    const block = (await real.blockByNum(n))!;
    const infos = await real.transactionInfoByBlockNum(n);
    const forward = infos[0].internal_transactions![0];
    assert.deepEqual(forward.callValueInfo, [{ callValue: 2_000_000 }]);
    const depHex = tronHexFromAddress(dep);
    infos[0].internal_transactions = [
      forward,
      {
        ...forward,
        hash: "11".repeat(32),
        callValueInfo: [{ callValue: 9_000_000 }],
        rejected: true,
      },
      {
        ...forward,
        hash: "22".repeat(32),
        transferTo_address: tronHexFromAddress(usdtDep),
        callValueInfo: [{}, { callValue: 55, tokenId: "1002000" }],
      },
      {
        ...forward,
        hash: "33".repeat(32),
        transferTo_address: depHex,
        callValueInfo: [{ callValue: 7_000_000 }],
        note: "64656c65676174655265736f757263654f66456e65726779", // delegateResourceOfEnergy
      },
      { ...forward, hash: "44".repeat(32), callValueInfo: [{ callValue: 300 }] },
    ];
    const word = (hex41: string): string => "0".repeat(24) + hex41.slice(2);
    infos[0].log = [{
      address: tronHexFromAddress(d.tokens.USDT_TRC20).slice(2),
      topics: [
        "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
        word(tronHexFromAddress(d.forwarder)),
        word(tronHexFromAddress(usdtDep)),
      ],
      data: (5n).toString(16).padStart(64, "0"),
    }];
    const node: TronNode = {
      nowBlock: () => Promise.resolve(block),
      blockByNum: (num) => Promise.resolve(num === n ? block : null),
      transactionInfoByBlockNum: (num) => Promise.resolve(num === n ? infos : []),
    };
    const { lookup } = mapLookup([deposit(dep, "TRX"), deposit(usdtDep, "USDT_TRC20")]);
    const got = scanned(
      await scannerFor(d, node).next({ height: BigInt(n - 1), time: 0, state: {} }, lookup),
    );
    assert.deepEqual(
      got.incomes.map((i) => [i.currency, i.eventIndex, i.to, i.from, i.amount]),
      [
        ["USDT_TRC20", 0, usdtDep, d.forwarder, 5n],
        ["TRX", -1, dep, d.forwarder, 2_000_000n],
        ["TRX", -6, dep, d.forwarder, 300n],
      ],
    );
    assert.ok(got.incomes.every((i) => i.txHash === txid));
    assert.deepEqual(
      got.unrecognized?.map((u) => [u.token, u.eventIndex, u.to, u.amount]),
      [["TRC10:1002000", -4, usdtDep, 55n]],
    );
    const indexes = [...got.incomes, ...got.unrecognized!].map((e) => e.eventIndex);
    assert.equal(new Set(indexes).size, indexes.length);

    // The same infos in a failed transaction credit nothing at all.
    infos[0].receipt = { result: "OUT_OF_ENERGY" };
    infos[0].result = "FAILED";
    const failed = scanned(
      await scannerFor(d, node).next({ height: BigInt(n - 1), time: 0, state: {} }, lookup),
    );
    assert.deepEqual(failed.incomes, []);
    assert.deepEqual(failed.unrecognized, []);
  });
});
