/**
 * The EVM plugin module as conformance subjects: the native coin and the devnet's USDT-like
 * token whose `transfer` returns no `bool`, both batched through the devnet's batch contract.
 */

import { evmPlugin, type EvmSection } from "../../../plugins/evm/module.ts";
import type { ConformanceSubject } from "../subject.ts";

const noExpiry = {
  lacks: "an EVM transaction never expires: it dies only when another one takes its nonce " +
    "(tests/plugins/evm/withdrawals.test.ts covers replacement)",
};

/** The native coin. */
export const evmNativeSubject: ConformanceSubject<EvmSection> = {
  module: evmPlugin,
  currency: "ETH",
  batching: true,
  forks: true,
  expiry: noExpiry,
  unit: 10n ** 16n,
};

/** The devnet's USDT-like token (`transfer` returns no `bool`). */
export const evmUsdtSubject: ConformanceSubject<EvmSection> = {
  module: evmPlugin,
  currency: "USDT_ERC20",
  batching: true,
  forks: true,
  expiry: noExpiry,
  unit: 5_000_000n,
};
