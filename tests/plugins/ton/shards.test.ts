/**
 * The basechain splits into two shards and merges back: the devnet reports it as toncenter
 * does, and the scanner reads every shard block once and loses no income across either change.
 */

import assert from "node:assert/strict";
import { Address } from "@ton/core";
import type { Cursor } from "../../../core/plugin.ts";
import { HALF_SHARDS } from "../../../plugins/ton/devnet/blocks.ts";
import { startTonDevnet, type TonDevnet } from "../../../plugins/ton/devnet/server.ts";
import { createTonScanner } from "../../../plugins/ton/scanner.ts";
import { type BlockId, createToncenter, type Toncenter } from "../../../plugins/ton/toncenter.ts";
import { call } from "./devnet/helpers.ts";
import { tonDeposits } from "../../support/ton_scanning.ts";

const FULL = "-9223372036854775808";
const [LEFT, RIGHT] = HALF_SHARDS.map(String);

/** An address in the left half (account id starts with bit 0) or the right one (bit 1). */
function depositIn(half: "left" | "right", n: number): Address {
  return new Address(0, Buffer.alloc(32, (half === "left" ? 0x10 : 0x90) + n));
}

interface Header {
  id: BlockId;
  after_split: boolean;
  after_merge: boolean;
  before_split: boolean;
  prev_blocks: BlockId[];
}

function header(devnet: TonDevnet, shard: string, seqno: number): Promise<Header> {
  return call<Header>(devnet.endpoint, "getBlockHeader", { workchain: 0, shard, seqno });
}

async function tops(devnet: TonDevnet): Promise<BlockId[]> {
  const { masterchain } = devnet.heights();
  return (await call<{ shards: BlockId[] }>(devnet.endpoint, "shards", { seqno: masterchain }))
    .shards;
}

Deno.test("the devnet splits the basechain in two and merges it back as toncenter reports it", async () => {
  const devnet = await startTonDevnet({ blockIntervalMs: 0, jettons: [] });
  try {
    await devnet.produceBlock();
    const [parent] = await tops(devnet);
    assert.equal(parent.shard, FULL);

    devnet.splitShards();
    await devnet.produceBlock();
    const [last] = await tops(devnet);
    assert.equal(last.seqno, parent.seqno + 1);
    assert.equal((await header(devnet, FULL, last.seqno)).before_split, true);

    await devnet.produceBlock();
    const halves = await tops(devnet);
    assert.deepEqual(halves.map((b) => b.shard), [LEFT, RIGHT]);
    assert.deepEqual(devnet.shardLayout(), [...HALF_SHARDS]);
    for (const half of halves) {
      assert.equal(half.seqno, last.seqno + 1);
      const h = await header(devnet, half.shard, half.seqno);
      assert.equal(h.after_split, true);
      assert.equal(h.after_merge, false);
      assert.deepEqual(h.prev_blocks.map((p) => [p.shard, p.seqno]), [[FULL, last.seqno]]);
    }

    // A payment to each half lands only in its own shard's block.
    const left = depositIn("left", 1);
    const right = depositIn("right", 1);
    const paid = [devnet.faucet(left, 1_000_000n), devnet.faucet(right, 2_000_000n)];
    await devnet.produceBlock();
    await Promise.all(paid);
    const [l, r] = await tops(devnet);
    const accountsOf = async (b: BlockId) =>
      (await call<{ transactions: { account: string }[] }>(
        devnet.endpoint,
        "getBlockTransactions",
        { workchain: 0, shard: b.shard, seqno: b.seqno },
      )).transactions.map((t) => t.account);
    const leftAccounts = await accountsOf(l);
    const rightAccounts = await accountsOf(r);
    assert.ok(leftAccounts.includes(left.toRawString()));
    assert.ok(!leftAccounts.includes(right.toRawString()));
    assert.ok(rightAccounts.includes(right.toRawString()));
    assert.ok(!rightAccounts.includes(left.toRawString()));

    devnet.mergeShards();
    await devnet.produceBlock();
    const [merged] = await tops(devnet);
    assert.equal(merged.shard, FULL);
    assert.equal(merged.seqno, Math.max(l.seqno, r.seqno) + 1);
    const h = await header(devnet, FULL, merged.seqno);
    assert.equal(h.after_merge, true);
    assert.equal(h.after_split, false);
    assert.deepEqual(h.prev_blocks.map((p) => [p.shard, p.seqno]), [[LEFT, l.seqno], [
      RIGHT,
      r.seqno,
    ]]);
    // A half's block id no longer names anything new; the old ones stay readable.
    await header(devnet, LEFT, l.seqno);
  } finally {
    await devnet.close();
  }
});

/** Wraps a node so every shard block whose transactions are read is recorded. */
function recording(node: Toncenter, reads: string[]): Toncenter {
  return {
    ...node,
    blockTransactions: (id) => {
      reads.push(`${id.shard}:${id.seqno}`);
      return node.blockTransactions(id);
    },
  };
}

/** A devnet, the real scanner over it, and payments to fresh deposits in both halves. */
interface Scenario {
  devnet: TonDevnet;
  /** Seals one block with a payment to a fresh deposit in each half, and one to a stranger. */
  payBoth(): Promise<void>;
  /** Scans to the tip; returns the number of masterchain blocks read. */
  scan(): Promise<number>;
  /** Every income credited, as `account:amount`. */
  incomes: string[];
  /** Every payment made to one of ours, as `account:amount`. */
  expected: string[];
  /** Every shard block whose transactions were read, as `shard:seqno`. */
  reads: string[];
}

async function withScenario(fn: (s: Scenario) => Promise<void>): Promise<void> {
  // Small pages, so each shard block is also read across several pages.
  const devnet = await startTonDevnet({ blockIntervalMs: 0, jettons: [], blockPageSize: 2 });
  try {
    const reads: string[] = [];
    const scanner = createTonScanner(
      recording(createToncenter({ endpoint: devnet.endpoint, rps: 100_000 }), reads),
      "testnet",
    );
    const ours = new Set<string>();
    const lookup = tonDeposits(ours);
    const expected: string[] = [];
    const incomes: string[] = [];
    let n = 0;
    let cursor: Cursor = await scanner.initialCursor();
    await fn({
      devnet,
      reads,
      expected,
      incomes,
      async payBoth() {
        const payments = (["left", "right"] as const).map((half) => {
          const to = depositIn(half, n++);
          ours.add(to.toRawString());
          const amount = BigInt(1_000_000 + n);
          expected.push(`${to.toRawString()}:${amount}`);
          return devnet.faucet(to, amount);
        });
        const stranger = devnet.faucet(depositIn("right", 100 + n), 5_000_000n);
        await devnet.produceBlock();
        await Promise.all([...payments, stranger]);
      },
      async scan() {
        let blocks = 0;
        for (;;) {
          const scanned = await scanner.next(cursor, lookup);
          if (scanned === null) break;
          assert.ok("cursor" in scanned, "no rollback on a chain without forks");
          incomes.push(...scanned.incomes.map((i) => `${i.to}:${i.amount}`));
          cursor = scanned.cursor;
          blocks++;
        }
        assert.equal(Number(cursor.height), devnet.heights().masterchain);
        return blocks;
      },
    });
  } finally {
    await devnet.close();
  }
}

Deno.test("the scanner walks a split and a merge with payments in every shard, losing none and reading no block twice", () =>
  withScenario(async ({ devnet, payBoth, scan, incomes, expected, reads }) => {
    const first = devnet.heights().masterchain;
    await payBoth();
    devnet.splitShards();
    await payBoth(); // the full shard's last block (before_split)
    await payBoth(); // the first blocks of both halves (after_split)
    await payBoth();
    devnet.mergeShards();
    await payBoth(); // the merged block (after_merge)
    await payBoth();
    devnet.splitShards();
    await payBoth();
    await payBoth(); // split again, read in the same scan
    await scan();

    assert.deepEqual(incomes.sort(), expected.sort());
    assert.equal(new Set(reads).size, reads.length, `a block was read twice: ${reads}`);
    // Every basechain block produced since the scanner started, in every shard, was read.
    const produced: string[] = [];
    for (let mc = first + 1; mc <= devnet.heights().masterchain; mc++) {
      const { shards } = await call<{ shards: BlockId[] }>(devnet.endpoint, "shards", {
        seqno: mc,
      });
      produced.push(...shards.map((s) => `${s.shard}:${s.seqno}`));
    }
    assert.deepEqual([...reads].sort(), produced.sort());
    assert.ok(produced.some((b) => b.startsWith(`${LEFT}:`)));
    assert.ok(produced.some((b) => b.startsWith(`${RIGHT}:`)));
  }));

Deno.test("a shard whose blocks the masterchain commits several at once, or none, is read whole, scanning block by block", () =>
  withScenario(async ({ devnet, payBoth, scan, incomes, expected, reads }) => {
    devnet.splitShards();
    await payBoth();
    await payBoth();
    await scan();
    const before = (await tops(devnet)).find((b) => b.shard === LEFT)!;
    devnet.holdShard(HALF_SHARDS[0]);
    for (let i = 0; i < 3; i++) {
      await payBoth();
      // The masterchain still lists the held shard's old block: nothing new to read there.
      assert.equal((await tops(devnet)).find((b) => b.shard === LEFT)!.seqno, before.seqno);
      assert.equal(await scan(), 1);
    }
    devnet.releaseShard(HALF_SHARDS[0]);
    await payBoth();
    // One masterchain block commits four blocks of the left half at once.
    assert.equal((await tops(devnet)).find((b) => b.shard === LEFT)!.seqno, before.seqno + 4);
    await scan();
    devnet.mergeShards();
    await payBoth();
    await scan();

    assert.deepEqual(incomes.sort(), expected.sort());
    assert.equal(new Set(reads).size, reads.length, `a block was read twice: ${reads}`);
    for (let s = before.seqno + 1; s <= before.seqno + 4; s++) {
      assert.ok(reads.includes(`${LEFT}:${s}`), `left block ${s} read`);
    }
  }));
