/**
 * The EVM node itself: Hardhat's EDR (`@nomicfoundation/edr`, Rust, the engine of Hardhat
 * Network, shipped as a prebuilt napi addon in its npm package). It answers Ethereum JSON-RPC
 * requests as Hardhat Network does; this module only configures it (no automine, owned faucet
 * account, EIP-1559 base fee). Import it only in the process the node runs in
 * (node_process.ts): EDR keeps process-wide state.
 *
 * An `op` node is EDR's OP-stack chain type: the OP predeploys in its genesis, OP receipts
 * (`l1Fee` and the L1 fee parameters), and the L1 data fee charged from each sender as op-geth
 * charges it, from what the `L1Block` predeploy holds. EDR's genesis leaves the Ecotone fee
 * scalars of `L1Block` reading as zero (so every L1 fee would be 0); the node writes
 * {@linkcode OP_DEVNET_L1_FEES} there instead. Nothing updates them later (no L1 origin moves
 * on a devnet): the L1 fee of a transaction is a function of its bytes alone.
 *
 * @module
 */
import {
  type AccountOverride,
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
  OP_CHAIN_TYPE,
  opGenesisState,
  type OpHardfork,
  opHardforkFromString,
  opHardforkToString,
  opLatestHardfork,
  opProviderFactory,
  type Provider,
} from "@nomicfoundation/edr";
import {
  type EvmNode,
  type EvmNodeOptions,
  evmNodeOver,
  OP_DEVNET_L1_FEES,
  type RpcAnswer,
} from "./node.ts";

/**
 * The `L1Block` predeploy and the storage slots of the L1 fee parameters it holds, in the order
 * the Ecotone `L1Block.sol` of Optimism's contracts-bedrock declares them (`number` and
 * `timestamp` 0, `basefee` 1, `hash` 2, the packed scalars 3, `batcherHash` 4, the legacy
 * overhead and scalar 5 and 6, `blobBaseFee` 7); the OP devnet test's quote from the oracle,
 * matching the fee the node charges, shows EDR's predeploy has that layout.
 */
const L1_BLOCK = "4200000000000000000000000000000000000015";
const L1_BASE_FEE_SLOT = 1n;
/** Packed: sequence number (bits 0-63), blob base fee scalar (64-95), base fee scalar (96-127). */
const L1_FEE_SCALARS_SLOT = 3n;
const L1_BLOB_BASE_FEE_SLOT = 7n;

let shared: Promise<EdrContext> | undefined;

/** EDR allows one context per process ("Should only be called once!"); every node shares it. */
function edrContext(): Promise<EdrContext> {
  shared ??= (async () => {
    const context = new EdrContextClass();
    await context.registerProviderFactory(L1_CHAIN_TYPE, l1ProviderFactory());
    await context.registerProviderFactory(OP_CHAIN_TYPE, opProviderFactory());
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

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** EDR's OP genesis with the L1 fee parameters of {@linkcode OP_DEVNET_L1_FEES}. */
function opGenesis(fork: OpHardfork): AccountOverride[] {
  const fees = OP_DEVNET_L1_FEES;
  return opGenesisState(fork).map((account) => {
    if (hexOf(account.address) !== L1_BLOCK) return account;
    const storage = (account.storage ?? []).map((slot) => {
      if (slot.index === L1_BASE_FEE_SLOT) return { ...slot, value: fees.l1BaseFee };
      if (slot.index === L1_BLOB_BASE_FEE_SLOT) return { ...slot, value: fees.blobBaseFee };
      if (slot.index !== L1_FEE_SCALARS_SLOT) return slot;
      const sequence = slot.value & ((1n << 64n) - 1n);
      return {
        ...slot,
        value: (fees.baseFeeScalar << 96n) | (fees.blobBaseFeeScalar << 64n) | sequence,
      };
    });
    return { ...account, storage };
  });
}

/**
 * Starts a node with an empty chain (genesis only). Mining is manual: blocks are sealed by
 * `evm_mine`, pending transactions ordered by fee as geth's miner does.
 *
 * @throws Error when `hardfork` is not a hardfork EDR knows
 */
export async function createEvmNode(options: EvmNodeOptions): Promise<EvmNode> {
  const op = options.chainType === "op";
  let hardfork: string;
  let genesis: AccountOverride[];
  let eip1559: boolean;
  if (op) {
    const fork = options.hardfork === undefined
      ? opLatestHardfork()
      : opHardforkFromString(options.hardfork);
    hardfork = opHardforkToString(fork);
    genesis = opGenesis(fork);
    // Every OP hardfork (Bedrock on) has EIP-1559 base fees.
    eip1559 = true;
  } else {
    const fork = options.hardfork === undefined
      ? l1HardforkLatest()
      : l1HardforkFromString(options.hardfork);
    hardfork = l1HardforkToString(fork);
    genesis = l1GenesisState(fork);
    eip1559 = fork >= L1Hardfork.London;
  }
  const blockGasLimit = options.blockGasLimit ?? 30_000_000n;
  const context = await edrContext();
  const provider: Provider = await context.createProvider(
    op ? OP_CHAIN_TYPE : L1_CHAIN_TYPE,
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
        ...genesis,
        ...options.accounts.map((a) => ({ address: bytes(a.address), balance: a.balance })),
      ],
      hardfork,
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
    { chainId: options.chainId, hardfork, eip1559 },
    send,
    () => Promise.resolve(),
  );
}
