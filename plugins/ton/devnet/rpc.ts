/**
 * toncenter API v2 method implementations over a {@link TonChain}.
 *
 * @module
 */
import { createHash } from "node:crypto";
import {
  Address,
  beginCell,
  Cell,
  Dictionary,
  external,
  loadMessage,
  storeMessage,
  type Transaction,
} from "@ton/core";
import { GetMethodError } from "@ton/sandbox";
import { WalletContractV3R2, WalletContractV4, WalletContractV5R1 } from "@ton/ton";
import { type ChainBlock, type ChainTx, FULL_SHARD } from "./blocks.ts";
import type { AccountSnapshot, TonChain } from "./chain.ts";
import type { DevnetFaults } from "../../../devnet/faults.ts";
import {
  blockHeaderJson,
  blockIdJson,
  friendlyAddress,
  type Json,
  parseStack,
  shortTxJson,
  stackJson,
  transactionJson,
} from "./format.ts";

/** A JSON-RPC failure with the HTTP status toncenter would use. */
export class RpcError extends Error {
  /** HTTP status / toncenter `code`. */
  readonly code: number;

  /** @param code HTTP status; @param message toncenter-style error text. */
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/** What the method handlers need. */
export interface RpcContext {
  /** The chain. */
  chain: TonChain;
  /** Fault state (lag, dropped externals). */
  faults: DevnetFaults;
  /** Reject externals the target contract would not accept, like a liteserver does. */
  checkExternals: boolean;
  /**
   * Most transactions one getBlockTransactions(Ext) call answers, whatever `count` asks: a
   * real server may answer fewer than `count` (with `incomplete: true`), and a small page
   * size makes clients page in ordinary tests. Unset: up to `count`.
   */
  blockPageSize?: number;
}

type Params = Record<string, unknown>;
type Handler = (ctx: RpcContext, p: Params) => Promise<Json> | Json;

const ZERO_HASH_B64 = Buffer.alloc(32).toString("base64");
/** global_id of the sandbox's default (mainnet) config. */
const GLOBAL_ID = -239;

function invalid(message: string): RpcError {
  return new RpcError(422, message);
}

function notFound(message: string): RpcError {
  return new RpcError(404, message);
}

function intParam(p: Params, name: string, fallback?: number): number {
  const v = p[name];
  if (v === undefined || v === null || v === "") {
    if (fallback !== undefined) return fallback;
    throw invalid(`missing parameter ${name}`);
  }
  const n = typeof v === "number"
    ? v
    : typeof v === "string" && /^-?\d+$/.test(v)
    ? Number(v)
    : NaN;
  if (!Number.isSafeInteger(n)) throw invalid(`parameter ${name} must be an integer`);
  return n;
}

function optBigParam(p: Params, name: string): bigint | undefined {
  const v = p[name];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
  throw invalid(`parameter ${name} must be an integer`);
}

function strParam(p: Params, name: string): string {
  const v = p[name];
  if (typeof v !== "string" || v === "") throw invalid(`missing parameter ${name}`);
  return v;
}

function addressParam(p: Params, name = "address"): Address {
  const s = strParam(p, name);
  try {
    return Address.parse(s.trim());
  } catch {
    throw invalid(`parameter ${name} is not a valid address`);
  }
}

/** Accepts "-9223372036854775808", "0x8000000000000000", "8000000000000000" (hex without sign). */
function shardParam(p: Params): bigint {
  const v = p.shard;
  let n: bigint;
  try {
    if (typeof v === "number") n = BigInt(v);
    else if (typeof v === "string" && /^-?\d+$/.test(v) && !/^[0-9a-fA-F]{16}$/.test(v)) {
      n = BigInt(v);
    } else if (typeof v === "string" && /^(0x)?[0-9a-fA-F]{1,16}$/.test(v)) {
      n = BigInt(v.startsWith("0x") ? v : "0x" + v);
    } else throw new Error();
  } catch {
    throw invalid("parameter shard must be a signed 64-bit integer");
  }
  return BigInt.asIntN(64, n);
}

/** A 32-byte hash given as hex or (url-safe) base64. */
function hashBytes(v: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, "hex");
  const b = Buffer.from(v.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  return b.length === 32 ? b : null;
}

function bocParam(p: Params, name: string): Cell {
  const s = strParam(p, name);
  try {
    return Cell.fromBase64(s);
  } catch {
    throw new RpcError(400, `parameter ${name} is not a valid base64 BOC`);
  }
}

/**
 * The answer for a block the node does not have, as recorded from toncenter
 * (`tests/fixtures/ton/toncenter_v2/testnet_aiotx_vcr/getBlockTransactions_error_500_block_not_found.json`:
 * HTTP 500, `LITE_SERVER_NOTREADY: cannot find block (0,000000124b0e9688) seqno=0: ltdb: block
 * not found`).
 */
export function blockNotFound(workchain: number, shard: bigint, seqno: number): RpcError {
  const hex = BigInt.asUintN(64, shard).toString(16).padStart(16, "0");
  return new RpcError(
    500,
    `LITE_SERVER_NOTREADY: cannot find block (${workchain},${hex}) seqno=${seqno}: ltdb: block not found`,
  );
}

function findBlock(ctx: RpcContext, p: Params): ChainBlock {
  const workchain = intParam(p, "workchain");
  const shard = shardParam(p);
  const seqno = intParam(p, "seqno");
  const block = ctx.chain.block(workchain, seqno, shard);
  if (!block) throw blockNotFound(workchain, shard, seqno);
  return block;
}

/** Where a transaction sits in a block: blocks list transactions by (account id, lt). */
export interface BlockPosition {
  /** Account id (the address without its workchain), 64 lowercase hex digits. */
  account: string;
  /** Logical time. */
  lt: bigint;
}

/** What a getBlockTransactions(Ext) call asks for. */
export interface BlockPageRequest {
  /** Most transactions wanted. */
  count: number;
  /** Answer only transactions strictly after this one; null from the block's start. */
  after: BlockPosition | null;
}

/**
 * The account id of `after_hash`, as toncenter's ton-http-api-cpp reads it
 * (`src/userver/chaotic/io/ton_http/types/ton_addr_without_workchain.cpp`): an address in any
 * form, else a 32-byte value in hex (64 digits) or base64 / base64url (44 or 43 characters).
 * The Python ton-http-api (`pyTON/main.py`, `prepare_hash`) takes the hex and 44-character
 * forms. Either way it names an account, never a transaction.
 */
function accountIdParam(v: string): string | null {
  try {
    return Address.parse(v).hash.toString("hex");
  } catch {
    // Not an address: a bare account id.
  }
  if (/^[0-9a-fA-F]{64}$/.test(v)) return v.toLowerCase();
  if (v.length === 44 || v.length === 43) {
    const bytes = Buffer.from(v.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (bytes.length === 32) return bytes.toString("hex");
  }
  return null;
}

/**
 * Reads and validates the paging parameters as ton-http-api-cpp does
 * (`src/handlers/transactions/GetBlockTransactionsExtHandler.cpp`, `ValidateRequest`): count
 * defaults to 40 and must be within 1..10000, `after_lt` and `after_hash` come together, and
 * `after_lt` is not negative. Failures are HTTP 422.
 */
export function blockPageRequest(p: Params): BlockPageRequest {
  const count = intParam(p, "count", 40);
  if (count <= 0) throw invalid("count should be positive");
  if (count > 10000) throw invalid("count should be less or equal 10000");
  const afterLt = optBigParam(p, "after_lt");
  const afterHash = typeof p.after_hash === "string" && p.after_hash !== "" ? p.after_hash : null;
  if ((afterLt === undefined) !== (afterHash === null)) {
    throw invalid("after_lt and after_hash should be used together");
  }
  if (afterLt === undefined || afterHash === null) return { count, after: null };
  if (afterLt < 0n) throw invalid("after_lt should be non-negative");
  const account = accountIdParam(afterHash);
  if (account === null) throw invalid("failed to parse after_hash");
  return { count, after: { account, lt: afterLt } };
}

/**
 * One page of a block's transactions (`txs` in block order: by account id, then lt): those
 * strictly after `request.after`, at most `request.count` and at most `limit` (the server's
 * own page size), and whether more follow. This is the liteserver's `listBlockTransactions`
 * as toncenter pages it (ton-http-api-cpp `src/core/tonlib_worker_transactions.cpp` resumes
 * from the last transaction's (account, lt)).
 */
export function blockPage<T>(
  txs: readonly T[],
  positionOf: (tx: T) => BlockPosition,
  request: BlockPageRequest,
  limit: number = Infinity,
): { page: T[]; incomplete: boolean } {
  const after = request.after;
  const start = after === null ? 0 : txs.findIndex((t) => {
    const at = positionOf(t);
    return at.account > after.account || (at.account === after.account && at.lt > after.lt);
  });
  const from = start < 0 ? txs.length : start;
  const size = Math.max(1, Math.min(request.count, limit));
  const page = txs.slice(from, from + size);
  return { page, incomplete: from + page.length < txs.length };
}

function lastTxIdJson(s: AccountSnapshot, typed = true): Json {
  const id: Record<string, Json> = {
    lt: s.lastLt.toString(),
    hash: s.lastLt === 0n ? ZERO_HASH_B64 : s.lastHash.toString("base64"),
  };
  return typed ? { "@type": "internal.transactionId", ...id } : id;
}

function cellB64(c: Cell | null): string {
  return c ? c.toBoc().toString("base64") : "";
}

interface WalletKind {
  type: string;
  tonlibType: string | null;
  revision: number;
  seqno: number;
  walletId: number;
}

let walletCodes: Map<string, "v3r2" | "v4" | "v5r1"> | undefined;

/** Recognizes standard wallets by code hash and reads seqno/wallet_id from data. */
function walletKind(s: AccountSnapshot): WalletKind | null {
  if (s.state !== "active" || !s.code || !s.data) return null;
  if (!walletCodes) {
    const publicKey = Buffer.alloc(32);
    walletCodes = new Map([
      [
        WalletContractV3R2.create({ workchain: 0, publicKey }).init.code.hash().toString("hex"),
        "v3r2",
      ],
      [WalletContractV4.create({ workchain: 0, publicKey }).init.code.hash().toString("hex"), "v4"],
      [WalletContractV5R1.create({ publicKey }).init.code.hash().toString("hex"), "v5r1"],
    ]);
  }
  const kind = walletCodes.get(s.code.hash().toString("hex"));
  if (!kind) return null;
  try {
    const d = s.data.beginParse();
    if (kind === "v5r1") d.skip(1);
    const seqno = d.loadUint(32);
    const walletId = d.loadUint(32);
    if (kind === "v3r2") {
      return {
        type: "wallet v3 r2",
        tonlibType: "wallet.v3.accountState",
        revision: 2,
        seqno,
        walletId,
      };
    }
    if (kind === "v4") {
      return {
        type: "wallet v4 r2",
        tonlibType: "wallet.v4.accountState",
        revision: 2,
        seqno,
        walletId,
      };
    }
    return { type: "wallet v5 r1", tonlibType: null, revision: 0, seqno, walletId };
  } catch {
    return null;
  }
}

function syncInfo(ctx: RpcContext): { block_id: Json; sync_utime: number } {
  const last = ctx.chain.lastMaster();
  return { block_id: blockIdJson(last.id) as unknown as Json, sync_utime: last.genUtime };
}

function blockTransactions(ctx: RpcContext, p: Params, ext: boolean): Json {
  const block = findBlock(ctx, p);
  const request = blockPageRequest(p);
  const { page, incomplete } = blockPage(
    block.txs,
    (t) => ({ account: t.address.hash.toString("hex"), lt: t.lt }),
    request,
    ctx.blockPageSize,
  );
  return {
    "@type": ext ? "blocks.transactionsExt" : "blocks.transactions",
    id: blockIdJson(block.id) as unknown as Json,
    req_count: request.count,
    incomplete,
    transactions: page.map((t) => (ext ? transactionJson(t, "ext") : shortTxJson(t))),
  };
}

function getTransactions(ctx: RpcContext, p: Params): Json {
  const address = addressParam(p);
  const limit = intParam(p, "limit", 10);
  if (limit < 1) throw invalid("parameter limit must be positive");
  const lt = optBigParam(p, "lt");
  const toLt = optBigParam(p, "to_lt") ?? 0n;
  const hashStr = typeof p.hash === "string" && p.hash !== "" ? p.hash : null;
  const txs = ctx.chain.accountTxs(address);
  let i = txs.length - 1;
  if (lt !== undefined) {
    while (i >= 0 && txs[i].lt > lt) i--;
    if (hashStr !== null) {
      const hash = hashBytes(hashStr);
      if (!hash) throw invalid("parameter hash must be a 32-byte hex or base64 value");
      if (i < 0 || txs[i].lt !== lt || !txs[i].hash.equals(hash)) {
        throw notFound("LITE_SERVER_UNKNOWN: cannot locate transaction");
      }
    }
  }
  const out: Json[] = [];
  for (; i >= 0 && out.length < limit && txs[i].lt > toLt; i--) {
    out.push(transactionJson(txs[i], "list"));
  }
  return out;
}

async function addressInformation(ctx: RpcContext, p: Params): Promise<Json> {
  const s = await ctx.chain.account(addressParam(p));
  return {
    "@type": "raw.fullAccountState",
    balance: s.balance.toString(),
    extra_currencies: [],
    code: cellB64(s.code),
    data: cellB64(s.data),
    last_transaction_id: lastTxIdJson(s),
    ...syncInfo(ctx),
    frozen_hash: s.frozenHash ? s.frozenHash.toString("base64") : "",
    state: s.state,
  };
}

async function extendedAddressInformation(ctx: RpcContext, p: Params): Promise<Json> {
  const s = await ctx.chain.account(addressParam(p));
  const w = walletKind(s);
  let accountState: Json;
  if (s.state === "uninitialized") {
    accountState = { "@type": "uninited.accountState", frozen_hash: "" };
  } else if (w?.tonlibType) {
    accountState = { "@type": w.tonlibType, wallet_id: String(w.walletId), seqno: w.seqno };
  } else {
    accountState = {
      "@type": "raw.accountState",
      code: cellB64(s.code),
      data: cellB64(s.data),
      frozen_hash: s.frozenHash ? s.frozenHash.toString("base64") : "",
    };
  }
  const sync = syncInfo(ctx);
  return {
    "@type": "fullAccountState",
    address: { "@type": "accountAddress", account_address: friendlyAddress(s.address) },
    balance: s.balance.toString(),
    extra_currencies: [],
    last_transaction_id: lastTxIdJson(s),
    block_id: sync.block_id,
    sync_utime: sync.sync_utime,
    account_state: accountState,
    revision: w?.tonlibType ? w.revision : 0,
  };
}

async function walletInformation(ctx: RpcContext, p: Params): Promise<Json> {
  const s = await ctx.chain.account(addressParam(p));
  const w = walletKind(s);
  const base: Record<string, Json> = {
    wallet: w !== null,
    balance: s.balance.toString(),
    extra_currencies: [],
    account_state: s.state,
  };
  if (w) {
    base.wallet_type = w.type;
    base.seqno = w.seqno;
  }
  base.last_transaction_id = lastTxIdJson(s, false);
  if (w) base.wallet_id = String(w.walletId);
  return base;
}

async function runGetMethod(ctx: RpcContext, p: Params): Promise<Json> {
  const address = addressParam(p);
  const m = p.method;
  let method: string | number;
  if (typeof m === "number" && Number.isInteger(m)) method = m;
  else if (typeof m === "string" && /^-?\d+$/.test(m)) method = Number(m);
  else if (typeof m === "string" && m !== "") method = m;
  else throw invalid("missing parameter method");
  let stack;
  try {
    stack = parseStack(typeof p.stack === "string" ? JSON.parse(p.stack) : p.stack);
  } catch (e) {
    throw invalid(`invalid stack: ${e instanceof Error ? e.message : e}`);
  }
  const chain = ctx.chain;
  const { result, state } = await chain.exclusive(async () => {
    const contract = await chain.blockchain.getContract(address);
    const state = contract.accountState;
    const snapshot = { lt: contract.lastTransactionLt, hash: contract.lastTransactionHash };
    if (state?.type !== "active") {
      return { result: { gasUsed: 0n, exitCode: -13, stack: [] }, state: snapshot };
    }
    try {
      const r = await chain.blockchain.runGetMethod(address, method, stack);
      return {
        result: { gasUsed: r.gasUsed, exitCode: r.exitCode, stack: r.stack },
        state: snapshot,
      };
    } catch (e) {
      if (e instanceof GetMethodError) {
        return { result: { gasUsed: e.gasUsed, exitCode: e.exitCode, stack: [] }, state: snapshot };
      }
      throw new RpcError(500, `LITE_SERVER_UNKNOWN: ${e instanceof Error ? e.message : e}`);
    }
  });
  return {
    "@type": "smc.runResult",
    gas_used: Number(result.gasUsed),
    stack: stackJson(result.stack),
    exit_code: result.exitCode,
    block_id: syncInfo(ctx).block_id,
    last_transaction_id: {
      "@type": "internal.transactionId",
      lt: state.lt.toString(),
      hash: state.lt === 0n
        ? ZERO_HASH_B64
        : Buffer.from(state.hash.toString(16).padStart(64, "0"), "hex").toString("base64"),
    },
  };
}

/** TEP-467 normalized hash: src/import_fee/init dropped, body forced into a ref. */
function normalizedHash(cell: Cell): Buffer {
  const msg = loadMessage(cell.beginParse());
  if (msg.info.type !== "external-in") return cell.hash();
  return beginCell()
    .storeUint(0b10, 2)
    .storeUint(0, 2)
    .storeAddress(msg.info.dest)
    .storeCoins(0)
    .storeBit(0)
    .storeBit(1)
    .storeRef(msg.body)
    .endCell()
    .hash();
}

async function sendBoc(ctx: RpcContext, p: Params): Promise<Cell> {
  const cell = bocParam(p, "boc");
  let ok = false;
  try {
    ok = loadMessage(cell.beginParse()).info.type === "external-in";
  } catch {
    ok = false;
  }
  if (!ok) throw new RpcError(400, "LITE_SERVER_UNKNOWN: BOC is not an inbound external message");
  if (ctx.checkExternals) {
    const res = await ctx.chain.emulateExternal(cell);
    if (!res.accepted) {
      throw new RpcError(
        500,
        `LITE_SERVER_UNKNOWN: cannot apply external message to current state : ${res.error}`,
      );
    }
  }
  if (!ctx.faults.takeDrop()) ctx.chain.enqueueExternal(cell);
  return cell;
}

function feesOf(
  tx: Transaction,
): { in_fwd_fee: number; storage_fee: number; gas_fee: number; fwd_fee: number } {
  const d = tx.description;
  let storage = 0n, gas = 0n, fwd = 0n, action = 0n;
  if (d.type === "generic") {
    storage = d.storagePhase?.storageFeesCollected ?? 0n;
    if (d.computePhase.type === "vm") gas = d.computePhase.gasFees;
    fwd = d.actionPhase?.totalFwdFees ?? 0n;
    action = d.actionPhase?.totalActionFees ?? 0n;
  }
  const inFwd = tx.totalFees.coins - storage - gas - action;
  return {
    in_fwd_fee: Number(inFwd > 0n ? inFwd : 0n),
    storage_fee: Number(storage),
    gas_fee: Number(gas),
    fwd_fee: Number(fwd),
  };
}

async function estimateFee(ctx: RpcContext, p: Params): Promise<Json> {
  const address = addressParam(p);
  const body = bocParam(p, "body");
  const code = typeof p.init_code === "string" && p.init_code !== ""
    ? bocParam(p, "init_code")
    : null;
  const data = typeof p.init_data === "string" && p.init_data !== ""
    ? bocParam(p, "init_data")
    : null;
  const ignoreChksig = p.ignore_chksig === undefined
    ? true
    : p.ignore_chksig !== false && p.ignore_chksig !== "false";
  const msg = external({ to: address, body, init: code || data ? { code, data } : undefined });
  const cell = beginCell().store(storeMessage(msg)).endCell();
  const res = await ctx.chain.emulateExternal(cell, ignoreChksig);
  if (!res.accepted) throw new RpcError(500, `LITE_SERVER_UNKNOWN: ${res.error}`);
  return {
    "@type": "query.fees",
    source_fees: { "@type": "fees", ...feesOf(res.tx) },
    destination_fees: [],
  };
}

function locate(ctx: RpcContext, p: Params, side: "result" | "source"): Json {
  const source = addressParam(p, "source");
  const destination = addressParam(p, "destination");
  const createdLt = optBigParam(p, "created_lt");
  if (createdLt === undefined) throw invalid("missing parameter created_lt");
  const matches = (c: Cell | null): boolean => {
    if (!c) return false;
    const m = loadMessage(c.beginParse());
    return m.info.type === "internal" && m.info.createdLt === createdLt &&
      m.info.src.equals(source) && m.info.dest.equals(destination);
  };
  const owner = side === "result" ? destination : source;
  const found = ctx.chain.accountTxs(owner).find((t: ChainTx) => {
    const refs = t.tx.raw.refs[0].beginParse();
    const inMsg = refs.loadMaybeRef();
    if (side === "result") return matches(inMsg);
    const outs = refs.loadDict(Dictionary.Keys.Uint(15), Dictionary.Values.Cell());
    return outs.values().some(matches);
  });
  if (!found) throw notFound("LITE_SERVER_UNKNOWN: cannot locate transaction");
  return transactionJson(found, "list");
}

function lookupBlock(ctx: RpcContext, p: Params): Json {
  const workchain = intParam(p, "workchain");
  const shard = shardParam(p);
  const blocks = ctx.chain.blocks(workchain).filter((b) => b.id.shard === shard);
  let block: ChainBlock | undefined;
  const lt = optBigParam(p, "lt");
  const utime = p.unixtime === undefined || p.unixtime === "" ? undefined : intParam(p, "unixtime");
  if (p.seqno !== undefined && p.seqno !== "") {
    block = ctx.chain.block(workchain, intParam(p, "seqno"), shard);
  } else if (lt !== undefined) {
    block = blocks.find((b) => b.startLt <= lt && lt < b.endLt);
  } else if (utime !== undefined) {
    block = blocks.findLast((b) => b.genUtime <= utime);
  } else {
    throw invalid("one of seqno, lt, unixtime is required");
  }
  if (!block) throw notFound("LITE_SERVER_NOTREADY: block is not in db");
  return blockIdJson(block.id) as unknown as Json;
}

function stateRootHash(block: ChainBlock): string {
  return createHash("sha256").update("devnet-state:").update(block.id.rootHash).digest("base64");
}

const handlers: Record<string, Handler> = {
  getMasterchainInfo(ctx) {
    const blocks = ctx.chain.blocks(-1);
    const last = blocks[Math.max(0, blocks.length - 1 - ctx.faults.lag)];
    return {
      "@type": "blocks.masterchainInfo",
      last: blockIdJson(last.id) as unknown as Json,
      state_root_hash: stateRootHash(last),
      init: blockIdJson(ctx.chain.init) as unknown as Json,
    };
  },
  getConsensusBlock(ctx) {
    const last = ctx.chain.lastMaster();
    return { consensus_block: last.id.seqno, timestamp: last.genUtime };
  },
  shards(ctx, p) {
    const seqno = intParam(p, "seqno");
    const block = ctx.chain.block(-1, seqno);
    if (!block) throw blockNotFound(-1, FULL_SHARD, seqno);
    return {
      "@type": "blocks.shards",
      shards: block.shards.map((s) => blockIdJson(s) as unknown as Json),
    };
  },
  getBlockHeader: (ctx, p) => blockHeaderJson(findBlock(ctx, p), GLOBAL_ID),
  lookupBlock,
  getBlockTransactions: (ctx, p) => blockTransactions(ctx, p, false),
  getBlockTransactionsExt: (ctx, p) => blockTransactions(ctx, p, true),
  getTransactions,
  tryLocateTx: (ctx, p) => locate(ctx, p, "result"),
  tryLocateResultTx: (ctx, p) => locate(ctx, p, "result"),
  tryLocateSourceTx: (ctx, p) => locate(ctx, p, "source"),
  getAddressInformation: addressInformation,
  getExtendedAddressInformation: extendedAddressInformation,
  getWalletInformation: walletInformation,
  async getAddressBalance(ctx, p) {
    return (await ctx.chain.account(addressParam(p))).balance.toString();
  },
  async getAddressState(ctx, p) {
    return (await ctx.chain.account(addressParam(p))).state;
  },
  runGetMethod,
  async sendBoc(ctx, p) {
    await sendBoc(ctx, p);
    return { "@type": "ok" };
  },
  async sendBocReturnHash(ctx, p) {
    const cell = await sendBoc(ctx, p);
    return {
      "@type": "raw.extMessageInfo",
      hash: cell.hash().toString("base64"),
      hash_norm: normalizedHash(cell).toString("base64"),
    };
  },
  estimateFee,
  getConfigParam(ctx, p) {
    const id = intParam(p, "config_id");
    const dict = Dictionary.loadDirect(
      Dictionary.Keys.Int(32),
      Dictionary.Values.Cell(),
      ctx.chain.blockchain.config,
    );
    const param = dict.get(id);
    if (!param) throw notFound(`config param ${id} not found`);
    return {
      "@type": "configInfo",
      config: { "@type": "tvm.cell", bytes: param.toBoc().toString("base64") },
    };
  },
};

/** Names of all supported methods. */
export const METHODS: readonly string[] = Object.keys(handlers);

/** Dispatches one call; throws {@link RpcError} for client-visible failures. */
export async function callMethod(ctx: RpcContext, method: string, params: Params): Promise<Json> {
  const handler = Object.hasOwn(handlers, method) ? handlers[method] : undefined;
  if (!handler) throw new RpcError(404, `method ${method} not found`);
  return await handler(ctx, params);
}
