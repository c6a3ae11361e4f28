/**
 * The lifecycle of payloads that expire on chain: a transaction the chain refuses after its
 * `validUntil`. Such a payload is dead once the scanner has committed a block whose time is
 * past its validity plus a margin, with no sighting of it.
 *
 * @module
 */

import type { PayloadLifecycle } from "./plugin.ts";

/**
 * A lifecycle for payloads that expire on chain. `marginSeconds` covers blocks made before
 * the validity ended but committed after the scanned block (the chain's finality lag). A
 * payload without `validUntil` never dies by this rule.
 */
export function expiresOnChain(marginSeconds: number): PayloadLifecycle {
  return {
    state(payload, cursor) {
      if (payload.validUntil === null) return { state: "pending" };
      const after = payload.validUntil + marginSeconds;
      // Every block up to cursor.time is ingested and none held it: it can never land.
      if (cursor.time > after) {
        return {
          state: "dead",
          reason: "expired",
          detail: `scanned chain time ${cursor.time} is past its validity ${after}`,
        };
      }
      return { state: "pending" };
    },
  };
}
