/**
 * Bearer token check for the exchange API. Tokens are compared through their SHA-256
 * digests with a loop that always runs over every byte of every configured token, so
 * neither the content nor the length of a token leaks through timing.
 */

import type { MiddlewareHandler } from "hono";
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
 * Checks `presented` against every configured token digest without stopping at the first
 * match, so which token matched (or how many are configured) does not leak either.
 */
export async function tokenMatches(
  presented: string,
  digests: readonly Uint8Array[],
): Promise<boolean> {
  const digest = await sha256(presented);
  let ok = false;
  for (const expected of digests) ok = constantTimeEqual(digest, expected) || ok;
  return ok;
}

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * Middleware accepting `Authorization: Bearer <token>` for any of `tokens`. With no tokens
 * configured every request is refused: an unconfigured processor is never open.
 */
export function bearerAuth(tokens: readonly string[]): MiddlewareHandler {
  // Digests are computed once, lazily, because WebCrypto is asynchronous.
  let digests: Promise<Uint8Array[]> | null = null;
  return async (c, next) => {
    const header = c.req.header("authorization");
    const match = header === undefined ? null : BEARER.exec(header);
    if (!match) {
      c.header("WWW-Authenticate", 'Bearer realm="processor"');
      return jsonError(c, 401, "authorization: missing bearer token");
    }
    digests ??= Promise.all(tokens.map(sha256));
    if (!await tokenMatches(match[1], await digests)) {
      c.header("WWW-Authenticate", 'Bearer realm="processor", error="invalid_token"');
      return jsonError(c, 401, "authorization: invalid token");
    }
    await next();
  };
}
