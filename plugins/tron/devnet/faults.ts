/**
 * Fault injection for the TRON devnet's HTTP API.
 *
 * @module
 */

import { DevnetFaults, type FaultKind } from "../../../devnet/faults.ts";

export type { FaultKind };

/** Runtime fault controls exposed on the devnet. */
export interface TronFaultControl {
  /**
   * Fails the next `count` requests to `path` (e.g. `/wallet/getnowblock`, or
   * `getnowblock`; `"*"` = any path). "error" answers HTTP 503, "ratelimit"
   * HTTP 429 (TronGrid's), "timeout" holds the request for the configured time
   * (or until close) and then answers 504.
   */
  failNext(path: string, count: number, kind: FaultKind): void;
  /** Makes the node report a head `blocks` behind the real one (getnowblock, getblock, by-number reads). */
  lagHeight(blocks: number): void;
  /** Current lag set by {@link TronFaultControl.lagHeight}. */
  readonly lag: number;
  /** Requests currently held by a "timeout" fault. */
  readonly heldRequests: number;
  /** Clears every fault. */
  reset(): void;
}

function normalize(path: string): string {
  if (path === "*") return path;
  const trimmed = path.replace(/^\/+|\/+$/g, "");
  return trimmed.includes("/") ? trimmed.toLowerCase() : `wallet/${trimmed.toLowerCase()}`;
}

/** Default {@link TronFaultControl}. */
export class TronFaults extends DevnetFaults implements TronFaultControl {
  constructor() {
    super(normalize);
  }

  /** Decides (and consumes) the fault for one request to `path`. */
  decide(path: string): FaultKind | null {
    return this.consume(path);
  }
}
