/** The config section of a TON instance: its node, keys, batching and assets. */

import { z } from "zod";
import { type AssetConfig, assetSchema, baseUnits } from "../../core/config.ts";

/** A validated TON section. */
export interface TonSection {
  /** `false`: configured but not started. */
  readonly enabled: boolean;
  /** toncenter v2 JSON-RPC endpoint; absent in devnet mode. */
  readonly endpoint?: string;
  /** toncenter API key, when the node wants one. */
  readonly apiKey?: string;
  /** Hot wallet mnemonic (24 words); prefer `mnemonicFile`. */
  readonly mnemonic?: string;
  /** File holding the mnemonic. */
  readonly mnemonicFile?: string;
  /** Where the hot wallet's excess goes; absent: nowhere. */
  readonly coldWallet?: string;
  /** Root DNS resolver; defaults to the network's root. */
  readonly dnsRoot?: string;
  /** Messages per hot wallet external message. */
  readonly batchSize: number;
  /** Lifetime of a signed external message, seconds. */
  readonly validitySeconds: number;
  /** How often an unseen payload is broadcast again, seconds. */
  readonly rebroadcastSeconds: number;
  /** How long one node request may take, milliseconds. */
  readonly requestTimeoutMs: number;
  /** TON sent on with each jetton withdrawal's notification, nanotons. */
  readonly jettonForwardTon: bigint;
  /** Requests per second allowed to the node. */
  readonly rps: number;
  /** Assets by code. */
  readonly assets: Record<string, AssetConfig>;
}

/** One TON instance's config section. */
export const tonSchema: z.ZodType<TonSection> = z.object({
  enabled: z.boolean().default(true),
  /** toncenter v2 JSON-RPC endpoint, e.g. https://toncenter.com/api/v2/jsonRPC. */
  endpoint: z.string().url().optional(),
  apiKey: z.string().min(1).optional(),
  /** Hot wallet mnemonic (24 words); prefer `mnemonicFile`. */
  mnemonic: z.string().min(1).optional(),
  mnemonicFile: z.string().min(1).optional(),
  coldWallet: z.string().min(1).optional(),
  /** Root DNS resolver; defaults to the network's root. */
  dnsRoot: z.string().min(1).optional(),
  /** Messages per hot wallet external message (W5 carries at most 255). */
  batchSize: z.number().int().min(1).max(250).default(250),
  /** Lifetime of a signed external message, seconds. */
  validitySeconds: z.number().int().min(10).max(600).default(60),
  /** How often an unseen payload is broadcast again, seconds. */
  rebroadcastSeconds: z.number().int().min(1).max(600).default(10),
  /** How long one node request may take before it counts as failed, milliseconds. */
  requestTimeoutMs: z.number().int().min(100).max(120_000).default(15_000),
  /** TON sent on with each jetton withdrawal's notification (0: none), nanotons. */
  jettonForwardTon: baseUnits.default(1n),
  /** Requests per second allowed to the node (toncenter without a key allows 1). */
  rps: z.number().positive().default(10),
  assets: z.record(z.string().regex(/^[A-Z0-9_]{2,20}$/), assetSchema).default({
    TON: { decimals: 9, minSweep: 0n, hotResidual: 0n },
  }),
}).strict();
