/**
 * What an operator must see and do, behind the bearer token: alarms (list, acknowledge,
 * resolve, which resumes the halted sender once none of its chain is left), unrecognized
 * transfers, and each chain's hot wallet with what it needs funding with.
 *
 * @module
 */

import { z } from "zod";
import type { Context } from "hono";
import type { ProcessorContext } from "../core/context.ts";
import { NotFoundError } from "../core/errors.ts";
import { alarmJson, unrecognizedJson } from "../core/ops_json.ts";
import {
  acknowledgeAlarm,
  ALARM_STATES,
  alarmById,
  listAlarms,
  resolveAlarm,
} from "../core/store/alarms.ts";
import { listUnrecognized } from "../core/store/unrecognized.ts";
import { type HotWallet, hotWallets } from "../core/wallets.ts";
import { jsonError } from "./errors.ts";
import type { Register, RouteGuards } from "./processor_routes.ts";
import { DEFAULT_LIMIT, integerParam, MAX_LIMIT, readBody, readQuery } from "./schemas.ts";
import {
  alarmSchema,
  alarmsResponse,
  reply,
  unrecognizedResponse,
  walletsResponse,
} from "./responses.ts";

function walletJson(w: HotWallet): z.input<typeof walletsResponse>["wallets"][number] {
  return {
    chain: w.chain,
    address: w.address,
    coldWallet: w.coldWallet,
    feeCurrency: w.feeCurrency,
    assets: w.assets.map((a) => ({
      currency: a.currency,
      balance: a.balance === null ? null : a.balance.toString(),
      pending: a.pending.toString(),
      processing: a.processing.toString(),
      queued: a.queued,
      ...(a.error ? { error: a.error } : {}),
    })),
    needs: w.needs.map((n) => ({ currency: n.currency, amount: n.amount.toString(), why: n.why })),
  };
}

const chainParam = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, {
  error: "must be a chain name such as coin",
});

const beforeParam = z.string().regex(/^[1-9][0-9]{0,15}$/, {
  error: "must be a positive whole number",
}).transform(BigInt);

/** GET /v1/admin/alarms */
export const alarmsQuery = z.strictObject({
  state: z.enum(["open", "acknowledged", "resolved", "unresolved", "all"], {
    error: `must be one of ${[...ALARM_STATES, "unresolved", "all"].join(", ")}`,
  }).default("all"),
  chain: chainParam.optional(),
  before: beforeParam.optional(),
  limit: integerParam(1, MAX_LIMIT).default(DEFAULT_LIMIT),
});

/** GET /v1/admin/unrecognized */
export const unrecognizedQuery = z.strictObject({
  chain: chainParam.optional(),
  before: beforeParam.optional(),
  limit: integerParam(1, MAX_LIMIT).default(DEFAULT_LIMIT),
});

/** Longest note an operator may leave on an alarm. */
export const MAX_NOTE_LENGTH = 2000;

/** POST /v1/admin/alarms/{alarmId}/acknowledge and /resolve */
export const noteBody = z.strictObject({
  note: z.string({
    error: (issue) => issue.input === undefined ? "is required" : "must be a string",
  }).trim().min(1, "must not be empty").max(MAX_NOTE_LENGTH, {
    error: `must be at most ${MAX_NOTE_LENGTH} characters`,
  }),
});

function alarmIdOf(c: Context): bigint {
  const raw = c.req.param("alarmId") ?? "";
  // A malformed id names no alarm: 404 like any unknown one.
  if (!/^[1-9][0-9]{0,15}$/.test(raw)) throw new NotFoundError(`alarmId: no alarm ${raw}`);
  return BigInt(raw);
}

/** Registers the operator's alarm, unrecognized-transfer and wallet routes. */
export function registerAdminOpsRoutes(
  register: Register,
  ctx: ProcessorContext,
  guards: RouteGuards,
): void {
  const authed = [guards.auth];
  const authedBody = [guards.auth, guards.bodyLimit];

  register("GET", "/v1/admin/alarms", authed, async (c) => {
    const q = readQuery(c, alarmsQuery);
    const alarms = await listAlarms(ctx.db, {
      state: q.state === "all" ? undefined : q.state,
      chain: q.chain,
      beforeId: q.before,
      limit: q.limit,
    });
    return reply(c, alarmsResponse, { alarms: alarms.map(alarmJson) });
  });

  register("GET", "/v1/admin/alarms/:alarmId", authed, async (c) => {
    const id = alarmIdOf(c);
    const alarm = await alarmById(ctx.db, id);
    if (!alarm) throw new NotFoundError(`alarmId: no alarm ${id}`);
    return reply(c, alarmSchema, alarmJson(alarm));
  });

  for (const action of ["acknowledge", "resolve"] as const) {
    register("POST", `/v1/admin/alarms/:alarmId/${action}`, authedBody, async (c) => {
      const id = alarmIdOf(c);
      const body = await readBody(c, noteBody);
      const change = action === "acknowledge" ? acknowledgeAlarm : resolveAlarm;
      const changed = await change(ctx.db, id, body.note);
      if (changed) {
        ctx.log.warn(`alarm ${action}d`, { alarm: Number(id), chain: changed.chain });
        return reply(c, alarmSchema, alarmJson(changed));
      }
      const current = await alarmById(ctx.db, id);
      if (!current) throw new NotFoundError(`alarmId: no alarm ${id}`);
      return jsonError(c, 409, `alarmId: alarm ${id} is already ${current.state}`);
    });
  }

  register("GET", "/v1/admin/unrecognized", authed, async (c) => {
    const q = readQuery(c, unrecognizedQuery);
    const transfers = await listUnrecognized(ctx.db, {
      chain: q.chain,
      beforeId: q.before,
      limit: q.limit,
    });
    return reply(c, unrecognizedResponse, { transfers: transfers.map(unrecognizedJson) });
  });

  register("GET", "/v1/admin/wallets", authed, async (c) => {
    return reply(c, walletsResponse, { wallets: (await hotWallets(ctx)).map(walletJson) });
  });
}
