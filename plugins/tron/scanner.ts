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
 * - `lookup` is called exactly once per block, with every recipient of a successful TRX or
 *   TRC20 transfer (any contract) and every transaction owner (for sightings), base58.
 * - Incomes go to deposits only (not the hot wallet), and only in the currency the deposit was
 *   created for: a TRX deposit receiving USDT (or the other way round) yields no income.
 * - TRC20 incomes come from `Transfer` logs of configured contracts only (receipt SUCCESS);
 *   `eventIndex` is the log index. TRX incomes have `eventIndex` 0 (one contract per tx).
 * - Token transfers to a deposit that are no income (an unconfigured contract, or a token the
 *   deposit was not made for) are reported as unrecognized, never as incomes.
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
import type { TronBlock, TronBlockTransaction, TronNode, TronNodeTransactionInfo } from "./node.ts";

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
    /** A transfer to someone; `currency` null for a token no asset is configured for. */
    type Candidate =
      & Omit<IncomeEvent, "blockHeight" | "time" | "comment" | "binaryComment" | "currency">
      & { currency: string | null; contract: string | null };
    const candidates: Candidate[] = [];
    const owned: { tx: TronBlockTransaction; owner: string; info: TronNodeTransactionInfo }[] = [];
    const addresses = new Set<string>();

    for (const tx of block.transactions) {
      const info = infos.get(tx.txID)!;
      const contract = tx.raw_data.contract[0];
      const value = contract.parameter.value;
      const owner = canonical(value.owner_address);
      if (owner !== null) {
        addresses.add(owner);
        owned.push({ tx, owner, info });
      }
      if (
        trx !== null && contract.type === "TransferContract" &&
        tx.ret?.[0]?.contractRet === "SUCCESS"
      ) {
        const to = canonical(value.to_address);
        const amount = amountOf(value.amount);
        if (to !== null && amount !== null && amount > 0n) {
          addresses.add(to);
          candidates.push({
            currency: trx,
            contract: null,
            to,
            from: owner,
            amount,
            txHash: tx.txID,
            eventIndex: 0,
          });
        }
      }
      for (const t of decodeTrc20Transfers(info, "any")) {
        addresses.add(t.to);
        candidates.push({
          currency: tokens.get(t.contract) ?? null,
          contract: t.contract,
          to: t.to,
          from: t.from,
          amount: t.amount,
          txHash: tx.txID,
          eventIndex: t.logIndex,
        });
      }
    }

    const ours = await lookup([...addresses]);

    const incomes: IncomeEvent[] = [];
    const unrecognized: UnrecognizedTransfer[] = [];
    for (const { contract, currency, ...c } of candidates) {
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
      } else if (contract !== null) {
        // An unknown token, or a known one sent to a deposit made for another currency: the
        // tokens sit on our address, so a person gets to see them.
        unrecognized.push({
          to: c.to,
          token: contract,
          from: c.from,
          amount: c.amount,
          comment: null,
          binaryComment: null,
          txHash: c.txHash,
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

  return {
    async initialCursor(): Promise<Cursor> {
      const head = await node.nowBlock();
      return {
        height: BigInt(head.number),
        time: Math.floor(head.timestamp / 1000),
        state: { blockId: head.id, recent: [head.id] },
      };
    },

    async next(cursor: Cursor, lookup: AccountLookup): Promise<ScannedBlock | Rollback | null> {
      const num = Number(cursor.height) + 1;
      const head = await node.nowBlock();
      // A node behind the cursor (another backend, a restart) is waited for, never followed back.
      if (head.number < num) return null;
      const loaded = await load(num);
      if (loaded === null) return null;
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
