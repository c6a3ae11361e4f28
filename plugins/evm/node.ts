/**
 * The EVM plugin's JSON-RPC client: viem's public client over HTTP, with no retries of its
 * own (the core's loops retry, from the same cursor or payload) and every failed call told to
 * the node observer by method.
 *
 * @module
 */

import { createPublicClient, custom, http, type PublicClient } from "viem";
import { NO_NODE_OBSERVER, type NodeObserver } from "../../core/node_observer.ts";

/** How to reach the node. */
export interface EvmNodeOptions {
  /** JSON-RPC URL. */
  endpoint: string;
  /** Sent as `Authorization: Bearer …` when set. */
  apiKey?: string;
  /** How long one request may take, milliseconds. */
  timeoutMs: number;
  /** Told of failed calls and heads. */
  observer?: NodeObserver;
}

/** A viem public client on the node; `observer.head` is the caller's to report. */
export function createEvmNode(options: EvmNodeOptions): PublicClient {
  const observer = options.observer ?? NO_NODE_OBSERVER;
  const inner = http(options.endpoint, {
    timeout: options.timeoutMs,
    retryCount: 0,
    fetchOptions: options.apiKey ? { headers: { Authorization: `Bearer ${options.apiKey}` } } : {},
  })({ retryCount: 0 });
  const transport = custom({
    async request(args: { method: string; params?: unknown }): Promise<unknown> {
      try {
        return await inner.request(args as Parameters<typeof inner.request>[0]);
      } catch (error) {
        observer.error(args.method);
        throw error;
      }
    },
  }, { retryCount: 0 });
  return createPublicClient({ transport, cacheTime: 0 });
}
