/**
 * Signed payloads through their life: persisted before the first broadcast, then seen on
 * chain or declared dead on the plugin's word (see `PayloadLifecycle`). Applying a sighting
 * or a death moves the withdrawals and sweeps the payload carries.
 *
 * A payload may be replaced (a fee bump reusing its nonce): the replacement joins the
 * payload's family, takes over what it carried and is the one broadcast (`sent`), while the
 * old one stays watched (`replaced`). Members of a family share a nonce, so at most one can
 * land: the first seen counts, and every other member dies with it (superseded). A family
 * dies only when each of its open members is dead.
 */

import type { Queryable } from "../db.ts";
import type {
  Cursor,
  PayloadLifecycle,
  PayloadSighting,
  SignedPayload,
  StoredPayload,
} from "../plugin.ts";
import { nextWithdrawalStatus } from "../withdrawal_status.ts";
import { EXPIRED_PAYLOAD_SEEN, raiseAlarm, SWEEP_FAILED } from "./alarms.ts";
import { loadCursor } from "./cursors.ts";
import { big, textOrNull } from "./rows.ts";
import { coverIncomes, undoPreparations } from "./sweeps.ts";

/** A payload not yet seen nor dead. */
export interface OpenPayload extends StoredPayload {
  ref: bigint;
  purpose: "withdrawals" | "sweep";
  /** `sent`: it carries the withdrawals or sweep and is broadcast; `replaced`: only watched. */
  status: "sent" | "replaced";
  /** Ref of the first payload of its family (its own when it replaced none). */
  family: bigint;
}

const OPEN_COLUMNS = `id::text as id, payload_id, wallet, purpose, status, family::text as family,
  data, valid_until::text as valid_until, nonce, out_keys, broadcasts,
  (extract(epoch from (now() - last_broadcast_at)) * 1000)::float8 as since_ms`;

function toOpenPayload(r: Record<string, unknown>): OpenPayload {
  return {
    ref: big(r.id),
    payloadId: String(r.payload_id),
    wallet: String(r.wallet),
    purpose: String(r.purpose) as "withdrawals" | "sweep",
    status: String(r.status) as "sent" | "replaced",
    family: big(r.family),
    data: String(r.data),
    validUntil: r.valid_until === null ? null : Number(r.valid_until),
    nonce: textOrNull(r.nonce),
    outKeys: r.out_keys as string[],
    broadcasts: Number(r.broadcasts),
    sinceBroadcastMs: r.since_ms === null ? null : Number(r.since_ms),
  };
}

/** Payloads of a chain awaiting sighting or death, oldest first. */
export async function openPayloads(db: Queryable, chain: string): Promise<OpenPayload[]> {
  const rows = await db.query(
    `select ${OPEN_COLUMNS} from payloads
     where chain = $1 and status in ('sent', 'replaced') order by payloads.id`,
    [chain],
  );
  return rows.map(toOpenPayload);
}

async function insertPayload(
  tx: Queryable,
  chain: string,
  purpose: "withdrawals" | "sweep",
  p: SignedPayload,
  family: bigint | null = null,
): Promise<bigint> {
  const [row] = await tx.query(
    `with n as (select nextval(pg_get_serial_sequence('payloads', 'id')) as id)
     insert into payloads (id, family, chain, payload_id, wallet, purpose, data, valid_until,
       nonce, out_keys, status)
     select n.id, coalesce($9::bigint, n.id), $1, $2, $3, $4, $5, $6, $7, $8::text[], 'sent'
     from n returning id::text as id`,
    [
      chain,
      p.payloadId,
      p.wallet,
      purpose,
      p.data,
      p.validUntil,
      p.nonce ?? null,
      p.outKeys,
      family,
    ],
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

/**
 * Persists a signed sweep and marks the sweep and the incomes it covers (ids ≤ coversUpTo,
 * and, for a sweep of the balance as of block `asOf`, in blocks up to it: later ones are not
 * in what it moves).
 */
export async function persistSweepPayload(
  tx: Queryable,
  chain: string,
  payload: SignedPayload,
  sweepId: bigint,
  coversUpTo: bigint,
  asOf: bigint | null = null,
): Promise<bigint> {
  const ref = await insertPayload(tx, chain, "sweep", payload);
  const [sweep] = await tx.query(
    `update sweeps set status = 'processing', payload_ref = $2, updated_at = now()
     where id = $1 and status = 'requested' returning address_id, currency`,
    [sweepId, ref],
  );
  if (!sweep) throw new Error(`sweep ${sweepId} is no longer requested`);
  await coverIncomes(tx, sweepId, sweep, coversUpTo, asOf);
  return ref;
}

/**
 * Stores `next` as the replacement of open payload `ref` and moves what `ref` carried to it,
 * in the caller's transaction; `ref` stays watched. Throws (rolling back) unless `ref` is the
 * family's broadcast member and `next` has its wallet, its nonce and as many out keys: only
 * a shared nonce guarantees that the two can never both land.
 */
export async function replacePayload(
  tx: Queryable,
  ref: bigint,
  next: SignedPayload,
): Promise<bigint> {
  const [old] = await tx.query(
    `select chain, purpose, wallet, nonce, out_keys, status, family::text as family
     from payloads where id = $1 for update`,
    [ref],
  );
  if (!old || old.status !== "sent") throw new Error(`payload ${ref} is not open to replace`);
  if (old.nonce === null || next.nonce !== old.nonce || next.wallet !== old.wallet) {
    throw new Error(
      `a replacement of payload ${ref} must use its wallet and nonce, or both could land`,
    );
  }
  const oldKeys = old.out_keys as string[];
  if (next.outKeys.length !== oldKeys.length) {
    throw new Error(`a replacement of payload ${ref} must carry the same transfers`);
  }
  const purpose = String(old.purpose) as "withdrawals" | "sweep";
  const nextRef = await insertPayload(tx, String(old.chain), purpose, next, big(old.family));
  await tx.query("update payloads set status = 'replaced' where id = $1", [ref]);
  await moveCarried(tx, ref, nextRef, oldKeys, next.outKeys);
  return nextRef;
}

/**
 * Moves the withdrawals and sweeps `from` carries to `to`; a withdrawal's out key becomes
 * the key at the same position in `to`'s keys.
 */
async function moveCarried(
  tx: Queryable,
  from: bigint,
  to: bigint,
  fromKeys: readonly string[],
  toKeys: readonly string[],
): Promise<void> {
  const map = new Map<string, string>();
  fromKeys.forEach((key, i) => {
    if ((map.get(key) ?? toKeys[i]) !== toKeys[i]) {
      throw new Error(`out key ${key} maps to two keys of payload ${to}`);
    }
    map.set(key, toKeys[i]);
  });
  const [carried] = await tx.query(
    "select count(*)::int as n from withdrawals where payload_ref = $1",
    [from],
  );
  const moved = await tx.query(
    `update withdrawals w set payload_ref = $2, out_key = m.to_key, updated_at = now()
     from unnest($3::text[], $4::text[]) as m(from_key, to_key)
     where w.payload_ref = $1 and w.out_key = m.from_key returning w.id`,
    [from, to, [...map.keys()], [...map.values()]],
  );
  if (moved.length !== Number(carried.n)) {
    throw new Error(`payload ${to} lacks an out key of a transfer payload ${from} carried`);
  }
  await tx.query("update sweeps set payload_ref = $2, updated_at = now() where payload_ref = $1", [
    from,
    to,
  ]);
}

/** Records one more broadcast of an open payload. */
export async function markBroadcast(db: Queryable, ref: bigint): Promise<void> {
  await db.query(
    "update payloads set broadcasts = broadcasts + 1, last_broadcast_at = now() where id = $1",
    [ref],
  );
}

/** How the sender's verdict on a payload is confirmed inside the burying transaction. */
export interface DeathCheck {
  chain: string;
  lifecycle: PayloadLifecycle;
}

/**
 * Declares the family of payload `ref` dead: none of its members can land. With `check`, the
 * cursor is read under lock and the plugin's lifecycle must find every open member dead on
 * it (a fork rollback may have moved the cursor back since the caller looked, and the
 * payload would otherwise be judged on blocks the chain no longer has); without it, the
 * caller's word is taken (operators, tests). What the family carried moves on: withdrawals
 * return to pending with a new attempt; an automatic sweep is dropped and its incomes freed,
 * a requested one is requested again. Returns whether it was declared.
 */
export async function declareDead(
  tx: Queryable,
  ref: bigint,
  check?: DeathCheck,
): Promise<boolean> {
  const cursor: Cursor | null = check ? await loadCursor(tx, check.chain, true) : null;
  if (check && !cursor) return false;
  const members = (await tx.query(
    `select ${OPEN_COLUMNS} from payloads
     where family = (select family from payloads where id = $1) and status in ('sent', 'replaced')
     order by id for update`,
    [ref],
  )).map(toOpenPayload);
  if (!members.length) return false;
  let reason = "expired";
  if (check && cursor) {
    for (const member of members) {
      const verdict = check.lifecycle.state(member, cursor);
      if (verdict.state !== "dead") return false;
      if (member.status === "sent") reason = verdict.reason;
    }
  }
  const refs = members.map((m) => String(m.ref));
  await tx.query(
    "update payloads set status = 'dead', dead_reason = $2 where id = any($1::bigint[])",
    [refs, reason],
  );
  await tx.query(
    `update withdrawals set status = $2, attempt = attempt + 1, payload_ref = null,
       out_key = null, updated_at = now()
     where payload_ref = any($1::bigint[]) and status = 'processing'`,
    [refs, nextWithdrawalStatus("processing", "expired")],
  );
  const sweeps = await tx.query(
    `update sweeps set status = case when kind = 'service' then 'requested' else 'expired' end,
       payload_ref = null, updated_at = now()
     where payload_ref = any($1::bigint[]) and status = 'processing'
     returning id::text as id, status`,
    [refs],
  );
  for (const s of sweeps) {
    await tx.query("update incomes set sweep_id = null where sweep_id = $1", [s.id as string]);
  }
  // A service sweep is signed again and keeps what was lent to it; a dropped one gives it back.
  await undoPreparations(tx, sweeps.filter((s) => s.status === "expired").map((s) => big(s.id)));
  return true;
}

/**
 * Applies a sighting of one of our payloads. A payload seen after it was declared dead
 * raises the double-spend tripwire; a payload seen twice (block replay) changes nothing. A
 * replaced payload that lands takes back what its family carried, and every other open
 * member of the family dies, superseded by it.
 */
export async function applySighting(
  tx: Queryable,
  chain: string,
  s: PayloadSighting,
  height: bigint | null = null,
): Promise<"applied" | "replay" | "tripwire" | "unknown"> {
  const [payload] = await tx.query(
    `select id::text as id, status, purpose, family::text as family, out_keys, dead_reason
     from payloads where chain = $1 and payload_id = $2 for update`,
    [chain, s.payloadId],
  );
  if (!payload) return "unknown";
  if (payload.status === "seen") return "replay";
  if (payload.status === "dead") {
    await raiseAlarm(
      tx,
      chain,
      EXPIRED_PAYLOAD_SEEN,
      `payload ${s.payloadId} declared dead (${payload.dead_reason}) was executed in ${s.txHash}`,
    );
    return "tripwire";
  }
  const ref = big(payload.id);
  if (payload.status === "replaced") {
    const [carrier] = await tx.query(
      `select id::text as id, out_keys from payloads
       where family = $1 and status = 'sent' for update`,
      [payload.family as string],
    );
    if (carrier) {
      await moveCarried(
        tx,
        big(carrier.id),
        ref,
        carrier.out_keys as string[],
        payload.out_keys as string[],
      );
    }
  }
  // Its nonce is used now: no other member of the family can land.
  await tx.query(
    `update payloads set status = 'dead', dead_reason = 'superseded', superseded_by = $2
     where family = $1 and id <> $2 and status in ('sent', 'replaced')`,
    [payload.family as string, ref],
  );
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
    await undoPreparations(tx, failed.map((sweep) => big(sweep.id)));
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
    await undoPreparations(tx, done.map((sweep) => big(sweep.id)));
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
