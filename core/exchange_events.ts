/**
 * The exchange API's webhook events: an income once it is final (`income.confirmed`), and
 * each status a user's withdrawal reaches (`withdrawal.status_changed`). Each event is written
 * to the outbox in the same transaction that marks what it reports as notified, so nothing is
 * reported twice or lost across restarts; the webhook worker delivers them to
 * `exchangeWebhook.url`. A withdrawal that passes through two statuses between two passes is
 * reported at the later one.
 *
 * For the operator's tooling, the same pipeline carries `alarm.raised`, `alarm.acknowledged`
 * and `alarm.resolved` (an alarm changing twice between passes is reported at the later state)
 * and `unrecognized_transfer.detected` (a token transfer no configured asset accounts for, or
 * native coin a sweep moved that no record explains).
 */

import type { ProcessorContext } from "./context.ts";
import { alarmJson, unrecognizedJson } from "./ops_json.ts";
import { ALARM_STATE_SQL, alarmById, type AlarmRecord } from "./store/alarms.ts";
import { enqueueEvent } from "./store/outbox.ts";
import { big, textOrNull } from "./store/rows.ts";
import { toUnrecognized, UNRECOGNIZED_COLUMNS } from "./store/unrecognized.ts";
import { runWorkerLoop, type WorkerOptions } from "./worker_loop.ts";

/** What one pass reported. */
export interface ExchangeEventsTick {
  incomes: number;
  withdrawals: number;
  alarms: number;
  unrecognized: number;
}

const ALARM_EVENT: Record<AlarmRecord["state"], string> = {
  open: "alarm.raised",
  acknowledged: "alarm.acknowledged",
  resolved: "alarm.resolved",
};

/** Reports what is new since the last pass, at most `limit` of each kind. */
export async function exchangeEventsTick(
  ctx: ProcessorContext,
  limit = 500,
): Promise<ExchangeEventsTick> {
  const now = ctx.clock.now();
  const required = [...ctx.plugins.values()];
  const incomes = await ctx.db.transaction(async (tx) => {
    const rows = await tx.query(
      `select i.id::text as id, i.chain, i.currency, a.user_id, a.display, i.source_address,
         i.amount::text as amount, i.comment, i.tx_hash, i.block_height::text as height,
         i.block_time::text as block_time, c.height - i.block_height + 1 as confirmations
       from incomes i join addresses a on a.id = i.address_id join cursors c on c.chain = i.chain
       join unnest($1::text[], $2::int[]) as r(chain, n) on r.chain = i.chain
       where not i.final_notified and a.purpose = 'user'
         and c.height - i.block_height + 1 >= r.n
       order by i.id limit $3 for update of i skip locked`,
      [required.map((p) => p.chain), required.map((p) => String(p.requiredConfirmations)), limit],
    );
    for (const r of rows) {
      await enqueueEvent(tx, {
        siteId: null,
        stream: `user:${r.user_id}`,
        type: "income.confirmed",
        data: {
          income: {
            user_id: String(r.user_id),
            currency: String(r.currency),
            deposit_address: String(r.display),
            source_address: textOrNull(r.source_address) ?? "",
            amount: String(r.amount),
            comment: textOrNull(r.comment) ?? "",
            tx_hash: String(r.tx_hash),
            time: Number(r.block_time),
            confirmations: Number(r.confirmations),
          },
        },
        now,
      });
    }
    if (rows.length) {
      await tx.query("update incomes set final_notified = true where id = any($1::bigint[])", [
        rows.map((r) => String(r.id)),
      ]);
    }
    return rows.length;
  });
  const withdrawals = await ctx.db.transaction(async (tx) => {
    const rows = await tx.query(
      `select id::text as id, user_id, query_id, currency, amount::text as amount, status,
         tx_hash
       from withdrawals where kind = 'user' and notified_status is distinct from status
       order by id limit $1 for update skip locked`,
      [limit],
    );
    for (const r of rows) {
      const withdrawal: Record<string, unknown> = {
        ID: Number(big(r.id)),
        user_id: String(r.user_id),
        query_id: String(r.query_id),
        currency: String(r.currency),
        amount: String(r.amount),
        status: String(r.status),
      };
      if (r.tx_hash !== null) withdrawal.tx_hash = String(r.tx_hash);
      await enqueueEvent(tx, {
        siteId: null,
        stream: `withdrawal:${r.id}`,
        type: "withdrawal.status_changed",
        data: { withdrawal },
        now,
      });
      await tx.query("update withdrawals set notified_status = $2 where id = $1", [
        r.id as string,
        r.status as string,
      ]);
    }
    return rows.length;
  });
  const alarms = await ctx.db.transaction(async (tx) => {
    const rows = await tx.query(
      `select id::text as id, ${ALARM_STATE_SQL} as state from alarms
       where notified_state is distinct from ${ALARM_STATE_SQL}
       order by id limit $1 for update skip locked`,
      [limit],
    );
    for (const r of rows) {
      const alarm = await alarmById(tx, big(r.id));
      if (!alarm) continue;
      await enqueueEvent(tx, {
        siteId: null,
        stream: `alarm:${r.id}`,
        type: ALARM_EVENT[alarm.state],
        data: { alarm: alarmJson(alarm) },
        now,
      });
      await tx.query("update alarms set notified_state = $2 where id = $1", [
        r.id as string,
        alarm.state,
      ]);
    }
    return rows.length;
  });
  const unrecognized = await ctx.db.transaction(async (tx) => {
    const rows = await tx.query(
      `select ${UNRECOGNIZED_COLUMNS}
       from unrecognized_transfers u join addresses a on a.id = u.address_id
       where not u.notified order by u.id limit $1 for update of u skip locked`,
      [limit],
    );
    for (const r of rows) {
      await enqueueEvent(tx, {
        siteId: null,
        stream: `unrecognized:${r.id}`,
        type: "unrecognized_transfer.detected",
        data: { transfer: unrecognizedJson(toUnrecognized(r)) },
        now,
      });
    }
    if (rows.length) {
      await tx.query(
        "update unrecognized_transfers set notified = true where id = any($1::bigint[])",
        [rows.map((r) => String(r.id))],
      );
    }
    return rows.length;
  });
  return { incomes, withdrawals, alarms, unrecognized };
}

/** Runs the reporter, a pass every interval, until `signal` aborts. */
export async function runExchangeEvents(
  ctx: ProcessorContext,
  signal: AbortSignal,
  options: WorkerOptions = {},
): Promise<void> {
  await runWorkerLoop(ctx, signal, async () => void await exchangeEventsTick(ctx), {
    ...options,
    failure: "exchange events failed",
  });
}
