/**
 * Alarms: conditions that stop a chain's sender until an operator resolves them (setting
 * `resolved_at`), and warnings that need a person without stopping anything. `detail` says
 * what was seen.
 */

import type { Queryable } from "../db.ts";

/** An expired payload was seen on chain: a double-spend tripwire. */
export const EXPIRED_PAYLOAD_SEEN = "expired_payload_seen";

/** A transfer recorded as processed came back undelivered. */
export const TRANSFER_RETURNED = "transfer_returned";

/** A fork dropped blocks holding incomes that were already final. */
export const REORG_BEYOND_FINALITY = "reorg_beyond_finality";

/** A sweep was executed on chain but moved nothing. */
export const SWEEP_FAILED = "sweep_failed";

/**
 * An outgoing transaction from one of our accounts (the hot wallet or a deposit) that this
 * processor did not sign: someone else holds the keys, or two processors share a mnemonic.
 */
export const FOREIGN_SPEND = "foreign_spend";

/**
 * The head of a withdrawal queue has waited for funds longer than `withdrawalStallSeconds`.
 * A warning: it does not halt the sender (halting would stall every queue of the chain), and
 * it resolves itself once that withdrawal leaves `pending`.
 */
export const WITHDRAWAL_QUEUE_STALLED = "withdrawal_queue_stalled";

/** Alarm kinds that do not halt the sender. */
export const NON_HALTING_ALARMS: readonly string[] = [WITHDRAWAL_QUEUE_STALLED];

/** Records an alarm. */
export async function raiseAlarm(
  db: Queryable,
  chain: string,
  kind: string,
  detail: string,
): Promise<void> {
  await db.query("insert into alarms (chain, kind, detail) values ($1, $2, $3)", [
    chain,
    kind,
    detail,
  ]);
}

/** Unresolved alarms of a chain, oldest first. */
export async function openAlarms(
  db: Queryable,
  chain: string,
): Promise<{ id: number; kind: string; detail: string }[]> {
  const rows = await db.query(
    "select id, kind, detail from alarms where chain = $1 and resolved_at is null order by id",
    [chain],
  );
  return rows.map((r) => ({ id: Number(r.id), kind: String(r.kind), detail: String(r.detail) }));
}

/** Unresolved alarms of a chain that halt its sender, oldest first. */
export async function haltingAlarms(
  db: Queryable,
  chain: string,
): Promise<{ id: number; kind: string; detail: string }[]> {
  return (await openAlarms(db, chain)).filter((a) => !NON_HALTING_ALARMS.includes(a.kind));
}

/** What the head of a withdrawal queue is missing. */
export interface QueueStall {
  withdrawalId: bigint;
  currency: string;
  /** The withdrawal's amount. */
  amount: bigint;
  /** How much more of `currency` the hot wallet needs to pay it (0 when only gas is short). */
  missing: bigint;
  /** The chain's native coin, when the gas is what is short. */
  nativeCurrency: string | null;
  /** How much more native coin it needs for fees. */
  missingNative: bigint;
}

/** The detail of a stall alarm; it starts `withdrawal <id> ` so the alarm can be found. */
function stallDetail(s: QueueStall, waitedSeconds: number): string {
  const parts = [];
  if (s.missing > 0n) parts.push(`${s.missing} ${s.currency}`);
  if (s.missingNative > 0n) parts.push(`${s.missingNative} ${s.nativeCurrency} for fees`);
  return `withdrawal ${s.withdrawalId} of ${s.amount} ${s.currency} has waited ` +
    `${waitedSeconds} s at the head of its queue; the hot wallet is missing ` +
    `${parts.join(" and ") || "funds"}`;
}

/**
 * Raises a stall alarm for each queue head of `stalls` that has been pending for at least
 * `thresholdSeconds` and has none open yet, and resolves the stall alarms of withdrawals of
 * `chain` that are no longer pending or no longer stalled. Returns the alarms raised.
 */
export async function reviewQueueStalls(
  db: Queryable,
  chain: string,
  stalls: readonly QueueStall[],
  thresholdSeconds: number,
): Promise<number> {
  const stalled = stalls.map((s) => String(s.withdrawalId));
  await db.query(
    `update alarms set resolved_at = now()
     where chain = $1 and kind = $2 and resolved_at is null
       and not (split_part(detail, ' ', 2) = any($3::text[]))`,
    [chain, WITHDRAWAL_QUEUE_STALLED, stalled],
  );
  let raised = 0;
  for (const s of stalls) {
    const [row] = await db.query(
      `select floor(extract(epoch from now() - created_at))::int as waited,
         exists (select 1 from alarms where chain = $2 and kind = $3 and resolved_at is null
           and split_part(detail, ' ', 2) = $4) as open
       from withdrawals where id = $1 and status = 'pending'`,
      [s.withdrawalId, chain, WITHDRAWAL_QUEUE_STALLED, String(s.withdrawalId)],
    );
    if (!row || row.open === true || Number(row.waited) < thresholdSeconds) continue;
    await raiseAlarm(db, chain, WITHDRAWAL_QUEUE_STALLED, stallDetail(s, Number(row.waited)));
    raised++;
  }
  return raised;
}
