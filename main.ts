/**
 * Entry point: read config → open the store → load plugins → start workers and HTTP.
 *
 *   main.ts [--config path]        run the processor
 *   main.ts dev                    run it on local devnets with embedded Postgres
 */

import { createApp } from "./api/app.ts";
import { systemClock } from "./core/clock.ts";
import { type Config, ConfigError, loadConfig } from "./core/config.ts";
import type { ProcessorContext } from "./core/context.ts";
import { openDb } from "./core/db.ts";
import { runIngest } from "./core/ingest.ts";
import { runAsLeader } from "./core/leader.ts";
import { createLogger, type Logger } from "./core/log.ts";
import { migrate } from "./core/migrations.ts";
import type { ChainDevnet } from "./core/plugin.ts";
import { runSender } from "./core/sender.ts";
import { loadPlugins } from "./plugins/registry.ts";

/** A running processor and how to stop it. */
export interface Running {
  ctx: ProcessorContext;
  url: string;
  stop(): Promise<void>;
}

/** Starts the processor for `config`; devnet controls are passed in devnet mode. */
export async function startProcessor(
  config: Config,
  log: Logger,
  devnets: Readonly<Record<string, ChainDevnet>> = {},
): Promise<Running> {
  const db = await openDb(config.database.url, config.database.dataDir);
  await migrate(db);
  const plugins = await loadPlugins(config, devnets);
  const ctx: ProcessorContext = { db, config, plugins, clock: systemClock, log };
  const app = createApp(ctx, { devnet: config.network === "devnet" });
  const controller = new AbortController();
  const workers: Promise<void>[] = [];
  for (const plugin of plugins.values()) {
    workers.push(
      runAsLeader(
        ctx,
        `ingest:${plugin.chain}`,
        controller.signal,
        (s) => runIngest(ctx, plugin, s),
      ),
      runAsLeader(
        ctx,
        `sender:${plugin.chain}`,
        controller.signal,
        (s) => runSender(ctx, plugin, s),
      ),
    );
  }
  const server = Deno.serve({
    port: config.api.port,
    hostname: config.api.hostname,
    onListen: () => {},
  }, app.fetch);
  const host = config.api.hostname === "0.0.0.0" ? "127.0.0.1" : config.api.hostname;
  return {
    ctx,
    url: `http://${host}:${server.addr.port}`,
    async stop() {
      controller.abort();
      await server.shutdown();
      await Promise.allSettled(workers);
      for (const plugin of plugins.values()) await plugin.close();
      await db.close();
    },
  };
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function run(args: string[]): Promise<void> {
  const log = createLogger((Deno.env.get("LOG_LEVEL") as "info" | undefined) ?? "info");
  if (args[0] === "dev") {
    const { startDev } = await import("./dev.ts");
    await startDev(log);
    return;
  }
  const config = await loadConfig(argValue(args, "--config"), Deno.env.toObject());
  if (config.api.tokens.length === 0) {
    throw new ConfigError("api.tokens: set API_TOKEN (one or more comma-separated tokens)");
  }
  const running = await startProcessor(config, log);
  log.info("processor started", { url: running.url, network: config.network });
  await waitForSignal();
  await running.stop();
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

if (import.meta.main) {
  try {
    await run(Deno.args);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      Deno.exit(2);
    }
    console.error(`fatal: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
