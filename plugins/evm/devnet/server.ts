/**
 * EVM devnet: a real EVM node from npm, Hardhat's EDR (`@nomicfoundation/edr`), in this process,
 * served as standard Ethereum JSON-RPC over HTTP (POST, single calls and batches), sealing
 * blocks on a timer (no automine), with token contracts deployed in block 1:
 *
 * - `USDT_ERC20`: `TetherLikeToken`, whose `transfer`/`transferFrom`/`approve` return no `bool`
 *   as Tether's USDT on Ethereum (6 decimals);
 * - `USDC_ERC20`: an OpenZeppelin `ERC20` (6 decimals);
 * - a `BatchTransfer` contract paying several recipients native coin or a token in one
 *   transaction (tokens pulled with `transferFrom` after an `approve`).
 *
 * `contracts/` also holds a `Forwarder` (passes the coin it is called with on to a recipient,
 * by an internal transfer) that is not deployed at start: a test deploys it when it needs one.
 *
 * Sources are in `contracts/`, compiled with solc-js into the checked-in `artifacts.json`
 * (see `compile.ts`). The faucet is Hardhat's well-known account #0, which holds the whole
 * token supply; its transfers are real transactions that land in the next block.
 *
 * Why EDR: it is the node of Hardhat (maintained, follows mainnet hardforks up to Osaka), loads
 * under Deno from npm without a `node_modules` folder (a prebuilt napi addon per platform, as
 * an optional dependency), seals thousands of blocks a second, and answers the methods a
 * processor uses as Hardhat Network does: `eth_getLogs`, `eth_getBlockByNumber` with full
 * transactions, receipts with `status`, `eth_feeHistory` with the EIP-1559 base fee,
 * `debug_traceTransaction` (with `callTracer`, for internal transfers), `evm_snapshot` and
 * `evm_revert`. ganache (7.9, archived by its authors, no hardfork after Shanghai) failed its
 * first call under Deno; tevm is a pre-release (2.0.0-next). What EDR lacks: `debug_traceBlock*`
 * (with {@link EvmDevnetOptions.traceBlocks} the devnet serves them as geth does, from
 * `debug_traceTransaction` of each transaction), `eth_getRawTransactionByHash` and
 * `eth_signTransaction` (answered "not supported"); and it reports the `finalized` and `safe`
 * blocks as `latest`, which the devnet lets trail by {@link EvmDevnetOptions.finalityDepth}.
 *
 * With {@link EvmDevnetOptions.chainType} `op` the node is EDR's OP-stack chain (Base, Optimism):
 * the `GasPriceOracle` and `L1Block` predeploys, receipts with `l1Fee`, the L1 data fee charged
 * as op-geth charges it. One difference from op-geth is smoothed over: EDR wants the L1 fee
 * affordable in `eth_estimateGas`, op-geth does not ask it there (see `estimateAsOpGeth`).
 *
 * The Hardhat-only methods (`evm_*`, `hardhat_*`) and key-holding ones (`eth_sendTransaction`,
 * `eth_sign*`) are not served over HTTP, as a public node serves neither: clients sign their
 * transactions and send them with `eth_sendRawTransaction`. The levers are this module's API.
 *
 * @example
 * ```ts
 * const devnet = await startEvmDevnet({ blockIntervalMs: 0 });
 * const hash = await devnet.faucet("0x…", "USDT_ERC20", 5_000_000n);
 * await devnet.mine();
 * // POST devnet.endpoint {"jsonrpc":"2.0","id":1,"method":"eth_getTransactionReceipt","params":[hash]}
 * await devnet.close();
 * ```
 *
 * @module
 */
import { DevnetFaults, type FaultAnswers, type FaultControl } from "../../../devnet/faults.ts";
import {
  type Abi,
  encodeDeployData,
  encodeFunctionData,
  erc20Abi,
  type Hex,
  keccak256,
} from "viem";
import artifacts from "./artifacts.json" with { type: "json" };
import { createMiner, type EvmReorgOptions, type Miner } from "./mining.ts";
import { startEvmNode } from "./node_process.ts";
import { type EvmNode, type RpcAnswer, RpcError, type RpcErrorObject } from "./node.ts";
import { serveDevnetHttp } from "../../../devnet/http_server.ts";

export type { EvmReorgOptions } from "./mining.ts";
export type { FaultControl } from "../../../devnet/faults.ts";
export type { Hex } from "viem";
export { MAX_REORG_DEPTH } from "./mining.ts";

/**
 * The faucet: Hardhat's account #0 (mnemonic "test test test test test test test test test test
 * test junk", `m/44'/60'/0'/0/0`), known to every EVM tool as a dev key.
 */
export const DEVNET_FAUCET: { readonly address: Hex; readonly privateKey: Hex } = {
  address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  privateKey: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
};

/** A token to deploy at start. */
export interface EvmTokenSpec {
  /** Asset code, e.g. `USDT_ERC20`. */
  code: string;
  /** Decimals the contract reports. */
  decimals: number;
  /** false: Tether-like, `transfer` returns nothing; true: OpenZeppelin ERC-20. */
  returnsBool: boolean;
  /** ERC-20 `name` (default the code). */
  name?: string;
  /** ERC-20 `symbol` (default the code up to its first `_`). */
  symbol?: string;
}

/** A deployed token. */
export interface EvmDevnetToken {
  /** Asset code. */
  readonly code: string;
  /** Contract address, lower-case hex as the node reports it. */
  readonly contract: Hex;
  /** Decimals. */
  readonly decimals: number;
  /** Whether `transfer` returns a `bool`. */
  readonly returnsBool: boolean;
}

/** The tokens deployed when {@link EvmDevnetOptions.tokens} is not given. */
export const DEFAULT_EVM_TOKENS: readonly EvmTokenSpec[] = [
  { code: "USDT_ERC20", decimals: 6, returnsBool: false, name: "Tether USD", symbol: "USDT" },
  { code: "USDC_ERC20", decimals: 6, returnsBool: true, name: "USD Coin", symbol: "USDC" },
];

/** Options of {@linkcode startEvmDevnet}. */
export interface EvmDevnetOptions {
  /** TCP port; 0 picks a free one (default 0). */
  port?: number;
  /** Listen address (default 127.0.0.1). */
  hostname?: string;
  /** Block interval; 0 disables the timer, blocks then come only from mine() (default 1000). */
  blockIntervalMs?: number;
  /** EIP-155 chain id (default 31337, Hardhat's). */
  chainId?: number;
  /**
   * Hardfork (default EDR's latest, Osaka); before "london" blocks have no base fee and only
   * legacy and EIP-2930 transactions are accepted, as on a chain without EIP-1559.
   */
  hardfork?: string;
  /** Code of the native coin for {@link EvmDevnet.faucet} (default "ETH"). */
  native?: string;
  /**
   * `op`: an OP-stack rollup (Base, Optimism) with its predeploys and an L1 data fee on every
   * transaction (see `EvmNodeOptions.chainType`); its hardforks are EDR's OP ones (default
   * "isthmus"). Default `l1`.
   */
  chainType?: "l1" | "op";
  /** Base fee of the first block, wei (default 1 gwei; 0 keeps it 0 while blocks are not full). */
  initialBaseFeePerGas?: bigint;
  /** Tokens to deploy (default {@link DEFAULT_EVM_TOKENS}); the faucet holds their supply. */
  tokens?: readonly EvmTokenSpec[];
  /** Whether to deploy the batch-transfer contract (default true). */
  batchContract?: boolean;
  /**
   * How many blocks the `finalized` and `safe` tags trail the reported head (default 0: they are
   * the head, as Hardhat Network answers; Ethereum's finalized block trails by 64 to 95).
   */
  finalityDepth?: number;
  /** How long a "timeout" fault holds a request before answering 504 (default 10000). */
  faultTimeoutMs?: number;
  /**
   * Whether `debug_traceBlockByNumber` and `debug_traceBlockByHash` are served, as geth serves
   * them (default false: "method not found", as EDR and most hosted endpoints answer them).
   */
  traceBlocks?: boolean;
}

/** A running devnet. */
export interface EvmDevnet {
  /** JSON-RPC URL, e.g. `http://127.0.0.1:PORT/`. */
  readonly endpoint: string;
  /** Chain id. */
  readonly chainId: number;
  /** Hardfork the node runs. */
  readonly hardfork: string;
  /** Code of the native coin. */
  readonly native: string;
  /** Deployed tokens. */
  readonly tokens: readonly EvmDevnetToken[];
  /** The batch-transfer contract (lower-case hex), when deployed. */
  readonly batchContract?: Hex;
  /** The faucet account (it holds the supply of every token). */
  readonly faucetAccount: { readonly address: Hex; readonly privateKey: Hex };
  /** Fault injection at the JSON-RPC layer; targets are method names (`eth_getLogs`). */
  readonly faults: FaultControl;
  /**
   * Sends `amount` base units of `currency` (the native code or a token code) from the faucet
   * in a real transaction; resolves with its hash once pending (it lands in the next block).
   *
   * @throws Error for an unknown currency
   */
  faucet(to: string, currency: string, amount: bigint): Promise<Hex>;
  /**
   * Sends `amount` wei from the faucet through the batch contract (`sendNative` with one
   * recipient), so it reaches `to` as an internal transfer that only a trace shows.
   *
   * @throws Error when the devnet has no batch contract
   */
  faucetViaContract(to: string, amount: bigint): Promise<Hex>;
  /** Balance of `address` in `currency` at the latest block, read from the node's state. */
  balanceOf(currency: string, address: string): Promise<bigint>;
  /** Seals a block now with the pending transactions; resolves with its number. */
  mine(): Promise<number>;
  /** Resolves with the number of the next block sealed. */
  waitForBlock(): Promise<number>;
  /** Height of the latest block (ignores the lag fault). */
  height(): Promise<number>;
  /**
   * Replaces the last `depth` blocks by as many new ones (new hashes, same heights, the first
   * one's parent the block before them) holding the same transactions except those in
   * `options.drop`; pending transactions stay pending. Reads over HTTP see the chain before or
   * after, never in between.
   *
   * @throws RangeError when `depth` is not from 1 to min(height, {@link MAX_REORG_DEPTH}), or
   * a dropped hash is neither pending nor in those blocks
   */
  reorg(depth: number, options?: EvmReorgOptions): Promise<void>;
  /** Saves the chain (blocks, state, mempool); resolves with an id for `revert`. */
  snapshot(): Promise<string>;
  /**
   * Goes back to a snapshot: the blocks and transactions since vanish. Uses up that snapshot
   * and every later one.
   *
   * @throws Error when the id is unknown or used up
   */
  revert(id: string): Promise<void>;
  /**
   * One JSON-RPC call straight to the node, past the HTTP layer and its faults, with the
   * Hardhat methods too.
   *
   * @throws RpcError when the node answers with an error
   */
  call(method: string, params?: readonly unknown[]): Promise<unknown>;
  /** Stops the timer and the server. */
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

function rpcFault(status: number, code: number, message: string): () => Response {
  return () => json({ jsonrpc: "2.0", id: null, error: { code, message } }, status);
}

/**
 * How faults look on a hosted JSON-RPC endpoint: a gateway's 503 and 504, and the 429 with
 * code -32005 ("limit exceeded", EIP-1474) that Infura and Alchemy answer when rate limiting.
 */
const FAULT_ANSWERS: FaultAnswers = {
  error: rpcFault(503, -32603, "Service Unavailable (injected fault)"),
  ratelimit: rpcFault(429, -32005, "rate limit exceeded (injected fault)"),
  timeout: rpcFault(504, -32603, "Gateway Timeout (injected fault)"),
};

/** Methods a public node does not serve: Hardhat's levers and those that need its keys. */
function hidden(method: string, traceBlocks: boolean): boolean {
  if (!traceBlocks && method.startsWith("debug_traceBlock")) return true;
  return /^(evm_|hardhat_|personal_)/.test(method) ||
    ["eth_sendTransaction", "eth_sign", "eth_signTransaction", "eth_signTypedData_v4"]
      .includes(method);
}

const hex = (n: bigint | number): string => `0x${n.toString(16)}`;

/** Starts a devnet: the node, its contracts (sealed in block 1) and the HTTP server. */
export async function startEvmDevnet(options: EvmDevnetOptions = {}): Promise<EvmDevnet> {
  const chainId = options.chainId ?? 31337;
  const faucetAddress = DEVNET_FAUCET.address.toLowerCase();
  const node: EvmNode = await startEvmNode({
    chainId: BigInt(chainId),
    hardfork: options.hardfork,
    chainType: options.chainType,
    initialBaseFeePerGas: options.initialBaseFeePerGas,
    accounts: [{ ...DEVNET_FAUCET, balance: 10n ** 27n }],
  });
  const miner = createMiner(node, [faucetAddress]);
  const native = options.native ?? "ETH";
  const specs = options.tokens ?? DEFAULT_EVM_TOKENS;
  if (
    specs.some((s) => s.code === native) || new Set(specs.map((s) => s.code)).size < specs.length
  ) {
    throw new Error("token codes must be distinct and differ from the native code");
  }

  /** Sends a transaction from the faucet with the gas the node estimates for it. */
  async function fromFaucet(tx: { to?: string; value?: bigint; data?: string }): Promise<Hex> {
    const request: Json = { from: faucetAddress };
    if (tx.to !== undefined) request.to = tx.to;
    if (tx.value !== undefined) request.value = hex(tx.value);
    if (tx.data !== undefined) request.data = tx.data;
    request.gas = await node.call("eth_estimateGas", [request]);
    return miner.submit("eth_sendTransaction", [request]);
  }

  function deploy(contract: keyof typeof artifacts.contracts, args: unknown[]): Promise<Hex> {
    const { abi, bytecode } = artifacts.contracts[contract];
    return fromFaucet({
      data: encodeDeployData({ abi: abi as Abi, bytecode: bytecode as Hex, args }),
    });
  }

  // One after the other: the faucet's nonces, and so the contract addresses, are the same in
  // every run.
  const deploys: Hex[] = [];
  for (const s of specs) {
    deploys.push(
      await deploy(s.returnsBool ? "DevnetERC20" : "TetherLikeToken", [
        s.name ?? s.code,
        s.symbol ?? s.code.split("_")[0],
        s.decimals,
        faucetAddress,
        10n ** BigInt(12 + s.decimals),
      ]),
    );
  }
  if (options.batchContract ?? true) deploys.push(await deploy("BatchTransfer", []));
  await miner.mine();
  const created: Hex[] = [];
  for (const hash of deploys) {
    const receipt = await node.call("eth_getTransactionReceipt", [hash]) as Json | null;
    if (receipt?.status !== "0x1") throw new Error(`deploying a devnet contract failed: ${hash}`);
    created.push(receipt.contractAddress as Hex);
  }
  const tokens: EvmDevnetToken[] = specs.map((s, i) => ({
    code: s.code,
    contract: created[i],
    decimals: s.decimals,
    returnsBool: s.returnsBool,
  }));
  const batchContract = created[specs.length];

  function token(currency: string): EvmDevnetToken {
    const t = tokens.find((t) => t.code === currency);
    if (!t) throw new Error(`unknown currency ${currency}`);
    return t;
  }

  async function faucet(to: string, currency: string, amount: bigint): Promise<Hex> {
    if (currency === native) return await fromFaucet({ to, value: amount });
    const t = token(currency);
    return await fromFaucet({
      to: t.contract,
      // The calldata of `transfer` is the same whether it returns a bool or not.
      data: encodeFunctionData({
        abi: erc20Abi,
        functionName: "transfer",
        args: [to as Hex, amount],
      }),
    });
  }

  async function faucetViaContract(to: string, amount: bigint): Promise<Hex> {
    if (batchContract === undefined) throw new Error("the devnet has no batch contract");
    return await fromFaucet({
      to: batchContract,
      value: amount,
      data: encodeFunctionData({
        abi: artifacts.contracts.BatchTransfer.abi as Abi,
        functionName: "sendNative",
        args: [[to], [amount]],
      }),
    });
  }

  async function balanceOf(currency: string, address: string): Promise<bigint> {
    const [method, params]: [string, unknown[]] = currency === native
      ? ["eth_getBalance", [address, "latest"]]
      : ["eth_call", [{
        to: token(currency).contract,
        data: encodeFunctionData({
          abi: erc20Abi,
          functionName: "balanceOf",
          args: [address as Hex],
        }),
      }, "latest"]];
    // Queued like every read, so a fork in progress is never seen half done.
    return BigInt(String(await miner.exclusive(() => node.call(method, params))));
  }

  const faults = new DevnetFaults();
  const holdMs = options.faultTimeoutMs ?? 10_000;
  const shutdown = new AbortController();

  const http = createRpcView(node, miner, faults, {
    finalityDepth: options.finalityDepth ?? 0,
    traceBlocks: options.traceBlocks ?? false,
    opStack: options.chainType === "op",
  });

  async function handle(req: Request): Promise<Response> {
    if (req.method !== "POST") return json({ error: "JSON-RPC over POST only" }, 405);
    let body: unknown;
    try {
      body = JSON.parse(await req.text());
    } catch {
      return json({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } });
    }
    const calls = Array.isArray(body) ? body : [body];
    if (calls.length === 0) {
      // geth (rpc/handler.go) answers an empty batch with one error.
      return json({ jsonrpc: "2.0", id: null, error: { code: -32600, message: "empty batch" } });
    }
    for (const c of calls) {
      const method = typeof c === "object" && c !== null ? String((c as Json).method) : "";
      const faulted = await faults.answer(method, FAULT_ANSWERS, holdMs, shutdown.signal);
      if (faulted) return faulted;
    }
    const answers = [];
    for (const c of calls) answers.push(await http(c));
    return json(Array.isArray(body) ? answers : answers[0]);
  }

  const listener = serveDevnetHttp(options, handle);

  const interval = options.blockIntervalMs ?? 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const tick = (): void => {
    timer = setTimeout(() => {
      miner.mine()
        .catch((e) => console.error("EVM devnet: sealing a block failed", e))
        .finally(() => {
          if (!closed) tick();
        });
    }, interval);
  };
  if (interval > 0) tick();

  return {
    endpoint: `${listener.origin}/`,
    chainId,
    hardfork: node.hardfork,
    native,
    tokens,
    batchContract,
    faucetAccount: DEVNET_FAUCET,
    faults,
    faucet,
    faucetViaContract,
    balanceOf,
    mine: miner.mine,
    waitForBlock: miner.waitForBlock,
    height: miner.height,
    reorg: miner.reorg,
    snapshot: miner.snapshot,
    revert: miner.revert,
    call: (method, params) => node.call(method, params ?? []),
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      shutdown.abort();
      await listener.close();
      await node.close();
    },
  };
}

/** One JSON-RPC answer as sent back, with the call's id. */
type RpcReply = { jsonrpc: "2.0"; id: unknown } & ({ result: unknown } | { error: RpcErrorObject });

/**
 * The node as a client sees it over HTTP: one call at a time, with the lag fault (the head
 * reported `lag` blocks back, later blocks and receipts not there yet) and the `finalized` and
 * `safe` tags trailing the reported head by `finalityDepth`.
 */
function createRpcView(
  node: EvmNode,
  miner: Miner,
  faults: DevnetFaults,
  { finalityDepth, traceBlocks, opStack }: {
    finalityDepth: number;
    traceBlocks: boolean;
    opStack: boolean;
  },
): (call: unknown) => Promise<RpcReply> {
  async function answer(method: string, params: unknown[]): Promise<RpcAnswer> {
    if (hidden(method, traceBlocks)) {
      // geth's wording for a method it does not serve.
      return {
        error: { code: -32601, message: `the method ${method} does not exist/is not available` },
      };
    }
    if (method === "eth_sendRawTransaction") {
      const raw = String(params[0] ?? "");
      if (/^0x([0-9a-fA-F]{2})+$/.test(raw) && faults.takeDrop()) {
        return { result: keccak256(raw as Hex) };
      }
      try {
        return { result: await miner.submit("eth_sendRawTransaction", params) };
      } catch (e) {
        if (e instanceof RpcError) return { error: e.error };
        throw e;
      }
    }
    // Reads wait for any block or fork in progress, so they see the chain before or after it.
    return await miner.exclusive(() => read(method, params));
  }

  async function read(method: string, params: unknown[]): Promise<RpcAnswer> {
    const tip = Number(await node.call("eth_blockNumber"));
    const head = Math.max(0, tip - faults.lag);
    const final = Math.max(0, head - finalityDepth);
    const tags: Record<string, string> = { finalized: hex(final), safe: hex(final) };
    if (faults.lag > 0) tags.latest = hex(head);
    const args = params.map((p) => retag(p, tags));
    if (method === "eth_blockNumber") return { result: hex(head) };
    if (method === "debug_traceBlockByNumber" || method === "debug_traceBlockByHash") {
      return await traceBlock(node, method, args, head);
    }
    if (method === "eth_getBlockByNumber" && typeof args[0] === "string" && /^0x/.test(args[0])) {
      if (Number(args[0]) > head) return { result: null };
    }
    if (method === "eth_getLogs" && typeof args[0] === "object" && args[0] !== null) {
      const filter = args[0] as Json;
      if (typeof filter.toBlock === "string" && /^0x/.test(filter.toBlock)) {
        filter.toBlock = hex(Math.min(Number(filter.toBlock), head));
      } else if (filter.blockHash === undefined && faults.lag > 0) filter.toBlock = hex(head);
    }
    const out = method === "eth_estimateGas" && opStack
      ? await estimateAsOpGeth(node, args)
      : await node.send(method, args);
    if ("result" in out && faults.lag > 0) return { result: hideAbove(method, out.result, head) };
    return out;
  }

  return async (call: unknown): Promise<RpcReply> => {
    if (typeof call !== "object" || call === null || typeof (call as Json).method !== "string") {
      return {
        jsonrpc: "2.0",
        id: (call as Json | null)?.id ?? null,
        error: { code: -32600, message: "invalid request" },
      };
    }
    const c = call as Json;
    const params = Array.isArray(c.params) ? c.params : [];
    return { jsonrpc: "2.0", id: c.id ?? null, ...await answer(String(c.method), params) };
  };
}

/**
 * `eth_estimateGas` as op-geth answers it: op-geth leaves the L1 data fee out of simulated calls
 * (`StateTransition.buyGas` in its core/state_transition.go adds the L1 cost only when the
 * message checks nonce and EOA, which the messages of eth_call and eth_estimateGas skip), so an
 * account with no coin at all still gets the gas of a token transfer it would make; EDR's OP
 * chain asks the sender to afford the L1 fee first. Such a sender is credited for the one estimate and its balance put back; the
 * miner's queue, in which this runs, keeps every other call and block out meanwhile.
 */
async function estimateAsOpGeth(node: EvmNode, args: unknown[]): Promise<RpcAnswer> {
  const out = await node.send("eth_estimateGas", args);
  const from = (args[0] as Json | undefined)?.from;
  if (!("error" in out) || !/enough funds/i.test(out.error.message) || typeof from !== "string") {
    return out;
  }
  const balance = await node.call("eth_getBalance", [from, "latest"]) as string;
  await node.call("hardhat_setBalance", [from, hex(BigInt(balance) + 10n ** 18n)]);
  try {
    return await node.send("eth_estimateGas", args);
  } finally {
    await node.call("hardhat_setBalance", [from, balance]);
  }
}

/**
 * geth's `debug_traceBlockByNumber` / `debug_traceBlockByHash` (eth/tracers/api.go): the trace
 * of each transaction of the block in order, as `{txHash, result}`, with the tracer config of
 * the call. EDR traces one transaction at a time (replaying the block up to it), which gives
 * the same traces.
 */
async function traceBlock(
  node: EvmNode,
  method: "debug_traceBlockByNumber" | "debug_traceBlockByHash",
  args: unknown[],
  head: number,
): Promise<RpcAnswer> {
  const byNumber = method === "debug_traceBlockByNumber";
  const found = await node.send(byNumber ? "eth_getBlockByNumber" : "eth_getBlockByHash", [
    args[0],
    false,
  ]);
  if ("error" in found) return found;
  const block = found.result as { number: string; transactions: string[] } | null;
  if (block === null || Number(block.number) > head) {
    const which = byNumber ? `#${Number(args[0])}` : String(args[0]);
    return { error: { code: -32000, message: `block ${which} not found` } };
  }
  const traces = [];
  for (const txHash of block.transactions) {
    const trace = await node.send("debug_traceTransaction", [txHash, ...args.slice(1)]);
    if ("error" in trace) return trace;
    traces.push({ txHash, result: trace.result });
  }
  return { result: traces };
}

/** `value` with every block tag found in `tags` replaced (in filter objects too). */
function retag(value: unknown, tags: Record<string, string>): unknown {
  if (typeof value === "string") return tags[value] ?? value;
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = k === "fromBlock" || k === "toBlock" || k === "blockTag" ? retag(v, tags) : v;
    }
    return out;
  }
  return value;
}

/** A lagging node does not have blocks above `head` yet, nor their transactions' receipts. */
function hideAbove(method: string, result: unknown, head: number): unknown {
  if (typeof result !== "object" || result === null) return result;
  const r = result as Json;
  const above = (n: unknown): boolean => typeof n === "string" && Number(n) > head;
  if (method === "eth_getBlockByHash" || method === "eth_getBlockByNumber") {
    return above(r.number) ? null : result;
  }
  if (method === "eth_getTransactionReceipt") return above(r.blockNumber) ? null : result;
  if (method === "eth_getTransactionByHash" && above(r.blockNumber)) {
    return { ...r, blockHash: null, blockNumber: null, transactionIndex: null };
  }
  return result;
}
