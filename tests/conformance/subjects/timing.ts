/**
 * Timings every subject's devnet and section share: a client gives up on a request well
 * before a "timeout" fault answers, so that fault is a real client-side timeout.
 */

/** How long the plugin's node client waits for an answer (section `requestTimeoutMs`). */
export const REQUEST_TIMEOUT_MS = 2_000;

/** How long a devnet holds a request under a "timeout" fault before answering 504. */
export const FAULT_HOLD_MS = 3_000;
