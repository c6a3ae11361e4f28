/** Scanner cursors, and the one transaction that commits a block with its events. */

import type { Queryable } from "../db.ts";
import type { Cursor, Json, ScannedBlock } from "../plugin.ts";
import { insertIncomes } from "./incomes.ts";
import { raiseAlarm, TRANSFER_RETURNED } from "./alarms.ts";
import { applySighting } from "./payloads.ts";
import { big } from "./rows.ts";

/** The persisted cursor of a chain, if any. */
export async function loadCursor(db: Queryable, chain: string): Promise<Cursor | null> {
  const rows = await db.query(
    "select height::text as height, block_time::text as block_time, state from cursors where chain = $1",
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
 * Commits a scanned block: the new cursor, its incomes and its sightings, all or nothing.
 * The update is guarded by the previous height so two workers can never both commit.
 */
export async function commitBlock(
  tx: Queryable,
  chain: string,
  previous: Cursor,
  block: ScannedBlock,
): Promise<{ newIncomes: number; unknownSightings: string[]; tripwires: string[] }> {
  const moved = await tx.query(
    `update cursors set height = $2, block_time = $3, state = $4::jsonb, updated_at = now()
     where chain = $1 and height = $5 returning chain`,
    [
      chain,
      block.cursor.height,
      block.cursor.time,
      JSON.stringify(block.cursor.state),
      previous.height,
    ],
  );
  if (!moved.length) throw new CursorMovedError(chain);
  const newIncomes = await insertIncomes(tx, chain, block.incomes);
  const unknownSightings: string[] = [];
  const tripwires: string[] = [];
  for (const sighting of block.sightings) {
    const result = await applySighting(tx, chain, sighting);
    if (result === "unknown") unknownSightings.push(sighting.txHash);
    if (result === "tripwire") tripwires.push(sighting.txHash);
  }
  for (const c of block.confirmations ?? []) {
    // Anyone can send an acknowledgement-shaped message, so it only annotates a transfer
    // that our own sighting already settled.
    await tx.query(
      `update withdrawals set confirmed_tx_hash = $3, updated_at = now()
       where chain = $1 and out_key = $2 and status = 'processed' and confirmed_tx_hash is null`,
      [chain, c.outKey, c.txHash],
    );
  }
  for (const u of block.unrecognized ?? []) {
    await tx.query(
      `insert into unrecognized_transfers (chain, address_id, token, source_address, amount,
         comment, binary_comment, tx_hash, block_time)
       select $1, a.id, $3, $4, $5::numeric, $6, $7, $8, $9 from addresses a
       where a.chain = $1 and a.address = $2
       on conflict (chain, tx_hash) do nothing`,
      [chain, u.to, u.token, u.from, u.amount, u.comment, u.binaryComment, u.txHash, u.time],
    );
  }
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
