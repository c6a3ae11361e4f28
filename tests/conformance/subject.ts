/**
 * What the conformance suite needs from a plugin: the roles of the plugin module contract
 * (issue 10; `PluginModule` and `RunningDevnet` of `core/plugin.ts` once it lands), with the
 * same names, plus the few test-only levers a devnet already has (sealing a block now,
 * dropping transactions in a fork). A subject is a module and which of its assets is under
 * test; once the real modules exist, `SubjectModule` becomes `PluginModule` and each subject
 * file shrinks to its module, its asset and its capabilities.
 */

import type { ChainDevnet, ChainPlugin } from "../../core/plugin.ts";

/** How an injected node failure looks to the client (the shared devnet/faults.ts kinds). */
export type FaultKind = "error" | "timeout" | "ratelimit";

/** The fault controls every devnet offers at its RPC layer (devnet/faults.ts). */
export interface SubjectFaults {
  /** Fails the next `count` calls of `target` ("*" = any call). */
  failNext(target: string, count: number, kind: FaultKind): void;
  /** Clears every fault. */
  reset(): void;
}

/** What the host gives a plugin factory besides its section (sketch: `PluginContext`). */
export interface SubjectContext {
  /** Instance name: the chain name in storage, cursors and the API. */
  readonly instance: string;
  readonly network: "devnet";
  /** Devnet controls (faucet, info). */
  readonly devnet?: ChainDevnet;
}

/** A running devnet (sketch: `RunningDevnet`), plus the levers a test needs to move time. */
export interface SubjectDevnet<Section> {
  readonly endpoint: string;
  /** Faucet and info, as behind the API's /devnet routes. */
  readonly controls: ChainDevnet;
  /** A fresh hot wallet secret (mnemonic) for this chain. */
  newSecret(): Promise<string>;
  /** An instance section that uses this devnet, with every devnet asset, signing with `secret`. */
  section(secret: string, overrides?: SectionOverrides): Section;
  /** Funds (and where the chain needs it, prepares) the hot wallet of `plugin`. */
  fundHotWallet(plugin: ChainPlugin): Promise<void>;
  /** The devnet's own ledger: `currency` balance of a canonical address, not via the node API. */
  balanceOf(currency: string, address: string): Promise<bigint>;
  /** Node faults injected at the RPC layer. */
  readonly faults: SubjectFaults;
  /**
   * Replaces the last `depth` blocks; transactions whose id is in `drop` are left out of the
   * new branch. Absent where the chain does not fork.
   */
  reorg?(depth: number, drop?: readonly string[]): Promise<void>;
  /**
   * Test lever, not in the sketch: seals a block now with everything sent so far, so the
   * suite decides when chain time moves. Resolves once the block is readable.
   */
  mine(): Promise<void>;
  stop(): Promise<void>;
}

/** Settings the suite varies per case, in the plugin's own section terms. */
export interface SectionOverrides {
  /** Signed payloads valid as briefly as the plugin allows, so a dead payload dies quickly. */
  shortValidity?: boolean;
  /** Smallest deposit of the asset under test that is swept on its own. */
  minSweep?: bigint;
  /**
   * Blocks that make an income final, where the chain forks and the section sets it: a fork
   * must stay within them to undo an income (a deeper one keeps it and raises an alarm).
   */
  confirmations?: number;
}

/** A plugin module (sketch: `PluginModule`), reduced to what the suite drives. */
export interface SubjectModule<Section> {
  /** Plugin name, also the instance name. */
  readonly name: string;
  /** Builds one instance. */
  create(section: Section, context: SubjectContext): Promise<ChainPlugin>;
  readonly devnet: { start(options: { port?: number }): Promise<SubjectDevnet<Section>> };
}

/** A capability the chain has, or the reason it lacks it (the case is skipped saying so). */
export type Capability = true | { lacks: string };

/** One plugin, one asset: what `runConformance` is parameterised by. */
export interface ConformanceSubject<Section = unknown> {
  /** Label in test names, e.g. `ton/USDT_TON`. */
  readonly label: string;
  readonly module: SubjectModule<Section>;
  /** The asset under test (its code in the section). */
  readonly currency: string;
  /** Several transfers in one transaction. */
  readonly batching: Capability;
  /** The chain can replace blocks the scanner already ingested. */
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
