/**
 * Block production and forks on top of the node: every block is sealed by `evm_mine` after an
 * `evm_snapshot` of the state and mempool just before it, so the last blocks can be replaced.
 * Hardhat Network has no reorg of its own; `evm_revert` to such a snapshot and sealing new
 * blocks is the "snapshot, revert, remine" a reorg test needs, and hashes of the transactions
 * sent since let the replaced blocks' transactions be sent again.
 *
 * Everything that changes the node goes through one queue ({@linkcode Miner.exclusive}), so a
 * fork is atomic to clients.
 *
 * @module
 */
import type { Hex } from "viem";
import type { EvmNode } from "./node.ts";

export type { Hex } from "viem";

/** The methods that send a transaction. */
export type SendMethod = "eth_sendRawTransaction" | "eth_sendTransaction";

/** Deepest fork {@linkcode Miner.reorg} replaces (snapshots older than this are forgotten). */
export const MAX_REORG_DEPTH = 64;

/** How to send a transaction again after a fork: the call that first sent it. */
interface Replay {
  method: SendMethod;
  params: readonly unknown[];
  /** Sender, for an `eth_sendTransaction` of an account the node holds. */
  from?: string;
  nonce?: string;
}

/** Options of {@linkcode Miner.reorg}. */
export interface EvmReorgOptions {
  /**
   * Hashes of transactions of the replaced blocks (or pending) that the new branch leaves out.
   * A left-out transaction of an account the node holds (the faucet) is replaced by a 0-value
   * transfer to itself with the same nonce, so that account's later transactions still land;
   * one signed elsewhere simply vanishes, as if never broadcast, until it is sent again.
   */
  drop?: readonly string[];
}

/** Block production of one node. */
export interface Miner {
  /** Runs `fn` alone: no block, fork or transaction in between. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Seals a block now with the pending transactions; resolves with its number. */
  mine(): Promise<number>;
  /**
   * Sends a transaction (`eth_sendRawTransaction` or `eth_sendTransaction`) and remembers
   * how, so a fork can send it again; resolves with the node's answer.
   */
  submit(method: SendMethod, params: readonly unknown[]): Promise<Hex>;
  /**
   * Replaces the last `depth` blocks by as many new ones (new hashes) with the same
   * transactions, except `options.drop`; pending transactions stay pending.
   *
   * @throws RangeError when `depth` is not from 1 to min(height, {@linkcode MAX_REORG_DEPTH}),
   * or a dropped hash is neither pending nor in those blocks
   */
  reorg(depth: number, options?: EvmReorgOptions): Promise<void>;
  /** Saves the whole chain (blocks, state, mempool); resolves with an id for `revert`. */
  snapshot(): Promise<string>;
  /**
   * Goes back to a {@linkcode Miner.snapshot}: later blocks and transactions vanish. A snapshot
   * is used up by reverting to it, and so are the ones taken after it.
   *
   * @throws Error when the id is unknown or used up
   */
  revert(id: string): Promise<void>;
  /** Resolves with the number of the next block sealed. */
  waitForBlock(): Promise<number>;
  /** Height of the latest block. */
  height(): Promise<number>;
}

interface TxView {
  hash: string;
  from: string;
  nonce: string;
  blockNumber: string | null;
}

/** Block production for `node`. `owned` lists the accounts the node signs for (lower case). */
export function createMiner(node: EvmNode, owned: readonly string[]): Miner {
  let queue: Promise<unknown> = Promise.resolve();
  /** Snapshot taken just before sealing block n, by n. */
  const beforeBlock = new Map<number, string>();
  /** Transaction hashes of recent blocks, by number. */
  const blockTxs = new Map<number, string[]>();
  const replays = new Map<string, Replay>();
  let waiters: ((n: number) => void)[] = [];
  let coinbase = 0n;

  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(fn);
    queue = run.catch(() => {});
    return run;
  }

  async function height(): Promise<number> {
    return Number(await node.call("eth_blockNumber"));
  }

  async function seal(): Promise<number> {
    const id = String(await node.call("evm_snapshot"));
    await node.call("evm_mine");
    const block = await node.call("eth_getBlockByNumber", ["latest", false]) as {
      number: string;
      transactions: string[];
    };
    const n = Number(block.number);
    beforeBlock.set(n, id);
    blockTxs.set(n, block.transactions);
    const old = n - MAX_REORG_DEPTH;
    beforeBlock.delete(old);
    for (const hash of blockTxs.get(old) ?? []) replays.delete(hash);
    blockTxs.delete(old);
    const woken = waiters;
    waiters = [];
    for (const w of woken) w(n);
    return n;
  }

  async function submit(method: SendMethod, params: readonly unknown[]): Promise<Hex> {
    const hash = await node.call(method, params) as Hex;
    if (method === "eth_sendRawTransaction") {
      replays.set(hash, { method, params });
      return hash;
    }
    // Replaying an eth_sendTransaction gives the same hash only with every field fixed (the
    // node signs deterministically, RFC 6979), so remember the fields the node filled in.
    const tx = await node.call("eth_getTransactionByHash", [hash]) as Record<string, unknown>;
    const fields: Record<string, unknown> = { from: tx.from, nonce: tx.nonce, gas: tx.gas };
    for (const k of ["to", "value", "input", "maxFeePerGas", "maxPriorityFeePerGas"] as const) {
      if (tx[k] !== undefined && tx[k] !== null) fields[k] = tx[k];
    }
    if (tx.maxFeePerGas === undefined) fields.gasPrice = tx.gasPrice;
    replays.set(hash, {
      method,
      params: [fields],
      from: String(tx.from),
      nonce: String(tx.nonce),
    });
    return hash;
  }

  async function pendingHashes(): Promise<string[]> {
    const pending = await node.call("eth_pendingTransactions") as TxView[];
    return pending.map((t) => t.hash);
  }

  async function reorg(depth: number, options: EvmReorgOptions = {}): Promise<void> {
    const tip = await height();
    if (!Number.isInteger(depth) || depth < 1 || depth > Math.min(tip, MAX_REORG_DEPTH)) {
      throw new RangeError(`depth must be from 1 to ${Math.min(tip, MAX_REORG_DEPTH)}`);
    }
    const first = tip - depth + 1;
    const snapshot = beforeBlock.get(first);
    if (snapshot === undefined) throw new RangeError(`no snapshot before block ${first}`);
    const drop = new Set((options.drop ?? []).map((h) => h.toLowerCase()));
    const replaced: string[] = [];
    for (let n = first; n <= tip; n++) replaced.push(...(blockTxs.get(n) ?? []));
    const pendingNow = await pendingHashes();
    const known = new Set([...replaced, ...pendingNow].map((h) => h.toLowerCase()));
    for (const hash of drop) {
      if (!known.has(hash)) {
        throw new RangeError(`${hash} is neither pending nor in the last blocks`);
      }
    }
    const pending = pendingNow.filter((h) => !drop.has(h.toLowerCase()));

    await revertTo(snapshot);
    // The mempool is back as it was before block `first`: take out all but the replaced blocks'
    // transactions, so the new blocks hold exactly those; what is pending now is sent again
    // after them.
    const keep = new Set(replaced.filter((h) => !drop.has(h.toLowerCase())));
    for (const hash of await pendingHashes()) {
      if (!keep.has(hash)) await node.call("hardhat_dropTransaction", [hash]);
    }
    for (const hash of replaced) {
      if (drop.has(hash.toLowerCase())) await fillNonce(hash);
      else if (!await node.call("eth_getTransactionByHash", [hash])) await replay(hash);
    }
    // A new fee recipient makes every new block differ from the one it replaces, even when
    // it holds the same transactions.
    coinbase++;
    await node.call("hardhat_setCoinbase", [`0x${coinbase.toString(16).padStart(40, "0")}`]);
    for (let i = 0; i < depth; i++) await seal();
    for (const hash of pending) await replay(hash);
  }

  async function replay(hash: string): Promise<void> {
    const how = replays.get(hash);
    if (!how) throw new Error(`cannot send ${hash} again: not sent through the devnet`);
    await node.call(how.method, how.params);
  }

  /**
   * Puts a 0-value transfer to itself in the place of a dropped transaction of an account the
   * node holds, so that account's later nonces are not stuck behind a gap.
   */
  async function fillNonce(hash: string): Promise<void> {
    const how = replays.get(hash);
    if (how?.from === undefined || !owned.includes(how.from.toLowerCase())) return;
    await submit("eth_sendTransaction", [
      { from: how.from, to: how.from, value: "0x0", nonce: how.nonce, gas: "0x5208" },
    ]);
  }

  /**
   * Reverts to snapshot `id`. Hardhat numbers snapshots in order and a revert uses up the one
   * it goes to and every later one, so those are forgotten here too.
   */
  async function revertTo(id: string): Promise<void> {
    if (await node.call("evm_revert", [id]) !== true) throw new Error(`unknown snapshot ${id}`);
    const usedUp = (s: string): boolean => BigInt(s) >= BigInt(id);
    for (const [n, s] of [...beforeBlock]) if (usedUp(s)) beforeBlock.delete(n);
    for (const s of [...userSnapshots]) if (usedUp(s)) userSnapshots.delete(s);
  }

  const userSnapshots = new Set<string>();

  return {
    exclusive,
    mine: () => exclusive(seal),
    submit: (method, params) => exclusive(() => submit(method, params)),
    reorg: (depth, options) => exclusive(() => reorg(depth, options)),
    snapshot: () =>
      exclusive(async () => {
        const id = String(await node.call("evm_snapshot"));
        userSnapshots.add(id);
        return id;
      }),
    revert: (id) =>
      exclusive(async () => {
        if (!userSnapshots.has(id)) throw new Error(`unknown snapshot ${id}`);
        await revertTo(id);
      }),
    waitForBlock: () => new Promise((resolve) => waiters.push(resolve)),
    height: () => exclusive(height),
  };
}
