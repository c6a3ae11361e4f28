/**
 * The TON plugin module: what the host's registry needs to run TON instances (config section,
 * environment names, explorers, factory, devnet).
 *
 * @module
 */

import { NODE_SECTION_ENV } from "../../core/config.ts";
import type { PluginModule } from "../../core/plugin.ts";
import { tonSchema, type TonSection } from "./config.ts";
import { tonDevnet } from "./dev.ts";
import { createTonPlugin } from "./plugin.ts";

/** This plugin's config section, as its schema parses it. */
export type { TonSection };

/** TON and its jettons, through a toncenter v2 node. */
export const tonPlugin: PluginModule<TonSection, "ton"> = {
  name: "ton",
  configSchema: tonSchema,
  env: {
    ...NODE_SECTION_ENV,
  },
  explorers: {
    mainnet: {
      address: "https://tonviewer.com/{address}",
      tx: "https://tonviewer.com/transaction/{tx}",
    },
    testnet: {
      address: "https://testnet.tonviewer.com/{address}",
      tx: "https://testnet.tonviewer.com/transaction/{tx}",
    },
  },
  create: createTonPlugin,
  devnet: tonDevnet,
};
