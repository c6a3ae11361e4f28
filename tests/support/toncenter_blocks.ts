/**
 * A toncenter v2 JSON-RPC server over real mainnet shard blocks: the block methods a scanner
 * calls (getMasterchainInfo, shards, getBlockHeader, getBlockTransactionsExt), with the real
 * server's paging (by account id and lt, strictly after the cursor) and page sizes that the
 * server chooses, down to one transaction, whatever `count` asks.
 *
 * The transactions and their order are the blocks' own; only the block ids are made up, so
 * that the blocks follow each other in one shard (masterchain block `FIRST_MC + k` commits
 * basechain block `FIRST_SHARD_SEQNO + k`, which holds the transactions of block `k`).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { Address, type Cell, loadTransaction } from "@ton/core";
import { extractBlockTransactions } from "../../plugins/ton/block_fixture.ts";
import {
  type BlockRef,
  type ChainBlock,
  type ChainTx,
  FULL_SHARD,
} from "../../plugins/ton/devnet/blocks.ts";
import {
  blockHeaderJson,
  blockIdJson,
  type Json,
  transactionJson,
} from "../../plugins/ton/devnet/format.ts";
import {
  blockNotFound,
  blockPage,
  blockPageRequest,
  RpcError,
} from "../../plugins/ton/devnet/rpc.ts";

/** Masterchain seqno that commits the first block. */
export const FIRST_MC = 50_000_000;
/** Basechain seqno given to the first block. */
export const FIRST_SHARD_SEQNO = 70_000_000;

/** A real block's transactions, in block order (account id, then lt). */
export interface RealBlock {
  /** Transaction cells as the block holds them. */
  cells: Cell[];
}

/** Reads a whole block BOC (base64) from the test fixtures. */
export async function loadRealBlock(path: string): Promise<RealBlock> {
  const text = await Deno.readTextFile(new URL(`../fixtures/ton/${path}`, import.meta.url));
  return { cells: extractBlockTransactions(text) };
}

/** One call the server answered. */
export interface ServedCall {
  method: string;
  params: Record<string, unknown>;
  /** Transactions in the answer, for getBlockTransactionsExt. */
  served: number;
}

/** A running server. */
export interface ToncenterBlockServer {
  endpoint: string;
  /** Every call, in order. */
  calls: ServedCall[];
  /** The basechain block ids of the blocks, in order. */
  shardBlocks: BlockRef[];
  close(): Promise<void>;
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function ref(workchain: number, seqno: number): BlockRef {
  const rootHash = sha256(`real-block-server:${workchain}:${seqno}`);
  return { workchain, shard: FULL_SHARD, seqno, rootHash, fileHash: sha256(rootHash.toString()) };
}

function chainBlock(id: BlockRef, txs: ChainTx[], prev: BlockRef[], shards: BlockRef[]) {
  const k = id.seqno - (id.workchain === -1 ? FIRST_MC : FIRST_SHARD_SEQNO);
  const block: ChainBlock = {
    id,
    genUtime: 1_760_000_000 + 5 * k,
    startLt: txs.reduce((m, t) => (t.lt < m ? t.lt : m), txs[0]?.lt ?? 0n) - 1n,
    endLt: txs.reduce((m, t) => (t.lt > m ? t.lt : m), 0n) + 1n,
    prev,
    txs,
    shards,
    mcSeqno: id.workchain === -1 ? id.seqno : FIRST_MC + k,
    afterSplit: false,
    afterMerge: false,
    beforeSplit: false,
  };
  return block;
}

/**
 * Serves `blocks`; `pageSize(call)` is the most transactions the server puts in its `call`-th
 * getBlockTransactionsExt answer (the client's `count` caps it too).
 */
export function startToncenterBlockServer(
  blocks: readonly RealBlock[],
  pageSize: (call: number) => number,
): ToncenterBlockServer {
  const master: ChainBlock[] = [];
  const shard: ChainBlock[] = [];
  blocks.forEach((real, k) => {
    const id = ref(0, FIRST_SHARD_SEQNO + k);
    const txs = real.cells.map((cell): ChainTx => {
      const tx = loadTransaction(cell.beginParse());
      const address = new Address(0, Buffer.from(tx.address.toString(16).padStart(64, "0"), "hex"));
      return { tx, hash: cell.hash(), lt: tx.lt, address, block: id, cache: new Map() };
    });
    shard.push(chainBlock(id, txs, k === 0 ? [] : [shard[k - 1].id], []));
    const mcId = ref(-1, FIRST_MC + k);
    master.push(chainBlock(mcId, [], k === 0 ? [] : [master[k - 1].id], [id]));
  });
  const find = (p: Record<string, unknown>): ChainBlock => {
    const workchain = Number(p.workchain);
    const seqno = Number(p.seqno);
    const list = workchain === -1 ? master : shard;
    const first = workchain === -1 ? FIRST_MC : FIRST_SHARD_SEQNO;
    const block = BigInt(String(p.shard)) === FULL_SHARD ? list[seqno - first] : undefined;
    if (!block) throw blockNotFound(workchain, BigInt(String(p.shard)), seqno);
    return block;
  };
  const calls: ServedCall[] = [];
  let pages = 0;
  // A client that pages one transaction at a time needs one call per transaction and one
  // more per block; past that budget it is going round in circles, and is told so.
  const budget = blocks.reduce((n, b) => n + b.cells.length + 1, 0);

  function answer(method: string, p: Record<string, unknown>): { result: Json; served: number } {
    switch (method) {
      case "getMasterchainInfo":
        return {
          result: {
            "@type": "blocks.masterchainInfo",
            last: blockIdJson(master[master.length - 1].id) as unknown as Json,
            state_root_hash: sha256("state").toString("base64"),
            init: blockIdJson(ref(-1, 0)) as unknown as Json,
          },
          served: 0,
        };
      case "shards": {
        const block = find({ workchain: -1, shard: FULL_SHARD.toString(), seqno: p.seqno });
        return {
          result: {
            "@type": "blocks.shards",
            shards: block.shards.map((s) => blockIdJson(s) as unknown as Json),
          },
          served: 0,
        };
      }
      case "getBlockHeader":
        return { result: blockHeaderJson(find(p), -239), served: 0 };
      case "getBlockTransactionsExt": {
        const block = find(p);
        if (pages >= budget) throw new RpcError(500, "paging does not end: call budget spent");
        const request = blockPageRequest(p);
        const { page, incomplete } = blockPage(
          block.txs,
          (t) => ({ account: t.address.hash.toString("hex"), lt: t.lt }),
          request,
          pageSize(pages++),
        );
        return {
          result: {
            "@type": "blocks.transactionsExt",
            id: blockIdJson(block.id) as unknown as Json,
            req_count: request.count,
            incomplete,
            transactions: page.map((t) => transactionJson(t, "ext")),
          },
          served: page.length,
        };
      }
      default:
        throw new RpcError(404, `method ${method} not found`);
    }
  }

  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const { method, params, id } = await req.json() as {
      method: string;
      params?: Record<string, unknown>;
      id?: unknown;
    };
    const p = params ?? {};
    try {
      const { result, served } = answer(method, p);
      calls.push({ method, params: p, served });
      return Response.json({ ok: true, result, id, jsonrpc: "2.0" });
    } catch (e) {
      if (!(e instanceof RpcError)) throw e;
      calls.push({ method, params: p, served: 0 });
      return Response.json({ ok: false, error: e.message, code: e.code }, { status: e.code });
    }
  });
  return {
    endpoint: `http://127.0.0.1:${server.addr.port}/jsonRPC`,
    calls,
    shardBlocks: shard.map((b) => b.id),
    close: () => server.shutdown(),
  };
}
