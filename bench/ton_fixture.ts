/**
 * The real mainnet block of the fixture (shard 0:8000000000000000, seqno 71398501, 269
 * transactions) served by an in-process {@linkcode Toncenter}, so the benchmark measures the
 * processor and not a node or the network.
 *
 * @module
 */

import { beginCell, type Cell } from "@ton/core";
import { extractBlockTransactions } from "../plugins/ton/block_fixture.ts";
import type { BlockId, BlockTransaction, Toncenter } from "../plugins/ton/toncenter.ts";
import { decodeTransaction, incomingTransfer } from "../plugins/ton/transaction.ts";

const BLOCK_FILE = new URL(
  "../tests/fixtures/ton/block_0_8000000000000000_71398501/block.boc.base64.txt",
  import.meta.url,
);

/** The whole basechain as one shard, as toncenter prints it. */
const BASECHAIN_SHARD = "-9223372036854775808";
const MASTERCHAIN_SHARD = "-9223372036854775808";
/** Logical time distance between two variants of one transaction. */
const LT_STEP = 1_000_000_000n;

/** One transaction of the fixture block, decoded once. */
export interface FixtureTransaction {
  cell: Cell;
  /** Raw account (`0:hex`). */
  account: string;
  lt: bigint;
  /** Whether the scanner would record it as an income if the account were ours. */
  income: boolean;
  /** Whether its in-message is external (a wallet's own request: a payload sighting if ours). */
  externalIn: boolean;
}

/** The fixture block's transactions, in block order. */
export async function loadFixtureBlock(): Promise<FixtureTransaction[]> {
  const cells = extractBlockTransactions(await Deno.readTextFile(BLOCK_FILE));
  return cells.map((cell) => {
    const tx = decodeTransaction(cell);
    return {
      cell,
      account: tx.account,
      lt: tx.lt,
      income: incomingTransfer(tx) !== null,
      externalIn: tx.inMessage?.kind === "external-in",
    };
  });
}

/**
 * The same transaction with its logical time moved by `delta`: identical content, but a new
 * cell hash, so the processor sees a transaction it has not recorded yet.
 */
function shiftLt(cell: Cell, delta: bigint): Cell {
  const slice = cell.beginParse();
  const tag = slice.loadUint(4);
  const account = slice.loadUintBig(256);
  const lt = slice.loadUintBig(64);
  const rest = slice.loadBits(slice.remainingBits);
  const builder = beginCell().storeUint(tag, 4).storeUint(account, 256).storeUint(lt + delta, 64)
    .storeBits(rest);
  for (const ref of cell.refs) builder.storeRef(ref);
  return builder.endCell();
}

function toBlockTransaction(cell: Cell, account: string, lt: bigint): BlockTransaction {
  return {
    account,
    lt: lt.toString(),
    hash: cell.hash().toString("base64"),
    boc: cell.toBoc().toString("base64"),
  };
}

/**
 * Builds `count` variants of the block, as toncenter would answer `getBlockTransactionsExt`.
 * Variant 0 is the block as recorded on chain; in variant `v > 0` every transaction of an
 * account in `fresh` has its logical time moved by `v` steps (hence a new hash), so its
 * incomes are new to the processor. Other transactions are shared between variants.
 */
export function blockVariants(
  block: readonly FixtureTransaction[],
  fresh: ReadonlySet<string>,
  count: number,
): BlockTransaction[][] {
  const original = block.map((t) => toBlockTransaction(t.cell, t.account, t.lt));
  const variants: BlockTransaction[][] = [original];
  for (let v = 1; v < count; v++) {
    const delta = BigInt(v) * LT_STEP;
    variants.push(block.map((t, i) => {
      if (!fresh.has(t.account)) return original[i];
      return toBlockTransaction(shiftLt(t.cell, delta), t.account, t.lt + delta);
    }));
  }
  return variants;
}

/** An in-process node: `node` for the scanner, `setTip` to let the chain grow. */
export interface FixtureNode {
  node: Toncenter;
  /** Makes masterchain blocks up to `seqno` available. */
  setTip(seqno: number): void;
  /** Masterchain seqno of the chain's first block. */
  readonly firstSeqno: number;
}

/**
 * A chain whose masterchain block `firstSeqno + k` (k ≥ 1) commits exactly one basechain
 * block, made of the transactions `blockAt(k - 1)` returns.
 */
export function fixtureNode(blockAt: (k: number) => BlockTransaction[]): FixtureNode {
  const firstSeqno = 66_519_406;
  const firstShardSeqno = 71_398_501;
  const firstTime = 1_760_000_000;
  let tip = firstSeqno;
  const id = (workchain: number, shard: string, seqno: number): BlockId => ({
    workchain,
    shard,
    seqno,
    root_hash: "",
    file_hash: "",
  });
  const node: Toncenter = {
    masterchainInfo: () => Promise.resolve({ last: id(-1, MASTERCHAIN_SHARD, tip) }),
    shards: (mcSeqno) =>
      Promise.resolve([id(0, BASECHAIN_SHARD, firstShardSeqno + mcSeqno - firstSeqno)]),
    blockHeader: (block) => {
      const k = block.workchain === -1 ? block.seqno - firstSeqno : block.seqno - firstShardSeqno;
      return Promise.resolve({ time: firstTime + 5 * k, prev: [] });
    },
    blockTransactions: (block) => {
      if (block.workchain !== 0) return Promise.reject(new Error("only basechain blocks"));
      // The processor starts at the first block and ingests from the next one: `blockAt(0)`.
      return Promise.resolve(blockAt(block.seqno - firstShardSeqno - 1));
    },
    configParam: () => Promise.reject(new Error("not served")),
  };
  return {
    node,
    setTip: (seqno) => {
      tip = seqno;
    },
    firstSeqno,
  };
}
