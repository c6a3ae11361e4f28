/**
 * Telling "the database is not there" apart from every other database error, so that the API
 * answers 503 (retry later) instead of 500, and a query never waits unbounded for a server
 * that does not answer.
 *
 * @module
 */

import { UnavailableError } from "./errors.ts";

/** The database could not be reached or did not answer in time: 503, the caller may retry. */
export class DatabaseUnavailableError extends UnavailableError {
  constructor(cause?: unknown) {
    super("database: unavailable; try again");
    this.name = "DatabaseUnavailableError";
    this.cause = cause;
  }
}

// postgres.js and Deno's socket codes for a connection that failed, closed or timed out.
const CONNECTION_CODES = new Set([
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/**
 * Whether `error` says the server is unreachable or gone rather than that the statement was
 * wrong: connection failures, SQLSTATE class 08 (connection exception), 57014 (cancelled by
 * `statement_timeout`) and 57P01..57P03 (the server is shutting down or starting).
 */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  if (error instanceof Deno.errors.ConnectionRefused) return true;
  if (error instanceof Deno.errors.ConnectionReset) return true;
  if (error instanceof Deno.errors.TimedOut) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return false;
  return CONNECTION_CODES.has(code) || code.startsWith("08") || code === "57014" ||
    /^57P0[123]$/.test(code);
}

// Codes of a connection that is gone for good, as opposed to slow: no statement can follow
// on it. postgres.js names its own; the rest are the socket's.
const LOST_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ECONNRESET",
  "EPIPE",
]);

/**
 * Whether `error` (or the error it wraps) says the connection it ran on closed, so nothing
 * more may be sent on it; a timeout is not a loss (the connection may still answer).
 */
export function isConnectionLost(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof Deno.errors.ConnectionReset || e instanceof Deno.errors.BrokenPipe) {
      return true;
    }
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && LOST_CODES.has(code)) return true;
  }
  return false;
}

/**
 * Runs `call`, turning an unavailability error into a DatabaseUnavailableError and failing
 * with one after `timeoutMs` without an answer (the query may still finish on the server:
 * only writes whose outcome is checked later, as every write of ours is, may rely on this).
 */
export async function unavailableAfter<T>(call: () => Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      call(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new DatabaseUnavailableError("no answer in time")),
          timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    if (isUnavailable(error) && !(error instanceof DatabaseUnavailableError)) {
      throw new DatabaseUnavailableError(error);
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
