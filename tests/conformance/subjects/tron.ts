/** The TRON plugin module as conformance subjects: TRX and the TRC20 of its devnet. */

import { tronPlugin, type TronSection } from "../../../plugins/tron/module.ts";
import type { ConformanceSubject } from "../subject.ts";

const oneTransferPerTransaction = {
  lacks: "a TRON transaction carries one transfer (maxBatch 1)",
};

/** TRX, the native coin. */
export const trxSubject: ConformanceSubject<TronSection> = {
  module: tronPlugin,
  currency: "TRX",
  batching: oneTransferPerTransaction,
  forks: true,
  unit: 3_000_000n,
};

/** The devnet's USDT-like TRC20. */
export const trc20Subject: ConformanceSubject<TronSection> = {
  module: tronPlugin,
  currency: "USDT_TRC20",
  batching: oneTransferPerTransaction,
  forks: true,
  unit: 5_000_000n,
};
