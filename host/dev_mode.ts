/**
 * Dev mode (`deno task dev`): local devnets and the processor together, on embedded
 * Postgres in memory, with no keys to generate. Both the chain and the database live only as
 * long as the process.
 */

import { Address, toNano } from "@ton/core";
import { mnemonicNew } from "@ton/crypto";
import { applyEnv, type Config, parseConfig } from "../core/config.ts";
import type { Logger } from "../core/log.ts";
import { startProcessor, waitForSignal } from "./runtime.ts";
import { devnetJettonAssets, tonDevnetControls } from "../plugins/ton/dev.ts";
import { startTonDevnet, type TonDevnet } from "../plugins/ton/devnet/server.ts";
import {
  devnetTrc20Assets,
  stakeDevnetHotWallet,
  tronDevnetControls,
} from "../plugins/tron/dev.ts";
import { englishWordlist, generateMnemonic } from "../plugins/tron/deps.ts";
import { startTronDevnet, type TronDevnet } from "../plugins/tron/devnet/server.ts";

/** What dev mode generates per run and must print. */
export interface DevSecrets {
  token: string;
  tonMnemonic: string;
  tronMnemonic: string;
  /** The exchange webhook's signing secret when EXCHANGE_WEBHOOK_URL has no secret file. */
  exchangeWebhookSecret: string | null;
}

/**
 * Dev mode's config for two running devnets: both chains with every devnet asset, sweeps of
 * native coins and tokens (jettons included) from 10 whole units, and the environment's
 * `API_*`, `SYNC_LAG_SECONDS`, `TRON_*` and exchange webhook settings on top.
 */
export function devConfig(
  devnet: TonDevnet,
  tronDevnet: TronDevnet,
  env: Record<string, string | undefined>,
  secrets: DevSecrets,
): Config {
  const tenUnits = (decimals: number) => (10n ** BigInt(decimals) * 10n).toString();
  const swept = (assets: Record<string, { decimals: number; contract: string }>) =>
    Object.fromEntries(
      Object.entries(assets).map(([code, a]) => [code, { ...a, minSweep: tenUnits(a.decimals) }]),
    );
  const raw = applyEnv({
    network: "devnet",
    api: { port: 8080, hostname: "127.0.0.1", tokens: [secrets.token] },
    ton: {
      endpoint: devnet.endpoint,
      mnemonic: secrets.tonMnemonic,
      dnsRoot: devnet.dnsRoot.toString(),
      validitySeconds: 30,
      rps: 1000,
      assets: {
        TON: { decimals: 9, minSweep: "1000000000" },
        ...swept(devnetJettonAssets(devnet)),
      },
    },
    tron: {
      endpoint: tronDevnet.endpoint,
      mnemonic: secrets.tronMnemonic,
      assets: {
        TRX: { decimals: 6, minSweep: "10000000" },
        ...swept(devnetTrc20Assets(tronDevnet)),
      },
    },
    ...(env.EXCHANGE_WEBHOOK_URL && !env.EXCHANGE_WEBHOOK_SECRET_FILE &&
        secrets.exchangeWebhookSecret
      ? {
        exchangeWebhook: { url: env.EXCHANGE_WEBHOOK_URL, secret: secrets.exchangeWebhookSecret },
      }
      : {}),
  }, {
    API_TOKEN: env.API_TOKEN,
    API_PORT: env.API_PORT,
    SYNC_LAG_SECONDS: env.SYNC_LAG_SECONDS,
    TRON_CONFIRMATIONS: env.TRON_CONFIRMATIONS,
    TRON_SWEEP_STRATEGY: env.TRON_SWEEP_STRATEGY,
    EXCHANGE_WEBHOOK_URL: env.EXCHANGE_WEBHOOK_URL,
    EXCHANGE_WEBHOOK_SECRET_FILE: env.EXCHANGE_WEBHOOK_SECRET_FILE,
    METRICS_TOKEN: env.METRICS_TOKEN,
  });
  // Chain and database are both fresh each run; a persistent database would outlive the chain.
  raw.database = { dataDir: "memory://" };
  return parseConfig(raw);
}

/** Starts devnets and the processor, prints how to use them, runs until SIGINT/SIGTERM. */
export async function startDev(log: Logger): Promise<void> {
  const devnet = await startTonDevnet({ blockIntervalMs: 1000 });
  const tronDevnet = await startTronDevnet({ blockIntervalMs: 1000 });
  const env = Deno.env.toObject();
  const token = env.API_TOKEN?.split(",")[0]?.trim() ||
    `dev-${crypto.randomUUID().replaceAll("-", "")}`;
  const tronMnemonic = generateMnemonic(englishWordlist, 256);
  const exchangeWebhookSecret = env.EXCHANGE_WEBHOOK_URL && !env.EXCHANGE_WEBHOOK_SECRET_FILE
    ? crypto.randomUUID().replaceAll("-", "")
    : null;
  const config = devConfig(devnet, tronDevnet, env, {
    token,
    tonMnemonic: (await mnemonicNew()).join(" "),
    tronMnemonic,
    exchangeWebhookSecret,
  });
  if (config.tron?.sweep.strategy === "delegate") {
    // Energy to lend deposits for their sweeps, staked before the processor watches the chain.
    await stakeDevnetHotWallet(tronDevnet, tronMnemonic, 250_000_000_000n);
  }
  const running = await startProcessor(config, log, {
    ton: tonDevnetControls(devnet),
    tron: tronDevnetControls(tronDevnet),
  });
  const hot = running.ctx.plugins.get("ton")!.derivation.hotWallet;
  await devnet.faucet(Address.parseRaw(hot.address), toNano("10000"));
  const tronHot = running.ctx.plugins.get("tron")!.derivation.hotWallet;
  await tronDevnet.faucetTrx(tronHot.address, 1_000_000_000_000n);
  for (const symbol of Object.keys(tronDevnet.tokens)) {
    await tronDevnet.faucetToken(symbol, tronHot.address, 1_000_000_000_000n);
  }
  console.log(
    [
      "",
      "Processor running on local devnets (chain and database in memory).",
      `  API:        ${running.url}`,
      `  API token:  ${token}`,
      `  TON hot wallet: ${hot.display} (funded with 10000 TON)`,
      `  TRON hot wallet: ${tronHot.display} (funded with 1000000 TRX and 1000000 of each TRC20)`,
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
  await devnet.close();
  await tronDevnet.close();
}
