/**
 * The merchant invoice service (`/v1/public/deposits`): creating deposits with their own
 * address (TRON) or a shared address and a memo (TON), the matcher that moves them through
 * the status machine as payments arrive and confirm, cancellation, refunds, and the deposit
 * object as the API and webhooks render it.
 *
 * Decisions:
 * - A memo chain's invoices of one asset share one receiving address; a memo is `INV-` and
 *   ten characters of Crockford base32, unique per address by constraint, matched ignoring
 *   case and whitespace. Other chains get a fresh derived address per invoice, never reused.
 * - The window ends by the chain's clock: an invoice expires once the scanned chain time is
 *   past `expiresAt`, so a payment in time is never judged late because ingest lagged.
 * - One transition per invoice per tick, so `check → process → confirm_check → paid` is each
 *   seen (and sent as a webhook) even where a payment is final at once.
 * - Underpaid and final while the window is open: it waits for more (payments add up);
 *   `wrong_amount` once the window ends. Exact or more: decided at once.
 * - Payments after the decision or the window are recorded as late, shown, and refundable.
 */

import { formatUnits, parseUnits } from "./amount.ts";
import { assetOf, type ProcessorContext } from "./context.ts";
import { InputError, NotFoundError } from "./errors.ts";
import { INVOICE_TRANSITIONS, type InvoiceStatus, settlementOf } from "./invoice_status.ts";
import { addressByCanonical, insertAddress, nextDerivationIndex } from "./store/addresses.ts";
import { loadCursor } from "./store/cursors.ts";
import {
  insertInvoice,
  invoiceByOrder,
  invoiceByUuid,
  type InvoicePayment,
  invoicePayments,
  type InvoiceRecord,
  listInvoices,
  openInvoices,
  sharedAddress,
  transitionInvoice,
  unmatchedPayments,
} from "./store/invoices.ts";
import { enqueueEvent } from "./store/outbox.ts";
import { insertWithdrawal, withdrawalById } from "./store/withdrawals.ts";
import type { Queryable } from "./db.ts";
import type { ChainPlugin } from "./plugin.ts";
import { runWorkerLoop, type WorkerOptions } from "./worker_loop.ts";

/** Largest Postgres bigint. */
const MAX_BIGINT = (1n << 63n) - 1n;

/** A UUID in its canonical 8-4-4-4-12 hex layout, any case. */
export const UUID_PATTERN: RegExp =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Explorer links by network and chain, when config gives none. */
const EXPLORERS: Record<string, Record<string, { address: string; tx: string }>> = {
  mainnet: {
    ton: {
      address: "https://tonviewer.com/{address}",
      tx: "https://tonviewer.com/transaction/{tx}",
    },
    tron: {
      address: "https://tronscan.org/#/address/{address}",
      tx: "https://tronscan.org/#/transaction/{tx}",
    },
  },
  testnet: {
    ton: {
      address: "https://testnet.tonviewer.com/{address}",
      tx: "https://testnet.tonviewer.com/transaction/{tx}",
    },
    tron: {
      address: "https://nile.tronscan.org/#/address/{address}",
      tx: "https://nile.tronscan.org/#/transaction/{tx}",
    },
  },
};

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

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function explorer(ctx: ProcessorContext, chain: string): { address: string; tx: string } | null {
  return ctx.config.public.explorers?.[chain] ?? EXPLORERS[ctx.config.network]?.[chain] ?? null;
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

async function render(ctx: ProcessorContext, db: Queryable, invoice: InvoiceRecord) {
  return depositJson(ctx, invoice, await invoicePayments(db, invoice.id));
}

/** The assets a site can take payments in. */
export function invoiceAssets(
  ctx: ProcessorContext,
): { assetCode: string; chain: string; decimals: number; memo: boolean }[] {
  return [...ctx.plugins.values()].flatMap((p) =>
    p.assets.map((a) => ({
      assetCode: a.code,
      chain: p.chain,
      decimals: a.decimals,
      memo: p.sharedDepositAddresses,
    }))
  );
}

/** A deposit request as the API received it. */
export interface CreateDeposit {
  orderId: string;
  assetCode: string;
  /** Decimal string in whole units; "0" means any amount. */
  expectedAmount: string;
  lifetimeSeconds?: number;
  metadata?: Record<string, unknown>;
  /** http(s) URL the checkout page links back to once paid. */
  successUrl?: string;
  /** http(s) URL the checkout page links back to when the deposit ends unpaid. */
  cancelUrl?: string;
}

const MEMO_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function newMemo(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return "INV-" + [...bytes].map((b) => MEMO_ALPHABET[b & 31]).join("");
}

/** The shared receiving address of a memo chain's asset, made on first use. */
async function receivingAddress(ctx: ProcessorContext, assetCode: string): Promise<bigint> {
  const { plugin } = assetOf(ctx, assetCode)!;
  const existing = await sharedAddress(ctx.db, plugin.chain, assetCode);
  if (existing !== null) return existing;
  const index = await nextDerivationIndex(ctx.db);
  const derived = await plugin.derivation.deposit(index, assetCode);
  try {
    return (await insertAddress(ctx.db, {
      chain: plugin.chain,
      currency: assetCode,
      userId: "invoices",
      address: derived.address,
      display: derived.display,
      watchAddress: derived.watch,
      derivationIndex: index,
    }, "invoice_shared")).id;
  } catch (error) {
    // Another request made it first: use theirs.
    const made = await sharedAddress(ctx.db, plugin.chain, assetCode);
    if (made === null) throw error;
    return made;
  }
}

/**
 * A return link as stored: an absolute http(s) URL, or null. Anything else (`javascript:`,
 * `data:`, relative) is refused, since the checkout page renders it as a link.
 */
function returnUrl(field: string, input: string | undefined): string | null {
  if (input === undefined) return null;
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new InputError(field, "must be an absolute http(s) URL");
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.username || url.password) {
    throw new InputError(field, "must be an absolute http(s) URL without credentials");
  }
  return input;
}

function sameContent(invoice: InvoiceRecord, expected: bigint, r: CreateDeposit): string[] {
  const out: string[] = [];
  if (invoice.assetCode !== r.assetCode) out.push("assetCode");
  if (invoice.expectedAmount !== expected) out.push("expectedAmount");
  if (JSON.stringify(invoice.metadata ?? null) !== JSON.stringify(r.metadata ?? null)) {
    out.push("metadata");
  }
  if (invoice.successUrl !== (r.successUrl ?? null)) out.push("successUrl");
  if (invoice.cancelUrl !== (r.cancelUrl ?? null)) out.push("cancelUrl");
  return out;
}

/**
 * Creates a deposit for an order, or returns the one the order already has (`created` false);
 * an order re-posted with other content is refused naming what differs.
 */
export async function createDeposit(
  ctx: ProcessorContext,
  siteId: string,
  r: CreateDeposit,
): Promise<{ deposit: DepositJson; created: boolean }> {
  const found = assetOf(ctx, r.assetCode);
  if (!found) throw new InputError("assetCode", `unknown asset ${JSON.stringify(r.assetCode)}`);
  const { asset, plugin } = found;
  const expected = parseUnits(r.expectedAmount, asset.decimals);
  if (expected === null) {
    throw new InputError(
      "expectedAmount",
      `must be a decimal amount of ${r.assetCode} with at most ${asset.decimals} decimals`,
    );
  }
  const existing = await invoiceByOrder(ctx.db, siteId, r.orderId);
  if (existing) return { deposit: await repeated(ctx, existing, expected, r), created: false };
  const lifetime = r.lifetimeSeconds ?? ctx.config.public.defaultLifetimeSeconds;
  if (lifetime < 60 || lifetime > ctx.config.public.maxLifetimeSeconds) {
    throw new InputError(
      "lifetimeSeconds",
      `must be between 60 and ${ctx.config.public.maxLifetimeSeconds}`,
    );
  }
  const base = {
    uuid: crypto.randomUUID(),
    siteId,
    orderId: r.orderId,
    chain: plugin.chain,
    assetCode: r.assetCode,
    expectedAmount: expected,
    expectedText: r.expectedAmount,
    metadata: r.metadata ?? null,
    expiresAt: ctx.clock.now() + lifetime * 1000,
    successUrl: returnUrl("successUrl", r.successUrl),
    cancelUrl: returnUrl("cancelUrl", r.cancelUrl),
  };
  // Made before the transaction: the embedded database has one session, which the
  // transaction holds.
  const shared = plugin.sharedDepositAddresses ? await receivingAddress(ctx, r.assetCode) : null;
  for (let attempt = 0; attempt < 5; attempt++) {
    const inserted = await ctx.db.transaction(async (tx) => {
      if (shared !== null) {
        return await insertInvoice(tx, { ...base, addressId: shared, memo: newMemo() });
      }
      const index = await nextDerivationIndex(tx);
      const derived = await plugin.derivation.deposit(index, r.assetCode);
      const address = await insertAddress(tx, {
        chain: plugin.chain,
        currency: r.assetCode,
        userId: `site:${siteId}`,
        address: derived.address,
        display: derived.display,
        watchAddress: derived.watch,
        derivationIndex: index,
      }, "invoice");
      return await insertInvoice(tx, { ...base, addressId: address.id, memo: null });
    });
    if (inserted === null) continue; // the memo was taken: draw another
    if (!inserted.created) {
      return { deposit: await repeated(ctx, inserted.invoice, expected, r), created: false };
    }
    return { deposit: await render(ctx, ctx.db, inserted.invoice), created: true };
  }
  throw new Error("could not draw a free memo");
}

async function repeated(
  ctx: ProcessorContext,
  invoice: InvoiceRecord,
  expected: bigint,
  r: CreateDeposit,
): Promise<DepositJson> {
  const differs = sameContent(invoice, expected, r);
  if (differs.length) {
    throw new InputError(
      "orderId",
      `already has deposit ${invoice.uuid} with a different ${differs.join(", ")}`,
    );
  }
  return await render(ctx, ctx.db, invoice);
}

async function requireInvoice(
  ctx: ProcessorContext,
  siteId: string,
  uuid: string,
): Promise<InvoiceRecord> {
  // The exact layout: any 36 hex-and-dash string is not a UUID, and the cast would fail.
  const invoice = UUID_PATTERN.test(uuid) ? await invoiceByUuid(ctx.db, siteId, uuid) : null;
  if (!invoice) throw new NotFoundError(`no deposit ${uuid}`);
  return invoice;
}

/** A site's deposit; another site's is not found. */
export async function getDeposit(
  ctx: ProcessorContext,
  siteId: string,
  uuid: string,
): Promise<DepositJson> {
  return await render(ctx, ctx.db, await requireInvoice(ctx, siteId, uuid));
}

/** A page of a site's deposits, newest first; `cursor` continues where the last page ended. */
export async function listDeposits(
  ctx: ProcessorContext,
  siteId: string,
  q: { orderId?: string; status?: InvoiceStatus; limit: number; cursor?: string },
): Promise<{ deposits: DepositJson[]; nextCursor: string | null }> {
  let beforeId: bigint | undefined;
  if (q.cursor !== undefined) {
    if (!/^[1-9][0-9]{0,18}$/.test(q.cursor)) throw new InputError("cursor", "is not valid");
    beforeId = BigInt(q.cursor);
  }
  const rows = await listInvoices(ctx.db, siteId, { ...q, beforeId, limit: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  const deposits = [];
  for (const invoice of page) deposits.push(await render(ctx, ctx.db, invoice));
  return {
    deposits,
    nextCursor: rows.length > q.limit ? page[page.length - 1].id.toString() : null,
  };
}

/** Writes a transition and its webhook event in one transaction; null if it moved already. */
async function move(
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
async function transitionWithEvent(
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
