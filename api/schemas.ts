/**
 * Request validation at the edge: zod schemas for every body and query of the exchange API,
 * and the helpers that read a request into them. Every refusal is an InputError whose message
 * names the field (`amount: must be a decimal string of base units`), so the caller always
 * learns what to fix and never sees a 500 for bad input.
 */

import type { Context } from "hono";
import { z } from "zod";
import { parseBaseUnits } from "../core/amount.ts";
import { InputError } from "../core/errors.ts";

/** Largest `limit` of a history page. */
export const MAX_LIMIT = 1000;
/** `limit` when the caller gives none. */
export const DEFAULT_LIMIT = 100;
/** Longest user_id / query_id accepted. */
export const MAX_ID_LENGTH = 256;

// Custom messages keep the wording ours rather than zod's, which changes between versions.
function typeError(expected: string) {
  return (issue: { input?: unknown }) =>
    issue.input === undefined ? "is required" : `must be ${expected}`;
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Why `value`, a string or any JSON value, cannot be stored by Postgres as text or jsonb (a
 * NUL character, a lone surrogate), or null. Every string that reaches the database passes
 * this, keys of JSON objects included.
 */
export function unstorable(value: unknown): string | null {
  if (typeof value === "string") {
    if (value.includes("\u0000")) return "must not contain NUL characters";
    if (!value.isWellFormed()) return "must be valid Unicode";
    return null;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = unstorable(item);
      if (problem) return problem;
    }
    return null;
  }
  if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const problem = unstorable(key) ?? unstorable(item);
      if (problem) return problem;
    }
  }
  return null;
}

/** A zod refinement refusing what {@linkcode unstorable} finds. */
export function storable(value: unknown, ctx: z.RefinementCtx): void {
  const problem = unstorable(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
}

/** Why `value` is not acceptable as an identifier-like text, or null. */
function textProblem(value: string, max: number): string | null {
  if (value.length === 0) return "must not be empty";
  if (value.length > max) return `must be at most ${max} characters`;
  if (!value.isWellFormed()) return "must be valid Unicode";
  if (CONTROL.test(value)) return "must not contain control characters";
  if (value.trim() !== value) return "must not have leading or trailing whitespace";
  return null;
}

/** A non-empty single-line string without surrounding whitespace, at most `max` long. */
function text(max: number) {
  return z.string({ error: typeError("a string") }).superRefine((value, ctx) => {
    const problem = textProblem(value, max);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}

/** user_id / query_id: strings only (the seed sends strings; numbers are refused). */
const identifier = text(MAX_ID_LENGTH);
/** Currency code as configured (an asset's `code`). */
const currency = text(32);
/** An address in any form the chain's plugin may parse; the plugin judges the content. */
const address = text(256);

/** Amount in base units, a positive decimal string ("1000000"). */
const amount = z.string({ error: typeError("a decimal string of base units") }).transform(
  (value, ctx) => {
    const parsed = parseBaseUnits(value);
    if (parsed === null) {
      ctx.addIssue({ code: "custom", message: "must be a decimal string of base units" });
      return z.NEVER;
    }
    if (parsed === 0n) {
      ctx.addIssue({ code: "custom", message: "must be greater than zero" });
      return z.NEVER;
    }
    return parsed;
  },
);

/**
 * A memo text; absent and null both mean "none". Only what the database cannot store is
 * refused here (NUL, lone surrogates); length and encoding rules belong to the plugin.
 */
const memo = z.string({ error: typeError("a string or null") }).nullish().superRefine(
  (value, ctx) => {
    if (value === null || value === undefined) return;
    if (value.includes("\u0000")) {
      ctx.addIssue({ code: "custom", message: "must not contain NUL characters" });
    } else if (!value.isWellFormed()) {
      ctx.addIssue({ code: "custom", message: "must be valid Unicode" });
    }
  },
).transform((value) => value ?? null);

/** POST /v1/address/new */
export const newAddressBody = z.strictObject({ user_id: identifier, currency });

/** POST /v1/withdrawal/send */
export const withdrawalBody = z.strictObject({
  user_id: identifier,
  query_id: identifier,
  currency,
  amount,
  destination: address,
  comment: memo,
  binary_comment: memo,
}).superRefine((body, ctx) => {
  if (body.comment !== null && body.binary_comment !== null) {
    ctx.addIssue({
      code: "custom",
      path: ["binary_comment"],
      message: "cannot be given together with comment",
    });
  }
});

/** POST /v1/withdrawal/service/ton */
export const serviceTonBody = z.strictObject({ from: address });

/** POST /v1/withdrawal/service/jetton */
export const serviceJettonBody = z.strictObject({ owner: address, jetton_master: address });

/** POST /devnet/faucet */
export const faucetBody = z.strictObject({
  currency,
  to: address,
  amount,
  comment: memo,
  /** Native coin forwarded with a token transfer (token wallets that notify); "0" allowed. */
  forward_amount: z.string().regex(
    /^(0|[1-9][0-9]{0,30})$/,
    "must be a decimal string of base units",
  )
    .transform(BigInt).optional(),
  /** How the devnet pays (in the plugin's own terms); the plugin refuses others. */
  via: z.string().regex(/^[a-z0-9_]{1,32}$/, "must be a payment route name").optional(),
});

/** Longest merchant site name accepted. */
export const MAX_SITE_NAME_LENGTH = 200;
/** Longest webhook URL accepted. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/** Why `value` is not acceptable as a webhook URL, or null. */
export function webhookUrlProblem(value: string): string | null {
  if (value.length > MAX_WEBHOOK_URL_LENGTH) {
    return `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`;
  }
  if (!URL.canParse(value) || value.trim() !== value || CONTROL.test(value)) {
    return "must be an absolute http or https URL";
  }
  const url = new URL(value);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return "must be an absolute http or https URL";
  }
  // Credentials in the URL would be shown back by every GET of the site.
  if (url.username !== "" || url.password !== "") return "must not contain credentials";
  return null;
}

/** A merchant webhook URL, kept as given once it passes {@linkcode webhookUrlProblem}. */
const webhookUrl = z.string({ error: typeError("a URL string") }).superRefine((value, ctx) => {
  const problem = webhookUrlProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** A boolean flag: JSON true or false only, never "true" or 1. */
const flag = z.boolean({ error: typeError("true or false") });

/** POST /v1/admin/sites */
export const createSiteBody = z.strictObject({
  name: text(MAX_SITE_NAME_LENGTH),
  webhookUrl: webhookUrl.nullish(),
  requireStrongSignature: flag.optional(),
});

/** PUT /v1/admin/sites/{siteId}/webhook: null removes the webhook. */
export const siteWebhookBody = z.strictObject({ webhookUrl: webhookUrl.nullable() });

/** PUT /v1/admin/sites/{siteId}/signature */
export const siteSignatureBody = z.strictObject({ requireStrongSignature: flag });

// Query parameters always arrive as strings.

/** A non-negative decimal integer, no sign, no fraction, no leading zeros. */
export function integerParam(
  min: number,
  max: number,
): z.ZodPipe<z.ZodString, z.ZodTransform<number, string>> {
  return z.string().transform((value, ctx) => {
    if (!/^(0|[1-9][0-9]{0,15})$/.test(value)) {
      ctx.addIssue({ code: "custom", message: "must be a whole number" });
      return z.NEVER;
    }
    const n = Number(value);
    if (n < min) {
      ctx.addIssue({ code: "custom", message: `must be at least ${min}` });
      return z.NEVER;
    }
    if (n > max) {
      ctx.addIssue({ code: "custom", message: `must be at most ${max}` });
      return z.NEVER;
    }
    return n;
  });
}

/** Routes that take no query parameters (GET /v1/admin/sites): any parameter is refused. */
export const noQuery = z.strictObject({});

/** GET /v1/address/all, GET /v1/income */
export const userQuery = z.strictObject({ user_id: identifier });

/** GET /v1/deposit/history */
export const historyQuery = z.strictObject({
  user_id: identifier,
  currency,
  limit: integerParam(1, MAX_LIMIT).default(DEFAULT_LIMIT),
  offset: integerParam(0, Number.MAX_SAFE_INTEGER).default(0),
  sort_order: z.enum(["asc", "desc"], { error: "must be asc or desc" }).default("desc"),
});

/** GET /v1/sweeps: an operator's view of sweeps, newest first (an addition to the seed). */
export const sweepsQuery = z.strictObject({
  chain: z.string({ error: typeError("a string") }).regex(/^[a-z][a-z0-9_]{0,31}$/, {
    error: "must be a chain name: lower-case letters, digits and _",
  }).optional(),
  limit: integerParam(1, MAX_LIMIT).default(DEFAULT_LIMIT),
});

/** GET /v1/withdrawal/status: ids are positive and, in JSON, safe integers. */
export const withdrawalStatusQuery = z.strictObject({
  id: z.string({ error: typeError("a string") }).transform((value, ctx) => {
    if (!/^[1-9][0-9]{0,15}$/.test(value) || Number(value) > Number.MAX_SAFE_INTEGER) {
      ctx.addIssue({ code: "custom", message: "must be a positive whole number" });
      return z.NEVER;
    }
    return BigInt(value);
  }),
});

/**
 * POST /v1/withdrawal/cancel (ours): the `ID` that /v1/withdrawal/send answered, as a JSON
 * number or a decimal string.
 */
export const cancelWithdrawalBody = z.strictObject({
  id: z.union([z.number(), z.string()], { error: typeError("a withdrawal ID") }).transform(
    (value, ctx) => {
      const text = String(value);
      if (!/^[1-9][0-9]{0,15}$/.test(text) || Number(text) > Number.MAX_SAFE_INTEGER) {
        ctx.addIssue({ code: "custom", message: "must be a positive whole number" });
        return z.NEVER;
      }
      return BigInt(text);
    },
  ),
});

/** GET /v1/balance: no address means the hot wallet. */
export const balanceQuery = z.strictObject({ currency, address: address.optional() });

/** GET /v1/deposit/income: transaction hashes are 32 bytes of hex. */
export const incomeByHashQuery = z.strictObject({
  tx_hash: z.string({ error: typeError("a string") }).regex(/^[0-9a-fA-F]{64}$/, {
    error: "must be 64 hexadecimal characters",
  }).transform((value) => value.toLowerCase()),
});

/**
 * GET /v1/resolve: dot-separated labels of letters, digits, `-` and `_`, at least two labels
 * (the seed's example), at most 126 characters, the longest a name service here allows.
 */
export const resolveQuery = z.strictObject({
  domain: z.string({ error: typeError("a string") }).regex(
    /^(?=.{3,126}$)[A-Za-z0-9_-]{1,63}(\.[A-Za-z0-9_-]{1,63})+$/,
    // The seed's own example of this chain-named endpoint.
    { error: "must be a domain name such as wallet.ton" },
  ).transform((value) => value.toLowerCase()),
});

/** The InputError of a zod failure: its first issue, naming the field it is about. */
export function inputErrorOf(error: z.ZodError, where: "body" | "query"): InputError {
  const issue = error.issues[0];
  if (issue.code === "unrecognized_keys") {
    const noun = where === "body" ? "field" : "parameter";
    return new InputError(issue.keys[0], `unknown ${noun}`);
  }
  const field = issue.path.map(String).join(".") || where;
  return new InputError(field, issue.message);
}

/**
 * The body as UTF-8 text, exactly: a byte order mark is kept (so JSON.parse refuses it, as
 * RFC 8259 lets a parser do, instead of silently accepting something we did not sign or see),
 * and invalid UTF-8 is null rather than replacement characters.
 */
export function decodeBody(raw: Uint8Array): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(raw);
  } catch {
    return null;
  }
}

/** Parses the request body as JSON into `schema`; throws an InputError naming the field. */
export async function readBody<T extends z.ZodType>(
  c: Context,
  schema: T,
): Promise<z.output<T>> {
  const raw = decodeBody(new Uint8Array(await c.req.arrayBuffer()));
  let value: unknown;
  try {
    if (raw === null) throw new Error("not UTF-8");
    value = JSON.parse(raw);
  } catch {
    throw new InputError("body", "must be valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InputError("body", "must be a JSON object");
  }
  const result = schema.safeParse(value);
  if (!result.success) throw inputErrorOf(result.error, "body");
  return result.data;
}

/**
 * Parses the query string into `schema`. A parameter given twice is refused rather than
 * silently taking one of the values.
 */
export function readQuery<T extends z.ZodType>(c: Context, schema: T): z.output<T> {
  const entries: [string, string][] = [];
  for (const [key, values] of Object.entries(c.req.queries())) {
    if (values.length > 1) throw new InputError(key, "must be given once");
    entries.push([key, values[0]]);
  }
  // fromEntries defines own properties, so even a `__proto__` parameter is seen (and refused).
  const value = Object.fromEntries(entries);
  const result = schema.safeParse(value);
  if (!result.success) throw inputErrorOf(result.error, "query");
  return result.data;
}
