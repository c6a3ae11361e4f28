/** What the services share: database, config, enabled plugins, clock and logger. */

import type { Asset } from "./asset.ts";
import type { Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import type { Db } from "./db.ts";
import type { Logger } from "./log.ts";
import type { Metrics } from "./metrics.ts";
import type { ChainPlugin } from "./plugin.ts";
import type { Wakes } from "./wake.ts";

/** The processor's running parts. */
export interface ProcessorContext {
  db: Db;
  config: Config;
  /** Enabled plugins by chain name. */
  plugins: ReadonlyMap<string, ChainPlugin>;
  clock: Clock;
  log: Logger;
  /**
   * The URL the HTTP server listens on, once it does (the configured port may be 0); the
   * default base of deposits' `paymentUrl` when `public.baseUrl` is not set.
   */
  listenUrl?: string;
  /** Where workers count what they do; absent in tests and tools that do not scrape. */
  metrics?: Metrics;
  /**
   * Wake-ups between the parts of the processor (a queued withdrawal, a committed block wake
   * the sender); absent in tests and tools, where workers wake at their intervals only.
   */
  wakes?: Wakes;
}

/** Finds the asset and plugin of a currency code. */
export function assetOf(
  ctx: ProcessorContext,
  currency: string,
): { asset: Asset; plugin: ChainPlugin } | null {
  for (const plugin of ctx.plugins.values()) {
    const asset = plugin.assets.find((a) => a.code === currency);
    if (asset) return { asset, plugin };
  }
  return null;
}
