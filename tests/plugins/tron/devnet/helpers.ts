/**
 * Shared helpers for the TRON devnet tests.
 *
 * @module
 */
import { hex, secp256k1, sha256 } from "../../../../plugins/tron/deps.ts";
import { tronAddressFromPublicKey } from "../../../../plugins/tron/address.ts";

/** A test key pair. */
export interface TestKey {
  /** Private key, hex. */
  privateKey: string;
  /** Base58 address. */
  address: string;
  /** `41…` hex address. */
  hex: string;
}

/** Deterministic key for a label. */
export function testKey(label: string): TestKey {
  const privateKey = hex.encode(sha256(new TextEncoder().encode(`test:${label}`)));
  const a = tronAddressFromPublicKey(secp256k1.getPublicKey(hex.decode(privateKey)));
  return { privateKey, address: a.address, hex: a.hex };
}

/** POSTs JSON to a node path and returns the parsed body. */
export async function post(
  endpoint: string,
  path: string,
  body: unknown = {},
): Promise<Record<string, unknown> & { [k: string]: unknown }> {
  const res = await fetch(`${endpoint}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${text}`);
  return JSON.parse(text);
}

/** Hex-decodes a node `message` field. */
export function message(hexText: unknown): string {
  return new TextDecoder().decode(hex.decode(String(hexText)));
}
