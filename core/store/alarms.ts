/**
 * Alarms: conditions that stop a chain's sender until an operator resolves them. An operator
 * may acknowledge an alarm ("looking at it") without resuming; only resolving resumes. Kinds
 * are open-ended strings, so a new condition needs no change here or in the admin API.
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
    "insert into alarms (chain, kind, detail, context) values ($1, $2, $3, $4::jsonb)",
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
