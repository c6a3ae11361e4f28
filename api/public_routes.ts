/**
 * The merchant API (`shared/seeds/public-deposits-api.txt`), every route signed with the
 * site's secret and scoped to its site: deposits (create, get, list, cancel, refund), the
 * assets a site can use, and its webhook events (list, delivery log, redelivery, a test
 * event). Also the operator's view of payments no deposit claims, under the bearer token.
 */

import type { Context } from "hono";
import { z } from "zod";
import type { ProcessorContext } from "../core/context.ts";
import { InputError, NotFoundError } from "../core/errors.ts";
import { INVOICE_STATUSES } from "../core/invoice_status.ts";
import {
  createDeposit,
  getDeposit,
  invoiceAssets,
  listDeposits,
} from "../core/invoice_creation.ts";
import {
  cancelDeposit,
  refundDeposit,
  refundUnmatched,
  unmatched,
} from "../core/invoice_refunds.ts";
import { UUID_PATTERN } from "../core/invoice_render.ts";
import {
  type DeliveryAttempt,
  enqueueTestEvent,
  eventDeliveries,
  listEvents,
  type OutboxEvent,
  redeliver,
} from "../core/store/outbox.ts";
import type { Register, RouteGuards } from "./processor_routes.ts";
import { readBody, readQuery, storable } from "./schemas.ts";
import { jsonBodyOf, siteAuth, siteOf } from "./site_auth.ts";
import {
  assetsResponse,
  deliveriesResponse,
  depositPageResponse,
  depositSchema,
  eventPageResponse,
  eventSchema,
  reply,
  testEventResponse,
  unmatchedRefundResponse,
  unmatchedResponse,
} from "./responses.ts";

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

const text = (max: number) =>
  z.string({ error: "must be a string" }).min(1, "must not be empty").max(
    max,
    `must be at most ${max} characters`,
  ).superRefine(storable);

const limit = z.string().regex(/^[1-9][0-9]{0,3}$/, "must be a whole number from 1 to 1000")
  .transform(Number).refine((n) => n <= 1000, "must be at most 1000").optional();

/** POST /v1/public/deposits */
export const createBody = z.strictObject({
  orderId: text(128),
  assetCode: text(32),
  expectedAmount: text(100),
  lifetimeSeconds: z.number({ error: "must be a whole number of seconds" }).int(
    "must be a whole number of seconds",
  ).optional(),
  metadata: z.record(z.string(), z.unknown(), { error: "must be a JSON object" }).refine(
    (m) => JSON.stringify(m).length <= 4096,
    "must be at most 4096 bytes of JSON",
  ).superRefine(storable).optional(),
  // The scheme and form are checked by the service (createDeposit): only http(s) links.
  successUrl: text(2048).optional(),
  cancelUrl: text(2048).optional(),
});

/** POST /v1/public/deposits/{uuid}/refund, POST /v1/admin/payments/{incomeId}/refund */
export const refundBody = z.strictObject({ address: text(256) });

/** GET /v1/public/deposits */
export const listQuery = z.strictObject({
  orderId: text(128).optional(),
  status: z.enum(INVOICE_STATUSES as [string, ...string[]], {
    error: `must be one of ${INVOICE_STATUSES.join(", ")}`,
  }).optional(),
  limit,
  cursor: text(32).optional(),
});

/** GET /v1/public/webhooks/events */
export const eventsQuery = z.strictObject({ limit, cursor: text(32).optional() });

/** GET /v1/admin/payments/unmatched */
export const unmatchedQuery = z.strictObject({ limit });

function eventJson(e: OutboxEvent): z.input<typeof eventSchema> {
  return {
    eventId: e.eventId,
    type: e.type,
    status: e.status,
    attempts: e.attempts,
    createdAt: iso(e.createdAt),
    deliveredAt: e.deliveredAt === null ? null : iso(e.deliveredAt),
    nextAttemptAt: e.status === "pending" ? iso(e.nextAttemptAt) : null,
    body: JSON.parse(e.body),
  };
}

function deliveryJson(
  d: DeliveryAttempt,
): z.input<typeof deliveriesResponse>["deliveries"][number] {
  return {
    attemptedAt: iso(d.attemptedAt),
    httpStatus: d.httpStatus,
    error: d.error,
    durationMs: d.durationMs,
  };
}

function beforeId(cursor: string | undefined): bigint | undefined {
  if (cursor === undefined) return undefined;
  if (!/^[1-9][0-9]{0,18}$/.test(cursor)) throw new NotFoundError("cursor: is not valid");
  return BigInt(cursor);
}

/** Registers the merchant routes (signed) and the unmatched-payment routes (bearer). */
export function registerPublicRoutes(
  register: Register,
  ctx: ProcessorContext,
  guards: RouteGuards,
): void {
  const signed = [siteAuth(ctx)];
  const uuidOf = (c: Context) => {
    const uuid = c.req.param("uuid") ?? "";
    if (!UUID_PATTERN.test(uuid)) throw new InputError("uuid", "must be a UUID");
    return uuid;
  };

  register("POST", "/v1/public/deposits", signed, async (c) => {
    const body = jsonBodyOf(c, createBody);
    const { deposit, created } = await createDeposit(ctx, siteOf(c).id, body);
    return reply(c, depositSchema, deposit, created ? 201 : 200);
  });

  register("GET", "/v1/public/deposits", signed, async (c) => {
    const q = readQuery(c, listQuery);
    const page = await listDeposits(ctx, siteOf(c).id, {
      orderId: q.orderId,
      status: q.status as (typeof INVOICE_STATUSES)[number] | undefined,
      limit: q.limit ?? 50,
      cursor: q.cursor,
    });
    return reply(c, depositPageResponse, page);
  });

  register("GET", "/v1/public/deposits/:uuid", signed, async (c) => {
    return reply(c, depositSchema, await getDeposit(ctx, siteOf(c).id, uuidOf(c)));
  });

  register("POST", "/v1/public/deposits/:uuid/cancel", signed, async (c) => {
    return reply(c, depositSchema, await cancelDeposit(ctx, siteOf(c).id, uuidOf(c)));
  });

  register("POST", "/v1/public/deposits/:uuid/refund", signed, async (c) => {
    const body = jsonBodyOf(c, refundBody);
    return reply(
      c,
      depositSchema,
      await refundDeposit(ctx, siteOf(c).id, uuidOf(c), body.address),
    );
  });

  register("GET", "/v1/public/assets", signed, (c) => {
    return Promise.resolve(reply(c, assetsResponse, { assets: invoiceAssets(ctx) }));
  });

  register("GET", "/v1/public/webhooks/events", signed, async (c) => {
    const q = readQuery(c, eventsQuery);
    const n = q.limit ?? 50;
    const events = await listEvents(ctx.db, siteOf(c).id, {
      limit: n + 1,
      beforeId: beforeId(q.cursor),
    });
    const page = events.slice(0, n);
    return reply(c, eventPageResponse, {
      events: page.map(eventJson),
      nextCursor: events.length > n ? page[page.length - 1].id.toString() : null,
    });
  });

  register("GET", "/v1/public/webhooks/events/:eventId/deliveries", signed, async (c) => {
    const eventId = c.req.param("eventId") ?? "";
    const log = await eventDeliveries(ctx.db, siteOf(c).id, eventId);
    if (!log) throw new NotFoundError(`no event ${eventId}`);
    return reply(c, deliveriesResponse, { eventId, deliveries: log.map(deliveryJson) });
  });

  register("POST", "/v1/public/webhooks/events/:eventId/redeliver", signed, async (c) => {
    const eventId = c.req.param("eventId") ?? "";
    const event = await redeliver(ctx.db, siteOf(c).id, eventId, ctx.clock.now());
    if (!event) throw new NotFoundError(`no event ${eventId}`);
    return reply(c, eventSchema, eventJson(event));
  });

  register("POST", "/v1/public/webhooks/test", signed, async (c) => {
    const site = siteOf(c);
    const eventId = await enqueueTestEvent(ctx.db, site.id, ctx.clock.now());
    // Sites are never deleted, so only a wiring fault could get here without one.
    if (eventId === null) throw new NotFoundError(`x-site-id: no site ${site.id}`);
    return reply(c, testEventResponse, { eventId });
  });

  register("GET", "/v1/admin/payments/unmatched", [guards.auth], async (c) => {
    const q = readQuery(c, unmatchedQuery);
    return reply(c, unmatchedResponse, { payments: await unmatched(ctx, q.limit ?? 100) });
  });

  register(
    "POST",
    "/v1/admin/payments/:incomeId/refund",
    [guards.auth, guards.bodyLimit],
    async (c) => {
      const body = await readBody(c, refundBody);
      return reply(
        c,
        unmatchedRefundResponse,
        await refundUnmatched(ctx, c.req.param("incomeId") ?? "", body.address),
      );
    },
  );
}
