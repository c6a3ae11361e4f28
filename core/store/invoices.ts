/**
 * Invoices (public deposits) and the payments matched to them. Status writes are guarded by
 * the status they leave, go through the transition table, and write their webhook event to
 * the outbox in the caller's transaction.
 */

import type { Queryable } from "../db.ts";
import { type InvoiceEvent, type InvoiceStatus, nextInvoiceStatus } from "../invoice_status.ts";
import { big, textOrNull } from "./rows.ts";

/** An invoice row with its receiving address. */
export interface InvoiceRecord {
  id: bigint;
  uuid: string;
  siteId: string;
  orderId: string;
  chain: string;
  assetCode: string;
  /** Base units; 0 means any amount. */
  expectedAmount: bigint;
  /** The amount as the merchant wrote it. */
  expectedText: string;
  addressId: bigint;
  /** Receiving address, canonical and display. */
  address: string;
  display: string;
  memo: string | null;
  status: InvoiceStatus;
  metadata: Record<string, unknown> | null;
  /** Unix milliseconds. */
  expiresAt: number;
  createdAt: number;
  updatedAt: number;
  /** When it was decided paid, paid over or wrong amount, unix milliseconds. */
  paidAt: number | null;
  refundWithdrawalId: bigint | null;
  /** Where the checkout page sends the customer back once paid; null when not given. */
  successUrl: string | null;
  /** Where it sends the customer back when it ends unpaid; null when not given. */
  cancelUrl: string | null;
  /** The refund's transaction once the chain carried it, else null. */
  refundTxHash: string | null;
}

/** A payment to an invoice, from its income, with its confirmations. */
export interface InvoicePayment {
  incomeId: bigint;
  amount: bigint;
  txHash: string;
  blockHeight: bigint;
  /** Block time, unix seconds. */
  time: number;
  confirmations: number;
  /** Arrived after the invoice was decided or its window ended. */
  late: boolean;
  /** When the processor recorded it, unix milliseconds. */
  detectedAt: number;
  refundWithdrawalId: bigint | null;
}

const COLUMNS = `v.id::text as id, v.uuid::text as uuid, v.site_id, v.order_id, v.chain,
  v.asset_code, v.expected_amount::text as expected_amount, v.expected_text,
  v.address_id::text as address_id, a.address, a.display, v.memo, v.status, v.metadata,
  v.expires_at, v.created_at, v.updated_at, v.paid_at,
  v.refund_withdrawal_id::text as refund_id, v.success_url, v.cancel_url,
  (select w.tx_hash from withdrawals w
   where w.id = v.refund_withdrawal_id and w.status = 'processed') as refund_tx_hash`;
const FROM = "invoices v join addresses a on a.id = v.address_id";

function millis(value: unknown): number {
  return value instanceof Date ? value.getTime() : new Date(String(value)).getTime();
}

function toInvoice(r: Record<string, unknown>): InvoiceRecord {
  const metadata = typeof r.metadata === "string" ? JSON.parse(r.metadata) : r.metadata;
  return {
    id: big(r.id),
    uuid: String(r.uuid),
    siteId: String(r.site_id),
    orderId: String(r.order_id),
    chain: String(r.chain),
    assetCode: String(r.asset_code),
    expectedAmount: big(r.expected_amount),
    expectedText: String(r.expected_text),
    addressId: big(r.address_id),
    address: String(r.address),
    display: String(r.display),
    memo: textOrNull(r.memo),
    status: String(r.status) as InvoiceStatus,
    metadata: (metadata ?? null) as Record<string, unknown> | null,
    expiresAt: millis(r.expires_at),
    createdAt: millis(r.created_at),
    updatedAt: millis(r.updated_at),
    paidAt: r.paid_at === null ? null : millis(r.paid_at),
    refundWithdrawalId: r.refund_id === null ? null : big(r.refund_id),
    successUrl: textOrNull(r.success_url),
    cancelUrl: textOrNull(r.cancel_url),
    refundTxHash: textOrNull(r.refund_tx_hash),
  };
}

/** What a new invoice holds. */
export interface NewInvoice {
  uuid: string;
  siteId: string;
  orderId: string;
  chain: string;
  assetCode: string;
  expectedAmount: bigint;
  expectedText: string;
  addressId: bigint;
  memo: string | null;
  metadata: Record<string, unknown> | null;
  /** Unix milliseconds. */
  expiresAt: number;
  successUrl: string | null;
  cancelUrl: string | null;
}

/** Memo as matched: case and whitespace do not matter. */
export function memoKey(memo: string): string {
  return memo.replace(/\s+/g, "").toLowerCase();
}

/**
 * Inserts an invoice unless (site, order) exists. Returns null when the memo is taken on that
 * address (the caller picks another); throws nothing for the (site, order) race: the existing
 * invoice is returned with `created` false.
 */
export async function insertInvoice(
  tx: Queryable,
  n: NewInvoice,
): Promise<{ invoice: InvoiceRecord; created: boolean } | null> {
  const rows = await tx.query(
    `insert into invoices (uuid, site_id, order_id, chain, asset_code, expected_amount,
       expected_text, address_id, memo, memo_key, status, metadata, expires_at, success_url,
       cancel_url)
     values ($1::uuid, $2, $3, $4, $5, $6::numeric, $7, $8, $9, $10, 'check', $11::jsonb,
       to_timestamp($12::float8 / 1000), $13, $14)
     on conflict do nothing returning id::text as id`,
    [
      n.uuid,
      n.siteId,
      n.orderId,
      n.chain,
      n.assetCode,
      n.expectedAmount,
      n.expectedText,
      n.addressId,
      n.memo,
      n.memo === null ? null : memoKey(n.memo),
      n.metadata === null ? null : JSON.stringify(n.metadata),
      n.expiresAt,
      n.successUrl,
      n.cancelUrl,
    ],
  );
  if (rows.length) {
    return { invoice: (await invoiceById(tx, big(rows[0].id)))!, created: true };
  }
  const existing = await invoiceByOrder(tx, n.siteId, n.orderId);
  if (existing) return { invoice: existing, created: false };
  return null;
}

/** One invoice by internal id. */
export async function invoiceById(db: Queryable, id: bigint): Promise<InvoiceRecord | null> {
  const rows = await db.query(`select ${COLUMNS} from ${FROM} where v.id = $1`, [id]);
  return rows.length ? toInvoice(rows[0]) : null;
}

/** A site's invoice by uuid; another site's is null. */
export async function invoiceByUuid(
  db: Queryable,
  siteId: string,
  uuid: string,
): Promise<InvoiceRecord | null> {
  const rows = await db.query(
    `select ${COLUMNS} from ${FROM} where v.uuid = $1::uuid and v.site_id = $2`,
    [uuid, siteId],
  );
  return rows.length ? toInvoice(rows[0]) : null;
}

/**
 * An invoice by uuid alone, with its site's name: the checkout page's look-up, where the
 * uuid itself is the customer's capability.
 */
export async function invoiceForCheckout(
  db: Queryable,
  uuid: string,
): Promise<{ invoice: InvoiceRecord; siteName: string } | null> {
  const rows = await db.query(
    `select ${COLUMNS}, s.name as site_name from ${FROM} join sites s on s.id = v.site_id
     where v.uuid = $1::uuid`,
    [uuid],
  );
  return rows.length ? { invoice: toInvoice(rows[0]), siteName: String(rows[0].site_name) } : null;
}

/** A site's invoice for an order. */
export async function invoiceByOrder(
  db: Queryable,
  siteId: string,
  orderId: string,
): Promise<InvoiceRecord | null> {
  const rows = await db.query(
    `select ${COLUMNS} from ${FROM} where v.site_id = $1 and v.order_id = $2`,
    [siteId, orderId],
  );
  return rows.length ? toInvoice(rows[0]) : null;
}

/** A site's invoices, newest first, after the cursor id, filtered by order and status. */
export async function listInvoices(
  db: Queryable,
  siteId: string,
  q: { orderId?: string; status?: InvoiceStatus; beforeId?: bigint; limit: number },
): Promise<InvoiceRecord[]> {
  const rows = await db.query(
    `select ${COLUMNS} from ${FROM}
     where v.site_id = $1 and ($2::text is null or v.order_id = $2)
       and ($3::text is null or v.status = $3) and ($4::bigint is null or v.id < $4)
     order by v.id desc limit $5`,
    [siteId, q.orderId ?? null, q.status ?? null, q.beforeId ?? null, q.limit],
  );
  return rows.map(toInvoice);
}

/** Invoices the matcher still works on, oldest first. */
export async function openInvoices(db: Queryable, limit: number): Promise<InvoiceRecord[]> {
  const rows = await db.query(
    `select ${COLUMNS} from ${FROM}
     where v.status in ('check', 'process', 'confirm_check', 'refund_process')
     order by v.id limit $1`,
    [limit],
  );
  return rows.map(toInvoice);
}

/**
 * Moves an invoice by `event` if it still is in `from`; returns the updated row, or null
 * when another worker moved it first. Throws on an illegal transition. A failed refund gives
 * its payments back: they are not refunded, and may be asked for again.
 */
export async function transitionInvoice(
  tx: Queryable,
  id: bigint,
  from: InvoiceStatus,
  event: InvoiceEvent,
  set: { refundWithdrawalId?: bigint } = {},
): Promise<InvoiceRecord | null> {
  const to = nextInvoiceStatus(from, event);
  const rows = await tx.query(
    `update invoices set status = $3, updated_at = now(),
       refund_withdrawal_id = coalesce($4::bigint, refund_withdrawal_id),
       paid_at = case when $3 in ('paid', 'paid_over', 'wrong_amount') then now() else paid_at end
     where id = $1 and status = $2 returning id`,
    [id, from, to, set.refundWithdrawalId ?? null],
  );
  if (!rows.length) return null;
  if (to === "refund_fail") {
    await tx.query(
      `update invoice_payments p set refund_withdrawal_id = null from invoices v
       where v.id = $1 and p.invoice_id = v.id and p.refund_withdrawal_id = v.refund_withdrawal_id`,
      [id],
    );
  }
  return await invoiceById(tx, id);
}

/** The payments matched to an invoice, oldest first, with confirmations from the cursor. */
export async function invoicePayments(db: Queryable, invoiceId: bigint): Promise<InvoicePayment[]> {
  const rows = await db.query(
    `select p.income_id::text as income_id, i.amount::text as amount, i.tx_hash,
       i.block_height::text as block_height, i.block_time::text as block_time, p.late,
       p.created_at, p.refund_withdrawal_id::text as refund_id,
       greatest(coalesce(c.height - i.block_height + 1, 0), 0)::int as confirmations
     from invoice_payments p join incomes i on i.id = p.income_id
     left join cursors c on c.chain = i.chain
     where p.invoice_id = $1 order by i.id`,
    [invoiceId],
  );
  return rows.map((r) => ({
    incomeId: big(r.income_id),
    amount: big(r.amount),
    txHash: String(r.tx_hash),
    blockHeight: big(r.block_height),
    time: Number(r.block_time),
    confirmations: Number(r.confirmations),
    late: Boolean(r.late),
    detectedAt: millis(r.created_at),
    refundWithdrawalId: r.refund_id === null ? null : big(r.refund_id),
  }));
}

/**
 * Matches incomes `incomeIds` (just inserted on invoice addresses, in the same transaction)
 * to invoices: on an invoice's own address by address, on a shared address by memo (case and
 * whitespace ignored). A payment is late when its block time is past the window or the
 * invoice no longer waits for money. Incomes on a shared address whose memo matches nothing
 * get a row without invoice: unmatched, kept for a person and refundable. Returns the
 * invoices paid.
 *
 * The statement is driven by the id array through primary keys, so its plan (prepared, and
 * cached while `incomes` may still lack statistics) costs the block's incomes, never the
 * table's; no ids, no statement.
 */
export async function matchPayments(
  tx: Queryable,
  incomeIds: readonly bigint[],
): Promise<bigint[]> {
  if (!incomeIds.length) return [];
  const rows = await tx.query(
    `insert into invoice_payments (income_id, invoice_id, late)
     select i.id, v.id,
       case when v.id is null then false
            else (i.block_time * 1000 > extract(epoch from v.expires_at) * 1000
                  or v.status not in ('check', 'process', 'confirm_check')) end
     from unnest($1::bigint[]) as n(id)
     join incomes i on i.id = n.id
     join addresses a on a.id = i.address_id and a.purpose in ('invoice', 'invoice_shared')
     left join invoices v on v.address_id = a.id and (a.purpose = 'invoice'
       or v.memo_key = regexp_replace(lower(coalesce(i.comment, '')), '\\s+', '', 'g'))
     on conflict (income_id) do nothing
     returning invoice_id::text as invoice_id`,
    [incomeIds.map(String)] as never,
  );
  return [...new Set(rows.filter((r) => r.invoice_id !== null).map((r) => big(r.invoice_id)))];
}

/** A payment nobody's invoice claims (unknown memo). */
export interface UnmatchedPayment {
  incomeId: bigint;
  chain: string;
  currency: string;
  address: string;
  amount: bigint;
  comment: string | null;
  txHash: string;
  /** Block time, unix seconds. */
  time: number;
  refundWithdrawalId: bigint | null;
}

/** Payments nobody's invoice claims, newest first; or the one of `incomeId`. */
export async function unmatchedPayments(
  db: Queryable,
  limit: number,
  incomeId: bigint | null = null,
): Promise<UnmatchedPayment[]> {
  const rows = await db.query(
    `select i.id::text as id, i.chain, i.currency, a.display, i.amount::text as amount,
       i.comment, i.tx_hash, i.block_time::text as block_time,
       p.refund_withdrawal_id::text as refund_id
     from invoice_payments p join incomes i on i.id = p.income_id
     join addresses a on a.id = i.address_id
     where p.invoice_id is null and ($2::bigint is null or i.id = $2)
     order by i.id desc limit $1`,
    [limit, incomeId],
  );
  return rows.map((r) => ({
    incomeId: big(r.id),
    chain: String(r.chain),
    currency: String(r.currency),
    address: String(r.display),
    amount: big(r.amount),
    comment: textOrNull(r.comment),
    txHash: String(r.tx_hash),
    time: Number(r.block_time),
    refundWithdrawalId: r.refund_id === null ? null : big(r.refund_id),
  }));
}

/** The shared receiving address of a chain and asset, if made yet. */
export async function sharedAddress(
  db: Queryable,
  chain: string,
  currency: string,
): Promise<bigint | null> {
  const rows = await db.query(
    `select id::text as id from addresses
     where chain = $1 and currency = $2 and purpose = 'invoice_shared'`,
    [chain, currency],
  );
  return rows.length ? big(rows[0].id) : null;
}
