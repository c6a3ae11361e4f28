/**
 * The whole processor as dev mode runs it, for end-to-end tests: devnets sealing blocks on a
 * timer, a fresh database (a schema of the local Postgres, or PGlite), a devnet config for
 * the chains asked for, and processors started on it, driven over HTTP. `close` stops and
 * removes all of it.
 */

import postgres from "postgres";
import { mnemonicNew } from "@ton/crypto";
import { type Config, parseConfig } from "../../host/registry.ts";
import { silentLogger } from "../../core/log.ts";
import type { ChainDevnet } from "../../core/plugin.ts";
import { type Running, startProcessor } from "../../host/runtime.ts";
import { devnetJettonAssets, tonDevnetControls } from "../../plugins/ton/dev.ts";
import { startTonDevnet, type TonDevnet } from "../../plugins/ton/devnet/server.ts";
import { devnetTrc20Assets, tronDevnetControls } from "../../plugins/tron/dev.ts";
import { startTronDevnet, type TronDevnet } from "../../plugins/tron/devnet/server.ts";
import { newEvmMnemonic } from "../../plugins/evm/derivation.ts";
import { devnetEvmAssets, evmDevnetControls } from "../../plugins/evm/dev.ts";
import { type EvmDevnet, startEvmDevnet } from "../../plugins/evm/devnet/server.ts";
import { TRON_TEST_MNEMONIC } from "./harness.ts";

/** The API token the e2e processors accept. */
export const E2E_TOKEN = "e2e-token-0123456789abcdef";

/** One chain of an e2e set-up. */
export interface E2eChain {
  /** The devnet seals a block this often. */
  blockIntervalMs: number;
  /** Settings over the chain's e2e defaults in its config section. */
  settings?: Record<string, unknown>;
  /** Extra settings per asset code, e.g. `{ USDT_TRC20: { minSweep: "20000000" } }`. */
  assets?: Record<string, Record<string, unknown>>;
}

/** What to set up. */
export interface E2eOptions {
  /**
   * A TON devnet; its section defaults to a fresh mnemonic, 1000 rps, 20 s validity and every
   * devnet asset.
   */
  ton?: E2eChain;
  /** A TRON devnet; its section defaults to the test mnemonic and every devnet asset. */
  tron?: E2eChain;
  /** An EVM devnet; its section defaults to a fresh mnemonic, its chain id and every asset. */
  evm?: E2eChain;
  /** The API's port (default 0: any free one). */
  port?: number;
  /** The database outlives a processor, so one can restart on it (PGlite on disk). */
  restartable?: boolean;
}

/** A running e2e set-up. */
export interface E2e<O extends E2eOptions> {
  /** The TON devnet, when asked for. */
  ton: O["ton"] extends E2eChain ? TonDevnet : undefined;
  /** The TRON devnet, when asked for. */
  tron: O["tron"] extends E2eChain ? TronDevnet : undefined;
  /** The EVM devnet, when asked for. */
  evm: O["evm"] extends E2eChain ? EvmDevnet : undefined;
  /** The processors' config. */
  config: Config;
  /** Starts a processor on the config with the devnets' controls; `close` stops it. */
  start(): Promise<Running>;
  /** Stops every processor started (errors ignored), closes the devnets, drops the database. */
  close(): Promise<void>;
}

/** What an API call answered. */
export interface Answered {
  status: number;
  json: Awaited<ReturnType<Response["json"]>>;
}

/**
 * Calls the API at `base` with the e2e token; each status is pushed to `statuses` when
 * given, so a test can check that nothing answered 5xx.
 */
export function bearerCaller(
  base: string,
  statuses?: number[],
): (method: string, path: string, body?: unknown) => Promise<Answered> {
  return async (method, path, body) => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${E2E_TOKEN}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    statuses?.push(r.status);
    return { status: r.status, json: await r.json() };
  };
}

function withExtras(
  assets: Record<string, Record<string, unknown>>,
  extras: Record<string, Record<string, unknown>> = {},
): Record<string, Record<string, unknown>> {
  const out = { ...assets };
  for (const [code, extra] of Object.entries(extras)) out[code] = { ...out[code], ...extra };
  return out;
}

/** Starts the devnets and the database `options` ask for, and builds the config. */
export async function startE2e<O extends E2eOptions>(options: O): Promise<E2e<O>> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const running: Running[] = [];
  const close = async () => {
    for (const r of running) await r.stop().catch(() => {});
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const devnets: Record<string, ChainDevnet> = {};
    const raw: Record<string, unknown> = { network: "devnet" };
    let ton: TonDevnet | undefined;
    let tron: TronDevnet | undefined;
    let evm: EvmDevnet | undefined;
    if (options.ton) {
      const devnet = ton = await startTonDevnet({ blockIntervalMs: options.ton.blockIntervalMs });
      cleanups.push(() => devnet.close());
      devnets.ton = tonDevnetControls(devnet);
      raw.ton = {
        endpoint: devnet.endpoint,
        mnemonic: (await mnemonicNew()).join(" "),
        dnsRoot: devnet.dnsRoot.toString(),
        rps: 1000,
        validitySeconds: 20,
        assets: withExtras(
          { TON: { decimals: 9 }, ...devnetJettonAssets(devnet) },
          options.ton.assets,
        ),
        ...options.ton.settings,
      };
    }
    if (options.tron) {
      const devnet = tron = await startTronDevnet({
        blockIntervalMs: options.tron.blockIntervalMs,
      });
      cleanups.push(() => devnet.close());
      devnets.tron = tronDevnetControls(devnet);
      raw.tron = {
        endpoint: devnet.endpoint,
        mnemonic: TRON_TEST_MNEMONIC,
        assets: withExtras(
          { TRX: { decimals: 6 }, ...devnetTrc20Assets(devnet) },
          options.tron.assets,
        ),
        ...options.tron.settings,
      };
    }
    if (options.evm) {
      const devnet = evm = await startEvmDevnet({ blockIntervalMs: options.evm.blockIntervalMs });
      cleanups.push(() => devnet.close());
      devnets.evm = evmDevnetControls(devnet);
      raw.evm = {
        endpoint: devnet.endpoint,
        chainId: devnet.chainId,
        mnemonic: newEvmMnemonic(),
        assets: withExtras(devnetEvmAssets(devnet), options.evm.assets),
        ...options.evm.settings,
      };
    }
    raw.api = { port: options.port ?? 0, hostname: "127.0.0.1", tokens: [E2E_TOKEN] };
    // The suite's database: a fresh schema of the local Postgres, or PGlite.
    const url = Deno.env.get("DATABASE_URL");
    if (url) {
      const schema = `e2e_${crypto.randomUUID().replaceAll("-", "")}`;
      const admin = postgres(url, { max: 1, onnotice: () => {} });
      await admin.unsafe(`create schema ${schema}`);
      cleanups.push(async () => {
        await admin.unsafe(`drop schema ${schema} cascade`);
        await admin.end();
      });
      raw.database = { url, schema };
    } else if (options.restartable) {
      const dataDir = await Deno.makeTempDir({ prefix: "e2e_db_" });
      cleanups.push(() => Deno.remove(dataDir, { recursive: true }).catch(() => {}));
      raw.database = { dataDir };
    } else {
      raw.database = { dataDir: "memory://" };
    }
    const config = parseConfig(raw);
    return {
      ton: ton as E2e<O>["ton"],
      tron: tron as E2e<O>["tron"],
      evm: evm as E2e<O>["evm"],
      config,
      async start() {
        const r = await startProcessor(config, silentLogger, devnets);
        // Stopping twice (a test restarting, then `close`) stops once.
        let stopped: Promise<void> | null = null;
        const once: Running = { ...r, stop: () => stopped ??= r.stop() };
        running.push(once);
        return once;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
