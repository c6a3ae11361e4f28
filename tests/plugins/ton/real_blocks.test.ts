/**
 * Real mainnet shard blocks through a toncenter-semantics server and the real client and
 * scanner: every transaction is read exactly once, whatever page sizes the server picks, and
 * the incomes are exactly those of the blocks.
 */

import assert from "node:assert/strict";
import type { Cursor } from "../../../core/plugin.ts";
import { createTonScanner } from "../../../plugins/ton/scanner.ts";
import { blockCursorAfter, createToncenter, TonNodeError } from "../../../plugins/ton/toncenter.ts";
import { decodeTransaction, incomingTransfer } from "../../../plugins/ton/transaction.ts";
import {
  FIRST_MC,
  FIRST_SHARD_SEQNO,
  loadRealBlock,
  type RealBlock,
  startToncenterBlockServer,
} from "../../support/toncenter_blocks.ts";
import { nextBlock, tonDeposits } from "../../support/ton_scanning.ts";

const FULL_SHARD = "-9223372036854775808";

/** The three whole mainnet blocks of the fixtures, with the transaction count each source gives. */
const BLOCKS = [
  { path: "block_0_8000000000000000_71398501/block.boc.base64.txt", count: 269 },
  { path: "transactions/block_0_8000000000000000_40484416.boc.base64.txt", count: 479 },
  { path: "transactions/block_0_8000000000000000_40484438.boc.base64.txt", count: 510 },
];

const loaded = Promise.all(BLOCKS.map((b) => loadRealBlock(b.path)));

/** Page-size schedules a server may follow: tiny, odd, toncenter's chunk, and a seeded mix. */
function seeded(seed: number): (call: number) => number {
  let a = seed;
  return () => {
    a = (a * 1103515245 + 12345) % 2147483648;
    return 1 + (a % 60);
  };
}
const SCHEDULES: Record<string, (call: number) => number> = {
  "one a page": () => 1,
  "seven a page": () => 7,
  "256 a page": () => 256,
  "a seeded mix of 1 to 60": seeded(9),
};

function idOf(k: number) {
  return { workchain: 0, shard: FULL_SHARD, seqno: FIRST_SHARD_SEQNO + k };
}

function hashesOf(block: RealBlock): string[] {
  return block.cells.map((c) => c.hash().toString("base64"));
}

Deno.test("the fixture blocks hold the transactions their sources list", async () => {
  const blocks = await loaded;
  assert.deepEqual(blocks.map((b) => b.cells.length), BLOCKS.map((b) => b.count));
  // The 269-transaction block comes with its own list (account, lt, hash), in block order.
  const index = JSON.parse(
    await Deno.readTextFile(
      new URL(
        "../../fixtures/ton/block_0_8000000000000000_71398501/tx_index.json",
        import.meta.url,
      ),
    ),
  ) as { transactions: { account: string; lt: string; hash_base64: string }[] };
  assert.deepEqual(hashesOf(blocks[0]), index.transactions.map((t) => t.hash_base64));
});

for (const [name, schedule] of Object.entries(SCHEDULES)) {
  Deno.test(`the client reads every transaction of the real blocks exactly once, ${name}`, async () => {
    const blocks = await loaded;
    const server = startToncenterBlockServer(blocks, schedule);
    try {
      const node = createToncenter({ endpoint: server.endpoint, rps: 100_000 });
      for (const [k, block] of blocks.entries()) {
        const read = await node.blockTransactions(idOf(k));
        const hashes = read.map((t) => t.hash);
        assert.equal(new Set(hashes).size, hashes.length, "no transaction read twice");
        assert.deepEqual(hashes, hashesOf(block), "none missing, in block order");
        assert.deepEqual(
          read.map((t) => t.boc),
          block.cells.map((c) => c.toBoc().toString("base64")),
        );
      }
      const pages = server.calls.filter((c) => c.method === "getBlockTransactionsExt");
      assert.equal(
        pages.reduce((n, c) => n + c.served, 0),
        BLOCKS.reduce((n, b) => n + b.count, 0),
      );
      // Every follow-up names the account id of the last transaction read, never its hash.
      for (const page of pages.filter((c) => c.params.after_hash !== undefined)) {
        assert.match(String(page.params.after_hash), /^[0-9a-f]{64}$/);
      }
    } finally {
      await server.close();
    }
  });
}

Deno.test("the scanner credits exactly the incomes of the real blocks, reading small pages", async () => {
  const blocks = await loaded;
  const decoded = blocks.map((b) => b.cells.map((c) => decodeTransaction(c)));
  // "Our" accounts: every other account that receives a transfer, so both ours and others'
  // transactions sit on every page boundary.
  const receivers = [
    ...new Set(decoded.flat().filter((t) => incomingTransfer(t) !== null).map((t) => t.account)),
  ].sort();
  const ours = new Set(receivers.filter((_, i) => i % 2 === 0));
  assert.ok(ours.size > 20, `only ${ours.size} receiving accounts`);
  const expected = decoded.flatMap((txs, k) =>
    txs.filter((t) => ours.has(t.account) && incomingTransfer(t) !== null).map((t) =>
      `${FIRST_MC + k}:${t.hash}:${t.account}:${incomingTransfer(t)!.amount}`
    )
  ).sort();

  const server = startToncenterBlockServer(blocks, seeded(4));
  try {
    const scanner = createTonScanner(
      createToncenter({ endpoint: server.endpoint, rps: 100_000 }),
      "mainnet",
    );
    const lookup = tonDeposits(ours);
    let cursor: Cursor = {
      height: BigInt(FIRST_MC - 1),
      time: 0,
      state: { shards: { [`0:${FULL_SHARD}`]: FIRST_SHARD_SEQNO - 1 } },
    };
    const incomes: string[] = [];
    for (let k = 0; k < blocks.length; k++) {
      const scanned = await nextBlock(scanner, cursor, lookup);
      incomes.push(
        ...scanned.incomes.map((i) => `${scanned.cursor.height}:${i.txHash}:${i.to}:${i.amount}`),
      );
      cursor = scanned.cursor;
    }
    assert.deepEqual(incomes.sort(), expected);
    assert.equal(await scanner.next(cursor, lookup), null);
  } finally {
    await server.close();
  }
});

/** A server whose every getBlockTransactionsExt answer is `page`, whatever the cursor. */
function stubServer(page: (call: number) => Record<string, unknown>) {
  let calls = 0;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, () => {
    if (calls > 20) {
      return Response.json({ ok: false, error: "stub: too many calls", code: 500 }, {
        status: 500,
      });
    }
    return Response.json({ ok: true, result: page(calls++) });
  });
  return {
    endpoint: `http://127.0.0.1:${server.addr.port}/jsonRPC`,
    calls: () => calls,
    close: () => server.shutdown(),
  };
}

function extTx(account: string, lt: string, hash: string) {
  return {
    address: { account_address: account },
    data: "",
    transaction_id: { lt, hash },
  };
}

const ACCOUNT_A = "0:" + "1".repeat(64);
const ACCOUNT_B = "0:" + "2".repeat(64);

Deno.test("a server that answers the same page again is refused, not followed forever", async () => {
  const stub = stubServer(() => ({
    incomplete: true,
    transactions: [
      extTx(ACCOUNT_A, "10", "a".repeat(43) + "="),
      extTx(ACCOUNT_B, "11", "b".repeat(43) + "="),
    ],
  }));
  try {
    const node = createToncenter({ endpoint: stub.endpoint, rps: 100_000 });
    await assert.rejects(
      node.blockTransactions(idOf(0)),
      (e) => e instanceof TonNodeError && /does not advance/.test(e.message),
    );
    assert.equal(stub.calls(), 2);
  } finally {
    await stub.close();
  }
});

Deno.test("a page that goes back inside the block is refused", async () => {
  const stub = stubServer((call) => ({
    incomplete: call === 0,
    transactions: call === 0 ? [extTx(ACCOUNT_B, "11", "b")] : [extTx(ACCOUNT_A, "12", "c")],
  }));
  try {
    const node = createToncenter({ endpoint: stub.endpoint, rps: 100_000 });
    await assert.rejects(
      node.blockTransactions(idOf(0)),
      (e) => e instanceof TonNodeError && /does not advance/.test(e.message),
    );
  } finally {
    await stub.close();
  }
});

Deno.test("an empty page that claims more is an error to retry, not the end of the block", async () => {
  const stub = stubServer((call) => ({
    incomplete: true,
    transactions: call === 0 ? [extTx(ACCOUNT_A, "10", "a")] : [],
  }));
  try {
    const node = createToncenter({ endpoint: stub.endpoint, rps: 100_000 });
    await assert.rejects(
      node.blockTransactions(idOf(0)),
      (e) => e instanceof TonNodeError && /empty incomplete page/.test(e.message),
    );
    assert.equal(stub.calls(), 2);
  } finally {
    await stub.close();
  }
});

Deno.test("after the recorded mainnet page 1 the client asks for account 3333…, not the hash the docs sent", async () => {
  const dir = "../../fixtures/ton/toncenter_v2/pagination_tonorg_docs_mainnet_mc57442406";
  const read = async (name: string) =>
    JSON.parse(await Deno.readTextFile(new URL(`${dir}/${name}.json`, import.meta.url)));
  const page1 = (await read("getBlockTransactions_page1_incomplete")).result as {
    transactions: { account: string; lt: string; hash: string }[];
  };
  const last = page1.transactions[page1.transactions.length - 1];
  const cursor = blockCursorAfter({ account: last.account, lt: last.lt, hash: last.hash, boc: "" });
  assert.deepEqual(cursor, { after_lt: "67098924000005", after_hash: "3".repeat(64) });
  // The docs' request for page 2 sent the transaction hash, and the recorded page 2 then
  // resumed at the first account above that hash's value: everything in between was skipped.
  const source = await read("getBlockTransactions_page2_after_cursor.source");
  const sentHash = new URL(source.request.split(" ")[1]).searchParams.get("after_hash")!;
  assert.equal(sentHash, last.hash);
  const page2 = (await read("getBlockTransactions_page2_after_cursor")).result as {
    transactions: { account: string }[];
  };
  const sentAsAccount = Buffer.from(sentHash, "base64").toString("hex");
  for (const t of page2.transactions) assert.ok(t.account.split(":")[1] > sentAsAccount);
});
