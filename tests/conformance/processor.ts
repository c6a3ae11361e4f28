/**
 * A processor for one conformance case: the subject's module started the way the host starts
 * it (its section validated in the one config by a registry of that module alone, then its
 * factory), the real core ingest and sender, on a fresh real database. Restarting builds a
 * new plugin instance on the same database, as a restarted process does.
 */

import { systemClock } from "../../core/clock.ts";
import type { Config } from "../../core/config.ts";
import type { ProcessorContext } from "../../core/context.ts";
import { ingestOnce } from "../../core/ingest.ts";
import { silentLogger } from "../../core/log.ts";
import type {
  ChainDevnet,
  ChainPlugin,
  DevnetSectionOptions,
  InstanceSection,
  RunningDevnet,
} from "../../core/plugin.ts";
import { type SenderOptions, type SenderTick, senderTick } from "../../core/sender.ts";
import { createRegistry } from "../../host/registry.ts";
import { openTestDb, type TestDb } from "../support/db.ts";
import type { ConformanceSubject } from "./subject.ts";
import { FAULT_HOLD_MS, REQUEST_TIMEOUT_MS } from "./timing.ts";

/** A running devnet with the test levers the suite drives (optional in the contract). */
export type SuiteDevnet<S> =
  & RunningDevnet<S>
  & Required<Pick<RunningDevnet<S>, "balanceOf" | "faults" | "mine">>;

/**
 * Starts the subject's devnet with manual blocks and the suite's fault timing; throws naming
 * the test levers it lacks (`reorg` only where the subject forks).
 */
export async function startSuiteDevnet<S extends InstanceSection>(
  subject: ConformanceSubject<S>,
): Promise<SuiteDevnet<S>> {
  const { module } = subject;
  if (!module.devnet) throw new Error(`${module.name}: the module has no devnet to run against`);
  const devnet = await module.devnet.start({ blockIntervalMs: 0, faultHoldMs: FAULT_HOLD_MS });
  const missing: string[] = (["balanceOf", "faults", "mine"] as const).filter((k) => !devnet[k]);
  if (subject.forks === true && !devnet.reorg) missing.push("reorg");
  if (missing.length > 0) {
    await devnet.stop();
    throw new Error(
      `${module.name}: its devnet lacks the test levers ${missing.join(", ")} ` +
        "(RunningDevnet in core/plugin.ts)",
    );
  }
  return devnet as SuiteDevnet<S>;
}

/** What a case varies in its section: the devnet's options, and every asset's `minSweep`. */
export interface CaseSettings extends DevnetSectionOptions {
  /** Smallest deposit that is swept on its own, for every asset (the core's asset field). */
  readonly minSweep?: bigint;
}

/**
 * The section of a case signing with `secret`: the devnet's own, with one confirmation (short
 * expiry margins), the suite's request timeout and the case's settings.
 */
export function caseSection<S>(
  devnet: RunningDevnet<S>,
  secret: string,
  settings: CaseSettings = {},
): Record<string, unknown> {
  const { minSweep, ...options } = settings;
  const section = devnet.section(secret, {
    confirmations: 1,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    ...options,
  });
  if (minSweep === undefined) return section;
  // Through the core's asset schema, which every section's assets share.
  const assets = Object.entries(section.assets as Record<string, Record<string, unknown>>);
  const swept = assets.map(([code, asset]) => [code, { ...asset, minSweep: `${minSweep}` }]);
  return { ...section, assets: Object.fromEntries(swept) };
}

/** A plugin instance of the subject's module from raw `section`, as the host builds one. */
export async function createPlugin<S extends InstanceSection>(
  subject: ConformanceSubject<S>,
  section: Record<string, unknown>,
  controls?: ChainDevnet,
): Promise<{ config: Config; plugin: ChainPlugin; section: S }> {
  const { name } = subject.module;
  const registry = createRegistry([subject.module]);
  const config = registry.parseConfig({ network: "devnet", [name]: section });
  const plugins = await registry.loadPlugins(config, {
    devnets: controls ? { [name]: controls } : {},
  });
  return {
    config,
    plugin: plugins.get(name)!,
    section: registry.instances(config)[0].section as S,
  };
}

/** A processor on the subject's devnet. */
export interface Processor {
  readonly plugin: ChainPlugin;
  readonly ctx: ProcessorContext;
  /** The raw instance section it runs with (its secret included). */
  readonly section: Record<string, unknown>;
  /** Ingests until the scanner has no further block; returns how many it ingested. */
  catchUp(): Promise<number>;
  /** Seals a block on the devnet and ingests everything up to it. */
  block(): Promise<void>;
  /** One pass of the core sender. */
  tick(options?: Partial<SenderOptions>): Promise<SenderTick>;
  /** Stops this plugin instance (the process is down) without touching the database. */
  stop(): Promise<void>;
  /** A new plugin instance from the same section on the same database. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a processor with a fresh hot wallet, prepared and funded before the scanner's first
 * cursor, so each case sees only its own blocks and owns its deposit addresses.
 */
export async function startProcessor<S extends InstanceSection>(
  subject: ConformanceSubject<S>,
  devnet: SuiteDevnet<S>,
  settings: CaseSettings = {},
): Promise<Processor> {
  const { name } = subject.module;
  const secret = await devnet.newSecret();
  const section = caseSection(devnet, secret, settings);
  const build = () => createPlugin(subject, section, devnet.controls);
  const built = await build();
  let plugin: ChainPlugin | null = built.plugin;
  let db: TestDb | null = null;
  try {
    db = await openTestDb();
    await devnet.prepare?.(built.section, secret);
    await devnet.fundHotWallet(plugin);
    const plugins = new Map<string, ChainPlugin>([[name, plugin]]);
    const ctx: ProcessorContext = {
      db: db.db,
      config: built.config,
      plugins,
      clock: systemClock,
      log: silentLogger,
    };
    const running = (): ChainPlugin => {
      if (!plugin) throw new Error("the processor is stopped");
      return plugin;
    };
    const catchUp = async () => {
      let n = 0;
      while (await ingestOnce(ctx, running())) n++;
      return n;
    };
    await catchUp();
    const testDb = db;
    const stop = async () => {
      await plugin?.close();
      plugin = null;
    };
    return {
      get plugin() {
        return running();
      },
      ctx,
      section,
      catchUp,
      async block() {
        await devnet.mine();
        await catchUp();
      },
      tick: (options) => senderTick(ctx, running(), options),
      stop,
      async restart() {
        await stop();
        plugin = (await build()).plugin;
        plugins.set(name, plugin);
      },
      async close() {
        await stop();
        await testDb.close();
      },
    };
  } catch (error) {
    await plugin.close();
    await db?.close();
    throw error;
  }
}
