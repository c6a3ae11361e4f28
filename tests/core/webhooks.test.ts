/**
 * The webhook worker against real HTTP receivers, on every engine, with a fake clock driving
 * the retry schedule: retries through a day of outage, a restart mid-backoff, a dead site
 * beside a live one, order per stream, giving up and redelivery, test and exchange events, and
 * the exact bytes signed and sent.
 */

import assert from "node:assert/strict";
import type { Clock } from "../../core/clock.ts";
import { parseConfig } from "../../host/registry.ts";
import type { ProcessorContext } from "../../core/context.ts";
import type { Db } from "../../core/db.ts";
import { verifyRequest } from "../../core/hmac.ts";
import { silentLogger } from "../../core/log.ts";
import {
  DEFAULT_RETRY_POLICY,
  enqueueEvent,
  enqueueTestEvent,
  eventDeliveries,
  getEvent,
  redeliver,
  retryDelayMs,
} from "../../core/store/outbox.ts";
import { runWebhooks, webhookTick } from "../../core/webhooks.ts";
import { testOnEngines } from "../support/db.ts";

const T0 = Date.UTC(2030, 0, 1);
const SECOND = 1000;
const HOUR = 3_600_000;

/**
 * A clock the test moves. A sleep ends when the clock passes its time, on abort, or after a few
 * real milliseconds: a loop then re-reads the time soon after the test moves it, even when it
 * read the time just before the move and went to sleep just after.
 */
class FakeClock implements Clock {
  #t: number;
  #sleepers = new Set<{ at: number; wake: () => void }>();

  constructor(t: number, readonly realSleepMs = 10) {
    this.#t = t;
  }

  now(): number {
    return this.#t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const sleeper = {
        at: this.#t + ms,
        wake: () => {
          clearTimeout(timer);
          this.#sleepers.delete(sleeper);
          signal?.removeEventListener("abort", sleeper.wake);
          resolve();
        },
      };
      const timer = setTimeout(sleeper.wake, this.realSleepMs);
      this.#sleepers.add(sleeper);
      signal?.addEventListener("abort", sleeper.wake, { once: true });
    });
  }

  /** Moves to `t` (never back) and wakes whoever is due. */
  set(t: number): void {
    this.#t = Math.max(this.#t, t);
    for (const s of [...this.#sleepers]) if (s.at <= this.#t) s.wake();
  }

  advance(ms: number): void {
    this.set(this.#t + ms);
  }
}

/** One request as a receiver saw it. */
interface Hit {
  eventId: string;
  type: string;
  raw: Uint8Array;
  headers: Headers;
  signatureValid: boolean;
  /** What the receiver answered. */
  status: number;
  /** Real time it arrived (performance.now()). */
  at: number;
}

/** A webhook receiver that checks the signature and answers what `answer` says. */
class Receiver {
  readonly hits: Hit[] = [];
  answer: (hit: Hit) => number = () => 200;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;

  constructor(readonly secret: string) {
    this.#server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
      const raw = new Uint8Array(await req.arrayBuffer());
      const body = JSON.parse(new TextDecoder().decode(raw));
      const hit: Hit = {
        eventId: body.eventId,
        type: body.type,
        raw,
        headers: req.headers,
        signatureValid: verifyRequest(
          this.secret,
          "seed",
          {
            timestamp: req.headers.get("x-timestamp") ?? "",
            method: "POST",
            pathAndQuery: "",
            body: raw,
          },
          req.headers.get("x-signature") ?? "",
        ),
        status: 0,
        at: performance.now(),
      };
      hit.status = hit.signatureValid ? this.answer(hit) : 401;
      this.hits.push(hit);
      return new Response(null, { status: hit.status });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.#server.addr.port}/hook?token=query-secret`;
  }

  /** Event ids answered 2xx, in arrival order. */
  delivered(): string[] {
    return this.hits.filter((h) => h.status < 300).map((h) => h.eventId);
  }

  async close(): Promise<void> {
    await this.#server.shutdown();
  }
}

/** A server that accepts connections and never answers. */
class DeadServer {
  readonly #listener = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  readonly #conns: Deno.Conn[] = [];
  readonly #accepting: Promise<void>;

  constructor() {
    this.#accepting = (async () => {
      try {
        for await (const conn of this.#listener) this.#conns.push(conn);
      } catch { /* closed */ }
    })();
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#listener.addr as Deno.NetAddr).port}/hook`;
  }

  /** Connections accepted so far. */
  get connections(): number {
    return this.#conns.length;
  }

  async close(): Promise<void> {
    this.#listener.close();
    await this.#accepting;
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch { /* closed by the client */ }
    }
  }
}

/** A URL nothing listens on: connection refused. */
function closedPortUrl(): string {
  const listener = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return `http://user:pw@127.0.0.1:${port}/hook?token=query-secret`;
}

function contextFor(db: Db, clock: Clock, config: Record<string, unknown> = {}): ProcessorContext {
  return { db, config: parseConfig(config), plugins: new Map(), clock, log: silentLogger };
}

const secretOf = (site: string) => `api-secret-of-${site}-0123456789`;

async function addSite(db: Db, id: string, url: string | null): Promise<void> {
  await db.query(
    "insert into sites (id, name, api_secret, webhook_url) values ($1, $1, $2, $3)",
    [id, secretOf(id), url],
  );
}

/** Enqueues an event whose object holds text that is not ASCII, to check the exact bytes. */
const enqueue = (db: Db, siteId: string | null, stream: string, now: number) =>
  enqueueEvent(db, {
    siteId,
    stream,
    type: "deposit.updated",
    data: { deposit: { id: stream, amount: "1500000000", memo: 'Grüße ✓ 💸 \u2028 "q"' } },
    now,
  });

/** Gives up waiting after `timeoutMs` of real time. */
async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function attemptCount(db: Db): Promise<number> {
  const [row] = await db.query("select count(*)::int as n from webhook_deliveries");
  return Number(row.n);
}

/** The earliest future due time of a pending event, ms; null when none. */
async function nextDue(db: Db, now: number): Promise<number | null> {
  const [row] = await db.query(
    `select (extract(epoch from min(next_attempt_at)) * 1000)::float8 as ms from outbox
     where status = 'pending' and next_attempt_at > to_timestamp($1::float8 / 1000)`,
    [now],
  );
  return row.ms === null ? null : Math.round(Number(row.ms));
}

/** Ticks at every due time up to `end`, like the worker would, and leaves the clock at `end`. */
async function driveUntil(ctx: ProcessorContext, clock: FakeClock, end: number): Promise<void> {
  while (true) {
    await webhookTick(ctx, { timeoutMs: 2000 });
    const next = await nextDue(ctx.db, clock.now());
    if (next === null || next > end) break;
    clock.set(next);
  }
  clock.set(end);
}

/** Checks every hit: valid signature, the stored body byte for byte, the headers. */
async function assertExactHits(db: Db, receiver: Receiver, siteId: string | null): Promise<void> {
  assert.ok(receiver.hits.length > 0);
  for (const hit of receiver.hits) {
    assert.ok(hit.signatureValid, "signature verifies over the raw body");
    const event = await getEvent(db, siteId, hit.eventId);
    assert.ok(event, "the event is the site's");
    assert.deepEqual(hit.raw, new TextEncoder().encode(event.body), "byte for byte");
    assert.equal(hit.headers.get("x-site-id"), siteId);
    assert.equal(hit.headers.get("content-type"), "application/json");
    assert.match(hit.headers.get("x-timestamp") ?? "", /^[0-9]{10}$/);
  }
}

/** Gaps between consecutive attempts of an event, in seconds. */
async function gapsOf(db: Db, siteId: string | null, eventId: string): Promise<number[]> {
  const log = (await eventDeliveries(db, siteId, eventId))!;
  return log.slice(1).map((d, i) => (d.attemptedAt - log[i].attemptedAt) / SECOND);
}

/** The schedule's first `n` gaps, in seconds. */
const schedule = (n: number) =>
  Array.from({ length: n }, (_, i) => retryDelayMs(DEFAULT_RETRY_POLICY, i + 1) / SECOND);

testOnEngines("webhooks: a day of outage, then every event once, in order", async (db) => {
  const clock = new FakeClock(T0);
  const ctx = contextFor(db, clock);
  const a = new Receiver(secretOf("a"));
  const b = new Receiver(secretOf("b"));
  try {
    a.answer = () => 500;
    await addSite(db, "a", a.url);
    await addSite(db, "b", closedPortUrl()); // connection refused
    const streams: Record<string, string[]> = {};
    for (const site of ["a", "b"]) {
      for (const [stream, n] of [["d1", 3], ["d2", 2]] as const) {
        const key = `${site}/${stream}`;
        streams[key] = [];
        for (let i = 0; i < n; i++) streams[key].push(await enqueue(db, site, stream, T0));
      }
    }
    await driveUntil(ctx, clock, T0 + 6 * HOUR);
    streams["a/d3"] = [await enqueue(db, "a", "d3", clock.now())]; // mid-outage
    await driveUntil(ctx, clock, T0 + 24 * HOUR);

    for (const [key, [head, ...rest]] of Object.entries(streams)) {
      const site = key.split("/")[0];
      const log = (await eventDeliveries(db, site, head))!;
      assert.ok(log.length > 20, "the head was retried all day");
      for (const later of rest) {
        assert.equal((await getEvent(db, site, later))?.attempts, 0, "held behind the head");
      }
    }
    const aHead = streams["a/d1"][0];
    const aGaps = await gapsOf(db, "a", aHead);
    assert.deepEqual(aGaps, schedule(aGaps.length), "10 s doubling to 1 h");
    const bLog = (await eventDeliveries(db, "b", streams["b/d1"][0]))!;
    assert.ok(bLog.every((d) => d.httpStatus === null && d.error !== null));
    for (const d of bLog) {
      assert.match(d.error!, /Connection refused/);
      assert.match(d.error!, /http:\/\/127\.0\.0\.1:[0-9]+\/hook\b/);
      assert.doesNotMatch(d.error!, /query-secret|\?|user:pw/, "no URL query or credentials");
    }
    assert.equal(a.delivered().length, 0);

    // Both come back up.
    a.answer = () => 200;
    await db.query("update sites set webhook_url = $1 where id = 'b'", [b.url]);
    await driveUntil(ctx, clock, T0 + 26 * HOUR);

    const [pending] = await db.query(
      "select count(*)::int as n from outbox where status <> 'delivered'",
    );
    assert.equal(Number(pending.n), 0);
    for (const [site, receiver] of [["a", a], ["b", b]] as const) {
      const got = receiver.delivered();
      assert.equal(new Set(got).size, got.length, "exactly once");
      const mine = Object.entries(streams).filter(([k]) => k.startsWith(`${site}/`));
      assert.deepEqual(got.toSorted(), mine.flatMap(([, ids]) => ids).toSorted());
      for (const [, ids] of mine) {
        assert.deepEqual(got.filter((id) => ids.includes(id)), ids, "in order per stream");
      }
      await assertExactHits(db, receiver, site);
    }
    // The success came at the next scheduled retry, continuing the sequence.
    const finalGaps = await gapsOf(db, "a", aHead);
    assert.deepEqual(finalGaps, schedule(finalGaps.length));
    const aLog = (await eventDeliveries(db, "a", aHead))!;
    assert.deepEqual(aLog.map((d) => d.httpStatus), [...aGaps.map(() => 500), 500, 200]);
    assert.equal((await getEvent(db, "a", aHead))?.attempts, aLog.length);
  } finally {
    await a.close();
    await b.close();
  }
});

testOnEngines("webhooks: a restart mid-backoff picks up where it left", async (db) => {
  const clock = new FakeClock(T0);
  const ctx = contextFor(db, clock);
  const receiver = new Receiver(secretOf("shop"));
  receiver.answer = () => 500;
  const stops: AbortController[] = [];
  const loops: Promise<void>[] = [];
  const start = () => {
    const stop = new AbortController();
    stops.push(stop);
    loops.push(runWebhooks(ctx, stop.signal, { fetch, intervalMs: 1000, timeoutMs: 2000 }));
  };
  try {
    await addSite(db, "shop", receiver.url);
    const e1 = await enqueue(db, "shop", "s1", T0);
    const e2 = await enqueue(db, "shop", "s1", T0);
    const e3 = await enqueue(db, "shop", "s2", T0);
    start();
    await until("the first attempts", async () => await attemptCount(db) === 2);
    clock.advance(10 * SECOND);
    await until("the first retries", async () => await attemptCount(db) === 4);
    clock.advance(20 * SECOND);
    await until("the second retries", async () => await attemptCount(db) === 6);
    stops[0].abort();
    await loops[0];

    // A new worker: nothing is due before the stored next attempt (T0 + 70 s).
    receiver.answer = () => 200;
    start();
    clock.advance(39 * SECOND);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(await attemptCount(db), 6);
    clock.advance(1 * SECOND);
    await until("all delivered", async () => {
      const [row] = await db.query(
        "select count(*)::int as n from outbox where status = 'delivered'",
      );
      return Number(row.n) === 3;
    });
    const got = receiver.delivered();
    assert.equal(got.length, 3, "nothing lost, nothing duplicated");
    assert.deepEqual(got.filter((id) => id !== e3), [e1, e2]);
    assert.ok(got.includes(e3));
    assert.deepEqual(await gapsOf(db, "shop", e1), [10, 20, 40]);
    assert.deepEqual(await gapsOf(db, "shop", e3), [10, 20, 40]);
    assert.deepEqual(
      (await eventDeliveries(db, "shop", e2))!.map((d) => [d.attemptedAt, d.httpStatus]),
      [[T0 + 70 * SECOND, 200]],
    );
    assert.equal(receiver.hits.length, 9);
    await assertExactHits(db, receiver, "shop");
  } finally {
    for (const stop of stops) stop.abort();
    await Promise.all(loops);
    await receiver.close();
  }
});

testOnEngines("webhooks: a dead site does not hold back the others", async (db) => {
  const clock = new FakeClock(T0);
  const ctx = contextFor(db, clock);
  const dead = new DeadServer();
  const live = new Receiver(secretOf("live"));
  const timeoutMs = 1000;
  const stop = new AbortController();
  let loop: Promise<void> | null = null;
  try {
    await addSite(db, "dead", dead.url);
    await addSite(db, "live", live.url);
    for (let i = 0; i < 6; i++) await enqueue(db, "dead", `dead:${i}`, T0);
    const liveIds: string[] = [];
    for (let i = 0; i < 4; i++) liveIds.push(await enqueue(db, "live", `live:${i}`, T0));
    for (let i = 0; i < 3; i++) liveIds.push(await enqueue(db, "live", "live:seq", T0));

    const started = performance.now();
    const tick = await webhookTick(ctx, { timeoutMs });
    const took = performance.now() - started;
    assert.deepEqual(live.delivered().toSorted(), liveIds.toSorted());
    const lastLive = Math.max(...live.hits.map((h) => h.at)) - started;
    assert.ok(lastLive < timeoutMs, `live events went out at once (${lastLive} ms)`);
    assert.ok(took >= timeoutMs, "the dead site's attempts ran to their timeout");
    assert.deepEqual(tick, { attempted: 13, delivered: 7, failedAttempts: 6, gaveUp: 0 });
    const [row] = await db.query(
      `select count(*)::int as n from webhook_deliveries d join outbox o on o.id = d.outbox_id
       where o.site_id = 'dead' and d.http_status is null and d.error = $1`,
      [`timeout after ${timeoutMs} ms`],
    );
    assert.equal(Number(row.n), 6);
    await assertExactHits(db, live, "live");

    // The running worker does not wait for dead attempts before starting new live ones.
    const connected = dead.connections;
    loop = runWebhooks(ctx, stop.signal, { timeoutMs, intervalMs: 1000 });
    const before = performance.now();
    clock.advance(10 * SECOND); // the dead site's retries are due: 4 (its share) go out
    await until("the dead retries are in flight", () => dead.connections === connected + 4);
    const late = await enqueue(db, "live", "live:late", clock.now());
    clock.advance(1 * SECOND);
    await until("the late live event", () => live.delivered().includes(late));
    assert.ok(
      performance.now() - before < timeoutMs - 100,
      "delivered while the dead site's attempts were still in flight",
    );
  } finally {
    stop.abort();
    await loop;
    await dead.close();
    await live.close();
  }
});

testOnEngines("webhooks: a failing event holds its stream, not the others", async (db) => {
  const clock = new FakeClock(T0);
  const ctx = contextFor(db, clock);
  const receiver = new Receiver(secretOf("shop"));
  try {
    await addSite(db, "shop", receiver.url);
    const e1 = await enqueue(db, "shop", "s1", T0);
    const e2 = await enqueue(db, "shop", "s1", T0);
    const f1 = await enqueue(db, "shop", "s2", T0);
    const f2 = await enqueue(db, "shop", "s2", T0);
    let failing = true;
    receiver.answer = (hit) => failing && hit.eventId === e1 ? 503 : 200;

    await webhookTick(ctx);
    assert.deepEqual(receiver.delivered(), [f1, f2], "the other stream goes on, in order");
    clock.advance(10 * SECOND);
    await webhookTick(ctx);
    assert.equal(
      receiver.hits.filter((h) => h.eventId === e2).length,
      0,
      "event 2 is not attempted while event 1 fails",
    );
    assert.equal((await eventDeliveries(db, "shop", e2))!.length, 0);
    assert.deepEqual((await eventDeliveries(db, "shop", e1))!.map((d) => d.httpStatus), [
      503,
      503,
    ]);

    failing = false;
    clock.advance(19 * SECOND);
    await webhookTick(ctx); // not due yet
    assert.equal(receiver.hits.length, 4);
    clock.advance(1 * SECOND);
    await webhookTick(ctx);
    assert.deepEqual(receiver.delivered(), [f1, f2, e1, e2]);
    assert.equal((await eventDeliveries(db, "shop", e2))!.length, 1);
    await assertExactHits(db, receiver, "shop");
  } finally {
    await receiver.close();
  }
});

testOnEngines("webhooks: given up after 72 h, then redelivered", async (db) => {
  const clock = new FakeClock(T0);
  const ctx = contextFor(db, clock);
  const receiver = new Receiver(secretOf("shop"));
  try {
    receiver.answer = () => 500;
    await addSite(db, "shop", receiver.url);
    const e1 = await enqueue(db, "shop", "s1", T0);
    const e2 = await enqueue(db, "shop", "s1", T0);
    await driveUntil(ctx, clock, T0 + 71 * HOUR);
    assert.equal((await getEvent(db, "shop", e1))?.status, "pending", "not before 72 h");
    await driveUntil(ctx, clock, T0 + 80 * HOUR);

    const event = (await getEvent(db, "shop", e1))!;
    assert.equal(event.status, "failed");
    const log = (await eventDeliveries(db, "shop", e1))!;
    assert.equal(event.attempts, log.length);
    assert.ok(log.at(-1)!.attemptedAt - T0 >= 72 * HOUR);
    assert.ok(log.at(-2)!.attemptedAt - T0 < 72 * HOUR);
    assert.deepEqual(await gapsOf(db, "shop", e1), schedule(log.length - 1));
    assert.equal((await getEvent(db, "shop", e2))?.status, "pending");
    assert.equal((await eventDeliveries(db, "shop", e2))!.length, 0, "held behind e1");

    receiver.answer = () => 200;
    clock.advance(HOUR);
    assert.equal(await redeliver(db, "other", e1, clock.now()), null);
    const back = await redeliver(db, "shop", e1, clock.now());
    assert.equal(back?.status, "pending");
    const tick = await webhookTick(ctx);
    assert.deepEqual(tick, { attempted: 2, delivered: 2, failedAttempts: 0, gaveUp: 0 });
    assert.deepEqual(receiver.delivered(), [e1, e2]);
    assert.equal((await getEvent(db, "shop", e1))?.deliveredAt, clock.now());
    assert.equal((await eventDeliveries(db, "shop", e1))!.at(-1)?.httpStatus, 200);
    await assertExactHits(db, receiver, "shop");
  } finally {
    await receiver.close();
  }
});

testOnEngines("webhooks: test events, and the exchange's events signed its way", async (db) => {
  const clock = new FakeClock(T0);
  const site = new Receiver(secretOf("shop"));
  const exchangeSecret = "exchange-secret-0123456789";
  const exchange = new Receiver(exchangeSecret);
  const secretFile = await Deno.makeTempFile();
  try {
    await addSite(db, "shop", site.url);
    const testId = (await enqueueTestEvent(db, "shop", T0))!;
    const withdrawal = await enqueueEvent(db, {
      siteId: null,
      stream: "withdrawal:1",
      type: "withdrawal.processed",
      data: { withdrawal: { id: "1", amount: "5", status: "processed" } },
      now: T0,
    });

    // Without an exchange webhook configured, its events wait.
    const unconfigured = await webhookTick(contextFor(db, clock));
    assert.equal(unconfigured.attempted, 1);
    assert.deepEqual(site.delivered(), [testId]);
    assert.equal(site.hits[0].type, "test");
    assert.equal((await getEvent(db, null, withdrawal))?.attempts, 0);

    const ctx = contextFor(db, clock, {
      exchangeWebhook: { url: exchange.url, secret: exchangeSecret },
    });
    await webhookTick(ctx);
    assert.deepEqual(exchange.delivered(), [withdrawal]);
    assert.equal(exchange.hits[0].headers.get("x-site-id"), null, "no X-Site-Id");
    assert.equal(exchange.hits[0].headers.get("x-timestamp"), String(T0 / 1000));
    await assertExactHits(db, exchange, null);
    await assertExactHits(db, site, "shop");

    // The secret may come from a file (its trailing newline is not part of it).
    await Deno.writeTextFile(secretFile, `${exchangeSecret}\n`);
    const fromFile = contextFor(db, clock, { exchangeWebhook: { url: exchange.url, secretFile } });
    const second = await enqueueEvent(db, {
      siteId: null,
      stream: "withdrawal:2",
      type: "withdrawal.processed",
      data: { withdrawal: { id: "2" } },
      now: T0,
    });
    await webhookTick(fromFile);
    assert.deepEqual(exchange.delivered(), [withdrawal, second]);
    await assertExactHits(db, exchange, null);
  } finally {
    await Deno.remove(secretFile);
    await site.close();
    await exchange.close();
  }
});

testOnEngines("webhooks: sites without a URL, or disabled, wait unattempted", async (db) => {
  const clock = new FakeClock(T0);
  const ctx = contextFor(db, clock);
  const receiver = new Receiver(secretOf("shop"));
  try {
    await addSite(db, "shop", null);
    const eventId = await enqueue(db, "shop", "s1", T0);
    clock.advance(100 * HOUR);
    assert.equal((await webhookTick(ctx)).attempted, 0);
    await db.query("update sites set webhook_url = $1, disabled_at = now() where id = 'shop'", [
      receiver.url,
    ]);
    assert.equal((await webhookTick(ctx)).attempted, 0);
    assert.equal((await getEvent(db, "shop", eventId))?.status, "pending");
    await db.query("update sites set disabled_at = null where id = 'shop'");
    receiver.answer = () => 500;
    await webhookTick(ctx);
    // Its retry window starts at its first attempt, not at its creation 100 h ago.
    assert.equal((await getEvent(db, "shop", eventId))?.status, "pending");
    receiver.answer = () => 200;
    clock.advance(10 * SECOND);
    await webhookTick(ctx);
    assert.deepEqual(receiver.delivered(), [eventId]);

    // A URL fetch cannot parse is a failed attempt, logged without the URL.
    await addSite(db, "bad", "not a url?token=query-secret");
    const bad = await enqueue(db, "bad", "s1", clock.now());
    assert.equal((await webhookTick(ctx)).failedAttempts, 1);
    assert.deepEqual((await eventDeliveries(db, "bad", bad))!.map((d) => [d.httpStatus, d.error]), [
      [null, "TypeError: invalid webhook URL"],
    ]);
  } finally {
    await receiver.close();
  }
});
