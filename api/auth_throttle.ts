/**
 * Slows down guessing: a client whose requests were refused 401 (bad bearer token, bad or
 * missing signature) `limit` times within `windowSeconds` gets 429 on every request until the
 * window of its oldest counted failure has passed. Only failures are counted, so a client with
 * a good token never notices. State is per instance and in memory: a restart forgets it, and
 * several instances each allow `limit`, which still bounds guessing to a handful per minute.
 *
 * The client is the TCP peer; behind a reverse proxy set `api.trustForwardedFor`, and the last
 * `X-Forwarded-For` entry (the one the proxy itself appended) is used instead.
 *
 * @module
 */

import type { Context, MiddlewareHandler } from "hono";
import type { Clock } from "../core/clock.ts";
import { jsonError } from "./errors.ts";

/** Throttle settings. */
export interface AuthThrottleOptions {
  /** Failures allowed per window; 0 turns the throttle off. */
  limit: number;
  windowSeconds: number;
  trustForwardedFor: boolean;
  clock: Clock;
}

/** Clients tracked before expired entries are swept, bounding memory under a flood. */
const SWEEP_AT = 10_000;

function clientOf(c: Context, trustForwardedFor: boolean): string {
  if (trustForwardedFor) {
    const forwarded = c.req.header("x-forwarded-for");
    const last = forwarded?.split(",").map((s) => s.trim()).filter(Boolean).at(-1);
    if (last) return last;
  }
  // Deno.serve passes its ServeHandlerInfo as Hono's env.
  const info = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  return info?.remoteAddr?.hostname ?? "unknown";
}

/** The middleware; put it before every route. */
export function authThrottle(options: AuthThrottleOptions): MiddlewareHandler {
  const failures = new Map<string, number[]>();
  const windowMs = options.windowSeconds * 1000;
  const recent = (client: string, now: number): number[] => {
    const kept = (failures.get(client) ?? []).filter((t) => now - t < windowMs);
    if (kept.length) failures.set(client, kept);
    else failures.delete(client);
    return kept;
  };
  return async (c, next) => {
    if (options.limit <= 0) return await next();
    const client = clientOf(c, options.trustForwardedFor);
    const now = options.clock.now();
    const seen = recent(client, now);
    if (seen.length >= options.limit) {
      const retry = Math.max(1, Math.ceil((seen[0] + windowMs - now) / 1000));
      c.header("Retry-After", String(retry));
      return jsonError(c, 429, `authorization: too many refused requests; retry in ${retry} s`);
    }
    await next();
    if (c.res.status === 401) {
      if (failures.size >= SWEEP_AT) {
        for (const key of [...failures.keys()]) recent(key, now);
      }
      failures.set(client, [...seen, now]);
    }
  };
}
