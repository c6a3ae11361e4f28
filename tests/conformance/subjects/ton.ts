/**
 * The TON plugin module as conformance subjects: native TON and a jetton of its devnet. One
 * module serves both; the subjects differ only in the asset under test.
 */

import { tonPlugin, type TonSection } from "../../../plugins/ton/module.ts";
import type { ConformanceSubject } from "../subject.ts";

const masterchainFinal = { lacks: "TON masterchain blocks are final once read" };

/** Native TON. */
export const tonSubject: ConformanceSubject<TonSection> = {
  module: tonPlugin,
  currency: "TON",
  batching: true,
  forks: masterchainFinal,
  unit: 2_000_000_000n,
};

/** A USDT-like jetton on the TON devnet. */
export const tonJettonSubject: ConformanceSubject<TonSection> = {
  module: tonPlugin,
  currency: "USDT_TON",
  batching: true,
  forks: masterchainFinal,
  unit: 7_000_000n,
};
