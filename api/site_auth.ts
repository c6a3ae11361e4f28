/**
 * HMAC authentication of merchant requests (the `/v1/public/...` routes).
 *
 * A request carries `X-Site-Id`, `X-Timestamp` (unix seconds), `X-Signature` (hex
 * HMAC-SHA256 under the site's secret) and, for the strong scheme, `X-Signature-Version: 2`
 * (see core/hmac.ts for what each scheme signs). The strong scheme signs the path and query
 * as the URL parser normalises them (`new URL(url).pathname + search`), which is what a client
 * sends for an already-normal URL.
 *
 * Answers:
 * - 401 `{"error": "<header>: why"}` for a missing or malformed header, an unknown site, a
 *   timestamp outside `public.signatureWindowSeconds` either way, a seed-scheme signature to a
 *   site that requires the strong one, a signature that does not match, or one already used:
 *   every signature is accepted once (remembered per site in the database for the window, so
 *   all instances agree). Without that, any signed request could be replayed for 300 s, and
 *   with the seed scheme, which signs only `timestamp.body`, every empty-body request of one
 *   second carries the same signature, so a captured `GET /v1/public/assets` could cancel a
 *   deposit. A client sending the same request twice in a second adds an `X-Nonce` (strong
 *   scheme). A wrong signature
 *   is only ever "does not match": which byte, body or header was wrong is not said.
 * - 403 for a disabled site, but only once the signature is valid: without the secret a
 *   disabled site looks like any failed signature, so disabling reveals nothing to strangers.
 * - 413 when the body exceeds `api.bodyLimitBytes`.
 *
 * The body is read once, here, within the limit; handlers get those exact bytes from
 * {@linkcode rawBodyOf} (or parsed, {@linkcode jsonBodyOf}), and `c.req.text()`/`readBody`
 * still work on a copy of them.
 *
 * @module
 */

import type { Context, MiddlewareHandler } from "hono";
import type { z } from "zod";
import type { ProcessorContext } from "../core/context.ts";
import { InputError } from "../core/errors.ts";
import {
  freshTimestamp,
  NONCE_PATTERN,
  type SignatureScheme,
  verifyRequest,
} from "../core/hmac.ts";
import { type Site, siteCredentials } from "../core/store/sites.ts";
import { purgeUsedSignatures, useSignature } from "../core/store/used_signatures.ts";
import { jsonError } from "./errors.ts";
import { decodeBody, inputErrorOf } from "./schemas.ts";

/** Longest `X-Site-Id` looked up; anything longer cannot be a site. */
const MAX_SITE_ID_LENGTH = 64;

/** How often one instance forgets used signatures whose window has passed. */
const PURGE_EVERY_MS = 60_000;

// Keyed by the request's Context, which Hono passes unchanged from middleware to handler.
const rawBodies = new WeakMap<Context, Uint8Array>();
const sites = new WeakMap<Context, Site>();

/**
 * Reads the whole body, refusing past `maxBytes` without buffering more than that (a chunked
 * body announces no length). Null when too large.
 */
async function readLimitedBody(c: Context, maxBytes: number): Promise<Uint8Array | null> {
  const raw = c.req.raw;
  if (raw.body === null) return new Uint8Array(0);
  const length = raw.headers.get("content-length");
  if (length !== null && !raw.headers.has("transfer-encoding") && Number(length) > maxBytes) {
    return null;
  }
  if (raw.bodyUsed) {
    // An earlier middleware read it through Hono's body cache; take it from there.
    const cached = new Uint8Array(await c.req.arrayBuffer());
    return cached.length > maxBytes ? null : cached;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = raw.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  // The stream is spent: hand Hono a fresh copy so `c.req.text()` and friends still work.
  // GET and HEAD requests cannot be rebuilt with a body; their handlers read none.
  if (raw.method !== "GET" && raw.method !== "HEAD") {
    c.req.raw = new Request(raw, { body: body.slice() });
  }
  return body;
}

/** The signature scheme `X-Signature-Version` asks for, or null when it names none we know. */
function schemeOf(version: string | undefined): SignatureScheme | null {
  if (version === undefined || version === "1") return "seed";
  return version === "2" ? "strong" : null;
}

/**
 * Middleware authenticating a merchant request by its HMAC signature (see the module
 * documentation for the headers and answers). On success the site and the raw body are
 * available to handlers through {@linkcode siteOf} and {@linkcode rawBodyOf}.
 */
export function siteAuth(ctx: ProcessorContext): MiddlewareHandler {
  const windowSeconds = ctx.config.public.signatureWindowSeconds;
  const maxBytes = ctx.config.api.bodyLimitBytes;
  let lastPurgeMs = 0;
  return async (c, next) => {
    const refuse = (message: string): Response => {
      c.header("WWW-Authenticate", 'Signature realm="merchant"');
      return jsonError(c, 401, message);
    };

    const siteId = c.req.header("x-site-id");
    if (!siteId) return refuse("x-site-id: missing header");
    const timestamp = c.req.header("x-timestamp");
    if (!timestamp) return refuse("x-timestamp: missing header");
    if (!/^[0-9]{1,12}$/.test(timestamp)) return refuse("x-timestamp: must be unix seconds");
    if (!freshTimestamp(timestamp, ctx.clock.now(), windowSeconds)) {
      return refuse(`x-timestamp: must be within ${windowSeconds} seconds of the server's clock`);
    }
    const signature = c.req.header("x-signature");
    if (!signature) return refuse("x-signature: missing header");
    if (!/^[0-9a-fA-F]{64}$/.test(signature)) {
      return refuse("x-signature: must be 64 hexadecimal characters");
    }
    const scheme = schemeOf(c.req.header("x-signature-version"));
    if (scheme === null) return refuse("x-signature-version: must be 1 or 2");
    const nonce = c.req.header("x-nonce");
    if (nonce !== undefined) {
      if (scheme !== "strong") return refuse("x-nonce: is signed by version 2 only");
      if (!NONCE_PATTERN.test(nonce)) {
        return refuse("x-nonce: must be 1 to 64 letters, digits, - or _");
      }
    }

    const credentials = siteId.length <= MAX_SITE_ID_LENGTH
      ? await siteCredentials(ctx.db, siteId)
      : null;
    if (credentials === null) return refuse("x-site-id: unknown site");
    const { site, secret } = credentials;
    if (scheme === "seed" && site.requireStrongSignature) {
      return refuse("x-signature-version: this site requires 2 (method, path and query signed)");
    }

    const body = await readLimitedBody(c, maxBytes);
    if (body === null) return jsonError(c, 413, `body: must be at most ${maxBytes} bytes`);
    const url = new URL(c.req.url);
    const valid = verifyRequest(secret, scheme, {
      timestamp,
      method: c.req.method,
      pathAndQuery: url.pathname + url.search,
      body,
      nonce,
    }, signature);
    if (!valid) return refuse("x-signature: does not match the request");
    if (site.disabledAt !== null) return jsonError(c, 403, "x-site-id: site is disabled");

    // Only a valid signature is remembered, so strangers cannot fill the table. It is kept
    // until its timestamp leaves the window, when the timestamp check refuses it anyway.
    const nowMs = ctx.clock.now();
    const expiresAt = new Date((Number(timestamp) + windowSeconds + 1) * 1000);
    if (!await useSignature(ctx.db, site.id, signature, expiresAt)) {
      return refuse("x-signature: already used; sign every request afresh");
    }
    if (nowMs - lastPurgeMs >= PURGE_EVERY_MS) {
      lastPurgeMs = nowMs;
      await purgeUsedSignatures(ctx.db, new Date(nowMs));
    }

    rawBodies.set(c, body);
    sites.set(c, site);
    await next();
  };
}

/** The authenticated site of a request behind {@linkcode siteAuth}. */
export function siteOf(c: Context): Site {
  const site = sites.get(c);
  // Reaching here without siteAuth is a wiring bug, not a caller's mistake.
  if (site === undefined) throw new Error("siteOf: the route is not behind siteAuth");
  return site;
}

/** The exact body bytes that were signed, of a request behind {@linkcode siteAuth}. */
export function rawBodyOf(c: Context): Uint8Array {
  const body = rawBodies.get(c);
  if (body === undefined) throw new Error("rawBodyOf: the route is not behind siteAuth");
  return body;
}

/**
 * The signed body parsed as JSON; with `schema`, also required to be a JSON object and
 * validated. Throws an InputError (400) naming the field: `body: must be valid JSON`,
 * `body: must be a JSON object`, `orderId: is required`, ...
 */
export function jsonBodyOf(c: Context): unknown;
/** The signed body parsed as a JSON object and validated by `schema`. */
export function jsonBodyOf<T extends z.ZodType>(c: Context, schema: T): z.output<T>;
export function jsonBodyOf<T extends z.ZodType>(c: Context, schema?: T): unknown {
  const raw = rawBodyOf(c);
  let value: unknown;
  try {
    const text = decodeBody(raw);
    if (text === null) throw new Error("not UTF-8");
    value = JSON.parse(text);
  } catch {
    throw new InputError("body", "must be valid JSON");
  }
  if (schema === undefined) return value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InputError("body", "must be a JSON object");
  }
  const result = schema.safeParse(value);
  if (!result.success) throw inputErrorOf(result.error, "body");
  return result.data;
}
