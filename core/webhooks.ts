/**
 * The webhook delivery worker: POSTs the outbox's events (see `store/outbox.ts`) to the site's
 * webhook URL, or for exchange events (`site_id` null) to `config.exchangeWebhook.url`.
 *
 * Requests: `POST`, `Content-Type: application/json`, the stored body byte for byte, and
 * `X-Timestamp` (unix seconds, from the clock) with
 * `X-Signature = hex(HMAC-SHA256(secret, timestamp + "." + raw_body))` (the seed scheme of
 * `hmac.ts`). Site events are signed with the site's `api_secret` and carry `X-Site-Id`;
 * exchange events are signed with `exchangeWebhook.secret` (or `secretFile`) and carry no
 * `X-Site-Id`. Redirects are not followed.
 *
 * Outcome: a 2xx answer is delivered; any other status, a timeout or a network error is a
 * failed attempt, retried per `RetryPolicy` (10 s doubling to 1 h, given up 72 h after the
 * first attempt). Delivery is at least once: a worker that dies after the receiver answered but
 * before recording it sends the event again (after its claim lease), so receivers dedupe on
 * `eventId`.
 *
 * Sites without a webhook URL, and disabled sites, are skipped: their events stay pending,
 * unattempted (so their retry window does not run), and go out once a URL is set or the site is
 * enabled. Exchange events likewise wait while `exchangeWebhook` is not configured or has no
 * readable secret.
 *
 * Isolation: deliveries run concurrently, at most `concurrency` in all and `perSiteConcurrency`
 * per site (the exchange counting as one site), one per stream, each bounded by `timeoutMs`, so
 * a slow or dead site holds a few slots for one timeout at a time while the others go on.
 *
 * @module
 */

import type { ProcessorContext } from "./context.ts";
import { signRequest } from "./hmac.ts";
import {
  claimEvents,
  DEFAULT_RETRY_POLICY,
  type DueEvent,
  dueEvents,
  recordAttempt,
  type RetryPolicy,
} from "./store/outbox.ts";
import { runWorkerLoop, type WorkerOptions } from "./worker_loop.ts";

/** Worker tuning. */
export interface WebhookOptions {
  /** The HTTP client; tests inject their own. */
  fetch: typeof fetch;
  /** Longest an attempt may take, headers included, in real milliseconds. */
  timeoutMs: number;
  /** Most deliveries in flight at once. */
  concurrency: number;
  /** Most deliveries in flight at once for one site (the exchange counts as one site). */
  perSiteConcurrency: number;
  /** When failed attempts are retried and when they are given up. */
  retry: RetryPolicy;
}

/** Defaults: 10 s timeout, 8 in flight, 4 per site, `DEFAULT_RETRY_POLICY`. */
export const WEBHOOK_DEFAULTS: Readonly<WebhookOptions> = {
  fetch: (input, init) => fetch(input, init),
  timeoutMs: 10_000,
  concurrency: 8,
  perSiteConcurrency: 4,
  retry: DEFAULT_RETRY_POLICY,
};

/**
 * How far past the timeout a claimed event stays out of reach: a worker that died mid-attempt
 * leaves it to be retried this long after the claim.
 */
export const CLAIM_MARGIN_MS = 60_000;

/** How long a secret read from `exchangeWebhook.secretFile` is reused before reading again. */
const SECRET_FILE_TTL_MS = 60_000;

/** What a tick (or a worker so far) did. */
export interface WebhookTick {
  /** Requests sent. */
  attempted: number;
  /** Attempts answered 2xx. */
  delivered: number;
  /** Attempts that failed (non-2xx, timeout, network error), given up or not. */
  failedAttempts: number;
  /** Events given up (now `failed`). */
  gaveUp: number;
}

/** Where an event goes and how it is signed. */
interface Target {
  url: string;
  secret: string;
  siteId: string | null;
}

const encoder = new TextEncoder();

/** The key per-site limits count under; the exchange is a site of its own. */
const siteKey = (siteId: string | null) => siteId === null ? "" : `s:${siteId}`;

/** Removes what a URL may carry that the log must not: credentials, query, fragment. */
function scrubUrls(text: string): string {
  return text.replace(
    /\b([a-z][a-z0-9+.-]*:\/\/)(?:[^\s/?#@]*@)?([^\s/?#)'"]*)([^\s?#)'"]*)(?:\?[^\s#)'"]*)?(?:#[^\s)'"]*)?/gi,
    "$1$2$3",
  );
}

/** The error of an attempt that got no answer, fit for the delivery log. */
function describeError(error: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `timeout after ${timeoutMs} ms`;
  // Deno's fetch says only "fetch failed"; the cause says why (refused, DNS, TLS), URL and all.
  const text = (e: unknown) => e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const cause = error instanceof Error && error.cause !== undefined
    ? ` (${text(error.cause)})`
    : "";
  return scrubUrls(text(error) + cause).slice(0, 500);
}

/**
 * Runs deliveries within the concurrency limits. One instance per tick, or one for the life of
 * `runWebhooks`; it tracks what is in flight so nothing is attempted twice at once.
 */
class Dispatcher {
  readonly tally: WebhookTick = { attempted: 0, delivered: 0, failedAttempts: 0, gaveUp: 0 };
  /** Called whenever a delivery settles. */
  onSettled: (() => void) | null = null;
  readonly #ctx: ProcessorContext;
  readonly #options: WebhookOptions;
  readonly #inFlight = new Map<bigint, Promise<void>>();
  readonly #siteLoad = new Map<string, number>();
  readonly #streams = new Set<string>();
  /** Ids attempted once already by this dispatcher and not to be tried again (tick mode). */
  readonly #done: Set<bigint> | null;
  #exchangeSecret: { value: string; readAt: number } | null = null;
  #exchangeWarned = false;

  constructor(ctx: ProcessorContext, options: WebhookOptions, oncePerEvent: boolean) {
    this.#ctx = ctx;
    this.#options = options;
    this.#done = oncePerEvent ? new Set() : null;
  }

  get busy(): number {
    return this.#inFlight.size;
  }

  /** Claims due events for the free slots and starts them; returns how many started. */
  async fill(): Promise<number> {
    const { concurrency, perSiteConcurrency, timeoutMs } = this.#options;
    const free = concurrency - this.#inFlight.size;
    if (free <= 0) return 0;
    const exchange = await this.#exchangeTarget();
    const now = this.#ctx.clock.now();
    const exclude = [...this.#inFlight.keys(), ...(this.#done ?? [])];
    // Busy sites hold at most `concurrency * perSite` of the candidates (ranked per site), so
    // this many always leaves room for the free slots' worth of other sites' events.
    const candidates = await dueEvents(this.#ctx.db, {
      now,
      limit: concurrency * perSiteConcurrency + free,
      perSite: perSiteConcurrency,
      exchange: exchange !== null,
      exclude,
    });
    const picked: DueEvent[] = [];
    const load = new Map(this.#siteLoad);
    const streams = new Set(this.#streams);
    for (const event of candidates) {
      if (picked.length >= free) break;
      const site = siteKey(event.siteId);
      const stream = `${site}|${event.stream}`;
      if ((load.get(site) ?? 0) >= perSiteConcurrency || streams.has(stream)) continue;
      load.set(site, (load.get(site) ?? 0) + 1);
      streams.add(stream);
      picked.push(event);
    }
    const claimed = new Set(
      await claimEvents(
        this.#ctx.db,
        picked.map((e) => e.id),
        now,
        now + timeoutMs + CLAIM_MARGIN_MS,
      ),
    );
    let started = 0;
    for (const event of picked) {
      if (!claimed.has(event.id)) continue;
      const target: Target = event.siteId === null
        ? { ...exchange!, siteId: null }
        : { url: event.url!, secret: event.secret!, siteId: event.siteId };
      this.#start(event, target);
      started++;
    }
    return started;
  }

  /** Resolves when some delivery in flight settles (at once when none is). */
  async next(): Promise<void> {
    if (this.#inFlight.size > 0) await Promise.race(this.#inFlight.values());
  }

  /** Resolves when nothing is in flight. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight.values());
  }

  #start(event: DueEvent, target: Target): void {
    const site = siteKey(event.siteId);
    const stream = `${site}|${event.stream}`;
    this.#siteLoad.set(site, (this.#siteLoad.get(site) ?? 0) + 1);
    this.#streams.add(stream);
    this.#done?.add(event.id);
    const run = this.#deliver(event, target).catch((error) => {
      // The claim lease brings the event back; nothing is lost.
      this.#ctx.log.warn("webhook delivery not recorded", { event: event.eventId, error });
    }).finally(() => {
      this.#inFlight.delete(event.id);
      const left = (this.#siteLoad.get(site) ?? 1) - 1;
      if (left > 0) this.#siteLoad.set(site, left);
      else this.#siteLoad.delete(site);
      this.#streams.delete(stream);
      this.onSettled?.();
    });
    this.#inFlight.set(event.id, run);
  }

  async #deliver(event: DueEvent, target: Target): Promise<void> {
    const ctx = this.#ctx;
    const attemptedAt = ctx.clock.now();
    const body = encoder.encode(event.body);
    const timestamp = String(Math.floor(attemptedAt / 1000));
    const signature = signRequest(target.secret, "seed", {
      timestamp,
      method: "POST",
      pathAndQuery: "",
      body,
    });
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-timestamp": timestamp,
      "x-signature": signature,
    };
    if (target.siteId !== null) headers["x-site-id"] = target.siteId;
    // The timeout is real time: it bounds a real request, whatever the injected clock says.
    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, this.#options.timeoutMs);
    const started = performance.now();
    let httpStatus: number | null = null;
    let error: string | null = null;
    try {
      // An unparsable URL would be quoted whole (query included) in fetch's error.
      if (!URL.canParse(target.url)) throw new TypeError("invalid webhook URL");
      const response = await this.#options.fetch(target.url, {
        method: "POST",
        headers,
        body,
        redirect: "manual",
        signal: abort.signal,
      });
      httpStatus = response.status;
      await response.body?.cancel().catch(() => {});
    } catch (e) {
      error = describeError(e, timedOut, this.#options.timeoutMs);
    } finally {
      clearTimeout(timer);
    }
    const durationMs = performance.now() - started;
    const delivered = httpStatus !== null && httpStatus >= 200 && httpStatus < 300;
    this.tally.attempted++;
    if (delivered) this.tally.delivered++;
    else this.tally.failedAttempts++;
    const status = await recordAttempt(ctx.db, {
      id: event.id,
      attemptedAt,
      now: ctx.clock.now(),
      delivered,
      httpStatus,
      error,
      durationMs,
    }, this.#options.retry);
    ctx.metrics?.webhookDeliveries.inc({
      target: target.siteId === null ? "exchange" : "site",
      result: delivered ? "delivered" : status === "failed" ? "given_up" : "failed",
    });
    if (status === "failed") {
      this.tally.gaveUp++;
      ctx.log.warn("webhook given up", { event: event.eventId, site: event.siteId });
    } else if (!delivered) {
      // No URL in the log: it may carry a token in its query.
      ctx.log.info("webhook attempt failed", {
        event: event.eventId,
        site: event.siteId,
        httpStatus,
        error,
      });
    }
  }

  /** The exchange webhook's URL and secret; null while it is not deliverable. */
  async #exchangeTarget(): Promise<{ url: string; secret: string } | null> {
    const hook = this.#ctx.config.exchangeWebhook;
    if (!hook) return null;
    if (hook.secret) return { url: hook.url, secret: hook.secret };
    const now = this.#ctx.clock.now();
    const cached = this.#exchangeSecret;
    if (cached && now - cached.readAt < SECRET_FILE_TTL_MS) {
      return { url: hook.url, secret: cached.value };
    }
    let secret = "";
    if (hook.secretFile) {
      try {
        // Re-read now and then so a rotated file takes effect without a restart.
        secret = (await Deno.readTextFile(hook.secretFile)).trim();
      } catch (error) {
        this.#warnExchange("exchangeWebhook.secretFile: cannot read", (error as Error).name);
        return null;
      }
    }
    if (!secret) {
      this.#warnExchange("exchangeWebhook: no secret; exchange events wait", "empty");
      return null;
    }
    this.#exchangeSecret = { value: secret, readAt: now };
    return { url: hook.url, secret };
  }

  #warnExchange(message: string, reason: string): void {
    if (this.#exchangeWarned) return;
    this.#exchangeWarned = true;
    this.#ctx.log.warn(message, { reason });
  }
}

function withDefaults(options: Partial<WebhookOptions>): WebhookOptions {
  return { ...WEBHOOK_DEFAULTS, ...options };
}

/**
 * One pass: attempts every event due at the clock's now, each at most once, in order per
 * stream (an event whose predecessor is delivered in this pass goes out in the same pass), and
 * resolves when every attempt is recorded.
 */
export async function webhookTick(
  ctx: ProcessorContext,
  options: Partial<WebhookOptions> = {},
): Promise<WebhookTick> {
  const dispatcher = new Dispatcher(ctx, withDefaults(options), true);
  try {
    while (true) {
      await dispatcher.fill();
      if (dispatcher.busy === 0) break;
      await dispatcher.next();
    }
  } finally {
    await dispatcher.drain();
  }
  return dispatcher.tally;
}

/**
 * Delivers webhooks until `signal` aborts: looks for due events every `intervalMs` (default
 * 1 s) and whenever a delivery settles, without waiting for slow ones, so a dead site never
 * holds the others' next events. On abort it stops starting attempts and waits for those in
 * flight (each bounded by `timeoutMs`).
 */
export async function runWebhooks(
  ctx: ProcessorContext,
  signal: AbortSignal,
  options: Partial<WebhookOptions> & WorkerOptions = {},
): Promise<void> {
  const dispatcher = new Dispatcher(ctx, withDefaults(options), false);
  try {
    await runWorkerLoop(ctx, signal, async () => void await dispatcher.fill(), {
      intervalMs: options.intervalMs,
      leader: options.leader,
      failure: "webhook tick failed",
      // A delivery settling frees a slot: fill it now rather than at the next interval.
      wakeUp: (wake) => {
        dispatcher.onSettled = wake;
        return () => dispatcher.onSettled = null;
      },
    });
  } finally {
    await dispatcher.drain();
  }
}
