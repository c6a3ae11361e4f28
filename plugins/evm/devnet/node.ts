/**
 * The EVM node itself: Hardhat's EDR (`@nomicfoundation/edr`, Rust, the engine of Hardhat
 * Network, shipped as a prebuilt napi addon in its npm package), in this process. It answers
 * Ethereum JSON-RPC requests as Hardhat Network does; this module only configures it (no
 * automine, owned faucet account, EIP-1559 base fee) and turns its answers into values.
 *
 * @module
 */
import {
  ContractDecoder,
  type EdrContext,
  EdrContext as EdrContextClass,
  L1_CHAIN_TYPE,
  l1GenesisState,
  L1Hardfork,
  l1HardforkFromString,
  l1HardforkLatest,
  l1HardforkToString,
  l1ProviderFactory,
  MineOrdering,
  type Provider,
} from "@nomicfoundation/edr";

/** A JSON-RPC error object as the node answers it. */
export interface RpcErrorObject {
  /** JSON-RPC error code (EIP-1474). */
  code: number;
  /** Human-readable message. */
  message: string;
  /** Extra data, e.g. revert data. */
  data?: unknown;
}

/** The node's answer to one call: a result or an error. */
export type RpcAnswer = { result: unknown } | { error: RpcErrorObject };

/** A JSON-RPC call the node answered with an error. */
export class RpcError extends Error {
  /** JSON-RPC error code. */
  readonly code: number;
  /** The error object as the node answered it. */
  readonly error: RpcErrorObject;

  /** The error of calling `method`. */
  constructor(method: string, error: RpcErrorObject) {
    super(`${method}: ${error.message}`);
    this.name = "RpcError";
    this.code = error.code;
    this.error = error;
  }
}

/** Options of {@linkcode createEvmNode}. */
export interface EvmNodeOptions {
  /** EIP-155 chain id. */
  chainId: bigint;
  /** Hardfork name as EDR spells it ("osaka", "london", "berlin", ...); default EDR's latest. */
  hardfork?: string;
  /** Accounts the node holds keys of (it signs their `eth_sendTransaction`), with balances. */
  accounts: readonly { address: string; privateKey: string; balance: bigint }[];
  /** Gas limit of every block (default 30,000,000). */
  blockGasLimit?: bigint;
  /** Base fee of the first block from London on (default 1 gwei, as Hardhat). */
  initialBaseFeePerGas?: bigint;
}

/** A running node, in this process or in a child of its own (node_process.ts). */
export interface EvmNode {
  /** Chain id the node signs and checks transactions with. */
  readonly chainId: bigint;
  /** Hardfork the node runs. */
  readonly hardfork: string;
  /** Whether blocks carry an EIP-1559 base fee (London and later). */
  readonly eip1559: boolean;
  /** Sends one call and returns the node's answer as is. */
  send(method: string, params: readonly unknown[]): Promise<RpcAnswer>;
  /**
   * Sends one call and returns its result.
   *
   * @throws RpcError when the node answers with an error
   */
  call(method: string, params?: readonly unknown[]): Promise<unknown>;
  /** Lets the node go (a node in another process exits). */
  close(): Promise<void>;
}

let shared: Promise<EdrContext> | undefined;

/** EDR allows one context per process ("Should only be called once!"); every node shares it. */
function edrContext(): Promise<EdrContext> {
  shared ??= (async () => {
    const context = new EdrContextClass();
    await context.registerProviderFactory(L1_CHAIN_TYPE, l1ProviderFactory());
    return context;
  })();
  return shared;
}

function bytes(hex: string): Uint8Array {
  const clean = hex.startsWith("0x") ? hex.slice(2) : hex;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Starts a node with an empty chain (genesis only). Mining is manual: blocks are sealed by
 * `evm_mine`, pending transactions ordered by fee as geth's miner does.
 *
 * @throws Error when `hardfork` is not a hardfork EDR knows
 */
export async function createEvmNode(options: EvmNodeOptions): Promise<EvmNode> {
  const fork = options.hardfork === undefined
    ? l1HardforkLatest()
    : l1HardforkFromString(options.hardfork);
  const eip1559 = fork >= L1Hardfork.London;
  const blockGasLimit = options.blockGasLimit ?? 30_000_000n;
  const context = await edrContext();
  const provider: Provider = await context.createProvider(
    L1_CHAIN_TYPE,
    {
      allowBlocksWithSameTimestamp: false,
      allowUnlimitedContractSize: false,
      bailOnCallFailure: false,
      bailOnTransactionFailure: false,
      chainId: options.chainId,
      coinbase: new Uint8Array(20),
      // Osaka caps a transaction's gas at 2^24 (EIP-7825); calls without `gas` get this.
      defaultTransactionGasLimit: 10_000_000n,
      genesisState: [
        ...l1GenesisState(fork),
        ...options.accounts.map((a) => ({ address: bytes(a.address), balance: a.balance })),
      ],
      hardfork: l1HardforkToString(fork),
      initialBaseFeePerGas: eip1559 ? (options.initialBaseFeePerGas ?? 1_000_000_000n) : undefined,
      minGasPrice: 0n,
      mining: { autoMine: false, blockGasLimit, memPool: { order: MineOrdering.Priority } },
      network: { genesisBlockGasLimit: blockGasLimit },
      networkId: options.chainId,
      observability: {},
      ownedAccounts: options.accounts.map((a) => a.privateKey),
      precompileOverrides: [],
    },
    { enable: false, decodeConsoleLogInputsCallback: () => [], printLineCallback: () => {} },
    { subscriptionCallback: () => {} },
    new ContractDecoder(),
  );
  let id = 0;

  async function send(method: string, params: readonly unknown[]): Promise<RpcAnswer> {
    const response = await provider.handleRequest(
      JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
    );
    const data = typeof response.data === "string" ? JSON.parse(response.data) : response.data;
    return "error" in data ? { error: data.error } : { result: data.result };
  }

  return evmNodeOver(
    { chainId: options.chainId, hardfork: l1HardforkToString(fork), eip1559 },
    send,
    () => Promise.resolve(),
  );
}

/** What a node says of itself beside its answers. */
export type EvmNodeInfo = Pick<EvmNode, "chainId" | "hardfork" | "eip1559">;

/** The node whose calls go through `send`, wherever it runs. */
export function evmNodeOver(
  info: EvmNodeInfo,
  send: EvmNode["send"],
  close: () => Promise<void>,
): EvmNode {
  return {
    ...info,
    send,
    async call(method: string, params: readonly unknown[] = []): Promise<unknown> {
      const answer = await send(method, params);
      if ("error" in answer) throw new RpcError(method, answer.error);
      return answer.result;
    },
    close,
  };
}
