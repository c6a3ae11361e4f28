/**
 * Entry point: read config → open the store → load plugins → start workers and HTTP.
 * See {@linkcode USAGE}; `--help` prints it and exits 0, an unknown command or option prints
 * it and exits 2, as a config error does.
 */

import { ConfigError, loadConfig } from "./host/registry.ts";
import { createLogger } from "./core/log.ts";

/** What `--help` prints. */
export const USAGE = `usage: main.ts [command] [--config path]

commands:
  (none), run            run the processor (config file and environment; network required)
  dev                    everything in one process: TON and TRON devnets, the processor on
                         in-memory Postgres, funded hot wallets
  devnet                 only the TON and TRON devnets, on fixed ports, for processors and
                         clients to use across restarts (--ton-port, --tron-port, --host)
  keys check [--count N] re-derive the hot wallets and the first N stored deposit addresses
                         from the configured mnemonics and compare them with the database
  site <command> ...     administer merchant sites (main.ts site --help)

options:
  --config path          JSON config file; environment variables override it (README)
  -h, --help             this text`;

/** A command line that names no known command or option. */
class UsageError extends Error {}

/** `--config path` (or `--config=path`) and the rest; unknown options are refused. */
function parseOptions(
  args: string[],
  known: readonly string[] = [],
): { config?: string; values: Map<string, string> } {
  const values = new Map<string, string>();
  let config: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].startsWith("--") && args[i].includes("=")
      ? [args[i].slice(0, args[i].indexOf("=")), args[i].slice(args[i].indexOf("=") + 1)]
      : [args[i], undefined];
    if (flag !== "--config" && !known.includes(flag)) {
      throw new UsageError(`unknown ${flag.startsWith("-") ? "option" : "argument"}: ${flag}`);
    }
    const value = inline ?? args[++i];
    if (value === undefined || value === "") throw new UsageError(`${flag}: needs a value`);
    if (flag === "--config") config = value;
    else values.set(flag, value);
  }
  return { config, values };
}

/** Runs the command line; resolves to the exit status. */
export async function run(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h") || args[0] === "help") {
    // `site` has its own usage.
    if (args[0] !== "site") {
      console.log(USAGE);
      return 0;
    }
  }
  // Each mode loads only its own modules: `site` must not pay for (or depend on) the chains.
  if (args[0] === "site") {
    const { runSiteCli } = await import("./host/site_cli.ts");
    return await runSiteCli(args.slice(1), Deno.env.toObject());
  }
  const log = createLogger((Deno.env.get("LOG_LEVEL") as "info" | undefined) ?? "info");
  try {
    if (args[0] === "dev") {
      parseOptions(args.slice(1));
      const { startDev } = await import("./host/dev_mode.ts");
      await startDev(log);
      return 0;
    }
    if (args[0] === "devnet") {
      const { registry } = await import("./host/registry.ts");
      const portFlags = registry.modules.filter((m) => m.devnet).map((m) => `--${m.name}-port`);
      const { values } = parseOptions(args.slice(1), [...portFlags, "--host"]);
      const { runStandaloneDevnets } = await import("./host/devnet_cli.ts");
      return await runStandaloneDevnets(values, Deno.env.toObject());
    }
    if (args[0] === "keys") {
      if (args[1] !== "check") throw new UsageError(`unknown keys command: ${args[1] ?? "(none)"}`);
      const { config: path, values } = parseOptions(args.slice(2), ["--count"]);
      const config = await loadConfig(path, Deno.env.toObject(), { requireNetwork: true });
      const { runKeysCheck } = await import("./host/keys_check.ts");
      return await runKeysCheck(config, values.get("--count"));
    }
    const rest = args[0] === "run" ? args.slice(1) : args;
    const { config: path } = parseOptions(rest);
    const config = await loadConfig(path, Deno.env.toObject(), { requireNetwork: true });
    if (config.api.tokens.length === 0) {
      throw new ConfigError("api.tokens: set API_TOKEN (one or more comma-separated tokens)");
    }
    const { startProcessor, waitForSignal } = await import("./host/runtime.ts");
    const running = await startProcessor(config, log);
    log.info("processor started", { url: running.url, network: config.network });
    await waitForSignal();
    await running.stop();
    return 0;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
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
