/** Alarms: conditions that stop a chain's sender until an operator resolves them. */

import type { Queryable } from "../db.ts";

/** An expired payload was seen on chain: a double-spend tripwire. */
export const EXPIRED_PAYLOAD_SEEN = "expired_payload_seen";

/** A transfer recorded as processed came back undelivered. */
export const TRANSFER_RETURNED = "transfer_returned";

/** A fork dropped blocks holding incomes that were already final. */
export const REORG_BEYOND_FINALITY = "reorg_beyond_finality";

/** A sweep was executed on chain but moved nothing. */
export const SWEEP_FAILED = "sweep_failed";

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
