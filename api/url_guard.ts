/**
 * The first middleware of the app: a request whose URL the routes could not safely use is
 * refused before any of them runs, with a JSON 4xx naming what is wrong. A NUL character in the
 * path or a query parameter would otherwise reach Postgres (which cannot store it) through a
 * path parameter or a query field and answer 500; an overlong URL is refused with a body.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { jsonError } from "./errors.ts";

/** Longest URL (path and query) accepted. */
export const MAX_URL_LENGTH = 8192;

/** Why the path or query of `url` is unusable, with the status to answer, or null. */
export function urlProblem(url: URL): { status: 400 | 414; error: string } | null {
  const pathAndQuery = url.pathname + url.search;
  if (pathAndQuery.length > MAX_URL_LENGTH) {
    return { status: 414, error: `url: must be at most ${MAX_URL_LENGTH} characters` };
  }
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return { status: 400, error: "path: must be valid percent-encoded UTF-8" };
  }
  if (path.includes("\u0000")) {
    return { status: 400, error: "path: must not contain NUL characters" };
  }
  for (const [key, value] of url.searchParams) {
    if (key.includes("\u0000")) {
      return { status: 400, error: "query: parameter names must not contain NUL characters" };
    }
    if (value.includes("\u0000")) {
      return { status: 400, error: `${key}: must not contain NUL characters` };
    }
  }
  return null;
}

/** Middleware refusing what {@linkcode urlProblem} finds. */
export function urlGuard(): MiddlewareHandler {
  return async (c, next) => {
    const problem = urlProblem(new URL(c.req.url));
    if (problem) return jsonError(c, problem.status, problem.error);
    await next();
  };
}
