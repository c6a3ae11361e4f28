/**
 * Timings the suite gives every devnet and section: a client gives up on a request well before
 * a "timeout" fault answers, so that fault is a real client-side timeout.
 */

/** How long the plugin's node client waits for an answer (`DevnetSectionOptions`). */
export const REQUEST_TIMEOUT_MS = 2_000;

/** How long a devnet holds a request under a "timeout" fault (`DevnetStartOptions`). */
export const FAULT_HOLD_MS = 3_000;
