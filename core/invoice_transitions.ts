/**
 * Moving an invoice through its status machine, each transition written together with its
 * webhook event.
 */

import { type ProcessorContext } from "./context.ts";
import { type InvoiceRecord, transitionInvoice } from "./store/invoices.ts";
import { enqueueEvent } from "./store/outbox.ts";
import type { Queryable } from "./db.ts";
import { DEPOSIT_EVENT, render } from "./invoice_render.ts";

/** Writes a transition and its webhook event in one transaction; null if it moved already. */
export async function move(
  ctx: ProcessorContext,
  invoice: InvoiceRecord,
  event: Parameters<typeof transitionInvoice>[3],
): Promise<InvoiceRecord | null> {
  return await ctx.db.transaction((tx) => transitionWithEvent(ctx, tx, invoice, event));
}

/**
 * Moves an invoice in the caller's transaction and writes the webhook event of the change in
 * it too, so there is an event exactly when there is a change; null if it moved already.
 */
export async function transitionWithEvent(
  ctx: ProcessorContext,
  tx: Queryable,
  invoice: InvoiceRecord,
  event: Parameters<typeof transitionInvoice>[3],
  set: { refundWithdrawalId?: bigint } = {},
): Promise<InvoiceRecord | null> {
  const moved = await transitionInvoice(tx, invoice.id, invoice.status, event, set);
  if (!moved) return null;
  await enqueueEvent(tx, {
    siteId: moved.siteId,
    stream: `deposit:${moved.uuid}`,
    type: DEPOSIT_EVENT,
    data: { deposit: await render(ctx, tx, moved) },
    now: ctx.clock.now(),
  });
  return moved;
}
