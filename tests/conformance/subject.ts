/**
 * What the conformance suite is parameterised by: a plugin module (`PluginModule` of
 * `core/plugin.ts`) and which of its devnet's assets is under test, with what the chain can
 * do. Everything else (the factory, the config schema, the devnet and its test levers) the
 * suite takes from the module.
 */

import type { InstanceSection, PluginModule } from "../../core/plugin.ts";

/** A capability the chain has, or the reason it lacks it (the case is skipped saying so). */
export type Capability = true | { lacks: string };

/** One plugin, one asset: what `runConformance` is parameterised by. */
export interface ConformanceSubject<Section extends InstanceSection = InstanceSection> {
  /** The plugin module under test; its devnet must have the suite's test levers. */
  readonly module: PluginModule<Section>;
  /** The asset under test: its code in the devnet's section (`RunningDevnet.section`). */
  readonly currency: string;
  /** Several transfers in one transaction. */
  readonly batching: Capability;
  /** The chain can replace blocks the scanner already ingested (its devnet has `reorg`). */
  readonly forks: Capability;
  /**
   * A payload dies unseen by itself (it expires on chain); absent: it does. Account-nonce
   * chains lack it: theirs die only when another transaction takes the nonce.
   */
  readonly expiry?: Capability;
  /** An amount of `currency` worth paying in tests (the hot wallet holds plenty more). */
  readonly unit: bigint;
  /**
   * Product bugs the suite found and that are not fixed yet, by the name of the case that
   * shows them: the case is ignored, the bug named in its name, until the entry goes.
   */
  readonly knownBugs?: Readonly<Record<string, string>>;
}

/** The subject's label in test names, e.g. `ton/USDT_TON`. */
export function subjectLabel<S extends InstanceSection>(subject: ConformanceSubject<S>): string {
  return `${subject.module.name}/${subject.currency}`;
}
