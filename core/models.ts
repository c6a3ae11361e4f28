/** Domain records as the core and the API see them. Amounts are bigint base units. */

/** A deposit address handed out to a user. */
export interface DepositAddress {
  id: bigint;
  chain: string;
  currency: string;
  userId: string;
  /** Canonical form. */
  address: string;
  /** User-facing form. */
  display: string;
  /** A token wallet the scanner follows for this deposit, canonical; null if none. */
  watchAddress: string | null;
  derivationIndex: bigint;
}

/** An incoming payment recorded exactly once. */
export interface Income {
  id: bigint;
  chain: string;
  currency: string;
  depositAddress: string;
  sourceAddress: string | null;
  amount: bigint;
  comment: string | null;
  binaryComment: string | null;
  txHash: string;
  eventIndex: number;
  blockHeight: bigint;
  /** Block time, unix seconds. */
  time: number;
  /** Blocks scanned since the one that holds it, itself included. */
  confirmations: number;
}

/**
 * What a withdrawal is for: a user's request, the hot wallet's excess to cold storage, a
 * step that prepares a deposit's sweep (`prepare`: native coin for its fees, resources lent
 * to it and taken back after; which one, the plugin's `step` tag says), or a merchant's
 * refund of an invoice payment.
 */
export type WithdrawalKind = "user" | "cold" | "prepare" | "refund";

/** A withdrawal request and where it stands. */
export interface Withdrawal {
  id: bigint;
  chain: string;
  currency: string;
  kind: WithdrawalKind;
  userId: string | null;
  queryId: string | null;
  amount: bigint;
  /** Canonical destination. */
  destination: string;
  /** Destination as the caller wrote it. */
  destinationInput: string;
  comment: string | null;
  binaryComment: string | null;
  /** For a preparation, the plugin's tag of the step (e.g. `<plugin>.lend`); else null. */
  step: string | null;
  /**
   * Whether the amount is paid out of the hot wallet's balance; false for a step that only
   * lends resources worth it (and takes them back).
   */
  spends: boolean;
  status: import("./withdrawal_status.ts").WithdrawalStatus;
  attempt: number;
  txHash: string | null;
  /** Transaction in which the receiving side acknowledged the transfer, when it does. */
  confirmedTxHash: string | null;
  failureReason: string | null;
}
