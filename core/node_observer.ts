/**
 * What a chain plugin's node client reports as it works, for metrics: each failed call by its
 * RPC method, and each head height the node announces. Plugins call it; the core decides what
 * to do with it (see `core/metrics.ts`).
 */

/** Receives one chain's node events. */
export interface NodeObserver {
  /** A node call failed (transport, HTTP status, node error or unusable answer). */
  error(method: string): void;
  /** The node reported its head at `height`. */
  head(height: number | bigint): void;
}

/** An observer that ignores everything (tests, tools). */
export const NO_NODE_OBSERVER: NodeObserver = { error() {}, head() {} };
