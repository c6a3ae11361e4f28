/**
 * Shared helpers for the TON devnet tests.
 *
 * @module
 */

import { TonClient } from "@ton/ton";
import { startTonDevnet, type TonDevnet } from "../../../../plugins/ton/devnet/server.ts";

/** Runs `fn` on a devnet that only produces blocks on demand, closing it afterwards. */
export async function withDevnet(
  fn: (devnet: TonDevnet, client: TonClient) => Promise<void>,
): Promise<void> {
  const devnet = await startTonDevnet({ blockIntervalMs: 0 });
  try {
    await fn(devnet, new TonClient({ endpoint: devnet.endpoint }));
  } finally {
    await devnet.close();
  }
}

/** Seals one block and returns what the queued work resolved with. */
export async function inBlock<T>(devnet: TonDevnet, work: Promise<T>): Promise<T> {
  await devnet.produceBlock();
  return await work;
}

/** A raw toncenter response with its HTTP status. */
export interface RawResponse {
  /** HTTP status. */
  status: number;
  /** Parsed JSON body. */
  body: {
    ok: boolean;
    result?: unknown;
    error?: string;
    code?: number;
    id?: unknown;
    jsonrpc?: string;
  };
}

/** Posts one JSON-RPC call the way toncenter clients do. */
export async function rpc(
  endpoint: string,
  method: string,
  params: Record<string, unknown> = {},
): Promise<RawResponse> {
  const res = await fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ id: "1", jsonrpc: "2.0", method, params }),
  });
  return { status: res.status, body: await res.json() };
}

/** Like {@link rpc} but asserts ok and returns `result`. */
export async function call<T = Record<string, unknown>>(
  endpoint: string,
  method: string,
  params: Record<string, unknown> = {},
): Promise<T> {
  const r = await rpc(endpoint, method, params);
  if (r.status !== 200 || !r.body.ok) {
    throw new Error(`${method} failed: ${r.status} ${JSON.stringify(r.body)}`);
  }
  return r.body.result as T;
}

/** Reads a toncenter fixture's `result`. */
export async function fixture(name: string): Promise<unknown> {
  const text = await Deno.readTextFile(
    new URL(`../../../fixtures/ton/toncenter_v2/${name}.json`, import.meta.url),
  );
  const parsed = JSON.parse(text);
  return Array.isArray(parsed) ? parsed : parsed.result;
}

/** Recursively asserts `actual` has every key of `expected` with the same JSON type. */
export function assertSameShape(actual: unknown, expected: unknown, path = "$"): void {
  const kind = (
    v: unknown,
  ): string => (Array.isArray(v) ? "array" : v === null ? "null" : typeof v);
  if (kind(actual) !== kind(expected)) {
    throw new Error(`${path}: expected ${kind(expected)}, got ${kind(actual)}`);
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length > 0 && actual.length > 0) {
      assertSameShape(actual[0], expected[0], `${path}[0]`);
    }
    return;
  }
  if (expected && typeof expected === "object") {
    for (const [k, v] of Object.entries(expected)) {
      if (k === "@extra") continue;
      const a = (actual as Record<string, unknown>)[k];
      if (a === undefined) throw new Error(`${path}.${k}: missing`);
      if (k === "@type" && a !== v) throw new Error(`${path}.@type: expected ${v}, got ${a}`);
      assertSameShape(a, v, `${path}.${k}`);
    }
  }
}

/** The written form of a string value: what a client must parse it as. */
export function stringForm(v: string): string {
  if (v === "") return "empty";
  if (/^-?\d+$/.test(v)) return "decimal";
  if (/^-?0x[0-9a-f]+$/.test(v)) return "hex-int";
  if (/^-?\d+:[0-9a-f]{64}$/.test(v)) return "raw-address";
  if (/^[EUkf0][QfA-Za-z0-9_-]{47}$/.test(v)) return "friendly-address";
  if (/^[A-Za-z0-9+/]{43}=$/.test(v)) return "base64-32";
  if (/^[0-9a-fA-F]{64}$/.test(v)) return "hex-32";
  if (/^te6cc[A-Za-z0-9+/]*=*$/.test(v)) return "boc-base64";
  return "text";
}

/**
 * Recursively asserts that every string of `expected` is written in the same form in `actual`
 * (decimal or hex integer, raw or friendly address, base64 or hex hash, BOC): the shapes
 * alone would let a hex hash pass for a base64 one.
 */
export function assertSameForms(actual: unknown, expected: unknown, path = "$"): void {
  if (typeof expected === "string" && typeof actual === "string") {
    const [a, e] = [stringForm(actual), stringForm(expected)];
    if (a !== e) throw new Error(`${path}: expected ${e} like ${expected}, got ${a}: ${actual}`);
    return;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length > 0 && actual.length > 0) {
      assertSameForms(actual[0], expected[0], `${path}[0]`);
    }
    return;
  }
  if (expected && typeof expected === "object" && actual && typeof actual === "object") {
    for (const [k, v] of Object.entries(expected)) {
      if (k === "@extra") continue;
      assertSameForms((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    }
  }
}
