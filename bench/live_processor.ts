/**
 * The processor as `deno task dev` runs it, for the benchmarks that need the whole of it:
 * both devnets (a block a second), the processor on them with its workers and HTTP API, both
 * hot wallets funded. On Postgres when DATABASE_URL is set (a dedicated schema, dropped
 * afterwards), on in-memory PGlite otherwise.
 *
 * @module
 */

import postgres from "postgres";
import type { Config } from "../core/config.ts";
import { createLogger, type LogLevel } from "../core/log.ts";
import type { ChainDevnet, InstanceSection, RunningDevnet } from "../core/plugin.ts";
import { chainSync } from "../core/sync.ts";
import { devConfig } from "../host/dev_mode.ts";
import { type Running, startProcessor } from "../host/runtime.ts";
import { runningTonDevnet } from "../plugins/ton/dev.ts";
import { startTonDevnet, type TonDevnet } from "../plugins/ton/devnet/server.ts";
import { runningTronDevnet } from "../plugins/tron/dev.ts";
import { startTronDevnet, type TronDevnet } from "../plugins/tron/devnet/server.ts";

/** The block interval of both devnets, ms. */
export const BLOCK_MS = 1000;

/** A running processor on both devnets. */
export interface LiveProcessor {
  running: Running;
  ton: TonDevnet;
  tron: TronDevnet;
  /** The API token. */
  token: string;
  stop(): Promise<void>;
}

async function postgresSchema(url: string): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `bench_${crypto.randomUUID().replaceAll("-", "")}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create schema ${schema}`);
  return {
    schema,
    async drop() {
      await admin.unsafe(`drop schema ${schema} cascade`);
      await admin.end();
    },
  };
}

/** Starts both devnets and the processor on them, funds the hot wallets, waits for sync. */
export async function startLiveProcessor(): Promise<LiveProcessor> {
  const ton = await startTonDevnet({ blockIntervalMs: BLOCK_MS });
  const tron = await startTronDevnet({ blockIntervalMs: BLOCK_MS });
  const devnets = new Map<string, RunningDevnet<InstanceSection>>([
    ["ton", runningTonDevnet(ton) as unknown as RunningDevnet<InstanceSection>],
    ["tron", runningTronDevnet(tron) as unknown as RunningDevnet<InstanceSection>],
  ]);
  const token = `bench-${crypto.randomUUID().replaceAll("-", "")}`;
  const chains: Record<string, string> = {};
  for (const [name, devnet] of devnets) chains[name] = await devnet.newSecret();
  const base = devConfig(devnets, { API_PORT: "0" }, {
    token,
    chains,
    exchangeWebhookSecret: null,
  });
  const url = Deno.env.get("DATABASE_URL");
  const pg = url ? await postgresSchema(url) : null;
  const config: Config = pg
    ? { ...base, database: { ...base.database, url, schema: pg.schema } }
    : base;
  const controls: Record<string, ChainDevnet> = {};
  for (const [name, devnet] of devnets) controls[name] = devnet.controls;
  const running = await startProcessor(
    config,
    createLogger((Deno.env.get("BENCH_LOG") ?? "error") as LogLevel),
    controls,
  );
  for (const [name, devnet] of devnets) {
    await devnet.fundHotWallet(running.ctx.plugins.get(name)!);
  }
  // Scanned past the funding blocks, so the senders see the money. The start cursor is
  // pinned before any worker runs, so it is the scanners' progress that says the leaders
  // (which on Postgres wait out a takeover delay first, as the sender's does) are working.
  const heights = { ton: BigInt(ton.heights().masterchain), tron: BigInt(tron.height()) };
  for (let i = 0; i < 600; i++) {
    const caughtUp = await Promise.all(
      (["ton", "tron"] as const).map(async (c) => {
        const sync = await chainSync(running.ctx, c);
        return sync.isSynced && BigInt(sync.lastBlockHeight ?? "0") >= heights[c] + 1n;
      }),
    );
    if (caughtUp.every(Boolean)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    running,
    ton,
    tron,
    token,
    async stop() {
      await running.stop();
      for (const devnet of devnets.values()) await devnet.stop();
      await pg?.drop();
    },
  };
}
