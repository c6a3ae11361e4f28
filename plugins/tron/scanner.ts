/**
 * The TRON block scanner: follows blocks one by one and turns the transactions that touch our
 * accounts into incomes (TRX and configured TRC20 tokens) and payload sightings.
 *
 * Decisions:
 * - The cursor is the last ingested block number; `state` is `{ blockId, recent }`: that
 *   block's id and the ids of the blocks before it (at most {@link FORK_WINDOW}, oldest
 *   first). A next block whose parent is not `blockId` means the chain switched to a fork:
 *   the scanner walks back through `recent` to the last block the node still has, and
 *   returns a rollback to it. A fork deeper than the window throws (ingest stops there).
 * - A node whose head is below the next block is "nothing yet" (null), never followed back.
 *   A block the node does not have (a lagging backend answering `{}`) is also null.
 * - Block and transaction infos must both load, and every transaction of the block must have
 *   its info; otherwise `next` throws and the caller retries the same block.
 * - Head: the node is asked for its head (a header only, see `node.ts`) only when the cursor has
 *   reached the last head seen; blocks below it are read straight away. Each block is read
 *   once (`getblockbynum` and `gettransactioninfobyblocknum`), and only again to resolve a fork.
 * - `lookup` is called exactly once per block, with every recipient of a successful TRX, TRC10
 *   or TRC20 transfer (any contract, internal transactions included) and every transaction
 *   owner (for sightings), base58.
 * - Incomes go to deposits only (not the hot wallet), and only in the currency the deposit was
 *   created for: a TRX deposit receiving USDT (or the other way round) yields no income.
 * - TRC20 incomes come from `Transfer` logs of configured contracts only (receipt SUCCESS).
 *   TRX incomes come from successful `TransferContract`s and from the internal transactions of
 *   successful contract calls (TRX a contract sent: exchange payouts, smart-contract wallets),
 *   never from a `rejected` one, with the contract as sender.
 * - `eventIndex`, with the txid the income's identity, must never collide within a
 *   transaction: a Transfer log is its index in `log` (0, 1, …); a `TransferContract` or
 *   `TransferAssetContract` is 0, and its transaction has no logs and no internal
 *   transactions; the value entries of internal transactions (`callValueInfo`, flattened in
 *   order over `internal_transactions`) are -1, -2, …. Negative indexes cannot meet a log index
 *   whatever the number of logs, and the flattened numbering keeps a TRX entry and the TRC10
 *   entries of one internal transaction apart.
 * - Value on a deposit that is no income is reported as unrecognized, never as income: an
 *   unconfigured TRC20 contract, a configured token the deposit was not made for, and TRC10
 *   (`TransferAssetContract`, internal transfers with a `tokenId`; token `TRC10:<id>`). TRX
 *   sent to a token deposit stays unreported: the hot wallet sends TRX to token deposits for
 *   their sweep fees all the time.
 * - Sightings: every transaction owned by one of our accounts; `payloadId` = `txHash` = txid.
 *   `outKeys` is `[txid]` when the contract succeeded (TRX: `contractRet` SUCCESS; contract
 *   calls: receipt SUCCESS and result not FAILED), else `[]`; `outAmounts` follows `outKeys`
 *   (the amount moved, `[]` when nothing moved).
 *
 * @module
 */
import type {
  AccountLookup,
  ChainScanner,
  Cursor,
  IncomeEvent,
  PayloadSighting,
  Rollback,
  ScannedBlock,
  UnrecognizedTransfer,
} from "../../core/plugin.ts";
import { parseTronAddress } from "./address.ts";
import { decodeTrc20Transfers } from "./logs.ts";
import type {
  TronBlock,
  TronBlockTransaction,
  TronInternalTransaction,
  TronNode,
  TronNodeTransactionInfo,
} from "./node.ts";

/** An asset the scanner recognises: TRX (`contract` null) or a TRC20 token. */
export interface TronScannerAsset {
  /** Asset code from config, e.g. `TRX`, `USDT_TRC20`. */
  code: string;
  /** TRC20 contract, base58; null for TRX. */
  contract: string | null;
}

/** Scanner options. */
export interface TronScannerOptions {
  assets: readonly TronScannerAsset[];
  /** Block ids kept to resolve forks (default {@link FORK_WINDOW}). */
  forkWindow?: number;
}

/**
 * Block ids kept in the cursor, by default, to find where a fork left our branch (TRON
 * solidifies at 19); never fewer than the confirmations that make an income final.
 */
export const FORK_WINDOW = 32;

/** The cursor state this scanner keeps. */
interface ScanState {
  blockId: string;
  /** Ids of the blocks up to and including `blockId`, oldest first. */
  recent: string[];
}

function stateOf(cursor: Cursor): ScanState {
  const raw = (cursor.state ?? {}) as { blockId?: unknown; recent?: unknown };
  const blockId = typeof raw.blockId === "string" ? raw.blockId.toLowerCase() : "";
  const recent = Array.isArray(raw.recent) && raw.recent.every((r) => typeof r === "string")
    ? raw.recent as string[]
    : [blockId];
  return { blockId, recent: recent.length ? recent : [blockId] };
}

/** `transfer(address,uint256)` selector. */
const TRANSFER_SELECTOR = "a9059cbb";

/** Base58 form of a node address (base58 or hex), or null when it is not one. */
function canonical(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const parsed = parseTronAddress(value);
  return "error" in parsed ? null : parsed.address;
}

function amountOf(value: unknown): bigint | null {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === "string" && /^\d+$/.test(value)) return BigInt(value);
  return null;
}

/** Token amount of a `transfer(address,uint256)` call, or null for any other call. */
function transferCallAmount(data: unknown): bigint | null {
  if (typeof data !== "string") return null;
  const d = data.replace(/^0x/i, "").toLowerCase();
  if (!d.startsWith(TRANSFER_SELECTOR) || d.length < 8 + 128) return null;
  return BigInt("0x" + d.slice(8 + 64, 8 + 128));
}

/** Prefix of a TRC10 token in `UnrecognizedTransfer.token`: TRC10 ids are numbers, not addresses. */
export const TRC10_TOKEN_PREFIX = "TRC10:";

/**
 * Notes of the internal transactions that move value (java-tron's `Program`: a `CALL` with value,
 * a `CREATE` endowment, a `SELFDESTRUCT` balance), hex as the node prints them. Nodes with
 * `saveFeaturedInternalTx` also list staking operations (`freezeBalanceV2ForEnergy`,
 * `delegateResourceOfEnergy`, …) whose `callValue` is an amount staked or lent, not TRX paid.
 */
const VALUE_NOTES = new Set(
  ["call", "create", "suicide"].map((n) =>
    [...new TextEncoder().encode(n)].map((b) => b.toString(16).padStart(2, "0")).join("")
  ),
);

/** A value entry of an internal transaction, with its `eventIndex`. */
interface InternalValue {
  internal: TronInternalTransaction;
  /** TRC10 id, or null for TRX. */
  tokenId: string | null;
  amount: bigint;
  eventIndex: number;
}

/** Every value entry of the internal transactions, numbered -1, -2, … (see the module notes). */
function internalValues(info: TronNodeTransactionInfo): InternalValue[] {
  const out: InternalValue[] = [];
  let k = 0;
  for (const internal of info.internal_transactions ?? []) {
    for (const entry of internal.callValueInfo ?? []) {
      k++;
      const amount = amountOf(entry.callValue ?? 0);
      if (internal.rejected === true || amount === null || amount === 0n) continue;
      if (!VALUE_NOTES.has((internal.note ?? "").toLowerCase())) continue;
      const tokenId = entry.tokenId === undefined || entry.tokenId === "" ? null : entry.tokenId;
      out.push({ internal, tokenId, amount, eventIndex: -k });
    }
  }
  return out;
}

/** Whether the transaction's contract executed successfully. */
function succeeded(tx: TronBlockTransaction, info: TronNodeTransactionInfo): boolean {
  const ret = tx.ret?.[0]?.contractRet;
  if (tx.raw_data.contract[0].type === "TriggerSmartContract") {
    const failed = info.result !== undefined && info.result !== "SUCESS" &&
      info.result !== "SUCCESS";
    return !failed && info.receipt?.result === "SUCCESS";
  }
  return ret === "SUCCESS";
}

/** What the chain says went wrong, e.g. `OUT_OF_ENERGY` or `REVERT`. */
function failureOf(tx: TronBlockTransaction, info: TronNodeTransactionInfo): string {
  const ret = tx.ret?.[0]?.contractRet;
  if (ret && ret !== "SUCCESS") return ret;
  return info.receipt?.result ?? info.result ?? "FAILED";
}

/** Creates the scanner. */
export function createTronScanner(node: TronNode, options: TronScannerOptions): ChainScanner {
  const trx = options.assets.find((a) => a.contract === null)?.code ?? null;
  const forkWindow = options.forkWindow ?? FORK_WINDOW;
  /** Base58 contract → asset code. */
  const tokens = new Map<string, string>();
  for (const asset of options.assets) {
    if (asset.contract === null) continue;
    const address = canonical(asset.contract);
    if (address === null) throw new TypeError(`asset ${asset.code}: invalid TRC20 contract`);
    tokens.set(address, asset.code);
  }

  async function load(num: number): Promise<
    { block: TronBlock; infos: Map<string, TronNodeTransactionInfo> } | null
  > {
    const [block, infoList] = await Promise.all([
      node.blockByNum(num),
      node.transactionInfoByBlockNum(num),
    ]);
    if (block === null) return null;
    const infos = new Map(infoList.map((i) => [i.id, i]));
    for (const tx of block.transactions) {
      // An info list from a node that lacks the block (or a partial one) must not pass.
      if (!infos.has(tx.txID)) throw new Error(`TRON block ${num}: transaction info missing`);
    }
    return { block, infos };
  }

  async function scan(
    block: TronBlock,
    infos: Map<string, TronNodeTransactionInfo>,
    lookup: AccountLookup,
  ): Promise<
    { incomes: IncomeEvent[]; sightings: PayloadSighting[]; unrecognized: UnrecognizedTransfer[] }
  > {
    const time = Math.floor(block.timestamp / 1000);
    const height = BigInt(block.number);
    /**
     * A transfer to someone. `currency` is the asset it would credit (null: none is configured
     * for it); `token` names it when it reaches a deposit that does not count it (null: not
     * reported, TRX to a token deposit).
     */
    type Candidate =
      & Omit<IncomeEvent, "blockHeight" | "time" | "comment" | "binaryComment" | "currency">
      & { currency: string | null; token: string | null };
    const candidates: Candidate[] = [];
    const owned: { tx: TronBlockTransaction; owner: string; info: TronNodeTransactionInfo }[] = [];
    const addresses = new Set<string>();
    const add = (candidate: Candidate): void => {
      addresses.add(candidate.to);
      candidates.push(candidate);
    };

    for (const tx of block.transactions) {
      const info = infos.get(tx.txID)!;
      const contract = tx.raw_data.contract[0];
      const value = contract.parameter.value;
      const owner = canonical(value.owner_address);
      if (owner !== null) {
        addresses.add(owner);
        owned.push({ tx, owner, info });
      }
      const ok = tx.ret?.[0]?.contractRet === "SUCCESS";
      if (
        ok && (contract.type === "TransferContract" || contract.type === "TransferAssetContract")
      ) {
        const to = canonical(value.to_address);
        const amount = amountOf(value.amount);
        if (to !== null && amount !== null && amount > 0n) {
          const trc10 = contract.type === "TransferAssetContract";
          const assetName = typeof value.asset_name === "string" ? value.asset_name : "";
          add({
            currency: trc10 ? null : trx,
            token: trc10 ? TRC10_TOKEN_PREFIX + assetName : null,
            to,
            from: owner,
            amount,
            txHash: tx.txID,
            eventIndex: 0,
          });
        }
      }
      for (const t of decodeTrc20Transfers(info, "any")) {
        add({
          currency: tokens.get(t.contract) ?? null,
          token: t.contract,
          to: t.to,
          from: t.from,
          amount: t.amount,
          txHash: tx.txID,
          eventIndex: t.logIndex,
        });
      }
      // Both the transaction's result and its info must say it succeeded: a failed call's
      // internal transactions moved nothing, whether or not the node marked them rejected.
      if (ok && succeeded(tx, info)) {
        for (const v of internalValues(info)) {
          const to = canonical(v.internal.transferTo_address);
          if (to === null) continue;
          add({
            currency: v.tokenId === null ? trx : null,
            token: v.tokenId === null ? null : TRC10_TOKEN_PREFIX + v.tokenId,
            to,
            from: canonical(v.internal.caller_address),
            amount: v.amount,
            txHash: tx.txID,
            eventIndex: v.eventIndex,
          });
        }
      }
    }

    const ours = await lookup([...addresses]);

    const incomes: IncomeEvent[] = [];
    const unrecognized: UnrecognizedTransfer[] = [];
    for (const { token, currency, ...c } of candidates) {
      const account = ours.get(c.to);
      if (!account || account.kind !== "deposit" || account.owner !== null) continue;
      if (currency !== null && account.currency === currency) {
        incomes.push({
          ...c,
          currency,
          comment: null,
          binaryComment: null,
          blockHeight: height,
          time,
        });
      } else if (token !== null) {
        // An unknown token, or a known one sent to a deposit made for another currency: the
        // tokens sit on our address, so a person gets to see them.
        unrecognized.push({
          to: c.to,
          token,
          from: c.from,
          amount: c.amount,
          comment: null,
          binaryComment: null,
          txHash: c.txHash,
          eventIndex: c.eventIndex,
          time,
        });
      }
    }

    const sightings: PayloadSighting[] = [];
    for (const { tx, owner, info } of owned) {
      if (!ours.has(owner)) continue;
      const contract = tx.raw_data.contract[0];
      const value = contract.parameter.value;
      const amount = contract.type === "TransferContract"
        ? amountOf(value.amount) ?? 0n
        : contract.type === "TriggerSmartContract"
        ? transferCallAmount(value.data) ?? 0n
        : 0n;
      const ok = succeeded(tx, info);
      sightings.push({
        payloadId: tx.txID,
        txHash: tx.txID,
        outKeys: ok ? [tx.txID] : [],
        outAmounts: ok ? [amount] : [],
        fee: BigInt(info.fee ?? 0),
        time,
        failure: ok ? null : failureOf(tx, info),
      });
    }
    return { incomes, sightings, unrecognized };
  }

  /** Where our branch and the node's meet, walking back through `state.recent`. */
  async function forkPoint(cursor: Cursor, state: ScanState): Promise<Rollback> {
    const top = Number(cursor.height);
    const same = await node.blockByNum(top);
    // The node still has our block, yet served a child of another: an inconsistent backend
    // (a load balancer between nodes), not a fork. Retry rather than undo anything.
    if (same !== null && same.id === state.blockId) {
      throw new Error(`TRON block ${top + 1}: its parent is not block ${top} as the node has it`);
    }
    for (let back = 1; back < state.recent.length; back++) {
      const num = top - back;
      const ours = state.recent[state.recent.length - 1 - back];
      const theirs = await node.blockByNum(num);
      if (theirs === null) throw new Error(`TRON block ${num}: missing while resolving a fork`);
      if (theirs.id === ours) {
        const recent = state.recent.slice(0, state.recent.length - back);
        return {
          to: {
            height: BigInt(num),
            time: Math.floor(theirs.timestamp / 1000),
            state: { blockId: ours, recent },
          },
        };
      }
    }
    throw new Error(
      `TRON fork deeper than the ${state.recent.length} blocks kept: block ${top} is gone`,
    );
  }

  /**
   * The highest head the node reported; blocks up to it exist, so reading them needs no head
   * request. -1 until the first head request, and again after the node lacked a block.
   */
  let knownHead = -1;

  return {
    async initialCursor(): Promise<Cursor> {
      const head = await node.nowBlock();
      knownHead = Math.max(knownHead, head.number);
      return {
        height: BigInt(head.number),
        time: Math.floor(head.timestamp / 1000),
        state: { blockId: head.id, recent: [head.id] },
      };
    },

    async next(cursor: Cursor, lookup: AccountLookup): Promise<ScannedBlock | Rollback | null> {
      const num = Number(cursor.height) + 1;
      if (num > knownHead) {
        // Caught up with the last head seen: only now is the head worth a request.
        const head = await node.nowBlock();
        // A node behind the cursor (another backend, a restart) is waited for, never followed
        // back.
        if (head.number < num) return null;
        knownHead = head.number;
      }
      const loaded = await load(num);
      if (loaded === null) {
        // The node (or the backend behind a balancer that answered) lacks a block it reported:
        // ask for the head again next time rather than trust the old one.
        knownHead = -1;
        return null;
      }
      const { block, infos } = loaded;
      const state = stateOf(cursor);
      if (state.blockId && block.parentId && block.parentId !== state.blockId) {
        return await forkPoint(cursor, state);
      }
      const found = await scan(block, infos, lookup);
      return {
        cursor: {
          height: BigInt(block.number),
          time: Math.floor(block.timestamp / 1000),
          state: { blockId: block.id, recent: [...state.recent, block.id].slice(-forkWindow) },
        },
        ...found,
        transactionCount: block.transactions.length,
      };
    },
  };
}
