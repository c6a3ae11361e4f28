/**
 * The static plugin registry: chain name → factory. Static imports let `deno compile` see
 * every plugin; config decides which ones start.
 */

import { type Config, ConfigError } from "../core/config.ts";
import type { NodeObserver } from "../core/node_observer.ts";
import type { ChainDevnet, ChainPlugin } from "../core/plugin.ts";
import { createTonPlugin } from "../plugins/ton/plugin.ts";
import { createTronPlugin } from "../plugins/tron/plugin.ts";

/** Builds a plugin from config, with devnet controls in devnet mode. */
export type PluginFactory = (
  config: Config,
  options: { devnet?: ChainDevnet; observer?: NodeObserver },
) => Promise<ChainPlugin>;

/** Every plugin this build knows, with the config predicate that enables it. */
export const PLUGINS: Readonly<
  Record<string, { enabled: (config: Config) => boolean; create: PluginFactory }>
> = {
  ton: { enabled: (c) => c.ton !== undefined && c.ton.enabled, create: createTonPlugin },
  tron: { enabled: (c) => c.tron !== undefined && c.tron.enabled, create: createTronPlugin },
};

/** Starts every enabled plugin; `observe` gives each chain's node observer (metrics). */
export async function loadPlugins(
  config: Config,
  devnets: Readonly<Record<string, ChainDevnet>> = {},
  observe?: (chain: string) => NodeObserver,
): Promise<Map<string, ChainPlugin>> {
  const plugins = new Map<string, ChainPlugin>();
  for (const [name, entry] of Object.entries(PLUGINS)) {
    if (!entry.enabled(config)) continue;
    try {
      plugins.set(
        name,
        await entry.create(config, { devnet: devnets[name], observer: observe?.(name) }),
      );
    } catch (error) {
      // Factories fail on unusable config; their messages name the field.
      throw new ConfigError((error as Error).message);
    }
  }
  if (plugins.size === 0) {
    throw new ConfigError(
      "no chain is enabled: set TON_ENDPOINT and TON_MNEMONIC_FILE, or TRON_ENDPOINT and " +
        "TRON_MNEMONIC_FILE",
    );
  }
  return plugins;
}
