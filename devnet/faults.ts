/**
 * Fault injection every devnet shares: fail the next calls of an endpoint, fail calls at a
 * seeded random rate, lose the next broadcasts, report a lagging height, and hold "timeout"
 * requests until their time passes or the devnet closes. What is decided here is the same for
 * every chain; how a fault looks on a chain's wire (status codes, bodies) is that chain's,
 * given as {@linkcode FaultAnswers}.
 *
 * @module
 */

import type { DevnetFaultInjection, FaultKind } from "../core/plugin.ts";

/** How an injected failure looks to the client (the plugin contract's kinds). */
export type { FaultKind };

/**
 * The fault controls every devnet offers: the contract's {@linkcode DevnetFaultInjection}
 * (what the conformance suite drives) and more for a chain's own tests.
 */
export interface FaultControl extends DevnetFaultInjection {
  /**
   * Fails the next `count` calls of `target` (an endpoint, "*" = any). "error" and
   * "ratelimit" answer at once as the chain's API answers them; "timeout" holds the request
   * for the configured time (or until the devnet closes) and then answers 504.
   */
  failNext(target: string, count: number, kind: FaultKind): void;
  /** Fails calls of `target` ("*" = any) with probability `p` ("error" kind). */
  errorRate(target: string, p: number): void;
  /** Reseeds the random numbers of {@link FaultControl.errorRate}. */
  seed(seed: number): void;
  /** Accepts the next `count` broadcasts as the node would, but never executes them. */
  dropNextBroadcasts(count: number): void;
  /** Makes the node report a tip `blocks` behind the real one. */
  lagHeight(blocks: number): void;
  /** Current lag set by {@link FaultControl.lagHeight}. */
  readonly lag: number;
  /** Requests currently held by a "timeout" fault. */
  readonly heldRequests: number;
  /** Clears every fault. */
  reset(): void;
}

/** How a chain's API answers each kind of injected fault. */
export type FaultAnswers = Readonly<Record<FaultKind, () => Response>>;

/** Options of {@linkcode DevnetFaults}. */
export interface DevnetFaultsOptions {
  /** Maps an endpoint name to the key faults are stored under (default: as given). */
  normalize?: (target: string) => string;
  /** First seed of the random numbers of `errorRate` (default 1). */
  seed?: number;
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

function wholeCount(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${what} must be a non-negative integer`);
  return n;
}

/** The fault state of one devnet and the decisions it makes per request. */
export class DevnetFaults implements FaultControl {
  #next: { target: string; count: number; kind: FaultKind }[] = [];
  #rates = new Map<string, number>();
  #rng: () => number;
  #drops = 0;
  #lag = 0;
  #held = 0;
  readonly #normalize: (target: string) => string;

  /** A devnet's faults, none set. */
  constructor(options: DevnetFaultsOptions = {}) {
    this.#normalize = options.normalize ?? ((t) => t);
    this.#rng = mulberry32(options.seed ?? 1);
  }

  #key(target: string): string {
    return target === "*" ? target : this.#normalize(target);
  }

  /** {@inheritDoc FaultControl.failNext} */
  failNext(target: string, count: number, kind: FaultKind): void {
    if (wholeCount(count, "count") > 0) this.#next.push({ target: this.#key(target), count, kind });
  }

  /** {@inheritDoc FaultControl.errorRate} */
  errorRate(target: string, p: number): void {
    if (!(p >= 0 && p <= 1)) throw new Error("p must be within [0, 1]");
    if (p === 0) this.#rates.delete(this.#key(target));
    else this.#rates.set(this.#key(target), p);
  }

  /** {@inheritDoc FaultControl.seed} */
  seed(seed: number): void {
    this.#rng = mulberry32(seed);
  }

  /** {@inheritDoc FaultControl.dropNextBroadcasts} */
  dropNextBroadcasts(count: number): void {
    this.#drops = wholeCount(count, "count");
  }

  /** {@inheritDoc FaultControl.lagHeight} */
  lagHeight(blocks: number): void {
    this.#lag = wholeCount(blocks, "blocks");
  }

  /** {@inheritDoc FaultControl.lag} */
  get lag(): number {
    return this.#lag;
  }

  /** {@inheritDoc FaultControl.heldRequests} */
  get heldRequests(): number {
    return this.#held;
  }

  /** {@inheritDoc FaultControl.reset} */
  reset(): void {
    this.#next = [];
    this.#rates.clear();
    this.#drops = 0;
    this.#lag = 0;
  }

  /**
   * The fault for one call of `target`, or null when none applies: a queued one first (and
   * consumed), else the error rate of `target` or of "*".
   */
  decide(target: string): FaultKind | null {
    const key = this.#normalize(target);
    const i = this.#next.findIndex((f) => f.target === key || f.target === "*");
    if (i >= 0) {
      const f = this.#next[i];
      if (--f.count === 0) this.#next.splice(i, 1);
      return f.kind;
    }
    const p = this.#rates.get(key) ?? this.#rates.get("*");
    if (p !== undefined && this.#rng() < p) return "error";
    return null;
  }

  /** Whether this broadcast is to be lost (consumes one of `dropNextBroadcasts`). */
  takeDrop(): boolean {
    if (this.#drops === 0) return false;
    this.#drops--;
    return true;
  }

  /** Holds a "timeout" request for `ms`, or until `signal` aborts (the devnet closes). */
  hold(ms: number, signal: AbortSignal): Promise<void> {
    this.#held++;
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.#held--;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  /**
   * The answer to one request to `target` when a fault is due, a "timeout" after holding it
   * `holdMs` (or until `signal` aborts); null when the request is to be served.
   */
  async answer(
    target: string,
    answers: FaultAnswers,
    holdMs: number,
    signal: AbortSignal,
  ): Promise<Response | null> {
    const kind = this.decide(target);
    if (kind === null) return null;
    if (kind === "timeout") await this.hold(holdMs, signal);
    return answers[kind]();
  }
}
