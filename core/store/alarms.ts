/**
 * Alarms: conditions that stop a chain's sender until an operator resolves them, and warnings
 * that need a person without stopping anything. An operator may acknowledge an alarm ("looking
 * at it") without resuming; only resolving resumes. Kinds are open-ended strings, so a new
 * condition needs no change here or in the admin API. `detail` says what was seen.
 */

import type { Queryable } from "../db.ts";
import { textOrNull } from "./rows.ts";

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

/** Where an alarm is in its handling: `open` and `acknowledged` both halt the sender. */
export type AlarmState = "open" | "acknowledged" | "resolved";

/** The alarm states, in order. */
export const ALARM_STATES: readonly AlarmState[] = ["open", "acknowledged", "resolved"];

/** An alarm with how it was handled. */
export interface AlarmRecord {
  id: bigint;
  chain: string;
  kind: string;
  state: AlarmState;
  /** What happened, for a person. */
  detail: string;
  /** Structured facts the raiser attached (tx hashes, payload ids), or null. */
  context: Record<string, unknown> | null;
  /** Unix milliseconds. */
  createdAt: number;
  acknowledgedAt: number | null;
  acknowledgedNote: string | null;
  resolvedAt: number | null;
  resolvedNote: string | null;
}

/** The state of an alarm row, in SQL (the columns are the source of truth, not a copy). */
export const ALARM_STATE_SQL = `case when resolved_at is not null then 'resolved'
  when acknowledged_at is not null then 'acknowledged' else 'open' end`;

const COLUMNS = `id::text as id, chain, kind, detail, context, created_at, acknowledged_at,
  acknowledged_note, resolved_at, resolved_note, ${ALARM_STATE_SQL} as state`;

function millisOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.getTime() : new Date(String(value)).getTime();
}

function toAlarm(r: Record<string, unknown>): AlarmRecord {
  // PGlite returns jsonb parsed, postgres.js may hand back text: accept both.
  const context = typeof r.context === "string" ? JSON.parse(r.context) : r.context;
  return {
    id: BigInt(String(r.id)),
    chain: String(r.chain),
    kind: String(r.kind),
    state: String(r.state) as AlarmState,
    detail: String(r.detail),
    context: (context ?? null) as Record<string, unknown> | null,
    createdAt: millisOrNull(r.created_at) ?? 0,
    acknowledgedAt: millisOrNull(r.acknowledged_at),
    acknowledgedNote: textOrNull(r.acknowledged_note),
    resolvedAt: millisOrNull(r.resolved_at),
    resolvedNote: textOrNull(r.resolved_note),
  };
}

/** Records an alarm; `context` carries structured facts for the operator and the webhook. */
export async function raiseAlarm(
  db: Queryable,
  chain: string,
  kind: string,
  detail: string,
  context: Record<string, unknown> | null = null,
): Promise<void> {
  await db.query(
    // Through text: postgres.js sends a string bound to a jsonb parameter as a JSON string
    // scalar, which `context->>'…'` cannot read.
    "insert into alarms (chain, kind, detail, context) values ($1, $2, $3, $4::text::jsonb)",
    [chain, kind, detail, context === null ? null : JSON.stringify(context)],
  );
}

/** Unresolved alarms of a chain, oldest first: any one of them halts its sender. */
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

/** The detail of a stall alarm, for a person; the alarm is found by its context. */
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
       and not (context->>'withdrawalId' = any($3::text[]))`,
    [chain, WITHDRAWAL_QUEUE_STALLED, stalled],
  );
  let raised = 0;
  for (const s of stalls) {
    const [row] = await db.query(
      `select floor(extract(epoch from now() - created_at))::int as waited,
         exists (select 1 from alarms where chain = $2 and kind = $3 and resolved_at is null
           and context->>'withdrawalId' = $4) as open
       from withdrawals where id = $1 and status = 'pending'`,
      [s.withdrawalId, chain, WITHDRAWAL_QUEUE_STALLED, String(s.withdrawalId)],
    );
    if (!row || row.open === true || Number(row.waited) < thresholdSeconds) continue;
    await raiseAlarm(db, chain, WITHDRAWAL_QUEUE_STALLED, stallDetail(s, Number(row.waited)), {
      withdrawalId: String(s.withdrawalId),
      currency: s.currency,
      missing: String(s.missing),
      missingNative: String(s.missingNative),
    });
    raised++;
  }
  return raised;
}

/**
 * Alarms newest first, optionally of one state (`unresolved`: open or acknowledged, those
 * that halt) and chain, below `beforeId`.
 */
export async function listAlarms(
  db: Queryable,
  q: { state?: AlarmState | "unresolved"; chain?: string; beforeId?: bigint; limit: number },
): Promise<AlarmRecord[]> {
  const rows = await db.query(
    `select ${COLUMNS} from alarms
     where ($1::text is null or ${ALARM_STATE_SQL} = $1
         or ($1 = 'unresolved' and resolved_at is null)) and ($2::text is null or chain = $2)
       and ($3::bigint is null or id < $3)
     order by id desc limit $4`,
    [q.state ?? null, q.chain ?? null, q.beforeId ?? null, q.limit],
  );
  return rows.map(toAlarm);
}

/** One alarm, or null. */
export async function alarmById(db: Queryable, id: bigint): Promise<AlarmRecord | null> {
  const rows = await db.query(`select ${COLUMNS} from alarms where id = $1`, [id]);
  return rows.length ? toAlarm(rows[0]) : null;
}

/**
 * Acknowledges an open alarm with a note; the sender stays halted. Null when the alarm is not
 * open (already acknowledged, resolved, or unknown).
 */
export async function acknowledgeAlarm(
  db: Queryable,
  id: bigint,
  note: string,
): Promise<AlarmRecord | null> {
  const rows = await db.query(
    `update alarms set acknowledged_at = now(), acknowledged_note = $2
     where id = $1 and acknowledged_at is null and resolved_at is null returning id`,
    [id, note],
  );
  return rows.length ? await alarmById(db, id) : null;
}

/**
 * Resolves an unresolved alarm with a note; once a chain has none left its sender resumes.
 * Null when the alarm is already resolved or unknown.
 */
export async function resolveAlarm(
  db: Queryable,
  id: bigint,
  note: string,
): Promise<AlarmRecord | null> {
  const rows = await db.query(
    `update alarms set resolved_at = now(), resolved_note = $2
     where id = $1 and resolved_at is null returning id`,
    [id, note],
  );
  return rows.length ? await alarmById(db, id) : null;
}
