/**
 * Fault injection for the TON devnet's JSON-RPC server.
 *
 * @module
 */

import { DevnetFaults, type FaultKind } from "../../../devnet/faults.ts";

export type { FaultKind };

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
export class Faults extends DevnetFaults implements FaultControl {
  private rates = new Map<string, number>();
  private rng: () => number;
  private drops = 0;

  /** @param seed initial RNG seed for error rates. */
  constructor(seed = 1) {
    super();
    this.rng = mulberry32(seed);
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

  /** {@inheritDoc FaultControl.reset} */
  override reset(): void {
    super.reset();
    this.rates.clear();
    this.drops = 0;
  }

  /** Decides (and consumes) the fault for one call of `method`. */
  decide(method: string): FaultDecision {
    const kind = this.consume(method);
    if (kind) return { kind };
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
