/**
 * Creating merchant deposits (`POST /v1/public/deposits`) and reading them back.
 *
 * Decisions:
 * - A memo chain's invoices of one asset share one receiving address; a memo is `INV-` and
 *   ten characters of Crockford base32, unique per address by constraint, matched ignoring
 *   case and whitespace. Other chains get a fresh derived address per invoice, never reused.
 */

import { parseUnits } from "./amount.ts";
import { assetOf, type ProcessorContext } from "./context.ts";
import { InputError, NotFoundError } from "./errors.ts";
import { type InvoiceStatus } from "./invoice_status.ts";
import { insertAddress, nextDerivationIndex } from "./store/addresses.ts";
import {
  insertInvoice,
  invoiceByOrder,
  invoiceByUuid,
  type InvoiceRecord,
  listInvoices,
  sharedAddress,
} from "./store/invoices.ts";
import { type DepositJson, render, UUID_PATTERN } from "./invoice_render.ts";

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

export async function requireInvoice(
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
