/**
 * Signed payloads through their life: persisted before the first broadcast, then seen on
 * chain or provably expired. Applying a sighting or an expiry moves the withdrawals and
 * sweeps the payload carries.
 */

import type { Queryable } from "../db.ts";
import type { PayloadSighting, SignedPayload } from "../plugin.ts";
import { nextWithdrawalStatus } from "../withdrawal_status.ts";
import { EXPIRED_PAYLOAD_SEEN, raiseAlarm, SWEEP_FAILED } from "./alarms.ts";
import { big } from "./rows.ts";
import { reclaimLent } from "./sweeps.ts";

/** A payload not yet seen nor expired. */
export interface OpenPayload extends SignedPayload {
  ref: bigint;
  purpose: "withdrawals" | "sweep";
  broadcasts: number;
  /** Milliseconds since the last broadcast; null when never broadcast. */
  sinceBroadcastMs: number | null;
}

/** Payloads of a chain awaiting sighting or expiry, oldest first. */
export async function openPayloads(db: Queryable, chain: string): Promise<OpenPayload[]> {
  const rows = await db.query(
    `select id::text as id, payload_id, wallet, purpose, boc, valid_until::text as valid_until,
       out_keys, broadcasts,
       (extract(epoch from (now() - last_broadcast_at)) * 1000)::float8 as since_ms
     from payloads where chain = $1 and status = 'sent' order by payloads.id`,
    [chain],
  );
  return rows.map((r) => ({
    ref: big(r.id),
    payloadId: String(r.payload_id),
    wallet: String(r.wallet),
    purpose: String(r.purpose) as "withdrawals" | "sweep",
    boc: String(r.boc),
    validUntil: Number(r.valid_until),
    outKeys: r.out_keys as string[],
    broadcasts: Number(r.broadcasts),
    sinceBroadcastMs: r.since_ms === null ? null : Number(r.since_ms),
  }));
}

async function insertPayload(
  tx: Queryable,
  chain: string,
  purpose: "withdrawals" | "sweep",
  p: SignedPayload,
): Promise<bigint> {
  const [row] = await tx.query(
    `insert into payloads (chain, payload_id, wallet, purpose, boc, valid_until, out_keys, status)
     values ($1, $2, $3, $4, $5, $6, $7::text[], 'sent') returning id::text as id`,
    [chain, p.payloadId, p.wallet, purpose, p.boc, p.validUntil, p.outKeys],
  );
  return big(row.id);
}

/**
 * Persists a signed withdrawal batch and moves its withdrawals to `processing`, in one
 * transaction of the caller's. Throws (rolling back) when any of them is no longer pending.
 */
export async function persistWithdrawalPayload(
  tx: Queryable,
  chain: string,
  payload: SignedPayload,
  withdrawalIds: readonly bigint[],
): Promise<bigint> {
  const ref = await insertPayload(tx, chain, "withdrawals", payload);
  const to = nextWithdrawalStatus("pending", "batched");
  const updated = await tx.query(
    `update withdrawals w set status = $1, payload_ref = $2, out_key = k.out_key,
       updated_at = now()
     from unnest($3::text[], $4::text[]) as k(id, out_key)
     where w.id = k.id::bigint and w.status = 'pending' returning w.id`,
    [to, ref, withdrawalIds.map(String), payload.outKeys],
  );
  if (updated.length !== withdrawalIds.length) {
    throw new Error("withdrawal batch changed while it was being signed");
  }
  return ref;
}

/** Persists a signed sweep and marks the sweep and the incomes it covers (ids ≤ coversUpTo). */
export async function persistSweepPayload(
  tx: Queryable,
  chain: string,
  payload: SignedPayload,
  sweepId: bigint,
  coversUpTo: bigint,
): Promise<bigint> {
  const ref = await insertPayload(tx, chain, "sweep", payload);
  const [sweep] = await tx.query(
    `update sweeps set status = 'processing', payload_ref = $2, updated_at = now()
     where id = $1 and status = 'requested' returning address_id, currency`,
    [sweepId, ref],
  );
  if (!sweep) throw new Error(`sweep ${sweepId} is no longer requested`);
  await tx.query(
    `update incomes set sweep_id = $1
     where address_id = $2 and currency = $3 and sweep_id is null and id <= $4`,
    [sweepId, sweep.address_id as string, sweep.currency as string, coversUpTo],
  );
  return ref;
}

/** Records one more broadcast of an open payload. */
export async function markBroadcast(db: Queryable, ref: bigint): Promise<void> {
  await db.query(
    "update payloads set broadcasts = broadcasts + 1, last_broadcast_at = now() where id = $1",
    [ref],
  );
}

/**
 * Declares a payload expired: its validity passed on chain unseen. Its withdrawals return
 * to pending with a new attempt; an automatic sweep is dropped and its incomes freed, a
 * requested one is requested again.
 */
export async function expirePayload(
  tx: Queryable,
  ref: bigint,
  proof?: { chain: string; cursorTimeAbove: number },
): Promise<boolean> {
  if (proof) {
    // Re-read under lock: a fork rollback may have moved the cursor back since the caller
    // looked, and the payload would then be judged on blocks the chain no longer has.
    const [cursor] = await tx.query(
      "select block_time::text as t from cursors where chain = $1 for update",
      [proof.chain],
    );
    if (!cursor || Number(cursor.t) <= proof.cursorTimeAbove) return false;
  }
  const done = await tx.query(
    "update payloads set status = 'expired' where id = $1 and status = 'sent' returning id",
    [ref],
  );
  if (!done.length) return false;
  await tx.query(
    `update withdrawals set status = $2, attempt = attempt + 1, payload_ref = null,
       out_key = null, updated_at = now()
     where payload_ref = $1 and status = 'processing'`,
    [ref, nextWithdrawalStatus("processing", "expired")],
  );
  const sweeps = await tx.query(
    `update sweeps set status = case when kind = 'service' then 'requested' else 'expired' end,
       payload_ref = null, updated_at = now()
     where payload_ref = $1 and status = 'processing' returning id::text as id, status`,
    [ref],
  );
  for (const s of sweeps) {
    await tx.query("update incomes set sweep_id = null where sweep_id = $1", [s.id as string]);
  }
  // A service sweep is signed again and keeps what was lent to it; a dropped one returns it.
  await reclaimLent(tx, sweeps.filter((s) => s.status === "expired").map((s) => big(s.id)));
  return true;
}

/**
 * Applies a sighting of one of our payloads. A payload seen after it was declared expired
 * raises the double-spend tripwire; a payload seen twice (block replay) changes nothing.
 */
export async function applySighting(
  tx: Queryable,
  chain: string,
  s: PayloadSighting,
  height: bigint | null = null,
): Promise<"applied" | "replay" | "tripwire" | "unknown"> {
  const [payload] = await tx.query(
    `select id::text as id, status, purpose from payloads
     where chain = $1 and payload_id = $2 for update`,
    [chain, s.payloadId],
  );
  if (!payload) return "unknown";
  if (payload.status === "seen") return "replay";
  if (payload.status === "expired") {
    await raiseAlarm(
      tx,
      chain,
      EXPIRED_PAYLOAD_SEEN,
      `payload ${s.payloadId} declared expired was executed in ${s.txHash}`,
    );
    return "tripwire";
  }
  const ref = big(payload.id);
  await tx.query(
    `update payloads set status = 'seen', tx_hash = $2, fee = $3::numeric, seen_time = $4,
       seen_height = $5
     where id = $1`,
    [ref, s.txHash, s.fee, s.time, height],
  );
  if (payload.purpose === "withdrawals") {
    await settleWithdrawals(tx, ref, s);
  } else if (s.outKeys.length === 0) {
    // Executed, yet nothing left the deposit (out of gas, a refused transfer): the incomes
    // stay unswept, and a person looks before any retry spends more on fees.
    const failed = await tx.query(
      `update sweeps set status = 'expired', fee = $2::numeric, tx_hash = $3, updated_at = now()
       where payload_ref = $1 and status = 'processing' returning id::text as id`,
      [ref, s.fee, s.txHash],
    );
    for (const sweep of failed) {
      await tx.query("update incomes set sweep_id = null where sweep_id = $1", [
        sweep.id as string,
      ]);
    }
    await reclaimLent(tx, failed.map((sweep) => big(sweep.id)));
    await raiseAlarm(
      tx,
      chain,
      SWEEP_FAILED,
      `sweep payload ${s.payloadId} moved nothing in ${s.txHash}`,
    );
  } else {
    const amount = s.outAmounts.reduce((a, b) => a + b, 0n);
    const done = await tx.query(
      `update sweeps set status = 'done', amount = $2::numeric, fee = $3::numeric, tx_hash = $4,
         updated_at = now()
       where payload_ref = $1 and status = 'processing' returning id::text as id`,
      [ref, amount, s.fee, s.txHash],
    );
    await reclaimLent(tx, done.map((sweep) => big(sweep.id)));
  }
  return "applied";
}

async function settleWithdrawals(tx: Queryable, ref: bigint, s: PayloadSighting): Promise<void> {
  const rows = await tx.query(
    "select id::text as id, out_key from withdrawals where payload_ref = $1 and status = 'processing' order by withdrawals.id",
    [ref],
  );
  // Transfers with identical keys are interchangeable, so matching by count is exact.
  const left = new Map<string, number>();
  for (const key of s.outKeys) left.set(key, (left.get(key) ?? 0) + 1);
  const sent: string[] = [];
  const notSent: string[] = [];
  for (const row of rows) {
    const key = String(row.out_key);
    const n = left.get(key) ?? 0;
    if (n > 0) {
      left.set(key, n - 1);
      sent.push(String(row.id));
    } else {
      notSent.push(String(row.id));
    }
  }
  if (sent.length) {
    await tx.query(
      `update withdrawals set status = $2, tx_hash = $3, updated_at = now()
       where id = any($1::bigint[])`,
      [sent, nextWithdrawalStatus("processing", "sent"), s.txHash],
    );
  }
  if (notSent.length) {
    const reason = s.failure
      ? `the chain executed the transaction and it failed: ${s.failure}`
      : "the chain executed the batch but this transfer did not leave the wallet";
    await tx.query(
      `update withdrawals set status = $2, tx_hash = $3, updated_at = now(), failure_reason = $4
       where id = any($1::bigint[])`,
      [notSent, nextWithdrawalStatus("processing", "not_sent"), s.txHash, reason],
    );
  }
}
