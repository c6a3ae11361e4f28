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
 * What a withdrawal is for: a user's request, the hot wallet's excess to cold storage,
 * native coin a deposit needs to pay for its own sweep (a token transfer's gas), or the hot
 * wallet's fee resources lent to a deposit for its sweep and reclaimed after it, or a
 * merchant's refund of an invoice payment.
 */
export type WithdrawalKind = "user" | "cold" | "topup" | "lend" | "reclaim" | "refund";

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
  status: import("./withdrawal_status.ts").WithdrawalStatus;
  attempt: number;
  txHash: string | null;
  /** Transaction in which the receiving side acknowledged the transfer, when it does. */
  confirmedTxHash: string | null;
  failureReason: string | null;
}
