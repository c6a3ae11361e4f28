/**
 * Fault injection shared by the devnets: fail the next calls of an endpoint, report a
 * lagging height, and hold "timeout" requests until their time passes or the devnet closes.
 */

/** How an injected failure looks to the client. */
export type FaultKind = "error" | "timeout" | "ratelimit";

/** The fault controls every devnet offers. */
export class DevnetFaults {
  private next: { target: string; count: number; kind: FaultKind }[] = [];
  private lagBlocks = 0;
  private held = 0;

  /** @param normalize maps an endpoint name to the key faults are stored under. */
  constructor(private readonly normalize: (target: string) => string = (t) => t) {}

  /** Fails the next `count` calls of `target` ("*" = any). */
  failNext(target: string, count: number, kind: FaultKind): void {
    if (!Number.isInteger(count) || count < 0) {
      throw new Error("count must be a non-negative integer");
    }
    const key = target === "*" ? target : this.normalize(target);
    if (count > 0) this.next.push({ target: key, count, kind });
  }

  /** Makes the node report a tip `blocks` behind the real one. */
  lagHeight(blocks: number): void {
    if (!Number.isInteger(blocks) || blocks < 0) {
      throw new Error("blocks must be a non-negative integer");
    }
    this.lagBlocks = blocks;
  }

  /** Current lag set by `lagHeight`. */
  get lag(): number {
    return this.lagBlocks;
  }

  /** Requests currently held by a "timeout" fault. */
  get heldRequests(): number {
    return this.held;
  }

  /** Clears every fault. */
  reset(): void {
    this.next = [];
    this.lagBlocks = 0;
  }

  /** The queued fault for one call of `target`, consumed; null when none applies. */
  protected consume(target: string): FaultKind | null {
    const key = this.normalize(target);
    const i = this.next.findIndex((f) => f.target === key || f.target === "*");
    if (i < 0) return null;
    const f = this.next[i];
    if (--f.count === 0) this.next.splice(i, 1);
    return f.kind;
  }

  /** Holds a "timeout" request for `ms`, or until `signal` aborts (the devnet closes). */
  hold(ms: number, signal: AbortSignal): Promise<void> {
    this.held++;
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.held--;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
    });
  }
}
