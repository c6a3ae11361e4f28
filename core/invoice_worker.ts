/**
 * The invoice matcher's worker loop.
 */

import { type ProcessorContext } from "./context.ts";
import { runWorkerLoop, type WorkerOptions } from "./worker_loop.ts";
import { invoiceTick } from "./invoice_matching.ts";

/** Runs the matcher, a pass every interval, until `signal` aborts. */
export async function runInvoices(
  ctx: ProcessorContext,
  signal: AbortSignal,
  options: WorkerOptions = {},
): Promise<void> {
  await runWorkerLoop(ctx, signal, async () => void await invoiceTick(ctx), {
    ...options,
    failure: "invoice matcher failed",
  });
}
