/**
 * The invoice matcher: one pass moves each open invoice a step as its payments arrive and
 * confirm.
 *
 * Decisions:
 * - The window ends by the chain's clock: an invoice expires once the scanned chain time is
 *   past `expiresAt`, so a payment in time is never judged late because ingest lagged.
 * - One transition per invoice per tick, so `check → process → confirm_check → paid` is each
 *   seen (and sent as a webhook) even where a payment is final at once.
 * - Underpaid and final while the window is open: it waits for more (payments add up);
 *   `wrong_amount` once the window ends. Exact or more: decided at once.
 * - Payments after the decision or the window are recorded as late, shown, and refundable.
 */

import { assetOf, type ProcessorContext } from "./context.ts";
import { settlementOf } from "./invoice_status.ts";
import { loadCursor } from "./store/cursors.ts";
import { invoicePayments, type InvoiceRecord, openInvoices } from "./store/invoices.ts";
import { withdrawalById } from "./store/withdrawals.ts";
import { move } from "./invoice_transitions.ts";

/** What one matcher pass did. */
export interface InvoiceTick {
  /** Invoices that moved a step. */
  moved: number;
}

/** The next step of one open invoice, if any is due. */
async function step(
  ctx: ProcessorContext,
  invoice: InvoiceRecord,
  chainTimeMs: number | null,
): Promise<boolean> {
  const found = assetOf(ctx, invoice.assetCode);
  if (!found) return (await move(ctx, invoice, "undecidable")) !== null;
  const required = found.plugin.requiredConfirmations;
  const payments = (await invoicePayments(ctx.db, invoice.id)).filter((p) => !p.late);
  const windowOver = chainTimeMs !== null && chainTimeMs > invoice.expiresAt;
  switch (invoice.status) {
    case "check":
      if (payments.length) return (await move(ctx, invoice, "detected")) !== null;
      if (windowOver) return (await move(ctx, invoice, "expire")) !== null;
      return false;
    case "process":
      if (!payments.length) return (await move(ctx, invoice, "dropped")) !== null;
      return (await move(ctx, invoice, "confirming")) !== null;
    case "confirm_check": {
      if (!payments.length) return (await move(ctx, invoice, "dropped")) !== null;
      if (payments.some((p) => p.confirmations < required)) return false;
      const total = payments.reduce((s, p) => s + p.amount, 0n);
      const settled = settlementOf(
        total,
        invoice.expectedAmount,
        ctx.config.public.underpaymentToleranceBps,
      );
      if (settled === "exact") return (await move(ctx, invoice, "settled_exact")) !== null;
      if (settled === "over") return (await move(ctx, invoice, "settled_over")) !== null;
      // Less than expected: more may come while the window is open.
      if (windowOver) return (await move(ctx, invoice, "settled_under")) !== null;
      return false;
    }
    case "refund_process": {
      if (invoice.refundWithdrawalId === null) return false;
      const w = await withdrawalById(ctx.db, invoice.refundWithdrawalId);
      if (w?.status === "processed") return (await move(ctx, invoice, "refund_sent")) !== null;
      if (w?.status === "failed") return (await move(ctx, invoice, "refund_failed")) !== null;
      return false;
    }
    default:
      return false;
  }
}

/**
 * One matcher pass: each open invoice moves one step (payments are attached to invoices at
 * ingest, see `store/invoices.ts`).
 */
export async function invoiceTick(ctx: ProcessorContext, limit = 500): Promise<InvoiceTick> {
  const chainTimes = new Map<string, number | null>();
  let moved = 0;
  for (const invoice of await openInvoices(ctx.db, limit)) {
    if (!chainTimes.has(invoice.chain)) {
      const cursor = await loadCursor(ctx.db, invoice.chain);
      chainTimes.set(invoice.chain, cursor ? cursor.time * 1000 : null);
    }
    if (await step(ctx, invoice, chainTimes.get(invoice.chain)!)) moved++;
  }
  return { moved };
}
