/**
 * The webhook outbox store on every engine: the stored body, enqueueing inside the status
 * change's transaction, which events are due (order per stream, per-site fairness, skipped
 * sites), claims, the retry schedule and giving up, and the API reads.
 */

import assert from "node:assert/strict";
import type { Db } from "../../core/db.ts";
import {
  claimEvents,
  DEFAULT_RETRY_POLICY,
  dueEvents,
  enqueueEvent,
  enqueueTestEvent,
  eventDeliveries,
  getEvent,
  listEvents,
  recordAttempt,
  redeliver,
  retryDelayMs,
} from "../../core/store/outbox.ts";
import { testOnEngines } from "../support/db.ts";

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0, 250);
const SECOND = 1000;
const HOUR = 3_600_000;

async function addSite(
  db: Db,
  id: string,
  url: string | null = `http://127.0.0.1:9/${id}`,
  disabled = false,
): Promise<void> {
  await db.query(
    `insert into sites (id, name, api_secret, webhook_url, disabled_at)
     values ($1, $1, $2, $3, case when $4::boolean then now() end)`,
    [id, `secret-of-${id}-0123456789`, url, disabled],
  );
}

const enqueue = (db: Db, siteId: string | null, stream: string, now = T0, type = "deposit.seen") =>
  enqueueEvent(db, { siteId, stream, type, data: { deposit: { id: stream } }, now });

const due = (db: Db, now: number, exchange = true, perSite = 10, limit = 100) =>
  dueEvents(db, { now, limit, perSite, exchange });

/** Records one attempt ending at `now`. */
const attempt = (db: Db, id: bigint, now: number, delivered: boolean) =>
  recordAttempt(db, {
    id,
    attemptedAt: now,
    now,
    delivered,
    httpStatus: delivered ? 200 : 500,
    error: null,
    durationMs: 3,
  }, DEFAULT_RETRY_POLICY);

testOnEngines("outbox: the stored body is the exact JSON posted, fields first", async (db) => {
  await addSite(db, "shop");
  const data = { deposit: { id: "7", amount: "1500000000", memo: "привет ✓ \u2028" } };
  const eventId = await enqueueEvent(db, {
    siteId: "shop",
    stream: "deposit:7",
    type: "deposit.confirmed",
    data,
    now: T0,
  });
  assert.match(eventId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const event = await getEvent(db, "shop", eventId);
  assert.ok(event);
  assert.equal(
    event.body,
    JSON.stringify({
      eventId,
      type: "deposit.confirmed",
      createdAt: "2030-01-01T12:00:00.250Z",
      deposit: data.deposit,
    }),
  );
  assert.deepEqual(Object.keys(JSON.parse(event.body)), [
    "eventId",
    "type",
    "createdAt",
    "deposit",
  ]);
  assert.equal(event.status, "pending");
  assert.equal(event.attempts, 0);
  assert.equal(event.createdAt, T0);
  assert.equal(event.nextAttemptAt, T0);
  assert.equal(event.deliveredAt, null);
  for (const key of ["eventId", "type", "createdAt"]) {
    await assert.rejects(
      enqueueEvent(db, { siteId: "shop", stream: "s", type: "t", data: { [key]: 1 }, now: T0 }),
      TypeError,
    );
  }
});

testOnEngines("outbox: an event exists exactly when its transaction commits", async (db) => {
  await addSite(db, "shop");
  await assert.rejects(
    db.transaction(async (tx) => {
      await enqueueEvent(tx, { siteId: "shop", stream: "d:1", type: "x", data: {}, now: T0 });
      throw new Error("the status change failed");
    }),
    /status change failed/,
  );
  assert.deepEqual(await listEvents(db, "shop", { limit: 10 }), []);
  const eventId = await db.transaction((tx) =>
    enqueueEvent(tx, { siteId: "shop", stream: "d:1", type: "x", data: {}, now: T0 })
  );
  assert.deepEqual((await listEvents(db, "shop", { limit: 10 })).map((e) => e.eventId), [
    eventId,
  ]);
});

testOnEngines("outbox: only stream heads are due, and only once due", async (db) => {
  await addSite(db, "shop");
  const a1 = await enqueue(db, "shop", "a");
  const a2 = await enqueue(db, "shop", "a");
  const b1 = await enqueue(db, "shop", "b", T0 + 5 * SECOND);
  assert.deepEqual((await due(db, T0 - 1)).map((e) => e.eventId), []);
  assert.deepEqual((await due(db, T0)).map((e) => e.eventId), [a1]);
  const heads = await due(db, T0 + 5 * SECOND);
  assert.deepEqual(heads.map((e) => e.eventId), [a1, b1]);
  assert.equal(heads[0].url, "http://127.0.0.1:9/shop");
  assert.equal(heads[0].secret, "secret-of-shop-0123456789");
  assert.deepEqual(
    (await dueEvents(db, {
      now: T0 + 5 * SECOND,
      limit: 10,
      perSite: 10,
      exchange: true,
      exclude: [heads[0].id],
    })).map((e) => e.eventId),
    [b1],
  );
  // a1 failing holds a2 back, even once a1's next attempt is due again.
  await attempt(db, heads[0].id, T0 + 5 * SECOND, false);
  assert.deepEqual((await due(db, T0 + 10 * SECOND)).map((e) => e.eventId), [b1]);
  // The most overdue first.
  assert.deepEqual((await due(db, T0 + 15 * SECOND)).map((e) => e.eventId), [b1, a1]);
  await attempt(db, heads[0].id, T0 + 15 * SECOND, true);
  assert.deepEqual((await due(db, T0 + 15 * SECOND)).map((e) => e.eventId), [a2, b1]);
  assert.equal((await getEvent(db, "shop", a1))?.status, "delivered");
});

testOnEngines("outbox: streams are per site; skipped sites and the exchange", async (db) => {
  await addSite(db, "shop");
  await addSite(db, "nourl", null);
  await addSite(db, "off", "http://127.0.0.1:9/off", true);
  const shop = await enqueue(db, "shop", "deposit:1");
  // The same stream name elsewhere is another stream: a failing shop does not hold it.
  const exchange = await enqueue(db, null, "deposit:1");
  await enqueue(db, "nourl", "deposit:1");
  await enqueue(db, "off", "deposit:1");
  const [first] = await due(db, T0);
  await attempt(db, first.id, T0, false);
  assert.deepEqual((await due(db, T0)).map((e) => [e.eventId, e.siteId, e.url]), [
    [exchange, null, null],
  ]);
  assert.deepEqual((await due(db, T0, false)).map((e) => e.eventId), []);
  assert.deepEqual((await due(db, T0 + 10 * SECOND, false)).map((e) => e.eventId), [shop]);
  // Setting the URL (or enabling the site) releases its waiting events.
  await db.query("update sites set webhook_url = 'http://127.0.0.1:9/x' where id = 'nourl'");
  await db.query("update sites set disabled_at = null where id = 'off'");
  assert.deepEqual(
    (await due(db, T0, false)).map((e) => e.siteId).sort(),
    ["nourl", "off"],
  );
});

testOnEngines("outbox: one site's backlog cannot crowd out the others", async (db) => {
  await addSite(db, "busy");
  await addSite(db, "quiet");
  for (let i = 0; i < 20; i++) await enqueue(db, "busy", `busy:${i}`, T0 - HOUR + i);
  const quiet = await enqueue(db, "quiet", "quiet:1");
  const picked = await due(db, T0, true, 2, 4);
  assert.deepEqual(picked.map((e) => e.siteId), ["busy", "quiet", "busy"]);
  assert.equal(picked[1].eventId, quiet);
});

testOnEngines("outbox: a claim keeps an event out of reach until its lease ends", async (db) => {
  await addSite(db, "shop");
  const eventId = await enqueue(db, "shop", "a");
  const [event] = await due(db, T0);
  assert.deepEqual(await claimEvents(db, [event.id], T0, T0 + 70 * SECOND), [event.id]);
  assert.deepEqual(await claimEvents(db, [event.id], T0, T0 + 70 * SECOND), []);
  assert.deepEqual(await due(db, T0 + 69 * SECOND), []);
  assert.deepEqual((await due(db, T0 + 70 * SECOND)).map((e) => e.eventId), [eventId]);
  assert.deepEqual(await claimEvents(db, [], T0, T0), []);
});

Deno.test("outbox: the retry delays double from 10 s to a 1 h cap", () => {
  const delays = Array.from({ length: 12 }, (_, i) => retryDelayMs(DEFAULT_RETRY_POLICY, i + 1));
  assert.deepEqual(delays.map((d) => d / SECOND), [
    10,
    20,
    40,
    80,
    160,
    320,
    640,
    1280,
    2560,
    3600,
    3600,
    3600,
  ]);
  assert.equal(retryDelayMs(DEFAULT_RETRY_POLICY, 5000), HOUR);
  assert.equal(DEFAULT_RETRY_POLICY.giveUpAfterMs, 72 * HOUR);
});

testOnEngines("outbox: failures back off until 72 h after the first attempt", async (db) => {
  await addSite(db, "shop");
  const eventId = await enqueue(db, "shop", "a");
  let now = T0;
  let status = "pending";
  const times: number[] = [];
  while (status === "pending") {
    const [event] = await due(db, now);
    assert.equal(event.eventId, eventId);
    times.push(now);
    status = await attempt(db, event.id, now, false);
    if (status === "pending") {
      const next = (await getEvent(db, "shop", eventId))!.nextAttemptAt;
      assert.deepEqual(await due(db, next - 1), []);
      now = next;
    }
  }
  assert.equal(status, "failed");
  const gaps = times.slice(1).map((t, i) => (t - times[i]) / SECOND);
  assert.deepEqual(gaps.slice(0, 11), [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]);
  assert.ok(gaps.slice(9).every((g) => g === 3600));
  assert.ok(times.at(-1)! - T0 >= 72 * HOUR, "given up only after 72 h");
  assert.ok(times.at(-2)! - T0 < 72 * HOUR, "given up at the first failure after 72 h");
  const event = (await getEvent(db, "shop", eventId))!;
  assert.equal(event.attempts, times.length);
  const log = (await eventDeliveries(db, "shop", eventId))!;
  assert.deepEqual(log.map((d) => d.attemptedAt), times);
  assert.ok(log.every((d) => d.httpStatus === 500 && d.durationMs === 3 && d.error === null));
  assert.deepEqual(await due(db, now + 10 * HOUR), []);
});

testOnEngines("outbox: a failed event holds its stream until redelivered", async (db) => {
  await addSite(db, "shop");
  const e1 = await enqueue(db, "shop", "a");
  const e2 = await enqueue(db, "shop", "a");
  const [head] = await due(db, T0);
  const policy = { ...DEFAULT_RETRY_POLICY, giveUpAfterMs: 0 };
  assert.equal(
    await recordAttempt(db, {
      id: head.id,
      attemptedAt: T0,
      now: T0,
      delivered: false,
      httpStatus: null,
      error: "timeout after 10000 ms",
      durationMs: 10_000,
    }, policy),
    "failed",
  );
  assert.deepEqual(await due(db, T0 + 100 * HOUR), []);
  const back = await redeliver(db, "shop", e1, T0 + 100 * HOUR);
  assert.equal(back?.status, "pending");
  assert.equal(back?.attempts, 0);
  assert.equal(back?.nextAttemptAt, T0 + 100 * HOUR);
  assert.deepEqual((await due(db, T0 + 100 * HOUR)).map((e) => e.eventId), [e1]);
  // A fresh run: failing right after the redelivery does not give up at once.
  assert.equal(await attempt(db, head.id, T0 + 100 * HOUR, false), "pending");
  assert.equal(await attempt(db, head.id, T0 + 100 * HOUR + 10 * SECOND, true), "delivered");
  assert.deepEqual((await due(db, T0 + 100 * HOUR + 10 * SECOND)).map((e) => e.eventId), [e2]);
  const log = (await eventDeliveries(db, "shop", e1))!;
  assert.deepEqual(log.map((d) => [d.httpStatus, d.error]), [
    [null, "timeout after 10000 ms"],
    [500, null],
    [200, null],
  ]);
});

testOnEngines("outbox: API reads are scoped to the site", async (db) => {
  await addSite(db, "shop");
  await addSite(db, "other");
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push(await enqueue(db, "shop", `s:${i}`, T0 + i));
  const theirs = await enqueue(db, "other", "s:0");
  const exchange = await enqueue(db, null, "s:0");

  const page1 = await listEvents(db, "shop", { limit: 2 });
  assert.deepEqual(page1.map((e) => e.eventId), [ids[4], ids[3]]);
  const page2 = await listEvents(db, "shop", { limit: 2, beforeId: page1[1].id });
  assert.deepEqual(page2.map((e) => e.eventId), [ids[2], ids[1]]);
  const page3 = await listEvents(db, "shop", { limit: 2, beforeId: page2[1].id });
  assert.deepEqual(page3.map((e) => e.eventId), [ids[0]]);
  assert.deepEqual((await listEvents(db, null, { limit: 10 })).map((e) => e.eventId), [exchange]);

  assert.equal(await getEvent(db, "shop", theirs), null);
  assert.equal(await eventDeliveries(db, "shop", theirs), null);
  assert.equal(await eventDeliveries(db, "shop", "not-a-uuid"), null);
  assert.deepEqual(await eventDeliveries(db, "shop", ids[0]), []);
  assert.equal(await redeliver(db, "shop", theirs, T0), null);
  assert.equal(await redeliver(db, "shop", exchange, T0), null);
  assert.equal(await redeliver(db, "shop", "'; drop table outbox; --", T0), null);

  // A pending event is returned as it is.
  const pending = await redeliver(db, "shop", ids[0], T0 + HOUR);
  assert.equal(pending?.status, "pending");
  assert.equal(pending?.nextAttemptAt, T0);

  // A delivered one goes back to pending, due now.
  const [head] = await due(db, T0 + 10);
  await attempt(db, head.id, T0 + 10, true);
  const delivered = (await getEvent(db, head.siteId, head.eventId))!;
  assert.equal(delivered.status, "delivered");
  assert.equal(delivered.deliveredAt, T0 + 10);
  assert.equal(delivered.attempts, 1);
  const again = await redeliver(db, head.siteId, head.eventId, T0 + HOUR);
  assert.deepEqual(
    [again?.status, again?.attempts, again?.deliveredAt, again?.nextAttemptAt],
    ["pending", 0, null, T0 + HOUR],
  );
});

testOnEngines("outbox: test events", async (db) => {
  await addSite(db, "shop");
  assert.equal(await enqueueTestEvent(db, "nope", T0), null);
  const a = await enqueueTestEvent(db, "shop", T0);
  const b = await enqueueTestEvent(db, "shop", T0);
  assert.ok(a && b);
  const event = (await getEvent(db, "shop", a))!;
  assert.equal(event.type, "test");
  assert.equal(
    event.body,
    JSON.stringify({ eventId: a, type: "test", createdAt: "2030-01-01T12:00:00.250Z" }),
  );
  // Each test event is a stream of its own: both are due at once.
  assert.deepEqual((await due(db, T0)).map((e) => e.eventId).sort(), [a, b].sort());
});
