/**
 * The one place where exceptions become HTTP answers. Every error body is `{"error": "..."}`;
 * a request the caller can fix is 4xx naming the field, anything unexpected is a bare 500
 * whose details go to the log only.
 */

import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ConflictError, InputError, NotFoundError, UnavailableError } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";

/** The body of every error answer. */
export interface ErrorBody {
  error: string;
}

/** Answers `status` with `{"error": message}`. */
export function jsonError(c: Context, status: ContentfulStatusCode, message: string): Response {
  return c.json({ error: message } satisfies ErrorBody, status);
}

/**
 * Maps an exception thrown while handling a request to its answer: InputError → 400,
 * NotFoundError → 404, ConflictError → 409, UnavailableError → 503, an HTTPException → its own status, anything
 * else → 500 `internal error` with the details logged.
 */
export function errorResponse(c: Context, error: unknown, log: Logger): Response {
  if (error instanceof InputError) return jsonError(c, 400, error.message);
  if (error instanceof NotFoundError) return jsonError(c, 404, error.message);
  if (error instanceof ConflictError) return jsonError(c, 409, error.message);
  if (error instanceof UnavailableError) {
    // The node, chain or database is down: tell the caller to retry, keep a trace.
    log.warn("api: unavailable", { method: c.req.method, path: c.req.path, error });
    return jsonError(c, 503, error.message);
  }
  if (error instanceof HTTPException) {
    const status = error.status;
    // Hono raises these for protocol-level refusals; keep their status, not their text body.
    if (status >= 400 && status < 500) {
      return jsonError(c, status as ContentfulStatusCode, error.message || "bad request");
    }
  }
  // Only the method and path are logged: query strings and bodies may carry user data, and
  // headers carry the bearer token.
  log.error("api: unhandled error", {
    method: c.req.method,
    path: c.req.path,
    error,
    stack: error instanceof Error ? error.stack : undefined,
  });
  return jsonError(c, 500, "internal error");
}
