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
