/**
 * The TRON plugin module: what the host's registry needs to run TRON instances (config
 * section, environment names, explorers, factory, devnet).
 *
 * @module
 */

import { NODE_SECTION_ENV } from "../../core/config.ts";
import type { PluginModule } from "../../core/plugin.ts";
import { checkTronFeeGuard, type TronAssetConfig, tronSchema, type TronSection } from "./config.ts";
import { tronDevnet } from "./dev.ts";
import { createTronPlugin } from "./plugin.ts";

/** This plugin's config section, as its schema parses it. */
export type { TronAssetConfig, TronSection };

/** TRX and TRC20 tokens, through a java-tron full node's HTTP API. */
export const tronPlugin: PluginModule<TronSection, "tron"> = {
  name: "tron",
  configSchema: tronSchema,
  precheck: checkTronFeeGuard,
  env: {
    ...NODE_SECTION_ENV,
    CONFIRMATIONS: { path: ["confirmations"], type: "integer" },
    FEE_LIMIT: { path: ["feeLimit"], type: "string" },
    SWEEP_STRATEGY: { path: ["sweep", "strategy"], type: "string" },
  },
  explorers: {
    mainnet: {
      address: "https://tronscan.org/#/address/{address}",
      tx: "https://tronscan.org/#/transaction/{tx}",
    },
    testnet: {
      address: "https://nile.tronscan.org/#/address/{address}",
      tx: "https://nile.tronscan.org/#/transaction/{tx}",
    },
  },
  create: createTronPlugin,
  devnet: tronDevnet,
};
