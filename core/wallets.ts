/**
 * The operator's view of each chain's hot wallet: where it is, what it holds, what is queued
 * against it, and what it must be funded with so that queued withdrawals (and their fees) can
 * leave. One aggregate query per chain; one balance read per asset from the node.
 */

import type { ProcessorContext } from "./context.ts";
import { UnavailableError } from "./errors.ts";
import type { ChainPlugin } from "./plugin.ts";
import { big } from "./store/rows.ts";

/** One asset of a hot wallet. */
export interface HotAsset {
  currency: string;
  /** Balance on chain, base units; null when the node did not answer. */
  balance: bigint | null;
  /** Queued and unseen withdrawals of this asset (lent resources excluded), base units. */
  pending: bigint;
  processing: bigint;
  /** How many withdrawals of this asset wait or are in flight. */
  queued: number;
  /** Why `balance` is null. */
  error?: string;
}

/** Something the hot wallet must be sent for its queue to drain. */
export interface FundingNeed {
  currency: string;
  /** Base units missing now, beyond the balance. */
  amount: bigint;
  why: string;
}

/** A chain's hot wallet. */
export interface HotWallet {
  chain: string;
  address: string;
  coldWallet: string | null;
  /** The native coin that pays every transaction's fees. */
  feeCurrency: string | null;
  assets: HotAsset[];
  /** Empty when the balances cover the queue (or when a balance is unknown). */
  needs: FundingNeed[];
}

async function queueOf(
  ctx: ProcessorContext,
  chain: string,
): Promise<Map<string, { pending: bigint; processing: bigint; count: number }>> {
  const rows = await ctx.db.query(
    `select currency,
       coalesce(sum(amount) filter (where status = 'pending'), 0)::text as pending,
       coalesce(sum(amount) filter (where status = 'processing'), 0)::text as processing,
       count(*)::int as n
     from withdrawals where chain = $1 and status in ('pending', 'processing')
       and spends
     group by currency`,
    [chain],
  );
  return new Map(rows.map((r) => [String(r.currency), {
    pending: big(r.pending),
    processing: big(r.processing),
    count: Number(r.n),
  }]));
}

async function hotBalance(
  plugin: ChainPlugin,
  currency: string,
): Promise<{ balance: bigint | null; error?: string }> {
  try {
    return { balance: (await plugin.sender.balance(currency)).balance };
  } catch (error) {
    // A node's own message may quote its endpoint (and a key in it): only ours is shown.
    const why = error instanceof UnavailableError
      ? error.message
      : `the ${plugin.chain} node did not answer`;
    return { balance: null, error: why };
  }
}

/** The hot wallet of one chain, with its funding needs. */
export async function hotWallet(ctx: ProcessorContext, plugin: ChainPlugin): Promise<HotWallet> {
  const queue = await queueOf(ctx, plugin.chain);
  const native = plugin.assets.find((a) => a.contract === null)?.code ?? null;
  const assets: HotAsset[] = [];
  for (const asset of plugin.assets) {
    const q = queue.get(asset.code) ?? { pending: 0n, processing: 0n, count: 0 };
    const read = await hotBalance(plugin, asset.code);
    assets.push({
      currency: asset.code,
      balance: read.balance,
      pending: q.pending,
      processing: q.processing,
      queued: q.count,
      ...(read.error ? { error: read.error } : {}),
    });
  }
  const needs: FundingNeed[] = [];
  let nativeFees = 0n;
  for (const a of assets) {
    nativeFees += plugin.sender.nativeCost(a.currency) * BigInt(a.queued);
  }
  for (const a of assets) {
    if (a.balance === null) continue;
    const fees = a.currency === native ? nativeFees : 0n;
    const missing = a.pending + a.processing + fees - a.balance;
    if (missing > 0n) {
      needs.push({
        currency: a.currency,
        amount: missing,
        why: fees > 0n
          ? "queued withdrawals and their fees exceed the balance"
          : "queued withdrawals exceed the balance",
      });
    }
  }
  return {
    chain: plugin.chain,
    address: plugin.derivation.hotWallet.display,
    coldWallet: plugin.coldWallet?.display ?? null,
    feeCurrency: native,
    assets,
    needs,
  };
}

/** Every enabled chain's hot wallet. */
export async function hotWallets(ctx: ProcessorContext): Promise<HotWallet[]> {
  return await Promise.all([...ctx.plugins.values()].map((p) => hotWallet(ctx, p)));
}
