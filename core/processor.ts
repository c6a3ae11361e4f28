/**
 * The exchange API's operations, chain-agnostic: the HTTP layer validates shapes and calls
 * these; these validate meaning (currency, address, memo, idempotency) and talk to the store
 * and the plugins.
 */

import { assetOf, type ProcessorContext } from "./context.ts";
import { ConflictError, InputError, NotFoundError } from "./errors.ts";
import type { Income, Withdrawal } from "./models.ts";
import type { ChainPlugin } from "./plugin.ts";
import {
  addressByCanonical,
  addressesOfUser,
  insertAddress,
  nextDerivationIndex,
} from "./store/addresses.ts";
import { incomeByTxHash, incomeHistory, incomeTotals } from "./store/incomes.ts";
import { listSweeps, requestServiceSweep, type SweepRecord } from "./store/sweeps.ts";
import {
  cancelPendingWithdrawal,
  insertWithdrawal,
  queuedTotals,
  withdrawalById,
  withdrawalByQuery,
} from "./store/withdrawals.ts";
import { overallSync } from "./sync.ts";
import { queuedTopic } from "./wake.ts";

function requireAsset(ctx: ProcessorContext, currency: string) {
  const found = assetOf(ctx, currency);
  if (!found) throw new InputError("currency", `unknown currency ${JSON.stringify(currency)}`);
  return found;
}

/** Derives and records a new deposit address; returns its display form. */
export async function newAddress(
  ctx: ProcessorContext,
  userId: string,
  currency: string,
): Promise<string> {
  const { plugin } = requireAsset(ctx, currency);
  const index = await nextDerivationIndex(ctx.db);
  const derived = await plugin.derivation.deposit(index, currency);
  const stored = await insertAddress(ctx.db, {
    chain: plugin.chain,
    currency,
    userId,
    address: derived.address,
    display: derived.display,
    watchAddress: derived.watch,
    derivationIndex: index,
  });
  return stored.display;
}

/** Every deposit address of a user. */
export async function allAddresses(
  ctx: ProcessorContext,
  userId: string,
): Promise<{ address: string; currency: string }[]> {
  return (await addressesOfUser(ctx.db, userId)).map((a) => ({
    address: a.display,
    currency: a.currency,
  }));
}

/** Total income per deposit address of a user, on the configured counting side. */
export async function totalIncome(
  ctx: ProcessorContext,
  userId: string,
): Promise<{
  countingSide: "deposit" | "hot_wallet";
  totals: { depositAddress: string; currency: string; amount: bigint }[];
}> {
  const side = ctx.config.countingSide;
  const required = new Map(
    [...ctx.plugins.values()].map((p) => [p.chain, p.requiredConfirmations]),
  );
  return { countingSide: side, totals: await incomeTotals(ctx.db, userId, side, required) };
}

/** A user's incomes in one currency. */
export async function history(
  ctx: ProcessorContext,
  q: { userId: string; currency: string; limit: number; offset: number; order: "asc" | "desc" },
): Promise<Income[]> {
  requireAsset(ctx, q.currency);
  return await incomeHistory(ctx.db, q);
}

/** The income of a transaction hash; NotFoundError when there is none. */
export async function incomeByHash(ctx: ProcessorContext, txHash: string): Promise<Income> {
  const income = await incomeByTxHash(ctx.db, txHash.toLowerCase());
  if (!income) throw new NotFoundError(`no income with tx_hash ${txHash}`);
  return income;
}

/** A withdrawal request as the API received it. */
export interface WithdrawalRequest {
  userId: string;
  queryId: string;
  currency: string;
  amount: bigint;
  destination: string;
  comment: string | null;
  binaryComment: string | null;
}

function sameAddress(
  plugin: ChainPlugin,
  input: string,
  parsed: { address: string },
): boolean {
  const other = plugin.derivation.parseAddress(input);
  return !("error" in other) && other.address === parsed.address;
}

function isServiceAddress(plugin: ChainPlugin, address: string): boolean {
  return address === plugin.derivation.hotWallet.address ||
    address === plugin.coldWallet?.address;
}

/**
 * Queues a withdrawal. A repeated (user_id, query_id) with the same content returns the
 * original id; with different content it is refused naming the fields that differ.
 */
export async function requestWithdrawal(
  ctx: ProcessorContext,
  r: WithdrawalRequest,
): Promise<{ id: bigint; created: boolean }> {
  // A repeat is answered from what was stored, whatever has changed in config since.
  const existing = await withdrawalByQuery(ctx.db, r.userId, r.queryId);
  if (existing) return repeated(ctx, existing, r);
  const { plugin, asset } = requireAsset(ctx, r.currency);
  if (!plugin.sender.withdrawable(r.currency)) {
    throw new InputError("currency", `withdrawals of ${r.currency} are not supported yet`);
  }
  if (r.amount <= 0n) throw new InputError("amount", "must be greater than zero");
  // A withdrawal the hot wallet can never pay would hold its queue forever.
  if (r.amount > asset.maxWithdrawal) {
    throw new InputError("amount", `must be at most ${asset.maxWithdrawal} for ${r.currency}`);
  }
  const parsed = plugin.derivation.parseAddress(r.destination);
  if ("error" in parsed) throw new InputError("destination", parsed.error);
  const memoError = plugin.validateMemo(r.comment, r.binaryComment);
  if (memoError) throw new InputError(memoError.field, memoError.message);
  if (
    isServiceAddress(plugin, parsed.address) ||
    await addressByCanonical(ctx.db, plugin.chain, parsed.address)
  ) {
    throw new InputError("destination", "is an address of this processor");
  }
  // A token contract holds no one's funds: whatever is sent to it is lost.
  if (plugin.assets.some((a) => a.contract !== null && sameAddress(plugin, a.contract, parsed))) {
    throw new InputError("destination", "is a token contract, not a wallet");
  }
  const { withdrawal, created } = await insertWithdrawal(ctx.db, {
    chain: plugin.chain,
    currency: r.currency,
    kind: "user",
    userId: r.userId,
    queryId: r.queryId,
    amount: r.amount,
    destination: parsed.address,
    destinationInput: r.destination,
    comment: r.comment,
    binaryComment: r.binaryComment,
  });
  // The sender pays it now rather than at its next interval.
  if (created) ctx.wakes?.notify(queuedTopic(plugin.chain));
  // Lost a race with an identical request: answer as the repeat it is.
  return created ? { id: withdrawal.id, created } : repeated(ctx, withdrawal, r);
}

function repeated(
  ctx: ProcessorContext,
  w: Withdrawal,
  r: WithdrawalRequest,
): { id: bigint; created: false } {
  const differs = differences(ctx, w, r);
  if (differs.length) {
    throw new InputError(
      "query_id",
      `already used by withdrawal ${w.id} with a different ${differs.join(", ")}`,
    );
  }
  return { id: w.id, created: false };
}

function sameDestination(ctx: ProcessorContext, w: Withdrawal, input: string): boolean {
  if (w.destinationInput === input) return true;
  const plugin = ctx.plugins.get(w.chain);
  const parsed = plugin?.derivation.parseAddress(input);
  return parsed !== undefined && !("error" in parsed) && parsed.address === w.destination;
}

function differences(ctx: ProcessorContext, w: Withdrawal, r: WithdrawalRequest): string[] {
  const out: string[] = [];
  if (w.currency !== r.currency) out.push("currency");
  if (w.amount !== r.amount) out.push("amount");
  if (!sameDestination(ctx, w, r.destination)) out.push("destination");
  if (w.comment !== r.comment) out.push("comment");
  if (w.binaryComment !== r.binaryComment) out.push("binary_comment");
  return out;
}

/** A withdrawal's status; NotFoundError for an unknown id or an internal transfer. */
export async function withdrawalStatus(ctx: ProcessorContext, id: bigint): Promise<Withdrawal> {
  const w = await withdrawalById(ctx.db, id);
  if (!w || w.kind !== "user") throw new NotFoundError(`no withdrawal with id ${id}`);
  return w;
}

/**
 * Cancels a user withdrawal that is still `pending`. Idempotent: cancelling a cancelled one
 * answers the same. Once a signed payload carries it (`processing` and after) it is refused
 * with a ConflictError (409): it may already be on chain.
 */
export async function cancelWithdrawal(ctx: ProcessorContext, id: bigint): Promise<Withdrawal> {
  const w = await cancelPendingWithdrawal(ctx.db, id);
  if (!w || w.kind !== "user") throw new NotFoundError(`no withdrawal with id ${id}`);
  if (w.status !== "cancelled") {
    throw new ConflictError(
      `id: withdrawal ${id} is ${w.status}; only a pending withdrawal can be cancelled`,
    );
  }
  ctx.log.info("withdrawal cancelled", { id });
  return w;
}

/**
 * Requests a service withdrawal: all of `currency` on one of our deposit addresses goes to
 * the hot wallet with a fresh memo, which is returned.
 */
export async function serviceWithdrawal(
  ctx: ProcessorContext,
  currency: string,
  from: string,
): Promise<string> {
  const { plugin } = requireAsset(ctx, currency);
  const parsed = plugin.derivation.parseAddress(from);
  if ("error" in parsed) throw new InputError("from", parsed.error);
  const deposit = await addressByCanonical(ctx.db, plugin.chain, parsed.address);
  if (!deposit) throw new InputError("from", "is not a deposit address of this processor");
  const memo = crypto.randomUUID();
  if (!await requestServiceSweep(ctx.db, plugin.chain, deposit.id, currency, memo)) {
    throw new InputError("from", "a withdrawal from this address is already in progress");
  }
  return memo;
}

/**
 * Service withdrawal of the native coin of the plugin that serves `route` (see
 * `ServiceWithdrawals`); refused on `currency` when no enabled plugin does. Returns the memo.
 */
export async function serviceNativeWithdrawal(
  ctx: ProcessorContext,
  route: string,
  from: string,
): Promise<string> {
  for (const plugin of ctx.plugins.values()) {
    if (plugin.serviceWithdrawals?.native !== route) continue;
    const native = plugin.assets.find((a) => a.contract === null);
    if (native) return await serviceWithdrawal(ctx, native.code, from);
  }
  throw new InputError("currency", `no enabled chain serves ${route} service withdrawals`);
}

/** How the API names a token service withdrawal's contract field, and its two refusals. */
export interface TokenServiceTerms {
  /** The request field that holds the contract. */
  field: string;
  /** When no plugin of the route can parse the contract. */
  invalid: string;
  /** When no configured asset has that contract. */
  unknown: string;
}

/**
 * Service withdrawal of a token by its contract, through the plugins that serve `route`
 * (those with token wallets): all of it on one of our deposit addresses goes to the hot
 * wallet, also when it arrived at a deposit made for another currency. Returns the memo.
 */
export async function serviceTokenWithdrawal(
  ctx: ProcessorContext,
  route: string,
  owner: string,
  contract: string,
  terms: TokenServiceTerms,
): Promise<string> {
  let parsedAnywhere = false;
  const serving = [...ctx.plugins.values()].filter((p) => p.serviceWithdrawals?.token === route);
  for (const plugin of serving) {
    const wanted = plugin.derivation.parseAddress(contract);
    if ("error" in wanted) continue;
    parsedAnywhere = true;
    const asset = plugin.assets.find((a) => {
      if (a.contract === null) return false;
      const configured = plugin.derivation.parseAddress(a.contract);
      return !("error" in configured) && configured.address === wanted.address;
    });
    if (asset) return await serviceWithdrawal(ctx, asset.code, owner);
  }
  const invalid = !parsedAnywhere && serving.length > 0;
  throw new InputError(terms.field, invalid ? terms.invalid : terms.unknown);
}

/** Balance of the hot wallet (with queued totals) or of any address. */
export async function balance(
  ctx: ProcessorContext,
  currency: string,
  address: string | undefined,
): Promise<{ balance: bigint; status: string; pending?: bigint; processing?: bigint }> {
  const { plugin } = requireAsset(ctx, currency);
  if (address === undefined) {
    const [b, queued] = await Promise.all([
      plugin.sender.balance(currency),
      queuedTotals(ctx.db, plugin.chain, currency),
    ]);
    return { ...b, pending: queued.pending, processing: queued.processing };
  }
  const parsed = plugin.derivation.parseAddress(address);
  if ("error" in parsed) throw new InputError("address", parsed.error);
  return await plugin.sender.balance(currency, parsed.address);
}

/** Sync flag over all chains, with per-chain detail. */
export { overallSync as syncState };

/** Recent sweeps with what each cost, optionally of one chain. */
export async function sweeps(
  ctx: ProcessorContext,
  chain: string | undefined,
  limit: number,
): Promise<SweepRecord[]> {
  if (chain !== undefined && !ctx.plugins.has(chain)) {
    throw new InputError("chain", `no enabled chain is called ${JSON.stringify(chain)}`);
  }
  return await listSweeps(ctx.db, chain ?? null, limit);
}

/** Resolves a name through the first plugin that can; NotFoundError when none knows it. */
export async function resolveName(ctx: ProcessorContext, domain: string): Promise<string> {
  for (const plugin of ctx.plugins.values()) {
    if (!plugin.resolve) continue;
    const address = await plugin.resolve(domain);
    if (address) return address;
    throw new NotFoundError(`domain ${domain} is not found`);
  }
  throw new NotFoundError(`no enabled chain resolves ${domain}`);
}
