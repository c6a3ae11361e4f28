/** Test helpers for waiting on a running processor and for simulating crashes. */

import type { ChainPlugin } from "../../core/plugin.ts";

/** Polls `probe` until it gives a value (not null), or throws after `ms`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | null>,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== null) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Makes the plugin's broadcasts fail, as a process that dies right after persisting would;
 * returns the function that restores them.
 */
export function crashingBroadcast(h: { plugin: ChainPlugin }): () => void {
  const original = h.plugin.sender.broadcast;
  h.plugin.sender.broadcast = () => Promise.reject(new Error("process died"));
  return () => {
    h.plugin.sender.broadcast = original;
  };
}
