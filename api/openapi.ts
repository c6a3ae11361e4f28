/**
 * The OpenAPI 3.1 document of the exchange, merchant and admin APIs and the probes, generated
 * from the zod schemas that validate the requests (api/schemas.ts and the route modules) and
 * type the responses (api/responses.ts). Served at `/openapi.json` (api/docs_routes.ts).
 *
 * Not documented, on purpose: `/pay/...` (the hosted checkout page, HTML for browsers),
 * `/metrics` (Prometheus text format), `/devnet/...` (devnet mode only) and the reference
 * page itself; {@linkcode UNDOCUMENTED_PATHS} lists them, and a test checks that every route
 * the app registers is either documented or listed there.
 *
 * @module
 */

import { z } from "zod";
import { alarmsQuery, noteBody, unrecognizedQuery } from "./admin_ops_routes.ts";
import {
  createBody as createDepositBody,
  eventsQuery,
  listQuery as depositsQuery,
  refundBody,
  unmatchedQuery,
} from "./public_routes.ts";
import * as r from "./responses.ts";
import {
  balanceQuery,
  cancelWithdrawalBody,
  createSiteBody,
  historyQuery,
  incomeByHashQuery,
  newAddressBody,
  noQuery,
  resolveQuery,
  serviceJettonBody,
  serviceTonBody,
  siteSignatureBody,
  siteWebhookBody,
  sweepsQuery,
  userQuery,
  withdrawalBody,
  withdrawalStatusQuery,
} from "./schemas.ts";

/** Route paths (Hono form) the document leaves out, with why. */
export const UNDOCUMENTED_PATHS: readonly { prefix: string; why: string }[] = [
  { prefix: "/pay/", why: "the hosted checkout page, for browsers" },
  { prefix: "/metrics", why: "Prometheus text exposition format" },
  { prefix: "/devnet", why: "devnet mode only" },
  { prefix: "/docs", why: "this reference page" },
  { prefix: "/openapi.json", why: "the document itself" },
];

type Auth = "bearer" | "signed" | "none";

/** One documented operation. */
interface Operation {
  method: "get" | "post" | "put";
  /** OpenAPI form: `/v1/public/deposits/{uuid}`. */
  path: string;
  tag: "Exchange" | "Merchant" | "Admin" | "Probes";
  summary: string;
  description?: string;
  auth: Auth;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Path parameters by name, with their description. */
  params?: Record<string, string>;
  /** The answers with their own body: success and, if any, special refusals. */
  responses: Record<number, { schema: z.ZodType; description: string }>;
  /** Further refusals (`{"error": ...}`) this operation may answer, beyond the common ones. */
  errors?: number[];
}

const ok = (schema: z.ZodType, description = "OK") => ({ 200: { schema, description } });

const OPERATIONS: readonly Operation[] = [
  // Exchange API: shared/seeds/processor-api.txt.
  {
    method: "post",
    path: "/v1/address/new",
    tag: "Exchange",
    summary: "New deposit address",
    auth: "bearer",
    body: newAddressBody,
    responses: ok(r.addressResponse),
  },
  {
    method: "get",
    path: "/v1/address/all",
    tag: "Exchange",
    summary: "All addresses of a user",
    auth: "bearer",
    query: userQuery,
    responses: ok(r.addressesResponse),
  },
  {
    method: "get",
    path: "/v1/income",
    tag: "Exchange",
    summary: "Total income of a user's deposits",
    auth: "bearer",
    query: userQuery,
    responses: ok(r.totalIncomeResponse),
  },
  {
    method: "get",
    path: "/v1/deposit/history",
    tag: "Exchange",
    summary: "Deposit history of a user in a currency",
    auth: "bearer",
    query: historyQuery,
    responses: ok(r.historyResponse),
  },
  {
    method: "post",
    path: "/v1/withdrawal/send",
    tag: "Exchange",
    summary: "Request a withdrawal",
    description: "Idempotent by `query_id`: the same request answers the same `ID`.",
    auth: "bearer",
    body: withdrawalBody,
    responses: ok(r.withdrawalIdResponse),
    errors: [409],
  },
  {
    method: "post",
    path: "/v1/withdrawal/service/ton",
    tag: "Exchange",
    summary: "Service withdrawal: all native coin of an address to the hot wallet",
    auth: "bearer",
    body: serviceTonBody,
    responses: ok(r.memoResponse),
    errors: [404, 409],
  },
  {
    method: "post",
    path: "/v1/withdrawal/service/jetton",
    tag: "Exchange",
    summary: "Service withdrawal: all tokens of a token wallet to the hot wallet",
    auth: "bearer",
    body: serviceJettonBody,
    responses: ok(r.memoResponse),
    errors: [404, 409],
  },
  {
    method: "post",
    path: "/v1/withdrawal/cancel",
    tag: "Exchange",
    summary: "Cancel a pending withdrawal (an addition to the seed)",
    description: "409 once a signed payload carries the withdrawal.",
    auth: "bearer",
    body: cancelWithdrawalBody,
    responses: ok(r.withdrawalStatusResponse),
    errors: [404, 409],
  },
  {
    method: "get",
    path: "/v1/withdrawal/status",
    tag: "Exchange",
    summary: "Status of a withdrawal",
    auth: "bearer",
    query: withdrawalStatusQuery,
    responses: ok(r.withdrawalStatusResponse),
    errors: [404],
  },
  {
    method: "get",
    path: "/v1/balance",
    tag: "Exchange",
    summary: "Balance of the hot wallet or of an address",
    auth: "bearer",
    query: balanceQuery,
    responses: ok(r.balanceResponse),
  },
  {
    method: "get",
    path: "/v1/system/sync",
    tag: "Exchange",
    summary: "Whether the processor is in sync with the chains",
    description: "Open (no token), for monitoring probes; any query string is ignored.",
    auth: "none",
    responses: {
      ...ok(r.syncResponse),
      503: { schema: r.syncUnavailableResponse, description: "The database does not answer." },
    },
  },
  {
    method: "get",
    path: "/v1/deposit/income",
    tag: "Exchange",
    summary: "Income by transaction hash",
    auth: "bearer",
    query: incomeByHashQuery,
    responses: ok(r.incomeByHashResponse),
    errors: [404],
  },
  {
    method: "get",
    path: "/v1/sweeps",
    tag: "Exchange",
    summary: "Recent sweeps and their fees (an addition to the seed)",
    auth: "bearer",
    query: sweepsQuery,
    responses: ok(r.sweepsResponse),
  },
  {
    method: "get",
    path: "/v1/resolve",
    tag: "Exchange",
    summary: "Resolve a domain name through a chain's name service",
    auth: "bearer",
    query: resolveQuery,
    responses: ok(r.addressResponse),
    errors: [404],
  },

  // Merchant API: shared/seeds/public-deposits-api.txt.
  {
    method: "post",
    path: "/v1/public/deposits",
    tag: "Merchant",
    summary: "Create a deposit",
    description: "Idempotent by `orderId`: 201 when created, 200 with the existing deposit.",
    auth: "signed",
    body: createDepositBody,
    responses: {
      201: { schema: r.depositSchema, description: "Created" },
      200: { schema: r.depositSchema, description: "The deposit of this orderId, unchanged" },
    },
    errors: [409],
  },
  {
    method: "get",
    path: "/v1/public/deposits",
    tag: "Merchant",
    summary: "List the site's deposits, newest first",
    auth: "signed",
    query: depositsQuery,
    responses: ok(r.depositPageResponse),
  },
  {
    method: "get",
    path: "/v1/public/deposits/{uuid}",
    tag: "Merchant",
    summary: "Get a deposit",
    auth: "signed",
    params: { uuid: "The deposit's uuid, from its creation." },
    responses: ok(r.depositSchema),
    errors: [404],
  },
  {
    method: "post",
    path: "/v1/public/deposits/{uuid}/cancel",
    tag: "Merchant",
    summary: "Cancel an unpaid deposit",
    auth: "signed",
    params: { uuid: "The deposit's uuid." },
    responses: ok(r.depositSchema),
    errors: [404, 409],
  },
  {
    method: "post",
    path: "/v1/public/deposits/{uuid}/refund",
    tag: "Merchant",
    summary: "Refund a deposit's payments to an address",
    auth: "signed",
    params: { uuid: "The deposit's uuid." },
    body: refundBody,
    responses: ok(r.depositSchema),
    errors: [404, 409],
  },
  {
    method: "get",
    path: "/v1/public/assets",
    tag: "Merchant",
    summary: "The assets deposits can be made in",
    auth: "signed",
    responses: ok(r.assetsResponse),
  },
  {
    method: "get",
    path: "/v1/public/webhooks/events",
    tag: "Merchant",
    summary: "The site's webhook events, newest first",
    auth: "signed",
    query: eventsQuery,
    responses: ok(r.eventPageResponse),
    errors: [404],
  },
  {
    method: "get",
    path: "/v1/public/webhooks/events/{eventId}/deliveries",
    tag: "Merchant",
    summary: "Delivery attempts of a webhook event",
    auth: "signed",
    params: { eventId: "The event's eventId." },
    responses: ok(r.deliveriesResponse),
    errors: [404],
  },
  {
    method: "post",
    path: "/v1/public/webhooks/events/{eventId}/redeliver",
    tag: "Merchant",
    summary: "Deliver a webhook event again",
    auth: "signed",
    params: { eventId: "The event's eventId." },
    responses: ok(r.eventSchema),
    errors: [404],
  },
  {
    method: "post",
    path: "/v1/public/webhooks/test",
    tag: "Merchant",
    summary: "Send a test webhook event",
    auth: "signed",
    responses: ok(r.testEventResponse),
    errors: [404],
  },

  // Admin API (ours), behind the exchange API's bearer token.
  {
    method: "post",
    path: "/v1/admin/sites",
    tag: "Admin",
    summary: "Create a merchant site",
    description: "The only answer, with rotation, that shows the site's secret.",
    auth: "bearer",
    body: createSiteBody,
    responses: ok(r.createdSiteResponse),
  },
  {
    method: "get",
    path: "/v1/admin/sites",
    tag: "Admin",
    summary: "List merchant sites",
    auth: "bearer",
    query: noQuery,
    responses: ok(r.sitesResponse),
  },
  {
    method: "get",
    path: "/v1/admin/sites/{siteId}",
    tag: "Admin",
    summary: "Get a merchant site",
    auth: "bearer",
    params: { siteId: "The site's id." },
    responses: ok(r.siteSchema),
    errors: [404],
  },
  {
    method: "post",
    path: "/v1/admin/sites/{siteId}/rotate-secret",
    tag: "Admin",
    summary: "Rotate a site's API secret",
    auth: "bearer",
    params: { siteId: "The site's id." },
    responses: ok(r.rotatedSecretResponse),
    errors: [404],
  },
  {
    method: "put",
    path: "/v1/admin/sites/{siteId}/webhook",
    tag: "Admin",
    summary: "Set or remove a site's webhook URL",
    auth: "bearer",
    params: { siteId: "The site's id." },
    body: siteWebhookBody,
    responses: ok(r.siteSchema),
    errors: [404],
  },
  {
    method: "put",
    path: "/v1/admin/sites/{siteId}/signature",
    tag: "Admin",
    summary: "Require the strong signature scheme or not",
    auth: "bearer",
    params: { siteId: "The site's id." },
    body: siteSignatureBody,
    responses: ok(r.siteSchema),
    errors: [404],
  },
  {
    method: "post",
    path: "/v1/admin/sites/{siteId}/disable",
    tag: "Admin",
    summary: "Disable a site",
    auth: "bearer",
    params: { siteId: "The site's id." },
    responses: ok(r.siteSchema),
    errors: [404],
  },
  {
    method: "get",
    path: "/v1/admin/payments/unmatched",
    tag: "Admin",
    summary: "Payments no deposit claims",
    auth: "bearer",
    query: unmatchedQuery,
    responses: ok(r.unmatchedResponse),
  },
  {
    method: "post",
    path: "/v1/admin/payments/{incomeId}/refund",
    tag: "Admin",
    summary: "Refund a payment no deposit claims",
    auth: "bearer",
    params: { incomeId: "The payment's incomeId." },
    body: refundBody,
    responses: ok(r.unmatchedRefundResponse),
    errors: [404],
  },
  {
    method: "get",
    path: "/v1/admin/alarms",
    tag: "Admin",
    summary: "Alarms, newest first, with the context that raised them",
    auth: "bearer",
    query: alarmsQuery,
    responses: ok(r.alarmsResponse),
  },
  {
    method: "get",
    path: "/v1/admin/alarms/{alarmId}",
    tag: "Admin",
    summary: "Get an alarm",
    auth: "bearer",
    params: { alarmId: "The alarm's id." },
    responses: ok(r.alarmSchema),
    errors: [404],
  },
  {
    method: "post",
    path: "/v1/admin/alarms/{alarmId}/acknowledge",
    tag: "Admin",
    summary: "Acknowledge an alarm with a note (the sender stays halted)",
    auth: "bearer",
    params: { alarmId: "The alarm's id." },
    body: noteBody,
    responses: ok(r.alarmSchema),
    errors: [404, 409],
  },
  {
    method: "post",
    path: "/v1/admin/alarms/{alarmId}/resolve",
    tag: "Admin",
    summary: "Resolve an alarm with a note",
    description: "The chain's sender resumes once none of its alarms is left unresolved.",
    auth: "bearer",
    params: { alarmId: "The alarm's id." },
    body: noteBody,
    responses: ok(r.alarmSchema),
    errors: [404, 409],
  },
  {
    method: "get",
    path: "/v1/admin/unrecognized",
    tag: "Admin",
    summary: "Transfers of tokens the processor does not serve",
    auth: "bearer",
    query: unrecognizedQuery,
    responses: ok(r.unrecognizedResponse),
  },
  {
    method: "get",
    path: "/v1/admin/wallets",
    tag: "Admin",
    summary: "Each chain's hot wallet, balances and what it needs funding with",
    auth: "bearer",
    responses: ok(r.walletsResponse),
  },

  // Probes, open.
  {
    method: "get",
    path: "/healthz",
    tag: "Probes",
    summary: "Liveness: the process serves HTTP",
    auth: "none",
    responses: ok(r.healthResponse),
  },
  {
    method: "get",
    path: "/readyz",
    tag: "Probes",
    summary: "Readiness, with the reasons when not ready",
    auth: "none",
    responses: {
      ...ok(r.readinessResponse, "Ready"),
      503: { schema: r.readinessResponse, description: "Not ready; `reasons` say why." },
    },
  },
];

/** Names of the component schemas of answers, by schema (for clients' generated types). */
const COMPONENTS: readonly [z.ZodType, string][] = [
  [r.errorResponse, "Error"],
  [r.addressResponse, "Address"],
  [r.addressesResponse, "Addresses"],
  [r.totalIncomeResponse, "TotalIncome"],
  [r.incomeSchema, "Income"],
  [r.historyResponse, "History"],
  [r.incomeByHashResponse, "IncomeByHash"],
  [r.withdrawalIdResponse, "WithdrawalId"],
  [r.memoResponse, "ServiceMemo"],
  [r.withdrawalStatusResponse, "WithdrawalStatus"],
  [r.balanceResponse, "Balance"],
  [r.syncResponse, "Sync"],
  [r.syncUnavailableResponse, "SyncUnavailable"],
  [r.sweepsResponse, "Sweeps"],
  [r.depositSchema, "Deposit"],
  [r.depositPageResponse, "DepositPage"],
  [r.assetsResponse, "Assets"],
  [r.eventSchema, "WebhookEvent"],
  [r.eventPageResponse, "WebhookEventPage"],
  [r.deliveriesResponse, "WebhookDeliveries"],
  [r.testEventResponse, "TestEvent"],
  [r.siteSchema, "Site"],
  [r.createdSiteResponse, "CreatedSite"],
  [r.sitesResponse, "Sites"],
  [r.rotatedSecretResponse, "RotatedSecret"],
  [r.unmatchedPaymentSchema, "UnmatchedPayment"],
  [r.unmatchedResponse, "UnmatchedPayments"],
  [r.unmatchedRefundResponse, "UnmatchedRefund"],
  [r.alarmSchema, "Alarm"],
  [r.alarmsResponse, "Alarms"],
  [r.unrecognizedResponse, "UnrecognizedTransfers"],
  [r.walletsResponse, "HotWallets"],
  [r.healthResponse, "Health"],
  [r.readinessResponse, "Readiness"],
];

/** Names of the component schemas of request bodies. */
const REQUEST_COMPONENTS: readonly [z.ZodType, string][] = [
  [newAddressBody, "NewAddressRequest"],
  [withdrawalBody, "WithdrawalRequest"],
  [serviceTonBody, "ServiceTonRequest"],
  [serviceJettonBody, "ServiceJettonRequest"],
  [cancelWithdrawalBody, "CancelWithdrawalRequest"],
  [createDepositBody, "CreateDepositRequest"],
  [refundBody, "RefundRequest"],
  [createSiteBody, "CreateSiteRequest"],
  [siteWebhookBody, "SiteWebhookRequest"],
  [siteSignatureBody, "SiteSignatureRequest"],
  [noteBody, "AlarmNoteRequest"],
];

const STATUS_TEXT: Record<number, string> = {
  400: "Bad request: the field named first in `error` is wrong",
  401: "Missing or invalid credentials",
  403: "The site is disabled",
  404: "Not found",
  409: "Conflict with the current state",
  413: "Body too large (`api.bodyLimitBytes`)",
  414: "URL too long",
  429: "Too many refused requests from this client; see Retry-After",
  500: "Internal error (details are logged, never returned)",
  503: "A node or the database is unavailable; retry",
};

/** Headers that come with a refusal. */
const REFUSAL_HEADERS: Record<number, JsonObject> = {
  401: {
    "WWW-Authenticate": {
      description: '`Bearer realm="processor"` or `Signature realm="merchant"`.',
      schema: { type: "string" },
    },
  },
  429: {
    "Retry-After": {
      description: "Seconds until the client's oldest counted refusal leaves the window.",
      schema: { type: "integer", minimum: 1 },
    },
  },
};

/** The refusals an operation may answer besides its own. */
function refusals(op: Operation): number[] {
  // The URL guard (400, 414) and the auth throttle (429) stand before every route.
  const codes = new Set([400, 414, 429, 500, ...(op.errors ?? [])]);
  if (op.path !== "/healthz") codes.add(503);
  if (op.auth !== "none") codes.add(401);
  if (op.auth === "signed") codes.add(403).add(413);
  if (op.body) codes.add(413);
  return [...codes].filter((code) => !(code in op.responses)).sort();
}

type JsonObject = Record<string, unknown>;

/** A JSON Schema as a component of the document: without the keywords of a root schema. */
function bare(schema: JsonObject): JsonObject {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

function named(registry: z.core.$ZodRegistry<{ id: string }>, schema: z.ZodType): string {
  const id = registry.get(schema)?.id;
  // A schema an operation uses without a name here is a slip of this file: fail at once.
  if (id === undefined) throw new Error("openapi: a schema has no component name");
  return id;
}

function jsonContent(ref: string): JsonObject {
  return { "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } };
}

const MERCHANT_HEADERS = [
  {
    name: "X-Signature-Version",
    in: "header",
    required: false,
    description: "`2`: the strong scheme, `timestamp.[nonce.]METHOD.path?query.body` is " +
      "signed; `1` or absent: the seed's `timestamp.body`. Sites require 2 by default.",
    schema: { type: "string", enum: ["1", "2"] },
  },
  {
    name: "X-Nonce",
    in: "header",
    required: false,
    description: "Strong scheme only: signed after the timestamp, so the same request may be " +
      "sent twice in one second (every signature is accepted once).",
    schema: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" },
  },
];

/** Options of {@linkcode openApiDocument}. */
export interface DocumentOptions {
  /** The processor's version, shown as `info.version`. */
  version?: string;
  /** Base URL clients reach the API at, as `servers[0].url`. */
  serverUrl?: string;
}

/** Builds the OpenAPI 3.1 document. */
export function openApiDocument(options: DocumentOptions = {}): JsonObject {
  // Registries of our own, not zod's global one: answers are converted as output, bodies as input.
  const outputs = z.registry<{ id: string }>();
  const inputs = z.registry<{ id: string }>();
  for (const [schema, id] of COMPONENTS) outputs.add(schema, { id });
  for (const [schema, id] of REQUEST_COMPONENTS) inputs.add(schema, { id });
  const uri = (id: string) => `#/components/schemas/${id}`;
  const out = z.toJSONSchema(outputs, { io: "output", uri, unrepresentable: "any" }).schemas;
  const inp = z.toJSONSchema(inputs, { io: "input", uri, unrepresentable: "any" }).schemas;
  const schemas: JsonObject = {};
  for (const [id, schema] of Object.entries({ ...out, ...inp })) {
    schemas[id] = bare(schema as JsonObject);
  }

  const paths: Record<string, JsonObject> = {};
  for (const op of OPERATIONS) {
    const responses: JsonObject = {};
    for (const [status, { schema, description }] of Object.entries(op.responses)) {
      responses[status] = { description, content: jsonContent(named(outputs, schema)) };
    }
    for (const code of refusals(op)) {
      responses[code] = {
        description: STATUS_TEXT[code],
        ...(REFUSAL_HEADERS[code] ? { headers: REFUSAL_HEADERS[code] } : {}),
        content: jsonContent("Error"),
      };
    }
    const parameters: JsonObject[] = [];
    for (const [name, description] of Object.entries(op.params ?? {})) {
      parameters.push({
        name,
        in: "path",
        required: true,
        description,
        schema: { type: "string" },
      });
    }
    if (op.query) parameters.push(...queryParameters(op.query));
    if (op.auth === "signed") parameters.push(...MERCHANT_HEADERS);
    const operation: JsonObject = {
      operationId: operationId(op),
      tags: [op.tag],
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body
        ? {
          requestBody: { required: true, content: jsonContent(named(inputs, op.body)) },
        }
        : {}),
      responses,
      security: op.auth === "bearer"
        ? [{ bearer: [] }]
        : op.auth === "signed"
        ? [{ siteId: [], timestamp: [], signature: [] }]
        : [],
    };
    (paths[op.path] ??= {})[op.method] = operation;
  }

  return {
    openapi: "3.1.0",
    info: {
      title: "Payment processor API",
      version: options.version ?? "1",
      description: "The exchange API (bearer token), the merchant API (HMAC-signed requests " +
        "of a site), the operator's admin API (bearer token) and the probes. Amounts of the " +
        "exchange API are decimal strings of base units; the merchant API's are in whole " +
        'units of the asset. Every refusal is `{"error": "field: what is wrong"}`.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    tags: [
      { name: "Exchange", description: "shared/seeds/processor-api.txt, with additions" },
      { name: "Merchant", description: "Deposits of merchant sites, signed by the site" },
      { name: "Admin", description: "Sites, alarms, unclaimed payments, wallets" },
      { name: "Probes", description: "Liveness and readiness, open" },
    ],
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "One of `api.tokens`.",
        },
        siteId: { type: "apiKey", in: "header", name: "X-Site-Id", description: "The site's id." },
        timestamp: {
          type: "apiKey",
          in: "header",
          name: "X-Timestamp",
          description: "Unix seconds; within `public.signatureWindowSeconds` of the server.",
        },
        signature: {
          type: "apiKey",
          in: "header",
          name: "X-Signature",
          description: "Hex HMAC-SHA256 under the site's API secret of " +
            '`timestamp + "." + raw_body` (seed scheme) or, with `X-Signature-Version: 2`, of ' +
            '`timestamp + "." + [nonce + "."] + METHOD + "." + path?query + "." + ' +
            "raw_body`. Each signature is accepted once.",
        },
      },
    },
  };
}

/** `get_v1_public_deposits_uuid`: unique, stable, derived from method and path. */
function operationId(op: Operation): string {
  return `${op.method}${op.path.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+/g, "_")}`;
}

/** The query parameters of a query schema, each with its own JSON Schema. */
function queryParameters(query: z.ZodObject): JsonObject[] {
  const json = z.toJSONSchema(query, { io: "input", unrepresentable: "any" }) as JsonObject;
  const properties = (json.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return {
      name,
      in: "query",
      required: required.has(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

/** The documented operations as `METHOD /path` in Hono's form (`/v1/x/:id`). */
export function documentedRoutes(): string[] {
  return OPERATIONS.map((op) =>
    `${op.method.toUpperCase()} ${op.path.replace(/\{([^}]+)\}/g, ":$1")}`
  );
}
