/**
 * The running processor: store, plugins, chain workers under leader locks, and HTTP. Used by
 * `main.ts` and by dev mode.
 */

import { createApp } from "../api/app.ts";
import { systemClock } from "../core/clock.ts";
import { type Config, ConfigError } from "../core/config.ts";
import type { ProcessorContext } from "../core/context.ts";
import { openDb, reportStrayConnectionErrors } from "../core/db.ts";
import { currentCursor, runIngest } from "../core/ingest.ts";
import type { Logger } from "../core/log.ts";
import { createMetrics, nodeObserver } from "../core/metrics.ts";
import { migrate } from "../core/migrations.ts";
import type { ChainDevnet } from "../core/plugin.ts";
import { runExchangeEvents } from "../core/exchange_events.ts";
import { runInvoices } from "../core/invoice_worker.ts";
import { runSender } from "../core/sender.ts";
import { type RetryOptions, retryUntilDone } from "../core/retry.ts";
import { recordHotWallet } from "../core/store/hot_wallets.ts";
import { createWakes } from "../core/wake.ts";
import { runWebhooks } from "../core/webhooks.ts";
import { type Registry, registry as builtIn } from "./registry.ts";

/** A running processor and how to stop it. */
export interface Running {
  ctx: ProcessorContext;
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the processor for `config`; devnet controls are passed in devnet mode. `registry`
 * says which plugin modules exist (default: this build's).
 */
export async function startProcessor(
  config: Config,
  log: Logger,
  devnets: Readonly<Record<string, ChainDevnet>> = {},
  registry: Registry = builtIn,
): Promise<Running> {
  const stopReporting = reportStrayConnectionErrors((error) =>
    log.warn("database connection error outside any query", { error })
  );
  const db = await openDb(config.database);
  await retryUntilDone(systemClock, log, "database migrations", () => migrate(db));
  const metrics = createMetrics();
  const plugins = await registry.loadPlugins(config, {
    devnets,
    observe: (chain) => nodeObserver(metrics, chain),
    log,
  });
  const wakes = createWakes(db, log);
  const ctx: ProcessorContext = { db, config, plugins, clock: systemClock, log, metrics, wakes };
  for (const plugin of plugins.values()) {
    const hot = plugin.derivation.hotWallet;
    const recorded = await recordHotWallet(db, plugin.chain, hot);
    if (recorded.address !== hot.address) {
      for (const p of plugins.values()) await p.close();
      await wakes.close();
      await db.close();
      throw new ConfigError(
        `${plugin.chain}.mnemonic: derives hot wallet ${hot.display}, but this database was ` +
          `used with ${recorded.display}; wrong mnemonic or wrong database ` +
          "(main.ts keys check compares them)",
      );
    }
  }
  await pinStartCursors(ctx);
  const app = createApp(ctx, { devnet: config.network === "devnet" });
  const controller = new AbortController();
  // Each worker runs in exactly one instance at a time: whoever holds its lock.
  const { signal } = controller;
  const workers: Promise<void>[] = [];
  for (const plugin of plugins.values()) {
    workers.push(
      runIngest(ctx, plugin, signal, { leader: `ingest:${plugin.chain}` }),
      runSender(ctx, plugin, signal, { leader: `sender:${plugin.chain}` }),
    );
  }
  workers.push(
    runInvoices(ctx, signal, { leader: "invoices" }),
    runWebhooks(ctx, signal, { leader: "webhooks" }),
  );
  if (config.exchangeWebhook) {
    workers.push(runExchangeEvents(ctx, signal, { leader: "exchange-events" }));
  }
  const server = Deno.serve({
    port: config.api.port,
    hostname: config.api.hostname,
    onListen: () => {},
  }, app.fetch);
  const host = config.api.hostname === "0.0.0.0" ? "127.0.0.1" : config.api.hostname;
  ctx.listenUrl = `http://${host}:${server.addr.port}`;
  if (!config.public.baseUrl && config.network !== "devnet") {
    log.warn("public.baseUrl is not set: deposits' paymentUrl uses the listening address", {
      url: ctx.listenUrl,
    });
  }
  return {
    ctx,
    url: ctx.listenUrl,
    async stop() {
      controller.abort();
      await server.shutdown();
      await Promise.allSettled(workers);
      for (const plugin of plugins.values()) await plugin.close();
      await wakes.close();
      await db.close();
      stopReporting();
    },
  };
}

/**
 * Pins each chain's starting block before the API hands out any address, so no payment to an
 * address can precede the block the scanner starts from (whenever it gets leadership). On a
 * fresh database that asks the node for its tip: a failure is retried with backoff, never
 * the end of the process.
 */
export async function pinStartCursors(
  ctx: ProcessorContext,
  options: RetryOptions = {},
): Promise<void> {
  for (const plugin of ctx.plugins.values()) {
    await retryUntilDone(
      ctx.clock,
      ctx.log,
      `${plugin.chain} starting block`,
      () => currentCursor(ctx, plugin),
      options,
    );
  }
}

/** Resolves on SIGINT or SIGTERM. */
export function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      Deno.removeSignalListener("SIGINT", done);
      Deno.removeSignalListener("SIGTERM", done);
      resolve();
    };
    Deno.addSignalListener("SIGINT", done);
    Deno.addSignalListener("SIGTERM", done);
  });
}
