/**
 * What the devnet knows of its EVM node wherever it runs: the options it starts with, its
 * answers and errors. The node itself is in edr_node.ts, loaded only where it runs (see
 * node_process.ts), so that importing the devnet never loads EDR's native addon.
 *
 * @module
 */

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

/** Options of a node (edr_node.ts `createEvmNode`). */
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
  /**
   * `l1` (default): an Ethereum chain. `op`: an OP-stack rollup, as Base and Optimism are (EDR's
   * OP chain type, its hardforks named "bedrock" to "isthmus"): its predeploys, among them the
   * `GasPriceOracle`, and an L1 data fee charged on every transaction (see edr_node.ts).
   */
  chainType?: "l1" | "op";
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

/** What a node says of itself beside its answers. */
export type EvmNodeInfo = Pick<EvmNode, "chainId" | "hardfork" | "eip1559">;

/**
 * The L1 fee parameters an `op` node's `L1Block` predeploy starts with: Base mainnet's fee
 * scalars (Ecotone: a share of the L1 base fee per byte, a share of the blob base fee) and
 * 30 gwei for both L1 fees, so a transfer's L1 fee is a few percent of its L2 fee at 1 gwei.
 */
export const OP_DEVNET_L1_FEES = {
  l1BaseFee: 30_000_000_000n,
  blobBaseFee: 30_000_000_000n,
  baseFeeScalar: 2_269n,
  blobBaseFeeScalar: 1_055_762n,
} as const;

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
