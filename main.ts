/**
 * Entry point: read config → open the store → load plugins → start workers and HTTP.
 *
 *   main.ts [--config path]        run the processor
 *   main.ts dev                    run it on local devnets with embedded Postgres
 *   main.ts site <command> ...     administer merchant sites (plugins/site_cli.ts)
 */

import { ConfigError, loadConfig } from "./core/config.ts";
import { createLogger } from "./core/log.ts";

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Runs the command line; resolves to the exit status. */
async function run(args: string[]): Promise<number> {
  // Each mode loads only its own modules: `site` must not pay for (or depend on) the chains.
  if (args[0] === "site") {
    const { runSiteCli } = await import("./plugins/site_cli.ts");
    return await runSiteCli(args.slice(1), Deno.env.toObject());
  }
  const log = createLogger((Deno.env.get("LOG_LEVEL") as "info" | undefined) ?? "info");
  if (args[0] === "dev") {
    const { startDev } = await import("./plugins/dev_mode.ts");
    await startDev(log);
    return 0;
  }
  const config = await loadConfig(argValue(args, "--config"), Deno.env.toObject());
  if (config.api.tokens.length === 0) {
    throw new ConfigError("api.tokens: set API_TOKEN (one or more comma-separated tokens)");
  }
  const { startProcessor, waitForSignal } = await import("./plugins/runtime.ts");
  const running = await startProcessor(config, log);
  log.info("processor started", { url: running.url, network: config.network });
  await waitForSignal();
  await running.stop();
  return 0;
}

if (import.meta.main) {
  let code: number;
  try {
    code = await run(Deno.args);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      Deno.exit(2);
    }
    console.error(`fatal: ${(error as Error).message}`);
    Deno.exit(1);
  }
  Deno.exit(code);
}
