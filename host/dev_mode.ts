/**
 * Dev mode (`deno task dev`): local devnets and the processor together, on embedded
 * Postgres in memory, with no keys to generate. Both the chain and the database live only as
 * long as the process.
 */

import type { Logger } from "../core/log.ts";
import type { ChainDevnet, InstanceSection, RunningDevnet } from "../core/plugin.ts";
import { applyEnv, type Config, parseConfig, registry } from "./registry.ts";
import { startProcessor, waitForSignal } from "./runtime.ts";

/** The running devnets of dev mode, by instance name. */
export type DevDevnets = ReadonlyMap<string, RunningDevnet<InstanceSection>>;

/** Environment names of the core that dev mode honours (the rest would point elsewhere). */
const CORE_ENV = [
  "API_TOKEN",
  "API_PORT",
  "SYNC_LAG_SECONDS",
  "EXCHANGE_WEBHOOK_URL",
  "EXCHANGE_WEBHOOK_SECRET_FILE",
  "METRICS_TOKEN",
];

/** What dev mode generates per run and must print. */
export interface DevSecrets {
  token: string;
  /** Hot wallet secret (mnemonic) by instance name. */
  chains: Readonly<Record<string, string>>;
  /** The exchange webhook's signing secret when EXCHANGE_WEBHOOK_URL has no secret file. */
  exchangeWebhookSecret: string | null;
}

/**
 * Dev mode's config for the running devnets: each chain with every devnet asset, sweeps from
 * 10 whole units where its devnet sets none, and the environment's `API_*`,
 * `SYNC_LAG_SECONDS`, exchange webhook and chain settings on top (a chain's env names for
 * fields its devnet section sets, such as the endpoint, are ignored: the devnet wins).
 */
export function devConfig(
  devnets: DevDevnets,
  env: Record<string, string | undefined>,
  secrets: DevSecrets,
): Config {
  const tenUnits = (decimals: number) => (10n ** BigInt(decimals) * 10n).toString();
  const raw: Record<string, unknown> = {
    network: "devnet",
    api: { port: 8080, hostname: "127.0.0.1", tokens: [secrets.token] },
    ...(env.EXCHANGE_WEBHOOK_URL && !env.EXCHANGE_WEBHOOK_SECRET_FILE &&
        secrets.exchangeWebhookSecret
      ? {
        exchangeWebhook: { url: env.EXCHANGE_WEBHOOK_URL, secret: secrets.exchangeWebhookSecret },
      }
      : {}),
  };
  const allowed: Record<string, string | undefined> = {};
  for (const name of CORE_ENV) allowed[name] = env[name];
  for (const [name, devnet] of devnets) {
    const section = devnet.section(secrets.chains[name]);
    const assets = section.assets as Record<string, { decimals: number; minSweep?: string }>;
    section.assets = Object.fromEntries(
      Object.entries(assets).map(([code, a]) => [code, {
        ...a,
        minSweep: a.minSweep ?? tenUnits(a.decimals),
      }]),
    );
    raw[name] = section;
    const module = registry.modules.find((m) => m.name === name);
    for (const [suffix, binding] of Object.entries(module?.env ?? {})) {
      if (binding.path[0] in section || binding.path[0] === "mnemonicFile") continue;
      const envName = `${name.toUpperCase()}_${suffix}`;
      allowed[envName] = env[envName];
    }
  }
  const applied = applyEnv(raw, allowed);
  // Chain and database are both fresh each run; a persistent database would outlive the chain.
  applied.database = { dataDir: "memory://" };
  return parseConfig(applied);
}

/** Starts every plugin's devnet, one instance each, under the plugin's name. */
export async function startDevnets(blockIntervalMs: number): Promise<DevDevnets> {
  const devnets = new Map<string, RunningDevnet<InstanceSection>>();
  for (const module of registry.modules) {
    if (module.devnet) devnets.set(module.name, await module.devnet.start({ blockIntervalMs }));
  }
  return devnets;
}

/** Starts devnets and the processor, prints how to use them, runs until SIGINT/SIGTERM. */
export async function startDev(log: Logger): Promise<void> {
  const devnets = await startDevnets(1000);
  const env = Deno.env.toObject();
  const token = env.API_TOKEN?.split(",")[0]?.trim() ||
    `dev-${crypto.randomUUID().replaceAll("-", "")}`;
  const exchangeWebhookSecret = env.EXCHANGE_WEBHOOK_URL && !env.EXCHANGE_WEBHOOK_SECRET_FILE
    ? crypto.randomUUID().replaceAll("-", "")
    : null;
  const chains: Record<string, string> = {};
  for (const [name, devnet] of devnets) chains[name] = await devnet.newSecret();
  const config = devConfig(devnets, env, { token, chains, exchangeWebhookSecret });
  const sections = config as unknown as Record<string, InstanceSection>;
  const controls: Record<string, ChainDevnet> = {};
  for (const [name, devnet] of devnets) {
    await devnet.prepare?.(sections[name], chains[name]);
    controls[name] = devnet.controls;
  }
  const running = await startProcessor(config, log, controls);
  const funded: string[] = [];
  for (const [name, devnet] of devnets) {
    const plugin = running.ctx.plugins.get(name);
    if (plugin) {
      funded.push(`  ${name.toUpperCase()} hot wallet: ${await devnet.fundHotWallet(plugin)}`);
    }
  }
  console.log(
    [
      "",
      "Processor running on local devnets (chain and database in memory).",
      `  API:        ${running.url}`,
      `  API token:  ${token}`,
      ...funded,
      `  Devnet info:    curl ${running.url}/devnet`,
      ...(config.exchangeWebhook
        ? [
          `  Exchange webhook: ${config.exchangeWebhook.url}` +
          (exchangeWebhookSecret ? ` (signing secret ${exchangeWebhookSecret})` : ""),
        ]
        : []),
      "",
      "Try:",
      `  curl -s -H 'Authorization: Bearer ${token}' -d '{"user_id":"1","currency":"TON"}' ${running.url}/v1/address/new`,
      "",
    ].join("\n"),
  );
  await waitForSignal();
  await running.stop();
  for (const devnet of devnets.values()) await devnet.stop();
}
