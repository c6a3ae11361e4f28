/**
 * Readiness: whether this instance should receive traffic. Ready when the database answers
 * (within a bound: a query on a dead postgres.js connection may never settle), every
 * migration this build knows is applied, every enabled chain is synced, and no chain's sender
 * is halted by an alarm. Each failed check says why, so a probe's log is enough to act on.
 */

import type { ProcessorContext } from "./context.ts";
import { MIGRATIONS } from "./migrations.ts";
import { NON_HALTING_ALARMS } from "./store/alarms.ts";
import { chainSync } from "./sync.ts";

/** One check's outcome. */
export interface CheckResult {
  ok: boolean;
  /** Why it failed; absent when ok. */
  reason?: string;
}

/** The readiness report. */
export interface Readiness {
  ready: boolean;
  checks: {
    database: CheckResult;
    migrations: CheckResult;
    /** By chain. */
    chains: Record<string, CheckResult>;
    /** By chain: the sender runs (no unresolved alarm). */
    senders: Record<string, CheckResult>;
  };
  /** Every failed check's reason, prefixed by what it is about. */
  reasons: string[];
}

/** How long the database may take to answer a readiness query. */
export const READY_DB_TIMEOUT_MS = 2000;

class Timeout extends Error {}

async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => timer = setTimeout(() => reject(new Timeout()), ms)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A database failure named without its message, which may quote the URL. */
function dbReason(error: unknown): string {
  if (error instanceof Timeout) return "unreachable: no answer in time";
  const code = (error as { code?: unknown }).code;
  return `unreachable (${typeof code === "string" ? code : (error as Error).name ?? "error"})`;
}

/** Runs every readiness check. */
export async function readiness(
  ctx: ProcessorContext,
  timeoutMs = READY_DB_TIMEOUT_MS,
): Promise<Readiness> {
  const checks: Readiness["checks"] = {
    database: { ok: true },
    migrations: { ok: true },
    chains: {},
    senders: {},
  };
  let applied: Set<number>;
  try {
    const rows = await within(ctx.db.query("select version from schema_migrations"), timeoutMs);
    applied = new Set(rows.map((r) => Number(r.version)));
  } catch (error) {
    checks.database = { ok: false, reason: dbReason(error) };
    checks.migrations = { ok: false, reason: "unknown: the database did not answer" };
    for (const chain of ctx.plugins.keys()) {
      checks.chains[chain] = { ok: false, reason: "unknown: the database did not answer" };
      checks.senders[chain] = { ok: false, reason: "unknown: the database did not answer" };
    }
    return report(checks);
  }
  const missing = MIGRATIONS.filter((m) => !applied.has(m.version)).map((m) => m.version);
  if (missing.length) {
    checks.migrations = { ok: false, reason: `not applied: ${missing.join(", ")}` };
  }
  try {
    const halting = await within(
      ctx.db.query(
        `select chain, count(*)::int as n, min(kind) as kind from alarms
         where resolved_at is null and not (kind = any($1::text[])) group by chain`,
        [[...NON_HALTING_ALARMS]],
      ),
      timeoutMs,
    );
    const byChain = new Map(halting.map((r) => [String(r.chain), r]));
    for (const chain of ctx.plugins.keys()) {
      const sync = await within(chainSync(ctx, chain), timeoutMs);
      checks.chains[chain] = sync.isSynced ? { ok: true } : {
        ok: false,
        reason: sync.lagSeconds === null
          ? "no block scanned yet"
          : `${sync.lagSeconds} s behind the chain (at most ${ctx.config.syncLagSeconds} s)`,
      };
      const alarm = byChain.get(chain);
      checks.senders[chain] = alarm
        ? {
          ok: false,
          reason: `halted by ${alarm.n} unresolved alarm(s), e.g. ${alarm.kind}; ` +
            "see GET /v1/admin/alarms",
        }
        : { ok: true };
    }
  } catch (error) {
    checks.database = { ok: false, reason: dbReason(error) };
    for (const chain of ctx.plugins.keys()) {
      checks.chains[chain] ??= { ok: false, reason: "unknown: the database did not answer" };
      checks.senders[chain] ??= { ok: false, reason: "unknown: the database did not answer" };
    }
  }
  return report(checks);
}

function report(checks: Readiness["checks"]): Readiness {
  const reasons: string[] = [];
  if (!checks.database.ok) reasons.push(`database: ${checks.database.reason}`);
  if (!checks.migrations.ok) reasons.push(`migrations: ${checks.migrations.reason}`);
  for (const [chain, c] of Object.entries(checks.chains)) {
    if (!c.ok) reasons.push(`chain ${chain}: ${c.reason}`);
  }
  for (const [chain, c] of Object.entries(checks.senders)) {
    if (!c.ok) reasons.push(`sender ${chain}: ${c.reason}`);
  }
  return { ready: reasons.length === 0, checks, reasons };
}
