/**
 * Cancelling deposits, refunding them, and refunding payments no deposit claims.
 */

import { formatUnits } from "./amount.ts";
import { assetOf, type ProcessorContext } from "./context.ts";
import { InputError, NotFoundError } from "./errors.ts";
import { INVOICE_TRANSITIONS } from "./invoice_status.ts";
import { addressByCanonical } from "./store/addresses.ts";
import { invoicePayments, unmatchedPayments } from "./store/invoices.ts";
import { insertWithdrawal, withdrawalById } from "./store/withdrawals.ts";
import type { ChainPlugin } from "./plugin.ts";
import { type DepositJson, iso, render } from "./invoice_render.ts";
import { requireInvoice } from "./invoice_creation.ts";
import { move, transitionWithEvent } from "./invoice_transitions.ts";

/** Largest Postgres bigint. */
const MAX_BIGINT = (1n << 63n) - 1n;

/** Cancels a deposit that has received nothing. */
export async function cancelDeposit(
  ctx: ProcessorContext,
  siteId: string,
  uuid: string,
): Promise<DepositJson> {
  const invoice = await requireInvoice(ctx, siteId, uuid);
  if (invoice.status !== "check") {
    throw new InputError("status", `a deposit in ${invoice.status} cannot be cancelled`);
  }
  const moved = await move(ctx, invoice, "cancel");
  if (!moved) throw new InputError("status", "the deposit changed meanwhile; read it again");
  return await render(ctx, ctx.db, moved);
}

/**
 * Refunds what arrived on a deposit (late payments included) to `address`, through the
 * withdrawal sender: `refund_process`, then `refund_paid` or `refund_fail`.
 */
export async function refundDeposit(
  ctx: ProcessorContext,
  siteId: string,
  uuid: string,
  to: string,
): Promise<DepositJson> {
  const invoice = await requireInvoice(ctx, siteId, uuid);
  if (!INVOICE_TRANSITIONS[invoice.status].refund_requested) {
    throw new InputError("status", `a deposit in ${invoice.status} cannot be refunded`);
  }
  const { plugin } = assetOf(ctx, invoice.assetCode) ?? {};
  if (!plugin) throw new InputError("assetCode", "this asset is no longer served");
  const parsed = await refundDestination(ctx, plugin, to);
  const payments = (await invoicePayments(ctx.db, invoice.id)).filter((p) =>
    p.refundWithdrawalId === null
  );
  const amount = payments.reduce((s, p) => s + p.amount, 0n);
  if (amount === 0n) throw new InputError("status", "nothing has arrived that is not refunded");
  // Only what is final can be refunded: a fork could still take it away.
  if (payments.some((p) => p.confirmations < plugin.requiredConfirmations)) {
    throw new InputError("status", "payments are still confirming; try again once they are final");
  }
  const moved = await ctx.db.transaction(async (tx) => {
    const { withdrawal } = await insertWithdrawal(tx, {
      chain: plugin.chain,
      currency: invoice.assetCode,
      kind: "refund",
      userId: null,
      queryId: null,
      amount,
      destination: parsed.address,
      destinationInput: to,
      comment: null,
      binaryComment: null,
    });
    await tx.query(
      `update invoice_payments set refund_withdrawal_id = $2
       where income_id = any($1::bigint[]) and refund_withdrawal_id is null`,
      [payments.map((p) => p.incomeId.toString()), withdrawal.id],
    );
    const after = await transitionWithEvent(ctx, tx, invoice, "refund_requested", {
      refundWithdrawalId: withdrawal.id,
    });
    if (!after) throw new InputError("status", "the deposit changed meanwhile; read it again");
    return after;
  });
  return await render(ctx, ctx.db, moved);
}

/** A payment no deposit claims (its memo matched none), as the operator sees it. */
export interface UnmatchedPaymentJson {
  incomeId: string;
  chain: string;
  assetCode: string;
  address: string;
  amount: string;
  comment: string | null;
  txhash: string;
  time: string;
  refundStatus: string | null;
}

/** Payments no deposit claims, newest first. */
export async function unmatched(
  ctx: ProcessorContext,
  limit: number,
): Promise<UnmatchedPaymentJson[]> {
  const rows = await unmatchedPayments(ctx.db, limit);
  const out: UnmatchedPaymentJson[] = [];
  for (const r of rows) {
    const decimals = assetOf(ctx, r.currency)?.asset.decimals ?? 0;
    const refund = r.refundWithdrawalId === null
      ? null
      : await withdrawalById(ctx.db, r.refundWithdrawalId);
    out.push({
      incomeId: r.incomeId.toString(),
      chain: r.chain,
      assetCode: r.currency,
      address: r.address,
      amount: formatUnits(r.amount, decimals),
      comment: r.comment,
      txhash: r.txHash,
      time: iso(r.time * 1000),
      refundStatus: refund?.status ?? null,
    });
  }
  return out;
}

/** Refunds a payment no deposit claims to `to`; once only, unless that refund failed. */
export async function refundUnmatched(
  ctx: ProcessorContext,
  incomeId: string,
  to: string,
): Promise<{ incomeId: string; refundStatus: string }> {
  // Beyond bigint the cast would fail: no payment has such an id.
  if (!/^[1-9][0-9]{0,18}$/.test(incomeId) || BigInt(incomeId) > MAX_BIGINT) {
    throw new NotFoundError(`incomeId: no payment ${incomeId}`);
  }
  const [payment] = await unmatchedPayments(ctx.db, 1, BigInt(incomeId));
  if (!payment) throw new NotFoundError(`no unmatched payment ${incomeId}`);
  // A failed refund may be asked again (to a corrected address, say).
  const previous = payment.refundWithdrawalId;
  if (previous !== null && (await withdrawalById(ctx.db, previous))?.status !== "failed") {
    throw new InputError("incomeId", "this payment is already being refunded");
  }
  const found = assetOf(ctx, payment.currency);
  if (!found) throw new InputError("incomeId", "its asset is no longer served");
  const parsed = await refundDestination(ctx, found.plugin, to);
  await ctx.db.transaction(async (tx) => {
    const { withdrawal } = await insertWithdrawal(tx, {
      chain: found.plugin.chain,
      currency: payment.currency,
      kind: "refund",
      userId: null,
      queryId: null,
      amount: payment.amount,
      destination: parsed.address,
      destinationInput: to,
      comment: null,
      binaryComment: null,
    });
    const marked = await tx.query(
      `update invoice_payments set refund_withdrawal_id = $2
       where income_id = $1 and invoice_id is null
         and refund_withdrawal_id is not distinct from $3::bigint
       returning income_id`,
      [payment.incomeId, withdrawal.id, previous],
    );
    if (!marked.length) throw new InputError("incomeId", "this payment is already being refunded");
  });
  return { incomeId, refundStatus: "pending" };
}

/**
 * Where a refund may go: a valid address that is not ours. A refund to one of our own
 * addresses would come back as the hot wallet's transfer, which is never anyone's income.
 */
async function refundDestination(
  ctx: ProcessorContext,
  plugin: ChainPlugin,
  to: string,
): Promise<{ address: string; display: string }> {
  const parsed = plugin.derivation.parseAddress(to);
  if ("error" in parsed) throw new InputError("address", parsed.error);
  if (
    parsed.address === plugin.derivation.hotWallet.address ||
    parsed.address === plugin.coldWallet?.address ||
    await addressByCanonical(ctx.db, plugin.chain, parsed.address)
  ) {
    throw new InputError("address", "is an address of this processor");
  }
  return parsed;
}
