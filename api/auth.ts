/**
 * Bearer token check for the exchange API. Tokens are compared through their SHA-256
 * digests with a loop that always runs over every byte of every configured token, so
 * neither the content nor the length of a token leaks through timing.
 *
 * Hashing each request's token (WebCrypto, a hop to a worker thread) cost about a sixth of a
 * history request, so a token that verified is remembered with its digest for a short while
 * ({@linkcode VERIFIED_TOKEN_TTL_MS}): a request presenting it again skips the hash, and its
 * remembered digest still goes through the same constant-time comparison with every
 * configured digest. Only tokens that matched are remembered, so the cache holds at most one
 * entry per configured token and a guesser can neither fill it nor find a shortcut in it.
 */

import type { MiddlewareHandler } from "hono";
import { type Clock, systemClock } from "../core/clock.ts";
import { jsonError } from "./errors.ts";

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/**
 * Compares two byte arrays in time that depends only on their lengths. Callers pass
 * SHA-256 digests, which are always 32 bytes, so the time is constant.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/**
 * Whether `digest` equals one of `digests`, without stopping at the first match, so which
 * token matched (or how many are configured) does not leak either.
 */
function digestMatches(digest: Uint8Array, digests: readonly Uint8Array[]): boolean {
  let ok = false;
  for (const expected of digests) ok = constantTimeEqual(digest, expected) || ok;
  return ok;
}

/** Checks `presented` against every configured token digest (see {@linkcode digestMatches}). */
export async function tokenMatches(
  presented: string,
  digests: readonly Uint8Array[],
): Promise<boolean> {
  return digestMatches(await sha256(presented), digests);
}

/**
 * How long a verified token is remembered, ms. It bounds how long a token the process was
 * presented stays in memory as a cache key after its last verification, at the cost of one
 * hash per token and period.
 */
export const VERIFIED_TOKEN_TTL_MS = 60_000;

/** Options of {@linkcode tokenCheck}. */
export interface TokenCheckOptions {
  /** Reads the time for the cache's expiry. */
  clock?: Clock;
  /** How long a verified token is remembered, ms; 0 remembers none. */
  ttlMs?: number;
  /** The digest function; SHA-256 through WebCrypto unless a test counts its calls. */
  digest?: (text: string) => Promise<Uint8Array>;
}

/**
 * The check of a presented token against `tokens`, with its cache of verified tokens. The
 * configured tokens are hashed at once and not kept. Revocation and rotation are
 * configuration changes, and configuration is read at start: a restarted process has a new
 * check and an empty cache, so a removed token is refused by it from its first request.
 */
export function tokenCheck(
  tokens: readonly string[],
  options: TokenCheckOptions = {},
): (presented: string) => Promise<boolean> {
  const clock = options.clock ?? systemClock;
  const ttlMs = options.ttlMs ?? VERIFIED_TOKEN_TTL_MS;
  const digest = options.digest ?? sha256;
  const pending = Promise.all(tokens.map(digest));
  let digests: Uint8Array[] | null = null;
  const verified = new Map<string, { digest: Uint8Array; until: number }>();
  return async (presented) => {
    digests ??= await pending;
    const now = clock.now();
    const known = verified.get(presented);
    if (known !== undefined && known.until > now) return digestMatches(known.digest, digests);
    for (const [token, entry] of verified) if (entry.until <= now) verified.delete(token);
    const computed = await digest(presented);
    const ok = digestMatches(computed, digests);
    if (ok && ttlMs > 0) verified.set(presented, { digest: computed, until: now + ttlMs });
    return ok;
  };
}

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * Middleware accepting `Authorization: Bearer <token>` for any of `tokens`. With no tokens
 * configured every request is refused: an unconfigured processor is never open.
 */
export function bearerAuth(
  tokens: readonly string[],
  options: TokenCheckOptions = {},
): MiddlewareHandler {
  const matches = tokenCheck(tokens, options);
  return async (c, next) => {
    const header = c.req.header("authorization");
    const match = header === undefined ? null : BEARER.exec(header);
    if (!match) {
      c.header("WWW-Authenticate", 'Bearer realm="processor"');
      return jsonError(c, 401, "authorization: missing bearer token");
    }
    if (!await matches(match[1])) {
      c.header("WWW-Authenticate", 'Bearer realm="processor", error="invalid_token"');
      return jsonError(c, 401, "authorization: invalid token");
    }
    await next();
  };
}
