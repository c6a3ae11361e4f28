/** Withdrawals: idempotent creation, the FIFO queue and the API's views. */

import type { Queryable } from "../db.ts";
import type { Withdrawal, WithdrawalKind } from "../models.ts";
import { nextWithdrawalStatus, type WithdrawalStatus } from "../withdrawal_status.ts";
import { big, textOrNull } from "./rows.ts";

const COLUMNS = `id::text as id, chain, currency, kind, step, spends, user_id, query_id,
  amount::text as amount, destination, destination_input, comment, binary_comment, status,
  attempt, tx_hash, confirmed_tx_hash, failure_reason`;

function toWithdrawal(row: Record<string, unknown>): Withdrawal {
  return {
    id: big(row.id),
    chain: String(row.chain),
    currency: String(row.currency),
    kind: String(row.kind) as WithdrawalKind,
    step: textOrNull(row.step),
    spends: row.spends === true,
    userId: textOrNull(row.user_id),
    queryId: textOrNull(row.query_id),
    amount: big(row.amount),
    destination: String(row.destination),
    destinationInput: String(row.destination_input),
    comment: textOrNull(row.comment),
    binaryComment: textOrNull(row.binary_comment),
    status: String(row.status) as WithdrawalStatus,
    attempt: Number(row.attempt),
    txHash: textOrNull(row.tx_hash),
    confirmedTxHash: textOrNull(row.confirmed_tx_hash),
    failureReason: textOrNull(row.failure_reason),
  };
}

/** A new withdrawal request; `step` defaults to none and `spends` to true. */
export type NewWithdrawal =
  & Omit<
    Withdrawal,
    "id" | "status" | "attempt" | "txHash" | "confirmedTxHash" | "failureReason" | "step" | "spends"
  >
  & Partial<Pick<Withdrawal, "step" | "spends">>;

/**
 * Inserts a withdrawal unless (user_id, query_id) exists; returns the stored row and whether
 * it was created by this call. Concurrent repeats resolve to the same row.
 */
export async function insertWithdrawal(
  db: Queryable,
  w: NewWithdrawal,
): Promise<{ withdrawal: Withdrawal; created: boolean }> {
  const inserted = await db.query(
    `insert into withdrawals (chain, currency, kind, user_id, query_id, amount, destination,
       destination_input, comment, binary_comment, status, step, spends)
     values ($1, $2, $3, $4, $5, $6::numeric, $7, $8, $9, $10, 'pending', $11, $12)
     on conflict (user_id, query_id) do nothing
     returning ${COLUMNS}`,
    [
      w.chain,
      w.currency,
      w.kind,
      w.userId,
      w.queryId,
      w.amount,
      w.destination,
      w.destinationInput,
      w.comment,
      w.binaryComment,
      w.step ?? null,
      w.spends ?? true,
    ],
  );
  if (inserted.length) return { withdrawal: toWithdrawal(inserted[0]), created: true };
  const [existing] = await db.query(
    `select ${COLUMNS} from withdrawals where user_id = $1 and query_id = $2`,
    [w.userId, w.queryId],
  );
  return { withdrawal: toWithdrawal(existing), created: false };
}

/** The withdrawal a user created with `queryId`, if any. */
export async function withdrawalByQuery(
  db: Queryable,
  userId: string,
  queryId: string,
): Promise<Withdrawal | null> {
  const rows = await db.query(
    `select ${COLUMNS} from withdrawals where user_id = $1 and query_id = $2`,
    [userId, queryId],
  );
  return rows.length ? toWithdrawal(rows[0]) : null;
}

/** One withdrawal by id. */
export async function withdrawalById(db: Queryable, id: bigint): Promise<Withdrawal | null> {
  const rows = await db.query(`select ${COLUMNS} from withdrawals where id = $1`, [id]);
  return rows.length ? toWithdrawal(rows[0]) : null;
}

/**
 * Cancels withdrawal `id` if it is still `pending`, i.e. no signed payload carries it; returns
 * it as it is after the call. The status test in the update decides a race with the sender,
 * whose batch persist (store/payloads.ts) fails as a whole when one of its withdrawals is no
 * longer pending, so a cancelled withdrawal is never signed.
 */
export async function cancelPendingWithdrawal(
  db: Queryable,
  id: bigint,
): Promise<Withdrawal | null> {
  const updated = await db.query(
    `update withdrawals set status = $2, updated_at = now()
     where id = $1 and kind = 'user' and status = 'pending' returning ${COLUMNS}`,
    [id, nextWithdrawalStatus("pending", "cancelled")],
  );
  if (updated.length) return toWithdrawal(updated[0]);
  return await withdrawalById(db, id);
}

/**
 * The oldest pending withdrawals of a chain, FIFO; what a sweep waits for (its preparations)
 * goes first, so user withdrawals the hot wallet cannot cover yet never hold back the sweep
 * that would refill it.
 */
export async function pendingWithdrawals(
  db: Queryable,
  chain: string,
  limit: number,
): Promise<Withdrawal[]> {
  const rows = await db.query(
    `select ${COLUMNS} from withdrawals where chain = $1 and status = 'pending'
     order by kind = 'prepare' desc, withdrawals.id limit $2`,
    [chain, limit],
  );
  return rows.map(toWithdrawal);
}

/** Withdrawals whose amount is paid out of the balance (not lent resources). */
const SPENT = "spends";

/**
 * Sums of pending and processing withdrawals of one currency (lent resources excluded: they
 * do not spend the balance), and how many are processing.
 */
export async function queuedTotals(
  db: Queryable,
  chain: string,
  currency: string,
): Promise<{ pending: bigint; processing: bigint; processingCount: number }> {
  const [row] = await db.query(
    `select coalesce(sum(amount) filter (where status = 'pending'), 0)::text as pending,
            coalesce(sum(amount) filter (where status = 'processing'), 0)::text as processing,
            count(*) filter (where status = 'processing')::int as processing_count
     from withdrawals where chain = $1 and currency = $2 and status in ('pending', 'processing')
       and ${SPENT}`,
    [chain, currency],
  );
  return {
    pending: big(row.pending),
    processing: big(row.processing),
    processingCount: Number(row.processing_count),
  };
}

/** How many withdrawals of `currency` are unseen on chain, of every kind. */
export async function processingCount(
  db: Queryable,
  chain: string,
  currency: string,
): Promise<number> {
  const [row] = await db.query(
    `select count(*)::int as n from withdrawals
     where chain = $1 and currency = $2 and status = 'processing'`,
    [chain, currency],
  );
  return Number(row.n);
}

/**
 * Total of `currency` withdrawals settled in the last `seconds`: a token balance read from a
 * node can lag behind what the chain already spent (a token may move a block or more after
 * the hot wallet's message), so budgets hold these back for a while.
 */
export async function recentlySettled(
  db: Queryable,
  chain: string,
  currency: string,
  seconds: number,
): Promise<bigint> {
  const [row] = await db.query(
    `select coalesce(sum(amount), 0)::text as total from withdrawals
     where chain = $1 and currency = $2 and status = 'processed' and ${SPENT}
       and updated_at > now() - make_interval(secs => $3)`,
    [chain, currency, seconds],
  );
  return big(row.total);
}
