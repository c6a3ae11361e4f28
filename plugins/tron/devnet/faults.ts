/**
 * Fault injection for the TRON devnet's HTTP API.
 *
 * @module
 */

/** How an injected failure looks to the client. */
export type FaultKind = "error" | "timeout" | "ratelimit";

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
export class TronFaults implements TronFaultControl {
  private next: { path: string; count: number; kind: FaultKind }[] = [];
  private lagBlocks = 0;
  /** Maintained by the server around "timeout" holds. */
  held = 0;

  /** {@inheritDoc TronFaultControl.failNext} */
  failNext(path: string, count: number, kind: FaultKind): void {
    if (!Number.isInteger(count) || count < 0) {
      throw new Error("count must be a non-negative integer");
    }
    if (count > 0) this.next.push({ path: normalize(path), count, kind });
  }

  /** {@inheritDoc TronFaultControl.lagHeight} */
  lagHeight(blocks: number): void {
    if (!Number.isInteger(blocks) || blocks < 0) {
      throw new Error("blocks must be a non-negative integer");
    }
    this.lagBlocks = blocks;
  }

  /** {@inheritDoc TronFaultControl.lag} */
  get lag(): number {
    return this.lagBlocks;
  }

  /** {@inheritDoc TronFaultControl.heldRequests} */
  get heldRequests(): number {
    return this.held;
  }

  /** {@inheritDoc TronFaultControl.reset} */
  reset(): void {
    this.next = [];
    this.lagBlocks = 0;
  }

  /** Decides (and consumes) the fault for one request to `path`. */
  decide(path: string): FaultKind | null {
    const p = normalize(path);
    const i = this.next.findIndex((f) => f.path === p || f.path === "*");
    if (i < 0) return null;
    const f = this.next[i];
    if (--f.count === 0) this.next.splice(i, 1);
    return f.kind;
  }
}
