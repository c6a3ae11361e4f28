/** The config section of a TRON instance: its node, keys, fees, sweep strategy and assets. */

import { z } from "zod";
import {
  type AssetConfig,
  assetSchema,
  baseUnits,
  ConfigError,
  type NodeSection,
  nodeSectionFields,
} from "../../core/config.ts";

const tronAssetSchema = assetSchema.extend({
  /**
   * What one TRX is worth in this token's base units (e.g. `"300000"` for 0.30 USDT), to
   * weigh a sweep's TRX fee against its amount. Required when `tron.sweep.maxFeeBps` is set;
   * without either, token sweeps skip the check (the start logs a warning).
   */
  trxPrice: baseUnits.optional(),
}).strict();

/** One TRON instance's config section. */
export const tronSchema = z.object({
  // endpoint: a full node's HTTP API base URL, e.g. https://api.trongrid.io; apiKey: the
  // TronGrid key, sent as TRON-PRO-API-KEY; the mnemonic is BIP39.
  ...nodeSectionFields,
  /** Blocks (the income's own included) before an income is final; TRON solidifies at 19. */
  confirmations: z.number().int().min(1).max(1000).default(19),
  /** Lifetime of a signed transaction (`raw_data.expiration` past its reference block), s. */
  validitySeconds: z.number().int().min(3).max(86_400).default(60),
  /** Most TRX a TRC20 transfer may burn for energy (`fee_limit`), sun. */
  feeLimit: baseUnits.default(100_000_000n),
  /** How long one node request may take before it counts as failed, milliseconds. */
  requestTimeoutMs: z.number().int().min(100).max(120_000).default(15_000),
  /**
   * Requests per second the node allows; the caught-up scanner spends at most half of it on
   * asking for the head (TronGrid bills requests: 5 keeps a block read within ~0.15 of a
   * block of the node having it, at ~216,000 head requests a day).
   */
  rps: z.number().positive().default(5),
  sweep: z.object({
    /**
     * How a TRC20 deposit pays for its transfer to the hot wallet: TRX sent from the hot
     * wallet and burnt (`topup`), or energy delegated from the hot wallet's Stake 2.0 stake
     * and reclaimed after (`delegate`).
     */
    strategy: z.enum(["topup", "delegate"]).default("topup"),
    /** A sweep waits while its fee exceeds this share of its amount, basis points. */
    maxFeeBps: z.number().int().min(0).max(10_000).default(1_000),
  }).strict().default({ strategy: "topup", maxFeeBps: 1_000 }),
  assets: z.record(z.string().regex(/^[A-Z0-9_]{2,20}$/), tronAssetSchema).default({
    TRX: { decimals: 6, minSweep: 0n, hotResidual: 0n },
  }),
}).strict() satisfies z.ZodType<TronSection>;

/** One asset of a TRON section: an asset, and for tokens what one TRX is worth in it. */
export interface TronAssetConfig extends AssetConfig {
  /** What one TRX is worth in this token's base units; see `tronAssetSchema`. */
  trxPrice?: bigint;
}

/** A validated TRON section (what {@linkcode tronSchema} parses to). */
export interface TronSection extends NodeSection {
  /** Blocks (the income's own included) before an income is final. */
  confirmations: number;
  /** Lifetime of a signed transaction, seconds. */
  validitySeconds: number;
  /** Most TRX a TRC20 transfer may burn for energy (`fee_limit`), sun. */
  feeLimit: bigint;
  /** How long one node request may take, milliseconds. */
  requestTimeoutMs: number;
  /** Requests per second the node allows (bounds the caught-up scanner's polling). */
  rps: number;
  /** How token deposits pay for their sweep, and the fee share a sweep may cost. */
  sweep: { strategy: "topup" | "delegate"; maxFeeBps: number };
  /** Assets by code. */
  assets: Record<string, TronAssetConfig>;
}

/**
 * The sweep fee guard weighs a token sweep's TRX fee against its amount, which needs the
 * token's `trxPrice`. An operator who sets `sweep.maxFeeBps` asks for that guard: a token
 * without a price would make it silently do nothing, so the start is refused instead. It reads
 * the section as written: the default `maxFeeBps` does not count as set.
 */
export function checkTronFeeGuard(raw: unknown, instance: string): void {
  const tron = raw as Record<string, unknown> | null | undefined;
  const sweep = tron?.sweep as Record<string, unknown> | undefined;
  if (sweep?.maxFeeBps === undefined || sweep.maxFeeBps === null) return;
  const assets = (tron?.assets ?? {}) as Record<string, Record<string, unknown> | undefined>;
  for (const [code, asset] of Object.entries(assets)) {
    if (asset?.contract === undefined || asset.trxPrice !== undefined) continue;
    throw new ConfigError(
      `${instance}.assets.${code}.trxPrice: is required while ${instance}.sweep.maxFeeBps is ` +
        "set (what one TRX is worth in the token's base units, to weigh a sweep's fee against " +
        "its amount)",
    );
  }
}
