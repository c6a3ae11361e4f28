/**
 * Blocks and forks: sealing the next block with the transactions that still execute, and
 * {@linkcode reorg}, which replaces the last few blocks with a new branch at the same heights,
 * as a short fork of the real network does. Every block leaves a copy of the ledger state
 * behind (for the last {@link MAX_REORG_DEPTH} blocks), so rolling back is restoring the copy
 * of the fork point instead of undoing transactions one by one.
 *
 * @module
 */
import { hex as hexCodec, sha256 } from "../deps.ts";
import { signTronTx } from "../transaction.ts";
import { type BlockHeaderRaw, blockId, encodeBlockHeaderRaw } from "./protobuf.ts";
import type { Account, Delegation, Ledger, StakeResource, StoredTx, TxInfo } from "./ledger.ts";
import { execute, validateContract } from "./transactions.ts";

/** Deepest fork {@linkcode reorg} can make: blocks whose state the ledger keeps. */
export const MAX_REORG_DEPTH = 50;

/** A produced block. */
export interface Block {
  /** Block id, hex. */
  id: string;
  /** Header raw data. */
  header: BlockHeaderRaw;
  /** Witness signature, hex. */
  witnessSignature: string;
  /** Transactions in execution order. */
  txs: StoredTx[];
  /** Transaction infos, same order. */
  infos: TxInfo[];
}

/** Options of {@linkcode reorg}. */
export interface TronReorgOptions {
  /**
   * Txids of transactions in the replaced blocks that the new branch leaves
   * out, as if they had never been broadcast (they may be broadcast again).
   */
  drop?: string[];
}

/** A transaction in a block, with its info. */
export interface IncludedTx {
  /** The transaction. */
  tx: StoredTx;
  /** Number of its block. */
  block: number;
  /** Its transaction info. */
  info: TxInfo;
}

/**
 * Ledger state after a block: everything transactions change, except the txid
 * index, which a rollback trims by the replaced blocks' transactions instead
 * (copying it every block would grow with the whole history).
 */
interface LedgerState {
  accounts: Map<string, Account>;
  /** Token balances by contract `41…` hex. */
  tokenBalances: Map<string, Map<string, bigint>>;
  weights: Record<StakeResource, number>;
  delegations: Map<string, Delegation>;
}

/** The chain of blocks over a ledger: what sealing and forks read and change. */
export interface BlockLog {
  /** The ledger the blocks' transactions change. */
  readonly ledger: Ledger;
  /** Blocks by number (index = number). */
  readonly blocks: Block[];
  /** Included transactions by txid. */
  readonly txIndex: Map<string, IncludedTx>;
  /** State after each of the last {@link MAX_REORG_DEPTH} + 1 blocks, by number. */
  readonly states: Map<number, LedgerState>;
  /** The block producer's key, hex, and address, `41…` hex. */
  readonly witness: { readonly key: string; readonly hex: string };
}

/** A block log over `ledger` with its genesis block sealed at `now`. */
export function genesis(
  ledger: Ledger,
  witness: BlockLog["witness"],
  now: number,
): BlockLog {
  const log: BlockLog = { ledger, blocks: [], txIndex: new Map(), states: new Map(), witness };
  seal(log, [], [], now);
  return log;
}

/** Latest block. */
export function head(log: BlockLog): Block {
  return log.blocks[log.blocks.length - 1];
}

/** Seals the next block at `timestamp` with those of `candidates` that still execute, in order. */
export function produce(log: BlockLog, candidates: StoredTx[], timestamp: number): Block {
  const txs: StoredTx[] = [];
  const infos: TxInfo[] = [];
  const number = head(log).header.number + 1;
  for (const tx of candidates) {
    // Candidates that expired or no longer validate are dropped, as java-tron
    // drops pending transactions when it rebuilds its pending list.
    if (tx.raw_data.expiration < timestamp) continue;
    try {
      validateContract(log.ledger, tx);
    } catch {
      continue;
    }
    const info = execute(log.ledger, tx, { blockNumber: number, blockTimeStamp: timestamp });
    txs.push(tx);
    infos.push(info);
  }
  const block = seal(log, txs, infos, timestamp);
  for (let i = 0; i < txs.length; i++) {
    log.txIndex.set(txs[i].txID, { tx: txs[i], block: number, info: infos[i] });
  }
  return block;
}

/**
 * Replaces the last `depth` blocks with a fork: rolls the ledger back to the
 * state after block `height - depth`, then seals `depth` new blocks at the
 * same heights (new timestamps, hence new ids, each naming the previous one as
 * parent) holding the replaced blocks' transactions in their order, with the
 * same txids. Transactions named in `options.drop` vanish as if never
 * broadcast; so do those that no longer validate or have expired by the new
 * block's time, as java-tron drops them (TaPoS is not checked again, as the
 * devnet checks it only at broadcast).
 *
 * @throws RangeError when `depth` is not an integer from 1 to the height (the
 *   genesis block stays) and {@link MAX_REORG_DEPTH}
 * @throws Error when a txid of `options.drop` is not in the replaced blocks
 */
export function reorg(log: BlockLog, depth: number, options: TronReorgOptions = {}): void {
  const height = head(log).header.number;
  const max = Math.min(height, MAX_REORG_DEPTH);
  if (!Number.isSafeInteger(depth) || depth < 1 || depth > max) {
    throw new RangeError(`reorg depth must be an integer from 1 to ${max}, got ${depth}`);
  }
  const forkPoint = height - depth;
  const orphaned = log.blocks.slice(forkPoint + 1);
  const drop = new Set((options.drop ?? []).map((txid) => txid.toLowerCase()));
  for (const txid of drop) {
    // A txid that matches nothing is a mistake in the caller's scenario, not a no-op.
    if (!orphaned.some((b) => b.txs.some((t) => t.txID === txid))) {
      throw new Error(`reorg: transaction ${txid} is not in the last ${depth} blocks`);
    }
  }
  log.blocks.length = forkPoint + 1;
  log.ledger.time = head(log).header.timestamp;
  for (let n = forkPoint + 1; n <= height; n++) log.states.delete(n);
  for (const block of orphaned) {
    for (const tx of block.txs) log.txIndex.delete(tx.txID);
  }
  restoreState(log.ledger, log.states.get(forkPoint)!);
  // Later than every replaced block, so no new block can repeat an old id.
  let timestamp = Math.max(Date.now(), orphaned[orphaned.length - 1].header.timestamp + 1);
  for (const old of orphaned) {
    // Fresh copies, so the orphaned blocks keep their own results.
    const txs = old.txs.filter((t) => !drop.has(t.txID)).map((t): StoredTx => ({
      txID: t.txID,
      raw_data: t.raw_data,
      raw_data_hex: t.raw_data_hex,
      signature: t.signature,
    }));
    produce(log, txs, timestamp);
    timestamp = Math.max(Date.now(), timestamp + 1);
  }
}

/** A deep copy of the ledger state. */
function captureState(ledger: Ledger): LedgerState {
  return structuredClone({
    accounts: ledger.accounts,
    tokenBalances: new Map([...ledger.tokens].map(([hex, t]) => [hex, t.balances])),
    weights: ledger.weights,
    delegations: ledger.delegations,
  });
}

/** Makes `saved` the ledger state; the live maps are refilled, as tokens expose theirs. */
function restoreState(ledger: Ledger, saved: LedgerState): void {
  // Copied again: `saved` must stay intact for a later reorg to the same block.
  const copy = structuredClone(saved);
  ledger.accounts.clear();
  for (const [hex, acc] of copy.accounts) ledger.accounts.set(hex, acc);
  for (const [hex, balances] of copy.tokenBalances) {
    const live = ledger.tokens.get(hex)!.balances;
    live.clear();
    for (const [holder, amount] of balances) live.set(holder, amount);
  }
  Object.assign(ledger.weights, copy.weights);
  ledger.delegations.clear();
  for (const [key, d] of copy.delegations) ledger.delegations.set(key, d);
}

function seal(log: BlockLog, txs: StoredTx[], infos: TxInfo[], timestamp: number): Block {
  const parent = log.blocks.length ? head(log) : undefined;
  const header: BlockHeaderRaw = {
    timestamp,
    txTrieRoot: txs.length
      ? hexCodec.encode(sha256(hexCodec.decode(txs.map((t) => t.txID).join(""))))
      : "00".repeat(32),
    parentHash: parent?.id ?? "00".repeat(32),
    number: parent ? parent.header.number + 1 : 0,
    witness_address: log.witness.hex,
    version: 32,
  };
  const block: Block = {
    id: blockId(header),
    header,
    witnessSignature: signTronTx(
      hexCodec.encode(encodeBlockHeaderRaw(header)),
      log.witness.key,
    ).slice(0, 128) + "00",
    txs,
    infos,
  };
  log.blocks.push(block);
  log.ledger.time = timestamp;
  const previous = log.states.get(header.number - 1);
  // A block without transactions changes nothing, so it shares its parent's
  // copy (copies are never modified: restoring copies them again).
  log.states.set(header.number, txs.length || !previous ? captureState(log.ledger) : previous);
  log.states.delete(header.number - MAX_REORG_DEPTH - 1);
  return block;
}
