/** Scanner cursors, and the one transaction that commits a block with its events. */

import type { Queryable } from "../db.ts";
import type {
  Cursor,
  Json,
  PayloadSighting,
  ScannedBlock,
  TransferConfirmation,
  UnrecognizedTransfer,
} from "../plugin.ts";
import { insertIncomes } from "./incomes.ts";
import { matchPayments } from "./invoices.ts";
import { FOREIGN_SPEND, raiseAlarm, REORG_BEYOND_FINALITY, TRANSFER_RETURNED } from "./alarms.ts";
import { nextWithdrawalStatus } from "../withdrawal_status.ts";
import { applySighting } from "./payloads.ts";
import { big } from "./rows.ts";

/** The persisted cursor of a chain, if any; `lock` holds its row until the transaction ends. */
export async function loadCursor(
  db: Queryable,
  chain: string,
  lock = false,
): Promise<Cursor | null> {
  const rows = await db.query(
    `select height::text as height, block_time::text as block_time, state from cursors
     where chain = $1${lock ? " for update" : ""}`,
    [chain],
  );
  if (!rows.length) return null;
  const state = rows[0].state;
  return {
    height: big(rows[0].height),
    time: Number(rows[0].block_time),
    state: (typeof state === "string" ? JSON.parse(state) : state) as Json,
  };
}

/** Persists the starting cursor unless one exists; returns the one in force. */
export async function initCursor(db: Queryable, chain: string, cursor: Cursor): Promise<Cursor> {
  await db.query(
    `insert into cursors (chain, height, block_time, state) values ($1, $2, $3, $4::jsonb)
     on conflict (chain) do nothing`,
    [chain, cursor.height, cursor.time, JSON.stringify(cursor.state)],
  );
  return (await loadCursor(db, chain))!;
}

/** Another worker advanced the cursor first: this block's work is discarded. */
export class CursorMovedError extends Error {
  constructor(chain: string) {
    super(`cursor of ${chain} moved under this worker`);
    this.name = "CursorMovedError";
  }
}

/**
 * Raises a foreign-spend alarm for each sighting of a payload this processor never signed
 * (someone else holds the key, or two processors share it): the sender stops until a person
 * has looked. One statement for the block, whatever its sightings; returns their payload ids.
 */
async function raiseForeignSpends(
  tx: Queryable,
  chain: string,
  height: bigint,
  sightings: readonly PayloadSighting[],
): Promise<Set<string>> {
  if (sightings.length === 0) return new Set();
  const rows = await tx.query(
    // Through text: postgres.js sends a string bound to a jsonb parameter as a JSON string
    // scalar, which `context->>'…'` cannot read.
    `insert into alarms (chain, kind, detail, context)
     select $1, $2, s.detail, s.context::jsonb
     from unnest($3::text[], $4::text[], $5::text[]) with ordinality as s(payload_id, detail,
       context, n)
     where not exists (select from payloads p where p.chain = $1 and p.payload_id = s.payload_id)
     order by s.n
     returning context->>'payloadId' as payload_id`,
    [
      chain,
      FOREIGN_SPEND,
      sightings.map((s) => s.payloadId),
      sightings.map((s) =>
        `transaction ${s.txHash} at height ${height} spent from an account of this ` +
        `processor but carried no payload it signed (payload ${s.payloadId}, out ` +
        `${s.outAmounts.join("+") || "nothing"}): another holder of the keys?`
      ),
      sightings.map((s) =>
        JSON.stringify({
          txHash: s.txHash,
          height: String(height),
          payloadId: s.payloadId,
          outAmounts: s.outAmounts.map(String),
        })
      ),
    ] as never,
  );
  return new Set(rows.map((r) => String(r.payload_id)));
}

/**
 * Annotates settled transfers with their acknowledgement, in one statement. Anyone can send an
 * acknowledgement-shaped message, so it only annotates a transfer that our own sighting
 * already settled; of two for one transfer, the first in the block counts.
 */
async function confirmTransfers(
  tx: Queryable,
  chain: string,
  confirmations: readonly TransferConfirmation[],
): Promise<void> {
  if (confirmations.length === 0) return;
  await tx.query(
    `update withdrawals w set confirmed_tx_hash = c.tx_hash, updated_at = now()
     from (select distinct on (c.out_key) c.out_key, c.tx_hash
           from unnest($2::text[], $3::text[]) with ordinality as c(out_key, tx_hash, n)
           order by c.out_key, c.n) c
     where w.chain = $1 and w.out_key = c.out_key and w.status = 'processed'
       and w.confirmed_tx_hash is null`,
    [chain, confirmations.map((c) => c.outKey), confirmations.map((c) => c.txHash)] as never,
  );
}

/** Records a block's transfers of unconfigured tokens to our addresses, in one statement. */
async function insertUnrecognized(
  tx: Queryable,
  chain: string,
  height: bigint,
  transfers: readonly UnrecognizedTransfer[],
): Promise<void> {
  if (transfers.length === 0) return;
  const col = <T>(f: (u: UnrecognizedTransfer) => T) => transfers.map(f);
  await tx.query(
    `insert into unrecognized_transfers (chain, address_id, token, source_address, amount,
       comment, binary_comment, tx_hash, block_time, block_height, event_index)
     select $1, a.id, u.token, u.source, u.amount::numeric, u.comment, u.binary_comment,
       u.tx_hash, u.block_time::bigint, $2, u.event_index::int
     from unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
       $9::text[], $10::text[], $11::text[]) with ordinality
       as u(address, token, source, amount, comment, binary_comment, tx_hash, block_time,
         event_index, n)
     join addresses a on a.chain = $1 and a.address = u.address
     order by u.n
     on conflict (chain, tx_hash, event_index) do nothing`,
    [
      chain,
      height,
      col((u) => u.to),
      col((u) => u.token),
      col((u) => u.from),
      col((u) => u.amount.toString()),
      col((u) => u.comment),
      col((u) => u.binaryComment),
      col((u) => u.txHash),
      col((u) => String(u.time)),
      col((u) => String(u.eventIndex ?? 0)),
    ] as never,
  );
}

/**
 * Commits a scanned block: the new cursor, its incomes and its sightings, all or nothing.
 * The update is guarded by the previous cursor (height and state, so a worker still on a
 * branch a fork replaced cannot commit either) so two workers can never both commit.
 */
export async function commitBlock(
  tx: Queryable,
  chain: string,
  previous: Cursor,
  block: ScannedBlock,
): Promise<{ newIncomes: number; unknownSightings: string[]; tripwires: string[] }> {
  // Sent together: the connection pipelines them and the server runs them in this order, so
  // the writes still come after the cursor row is locked; a cursor that moved rolls them back.
  const [moved, inserted, foreign] = await Promise.all([
    tx.query(
      `update cursors set height = $2, block_time = $3, state = $4::jsonb, updated_at = now()
       where chain = $1 and height = $5 and state = $6::jsonb returning chain`,
      [
        chain,
        block.cursor.height,
        block.cursor.time,
        JSON.stringify(block.cursor.state),
        previous.height,
        JSON.stringify(previous.state),
      ],
    ),
    insertIncomes(tx, chain, block.incomes),
    raiseForeignSpends(tx, chain, block.cursor.height, block.sightings),
  ]);
  if (!moved.length) throw new CursorMovedError(chain);
  const newIncomes = inserted.count;
  // Invoice payments are matched with their incomes, in the same transaction: only the ones
  // just inserted on an invoice address, so the cost is the block's, never the table's.
  await matchPayments(tx, inserted.invoiceIncomeIds);
  const unknownSightings: string[] = [];
  const tripwires: string[] = [];
  for (const sighting of block.sightings) {
    if (foreign.has(sighting.payloadId)) {
      unknownSightings.push(sighting.txHash);
      continue;
    }
    // Payloads are never deleted: this one exists, so the result is never "unknown".
    const result = await applySighting(tx, chain, sighting, block.cursor.height);
    if (result === "tripwire") tripwires.push(sighting.txHash);
  }
  await confirmTransfers(tx, chain, block.confirmations ?? []);
  await insertUnrecognized(tx, chain, block.cursor.height, block.unrecognized ?? []);
  for (const r of block.returned ?? []) {
    const [w] = await tx.query(
      "select id::text as id from withdrawals where chain = $1 and out_key = $2",
      [chain, r.outKey],
    );
    await raiseAlarm(
      tx,
      chain,
      TRANSFER_RETURNED,
      `transfer ${r.outKey} (withdrawal ${w?.id ?? "unknown"}) came back in ${r.txHash}`,
    );
    tripwires.push(r.txHash);
  }
  return { newIncomes, unknownSightings, tripwires };
}

/** What undoing a fork's blocks changed. */
export interface RollbackResult {
  /** Incomes removed (not yet final, so never credited). */
  incomes: number;
  /** Our payloads whose sighting was in a dropped block, awaited again. */
  payloads: number;
  /** Incomes above the fork that were already final: kept, and an alarm raised. */
  finalKept: number;
}

/**
 * Undoes what blocks after `to` contributed, because the chain replaced them: the cursor
 * moves back (guarded by the previous height), non-final incomes and unrecognized transfers
 * of those blocks go, and payloads seen in them are awaited again (their withdrawals return
 * to processing, their sweeps to processing). Incomes already final are kept and raise an
 * alarm that halts the sender: a person must look at a fork deeper than finality.
 */
export async function commitRollback(
  tx: Queryable,
  chain: string,
  previous: Cursor,
  to: Cursor,
  requiredConfirmations: number,
): Promise<RollbackResult> {
  const moved = await tx.query(
    `update cursors set height = $2, block_time = $3, state = $4::jsonb, updated_at = now()
     where chain = $1 and height = $5 and state = $6::jsonb returning chain`,
    [
      chain,
      to.height,
      to.time,
      JSON.stringify(to.state),
      previous.height,
      JSON.stringify(previous.state),
    ],
  );
  if (!moved.length) throw new CursorMovedError(chain);
  // Final by the count before the fork: height - block_height + 1 >= required.
  const finalBelow = previous.height - BigInt(requiredConfirmations) + 1n;
  // Invoice payments of those incomes go with them; the invoice matcher sees what is left.
  await tx.query(
    // Driven from the fork's incomes (by height) into the primary key, whatever the plan.
    `delete from invoice_payments where income_id = any(array(
       select id from incomes where chain = $1 and block_height > $2 and block_height > $3))`,
    [chain, to.height, finalBelow],
  );
  const removed = await tx.query(
    `delete from incomes where chain = $1 and block_height > $2 and block_height > $3
     returning id`,
    [chain, to.height, finalBelow],
  );
  const kept = await tx.query(
    `select count(*)::int as n from incomes
     where chain = $1 and block_height > $2 and block_height <= $3`,
    [chain, to.height, finalBelow],
  );
  const finalKept = Number(kept[0].n);
  if (finalKept > 0) {
    await raiseAlarm(
      tx,
      chain,
      REORG_BEYOND_FINALITY,
      `a fork back to block ${to.height} dropped ${finalKept} final incomes`,
    );
  }
  await tx.query(
    "delete from unrecognized_transfers where chain = $1 and block_height > $2",
    [chain, to.height],
  );
  const payloads = await tx.query(
    `update payloads set status = 'sent', tx_hash = null, fee = null, seen_time = null,
       seen_height = null, last_broadcast_at = null
     where chain = $1 and status = 'seen' and seen_height > $2 returning id`,
    [chain, to.height],
  );
  const refs = payloads.map((p) => String(p.id));
  if (refs.length) {
    // Their family members died only because these landed: they may land on this branch.
    await tx.query(
      `update payloads set status = 'replaced', dead_reason = null, superseded_by = null
       where superseded_by = any($1::bigint[]) and status = 'dead'`,
      [refs],
    );
    for (const from of ["processed", "failed"] as const) {
      await tx.query(
        `update withdrawals set status = $2, tx_hash = null, confirmed_tx_hash = null,
           failure_reason = null, updated_at = now()
         where payload_ref = any($1::bigint[]) and status = $3`,
        [refs, nextWithdrawalStatus(from, "orphaned"), from],
      );
    }
    await tx.query(
      `update sweeps set status = 'processing', amount = null, fee = null, tx_hash = null,
         updated_at = now()
       where payload_ref = any($1::bigint[]) and status = 'done'`,
      [refs],
    );
  }
  return { incomes: removed.length, payloads: refs.length, finalKept };
}
