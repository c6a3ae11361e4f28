/**
 * TON devnet: a toncenter API v2 compatible JSON-RPC server backed by
 * `@ton/sandbox`, producing blocks on a timer.
 *
 * @example
 * ```ts
 * const devnet = await startTonDevnet({ blockIntervalMs: 0 });
 * const client = new TonClient({ endpoint: devnet.endpoint });
 * const hash = devnet.faucet(someAddress, 1_000_000_000n);
 * await devnet.produceBlock();
 * await hash;
 * await devnet.close();
 * ```
 *
 * @module
 */
import type { Address, Cell } from "@ton/core";
import type { Blockchain } from "@ton/sandbox";
import { type FaucetJettonOptions, TonChain } from "./chain.ts";
import type { DevnetJetton, JettonSpec } from "./jettons.ts";

export type { FaucetJettonOptions } from "./chain.ts";
import { DevnetFaults, type FaultControl } from "../../../devnet/faults.ts";
import { callMethod, type RpcContext, RpcError } from "./rpc.ts";
import { serveDevnetHttp } from "../../../devnet/http_server.ts";

/** Fixed faucet mnemonic so the faucet address is stable across runs. */
export const DEFAULT_FAUCET_MNEMONIC: readonly string[] = (
  "display pelican very recall great little survey humor copper grain vicious poverty " +
  "library double wasp buddy health spring joy front front finger draw sentence"
).split(" ");

/** Options of {@link startTonDevnet}. */
export interface TonDevnetOptions {
  /** TCP port; 0 picks a free one (default 0). */
  port?: number;
  /** Listen address (default 127.0.0.1). */
  hostname?: string;
  /** Block interval; 0 disables the timer so blocks come only from produceBlock() (default 1000). */
  blockIntervalMs?: number;
  /** 24-word mnemonic of the faucet wallet (default {@link DEFAULT_FAUCET_MNEMONIC}). */
  faucetMnemonic?: string[];
  /** Extra DNS names ("alice.ton") resolved by the root resolver. */
  names?: Record<string, Address>;
  /** How long a "timeout" fault holds a request before answering 504 (default 10000). */
  faultTimeoutMs?: number;
  /** Seed of the fault RNG used by errorRate (default 1). */
  faultSeed?: number;
  /**
   * Reject externals the contract would not accept at sendBoc time, as a
   * liteserver does (default true). When false, they are queued and dropped
   * silently at block time.
   */
  checkExternals?: boolean;
  /** Seqno of the first masterchain block (default 1). */
  masterchainStartSeqno?: number;
  /** Seqno of the first shard block (default 1); differ it to catch mc/shard mix-ups. */
  shardStartSeqno?: number;
  /**
   * Jettons created at start, whole supply held by the faucet (default USDT_TON
   * with 6 decimals and TGR with 9); `[]` skips them and their compile cost.
   */
  jettons?: JettonSpec[];
  /**
   * Most transactions one getBlockTransactions(Ext) call answers, whatever its `count`
   * (with `incomplete: true` when more follow), as a real server may; small values make
   * clients page in ordinary tests. Default: up to `count`.
   */
  blockPageSize?: number;
}

/** Optional parts of a faucet transfer. */
export interface FaucetTransferOptions {
  /** Text comment. */
  comment?: string;
  /** Arbitrary body cell (wins over comment). */
  body?: Cell;
  /** Bounce flag (default false). */
  bounce?: boolean;
}

/** A running devnet. */
export interface TonDevnet {
  /** Full JSON-RPC URL, e.g. http://127.0.0.1:PORT/jsonRPC. */
  readonly endpoint: string;
  /** Faucet wallet (WalletContractV5R1) address. */
  readonly faucetAddress: Address;
  /** Root DNS resolver address. */
  readonly dnsRoot: Address;
  /** The underlying sandbox, for tests. */
  readonly blockchain: Blockchain;
  /** Fault injection controls. */
  readonly faults: FaultControl;
  /** Jettons created at start, by symbol (master and the faucet's jetton wallet). */
  readonly jettons: Readonly<Record<string, DevnetJetton>>;
  /** Seals a block now (executing queued externals). */
  produceBlock(): Promise<void>;
  /** Resolves after the next block is sealed. */
  waitForBlock(): Promise<void>;
  /** Latest masterchain seqno and highest basechain shard block seqno. */
  heights(): { masterchain: number; shard: number };
  /** The basechain's shards now (signed 64-bit ids), in shard order. */
  shardLayout(): bigint[];
  /**
   * Splits the basechain in two by the first bit of the account id: the next block of the
   * full shard is its last (`before_split`), the one after starts both halves.
   */
  splitShards(): void;
  /** Merges the two halves back into the full shard from the next block (`after_merge`). */
  mergeShards(): void;
  /**
   * Holds a shard back: it goes on producing blocks that no masterchain block commits, until
   * {@link TonDevnet.releaseShard} commits them all in one masterchain block.
   */
  holdShard(shard: bigint): void;
  /** Lets the masterchain commit a held shard's blocks again. */
  releaseShard(shard: bigint): void;
  /**
   * Sends `amount` nanotons from the faucet wallet via a real signed external;
   * resolves with the faucet transaction hash (hex) once the block is sealed
   * (with `blockIntervalMs: 0` that needs a `produceBlock()` call). Rejects if
   * the devnet closes first.
   */
  faucet(to: Address, amount: bigint, opts?: FaucetTransferOptions): Promise<string>;
  /**
   * Sends `amount` base units of a jetton (symbol, or master of any jetton the
   * faucet holds, fakes included) to the owner `to`: a real signed external
   * carrying a TEP-74 `transfer` to the faucet's jetton wallet. Resolves with
   * the faucet transaction hash once the block is sealed; the whole jetton
   * chain (internal_transfer, notification, excesses) lands in that block.
   */
  faucetJetton(
    jetton: string | Address,
    to: Address,
    amount: bigint,
    opts?: FaucetJettonOptions,
  ): Promise<string>;
  /**
   * Test helper: deploys a fake master with the same code and metadata as
   * `symbol` but a different address, its supply held by the faucet.
   */
  deployFakeJetton(symbol: string, supply?: bigint): Promise<DevnetJetton>;
  /** Stops the timer and server and releases everything. */
  close(): Promise<void>;
}

function json(body: unknown, status: number): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

function errorBody(code: number, error: string, id: unknown): Record<string, unknown> {
  const body: Record<string, unknown> = { ok: false, error, code };
  if (id !== undefined) {
    body.id = id;
    body.jsonrpc = "2.0";
  }
  return body;
}

/** Query string → params; JSON-looking values (e.g. `stack`) are decoded. */
function queryParams(url: URL): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of url.searchParams) {
    out[k] = k === "stack" && v.startsWith("[") ? JSON.parse(v) : v;
  }
  return out;
}

/** Starts a devnet and its HTTP server. */
export async function startTonDevnet(options: TonDevnetOptions = {}): Promise<TonDevnet> {
  const chain = await TonChain.create({
    faucetMnemonic: options.faucetMnemonic ?? [...DEFAULT_FAUCET_MNEMONIC],
    names: options.names,
    masterchainStartSeqno: options.masterchainStartSeqno,
    shardStartSeqno: options.shardStartSeqno,
    jettons: options.jettons,
  });
  const faults = new DevnetFaults({ seed: options.faultSeed ?? 1 });
  const ctx: RpcContext = {
    chain,
    faults,
    checkExternals: options.checkExternals ?? true,
    blockPageSize: options.blockPageSize,
  };
  const holdMs = options.faultTimeoutMs ?? 10_000;
  const shutdown = new AbortController();

  async function dispatch(method: string, params: unknown, id: unknown): Promise<Response> {
    // How toncenter's faults look: its JSON-RPC error body, with the status as `code`.
    const faulted = await faults.answer(
      method,
      {
        timeout: () => json(errorBody(504, "Gateway Timeout (injected fault)", id), 504),
        ratelimit: () => json(errorBody(429, "Ratelimit exceed (injected fault)", id), 429),
        error: () => json(errorBody(500, "LITE_SERVER_NETWORK: injected fault", id), 500),
      },
      holdMs,
      shutdown.signal,
    );
    if (faulted) return faulted;
    if (
      params !== undefined &&
      (typeof params !== "object" || params === null || Array.isArray(params))
    ) {
      return json(errorBody(422, "params must be an object", id), 422);
    }
    try {
      const result = await callMethod(ctx, method, (params ?? {}) as Record<string, unknown>);
      const body: Record<string, unknown> = { ok: true, result };
      if (id !== undefined) {
        body.id = id;
        body.jsonrpc = "2.0";
      }
      return json(body, 200);
    } catch (e) {
      if (e instanceof RpcError) return json(errorBody(e.code, e.message, id), e.code);
      const message = e instanceof Error ? e.message : String(e);
      return json(errorBody(500, `internal error: ${message}`, id), 500);
    }
  }

  async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const path = url.pathname.replace(/\/+$/, "");
    if (req.method === "POST" && (path === "/jsonRPC" || path === "/api/v2/jsonRPC")) {
      let body: unknown;
      try {
        body = await req.json();
      } catch {
        return json(errorBody(400, "request body is not valid JSON", undefined), 400);
      }
      if (!body || typeof body !== "object" || Array.isArray(body)) {
        return json(errorBody(400, "request must be a JSON-RPC object", undefined), 400);
      }
      const { method, params, id } = body as { method?: unknown; params?: unknown; id?: unknown };
      if (typeof method !== "string") return json(errorBody(422, "missing method", id), 422);
      return await dispatch(method, params, id);
    }
    const m = /^\/api\/v2\/([A-Za-z]+)$/.exec(path);
    if (m && (req.method === "GET" || req.method === "POST")) {
      let params: unknown;
      try {
        params = req.method === "GET" ? queryParams(url) : await req.json();
      } catch {
        return json(errorBody(400, "invalid parameters", undefined), 400);
      }
      return await dispatch(m[1], params, undefined);
    }
    return json(errorBody(404, "not found", undefined), 404);
  }

  const listener = serveDevnetHttp(options, handle);

  const interval = options.blockIntervalMs ?? 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  function schedule(): void {
    if (closed || interval <= 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      chain.produceBlock().catch((e) => console.error("TON devnet: block production failed", e))
        .finally(schedule);
    }, interval);
  }
  schedule();

  return {
    endpoint: `${listener.origin}/jsonRPC`,
    faucetAddress: chain.faucetWallet.address,
    dnsRoot: chain.dnsRoot,
    blockchain: chain.blockchain,
    faults,
    jettons: chain.jettons,
    produceBlock: () => chain.produceBlock(),
    waitForBlock: () => chain.waitForBlock(),
    heights: () => chain.heights(),
    shardLayout: () => chain.shardLayout(),
    splitShards: () => chain.splitShards(),
    mergeShards: () => chain.mergeShards(),
    holdShard: (shard) => chain.holdShard(shard),
    releaseShard: (shard) => chain.releaseShard(shard),
    faucet: (to, amount, opts) => chain.faucet(to, amount, opts),
    faucetJetton: (jetton, to, amount, opts) => chain.faucetJetton(jetton, to, amount, opts),
    deployFakeJetton: (symbol, supply) => chain.deployFakeJetton(symbol, supply),
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      shutdown.abort();
      await chain.close();
      await listener.close();
    },
  };
}
