/**
 * The withdrawal state machine. Every status write goes through `assertTransition`, so an
 * illegal move is an error, never a silent write.
 */

/** Withdrawal statuses, as the exchange API reports them. */
export type WithdrawalStatus = "pending" | "processing" | "processed" | "failed" | "cancelled";

/** Why a transition happens. */
export type WithdrawalEvent =
  | "batched"
  | "sent"
  | "not_sent"
  | "expired"
  | "orphaned"
  | "cancelled"
  | "unneeded";

/** From status, by event, to status. Anything absent is illegal. */
export const WITHDRAWAL_TRANSITIONS: Readonly<
  Record<WithdrawalStatus, Partial<Record<WithdrawalEvent, WithdrawalStatus>>>
> = {
  // A signed payload carrying it was persisted.
  // The exchange cancelled it before any payload carried it; nothing was signed for it.
  // Or it is a preparation's undo the plugin found nothing left to do for (what is left cannot
  // pay for its own transfer): never signed either.
  pending: { batched: "processing", cancelled: "cancelled", unneeded: "cancelled" },
  processing: {
    // The chain executed the payload and this transfer left the wallet.
    sent: "processed",
    // The chain executed the payload but this transfer did not go out.
    not_sent: "failed",
    // The payload's validity passed on chain unseen: try again with a new payload.
    expired: "pending",
  },
  // A fork replaced the block that held the payload (chains without instant finality): it
  // is awaited again, to be seen in the new branch or to expire and be rebuilt.
  processed: { orphaned: "processing" },
  failed: { orphaned: "processing" },
  // Final: never signed, so nothing on chain can bring it back.
  cancelled: {},
};

/** The status `event` leads to from `from`; throws on an illegal transition. */
export function nextWithdrawalStatus(
  from: WithdrawalStatus,
  event: WithdrawalEvent,
): WithdrawalStatus {
  const to = Object.hasOwn(WITHDRAWAL_TRANSITIONS[from] ?? {}, event)
    ? WITHDRAWAL_TRANSITIONS[from][event]
    : undefined;
  if (!to) throw new Error(`illegal withdrawal transition: ${from} --${event}-->`);
  return to;
}
