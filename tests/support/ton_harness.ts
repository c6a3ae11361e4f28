/**
 * A processor wired to a real TON devnet and a real database, for plugin and end-to-end
 * tests. Blocks are produced on demand so tests decide when time moves.
 */

import { mnemonicNew } from "@ton/crypto";
import { systemClock } from "../../core/clock.ts";
import { type Config, parseConfig } from "../../host/registry.ts";
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
import { openTestDb, type TestDb } from "./db.ts";

/** The API token the harness configures. */
export const TEST_TOKEN = "test-token-0123456789abcdef";

/** A processor on a TON devnet. */
export interface TonHarness {
  devnet: TonDevnet;
  plugin: ChainPlugin;
  ctx: ProcessorContext;
  config: Config;
  mnemonic: string[];
  /** Seals a block on the devnet and ingests everything up to it. */
  block(): Promise<void>;
  /** Ingests until the scanner has no further block. */
  catchUp(): Promise<number>;
  /** Rebuilds the plugin from the same config, as a restarted process would. */
  restart(): Promise<void>;
  close(): Promise<void>;
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
export async function startTonHarness(
  options: {
    raw?: Record<string, unknown>;
    ton?: Record<string, unknown>;
    devnet?: TonDevnetOptions;
    /** Configure the devnet's jettons (USDT_TON, TGR) as assets beside TON. */
    jettons?: boolean;
    /** Extra settings for every jetton asset, e.g. `{ minSweep: "1000000" }`. */
    jettonAsset?: Record<string, unknown>;
  } = {},
): Promise<TonHarness> {
  const devnet = await startTonDevnet({ blockIntervalMs: 0, ...options.devnet });
  let testDb: TestDb | null = null;
  try {
    testDb = await openTestDb();
    sharedMnemonic ??= mnemonicNew();
    const mnemonic = await sharedMnemonic;
    const config = parseConfig({
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
    });
    const build = () =>
      createTonPlugin(config.ton!, {
        instance: "ton",
        network: config.network,
        devnet: tonDevnetControls(devnet),
      });
    let plugin = await build();
    const ctx: ProcessorContext = {
      db: testDb.db,
      config,
      plugins: new Map([["ton", plugin]]),
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
      mnemonic,
      async block() {
        await devnet.produceBlock();
        await catchUp();
      },
      catchUp,
      async restart() {
        await plugin.close();
        plugin = await build();
        (ctx.plugins as Map<string, ChainPlugin>).set("ton", plugin);
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

/** Runs `fn` on a fresh harness built with `options`, closing it whatever happens. */
export async function withTonHarness(
  options: Parameters<typeof startTonHarness>[0],
  fn: (h: TonHarness) => Promise<void>,
): Promise<void> {
  const h = await startTonHarness(options);
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}
