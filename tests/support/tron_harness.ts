/**
 * A processor wired to a real TRON devnet and a real database, for plugin and end-to-end
 * tests. Blocks are produced on demand so tests decide when time moves.
 */

import { systemClock } from "../../core/clock.ts";
import { type Config, parseConfig } from "../../host/registry.ts";
import type { ProcessorContext } from "../../core/context.ts";
import { ingestOnce } from "../../core/ingest.ts";
import { silentLogger } from "../../core/log.ts";
import type { ChainPlugin } from "../../core/plugin.ts";
import { devnetTrc20Assets, tronDevnetControls } from "../../plugins/tron/dev.ts";
import {
  startTronDevnet,
  type TronDevnet,
  type TronDevnetOptions,
} from "../../plugins/tron/devnet/server.ts";
import { createTronPlugin } from "../../plugins/tron/plugin.ts";
import { openTestDb, type TestDb } from "./db.ts";

/** The standard BIP39 test mnemonic: deposits and hot wallet are the fixture vectors. */
export const TRON_TEST_MNEMONIC =
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

/** A processor on a TRON devnet. */
export interface TronHarness {
  devnet: TronDevnet;
  plugin: ChainPlugin;
  ctx: ProcessorContext;
  config: Config;
  /** Hot wallet, base58. */
  hot: string;
  /** Seals a block on the devnet and ingests everything up to it. */
  block(): Promise<void>;
  /** Ingests until the scanner has no further block. */
  catchUp(): Promise<number>;
  /** Rebuilds the plugin from the same config, as a restarted process would. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a devnet, a database and the TRON plugin on them (TRX and USDT_TRC20). */
export async function startTronHarness(
  options: {
    /** Top-level config sections beside `tron`, e.g. `{ public: { … } }`. */
    raw?: Record<string, unknown>;
    /** Settings merged into the `tron` config section. */
    tron?: Record<string, unknown>;
    /** Extra settings per asset code, e.g. `{ USDT_TRC20: { minSweep: "1000000" } }`. */
    assets?: Record<string, Record<string, unknown>>;
    devnet?: TronDevnetOptions;
  } = {},
): Promise<TronHarness> {
  const devnet = await startTronDevnet({ blockIntervalMs: 0, ...options.devnet });
  let testDb: TestDb | null = null;
  try {
    testDb = await openTestDb();
    const assets: Record<string, Record<string, unknown>> = {
      TRX: { decimals: 6 },
      ...devnetTrc20Assets(devnet),
    };
    for (const [code, extra] of Object.entries(options.assets ?? {})) {
      assets[code] = { ...assets[code], ...extra };
    }
    const config = parseConfig({
      network: "devnet",
      ...options.raw,
      tron: {
        endpoint: devnet.endpoint,
        mnemonic: TRON_TEST_MNEMONIC,
        assets,
        ...options.tron,
      },
    });
    const build = () =>
      createTronPlugin(config.tron!, {
        instance: "tron",
        network: config.network,
        devnet: tronDevnetControls(devnet),
      });
    let plugin = await build();
    const ctx: ProcessorContext = {
      db: testDb.db,
      config,
      plugins: new Map([["tron", plugin]]),
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
        devnet.produceBlock();
        await catchUp();
      },
      catchUp,
      async restart() {
        await plugin.close();
        plugin = await build();
        (ctx.plugins as Map<string, ChainPlugin>).set("tron", plugin);
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
export async function withTronHarness(
  options: Parameters<typeof startTronHarness>[0],
  fn: (h: TronHarness) => Promise<void>,
): Promise<void> {
  const h = await startTronHarness(options);
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}
