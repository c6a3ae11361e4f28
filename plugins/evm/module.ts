/**
 * The EVM plugin module: what the host's registry needs to run EVM instances (config section,
 * environment names, factory, devnet). One plugin serves every EVM network: each network is
 * an instance, e.g. `"ethereum": {"plugin": "evm", "chainId": 1, ...}`, `"bsc"`, `"polygon"`,
 * `"arbitrum"`, `"base"`, with its own node, keys, cursor and assets.
 *
 * @module
 */

import { NODE_SECTION_ENV } from "../../core/config.ts";
import type { PluginModule } from "../../core/plugin.ts";
import { type EvmAssetConfig, type EvmGasPolicy, evmSchema, type EvmSection } from "./config.ts";
import { evmDevnet } from "./dev.ts";
import { createEvmPlugin } from "./plugin.ts";

/** This plugin's config section, as its schema parses it. */
export type { EvmAssetConfig, EvmGasPolicy, EvmSection };

/**
 * Native coins and ERC-20 tokens through a standard Ethereum JSON-RPC node. Explorer links
 * follow each instance's chain id (Etherscan, BscScan, PolygonScan, Arbiscan, BaseScan), so
 * the per-network table is empty; `public.explorers` overrides either.
 */
export const evmPlugin: PluginModule<EvmSection, "evm"> = {
  name: "evm",
  configSchema: evmSchema,
  env: {
    ...NODE_SECTION_ENV,
    CHAIN_ID: { path: ["chainId"], type: "integer" },
    FINALITY: { path: ["finality"], type: "string" },
    CONFIRMATIONS: { path: ["confirmations"], type: "integer" },
    GAS_TYPE: { path: ["gas", "type"], type: "string" },
    MAX_FEE_PER_GAS: { path: ["gas", "maxFeePerGas"], type: "string" },
    PRIORITY_FEE_PER_GAS: { path: ["gas", "priorityFeePerGas"], type: "string" },
    L1_DATA_FEE: { path: ["l1DataFee"], type: "string" },
  },
  explorers: {},
  create: createEvmPlugin,
  devnet: evmDevnet,
};
