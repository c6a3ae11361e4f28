/**
 * A merchant's side of the HMAC scheme (api/site_auth.ts), for tests and as a reference for
 * client code: signs a request exactly as a merchant backend would and sends it.
 *
 * @module
 */

import { signRequest } from "../../core/hmac.ts";
import type { ApiResponse } from "./api_client.ts";
import { checkAgainstDocument } from "./openapi_check.ts";

/** What a merchant holds: its site id and API secret. */
export interface SiteCredentials {
  siteId: string;
  apiSecret: string;
}

/** Options of {@linkcode signedHeaders} and {@linkcode signedFetch}. */
export interface SignOptions {
  /**
   * Use the strong scheme (`X-Signature-Version: 2`): method, path and query are signed. On by
   * default, as new sites require it; false signs with the seed scheme.
   */
  strong?: boolean;
  /**
   * `X-Nonce` of a strong signature: a fresh random one by default, so the same request may be
   * sent twice in one second (every signature is accepted once); null sends none.
   */
  nonce?: string | null;
  /** `X-Timestamp`, unix seconds; now by default. */
  timestamp?: number;
  /**
   * Headers sent on top of the signed ones (they win, so a test can spoil one); a header
   * set to null is not sent at all.
   */
  headers?: Record<string, string | null>;
  /**
   * The server is not the processor's app (a test's own route behind siteAuth): its answers
   * are not checked against the OpenAPI document.
   */
  foreignServer?: boolean;
}

const encoder = new TextEncoder();

/**
 * The path and query as the server will see them: the URL parser's normal form of
 * `pathAndQuery`, which is what a strong signature must cover.
 */
export function normalPathAndQuery(pathAndQuery: string): string {
  const url = new URL(pathAndQuery, "http://merchant.invalid");
  return url.pathname + url.search;
}

/**
 * The authentication headers of a request: `X-Site-Id`, `X-Timestamp`, `X-Signature` and,
 * for the strong scheme, `X-Signature-Version: 2` and `X-Nonce`. `body` is signed as its exact bytes
 * (a string as UTF-8).
 */
export function signedHeaders(
  site: SiteCredentials,
  method: string,
  pathAndQuery: string,
  body: string | Uint8Array = "",
  options: SignOptions = {},
): Record<string, string> {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const strong = options.strong ?? true;
  const nonce = !strong || options.nonce === null
    ? undefined
    : options.nonce ?? crypto.randomUUID().replaceAll("-", "");
  const signature = signRequest(site.apiSecret, strong ? "strong" : "seed", {
    timestamp,
    method,
    pathAndQuery: normalPathAndQuery(pathAndQuery),
    body: typeof body === "string" ? encoder.encode(body) : body,
    nonce,
  });
  const headers: Record<string, string> = {
    "X-Site-Id": site.siteId,
    "X-Timestamp": timestamp,
    "X-Signature": signature,
  };
  if (strong) headers["X-Signature-Version"] = "2";
  if (nonce !== undefined) headers["X-Nonce"] = nonce;
  return headers;
}

/**
 * Signs and sends `method pathAndQuery` to `baseUrl` (no trailing slash), with `body` as the
 * raw request body (`Content-Type: application/json` unless overridden), and reads the whole
 * answer.
 */
export async function signedFetch(
  baseUrl: string,
  site: SiteCredentials,
  method: string,
  pathAndQuery: string,
  body?: string | Uint8Array,
  options: SignOptions = {},
): Promise<ApiResponse> {
  const headers = new Headers(signedHeaders(site, method, pathAndQuery, body ?? "", options));
  if (body !== undefined && body.length > 0) headers.set("Content-Type", "application/json");
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) headers.delete(name);
    else headers.set(name, value);
  }
  // A copy, because fetch wants a Uint8Array backed by a plain ArrayBuffer.
  const payload = typeof body === "string" ? body : body?.slice();
  const response = await fetch(baseUrl + pathAndQuery, { method, headers, body: payload });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const answer = { status: response.status, headers: response.headers, text, json };
  // Every signed answer of the app is also checked against the OpenAPI document.
  if (!options.foreignServer) checkAgainstDocument(method, pathAndQuery, answer);
  return answer;
}
