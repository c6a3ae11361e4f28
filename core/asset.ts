/** An asset the processor serves, from config. Amounts are in base units. */
export interface Asset {
  /** Currency code used by the APIs, e.g. `COIN`, `TOKEN_X`. */
  code: string;
  /** Chain plugin that serves it, e.g. `coin`. */
  chain: string;
  /** Decimal places of one whole unit. */
  decimals: number;
  /** Token contract (the token's master or contract address), null for the native coin. */
  contract: string | null;
  /** Deposits at or above this are swept to the hot wallet. */
  minSweep: bigint;
  /** Hot wallet balance above this is sent to the cold wallet; null disables it. */
  hotMax: bigint | null;
  /** What stays on the hot wallet after a cold transfer. */
  hotResidual: bigint;
  /** Largest withdrawal accepted; a larger one is refused (400 naming `amount`). */
  maxWithdrawal: bigint;
  /**
   * Whether later withdrawals that the hot wallet can pay may pass, in the queue, one it
   * cannot pay yet. Off: the queue of the asset is strictly first in, first out.
   */
  overtake: boolean;
}

/** Default `maxWithdrawal`: what a 64-bit unsigned amount holds, as most wallets and nodes do. */
export const DEFAULT_MAX_WITHDRAWAL: bigint = (1n << 64n) - 1n;
