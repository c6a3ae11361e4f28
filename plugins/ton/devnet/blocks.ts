/**
 * The devnet's blocks as toncenter shows them: one masterchain block per tick committing the
 * basechain's shard blocks (one full shard, or two halves after a split), block ids with
 * synthetic hashes, transactions listed per block and per account, and the shard events
 * liteservers report (split, merge, a shard held back from the masterchain).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { Address, type Transaction } from "@ton/core";

/** Shard id of the single full shard, as a signed int64 (0x8000000000000000). */
export const FULL_SHARD: bigint = -0x8000000000000000n;

/** The two halves of the basechain after a split: account ids starting with bit 0, and 1. */
export const HALF_SHARDS: readonly [bigint, bigint] = [0x4000000000000000n, -0x4000000000000000n];

/**
 * Whether an account id belongs to a shard. A shard id is its prefix bits, then a 1, then
 * zeros (TON whitepaper 4.1.4, `ShardIdent`); the account's first 64 bits must carry the prefix.
 */
export function accountInShard(accountId: Buffer, shard: bigint): boolean {
  const bits = BigInt.asUintN(64, shard);
  const lowest = bits & -bits;
  const mask = BigInt.asUintN(64, ~(2n * lowest - 1n));
  return (accountId.readBigUInt64BE(0) & mask) === (bits & mask);
}

/** Gap between a block's last sandbox lt and its end_lt; sandbox steps lt by 1e6 per tx. */
const LT_BLOCK_TAIL = 999_999n;

/** Identifies a block like toncenter's `ton.blockIdExt`. */
export interface BlockRef {
  /** -1 masterchain, 0 basechain. */
  workchain: number;
  /** Signed int64 shard id. */
  shard: bigint;
  /** Block sequence number within its shard chain. */
  seqno: number;
  /** Synthetic root hash (32 bytes). */
  rootHash: Buffer;
  /** Synthetic file hash (32 bytes). */
  fileHash: Buffer;
}

/** A transaction as stored by the devnet, with the real cell the emulator produced. */
export interface ChainTx {
  /** Parsed transaction (`tx.raw` is the real transaction cell). */
  tx: Transaction;
  /** Real transaction cell hash. */
  hash: Buffer;
  /** Logical time of the transaction. */
  lt: bigint;
  /** Account the transaction belongs to. */
  address: Address;
  /** Block holding the transaction. */
  block: BlockRef;
  /** Memoized JSON renderings, so hot blocks are not re-serialized per request. */
  cache: Map<string, unknown>;
}

/** A sealed block. */
export interface ChainBlock {
  /** Block id. */
  id: BlockRef;
  /** Block generation time (unix seconds). */
  genUtime: number;
  /** Logical time before the first transaction. */
  startLt: bigint;
  /** Logical time after the last transaction (and its messages). */
  endLt: bigint;
  /** Previous block of the same chain (empty for the first block). */
  prev: BlockRef[];
  /** Transactions ordered by account then lt, as listed by liteservers. */
  txs: ChainTx[];
  /** Shard tops committed by a masterchain block (empty for shard blocks). */
  shards: BlockRef[];
  /** Masterchain seqno that committed a shard block, or the block's own seqno. */
  mcSeqno: number;
  /** The first block of a shard that its parent split into (two children, one parent). */
  afterSplit: boolean;
  /** The first block after two sibling shards merged (two entries in `prev`). */
  afterMerge: boolean;
  /** The last block of a shard before it splits. */
  beforeSplit: boolean;
}

/** The blocks sealed so far and the shard layout the next ones follow. */
export interface BlockStore {
  /** Masterchain blocks, oldest first. */
  readonly masterBlocks: ChainBlock[];
  /** Every basechain block, in the order produced. */
  readonly shardBlocks: ChainBlock[];
  /** Basechain blocks by `shard:seqno`. */
  readonly shardIndex: Map<string, ChainBlock>;
  /** The basechain's current top block per shard, in shard order. */
  tops: ChainBlock[];
  /** A layout change asked for, applied by the next blocks. */
  reshard: "split" | "merge" | null;
  /** Shards whose new blocks the masterchain does not commit yet. */
  readonly held: Set<bigint>;
  /** The block of each shard that the masterchain last committed. */
  readonly committed: Map<bigint, BlockRef>;
  /** Transactions by raw account address, oldest first. */
  readonly byAccount: Map<string, ChainTx[]>;
}

/** A store with no block yet. */
export function emptyBlockStore(): BlockStore {
  return {
    masterBlocks: [],
    shardBlocks: [],
    shardIndex: new Map(),
    tops: [],
    reshard: null,
    held: new Set(),
    committed: new Map(),
    byAccount: new Map(),
  };
}

/** SHA-256 of the parts, one after the other. */
export function sha256(...parts: (string | Buffer)[]): Buffer {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
}

/** Finds a block by workchain, seqno and shard (default the full shard). */
export function findBlock(
  store: BlockStore,
  workchain: number,
  seqno: number,
  shard: bigint = FULL_SHARD,
): ChainBlock | undefined {
  if (workchain === -1) {
    if (shard !== FULL_SHARD || store.masterBlocks.length === 0) return undefined;
    return store.masterBlocks[seqno - store.masterBlocks[0].id.seqno];
  }
  return workchain === 0 ? store.shardIndex.get(`${shard}:${seqno}`) : undefined;
}

/**
 * Splits the basechain into {@link HALF_SHARDS}: the next block of the full shard is marked
 * `before_split`, and the block after it is the first of each half (`after_split`).
 */
export function splitShards(store: BlockStore): void {
  if (store.tops.length !== 1 || store.reshard !== null) throw new Error("already split");
  if (store.held.size > 0) throw new Error("release held shards first");
  store.reshard = "split";
}

/** Merges the two halves back: the next basechain block is the full shard's (`after_merge`). */
export function mergeShards(store: BlockStore): void {
  if (store.tops.length !== 2 || store.reshard !== null) throw new Error("not split");
  if (store.held.size > 0) throw new Error("release held shards first");
  store.reshard = "merge";
}

/** Workchain of the account a transaction ran on; the in-message destination carries it. */
function txWorkchain(tx: Transaction): number {
  const dest = tx.inMessage?.info.dest;
  return Address.isAddress(dest) ? dest.workChain : 0;
}

/** The account a transaction ran on, with its workchain (the in-message destination's). */
function txAccount(tx: Transaction, workchain: number): Address {
  const dest = tx.inMessage?.info.dest;
  return Address.isAddress(dest)
    ? dest
    : new Address(workchain, Buffer.from(tx.address.toString(16).padStart(64, "0"), "hex"));
}

function compareTx(a: ChainTx, b: ChainTx): number {
  const ha = a.address.hash.toString("hex");
  const hb = b.address.hash.toString("hex");
  if (ha !== hb) return ha < hb ? -1 : 1;
  return a.lt < b.lt ? -1 : a.lt > b.lt ? 1 : 0;
}

/**
 * Seals the basechain blocks of this tick (one per shard, or the split or merge asked for)
 * and the masterchain block that commits them. `firstShardSeqno` is used only for the
 * chain's very first block.
 */
export function sealBlocks(
  store: BlockStore,
  executed: Transaction[],
  genUtime: number,
  startLt: bigint,
  mcSeqno: number,
  firstShardSeqno: number,
): void {
  const lastLt = executed.reduce((m, tx) => (tx.lt > m ? tx.lt : m), startLt);
  const endLt = lastLt + LT_BLOCK_TAIL;
  const prevMaster = store.masterBlocks.at(-1);
  const basechain = executed.filter((tx) => txWorkchain(tx) !== -1);

  // Each new block: its shard and the blocks it follows.
  let plan: { shard: bigint; prev: ChainBlock[]; flag?: "afterSplit" | "afterMerge" }[];
  if (store.tops.length === 0) {
    plan = [{ shard: FULL_SHARD, prev: [] }];
  } else if (store.reshard === "split" && !store.tops[0].beforeSplit) {
    // First the parent's last block, marked before_split; the halves start next tick.
    plan = [{ shard: FULL_SHARD, prev: [store.tops[0]] }];
  } else if (store.reshard === "split") {
    const parent = store.tops[0];
    plan = HALF_SHARDS.map((shard) => ({ shard, prev: [parent], flag: "afterSplit" as const }));
    store.reshard = null;
  } else if (store.reshard === "merge") {
    plan = [{ shard: FULL_SHARD, prev: [...store.tops], flag: "afterMerge" }];
    store.reshard = null;
  } else {
    plan = store.tops.map((top) => ({ shard: top.id.shard, prev: [top] }));
  }

  const shardBlocks = plan.map((step) => {
    const seqno = step.prev.length === 0
      ? firstShardSeqno
      : Math.max(...step.prev.map((b) => b.id.seqno)) + 1;
    const block = makeBlock(
      0,
      step.shard,
      seqno,
      genUtime,
      startLt,
      endLt,
      basechain.filter((tx) => accountInShard(txAccount(tx, 0).hash, step.shard)),
      step.prev,
      [],
      mcSeqno,
    );
    block.afterSplit = step.flag === "afterSplit";
    block.afterMerge = step.flag === "afterMerge";
    block.beforeSplit = store.reshard === "split" && step.shard === FULL_SHARD;
    return block;
  });
  const master = makeBlock(
    -1,
    FULL_SHARD,
    mcSeqno,
    genUtime,
    startLt,
    endLt,
    executed.filter((tx) => txWorkchain(tx) === -1),
    prevMaster ? [prevMaster] : [],
    shardBlocks.map((b) =>
      store.held.has(b.id.shard) ? store.committed.get(b.id.shard) ?? b.id : b.id
    ),
    mcSeqno,
  );
  for (const id of master.shards) store.committed.set(id.shard, id);
  for (const b of shardBlocks) {
    store.shardBlocks.push(b);
    store.shardIndex.set(`${b.id.shard}:${b.id.seqno}`, b);
  }
  store.tops = shardBlocks;
  store.masterBlocks.push(master);
  // Execution order is lt order, so per-account lists stay sorted by appending.
  const sealed = [...shardBlocks.flatMap((b) => b.txs), ...master.txs];
  for (const ctx of sealed.sort((a, b) => (a.lt < b.lt ? -1 : 1))) {
    const key = ctx.address.toRawString();
    const list = store.byAccount.get(key);
    if (list) list.push(ctx);
    else store.byAccount.set(key, [ctx]);
  }
}

function makeBlock(
  workchain: number,
  shardId: bigint,
  seqno: number,
  genUtime: number,
  startLt: bigint,
  endLt: bigint,
  txs: Transaction[],
  prev: ChainBlock[],
  shards: BlockRef[],
  mcSeqno: number,
): ChainBlock {
  const rootHash = sha256(
    `devnet-block:${workchain}:${shardId}:${seqno}:${genUtime}:${startLt}:${endLt}`,
    ...prev.map((p) => p.id.rootHash),
    ...shards.map((s) => s.rootHash),
    ...txs.map((tx) => tx.hash()),
  );
  const id: BlockRef = {
    workchain,
    shard: shardId,
    seqno,
    rootHash,
    fileHash: sha256("devnet-file:", rootHash),
  };
  const chainTxs = txs.map((tx): ChainTx => ({
    tx,
    hash: tx.hash(),
    lt: tx.lt,
    address: txAccount(tx, workchain),
    block: id,
    cache: new Map(),
  })).sort(compareTx);
  return {
    id,
    genUtime,
    startLt,
    endLt,
    prev: prev.map((p) => p.id),
    txs: chainTxs,
    shards,
    mcSeqno,
    afterSplit: false,
    afterMerge: false,
    beforeSplit: false,
  };
}
