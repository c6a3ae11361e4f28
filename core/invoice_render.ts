/**
 * The deposit object as the merchant API and webhooks render it: amounts in whole units,
 * times in ISO 8601, explorer links of the invoice's chain, the checkout page's URL.
 */

import { formatUnits } from "./amount.ts";
import { assetOf, type ProcessorContext } from "./context.ts";
import { type InvoiceStatus } from "./invoice_status.ts";
import { type InvoicePayment, invoicePayments, type InvoiceRecord } from "./store/invoices.ts";
import type { Queryable } from "./db.ts";

/** A UUID in its canonical 8-4-4-4-12 hex layout, any case. */
export const UUID_PATTERN: RegExp =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The webhook event type of every status change. */
export const DEPOSIT_EVENT = "deposit.status_changed";

/** The `transaction` object of a deposit. */
export interface DepositTransactionJson {
  networkStatus: "confirming" | "confirmed";
  receivedAmount: string;
  txhash: string;
  confirmations: number;
  requiredConfirmations: number;
  blockNumber: string;
  explorerTxUrl: string | null;
  detectedAt: string;
  paidAt: string | null;
}

/** A deposit as `GET /v1/public/deposits/{uuid}` answers it, and as webhooks carry it. */
export interface DepositJson {
  uuid: string;
  orderId: string;
  address: string;
  memo: string | null;
  assetCode: string;
  expectedAmount: string;
  status: InvoiceStatus;
  expiresAt: string;
  explorerAddressUrl: string | null;
  transaction: DepositTransactionJson | null;
  /** Additions to the seed: every payment, late ones included, and the merchant's data. */
  payments: {
    txhash: string;
    amount: string;
    confirmations: number;
    blockNumber: string;
    late: boolean;
    refunded: boolean;
    detectedAt: string;
  }[];
  metadata: Record<string, unknown> | null;
  createdAt: string;
  /** The hosted checkout page of this deposit, absolute: send the customer there. */
  paymentUrl: string;
  /** Where the checkout page sends the customer back once paid, as given at creation. */
  successUrl: string | null;
  /** Where it sends the customer back when the deposit ends unpaid, as given at creation. */
  cancelUrl: string | null;
  /** The refund's transaction hash once the chain carried it; null before and without one. */
  refundTxHash: string | null;
}

/**
 * The absolute URL of a deposit's checkout page: under `public.baseUrl`, else the URL the
 * API listens on.
 */
export function paymentUrl(ctx: ProcessorContext, uuid: string): string {
  const base = ctx.config.public.baseUrl ?? ctx.listenUrl ??
    `http://127.0.0.1:${ctx.config.api.port}`;
  return `${base.replace(/\/+$/, "")}/pay/${uuid}`;
}

/** Unix milliseconds as ISO 8601 to the second. */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function explorer(ctx: ProcessorContext, chain: string): { address: string; tx: string } | null {
  return ctx.config.public.explorers?.[chain] ?? ctx.plugins.get(chain)?.explorers ?? null;
}

/** Renders an invoice with its payments. */
export function depositJson(
  ctx: ProcessorContext,
  invoice: InvoiceRecord,
  payments: readonly InvoicePayment[],
): DepositJson {
  const found = assetOf(ctx, invoice.assetCode);
  const decimals = found?.asset.decimals ?? 0;
  const required = found?.plugin.requiredConfirmations ?? 1;
  const links = explorer(ctx, invoice.chain);
  const onTime = payments.filter((p) => !p.late);
  let transaction: DepositTransactionJson | null = null;
  if (onTime.length) {
    const last = onTime[onTime.length - 1];
    const confirmations = Math.min(...onTime.map((p) => p.confirmations));
    transaction = {
      networkStatus: confirmations >= required ? "confirmed" : "confirming",
      receivedAmount: formatUnits(onTime.reduce((s, p) => s + p.amount, 0n), decimals),
      txhash: last.txHash,
      confirmations,
      requiredConfirmations: required,
      blockNumber: last.blockHeight.toString(),
      explorerTxUrl: links ? links.tx.replace("{tx}", last.txHash) : null,
      detectedAt: iso(onTime[0].detectedAt),
      paidAt: invoice.paidAt === null ? null : iso(invoice.paidAt),
    };
  }
  return {
    uuid: invoice.uuid,
    orderId: invoice.orderId,
    address: invoice.display,
    memo: invoice.memo,
    assetCode: invoice.assetCode,
    expectedAmount: invoice.expectedText,
    status: invoice.status,
    expiresAt: iso(invoice.expiresAt),
    explorerAddressUrl: links ? links.address.replace("{address}", invoice.display) : null,
    transaction,
    payments: payments.map((p) => ({
      txhash: p.txHash,
      amount: formatUnits(p.amount, decimals),
      confirmations: p.confirmations,
      blockNumber: p.blockHeight.toString(),
      late: p.late,
      refunded: p.refundWithdrawalId !== null,
      detectedAt: iso(p.detectedAt),
    })),
    metadata: invoice.metadata,
    createdAt: iso(invoice.createdAt),
    paymentUrl: paymentUrl(ctx, invoice.uuid),
    successUrl: invoice.successUrl,
    cancelUrl: invoice.cancelUrl,
    refundTxHash: invoice.refundTxHash,
  };
}

export async function render(ctx: ProcessorContext, db: Queryable, invoice: InvoiceRecord) {
  return depositJson(ctx, invoice, await invoicePayments(db, invoice.id));
}
