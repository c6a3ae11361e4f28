/**
 * Prometheus metrics (prom-client), one registry per processor so two processors in one
 * process (tests, a second instance) never mix their series.
 *
 * Two kinds of families:
 * - counters the workers bump on their own ticks (blocks and transactions scanned, incomes,
 *   node errors, webhook deliveries, HTTP requests): per instance, reset at restart, which
 *   `rate()` handles;
 * - gauges read from the database at scrape time by a fixed handful of aggregate queries
 *   (cursors, withdrawal queue, sweeps, outbox, alarms), so every instance reports the shared
 *   truth whichever one leads the workers; plus hot balances read from the node at most once
 *   per `balanceTtlMs`, so frequent scrapes do not spend a rate-limited node's quota.
 *
 * Money is bigint base units everywhere else; here, at the metric boundary only, amounts
 * become floats in the asset's whole units, since Prometheus samples are float64. A dashboard
 * may lose precision below about 1e-15 of a balance; nothing reads money back from a metric.
 */

import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ProcessorContext } from "./context.ts";
import type { NodeObserver } from "./node_observer.ts";
import { NON_HALTING_ALARMS } from "./store/alarms.ts";
import { big } from "./store/rows.ts";

/** The processor's metric families. */
export interface Metrics {
  registry: Registry;
  scannedHeight: Gauge<"chain">;
  nodeHeight: Gauge<"chain">;
  lagSeconds: Gauge<"chain">;
  blocksScanned: Counter<"chain">;
  transactionsScanned: Counter<"chain">;
  incomes: Counter<"chain" | "currency">;
  incomeAmount: Counter<"chain" | "currency">;
  nodeErrors: Counter<"chain" | "method">;
  withdrawals: Gauge<"chain" | "currency" | "status">;
  queueDepth: Gauge<"chain" | "currency">;
  oldestPendingSeconds: Gauge<"chain" | "currency">;
  hotBalance: Gauge<"chain" | "currency">;
  sweeps: Gauge<"chain" | "currency" | "status">;
  sweepFees: Gauge<"chain" | "currency" | "fee_currency">;
  outboxPending: Gauge<"target">;
  outboxOldestSeconds: Gauge<"target">;
  webhookDeliveries: Counter<"target" | "result">;
  alarmsOpen: Gauge<"chain">;
  senderHalted: Gauge<"chain">;
  httpRequests: Counter<"method" | "route" | "status">;
  httpDuration: Histogram<"method" | "route" | "status">;
  /** Hot balance reads, by chain and currency: when, and what (whole units). */
  balanceCache: Map<string, { at: number; value: number | null }>;
}

/** Every family name, for tests and dashboards to check against. */
export const METRIC_FAMILIES = [
  "processor_chain_scanned_height",
  "processor_chain_node_height",
  "processor_chain_lag_seconds",
  "processor_chain_blocks_scanned_total",
  "processor_chain_transactions_scanned_total",
  "processor_incomes_total",
  "processor_income_amount_total",
  "processor_node_errors_total",
  "processor_withdrawals",
  "processor_withdrawal_queue_depth",
  "processor_withdrawal_oldest_pending_age_seconds",
  "processor_hot_wallet_balance",
  "processor_sweeps",
  "processor_sweep_fees",
  "processor_webhook_outbox_pending",
  "processor_webhook_outbox_oldest_pending_age_seconds",
  "processor_webhook_deliveries_total",
  "processor_alarms_open",
  "processor_sender_halted",
  "processor_http_requests_total",
  "processor_http_request_duration_seconds",
] as const;

/** Creates the families in a fresh registry. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    scannedHeight: new Gauge({
      name: "processor_chain_scanned_height",
      help: "Height of the last block ingested, per chain (from the database)",
      labelNames: ["chain"],
      registers,
    }),
    nodeHeight: new Gauge({
      name: "processor_chain_node_height",
      help: "Head height the chain's node last reported to this instance",
      labelNames: ["chain"],
      registers,
    }),
    lagSeconds: new Gauge({
      name: "processor_chain_lag_seconds",
      help: "Seconds between now and the generation time of the last block ingested",
      labelNames: ["chain"],
      registers,
    }),
    blocksScanned: new Counter({
      name: "processor_chain_blocks_scanned_total",
      help: "Blocks ingested by this instance",
      labelNames: ["chain"],
      registers,
    }),
    transactionsScanned: new Counter({
      name: "processor_chain_transactions_scanned_total",
      help: "Transactions in the blocks ingested by this instance",
      labelNames: ["chain"],
      registers,
    }),
    incomes: new Counter({
      name: "processor_incomes_total",
      help: "Incomes recorded by this instance, by asset",
      labelNames: ["chain", "currency"],
      registers,
    }),
    incomeAmount: new Counter({
      name: "processor_income_amount_total",
      help: "Sum of incomes recorded by this instance, in whole units of the asset",
      labelNames: ["chain", "currency"],
      registers,
    }),
    nodeErrors: new Counter({
      name: "processor_node_errors_total",
      help: "Failed node calls, by chain and RPC method",
      labelNames: ["chain", "method"],
      registers,
    }),
    withdrawals: new Gauge({
      name: "processor_withdrawals",
      help: "Withdrawals (all kinds) by status, from the database",
      labelNames: ["chain", "currency", "status"],
      registers,
    }),
    queueDepth: new Gauge({
      name: "processor_withdrawal_queue_depth",
      help: "Withdrawals waiting to be sent (pending)",
      labelNames: ["chain", "currency"],
      registers,
    }),
    oldestPendingSeconds: new Gauge({
      name: "processor_withdrawal_oldest_pending_age_seconds",
      help: "Age of the oldest pending withdrawal, 0 when none waits",
      labelNames: ["chain", "currency"],
      registers,
    }),
    hotBalance: new Gauge({
      name: "processor_hot_wallet_balance",
      help: "Hot wallet balance in whole units of the asset (NaN while the node does not answer)",
      labelNames: ["chain", "currency"],
      registers,
    }),
    sweeps: new Gauge({
      name: "processor_sweeps",
      help: "Sweeps by status, from the database",
      labelNames: ["chain", "currency", "status"],
      registers,
    }),
    sweepFees: new Gauge({
      name: "processor_sweep_fees",
      help: "Fees of sweeps (the deposit's own transaction and the hot wallet transfers made " +
        "for it), in whole units of the chain's fee currency",
      labelNames: ["chain", "currency", "fee_currency"],
      registers,
    }),
    outboxPending: new Gauge({
      name: "processor_webhook_outbox_pending",
      help: "Webhook events not yet delivered (site or exchange)",
      labelNames: ["target"],
      registers,
    }),
    outboxOldestSeconds: new Gauge({
      name: "processor_webhook_outbox_oldest_pending_age_seconds",
      help: "Age of the oldest undelivered webhook event, 0 when none waits",
      labelNames: ["target"],
      registers,
    }),
    webhookDeliveries: new Counter({
      name: "processor_webhook_deliveries_total",
      help: "Webhook delivery attempts by this instance: delivered, failed (retried), given_up",
      labelNames: ["target", "result"],
      registers,
    }),
    alarmsOpen: new Gauge({
      name: "processor_alarms_open",
      help: "Unresolved alarms (open or acknowledged) per chain",
      labelNames: ["chain"],
      registers,
    }),
    senderHalted: new Gauge({
      name: "processor_sender_halted",
      help: "1 while an unresolved alarm halts the chain's sender",
      labelNames: ["chain"],
      registers,
    }),
    httpRequests: new Counter({
      name: "processor_http_requests_total",
      help: "HTTP requests by method, route pattern and status",
      labelNames: ["method", "route", "status"],
      registers,
    }),
    httpDuration: new Histogram({
      name: "processor_http_request_duration_seconds",
      help: "HTTP request latency by method, route pattern and status",
      labelNames: ["method", "route", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    balanceCache: new Map(),
  };
}

/** Base units to a float in whole units; only for metrics (see the module comment). */
export function wholeUnits(amount: bigint, decimals: number): number {
  const scale = 10n ** BigInt(decimals);
  return Number(amount / scale) + Number(amount % scale) / Number(scale);
}

/** The node observer of one chain, feeding `nodeErrors` and `nodeHeight`. */
export function nodeObserver(metrics: Metrics, chain: string): NodeObserver {
  return {
    error: (method) => metrics.nodeErrors.inc({ chain, method }),
    head: (height) => metrics.nodeHeight.set({ chain }, Number(height)),
  };
}

function ageSeconds(now: number, value: unknown): number {
  if (value === null || value === undefined) return 0;
  const at = value instanceof Date ? value.getTime() : new Date(String(value)).getTime();
  return Math.max(0, (now - at) / 1000);
}

function decimalsOf(ctx: ProcessorContext, chain: string, currency: string): number | null {
  return ctx.plugins.get(chain)?.assets.find((a) => a.code === currency)?.decimals ?? null;
}

/**
 * Sets the database-derived gauges: six aggregate queries, none per row or per asset. The
 * withdrawal and sweep counts group whole tables; their `(chain, currency, status)` shape
 * keeps the answer small, and a scrape every 15 s is far below the API's own load.
 */
export async function refreshDbGauges(ctx: ProcessorContext, metrics: Metrics): Promise<void> {
  const now = ctx.clock.now();
  const [cursors, withdrawals, sweeps, sweepFunding, outbox, alarms] = await Promise.all([
    ctx.db.query("select chain, height::text as height, block_time from cursors"),
    ctx.db.query(
      `select chain, currency, status, count(*)::int as n,
         min(created_at) filter (where status = 'pending') as oldest
       from withdrawals group by chain, currency, status`,
    ),
    ctx.db.query(
      `select chain, currency, status, count(*)::int as n, coalesce(sum(fee), 0)::text as fee
       from sweeps group by chain, currency, status`,
    ),
    ctx.db.query(
      `select s.chain, s.currency, coalesce(sum(p.fee), 0)::text as fee
       from withdrawals w join payloads p on p.id = w.payload_ref join sweeps s on s.id = w.sweep_id
       where w.sweep_id is not null and w.status = 'processed' group by s.chain, s.currency`,
    ),
    ctx.db.query(
      `select site_id is null as exchange, count(*)::int as n, min(created_at) as oldest
       from outbox where status = 'pending' group by site_id is null`,
    ),
    ctx.db.query(
      `select chain, count(*)::int as n,
         count(*) filter (where not (kind = any($1::text[])))::int as halting
       from alarms where resolved_at is null group by chain`,
      [[...NON_HALTING_ALARMS]],
    ),
  ]);

  metrics.scannedHeight.reset();
  metrics.lagSeconds.reset();
  for (const r of cursors) {
    metrics.scannedHeight.set({ chain: String(r.chain) }, Number(r.height));
    metrics.lagSeconds.set(
      { chain: String(r.chain) },
      Math.max(0, now / 1000 - Number(r.block_time)),
    );
  }

  metrics.withdrawals.reset();
  metrics.queueDepth.reset();
  metrics.oldestPendingSeconds.reset();
  for (const plugin of ctx.plugins.values()) {
    for (const asset of plugin.assets) {
      const labels = { chain: plugin.chain, currency: asset.code };
      metrics.queueDepth.set(labels, 0);
      metrics.oldestPendingSeconds.set(labels, 0);
    }
  }
  for (const r of withdrawals) {
    const labels = { chain: String(r.chain), currency: String(r.currency) };
    metrics.withdrawals.set({ ...labels, status: String(r.status) }, Number(r.n));
    if (r.status === "pending") {
      metrics.queueDepth.set(labels, Number(r.n));
      metrics.oldestPendingSeconds.set(labels, ageSeconds(now, r.oldest));
    }
  }

  metrics.sweeps.reset();
  metrics.sweepFees.reset();
  const fees = new Map<string, bigint>();
  for (const r of sweeps) {
    metrics.sweeps.set(
      { chain: String(r.chain), currency: String(r.currency), status: String(r.status) },
      Number(r.n),
    );
    const key = `${r.chain}\u0000${r.currency}`;
    fees.set(key, (fees.get(key) ?? 0n) + big(r.fee));
  }
  for (const r of sweepFunding) {
    const key = `${r.chain}\u0000${r.currency}`;
    fees.set(key, (fees.get(key) ?? 0n) + big(r.fee));
  }
  for (const [key, fee] of fees) {
    const [chain, currency] = key.split("\u0000");
    const native = ctx.plugins.get(chain)?.assets.find((a) => a.contract === null);
    if (!native) continue;
    metrics.sweepFees.set(
      { chain, currency, fee_currency: native.code },
      wholeUnits(fee, native.decimals),
    );
  }

  for (const target of ["site", "exchange"]) {
    metrics.outboxPending.set({ target }, 0);
    metrics.outboxOldestSeconds.set({ target }, 0);
  }
  for (const r of outbox) {
    const target = r.exchange === true ? "exchange" : "site";
    metrics.outboxPending.set({ target }, Number(r.n));
    metrics.outboxOldestSeconds.set({ target }, ageSeconds(now, r.oldest));
  }

  metrics.alarmsOpen.reset();
  metrics.senderHalted.reset();
  const open = new Map(alarms.map((r) => [String(r.chain), r]));
  const chains = new Set([...ctx.plugins.keys(), ...open.keys()]);
  for (const chain of chains) {
    const row = open.get(chain);
    metrics.alarmsOpen.set({ chain }, Number(row?.n ?? 0));
    metrics.senderHalted.set({ chain }, Number(row?.halting ?? 0) > 0 ? 1 : 0);
  }
}

/**
 * Sets the hot balance gauges, reading from the node only what is older than `ttlMs`; a read
 * that fails or takes longer than `timeoutMs` shows as NaN until the next one succeeds.
 */
export async function refreshHotBalances(
  ctx: ProcessorContext,
  metrics: Metrics,
  options: { ttlMs?: number; timeoutMs?: number } = {},
): Promise<void> {
  const ttlMs = options.ttlMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 3000;
  const now = ctx.clock.now();
  const reads: Promise<void>[] = [];
  for (const plugin of ctx.plugins.values()) {
    for (const asset of plugin.assets) {
      const key = `${plugin.chain}\u0000${asset.code}`;
      const cached = metrics.balanceCache.get(key);
      if (cached && now - cached.at < ttlMs) continue;
      reads.push((async () => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        let value: number | null = null;
        try {
          const balance = await Promise.race([
            plugin.sender.balance(asset.code),
            new Promise<never>((_, reject) =>
              timer = setTimeout(() => reject(new Error("timeout")), timeoutMs)
            ),
          ]);
          value = wholeUnits(balance.balance, asset.decimals);
        } catch {
          // Counted by the node observer where the plugin reports it; shown as NaN here.
        } finally {
          clearTimeout(timer);
        }
        metrics.balanceCache.set(key, { at: now, value });
      })());
    }
  }
  await Promise.all(reads);
  metrics.hotBalance.reset();
  for (const [key, { value }] of metrics.balanceCache) {
    const [chain, currency] = key.split("\u0000");
    if (decimalsOf(ctx, chain, currency) === null) continue;
    metrics.hotBalance.set({ chain, currency }, value ?? NaN);
  }
}
