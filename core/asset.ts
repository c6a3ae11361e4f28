/** An asset the processor serves, from config. Amounts are in base units. */
export interface Asset {
  /** Currency code used by the APIs, e.g. `TON`, `USDT_TRC20`. */
  code: string;
  /** Chain plugin that serves it, e.g. `ton`. */
  chain: string;
  /** Decimal places of one whole unit. */
  decimals: number;
  /** Token contract (jetton master, TRC20 contract), null for the native coin. */
  contract: string | null;
  /** Deposits at or above this are swept to the hot wallet. */
  minSweep: bigint;
  /** Hot wallet balance above this is sent to the cold wallet; null disables it. */
  hotMax: bigint | null;
  /** What stays on the hot wallet after a cold transfer. */
  hotResidual: bigint;
}
