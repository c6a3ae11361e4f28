/**
 * Unrecognized transfers: token transfers to our deposits that no configured asset accounts
 * for (an unknown token, a forged notification), and native coin a sweep moves that no record
 * explains (see `deposit_ledger.ts`). Never incomes; kept for a person to look at.
 */

import type { Queryable } from "../db.ts";
import { big, bigOrNull, textOrNull } from "./rows.ts";

/** An unrecognized transfer with the deposit it reached. */
export interface UnrecognizedRecord {
  id: bigint;
  chain: string;
  /** The deposit it was sent to, display form, and the currency that deposit was made for. */
  depositAddress: string;
  depositCurrency: string;
  /**
   * The token's wallet or contract that reported it (canonical); the native coin's asset code
   * for native value a sweep found no record of (its `txHash` is then the sweep's).
   */
  token: string;
  sourceAddress: string | null;
  /** Claimed amount, in the token's base units. */
  amount: bigint;
  comment: string | null;
  binaryComment: string | null;
  txHash: string;
  blockHeight: bigint | null;
  /** Block time, unix seconds. */
  blockTime: number;
  /** Unix milliseconds. */
  createdAt: number;
}

/** The columns of {@linkcode UnrecognizedRecord}, over `unrecognized_transfers u join addresses a`. */
export const UNRECOGNIZED_COLUMNS = `u.id::text as id, u.chain, a.display, a.currency, u.token,
  u.source_address, u.amount::text as amount, u.comment, u.binary_comment, u.tx_hash,
  u.block_height::text as block_height, u.block_time::text as block_time, u.created_at`;

/** Reads a row selected with {@linkcode UNRECOGNIZED_COLUMNS}. */
export function toUnrecognized(r: Record<string, unknown>): UnrecognizedRecord {
  const created = r.created_at instanceof Date ? r.created_at : new Date(String(r.created_at));
  return {
    id: big(r.id),
    chain: String(r.chain),
    depositAddress: String(r.display),
    depositCurrency: String(r.currency),
    token: String(r.token),
    sourceAddress: textOrNull(r.source_address),
    amount: big(r.amount),
    comment: textOrNull(r.comment),
    binaryComment: textOrNull(r.binary_comment),
    txHash: String(r.tx_hash),
    blockHeight: bigOrNull(r.block_height),
    blockTime: Number(r.block_time),
    createdAt: created.getTime(),
  };
}

/** Unrecognized transfers newest first, optionally of one chain, below `beforeId`. */
export async function listUnrecognized(
  db: Queryable,
  q: { chain?: string; beforeId?: bigint; limit: number },
): Promise<UnrecognizedRecord[]> {
  const rows = await db.query(
    `select ${UNRECOGNIZED_COLUMNS}
     from unrecognized_transfers u join addresses a on a.id = u.address_id
     where ($1::text is null or u.chain = $1) and ($2::bigint is null or u.id < $2)
     order by u.id desc limit $3`,
    [q.chain ?? null, q.beforeId ?? null, q.limit],
  );
  return rows.map(toUnrecognized);
}
