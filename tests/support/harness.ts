/**
 * A processor wired to a real devnet and a real database, for plugin and end-to-end tests:
 * one harness for every chain, each chain's part given as data (its config section and how
 * its plugin is built on its devnet). Blocks are produced on demand so tests decide when time
 * moves.
 */

import { mnemonicNew } from "@ton/crypto";
import { systemClock } from "../../core/clock.ts";
import { type Config, parseConfig } from "../../core/config.ts";
import type { ProcessorContext } from "../../core/context.ts";
import { ingestOnce } from "../../core/ingest.ts";
import { silentLogger } from "../../core/log.ts";
import type { ChainPlugin } from "../../core/plugin.ts";
import { devnetJettonAssets, tonDevnetControls } from "../../plugins/ton/dev.ts";
import {
  startTonDevnet,
  type TonDevnet,
  type TonDevnetOptions,
} from "../../plugins/ton/devnet/server.ts";
import { createTonPlugin } from "../../plugins/ton/plugin.ts";
import { devnetTrc20Assets, tronDevnetControls } from "../../plugins/tron/dev.ts";
import {
  startTronDevnet,
  type TronDevnet,
  type TronDevnetOptions,
} from "../../plugins/tron/devnet/server.ts";
import { createTronPlugin } from "../../plugins/tron/plugin.ts";
import { openTestDb, type TestDb } from "./db.ts";

/** The API token the TON harness configures. */
export const TEST_TOKEN = "test-token-0123456789abcdef";

/** The standard BIP39 test mnemonic: TRON deposits and hot wallet are the fixture vectors. */
export const TRON_TEST_MNEMONIC =
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

/** What a harness needs of a devnet. */
interface HarnessDevnet {
  produceBlock(): unknown;
  close(): Promise<void>;
}

/** A processor on a devnet. */
export interface Harness<D extends HarnessDevnet> {
  devnet: D;
  plugin: ChainPlugin;
  ctx: ProcessorContext;
  config: Config;
  /** Hot wallet, as the plugin stores addresses. */
  hot: string;
  /** Seals a block on the devnet and ingests everything up to it. */
  block(): Promise<void>;
  /** Ingests until the scanner has no further block. */
  catchUp(): Promise<number>;
  /** Rebuilds the plugin from the same config, as a restarted process would. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** One chain's part of a harness. */
interface HarnessChain<D extends HarnessDevnet> {
  /** The plugin's name, which is also its config section. */
  name: string;
  /** The running devnet. */
  devnet: D;
  /** The whole raw config, the chain's section included. */
  raw: Record<string, unknown>;
  /** Builds the chain's plugin on the devnet. */
  build(config: Config): Promise<ChainPlugin>;
}

/** Opens a database and builds the chain's plugin on it; closes the devnet when that fails. */
async function startHarness<D extends HarnessDevnet>(
  chain: HarnessChain<D>,
): Promise<Harness<D>> {
  const { devnet, name } = chain;
  let testDb: TestDb | null = null;
  try {
    testDb = await openTestDb();
    const config = parseConfig(chain.raw);
    const build = () => chain.build(config);
    let plugin = await build();
    const ctx: ProcessorContext = {
      db: testDb.db,
      config,
      plugins: new Map([[name, plugin]]),
      clock: systemClock,
      log: silentLogger,
    };
    const catchUp = async () => {
      let n = 0;
      while (await ingestOnce(ctx, plugin)) n++;
      return n;
    };
    // Start the cursor at the current tip so tests see only their own blocks.
    await catchUp();
    const db = testDb;
    return {
      devnet,
      get plugin() {
        return plugin;
      },
      ctx,
      config,
      hot: plugin.derivation.hotWallet.address,
      async block() {
        await devnet.produceBlock();
        await catchUp();
      },
      catchUp,
      async restart() {
        await plugin.close();
        plugin = await build();
        (ctx.plugins as Map<string, ChainPlugin>).set(name, plugin);
      },
      async close() {
        await plugin.close();
        await db.close();
        await devnet.close();
      },
    };
  } catch (error) {
    await testDb?.close();
    await devnet.close();
    throw error;
  }
}

/** Runs `fn` on a fresh harness from `start`, closing it whatever happens. */
async function using<H extends { close(): Promise<void> }>(
  start: Promise<H>,
  fn: (h: H) => Promise<void>,
): Promise<void> {
  const h = await start;
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

/** A processor on a TON devnet. */
export interface TonHarness extends Harness<TonDevnet> {
  mnemonic: string[];
}

/** Options of {@linkcode startTonHarness}. */
export interface TonHarnessOptions {
  /** Top-level config sections beside `ton`. */
  raw?: Record<string, unknown>;
  /** Settings merged into the `ton` config section. */
  ton?: Record<string, unknown>;
  devnet?: TonDevnetOptions;
  /** Configure the devnet's jettons (USDT_TON, TGR) as assets beside TON. */
  jettons?: boolean;
  /** Extra settings for every jetton asset, e.g. `{ minSweep: "1000000" }`. */
  jettonAsset?: Record<string, unknown>;
}

function jettonAssets(devnet: TonDevnet, extra: Record<string, unknown>) {
  const jettons = Object.entries(devnetJettonAssets(devnet)).map(([code, a]) => [code, {
    ...a,
    ...extra,
  }]);
  return { TON: { decimals: 9 }, ...Object.fromEntries(jettons) };
}

let sharedMnemonic: Promise<string[]> | null = null;

/** Starts a devnet, a database and the TON plugin on them. */
export async function startTonHarness(options: TonHarnessOptions = {}): Promise<TonHarness> {
  const devnet = await startTonDevnet({ blockIntervalMs: 0, ...options.devnet });
  sharedMnemonic ??= mnemonicNew();
  const mnemonic = await sharedMnemonic;
  const harness = await startHarness({
    name: "ton",
    devnet,
    raw: {
      network: "devnet",
      api: { tokens: [TEST_TOKEN], port: 0, hostname: "127.0.0.1" },
      ...options.raw,
      ton: {
        endpoint: devnet.endpoint,
        mnemonic: mnemonic.join(" "),
        dnsRoot: devnet.dnsRoot.toString(),
        rps: 1000,
        ...(options.jettons ? { assets: jettonAssets(devnet, options.jettonAsset ?? {}) } : {}),
        ...options.ton,
      },
    },
    build: (config) => createTonPlugin(config, { devnet: tonDevnetControls(devnet) }),
  });
  return Object.assign(harness, { mnemonic });
}

/** Runs `fn` on a fresh TON harness built with `options`, closing it whatever happens. */
export function withTonHarness(
  options: TonHarnessOptions,
  fn: (h: TonHarness) => Promise<void>,
): Promise<void> {
  return using(startTonHarness(options), fn);
}

/** A processor on a TRON devnet. */
export type TronHarness = Harness<TronDevnet>;

/** Options of {@linkcode startTronHarness}. */
export interface TronHarnessOptions {
  /** Top-level config sections beside `tron`, e.g. `{ public: { … } }`. */
  raw?: Record<string, unknown>;
  /** Settings merged into the `tron` config section. */
  tron?: Record<string, unknown>;
  /** Extra settings per asset code, e.g. `{ USDT_TRC20: { minSweep: "1000000" } }`. */
  assets?: Record<string, Record<string, unknown>>;
  devnet?: TronDevnetOptions;
}

/** Starts a devnet, a database and the TRON plugin on them (TRX and USDT_TRC20). */
export async function startTronHarness(options: TronHarnessOptions = {}): Promise<TronHarness> {
  const devnet = await startTronDevnet({ blockIntervalMs: 0, ...options.devnet });
  const assets: Record<string, Record<string, unknown>> = {
    TRX: { decimals: 6 },
    ...devnetTrc20Assets(devnet),
  };
  for (const [code, extra] of Object.entries(options.assets ?? {})) {
    assets[code] = { ...assets[code], ...extra };
  }
  return await startHarness({
    name: "tron",
    devnet,
    raw: {
      network: "devnet",
      ...options.raw,
      tron: { endpoint: devnet.endpoint, mnemonic: TRON_TEST_MNEMONIC, assets, ...options.tron },
    },
    build: (config) => createTronPlugin(config, { devnet: tronDevnetControls(devnet) }),
  });
}

/** Runs `fn` on a fresh TRON harness built with `options`, closing it whatever happens. */
export function withTronHarness(
  options: TronHarnessOptions,
  fn: (h: TronHarness) => Promise<void>,
): Promise<void> {
  return using(startTronHarness(options), fn);
}
