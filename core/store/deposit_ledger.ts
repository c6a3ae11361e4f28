/**
 * A deposit's native ledger: what its native balance should be at a block, from the
 * processor's own records, for plugins whose native balances are exactly accounted (see
 * `ChainSender.nativeBalanceAccounted`). A native sweep compares the balance it moves with it
 * and records what no record explains as an unrecognized transfer, in the transaction that
 * persists the sweep: never swept silently, and recorded once, since the record joins the
 * ledger the next sweep compares with.
 */

import type { Queryable } from "../db.ts";
import type { SweepPayload } from "../plugin.ts";
import { loadCursor } from "./cursors.ts";
import { big } from "./rows.ts";

/** Where a deposit's ledger is read: its chain, address and the native coin's code. */
export interface LedgerAccount {
  chain: string;
  /** Canonical deposit address (the wallet its own payloads are signed by). */
  address: string;
  /** Asset code of the native coin. */
  native: string;
}

/**
 * The native balance `account` should hold as of block `height`: its native incomes, the
 * native preparations the hot wallet sent it (those that spend), and the native value
 * recorded unrecognized on it, less the fees of every payload it signed and what its native
 * sweeps moved, each counted when its block is at or below `height`.
 */
export async function expectedNativeBalance(
  db: Queryable,
  account: LedgerAccount,
  height: bigint,
): Promise<bigint> {
  // Rows written before heights were kept (no seen or block height) are old: below any height.
  const [row] = await db.query(
    `with a as (select id from addresses where chain = $1 and address = $2),
     s as (select s.id, s.currency, s.status, s.amount, s.payload_ref from sweeps s
           where s.address_id = (select id from a))
     select (
       (select coalesce(sum(i.amount), 0) from incomes i
        where i.address_id = (select id from a) and i.currency = $3 and i.block_height <= $4)
     + (select coalesce(sum(w.amount), 0) from withdrawals w join payloads p on p.id = w.payload_ref
        where w.sweep_id in (select id from s) and w.kind = 'prepare' and w.spends
          and w.currency = $3 and w.destination = $2 and w.status = 'processed'
          and p.status = 'seen' and coalesce(p.seen_height, 0) <= $4)
     + (select coalesce(sum(u.amount), 0) from unrecognized_transfers u
        where u.address_id = (select id from a) and u.token = $3
          and coalesce(u.block_height, 0) <= $4)
     - (select coalesce(sum(p.fee), 0) from payloads p
        where p.chain = $1 and p.wallet = $2 and p.status = 'seen'
          and coalesce(p.seen_height, 0) <= $4)
     - (select coalesce(sum(s.amount), 0) from s join payloads p on p.id = s.payload_ref
        where s.currency = $3 and s.status = 'done' and p.status = 'seen'
          and coalesce(p.seen_height, 0) <= $4)
     )::text as expected`,
    [account.chain, account.address, account.native, height],
  );
  return big(row.expected);
}

/**
 * Whether a native sweep of `account` read at `height` must wait: a payload the deposit signed
 * is unseen, or was seen above `height`, so the balance there is not what the deposit holds
 * less what is still moving (a sweep of that balance could ask for more than is left).
 */
export async function depositPayloadsAbove(
  db: Queryable,
  account: LedgerAccount,
  height: bigint,
): Promise<boolean> {
  const [row] = await db.query(
    `select exists (select 1 from payloads
       where chain = $1 and wallet = $2
         and (status in ('sent', 'replaced') or (status = 'seen' and seen_height > $3))) as busy`,
    [account.chain, account.address, height],
  );
  return row.busy === true;
}

/**
 * Compares the balance native sweep `payload` moves with the deposit's ledger at the block it
 * was read at, and records the excess as an unrecognized transfer of the native coin (token:
 * its asset code; the transaction: the sweep's; its block: the one the balance was read at).
 * Runs in the transaction that persists the sweep, with the cursor locked: it throws (rolling
 * the sweep back) when the scanner no longer stands at or above that block, a fork having
 * moved it back. Returns the difference: positive when recorded, negative when the deposit
 * holds less than its records say (nothing is recorded then), 0 when they agree.
 */
export async function recordUnexplained(
  tx: Queryable,
  account: LedgerAccount,
  payload: SweepPayload,
): Promise<bigint> {
  const moves = payload.moves;
  if (!moves) throw new Error(`sweep payload ${payload.payloadId} reports no balance it moves`);
  const cursor = await loadCursor(tx, account.chain, true);
  if (!cursor || cursor.height < moves.height) {
    throw new Error(
      `${account.chain}: the scanner moved back below block ${moves.height} the sweep of ` +
        `${account.address} was read at`,
    );
  }
  const unexplained = moves.balance - await expectedNativeBalance(tx, account, moves.height);
  if (unexplained <= 0n) return unexplained;
  const inserted = await tx.query(
    `insert into unrecognized_transfers (chain, address_id, token, source_address, amount,
       comment, binary_comment, tx_hash, block_time, block_height, event_index)
     select $1, a.id, $3, null, $4::numeric, null, null, $5, $6, $7, 0
     from addresses a where a.chain = $1 and a.address = $2
     returning id`,
    [
      account.chain,
      account.address,
      account.native,
      unexplained,
      payload.payloadId,
      moves.time,
      moves.height,
    ],
  );
  if (!inserted.length) throw new Error(`${account.address} is no address of ${account.chain}`);
  return unexplained;
}
