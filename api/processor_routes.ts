/**
 * The twelve endpoints of the exchange API (`shared/seeds/processor-api.txt`), and an
 * operator's view of sweeps (`GET /v1/sweeps`, ours). Handlers only
 * validate shapes (schemas.ts), call `core/processor.ts` and render the seed's JSON: field
 * names, `"ID"` casing, amounts as decimal strings, times as unix seconds.
 */

import type { Context, MiddlewareHandler } from "hono";
import type { ProcessorContext } from "../core/context.ts";
import { UnavailableError } from "../core/errors.ts";
import type { Income, Withdrawal } from "../core/models.ts";
import {
  allAddresses,
  balance,
  cancelWithdrawal,
  history,
  incomeByHash,
  newAddress,
  requestWithdrawal,
  resolveName,
  serviceNativeWithdrawal,
  serviceTokenWithdrawal,
  sweeps,
  syncState,
  type TokenServiceTerms,
  totalIncome,
  withdrawalStatus,
} from "../core/processor.ts";
import {
  balanceQuery,
  cancelWithdrawalBody,
  historyQuery,
  incomeByHashQuery,
  newAddressBody,
  readBody,
  readQuery,
  resolveQuery,
  serviceJettonBody,
  serviceTonBody,
  sweepsQuery,
  userQuery,
  withdrawalBody,
  withdrawalStatusQuery,
} from "./schemas.ts";
import {
  addressesResponse,
  addressResponse,
  balanceResponse,
  historyResponse,
  incomeByHashResponse,
  incomeSchema,
  memoResponse,
  reply,
  sweepsResponse,
  syncResponse,
  syncUnavailableResponse,
  totalIncomeResponse,
  withdrawalIdResponse,
  withdrawalStatusResponse,
} from "./responses.ts";
import type { z } from "zod";

/** How a route is registered: method, path and its middlewares before the handler. */
export type Register = (
  method: "GET" | "POST" | "PUT",
  path: string,
  middlewares: MiddlewareHandler[],
  handler: (c: Context) => Promise<Response>,
) => void;

/** What the processor routes need from the app: the guards to put in front of them. */
export interface RouteGuards {
  /** Bearer token check. */
  auth: MiddlewareHandler;
  /** Request body size limit, for routes that read a body. */
  bodyLimit: MiddlewareHandler;
}

/** A database id as a JSON number; ids are bigserial and stay far below 2^53. */
export function jsonId(id: bigint): number {
  if (id < 0n || id > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`id ${id} is outside the safe JSON integer range`);
  }
  return Number(id);
}

/** An income as the seed renders it in history and by-hash answers (api/responses.ts). */
export type IncomeJson = z.input<typeof incomeSchema>;

/** Renders an income in the seed's shape. */
export function incomeJson(income: Income): IncomeJson {
  const out: IncomeJson = {
    deposit_address: income.depositAddress,
    time: income.time,
    source_address: income.sourceAddress ?? "",
    amount: income.amount.toString(),
    comment: income.comment ?? "",
    tx_hash: income.txHash,
    confirmations: income.confirmations,
  };
  if (income.binaryComment !== null) out.binary_comment = income.binaryComment;
  return out;
}

/** A withdrawal status answer: `tx_hash` appears only once the chain has one. */
export function withdrawalStatusJson(w: Withdrawal): z.input<typeof withdrawalStatusResponse> {
  const out: z.input<typeof withdrawalStatusResponse> = {
    user_id: w.userId ?? "",
    query_id: w.queryId ?? "",
    status: w.status,
  };
  if (w.txHash !== null) out.tx_hash = w.txHash;
  return out;
}

/** The seed's words for the contract of `/v1/withdrawal/service/jetton` and its refusals. */
export const JETTON_SERVICE_TERMS: TokenServiceTerms = {
  field: "jetton_master",
  invalid: "is not a valid address",
  unknown: "no configured jetton has this master",
};

/** A service withdrawal route's name: the last segment of its path. */
const routeOf = (path: string): string => path.slice(path.lastIndexOf("/") + 1);

/** Registers the exchange API on `register`, behind `guards`. */
export function registerProcessorRoutes(
  register: Register,
  ctx: ProcessorContext,
  guards: RouteGuards,
): void {
  const authed = [guards.auth];
  const authedBody = [guards.auth, guards.bodyLimit];

  register("POST", "/v1/address/new", authedBody, async (c) => {
    const body = await readBody(c, newAddressBody);
    const address = await newAddress(ctx, body.user_id, body.currency);
    return reply(c, addressResponse, { address });
  });

  register("GET", "/v1/address/all", authed, async (c) => {
    const q = readQuery(c, userQuery);
    return reply(c, addressesResponse, { addresses: await allAddresses(ctx, q.user_id) });
  });

  register("GET", "/v1/income", authed, async (c) => {
    const q = readQuery(c, userQuery);
    const income = await totalIncome(ctx, q.user_id);
    return reply(c, totalIncomeResponse, {
      counting_side: income.countingSide,
      total_income: income.totals.map((t) => ({
        deposit_address: t.depositAddress,
        amount: t.amount.toString(),
        currency: t.currency,
      })),
    });
  });

  register("GET", "/v1/deposit/history", authed, async (c) => {
    const q = readQuery(c, historyQuery);
    const incomes = await history(ctx, {
      userId: q.user_id,
      currency: q.currency,
      limit: q.limit,
      offset: q.offset,
      order: q.sort_order,
    });
    return reply(c, historyResponse, { incomes: incomes.map(incomeJson) });
  });

  register("POST", "/v1/withdrawal/send", authedBody, async (c) => {
    const body = await readBody(c, withdrawalBody);
    const { id } = await requestWithdrawal(ctx, {
      userId: body.user_id,
      queryId: body.query_id,
      currency: body.currency,
      amount: body.amount,
      destination: body.destination,
      comment: body.comment,
      binaryComment: body.binary_comment,
    });
    return reply(c, withdrawalIdResponse, { ID: jsonId(id) });
  });

  // The seed names these two after one chain; they serve whichever plugins declare their
  // routes (see `ServiceWithdrawals`), a route being the path's last segment.
  const nativePath = "/v1/withdrawal/service/ton";
  register("POST", nativePath, authedBody, async (c) => {
    const body = await readBody(c, serviceTonBody);
    const memo = await serviceNativeWithdrawal(ctx, routeOf(nativePath), body.from);
    return reply(c, memoResponse, { memo });
  });

  const tokenPath = "/v1/withdrawal/service/jetton";
  register("POST", tokenPath, authedBody, async (c) => {
    const body = await readBody(c, serviceJettonBody);
    const memo = await serviceTokenWithdrawal(
      ctx,
      routeOf(tokenPath),
      body.owner,
      body.jetton_master,
      JETTON_SERVICE_TERMS,
    );
    return reply(c, memoResponse, { memo });
  });

  // Ours: a pending withdrawal can be taken back; 409 once a signed payload carries it.
  register("POST", "/v1/withdrawal/cancel", authedBody, async (c) => {
    const body = await readBody(c, cancelWithdrawalBody);
    return reply(
      c,
      withdrawalStatusResponse,
      withdrawalStatusJson(await cancelWithdrawal(ctx, body.id)),
    );
  });

  register("GET", "/v1/withdrawal/status", authed, async (c) => {
    const q = readQuery(c, withdrawalStatusQuery);
    return reply(
      c,
      withdrawalStatusResponse,
      withdrawalStatusJson(await withdrawalStatus(ctx, q.id)),
    );
  });

  register("GET", "/v1/balance", authed, async (c) => {
    const q = readQuery(c, balanceQuery);
    const b = await balance(ctx, q.currency, q.address);
    if (q.address !== undefined) {
      return reply(c, balanceResponse, { balance: b.balance.toString(), status: b.status });
    }
    return reply(c, balanceResponse, {
      balance: b.balance.toString(),
      status: b.status,
      total_processing_amount: (b.processing ?? 0n).toString(),
      total_pending_amount: (b.pending ?? 0n).toString(),
    });
  });

  // Open by design (the seed lists no 401): monitoring probes poll it without a token, and
  // whatever query string a probe adds is ignored.
  register("GET", "/v1/system/sync", [], async (c) => {
    let sync;
    try {
      sync = await syncState(ctx);
    } catch (error) {
      // Without the database nothing is known to be synced: a probe must read "no", not 500.
      if (!(error instanceof UnavailableError)) throw error;
      return reply(c, syncUnavailableResponse, { error: error.message, is_synced: false }, 503);
    }
    return reply(c, syncResponse, {
      is_synced: sync.isSynced,
      last_block_gen_utime: sync.lastBlockTime,
      chains: Object.fromEntries(sync.chains.map((s) => [s.chain, {
        is_synced: s.isSynced,
        last_block_gen_utime: s.lastBlockTime,
        last_block_height: s.lastBlockHeight,
        lag_seconds: s.lagSeconds,
      }])),
    });
  });

  register("GET", "/v1/deposit/income", authed, async (c) => {
    const q = readQuery(c, incomeByHashQuery);
    const income = await incomeByHash(ctx, q.tx_hash);
    return reply(c, incomeByHashResponse, {
      currency: income.currency,
      income: incomeJson(income),
    });
  });

  register("GET", "/v1/sweeps", authed, async (c) => {
    const q = readQuery(c, sweepsQuery);
    const list = await sweeps(ctx, q.chain, q.limit);
    return reply(c, sweepsResponse, {
      sweeps: list.map((s) => ({
        id: jsonId(s.id),
        chain: s.chain,
        currency: s.currency,
        deposit_address: ctx.plugins.get(s.chain)?.derivation.display(s.address) ?? s.address,
        kind: s.kind,
        status: s.status,
        amount: s.amount === null ? null : s.amount.toString(),
        fee: s.fee.toString(),
        tx_hash: s.txHash,
        created_at: Math.floor(s.createdAt.getTime() / 1000),
      })),
    });
  });

  register("GET", "/v1/resolve", authed, async (c) => {
    const q = readQuery(c, resolveQuery);
    return reply(c, addressResponse, { address: await resolveName(ctx, q.domain) });
  });
}
