/**
 * The EVM node itself: Hardhat's EDR (`@nomicfoundation/edr`, Rust, the engine of Hardhat
 * Network, shipped as a prebuilt napi addon in its npm package). It answers Ethereum JSON-RPC
 * requests as Hardhat Network does; this module only configures it (no automine, owned faucet
 * account, EIP-1559 base fee). Import it only in the process the node runs in
 * (node_process.ts): EDR keeps process-wide state.
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
import { type EvmNode, type EvmNodeOptions, evmNodeOver, type RpcAnswer } from "./node.ts";

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
