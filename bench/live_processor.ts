/**
 * The processor as operators run it, for the benchmarks that need the whole of it: both
 * devnets (a block a second) in this process, and on Postgres (DATABASE_URL set, a dedicated
 * schema dropped afterwards) the processor in a child process (`main.ts --config`), so that
 * the devnets' TVM emulation and the processor do not share one event loop, as a node and a
 * processor never do. On PGlite, which one process owns, the processor runs in this process
 * as `deno task dev` does, and its figures carry the devnets' CPU too.
 *
 * @module
 */

import { Address } from "@ton/core";
import postgres from "postgres";
import { systemClock } from "../core/clock.ts";
import { type Db, openPostgres } from "../core/db.ts";
import { createLogger, type LogLevel } from "../core/log.ts";
import { migrate } from "../core/migrations.ts";
import type { ChainDevnet, ChainPlugin, InstanceSection, RunningDevnet } from "../core/plugin.ts";
import { chainSync } from "../core/sync.ts";
import { devConfig } from "../host/dev_mode.ts";
import { parseConfig, registry } from "../host/registry.ts";
import { startProcessor } from "../host/runtime.ts";
import { runningTonDevnet } from "../plugins/ton/dev.ts";
import { startTonDevnet, type TonDevnet } from "../plugins/ton/devnet/server.ts";
import { runningTronDevnet } from "../plugins/tron/dev.ts";
import { startTronDevnet, type TronDevnet } from "../plugins/tron/devnet/server.ts";
import { freePort, spawnProcessor } from "../tests/support/processor_child.ts";

/** The block interval of both devnets, ms. */
export const BLOCK_MS = 1000;

/** What dev mode funds the hot wallets with: TON in nanotons, TRX in sun and each TRC20. */
const TON_FUNDING = 10_000_000_000_000n;
const TRON_FUNDING = 1_000_000_000_000n;

/** A running processor on both devnets. */
export interface LiveProcessor {
  /** The API's base URL. */
  url: string;
  /** The API token. */
  token: string;
  /** The processor's database, to read what it did. */
  db: Db;
  /** The processor's plugins as its config builds them (for their settings only). */
  plugins: ReadonlyMap<string, ChainPlugin>;
  /** Where the processor runs. */
  where: string;
  /** On Postgres: how another thread reaches the processor's database. */
  postgres?: { databaseUrl: string; schema: string };
  ton: TonDevnet;
  tron: TronDevnet;
  stop(): Promise<void>;
}

/** Waits until both scanners have read a block past `heights`, synced. */
async function caughtUp(
  ctx: Parameters<typeof chainSync>[0],
  heights: { ton: bigint; tron: bigint },
): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const done = await Promise.all(
      (["ton", "tron"] as const).map(async (c) => {
        const sync = await chainSync(ctx, c);
        return sync.isSynced && BigInt(sync.lastBlockHeight ?? "0") >= heights[c] + 1n;
      }),
    );
    if (done.every(Boolean)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the processor never caught up with the devnets");
}

/** Starts both devnets and the processor on them, funds the hot wallets, waits for sync. */
export async function startLiveProcessor(): Promise<LiveProcessor> {
  const ton = await startTonDevnet({ blockIntervalMs: BLOCK_MS });
  const tron = await startTronDevnet({ blockIntervalMs: BLOCK_MS });
  const devnets = new Map<string, RunningDevnet<InstanceSection>>([
    ["ton", runningTonDevnet(ton) as unknown as RunningDevnet<InstanceSection>],
    ["tron", runningTronDevnet(tron) as unknown as RunningDevnet<InstanceSection>],
  ]);
  const stopDevnets = async () => {
    for (const devnet of devnets.values()) await devnet.stop();
  };
  const token = `bench-${crypto.randomUUID().replaceAll("-", "")}`;
  const chains: Record<string, string> = {};
  for (const [name, devnet] of devnets) chains[name] = await devnet.newSecret();
  const log = createLogger((Deno.env.get("BENCH_LOG") ?? "error") as LogLevel);
  const url = Deno.env.get("DATABASE_URL");
  if (!url) {
    const config = devConfig(devnets, { API_PORT: "0" }, {
      token,
      chains,
      exchangeWebhookSecret: null,
    });
    const controls: Record<string, ChainDevnet> = {};
    for (const [name, devnet] of devnets) controls[name] = devnet.controls;
    const running = await startProcessor(config, log, controls);
    const heights = { ton: BigInt(ton.heights().masterchain), tron: BigInt(tron.height()) };
    for (const [name, devnet] of devnets) {
      await devnet.fundHotWallet(running.ctx.plugins.get(name)!);
    }
    await caughtUp(running.ctx, heights);
    return {
      url: running.url,
      token,
      db: running.ctx.db,
      plugins: running.ctx.plugins,
      where: "in this process, with the devnets",
      ton,
      tron,
      async stop() {
        await running.stop();
        await stopDevnets();
      },
    };
  }

  const schema = `bench_${crypto.randomUUID().replaceAll("-", "")}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create schema ${schema}`);
  const raw: Record<string, unknown> = {
    network: "devnet",
    api: { port: freePort(), hostname: "127.0.0.1", tokens: [token] },
    database: { url, schema },
  };
  for (const [name, devnet] of devnets) {
    const section = devnet.section(chains[name]) as Record<string, unknown>;
    const assets = section.assets as Record<string, { decimals: number; minSweep?: string }>;
    // Dev mode's sweeps from 10 whole units where the devnet sets none.
    section.assets = Object.fromEntries(
      Object.entries(assets).map(([code, a]) => [code, {
        ...a,
        minSweep: a.minSweep ?? (10n ** BigInt(a.decimals) * 10n).toString(),
      }]),
    );
    raw[name] = section;
  }
  const dir = await Deno.makeTempDir({ prefix: "bench_live_" });
  const configPath = `${dir}/config.json`;
  await Deno.writeTextFile(configPath, JSON.stringify(raw));
  const config = parseConfig(raw);
  const db = openPostgres(url, { max: 2, schema });
  // Migrated here first, so reading the hot wallets below never races the child's migration.
  await migrate(db);
  const child = spawnProcessor(configPath, { LOG_LEVEL: "info" });
  const cleanup = async () => {
    await child.stop();
    await db.close();
    await admin.unsafe(`drop schema ${schema} cascade`);
    await admin.end();
    await Deno.remove(dir, { recursive: true });
    await stopDevnets();
  };
  try {
    // Both chains' workers lead (past the takeover delay) before the hot wallets are funded.
    for (const lock of ["ingest:ton", "sender:ton", "ingest:tron", "sender:tron"]) {
      await child.waitForLog((e) => e.message === "leader" && e.lock === lock, 120_000);
    }
    const plugins = await registry.loadPlugins(config, { log });
    const heights = { ton: BigInt(ton.heights().masterchain), tron: BigInt(tron.height()) };
    const hot = (chain: string) => plugins.get(chain)!.derivation.hotWallet.address;
    await ton.faucet(Address.parseRaw(hot("ton")), TON_FUNDING);
    await tron.faucetTrx(hot("tron"), TRON_FUNDING);
    for (const symbol of Object.keys(tron.tokens)) {
      await tron.faucetToken(symbol, hot("tron"), TRON_FUNDING);
    }
    await caughtUp({ db, config, plugins, clock: systemClock, log }, heights);
    return {
      url: `http://127.0.0.1:${(raw.api as { port: number }).port}`,
      token,
      db,
      plugins,
      where: "in a child process (main.ts --config), the devnets in this one",
      postgres: { databaseUrl: url, schema },
      ton,
      tron,
      async stop() {
        for (const plugin of plugins.values()) await plugin.close();
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
