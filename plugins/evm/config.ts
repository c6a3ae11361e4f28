/**
 * The config section of an EVM instance (`ethereum`, `bsc`, `polygon`, `arbitrum`, `base`, …,
 * each `{"plugin": "evm", ...}`): its JSON-RPC node, chain id, finality, gas policy, keys and
 * assets (the native coin and ERC-20 tokens by contract).
 *
 * @module
 */

import { z } from "zod";
import {
  type AssetConfig,
  assetSchema,
  baseUnits,
  type NodeSection,
  nodeSectionFields,
} from "../../core/config.ts";

/** One gwei in wei. */
const GWEI = 1_000_000_000n;

const gasSchema = z.object({
  /**
   * `eip1559` (type-2 transactions: base fee plus priority fee) where the chain has a base
   * fee, `legacy` (type-0, one gas price) where it does not, e.g. BSC before its 1559 fork.
   */
  type: z.enum(["eip1559", "legacy"]).default("eip1559"),
  /**
   * The most the processor pays per gas, wei (`maxFeePerGas` or `gasPrice`): no transaction,
   * and no fee bump of a stuck one, goes above it.
   */
  maxFeePerGas: baseUnits.default(200n * GWEI),
  /** Priority fee (tip) per gas, wei; absent: what the node suggests. */
  priorityFeePerGas: baseUnits.optional(),
  /**
   * How far a replacement raises the fees of a stuck transaction, percent (nodes refuse a
   * replacement below +10% on both fees).
   */
  bumpPercent: z.number().int().min(10).max(1000).default(25),
  /** Re-broadcasts of an unseen transaction before it is replaced with a higher fee. */
  replaceAfterBroadcasts: z.number().int().min(1).max(1000).default(3),
}).strict();

const evmAssetSchema = assetSchema.extend({
  /** Gas limit of one transfer of this asset; absent: estimated by the node, with a margin. */
  gasLimit: z.number().int().min(21_000).max(10_000_000).optional(),
}).strict();

/** One EVM instance's config section. */
export const evmSchema = z.object({
  // endpoint: a standard Ethereum JSON-RPC URL; apiKey: sent as a bearer token when set;
  // the mnemonic is BIP39 (m/44'/60'/0'/0/i, index 0 the hot wallet).
  ...nodeSectionFields,
  /** EIP-155 chain id the node must report (1 Ethereum, 56 BSC, 137 Polygon, 42161, 8453). */
  chainId: z.number().int().min(1).max(2 ** 48),
  /**
   * When an income is final: `confirmations` blocks (the income's own included), or
   * `finalized`: only blocks the node tags `finalized` are scanned (chains with a finality
   * gadget: Ethereum, and L2s whose node tags what their L1 finalized).
   */
  finality: z.enum(["confirmations", "finalized"]).default("confirmations"),
  /** Blocks (the income's own included) before an income is final, with `confirmations`. */
  confirmations: z.number().int().min(1).max(10_000).default(12),
  gas: gasSchema.default({
    type: "eip1559",
    maxFeePerGas: 200n * GWEI,
    bumpPercent: 25,
    replaceAfterBroadcasts: 3,
  }),
  /**
   * Native value moved by contract calls (internal transactions): `auto` traces each block
   * with `debug_traceBlockByHash` when the node offers it; `off` never does (the native sweep
   * then records such value as an unrecognized transfer, see the README).
   */
  traceInternal: z.enum(["auto", "off"]).default("auto"),
  /**
   * The L1 data fee a rollup charges beside `gasUsed × price`: `op-stack` (Optimism, Base and
   * other OP-stack chains: the fee the `GasPriceOracle` predeploy quotes), `none`, or `auto`:
   * `op-stack` when the node has code at that predeploy's address, `none` otherwise.
   */
  l1DataFee: z.enum(["auto", "op-stack", "none"]).default("auto"),
  /** How long one node request may take before it counts as failed, milliseconds. */
  requestTimeoutMs: z.number().int().min(100).max(120_000).default(15_000),
  /**
   * A Disperse-style batch contract (`sendNative`, `sendToken`; see `batch.ts`) through which
   * up to `maxBatch` withdrawals of one asset go out in one transaction; absent: one each. The
   * hot wallet must have approved it for every token before the processor starts.
   */
  batch: z.object({
    contract: z.string().min(1),
    maxBatch: z.number().int().min(2).max(500).default(50),
  }).strict().optional(),
  assets: z.record(z.string().regex(/^[A-Z0-9_]{2,20}$/), evmAssetSchema).default({
    ETH: { decimals: 18, minSweep: 0n, hotResidual: 0n },
  }),
}).strict() satisfies z.ZodType<EvmSection>;

/** One asset of an EVM section. */
export interface EvmAssetConfig extends AssetConfig {
  /** Gas limit of one transfer; absent: estimated. */
  gasLimit?: number;
}

/** Gas policy of an EVM section. */
export interface EvmGasPolicy {
  /** Transaction type: EIP-1559 fees or a legacy gas price. */
  type: "eip1559" | "legacy";
  /** Fee ceiling per gas, wei. */
  maxFeePerGas: bigint;
  /** Tip per gas, wei; absent: the node's suggestion. */
  priorityFeePerGas?: bigint;
  /** Fee raise of a replacement, percent. */
  bumpPercent: number;
  /** Re-broadcasts before a replacement. */
  replaceAfterBroadcasts: number;
}

/** A validated EVM section (what {@linkcode evmSchema} parses to). */
export interface EvmSection extends NodeSection {
  /** EIP-155 chain id. */
  chainId: number;
  /** How incomes become final. */
  finality: "confirmations" | "finalized";
  /** Blocks before an income is final (with `confirmations`). */
  confirmations: number;
  /** Fees. */
  gas: EvmGasPolicy;
  /** Whether blocks are traced for internal native transfers. */
  traceInternal: "auto" | "off";
  /** Which L1 data fee transactions pay; `auto`: detected from the node. */
  l1DataFee: "auto" | "op-stack" | "none";
  /** How long one node request may take, milliseconds. */
  requestTimeoutMs: number;
  /** Batch contract and batch size; absent: one withdrawal per transaction. */
  batch?: { contract: string; maxBatch: number };
  /** Assets by code: one native (no `contract`), any number of ERC-20 tokens. */
  assets: Record<string, EvmAssetConfig>;
}
