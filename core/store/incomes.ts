/** Incomes: exactly-once insertion and the queries behind the exchange API. */

import type { Queryable } from "../db.ts";
import type { Income } from "../models.ts";
import type { IncomeEvent } from "../plugin.ts";
import { big, textOrNull } from "./rows.ts";

// Confirmations are counted from the chain's cursor: the block that holds the income is 1.
const COLUMNS = `i.id::text as id, i.chain, i.currency, a.display as deposit_address,
  i.source_address, i.amount::text as amount, i.comment, i.binary_comment, i.tx_hash,
  i.event_index, i.block_height::text as block_height, i.block_time::text as block_time,
  greatest(coalesce(c.height - i.block_height + 1, 0), 0)::text as confirmations`;

const FROM = `incomes i join addresses a on a.id = i.address_id
  left join cursors c on c.chain = i.chain`;

function toIncome(row: Record<string, unknown>): Income {
  return {
    id: big(row.id),
    chain: String(row.chain),
    currency: String(row.currency),
    depositAddress: String(row.deposit_address),
    sourceAddress: textOrNull(row.source_address),
    amount: big(row.amount),
    comment: textOrNull(row.comment),
    binaryComment: textOrNull(row.binary_comment),
    txHash: String(row.tx_hash),
    eventIndex: Number(row.event_index),
    blockHeight: big(row.block_height),
    time: Number(row.block_time),
    confirmations: Number(row.confirmations),
  };
}

/** What {@linkcode insertIncomes} inserted. */
export interface InsertedIncomes {
  /** How many incomes were new. */
  count: number;
  /** The new incomes that landed on an invoice address: the only ones invoices can match. */
  invoiceIncomeIds: bigint[];
}

/**
 * Inserts a block's incomes in one statement. The unique (chain, tx_hash, event_index)
 * makes a replayed block a no-op. Returns how many were new, and which of them went to an
 * invoice address.
 */
export async function insertIncomes(
  db: Queryable,
  chain: string,
  events: readonly IncomeEvent[],
): Promise<InsertedIncomes> {
  if (events.length === 0) return { count: 0, invoiceIncomeIds: [] };
  const col = <T>(f: (e: IncomeEvent) => T) => events.map(f);
  const rows = await db.query(
    `with inserted as (insert into incomes (chain, currency, address_id, user_id, source_address,
       amount, comment, binary_comment, tx_hash, event_index, block_height, block_time)
     select $1, e.currency, a.id, a.user_id, e.source, e.amount::numeric, e.comment, e.binary_comment,
       e.tx_hash, e.event_index::int, e.block_height::bigint, e.block_time::bigint
     from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
       $8::text[], $9::text[], $10::text[], $11::text[])
       as e(currency, address, source, amount, comment, binary_comment, tx_hash, event_index,
         block_height, block_time)
     join addresses a on a.chain = $1 and a.address = e.address
     on conflict (chain, tx_hash, event_index) do nothing
     returning id, address_id)
     select n.id::text as id, a.purpose in ('invoice', 'invoice_shared') as invoice
     from inserted n join addresses a on a.id = n.address_id`,
    [
      chain,
      col((e) => e.currency),
      col((e) => e.to),
      col((e) => e.from),
      col((e) => e.amount.toString()),
      col((e) => e.comment),
      col((e) => e.binaryComment),
      col((e) => e.txHash),
      col((e) => String(e.eventIndex)),
      col((e) => e.blockHeight.toString()),
      col((e) => String(e.time)),
    ] as never,
  );
  return {
    count: rows.length,
    invoiceIncomeIds: rows.filter((r) => r.invoice === true).map((r) => big(r.id)),
  };
}

/**
 * A user's incomes in one currency, by block time. Both forms walk `incomes_user_history`
 * (user, currency, block time, id) in the order asked, so a page costs its rows, not the
 * user's history. The first page reads its rows straight from that range. A later page
 * first counts off its offset in the index alone and then reads only its own rows: read
 * through, each skipped income would cost a heap fetch and an address lookup.
 */
export async function incomeHistory(
  db: Queryable,
  q: { userId: string; currency: string; limit: number; offset: number; order: "asc" | "desc" },
): Promise<Income[]> {
  const direction = q.order === "asc" ? "asc" : "desc";
  const order = `order by i.block_time ${direction}, i.id ${direction}`;
  const filter = "i.user_id = $1 and i.currency = $2";
  const rows = q.offset === 0
    ? await db.query(
      `select ${COLUMNS} from ${FROM} where ${filter} ${order} limit $3`,
      [q.userId, q.currency, q.limit],
    )
    : await db.query(
      `select ${COLUMNS} from ${FROM}
       where i.id in (select i.id from incomes i where ${filter} ${order} limit $3 offset $4)
       ${order}`,
      [q.userId, q.currency, q.limit, q.offset],
    );
  return rows.map(toIncome);
}

/** The income recorded for a transaction hash (its first event), if any. */
export async function incomeByTxHash(db: Queryable, txHash: string): Promise<Income | null> {
  const rows = await db.query(
    `select ${COLUMNS} from ${FROM}
     where i.tx_hash = $1 order by i.event_index limit 1`,
    [txHash],
  );
  return rows.length ? toIncome(rows[0]) : null;
}

/**
 * Per deposit address of a user: the total received, or the total swept to the hot wallet.
 * Received incomes count once final: `required` confirmations by chain (1 when absent).
 */
export async function incomeTotals(
  db: Queryable,
  userId: string,
  side: "deposit" | "hot_wallet",
  required: ReadonlyMap<string, number> = new Map(),
): Promise<{ depositAddress: string; currency: string; amount: bigint }[]> {
  const sum = side === "deposit"
    ? `(select coalesce(sum(i.amount), 0) from incomes i
        left join cursors c on c.chain = i.chain
        where i.address_id = a.id
          and coalesce(c.height - i.block_height + 1, 0) >= coalesce(
            (select r.n from unnest($2::text[], $3::int[]) as r(chain, n) where r.chain = i.chain),
            1))`
    : `(select coalesce(sum(s.amount), 0) from sweeps s
        where s.address_id = a.id and s.currency = a.currency and s.status = 'done')`;
  const rows = await db.query(
    `select a.display, a.currency, ${sum}::text as amount from addresses a
     where a.user_id = $1 order by a.id`,
    side === "deposit"
      ? [userId, [...required.keys()], [...required.values()].map(String)] as never
      : [userId],
  );
  return rows.map((r) => ({
    depositAddress: String(r.display),
    currency: String(r.currency),
    amount: big(r.amount),
  }));
}
