/** The config section of a TON instance: its node, keys, batching and assets. */

import { z } from "zod";
import {
  type AssetConfig,
  assetSchema,
  baseUnits,
  type NodeSection,
  nodeSectionFields,
} from "../../core/config.ts";

/** A validated TON section. */
export interface TonSection extends NodeSection {
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
  // endpoint: toncenter v2 JSON-RPC, e.g. https://toncenter.com/api/v2/jsonRPC; the mnemonic
  // is the hot wallet's 24 words.
  ...nodeSectionFields,
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
