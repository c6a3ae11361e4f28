/**
 * The EVM block scanner: follows blocks one by one from the cursor and turns what touches our
 * accounts into incomes (the native coin and configured ERC-20 tokens) and payload sightings.
 *
 * Decisions:
 * - The cursor is the last ingested block; `state` is `{ hash, recent, nonces }`: that block's
 *   hash, the hashes of the blocks up to it (at most the fork window, oldest first) and the
 *   hot wallet's nonce history (see {@linkcode nonceUsed}). A block whose `parentHash` is not
 *   `hash` means a reorg: the scanner walks back through `recent` to the last block the node
 *   still has and returns a rollback to it, as TRON's scanner does for forks.
 * - With `finality: "finalized"` only blocks up to the node's `finalized` tag are read, so an
 *   income is final when scanned; otherwise blocks up to `latest`, and the core counts
 *   confirmations.
 * - Each block is read with its transactions (`eth_getBlockByNumber`), and the configured
 *   contracts' `Transfer` logs of that very block (`eth_getLogs` by `blockHash`, so logs and
 *   transactions come from the same branch). Logs of other contracts are never asked for.
 * - `lookup` is called exactly once per block, with every recipient (native value, token
 *   transfers, traced internal value) and every sender, lowercase.
 * - Native incomes come from transactions with value to a deposit whose receipt says success,
 *   and, when the node traces (`debug_traceBlockByHash`, else `debug_traceTransaction` of each
 *   contract call; callTracer), from value moved by successful internal calls. A failed transaction never counts. Logs exist only for
 *   successful transactions, so token incomes need no receipt.
 * - Identity: a token income is (tx hash, log index); a transaction's own value is index -1;
 *   traced internal value -2, -3, … in call order, so none meets a log index.
 * - Incomes go to deposits only, in the currency the deposit was made for; a configured token
 *   sent to a deposit of another currency is reported unrecognized. Native coin sent to a token
 *   deposit is not reported: the hot wallet sends it there for sweep gas.
 * - Sightings: every transaction sent by one of our accounts; `payloadId` = `txHash`. It left
 *   when the receipt says success and, for a token transfer, the token's `Transfer` log is in
 *   the receipt: a token that returns `false` without reverting moved nothing. The fee is
 *   `gasUsed × effectiveGasPrice` plus the L1 data fee OP-stack receipts carry (`l1Fee`). A
 *   reverted one's reason is the revert data of the same call replayed on the parent block.
 *
 * @module
 */

import {
  type Block,
  BlockNotFoundError,
  decodeErrorResult,
  type Hex,
  type PublicClient,
  type Transaction,
  type TransactionReceipt,
} from "viem";
import type {
  AccountLookup,
  ChainScanner,
  Cursor,
  IncomeEvent,
  Json,
  NodeObserver,
  PayloadSighting,
  Rollback,
  ScannedBlock,
  UnrecognizedTransfer,
} from "../../core/plugin.ts";
import { evmDisplay } from "./address.ts";
import { decodeBatchCall, outKeysOf } from "./batch.ts";
import { decodeTransferCall, decodeTransferLog, type RpcLog, TRANSFER_TOPIC } from "./transfers.ts";

/** An asset the scanner recognises: the native coin (`contract` null) or an ERC-20 token. */
export interface EvmScannerAsset {
  /** Asset code from config. */
  code: string;
  /** Contract, lowercase; null for the native coin. */
  contract: string | null;
}

/** Scanner options. */
export interface EvmScannerOptions {
  assets: readonly EvmScannerAsset[];
  /** Hot wallet, lowercase: its nonce history goes in the cursor. */
  hot: string;
  /** Which block the scanner follows. */
  head: "latest" | "finalized";
  /** Block hashes kept to resolve reorgs. */
  forkWindow: number;
  /** Whether to trace blocks for internal value (`auto`: while the node offers it). */
  trace: "auto" | "off";
  /** EIP-155 chain id the node must report before any block of it is read. */
  chainId?: number;
  /** The batch contract our batches call (lowercase), when configured. */
  batchContract?: string | null;
  observer?: NodeObserver;
}

/** A mined block with its transactions. */
type FullBlock = Block<bigint, true, "latest">;

/** One block of the hot wallet's nonce history: `[height, next nonce after it]`, decimal. */
type NonceEntry = [string, string];

interface ScanState {
  hash: string;
  recent: string[];
  nonces: NonceEntry[];
}

function stateOf(cursor: Cursor): ScanState {
  const raw = (cursor.state ?? {}) as Record<string, unknown>;
  const hash = typeof raw.hash === "string" ? raw.hash : "";
  const recent = Array.isArray(raw.recent) ? raw.recent.map(String) : [hash];
  const nonces = Array.isArray(raw.nonces) ? raw.nonces as NonceEntry[] : [];
  return { hash, recent: recent.length ? recent : [hash], nonces };
}

/**
 * The hot wallet's next nonce as of block `height` (what the chain had used by then), from a
 * cursor's state; null when the history holds nothing that old. The lifecycle asks it for
 * `cursor.height` less the blocks a reorg may still replace.
 */
export function nonceUsed(cursor: Cursor, height: bigint): bigint | null {
  let next: bigint | null = null;
  for (const [h, n] of stateOf(cursor).nonces) {
    if (BigInt(h) <= height) next = BigInt(n);
  }
  return next;
}

/** Entries a reorg may still need: those in the window, and the newest one before it. */
function pruneNonces(nonces: NonceEntry[], height: bigint, window: number): NonceEntry[] {
  const floor = height - BigInt(window);
  const inWindow = nonces.filter(([h]) => BigInt(h) > floor);
  const before = nonces.filter(([h]) => BigInt(h) <= floor).at(-1);
  return before ? [before, ...inWindow] : inWindow;
}

/** A transfer to someone that may be an income. */
interface Candidate {
  /** Asset code it would credit. */
  currency: string;
  /** Contract for tokens (reported when unrecognized); null for native value. */
  token: string | null;
  to: string;
  from: string | null;
  amount: bigint;
  txHash: string;
  eventIndex: number;
  /** Native value of a top-level transaction: counts only once its receipt says success. */
  needsReceipt: boolean;
}

/** A callTracer frame. */
interface CallFrame {
  type?: string;
  from?: string;
  to?: string;
  value?: string;
  error?: string;
  calls?: CallFrame[];
}

const VALUE_CALLS = new Set(["CALL", "CREATE", "CREATE2", "SELFDESTRUCT"]);

/** Value moved by successful internal calls, in call order (a failed frame moves nothing). */
function internalValues(frame: CallFrame, out: { from: string; to: string; amount: bigint }[]) {
  for (const call of frame.calls ?? []) {
    if (call.error !== undefined) continue;
    const amount = call.value ? BigInt(call.value) : 0n;
    if (amount > 0n && call.to && call.from && VALUE_CALLS.has(call.type ?? "")) {
      out.push({ from: call.from.toLowerCase(), to: call.to.toLowerCase(), amount });
    }
    internalValues(call, out);
  }
  return out;
}

/** Whether an RPC error says the method does not exist (JSON-RPC -32601, or its wording). */
function methodMissing(error: unknown): boolean {
  let e = error as { code?: number; message?: string; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 6; depth++) {
    if (
      e.code === -32601 ||
      /method .*(not found|not supported|does not exist)/i.test(e.message ?? "")
    ) {
      return true;
    }
    e = e.cause as typeof e;
  }
  return false;
}

/** Standard ERC-20 errors (OpenZeppelin 5, ERC-6093), to name a revert. */
const ERC20_ERRORS = [
  ["ERC20InsufficientBalance", ["address", "uint256", "uint256"]],
  ["ERC20InvalidSender", ["address"]],
  ["ERC20InvalidReceiver", ["address"]],
  ["ERC20InsufficientAllowance", ["address", "uint256", "uint256"]],
].map(([name, types]) => ({
  type: "error" as const,
  name: name as string,
  inputs: (types as string[]).map((type, i) => ({ name: `arg${i}`, type })),
}));

/** The revert data an error carries, if any. */
function revertData(error: unknown): Hex | null {
  let e = error as { data?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 8; depth++) {
    const data = typeof e.data === "string"
      ? e.data
      : (e.data as { data?: unknown } | undefined)?.data;
    if (typeof data === "string" && /^0x[0-9a-fA-F]*$/.test(data) && data.length >= 10) {
      return data as Hex;
    }
    e = e.cause as typeof e;
  }
  return null;
}

/** Creates the scanner. */
export function createEvmScanner(node: PublicClient, options: EvmScannerOptions): ChainScanner {
  const native = options.assets.find((a) => a.contract === null)?.code ?? null;
  const tokens = new Map<string, string>();
  for (const a of options.assets) if (a.contract !== null) tokens.set(a.contract, a.code);
  const contracts = [...tokens.keys()];

  let chainChecked = options.chainId === undefined;

  /**
   * Refuses a node of another chain (a BSC endpoint on an `ethereum` instance would credit BNB
   * as ETH): checked once, before the first block; the caller retries, nothing is ingested.
   */
  async function checkChain(): Promise<void> {
    if (chainChecked) return;
    const id = await node.getChainId();
    if (id !== options.chainId) {
      throw new Error(`the node serves chain id ${id}, not the configured ${options.chainId}`);
    }
    chainChecked = true;
  }

  async function headBlock(): Promise<Block> {
    await checkChain();
    const block = await node.getBlock({ blockTag: options.head });
    options.observer?.head(block.number!);
    return block;
  }

  async function blockAt(num: bigint): Promise<FullBlock | null> {
    try {
      return await node.getBlock({ blockNumber: num, includeTransactions: true }) as FullBlock;
    } catch (error) {
      if (error instanceof BlockNotFoundError) return null;
      throw error;
    }
  }

  async function transferLogs(blockHash: string): Promise<RpcLog[]> {
    if (contracts.length === 0) return [];
    return await node.request({
      method: "eth_getLogs",
      params: [{
        address: contracts as Hex[],
        topics: [TRANSFER_TOPIC],
        blockHash: blockHash as Hex,
      }],
    }) as unknown as RpcLog[];
  }

  /** How blocks are traced now: whole blocks, each contract call, or not (the node lacks it). */
  let tracing: "block" | "transaction" | "off" = options.trace === "auto" ? "block" : "off";

  async function debugCall(method: string, params: unknown[]): Promise<unknown> {
    return await node.request({
      method: method as "eth_chainId",
      params: params as unknown as undefined,
    });
  }

  /**
   * The call tree of each transaction, in block order (an empty frame for one not traced), or
   * null when the node traces nothing. `debug_traceBlockByHash` first; a node without it but
   * with `debug_traceTransaction` (Hardhat's EDR) gets each contract call traced on its own
   * (plain transfers have no internal calls).
   */
  async function traced(block: FullBlock): Promise<CallFrame[] | null> {
    if (tracing === "off" || block.transactions.length === 0) return null;
    const tracer = { tracer: "callTracer" };
    try {
      if (tracing === "block") {
        const result = await debugCall("debug_traceBlockByHash", [block.hash, tracer]);
        return (result as { result?: CallFrame }[]).map((r) => r.result ?? {});
      }
      return await Promise.all(
        block.transactions.map(async (tx) =>
          tx.to && tx.input !== "0x"
            ? await debugCall("debug_traceTransaction", [tx.hash, tracer]) as CallFrame
            : {}
        ),
      );
    } catch (error) {
      // A node without the method says so; any other failure is retried.
      if (!methodMissing(error)) throw error;
      tracing = tracing === "block" ? "transaction" : "off";
      return await traced(block);
    }
  }

  async function failureOf(tx: Transaction, block: FullBlock): Promise<string> {
    let data: Hex | null;
    try {
      const result = await node.call({
        account: tx.from,
        to: tx.to,
        data: tx.input,
        value: tx.value,
        gas: tx.gas,
        blockNumber: block.number - 1n,
      });
      // Nodes that answer a reverting call with its revert data as the result (Hardhat with
      // call failures not thrown) give it here; a real success returns no error selector.
      data = result.data ?? null;
    } catch (error) {
      data = revertData(error);
    }
    if (data === null || data.length < 10) return "reverted";
    try {
      const decoded = decodeErrorResult({ abi: ERC20_ERRORS, data });
      return `reverted: ${decoded.errorName}(${(decoded.args ?? []).map(String).join(", ")})`;
    } catch {
      return "reverted";
    }
  }

  async function scan(block: FullBlock, lookup: AccountLookup) {
    const time = Number(block.timestamp);
    const [logs, traces] = await Promise.all([transferLogs(block.hash), traced(block)]);
    const candidates: Candidate[] = [];
    const addresses = new Set<string>();
    const add = (c: Candidate) => {
      addresses.add(c.to);
      candidates.push(c);
    };
    for (const [i, tx] of block.transactions.entries()) {
      const from = tx.from.toLowerCase();
      addresses.add(from);
      if (native !== null && tx.to && tx.value > 0n) {
        add({
          currency: native,
          token: null,
          to: tx.to.toLowerCase(),
          from,
          amount: tx.value,
          txHash: tx.hash,
          eventIndex: -1,
          needsReceipt: true,
        });
      }
      const top = traces?.[i];
      if (native !== null && top && top.error === undefined) {
        for (const [k, v] of internalValues(top, []).entries()) {
          add({
            currency: native,
            token: null,
            to: v.to,
            from: v.from,
            amount: v.amount,
            txHash: tx.hash,
            eventIndex: -2 - k,
            needsReceipt: false,
          });
        }
      }
    }
    for (const log of logs) {
      const t = decodeTransferLog(log);
      const currency = t && tokens.get(t.contract);
      if (!t || !currency || t.amount === 0n) continue;
      add({
        currency,
        token: t.contract,
        to: t.to,
        from: t.from,
        amount: t.amount,
        txHash: t.txHash,
        eventIndex: t.logIndex,
        needsReceipt: false,
      });
    }

    const ours = await lookup([...addresses]);

    const receipts = new Map<string, TransactionReceipt>();
    const needed = new Set<string>();
    for (const c of candidates) {
      const account = ours.get(c.to);
      if (c.needsReceipt && account?.kind === "deposit") needed.add(c.txHash);
    }
    const sent = block.transactions.filter((tx) => ours.has(tx.from.toLowerCase()));
    for (const tx of sent) needed.add(tx.hash);
    await Promise.all([...needed].map(async (hash) => {
      receipts.set(hash, await node.getTransactionReceipt({ hash: hash as Hex }));
    }));

    const incomes: IncomeEvent[] = [];
    const unrecognized: UnrecognizedTransfer[] = [];
    for (const c of candidates) {
      const account = ours.get(c.to);
      if (!account || account.kind !== "deposit" || account.owner !== null) continue;
      if (c.needsReceipt && receipts.get(c.txHash)?.status !== "success") continue;
      const event = {
        to: c.to,
        from: c.from === null ? null : evmDisplay(c.from),
        amount: c.amount,
        comment: null,
        binaryComment: null,
        txHash: c.txHash,
        eventIndex: c.eventIndex,
        time,
      };
      if (account.currency === c.currency) {
        incomes.push({ ...event, currency: c.currency, blockHeight: block.number });
      } else if (c.token !== null) {
        unrecognized.push({ ...event, token: c.token });
      }
    }

    const sightings: PayloadSighting[] = [];
    for (const tx of sent) {
      const receipt = receipts.get(tx.hash)!;
      const from = tx.from.toLowerCase();
      const to = tx.to?.toLowerCase() ?? null;
      // What the transaction pays: one token transfer, a batch, or its own value.
      const call = to ? decodeTransferCall(tx.input) : null;
      const batch = to !== null && to === options.batchContract ? decodeBatchCall(tx.input) : null;
      const payouts = batch
        ? batch.recipients.map((r, i) => ({ token: batch.token, to: r, amount: batch.amounts[i] }))
        : call && to && tokens.has(to)
        ? [{ token: to, to: call.to, amount: call.amount }]
        : [{ token: null, to, amount: tx.value }];
      let ok = receipt.status === "success";
      let failure: string | null = ok ? null : await failureOf(tx, block);
      // A token that returns false instead of reverting moved nothing: no log, no transfer.
      const logged = receipt.logs.map((log) => decodeTransferLog(log as unknown as RpcLog));
      const missing = payouts.some((p) =>
        p.token !== null &&
        !logged.some((t) =>
          t !== null && t.contract === p.token && t.from === from && t.to === p.to &&
          t.amount === p.amount
        )
      );
      if (ok && missing) {
        ok = false;
        failure = "the token emitted no Transfer: it returned false or moved nothing";
      }
      const l1Fee = (receipt as { l1Fee?: bigint | null }).l1Fee ?? 0n;
      sightings.push({
        payloadId: tx.hash,
        txHash: tx.hash,
        outKeys: ok ? outKeysOf(tx.hash, payouts.length) : [],
        outAmounts: ok ? payouts.map((p) => p.amount) : [],
        fee: receipt.gasUsed * receipt.effectiveGasPrice + BigInt(l1Fee),
        time,
        failure,
      });
    }
    const hotNext = sent.filter((tx) => tx.from.toLowerCase() === options.hot)
      .reduce<bigint | null>((max, tx) => {
        const n = BigInt(tx.nonce) + 1n;
        return max === null || n > max ? n : max;
      }, null);
    return { incomes, sightings, unrecognized, hotNext };
  }

  async function forkPoint(cursor: Cursor, state: ScanState): Promise<Rollback> {
    const same = await blockAt(cursor.height);
    if (same !== null && same.hash === state.hash) {
      // The node still has our block yet served a child of another: an inconsistent backend
      // (nodes behind a balancer), not a reorg. Retry rather than undo anything.
      throw new Error(`block ${cursor.height + 1n}: its parent is not block ${cursor.height}`);
    }
    for (let back = 1; back < state.recent.length; back++) {
      const height = cursor.height - BigInt(back);
      const ours = state.recent[state.recent.length - 1 - back];
      const theirs = await blockAt(height);
      if (theirs === null) throw new Error(`block ${height}: missing while resolving a reorg`);
      if (theirs.hash === ours) {
        return {
          to: {
            height,
            time: Number(theirs.timestamp),
            state: {
              hash: ours,
              recent: state.recent.slice(0, state.recent.length - back),
              nonces: state.nonces.filter(([h]) => BigInt(h) <= height),
            },
          },
        };
      }
    }
    throw new Error(`reorg deeper than the ${state.recent.length} blocks kept`);
  }

  /** The highest head seen: blocks up to it exist, so reading them needs no head request. */
  let knownHead = -1n;

  return {
    async initialCursor(): Promise<Cursor> {
      const head = await headBlock();
      if (head.number! > knownHead) knownHead = head.number!;
      return {
        height: head.number!,
        time: Number(head.timestamp),
        state: { hash: head.hash!, recent: [head.hash!], nonces: [] },
      };
    },

    async next(cursor: Cursor, lookup: AccountLookup): Promise<ScannedBlock | Rollback | null> {
      const num = cursor.height + 1n;
      if (num > knownHead) {
        const head = await headBlock();
        if (head.number! < num) return null;
        knownHead = head.number!;
      }
      const block = await blockAt(num);
      if (block === null) {
        knownHead = -1n;
        return null;
      }
      const state = stateOf(cursor);
      if (state.hash && block.parentHash !== state.hash) return await forkPoint(cursor, state);
      const { hotNext, ...found } = await scan(block, lookup);
      const nonces: NonceEntry[] = hotNext === null
        ? state.nonces
        : [...state.nonces, [String(block.number), String(hotNext)]];
      const next: Json = {
        hash: block.hash,
        recent: [...state.recent, block.hash].slice(-options.forkWindow),
        nonces: pruneNonces(nonces, block.number, options.forkWindow),
      };
      return {
        cursor: { height: block.number, time: Number(block.timestamp), state: next },
        ...found,
        transactionCount: block.transactions.length,
      };
    },
  };
}
