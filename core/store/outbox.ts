/**
 * The webhook outbox: every status change writes its event here in the same transaction as
 * the change, and the delivery worker (`core/webhooks.ts`) POSTs it until the receiver answers
 * 2xx or the retry window closes. All delivery state lives in these rows, so retries survive
 * restarts.
 *
 * - Order: events of one stream (`stream`, within one site; the exchange's events, `site_id`
 *   null, are a site of their own) are delivered in id order. An event is due only while every
 *   earlier event of its stream is delivered; a `failed` event keeps holding its stream until
 *   it is redelivered, so a receiver never sees event 2 of a stream before event 1.
 * - Time: every timestamp compared here (`next_attempt_at`, `attempted_at`, `created_at`) is
 *   written from the caller's clock, never the database's `now()`, so tests drive time.
 * - Retry window: measured from the first attempt of the event's current run (its first
 *   attempt ever, or the first after a redelivery). That is never earlier than the event's
 *   creation, so an event is given up only once it is older than the window, and an event that
 *   waited behind its stream (or for its site's URL) still gets a whole window of its own.
 *
 * @module
 */

import type { Db, Queryable } from "../db.ts";
import { big, textOrNull } from "./rows.ts";

/** Where an event stands. */
export type OutboxStatus = "pending" | "delivered" | "failed";

/** An event of the outbox, as the API shows it. */
export interface OutboxEvent {
  /** Row id: increasing, the listing's paging cursor. */
  id: bigint;
  eventId: string;
  /** Null for the exchange API's events. */
  siteId: string | null;
  stream: string;
  type: string;
  status: OutboxStatus;
  /** Attempts in the current run: since the event was enqueued or last redelivered. */
  attempts: number;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** When the next attempt is due, ms since the epoch (meaningful while pending). */
  nextAttemptAt: number;
  /** When a 2xx answer was recorded, ms since the epoch; null while not delivered. */
  deliveredAt: number | null;
  /** The exact JSON text POSTed. */
  body: string;
}

/** One attempt of the delivery log. */
export interface DeliveryAttempt {
  id: bigint;
  /** When the request was sent, ms since the epoch. */
  attemptedAt: number;
  /** The receiver's HTTP status; null when no answer came (timeout, network error). */
  httpStatus: number | null;
  /** Why no answer came; null when one did. Holds no secrets and no URL query. */
  error: string | null;
  durationMs: number;
}

/** A due event with where it goes, for the delivery worker. */
export interface DueEvent {
  id: bigint;
  eventId: string;
  siteId: string | null;
  stream: string;
  body: string;
  attempts: number;
  /** The site's webhook URL; null for exchange events (the config has it). */
  url: string | null;
  /** The site's API secret; null for exchange events (the config has it). */
  secret: string | null;
}

/**
 * When failed attempts are retried: after `firstRetryMs`, doubling after each failure, at most
 * `maxDelayMs` apart; a failure once `giveUpAfterMs` have passed since the run's first attempt
 * marks the event `failed`.
 */
export interface RetryPolicy {
  firstRetryMs: number;
  maxDelayMs: number;
  giveUpAfterMs: number;
}

/**
 * The default retry schedule: 10 s, 20 s, 40 s, ... 2560 s, then every hour, given up 72 h after
 * the first attempt (about 80 attempts; far more than the 24 h of retries promised).
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  firstRetryMs: 10_000,
  maxDelayMs: 3_600_000,
  giveUpAfterMs: 72 * 3_600_000,
};

/** Keys `enqueueEvent` writes itself; `data` may not hold them. */
const RESERVED_KEYS = ["eventId", "type", "createdAt"] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** SQL for a timestamptz column as ms since the epoch. */
const ms = (column: string) => `(extract(epoch from ${column}) * 1000)::float8`;

/** SQL for a ms-since-the-epoch parameter as a timestamptz. */
const at = (param: string) => `to_timestamp(${param}::float8 / 1000)`;

// Text ids: ORDER BY must name the table's column (`outbox.id`), not this alias.
const EVENT_COLUMNS = `id::text as id, event_id::text as event_id, site_id, stream, type,
  status, attempts, ${ms("created_at")} as created_ms, ${ms("next_attempt_at")} as next_ms,
  ${ms("delivered_at")} as delivered_ms, body`;

function toEvent(r: Record<string, unknown>): OutboxEvent {
  return {
    id: big(r.id),
    eventId: String(r.event_id),
    siteId: textOrNull(r.site_id),
    stream: String(r.stream),
    type: String(r.type),
    status: String(r.status) as OutboxStatus,
    attempts: Number(r.attempts),
    createdAt: Math.round(Number(r.created_ms)),
    nextAttemptAt: Math.round(Number(r.next_ms)),
    deliveredAt: r.delivered_ms === null ? null : Math.round(Number(r.delivered_ms)),
    body: String(r.body),
  };
}

/** What an event is about, to be enqueued. */
export interface NewEvent {
  /** The merchant site it goes to; null for the exchange API's webhook. */
  siteId: string | null;
  /** Events of one stream (e.g. `deposit:<id>`) are delivered in the order enqueued. */
  stream: string;
  /** Event type, e.g. `deposit.confirmed`. */
  type: string;
  /** The object(s) of the event, plain JSON (bigints already strings), e.g. `{ deposit }`. */
  data: Record<string, unknown>;
  /** The clock's now, ms since the epoch: the event's `createdAt` and first due time. */
  now: number;
}

/**
 * Enqueues an event on `tx` (the transaction making the status change, so the event exists
 * exactly when the change does) and returns its `eventId`. The stored body is exactly the JSON
 * text POSTed: `{"eventId":…,"type":…,"createdAt":<ISO-8601 UTC>,...data}`.
 */
export async function enqueueEvent(tx: Queryable, e: NewEvent): Promise<string> {
  for (const key of RESERVED_KEYS) {
    // The body's own fields must not be overwritten by the object's.
    if (Object.hasOwn(e.data, key)) throw new TypeError(`event data may not hold "${key}"`);
  }
  const eventId = crypto.randomUUID();
  const body = JSON.stringify({
    eventId,
    type: e.type,
    createdAt: new Date(e.now).toISOString(),
    ...e.data,
  });
  await tx.query(
    `insert into outbox (event_id, site_id, stream, type, body, status, next_attempt_at,
       created_at)
     values ($1::uuid, $2, $3, $4, $5, 'pending', ${at("$6")}, ${at("$6")})`,
    [eventId, e.siteId, e.stream, e.type, body, e.now],
  );
  return eventId;
}

/**
 * Enqueues a `test` event for a site (a stream of its own, so it neither waits for nor holds
 * other events); null when there is no such site.
 */
export async function enqueueTestEvent(
  db: Db,
  siteId: string,
  now: number,
): Promise<string | null> {
  return await db.transaction(async (tx) => {
    const [site] = await tx.query("select 1 from sites where id = $1", [siteId]);
    if (!site) return null;
    const stream = `test:${crypto.randomUUID()}`;
    return await enqueueEvent(tx, { siteId, stream, type: "test", data: {}, now });
  });
}

/**
 * Pending events due at `now` whose streams hold no earlier undelivered event, with their
 * site's URL and secret. Fair across sites: each site's `perSite` most overdue come first,
 * then the next rank, so one site's backlog cannot crowd others out of `limit`. Sites without
 * a webhook URL or disabled are left out (their events wait); exchange events only when
 * `exchange` (its webhook is configured). `exclude`: ids already in flight or done this tick.
 */
export async function dueEvents(
  db: Queryable,
  q: { now: number; limit: number; perSite: number; exchange: boolean; exclude?: bigint[] },
): Promise<DueEvent[]> {
  const rows = await db.query(
    `select o.id::text as id, o.event_id::text as event_id, o.site_id, o.stream, o.body,
       o.attempts, s.webhook_url, s.api_secret
     from (
       select o.id, row_number() over (
           partition by o.site_id order by o.next_attempt_at, o.id) as rank
       from outbox o
       left join sites s on s.id = o.site_id
       where o.status = 'pending' and o.next_attempt_at <= ${at("$1")}
         and not (o.id = any($5::int8[]))
         and case when o.site_id is null then $4::boolean
           else s.webhook_url is not null and s.disabled_at is null end
         and not exists (
           select 1 from outbox p
           where p.stream = o.stream and p.site_id is not distinct from o.site_id
             and p.id < o.id and p.status <> 'delivered')
     ) due
     join outbox o on o.id = due.id
     left join sites s on s.id = o.site_id
     where due.rank <= $3
     order by due.rank, o.next_attempt_at, o.id
     limit $2`,
    [q.now, q.limit, q.perSite, q.exchange, (q.exclude ?? []).map(String)],
  );
  return rows.map((r) => ({
    id: big(r.id),
    eventId: String(r.event_id),
    siteId: textOrNull(r.site_id),
    stream: String(r.stream),
    body: String(r.body),
    attempts: Number(r.attempts),
    url: textOrNull(r.webhook_url),
    secret: textOrNull(r.api_secret),
  }));
}

/**
 * Claims due events for an attempt: pushes their next attempt to `leaseUntil`, so a worker
 * that dies mid-request leaves them to be retried then, and a second worker does not take
 * them meanwhile. Returns the ids claimed (those still pending and due at `now`).
 */
export async function claimEvents(
  db: Queryable,
  ids: bigint[],
  now: number,
  leaseUntil: number,
): Promise<bigint[]> {
  if (ids.length === 0) return [];
  const rows = await db.query(
    `update outbox set next_attempt_at = ${at("$3")}
     where id = any($1::int8[]) and status = 'pending' and next_attempt_at <= ${at("$2")}
     returning id::text as id`,
    [ids.map(String), now, leaseUntil],
  );
  return rows.map((r) => big(r.id));
}

/**
 * The wait before the next attempt after the `failures`-th failed attempt of a run (1-based):
 * `firstRetryMs * 2^(failures - 1)`, capped at `maxDelayMs`.
 */
export function retryDelayMs(policy: RetryPolicy, failures: number): number {
  // Past 2^40 the cap has long applied; bounding the exponent keeps the number finite.
  const doubled = policy.firstRetryMs * 2 ** Math.min(Math.max(failures - 1, 0), 40);
  return Math.min(policy.maxDelayMs, doubled);
}

/** One finished attempt, to be recorded. */
export interface AttemptRecord {
  id: bigint;
  /** When the request was sent, ms since the epoch. */
  attemptedAt: number;
  /** When the attempt ended, ms since the epoch: the next attempt is scheduled from here. */
  now: number;
  /** A 2xx answer. */
  delivered: boolean;
  httpStatus: number | null;
  /** No secrets, no URL query. */
  error: string | null;
  durationMs: number;
}

/**
 * Records an attempt in the delivery log and moves the event on: `delivered` on success; on
 * failure `failed` once `policy.giveUpAfterMs` have passed since the run's first attempt,
 * otherwise pending again after `retryDelayMs`. Returns the event's status afterwards (an
 * event no longer pending, e.g. recorded twice, is left as it is).
 */
export async function recordAttempt(
  db: Db,
  a: AttemptRecord,
  policy: RetryPolicy,
): Promise<OutboxStatus> {
  return await db.transaction(async (tx) => {
    const [event] = await tx.query(
      "select status, attempts from outbox where id = $1 for update",
      [a.id],
    );
    if (!event) throw new Error(`outbox event ${a.id} not found`);
    await tx.query(
      `insert into webhook_deliveries (outbox_id, attempted_at, http_status, error, duration_ms)
       values ($1, ${at("$2")}, $3, $4, $5)`,
      [a.id, a.attemptedAt, a.httpStatus, a.error, Math.max(0, Math.round(a.durationMs))],
    );
    if (event.status !== "pending") return String(event.status) as OutboxStatus;
    const attempts = Number(event.attempts) + 1;
    if (a.delivered) {
      await tx.query(
        `update outbox set status = 'delivered', attempts = $2, delivered_at = ${at("$3")}
         where id = $1`,
        [a.id, attempts, a.now],
      );
      return "delivered";
    }
    // The run's first attempt is the oldest of its `attempts` log rows (this one included).
    const [first] = await tx.query(
      `select ${ms("attempted_at")} as attempted_ms from webhook_deliveries
       where outbox_id = $1 order by webhook_deliveries.id desc offset $2 limit 1`,
      [a.id, attempts - 1],
    );
    const runStart = first ? Number(first.attempted_ms) : a.attemptedAt;
    if (a.now - runStart >= policy.giveUpAfterMs) {
      await tx.query("update outbox set status = 'failed', attempts = $2 where id = $1", [
        a.id,
        attempts,
      ]);
      return "failed";
    }
    await tx.query(
      `update outbox set attempts = $2, next_attempt_at = ${at("$3")} where id = $1`,
      [a.id, attempts, a.now + retryDelayMs(policy, attempts)],
    );
    return "pending";
  });
}

/** A site's events (null: the exchange's), newest first; `beforeId` pages on. */
export async function listEvents(
  db: Queryable,
  siteId: string | null,
  page: { limit: number; beforeId?: bigint },
): Promise<OutboxEvent[]> {
  const rows = await db.query(
    `select ${EVENT_COLUMNS} from outbox
     where site_id is not distinct from $1 and ($2::int8 is null or id < $2::int8)
     order by outbox.id desc limit $3`,
    [siteId, page.beforeId ?? null, page.limit],
  );
  return rows.map(toEvent);
}

/** One event of a site (null: the exchange's); null when it is not that site's. */
export async function getEvent(
  db: Queryable,
  siteId: string | null,
  eventId: string,
): Promise<OutboxEvent | null> {
  // A malformed id is simply not found (and must not reach a ::uuid cast).
  if (!UUID.test(eventId)) return null;
  const [row] = await db.query(
    `select ${EVENT_COLUMNS} from outbox
     where event_id = $2::uuid and site_id is not distinct from $1`,
    [siteId, eventId],
  );
  return row ? toEvent(row) : null;
}

/** An event's delivery log, oldest first; null when the event is not the site's. */
export async function eventDeliveries(
  db: Queryable,
  siteId: string | null,
  eventId: string,
): Promise<DeliveryAttempt[] | null> {
  const event = await getEvent(db, siteId, eventId);
  if (!event) return null;
  const rows = await db.query(
    `select id::text as id, ${ms("attempted_at")} as attempted_ms, http_status, error,
       duration_ms
     from webhook_deliveries where outbox_id = $1 order by webhook_deliveries.id`,
    [event.id],
  );
  return rows.map((r) => ({
    id: big(r.id),
    attemptedAt: Math.round(Number(r.attempted_ms)),
    httpStatus: r.http_status === null ? null : Number(r.http_status),
    error: textOrNull(r.error),
    durationMs: Number(r.duration_ms),
  }));
}

/**
 * Manual redelivery: a delivered or failed event goes back to pending, due at `now`, with a
 * fresh run (attempts 0, a whole retry window). It then holds its stream's later pending
 * events again until delivered. A pending event is returned unchanged (it is being retried
 * already; making it due at once could run two attempts together). Null when the event is not
 * the site's.
 */
export async function redeliver(
  db: Queryable,
  siteId: string | null,
  eventId: string,
  now: number,
): Promise<OutboxEvent | null> {
  if (!UUID.test(eventId)) return null;
  const [row] = await db.query(
    `update outbox set status = 'pending', attempts = 0, delivered_at = null,
       next_attempt_at = ${at("$3")}
     where event_id = $2::uuid and site_id is not distinct from $1
       and status in ('delivered', 'failed')
     returning ${EVENT_COLUMNS}`,
    [siteId, eventId, now],
  );
  return row ? toEvent(row) : await getEvent(db, siteId, eventId);
}
