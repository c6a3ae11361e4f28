/** Sweeps: moving deposit balances to the hot wallet, automatic or requested by an operator. */

import type { Queryable, Row } from "../db.ts";
import type { DepositAccount, Preparation } from "../plugin.ts";
import { nextWithdrawalStatus } from "../withdrawal_status.ts";
import { big, textOrNull } from "./rows.ts";

/** A sweep waiting to be signed. */
export interface RequestedSweep {
  id: bigint;
  memo: string | null;
  account: DepositAccount;
  /**
   * The newest unswept income it covers, read before the balance is: an income ingested
   * later may not be in what the sweep moves, so it stays unswept.
   */
  coversUpTo: bigint;
}

/**
 * Requests automatic sweeps for deposits whose unswept incomes reach the asset's minimum.
 * At most one open sweep per address and currency exists (unique index), so calling this
 * again is harmless. Returns how many were requested.
 */
export async function requestAutoSweeps(
  db: Queryable,
  chain: string,
  minimums: ReadonlyMap<string, bigint>,
  limit: number,
  requiredConfirmations = 1,
): Promise<number> {
  if (minimums.size === 0) return 0;
  // Only final incomes count: fees spent on a deposit a fork then drops are wasted.
  const rows = await db.query(
    `insert into sweeps (chain, address_id, currency, kind, status)
     select $1, i.address_id, i.currency, 'auto', 'requested'
     from incomes i
     join unnest($2::text[], $3::text[]) as m(currency, minimum) on m.currency = i.currency
     join cursors c on c.chain = i.chain
     where i.chain = $1 and i.sweep_id is null and c.height - i.block_height + 1 >= $5
     group by i.address_id, i.currency, m.minimum
     having sum(i.amount) >= m.minimum::numeric
     limit $4
     on conflict do nothing
     returning id`,
    [chain, [...minimums.keys()], [...minimums.values()].map(String), limit, requiredConfirmations],
  );
  return rows.length;
}

/**
 * Requests a sweep of a deposit address with a memo (service withdrawal). Returns false when
 * a sweep of that address and currency is already open.
 */
export async function requestServiceSweep(
  db: Queryable,
  chain: string,
  addressId: bigint,
  currency: string,
  memo: string,
): Promise<boolean> {
  const rows = await db.query(
    `insert into sweeps (chain, address_id, currency, kind, memo, status)
     values ($1, $2, $3, 'service', $4, 'requested') on conflict do nothing returning id`,
    [chain, addressId, currency, memo],
  );
  return rows.length > 0;
}

/** Requested sweeps of a chain, oldest first. */
export async function requestedSweeps(
  db: Queryable,
  chain: string,
  limit: number,
): Promise<RequestedSweep[]> {
  const rows = await db.query(
    `select s.id::text as id, s.memo, s.currency, a.address,
       a.derivation_index::text as derivation_index,
       (select coalesce(max(i.id), 0) from incomes i
        where i.address_id = s.address_id and i.currency = s.currency and i.sweep_id is null
       )::text as covers_up_to
     from sweeps s join addresses a on a.id = s.address_id
     where s.chain = $1 and s.status = 'requested'
       and (s.not_before is null or s.not_before <= now())
       -- Resources lent to it still moving (taken back, say): a sweep signed now could lose
       -- them mid-flight.
       and not exists (select 1 from withdrawals r
                       where r.chain = s.chain and r.kind = 'prepare' and not r.spends
                         and r.destination = a.address and r.status in ('pending', 'processing'))
     order by s.id limit $2`,
    [chain, limit],
  );
  return rows.map((r) => ({
    id: big(r.id),
    memo: textOrNull(r.memo),
    account: {
      address: String(r.address),
      index: big(r.derivation_index),
      currency: String(r.currency),
    },
    coversUpTo: big(r.covers_up_to),
  }));
}

/**
 * Parks a sweep until the hot wallet has taken the plugin's preparation step for its deposit
 * (native coin sent for its fees, resources lent): an ordinary queued `prepare` withdrawal of
 * `currency`, persisted and sent exactly once, and linked to the sweep for its fee.
 */
export async function fundSweep(
  tx: Queryable,
  sweepId: bigint,
  chain: string,
  currency: string,
  destination: { address: string; display: string },
  preparation: Preparation,
): Promise<void> {
  const [topup] = await tx.query(
    `insert into withdrawals (chain, currency, kind, step, spends, undo_step, amount,
       destination, destination_input, status, sweep_id)
     values ($1, $2, 'prepare', $3, $4, $5, $6::numeric, $7, $8, 'pending', $9)
     returning id::text as id`,
    [
      chain,
      currency,
      preparation.step,
      preparation.spends,
      preparation.undo ?? null,
      preparation.amount,
      destination.address,
      destination.display,
      sweepId,
    ],
  );
  const moved = await tx.query(
    `update sweeps set status = 'funding', topup_ref = $2, updated_at = now()
     where id = $1 and status = 'requested' returning id`,
    [sweepId, topup.id as string],
  );
  if (!moved.length) throw new Error(`sweep ${sweepId} is no longer requested`);
}

/** Sweeps whose preparation has settled (sent or failed) are requested again; returns how many. */
export async function releaseFundedSweeps(db: Queryable, chain: string): Promise<number> {
  const rows = await db.query(
    `update sweeps s set status = 'requested', topup_ref = null, updated_at = now()
     from withdrawals w
     where s.chain = $1 and s.status = 'funding' and w.id = s.topup_ref
       and w.status in ('processed', 'failed')
     returning s.id`,
    [chain],
  );
  return rows.length;
}

/** How many preparations of `step` are queued or unseen on a chain. */
export async function openPreparations(
  db: Queryable,
  chain: string,
  step: string,
): Promise<number> {
  const [row] = await db.query(
    `select count(*)::int as n from withdrawals
     where chain = $1 and kind = 'prepare' and step = $2 and status in ('pending', 'processing')`,
    [chain, step],
  );
  return Number(row.n);
}

/** Leaves a requested sweep alone for `seconds` (it is not worth signing yet). */
export async function deferSweep(db: Queryable, sweepId: bigint, seconds: number): Promise<void> {
  await db.query(
    `update sweeps set not_before = now() + make_interval(secs => $2), updated_at = now()
     where id = $1 and status = 'requested'`,
    [sweepId, seconds],
  );
}

/**
 * Queues, for sweeps that have settled, the undo step of every preparation of theirs that
 * went out and names one (taking back lent resources): one per preparation, never two.
 */
export async function undoPreparations(
  tx: Queryable,
  sweepIds: readonly bigint[],
): Promise<number> {
  if (!sweepIds.length) return 0;
  // `undoes` is unique: a preparation is undone once, whoever settles its sweep first.
  const rows = await tx.query(
    `insert into withdrawals (chain, currency, kind, step, spends, amount, destination,
       destination_input, status, sweep_id, undoes)
     select l.chain, l.currency, 'prepare', l.undo_step, false, l.amount, l.destination,
       l.destination_input, 'pending', l.sweep_id, l.id
     from withdrawals l
     where l.sweep_id = any($1::bigint[]) and l.kind = 'prepare' and l.undo_step is not null
       and l.status = 'processed'
       and not exists (select 1 from withdrawals r where r.undoes = l.id)
     on conflict (undoes) where undoes is not null do nothing
     returning id`,
    [sweepIds.map(String)],
  );
  return rows.length;
}

/** What a preparation step is for: its sweep's deposit, and whether it undoes another step. */
export interface PreparationTarget {
  /** The deposit whose sweep the step prepares (or followed). */
  account: DepositAccount;
  /** Whether the step is the undo of another (see `Preparation.undo`). */
  undo: boolean;
  /**
   * False for an undo whose sweep is in flight again, or was seen in a block not yet final:
   * a fork that drops the sweep would run it again without what the undo took back.
   */
  ready: boolean;
}

/**
 * The targets of those of `withdrawalIds` that are preparation steps, by withdrawal id; a
 * block is final with `requiredConfirmations` (see {@linkcode PreparationTarget.ready}).
 */
export async function preparationTargets(
  db: Queryable,
  withdrawalIds: readonly bigint[],
  requiredConfirmations: number,
): Promise<Map<bigint, PreparationTarget>> {
  if (!withdrawalIds.length) return new Map();
  // A sweep whose payload died has none (payload_ref null); one seen has its height.
  const rows = await db.query(
    `select w.id::text as id, w.undoes is not null as undo, a.address, s.currency,
       a.derivation_index::text as derivation_index,
       coalesce(w.undoes is null or (s.status <> 'processing' and (p.id is null or
         (p.status = 'seen' and c.height - p.seen_height + 1 >= $2))), false) as ready
     from withdrawals w join sweeps s on s.id = w.sweep_id join addresses a on a.id = s.address_id
       left join payloads p on p.id = s.payload_ref
       left join cursors c on c.chain = w.chain
     where w.id = any($1::bigint[]) and w.kind = 'prepare'`,
    [withdrawalIds.map(String), requiredConfirmations],
  );
  return new Map(rows.map((r) => [big(r.id), {
    account: {
      address: String(r.address),
      index: big(r.derivation_index),
      currency: String(r.currency),
    },
    undo: r.undo === true,
    ready: r.ready === true,
  }]));
}

/** Deposits (canonical addresses) of a chain with an undo step unseen on chain. */
export async function depositsUndoing(db: Queryable, chain: string): Promise<Set<string>> {
  const rows = await db.query(
    `select distinct destination from withdrawals
     where chain = $1 and undoes is not null and status = 'processing'`,
    [chain],
  );
  return new Set(rows.map((r) => String(r.destination)));
}

/**
 * Closes a pending undo step the plugin found nothing left to do for (what is left on the
 * deposit cannot pay for its own transfer): it is never signed. Returns whether it was closed.
 */
export async function closeUnneededUndo(db: Queryable, withdrawalId: bigint): Promise<boolean> {
  const rows = await db.query(
    `update withdrawals set status = $2, failure_reason = $3, updated_at = now()
     where id = $1 and status = 'pending' and undoes is not null returning id`,
    [withdrawalId, nextWithdrawalStatus("pending", "unneeded"), "nothing left to take back"],
  );
  return rows.length > 0;
}

/** A sweep as operators see it; `fee` adds the hot wallet transactions made for it. */
export interface SweepRecord {
  id: bigint;
  chain: string;
  currency: string;
  address: string;
  kind: "auto" | "service";
  status: string;
  amount: bigint | null;
  /** Native coin the sweep cost: its own transaction plus its preparations' fees. */
  fee: bigint;
  txHash: string | null;
  createdAt: Date;
}

/** Sweeps of a chain, newest first. */
export async function listSweeps(
  db: Queryable,
  chain: string | null,
  limit: number,
): Promise<SweepRecord[]> {
  const rows = await db.query(
    `select s.id::text as id, s.chain, s.currency, a.address, s.kind, s.status,
       s.amount::text as amount, s.tx_hash, s.created_at,
       (coalesce(s.fee, 0) + coalesce((
         select sum(p.fee) from withdrawals w join payloads p on p.id = w.payload_ref
         where w.sweep_id = s.id and w.status = 'processed'), 0))::text as fee
     from sweeps s join addresses a on a.id = s.address_id
     where ($1::text is null or s.chain = $1)
     order by s.id desc limit $2`,
    [chain, limit],
  );
  return rows.map((r) => ({
    id: big(r.id),
    chain: String(r.chain),
    currency: String(r.currency),
    address: String(r.address),
    kind: String(r.kind) as "auto" | "service",
    status: String(r.status),
    amount: r.amount === null ? null : big(r.amount),
    fee: big(r.fee),
    txHash: textOrNull(r.tx_hash),
    createdAt: new Date(r.created_at as string),
  }));
}

/**
 * Closes a sweep that found nothing worth moving, and marks the incomes it covered so they
 * do not request it again: for a sweep of the balance as of block `asOf`, only those up to
 * that block (a later one was not in the balance it found empty).
 */
export async function markSweepEmpty(
  db: Queryable,
  sweepId: bigint,
  coversUpTo: bigint,
  asOf: bigint | null = null,
): Promise<void> {
  const [sweep] = await db.query(
    `update sweeps set status = 'empty', updated_at = now()
     where id = $1 and status = 'requested' returning address_id, currency`,
    [sweepId],
  );
  if (!sweep) return;
  await coverIncomes(db, sweepId, sweep, coversUpTo, asOf);
}

/**
 * Marks the unswept incomes sweep `sweepId` covers as its own: those of its deposit and
 * currency (`sweep`: its row's `address_id` and `currency`) with ids ≤ `coversUpTo` (read
 * before the balance was) and, for a sweep of the balance as of block `asOf`, in blocks up to
 * it.
 */
export async function coverIncomes(
  db: Queryable,
  sweepId: bigint,
  sweep: Row,
  coversUpTo: bigint,
  asOf: bigint | null,
): Promise<void> {
  await db.query(
    `update incomes set sweep_id = $1
     where address_id = $2 and currency = $3 and sweep_id is null and id <= $4
       and ($5::bigint is null or block_height <= $5)`,
    [sweepId, sweep.address_id as string, sweep.currency as string, coversUpTo, asOf],
  );
}
