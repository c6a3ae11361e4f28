/**
 * A processor for one conformance case: the subject's module built from its devnet's section,
 * the real core ingest and sender, on a fresh real database. Restarting builds a new plugin
 * instance on the same database, as a restarted process does.
 */

import { systemClock } from "../../core/clock.ts";
import { parseConfig } from "../../host/registry.ts";
import type { ProcessorContext } from "../../core/context.ts";
import { ingestOnce } from "../../core/ingest.ts";
import { silentLogger } from "../../core/log.ts";
import type { ChainPlugin } from "../../core/plugin.ts";
import { type SenderOptions, type SenderTick, senderTick } from "../../core/sender.ts";
import { openTestDb, type TestDb } from "../support/db.ts";
import type { ConformanceSubject, SectionOverrides, SubjectDevnet } from "./subject.ts";

/** A processor on the subject's devnet. */
export interface Processor {
  readonly plugin: ChainPlugin;
  readonly ctx: ProcessorContext;
  /** The instance section it runs with (its secret included). */
  readonly section: unknown;
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
 * Starts a processor with a fresh hot wallet, funded before the scanner's first cursor, so
 * each case sees only its own blocks and owns its deposit addresses.
 */
export async function startProcessor<S>(
  subject: ConformanceSubject<S>,
  devnet: SubjectDevnet<S>,
  overrides: SectionOverrides = {},
): Promise<Processor> {
  const { module } = subject;
  const section = devnet.section(await devnet.newSecret(), overrides);
  // What the host does: the section under its instance name in the one config.
  const config = parseConfig({ network: "devnet", [module.name]: section });
  const build = () =>
    module.create(section, { instance: module.name, network: "devnet", devnet: devnet.controls });
  let plugin: ChainPlugin | null = await build();
  let db: TestDb | null = null;
  try {
    db = await openTestDb();
    await devnet.fundHotWallet(plugin);
    const plugins = new Map<string, ChainPlugin>([[module.name, plugin]]);
    const ctx: ProcessorContext = {
      db: db.db,
      config,
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
        plugin = await build();
        plugins.set(module.name, plugin);
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
