/**
 * `/metrics` in the Prometheus text format, and the middleware that counts every HTTP request
 * by its route pattern (`/v1/admin/alarms/:alarmId/resolve`, never the raw path, so ids do not
 * explode the series; unmatched paths share one label). The scrape may require a bearer token
 * or basic auth (`metrics.*` in config); secrets from files are read once, at the first scrape.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { MetricsConfig } from "../core/config.ts";
import type { ProcessorContext } from "../core/context.ts";
import { type Metrics, refreshDbGauges, refreshHotBalances } from "../core/metrics.ts";
import { tokenMatches } from "./auth.ts";
import { jsonError } from "./errors.ts";
import type { Register } from "./processor_routes.ts";

/** The route label of requests no route matched. */
export const UNMATCHED_ROUTE = "unmatched";

/** Counts requests and their latency by method, route pattern and status. */
export function httpMetrics(metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const pattern = routePath(c);
      const route = pattern === "*" || pattern === "/*" || pattern === ""
        ? UNMATCHED_ROUTE
        : pattern;
      const labels = { method: c.req.method, route, status: String(c.res.status) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, (performance.now() - started) / 1000);
    }
  };
}

async function secret(inline: string | undefined, file: string | undefined, field: string) {
  if (inline !== undefined) return inline;
  if (file === undefined) return undefined;
  try {
    return (await Deno.readTextFile(file)).trim();
  } catch (error) {
    throw new Error(`metrics.${field}: cannot read (${(error as Error).name})`);
  }
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** What a scrape must present: digests of accepted bearer tokens and basic credentials. */
interface ScrapeAuth {
  bearer: Uint8Array[];
  basic: Uint8Array[];
}

async function scrapeAuth(config: MetricsConfig): Promise<ScrapeAuth> {
  const token = await secret(config.token, config.tokenFile, "tokenFile");
  const password = await secret(config.password, config.passwordFile, "passwordFile");
  return {
    bearer: token ? [await sha256(token)] : [],
    basic: config.username && password ? [await sha256(`${config.username}:${password}`)] : [],
  };
}

async function allowed(header: string | undefined, auth: ScrapeAuth): Promise<boolean> {
  if (auth.bearer.length === 0 && auth.basic.length === 0) return true;
  if (header === undefined) return false;
  const bearer = /^Bearer +(\S+) *$/i.exec(header);
  if (bearer) return await tokenMatches(bearer[1], auth.bearer);
  const basic = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
  if (!basic) return false;
  let decoded: string;
  try {
    decoded = new TextDecoder().decode(Uint8Array.from(atob(basic[1]), (ch) => ch.charCodeAt(0)));
  } catch {
    return false;
  }
  return await tokenMatches(decoded, auth.basic);
}

/** Registers `GET /metrics` (unless `metrics.enabled` is false). */
export function registerMetricsRoute(
  register: Register,
  ctx: ProcessorContext,
  metrics: Metrics,
): void {
  const config = ctx.config.metrics;
  if (!config.enabled) return;
  let auth: Promise<ScrapeAuth> | null = null;
  register("GET", "/metrics", [], async (c) => {
    auth ??= scrapeAuth(config);
    if (!await allowed(c.req.header("authorization"), await auth)) {
      c.header("WWW-Authenticate", 'Bearer realm="metrics", Basic realm="metrics"');
      return jsonError(c, 401, "authorization: missing or invalid metrics credentials");
    }
    await Promise.all([
      refreshDbGauges(ctx, metrics),
      refreshHotBalances(ctx, metrics, { ttlMs: config.balanceTtlSeconds * 1000 }),
    ]);
    const body = await metrics.registry.metrics();
    return c.body(body, 200, { "Content-Type": metrics.registry.contentType });
  });
}
