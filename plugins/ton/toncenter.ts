/**
 * The few toncenter v2 JSON-RPC calls the scanner makes itself. `TonClient` serves the rest
 * (state, get-methods, sending), but its block calls keep every answer in an unbounded
 * in-memory cache and refuse blocks of more than 40 transactions, neither of which a scanner
 * that runs for months over full blocks can live with.
 */

import { Address } from "@ton/core";
import { z } from "zod";
import type { NodeObserver } from "../../core/node_observer.ts";

const blockId = z.object({
  workchain: z.number().int(),
  shard: z.string(),
  seqno: z.number().int(),
  root_hash: z.string(),
  file_hash: z.string(),
});

/** A block identifier as toncenter prints it (shard as a signed 64-bit decimal). */
export type BlockId = z.infer<typeof blockId>;

const masterchainInfo = z.object({ last: blockId, init: blockId });
const shards = z.object({ shards: z.array(blockId) });
const blockHeader = z.object({
  id: blockId,
  gen_utime: z.number().int(),
  prev_blocks: z.array(blockId),
});
const transactionsExt = z.object({
  incomplete: z.boolean(),
  transactions: z.array(z.object({
    address: z.object({ account_address: z.string() }),
    data: z.string(),
    transaction_id: z.object({ lt: z.string(), hash: z.string() }),
  })),
});

/** A transaction of a block: the account (raw form) and the transaction BOC. */
export interface BlockTransaction {
  account: string;
  lt: string;
  hash: string;
  boc: string;
}

/**
 * Error answered by the node, or a transport failure. The message names the chain and the
 * config field of the node, so an operator knows which setting to look at
 * (`TON node (ton.endpoint) getMasterchainInfo: HTTP 502`).
 */
export class TonNodeError extends Error {
  constructor(message: string) {
    super(`TON node (ton.endpoint) ${message}`);
    this.name = "TonNodeError";
  }
}

/** Client options. */
export interface ToncenterOptions {
  endpoint: string;
  apiKey?: string;
  timeoutMs?: number;
  /** Most requests per second. */
  rps?: number;
  /** Told of every failed call and every masterchain head the node reports (metrics). */
  observer?: NodeObserver;
}

/** A minimal toncenter v2 JSON-RPC client for block scanning. */
export interface Toncenter {
  masterchainInfo(): Promise<{ last: BlockId }>;
  shards(mcSeqno: number): Promise<BlockId[]>;
  blockHeader(
    id: Pick<BlockId, "workchain" | "shard" | "seqno">,
  ): Promise<{ time: number; prev: BlockId[] }>;
  blockTransactions(
    id: Pick<BlockId, "workchain" | "shard" | "seqno">,
  ): Promise<BlockTransaction[]>;
  /** A configuration parameter's cell, base64 BOC. */
  configParam(id: number): Promise<string>;
}

/**
 * Transactions asked for per `getBlockTransactionsExt` call. toncenter's ton-http-api-cpp
 * accepts up to 10000 and fetches them from its liteserver in chunks of 256
 * (`src/core/tonlib_worker_transactions.cpp`); a server may still answer fewer, with
 * `incomplete: true`, and the loop below follows it.
 */
const PAGE = 256;

/** A transaction's place in a block: blocks list transactions by (account id, lt). */
interface BlockPosition {
  /** Account id: the 32-byte hash part of the address, lowercase hex. */
  account: string;
  lt: bigint;
}

function positionOf(tx: BlockTransaction): BlockPosition {
  return { account: tx.account.slice(tx.account.indexOf(":") + 1), lt: BigInt(tx.lt) };
}

/** Whether `b` comes strictly after `a` in block order. */
function isAfter(b: BlockPosition, a: BlockPosition): boolean {
  return b.account > a.account || (b.account === a.account && b.lt > a.lt);
}

/**
 * The cursor that asks for the transactions after `last`: toncenter reads `after_hash` as the
 * account id of the last transaction read (ton-http-api-cpp `schemas/v2.yaml`,
 * `afterAccountHashOptional`: "Hash of account in this block in hex or base64"), never as a
 * transaction hash, and lists the transactions strictly after (account, `after_lt`).
 */
export function blockCursorAfter(last: BlockTransaction): { after_lt: string; after_hash: string } {
  const at = positionOf(last);
  return { after_lt: at.lt.toString(), after_hash: at.account };
}

/** Creates the client. */
export function createToncenter(options: ToncenterOptions): Toncenter {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const interval = 1000 / (options.rps ?? 10);
  let next = 0;

  async function call<T>(
    method: string,
    params: Record<string, unknown>,
    codec: z.ZodType<T>,
  ): Promise<T> {
    try {
      return await rawCall(method, params, codec);
    } catch (error) {
      options.observer?.error(method);
      throw error;
    }
  }

  async function rawCall<T>(
    method: string,
    params: Record<string, unknown>,
    codec: z.ZodType<T>,
  ): Promise<T> {
    // Space calls out so a rate-limited public node is not hammered into refusing us.
    const now = Date.now();
    const wait = Math.max(0, next - now);
    next = Math.max(now, next) + interval;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (options.apiKey) headers["x-api-key"] = options.apiKey;
    let response: Response;
    try {
      response = await fetch(options.endpoint, {
        method: "POST",
        headers,
        body: JSON.stringify({ id: "1", jsonrpc: "2.0", method, params }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new TonNodeError(`${method}: ${(error as Error).message}`);
    }
    const text = await response.text();
    let body: { ok?: boolean; result?: unknown; error?: unknown };
    try {
      body = JSON.parse(text);
    } catch {
      throw new TonNodeError(`${method}: HTTP ${response.status}, not JSON`);
    }
    if (!response.ok || !body.ok) {
      throw new TonNodeError(`${method}: HTTP ${response.status}: ${String(body.error ?? "")}`);
    }
    const parsed = codec.safeParse(body.result);
    if (!parsed.success) throw new TonNodeError(`${method}: unexpected answer`);
    return parsed.data;
  }

  return {
    async masterchainInfo() {
      const info = await call("getMasterchainInfo", {}, masterchainInfo);
      options.observer?.head(info.last.seqno);
      return info;
    },
    async shards(mcSeqno) {
      return (await call("shards", { seqno: mcSeqno }, shards)).shards;
    },
    async blockHeader(id) {
      const header = await call("getBlockHeader", {
        workchain: id.workchain,
        shard: id.shard,
        seqno: id.seqno,
      }, blockHeader);
      return { time: header.gen_utime, prev: header.prev_blocks };
    },
    async configParam(id) {
      const result = await call(
        "getConfigParam",
        { config_id: id },
        z.object({ config: z.object({ bytes: z.string() }) }),
      );
      return result.config.bytes;
    },
    async blockTransactions(id) {
      const out: BlockTransaction[] = [];
      let after: BlockPosition | null = null;
      for (;;) {
        const cursor = out.length === 0 ? {} : blockCursorAfter(out[out.length - 1]);
        const page: z.infer<typeof transactionsExt> = await call("getBlockTransactionsExt", {
          workchain: id.workchain,
          shard: id.shard,
          seqno: id.seqno,
          count: PAGE,
          ...cursor,
        }, transactionsExt);
        for (const tx of page.transactions) {
          const read: BlockTransaction = {
            account: Address.parse(tx.address.account_address).toRawString(),
            lt: tx.transaction_id.lt,
            hash: tx.transaction_id.hash,
            boc: tx.data,
          };
          // A page that repeats or goes back would re-read or, worse, make us skip what we
          // never saw: refuse it, so the block is fetched again instead of half-ingested.
          const at = positionOf(read);
          if (after !== null && !isAfter(at, after)) {
            throw new TonNodeError(
              `getBlockTransactionsExt: block ${id.workchain}:${id.shard}:${id.seqno} page ` +
                `does not advance past ${after.account}:${after.lt}`,
            );
          }
          after = at;
          out.push(read);
        }
        if (!page.incomplete) return out;
        // An incomplete page with nothing in it gives no cursor to go on from: retrying the
        // same request forever would stall, and stopping would drop the rest of the block.
        if (page.transactions.length === 0) {
          throw new TonNodeError(
            `getBlockTransactionsExt: block ${id.workchain}:${id.shard}:${id.seqno} ` +
              "answered an empty incomplete page",
          );
        }
      }
    },
  };
}
