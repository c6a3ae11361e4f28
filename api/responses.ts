/**
 * Response bodies of every documented route, as zod schemas: the OpenAPI document
 * (api/openapi.ts) is generated from them, the routes answer through {@linkcode reply} (typed
 * by them), and the API tests check every answer against the document. Field names, casing and
 * status codes follow `shared/seeds/processor-api.txt` (snake_case, `"ID"`) and
 * `public-deposits-api.txt` (camelCase); what the seeds lack is marked as an addition.
 *
 * Objects are closed (`additionalProperties: false` in the document), so a field a route adds
 * without documenting it fails the tests.
 *
 * @module
 */

import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { INVOICE_STATUSES } from "../core/invoice_status.ts";
import { ALARM_STATES } from "../core/store/alarms.ts";

/**
 * Answers `body` as JSON with `status`. The body's type is the schema's, so a route cannot
 * render what its documented schema does not describe.
 */
export function reply<S extends z.ZodType>(
  c: Context,
  _schema: S,
  body: z.input<S>,
  status: ContentfulStatusCode = 200,
): Response {
  return c.json(body as object, status);
}

const baseUnits = z.string().regex(/^[0-9]+$/).describe("An amount in base units, decimal.");
const unixSeconds = z.int().min(0).describe("Unix time, seconds.");
const isoTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/).describe(
  "ISO-8601 UTC to the second.",
);
const jsonId = z.int().min(1);

/** Every refusal: `{"error": "field: what is wrong"}`. */
export const errorResponse = z.object({
  error: z.string().describe("What is wrong; a refused input is named first (`amount: ...`)."),
});

// ---- exchange API (processor-api.txt) ----

/** POST /v1/address/new, GET /v1/resolve */
export const addressResponse = z.object({ address: z.string() });

/** GET /v1/address/all */
export const addressesResponse = z.object({
  addresses: z.array(z.object({ address: z.string(), currency: z.string() })),
});

/** GET /v1/income */
export const totalIncomeResponse = z.object({
  counting_side: z.enum(["deposit", "hot_wallet"]),
  total_income: z.array(
    z.object({ deposit_address: z.string(), amount: baseUnits, currency: z.string() }),
  ),
});

/** An income as history and by-hash answers render it. */
export const incomeSchema = z.object({
  deposit_address: z.string(),
  time: unixSeconds,
  source_address: z.string().describe("Empty when the sender could not be determined."),
  amount: baseUnits,
  comment: z.string().describe("Empty when the transfer carried no text comment."),
  tx_hash: z.string(),
  binary_comment: z.string().optional().describe(
    "Present only for a non-text payload (Fift-style hex); an addition to the seed.",
  ),
  confirmations: z.int().min(0).describe(
    "Blocks since the income's block, itself included; an addition to the seed.",
  ),
});

/** GET /v1/deposit/history */
export const historyResponse = z.object({ incomes: z.array(incomeSchema) });

/** GET /v1/deposit/income */
export const incomeByHashResponse = z.object({ currency: z.string(), income: incomeSchema });

/** POST /v1/withdrawal/send */
export const withdrawalIdResponse = z.object({ ID: jsonId });

/** POST /v1/withdrawal/service/ton, /v1/withdrawal/service/jetton */
export const memoResponse = z.object({
  memo: z.string().describe("The comment of the service transfer."),
});

/** GET /v1/withdrawal/status, POST /v1/withdrawal/cancel */
export const withdrawalStatusResponse = z.object({
  user_id: z.string(),
  query_id: z.string(),
  status: z.enum(["pending", "processing", "processed", "failed", "cancelled"]),
  tx_hash: z.string().optional().describe("Present once the chain has the transaction."),
});

/** GET /v1/balance */
export const balanceResponse = z.object({
  balance: baseUnits,
  status: z.string().describe("Account status (the chain's own word, e.g. active or uninit)."),
  total_processing_amount: baseUnits.optional().describe("Hot wallet only."),
  total_pending_amount: baseUnits.optional().describe("Hot wallet only."),
});

/** GET /v1/system/sync */
export const syncResponse = z.object({
  is_synced: z.boolean(),
  last_block_gen_utime: unixSeconds.describe("Oldest of the chains' last scanned block times."),
  chains: z.record(
    z.string(),
    z.object({
      is_synced: z.boolean(),
      last_block_gen_utime: unixSeconds,
      last_block_height: z.string().nullable(),
      lag_seconds: z.number().nullable(),
    }),
  ).describe("By chain; an addition to the seed."),
});

/** GET /v1/system/sync while the database does not answer. */
export const syncUnavailableResponse = z.object({
  error: z.string(),
  is_synced: z.literal(false),
});

/** GET /v1/sweeps (ours). */
export const sweepsResponse = z.object({
  sweeps: z.array(z.object({
    id: jsonId,
    chain: z.string(),
    currency: z.string(),
    deposit_address: z.string(),
    kind: z.enum(["auto", "service"]),
    status: z.string(),
    amount: baseUnits.nullable(),
    fee: baseUnits,
    tx_hash: z.string().nullable(),
    created_at: unixSeconds,
  })),
});

// ---- merchant API (public-deposits-api.txt) ----

/** A deposit, as its routes answer it and as webhooks carry it. */
export const depositSchema = z.object({
  uuid: z.uuid(),
  orderId: z.string(),
  address: z.string(),
  memo: z.string().nullable().describe("Required in the payment on memo chains."),
  assetCode: z.string(),
  expectedAmount: z.string().describe("In whole units as given; 0 accepts any amount."),
  status: z.enum(INVOICE_STATUSES as [string, ...string[]]),
  expiresAt: isoTime,
  explorerAddressUrl: z.string().nullable(),
  transaction: z.object({
    networkStatus: z.enum(["confirming", "confirmed"]),
    receivedAmount: z.string(),
    txhash: z.string(),
    confirmations: z.int().min(0),
    requiredConfirmations: z.int().min(0),
    blockNumber: z.string(),
    explorerTxUrl: z.string().nullable(),
    detectedAt: isoTime,
    paidAt: isoTime.nullable(),
  }).nullable().describe("Null until a payment arrives."),
  payments: z.array(z.object({
    txhash: z.string(),
    amount: z.string(),
    confirmations: z.int().min(0),
    blockNumber: z.string(),
    late: z.boolean(),
    refunded: z.boolean(),
    detectedAt: isoTime,
  })).describe("Every payment, late ones included; an addition to the seed."),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  createdAt: isoTime,
  paymentUrl: z.string().describe("The hosted checkout page: send the customer there."),
  successUrl: z.string().nullable(),
  cancelUrl: z.string().nullable(),
  refundTxHash: z.string().nullable(),
});

/** GET /v1/public/deposits */
export const depositPageResponse = z.object({
  deposits: z.array(depositSchema),
  nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page."),
});

/** GET /v1/public/assets */
export const assetsResponse = z.object({
  assets: z.array(z.object({
    assetCode: z.string(),
    chain: z.string(),
    decimals: z.int().min(0),
    memo: z.boolean().describe("Payments carry the deposit's memo (shared address)."),
  })),
});

/** A webhook event of a site. */
export const eventSchema = z.object({
  eventId: z.string(),
  type: z.string(),
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.int().min(0),
  createdAt: isoTime,
  deliveredAt: isoTime.nullable(),
  nextAttemptAt: isoTime.nullable(),
  body: z.unknown().describe("The event body as delivered."),
});

/** GET /v1/public/webhooks/events */
export const eventPageResponse = z.object({
  events: z.array(eventSchema),
  nextCursor: z.string().nullable(),
});

/** GET /v1/public/webhooks/events/{eventId}/deliveries */
export const deliveriesResponse = z.object({
  eventId: z.string(),
  deliveries: z.array(z.object({
    attemptedAt: isoTime,
    httpStatus: z.int().nullable(),
    error: z.string().nullable(),
    durationMs: z.number().min(0),
  })),
});

/** POST /v1/public/webhooks/test */
export const testEventResponse = z.object({ eventId: z.string() });

// ---- admin API (ours) ----

/** A merchant site, without its secret. */
export const siteSchema = z.object({
  siteId: z.string(),
  name: z.string(),
  webhookUrl: z.string().nullable(),
  requireStrongSignature: z.boolean(),
  disabledAt: isoTime.nullable(),
  secretRotatedAt: isoTime.nullable(),
  createdAt: isoTime,
});

/** POST /v1/admin/sites: the one answer, with rotation, that shows the secret. */
export const createdSiteResponse = z.object({
  siteId: z.string(),
  name: z.string(),
  apiSecret: z.string(),
  webhookUrl: z.string().nullable(),
  requireStrongSignature: z.boolean(),
  createdAt: isoTime,
});

/** GET /v1/admin/sites */
export const sitesResponse = z.object({ sites: z.array(siteSchema) });

/** POST /v1/admin/sites/{siteId}/rotate-secret */
export const rotatedSecretResponse = z.object({ siteId: z.string(), apiSecret: z.string() });

/** A payment no deposit claims. */
export const unmatchedPaymentSchema = z.object({
  incomeId: z.string(),
  chain: z.string(),
  assetCode: z.string(),
  address: z.string(),
  amount: z.string(),
  comment: z.string().nullable(),
  txhash: z.string(),
  time: isoTime,
  refundStatus: z.string().nullable(),
});

/** GET /v1/admin/payments/unmatched */
export const unmatchedResponse = z.object({ payments: z.array(unmatchedPaymentSchema) });

/** POST /v1/admin/payments/{incomeId}/refund */
export const unmatchedRefundResponse = z.object({
  incomeId: z.string(),
  refundStatus: z.string(),
});

/** An alarm with the context that raised it. */
export const alarmSchema = z.object({
  id: jsonId,
  chain: z.string(),
  kind: z.string(),
  state: z.enum(ALARM_STATES as [string, ...string[]]),
  haltsSender: z.boolean().describe("True while it stops its chain's sender."),
  detail: z.string(),
  context: z.record(z.string(), z.unknown()).nullable(),
  createdAt: isoTime,
  acknowledgedAt: isoTime.nullable(),
  acknowledgedNote: z.string().nullable(),
  resolvedAt: isoTime.nullable(),
  resolvedNote: z.string().nullable(),
});

/** GET /v1/admin/alarms */
export const alarmsResponse = z.object({ alarms: z.array(alarmSchema) });

/** GET /v1/admin/unrecognized */
export const unrecognizedResponse = z.object({
  transfers: z.array(z.object({
    id: jsonId,
    chain: z.string(),
    depositAddress: z.string(),
    depositCurrency: z.string(),
    token: z.string().describe(
      "The token's contract or wallet; the native coin's asset code for native value a sweep " +
        "moved that no income explains (txHash is then the sweep's).",
    ),
    sourceAddress: z.string().nullable(),
    amount: baseUnits.describe("Base units of the (unknown) token, or of the native coin."),
    comment: z.string().nullable(),
    binaryComment: z.string().nullable(),
    txHash: z.string(),
    blockHeight: z.string().nullable(),
    blockTime: unixSeconds,
    createdAt: isoTime,
  })),
});

/** GET /v1/admin/wallets */
export const walletsResponse = z.object({
  wallets: z.array(z.object({
    chain: z.string(),
    address: z.string(),
    coldWallet: z.string().nullable(),
    feeCurrency: z.string().nullable(),
    assets: z.array(z.object({
      currency: z.string(),
      balance: baseUnits.nullable().describe("Null when the node could not be asked."),
      pending: baseUnits,
      processing: baseUnits,
      queued: z.int().min(0),
      error: z.string().optional(),
    })),
    needs: z.array(z.object({ currency: z.string(), amount: baseUnits, why: z.string() })),
  })),
});

// ---- probes ----

/** GET /healthz */
export const healthResponse = z.object({ status: z.literal("ok") });

const check = z.object({ ok: z.boolean(), reason: z.string().optional() });

/** GET /readyz, 200 and 503 alike. */
export const readinessResponse = z.object({
  ready: z.boolean(),
  checks: z.object({
    database: check,
    migrations: check,
    chains: z.record(z.string(), check),
    senders: z.record(z.string(), check),
  }),
  reasons: z.array(z.string()),
});
