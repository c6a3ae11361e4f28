/**
 * Fault injection for the TON devnet's JSON-RPC server.
 *
 * @module
 */

/** How an injected failure looks to the client. */
export type FaultKind = "error" | "timeout" | "ratelimit";

/** A decision for one request. */
export type FaultDecision = { kind: FaultKind } | null;

/** Runtime fault controls exposed on the devnet. */
export interface FaultControl {
  /**
   * Fails the next `count` calls of `method` ("*" = any method). "error"
   * answers HTTP 500, "ratelimit" HTTP 429, "timeout" holds the request for
   * the configured hold time and then answers 504.
   */
  failNext(method: string, count: number, kind: FaultKind): void;
  /** Fails calls of `method` ("*" = any) with probability `p` ("error" kind). */
  errorRate(method: string, p: number): void;
  /** Reseeds the RNG used by {@link FaultControl.errorRate}. */
  seed(seed: number): void;
  /** Accepts the next `count` sendBoc messages with ok:true but never executes them. */
  dropNextExternals(count: number): void;
  /** Makes getMasterchainInfo report a tip `blocks` behind the real one. */
  lagHeight(blocks: number): void;
  /** Current lag set by {@link FaultControl.lagHeight}. */
  readonly lag: number;
  /** Requests currently held by a "timeout" fault. */
  readonly heldRequests: number;
  /** Clears every fault. */
  reset(): void;
}

/** Small deterministic PRNG (mulberry32) so fault sequences are reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Default {@link FaultControl} used by the devnet server. */
export class Faults implements FaultControl {
  private next: { method: string; count: number; kind: FaultKind }[] = [];
  private rates = new Map<string, number>();
  private rng: () => number;
  private drops = 0;
  private lagBlocks = 0;
  /** Maintained by the server around "timeout" holds. */
  held = 0;

  /** @param seed initial RNG seed for error rates. */
  constructor(seed = 1) {
    this.rng = mulberry32(seed);
  }

  /** {@inheritDoc FaultControl.failNext} */
  failNext(method: string, count: number, kind: FaultKind): void {
    if (!Number.isInteger(count) || count < 0) {
      throw new Error("count must be a non-negative integer");
    }
    if (count > 0) this.next.push({ method, count, kind });
  }

  /** {@inheritDoc FaultControl.errorRate} */
  errorRate(method: string, p: number): void {
    if (!(p >= 0 && p <= 1)) throw new Error("p must be within [0, 1]");
    if (p === 0) this.rates.delete(method);
    else this.rates.set(method, p);
  }

  /** {@inheritDoc FaultControl.seed} */
  seed(seed: number): void {
    this.rng = mulberry32(seed);
  }

  /** {@inheritDoc FaultControl.dropNextExternals} */
  dropNextExternals(count: number): void {
    if (!Number.isInteger(count) || count < 0) {
      throw new Error("count must be a non-negative integer");
    }
    this.drops = count;
  }

  /** {@inheritDoc FaultControl.lagHeight} */
  lagHeight(blocks: number): void {
    if (!Number.isInteger(blocks) || blocks < 0) {
      throw new Error("blocks must be a non-negative integer");
    }
    this.lagBlocks = blocks;
  }

  /** {@inheritDoc FaultControl.lag} */
  get lag(): number {
    return this.lagBlocks;
  }

  /** {@inheritDoc FaultControl.heldRequests} */
  get heldRequests(): number {
    return this.held;
  }

  /** {@inheritDoc FaultControl.reset} */
  reset(): void {
    this.next = [];
    this.rates.clear();
    this.drops = 0;
    this.lagBlocks = 0;
  }

  /** Decides (and consumes) the fault for one call of `method`. */
  decide(method: string): FaultDecision {
    const i = this.next.findIndex((f) => f.method === method || f.method === "*");
    if (i >= 0) {
      const f = this.next[i];
      if (--f.count === 0) this.next.splice(i, 1);
      return { kind: f.kind };
    }
    const p = this.rates.get(method) ?? this.rates.get("*");
    if (p !== undefined && this.rng() < p) return { kind: "error" };
    return null;
  }

  /** True when this external must be silently dropped (consumes one drop). */
  takeDrop(): boolean {
    if (this.drops === 0) return false;
    this.drops--;
    return true;
  }
}
