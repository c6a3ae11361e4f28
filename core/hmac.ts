/**
 * The HMAC signature scheme of the merchant API and of every webhook, in one place.
 *
 * - Seed scheme (`shared/seeds/public-deposits-api.txt`):
 *   `X-Signature = hex(HMAC-SHA256(api_secret, timestamp + "." + raw_body))`.
 * - Strong scheme (`X-Signature-Version: 2`): the method, the path with its query and the raw
 *   body are all signed, `timestamp + "." + METHOD + "." + path?query + "." + raw_body`, so a
 *   signature made for one request cannot be replayed on another path within the window.
 *   With an `X-Nonce` header the nonce is signed too, right after the timestamp
 *   (`timestamp + "." + nonce + "." + METHOD + ...`), so a client may send the same request
 *   twice in one second: the server accepts every signature once only (api/site_auth.ts).
 *   A method never contains a dot, so a signature with a nonce never equals one without.
 *
 * Bodies are signed and verified as raw bytes, never re-serialized JSON. Comparison is
 * constant-time over the decoded bytes.
 *
 * @module
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { Buffer } from "node:buffer";

/** Which string a signature covers. */
export type SignatureScheme = "seed" | "strong";

/** What a request's signature is computed over. */
export interface SignedRequest {
  /** `X-Timestamp`: unix seconds, as sent. */
  timestamp: string;
  /** HTTP method, upper case (strong scheme only). */
  method: string;
  /** Path with its query string, as sent (strong scheme only). */
  pathAndQuery: string;
  /** The raw body bytes (empty for GET). */
  body: Uint8Array;
  /** `X-Nonce`, when sent (strong scheme only; see {@linkcode NONCE_PATTERN}). */
  nonce?: string;
}

/** What an `X-Nonce` may be: 1 to 64 letters, digits, `-` and `_`. */
export const NONCE_PATTERN: RegExp = /^[A-Za-z0-9_-]{1,64}$/;

const encoder = new TextEncoder();

/** The bytes the scheme signs. */
function signedBytes(scheme: SignatureScheme, r: SignedRequest): Uint8Array {
  const head = scheme === "seed"
    ? `${r.timestamp}.`
    : `${r.timestamp}.${
      r.nonce === undefined ? "" : r.nonce + "."
    }${r.method.toUpperCase()}.${r.pathAndQuery}.`;
  const prefix = encoder.encode(head);
  const out = new Uint8Array(prefix.length + r.body.length);
  out.set(prefix);
  out.set(r.body, prefix.length);
  return out;
}

/** Lowercase hex HMAC-SHA256 of the request under `scheme`. */
export function signRequest(secret: string, scheme: SignatureScheme, r: SignedRequest): string {
  return createHmac("sha256", secret).update(signedBytes(scheme, r)).digest("hex");
}

/** Whether `signature` (hex, any case) is the HMAC of the request; constant-time. */
export function verifyRequest(
  secret: string,
  scheme: SignatureScheme,
  r: SignedRequest,
  signature: string,
): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(signature)) return false;
  const expected = createHmac("sha256", secret).update(signedBytes(scheme, r)).digest();
  return timingSafeEqual(expected, Buffer.from(signature, "hex"));
}

/**
 * Whether `timestamp` (unix seconds, digits only) lies within `windowSeconds` of `nowMs`,
 * in either direction.
 */
export function freshTimestamp(timestamp: string, nowMs: number, windowSeconds: number): boolean {
  if (!/^[0-9]{1,12}$/.test(timestamp)) return false;
  return Math.abs(Number(timestamp) - Math.floor(nowMs / 1000)) <= windowSeconds;
}
