/**
 * The withdrawal queue and sender loop. Every payload is persisted signed before its first
 * broadcast, re-broadcast as-is (or replaced, when the plugin offers a replacement that
 * reuses its nonce) until the scanner sees it or the plugin's lifecycle finds it provably
 * dead on the scanned chain, and only then rebuilt. A dead payload that shows up later trips
 * the alarm (see `store/payloads.ts`) and this loop stops sending.
 */

import type { ProcessorContext } from "./context.ts";
import type { ChainPlugin, PayloadState, SignedPayload } from "./plugin.ts";
import { haltingAlarms, type QueueStall, reviewQueueStalls } from "./store/alarms.ts";
import { loadCursor } from "./store/cursors.ts";
import { depositPayloadsAbove, recordUnexplained } from "./store/deposit_ledger.ts";
import {
  declareDead,
  markBroadcast,
  type OpenPayload,
  openPayloads,
  persistSweepPayload,
  persistWithdrawalPayload,
  replacePayload,
} from "./store/payloads.ts";
import {
  closeUnneededUndo,
  deferSweep,
  depositsUndoing,
  fundSweep,
  markSweepEmpty,
  openPreparations,
  preparationTargets,
  releaseFundedSweeps,
  requestAutoSweeps,
  requestedSweeps,
} from "./store/sweeps.ts";
import {
  insertWithdrawal,
  pendingWithdrawals,
  processingCount,
  queuedTotals,
  recentlySettled,
} from "./store/withdrawals.ts";
import type { Withdrawal } from "./models.ts";
import { chainSync } from "./sync.ts";
import { landedTopic, queuedTopic } from "./wake.ts";
import { runWorkerLoop, type WorkerOptions } from "./worker_loop.ts";

/** What one tick did. */
export interface SenderTick {
  halted: boolean;
  synced: boolean;
  /** Payload families declared dead (expired or superseded on chain). */
  expired: number;
  /** Payloads replaced by one the plugin offered. */
  replaced: number;
  broadcast: number;
  batched: number;
  sweeps: number;
  /** Hot wallet payloads that could still have gone out (0 when halted or not synced). */
  room: number;
}

/** Sender tuning. */
export interface SenderOptions {
  /** How long an unseen payload waits before it is broadcast again. */
  rebroadcastMs: number;
  /** Most sweeps signed per tick. */
  sweepsPerTick: number;
}

/** How long a sweep waits for an earlier exclusive preparation (a lend) to settle. */
const PREPARATION_WAIT_SECONDS = 5;

/**
 * How long a queued withdrawal's wake-up waits for more to arrive, ms: a burst of requests
 * is signed in one pass rather than one pass each.
 */
const QUEUED_WAKE_DELAY_MS = 20;

/** Most hot wallet payloads signed concurrently and persisted in one transaction. */
const SIGNED_TOGETHER = 32;

/** How many pending withdrawals one tick considers. */
const PENDING_WINDOW = 1000;

/** How long a sweep the plugin found not worth signing yet is left alone. */
const SWEEP_WAIT_SECONDS = 300;

const DEFAULTS: SenderOptions = { rebroadcastMs: 10_000, sweepsPerTick: 20 };

async function broadcast(
  ctx: ProcessorContext,
  plugin: ChainPlugin,
  p: SignedPayload & { ref: bigint },
): Promise<boolean> {
  try {
    await plugin.sender.broadcast(p);
    await markBroadcast(ctx.db, p.ref);
    return true;
  } catch (error) {
    // The payload stays persisted; the next tick tries again until it lands or dies.
    ctx.log.warn("broadcast failed", { chain: plugin.chain, payload: p.payloadId, error });
    return false;
  }
}

/**
 * Takes, in FIFO order, the pending withdrawals the hot wallet can pay for, amount and
 * native gas both. What unseen payloads already spend is held back, whether or not the
 * node's balance shows it yet. Order is strict per currency: one that does not fit holds the
 * later ones of its currency, not the others, unless the asset allows `overtake`, when later
 * ones that fit pass it. A preparation that only lends resources spends only gas. Also returns, per currency,
 * the first withdrawal that did not fit and what it is missing.
 */
async function affordable(
  ctx: ProcessorContext,
  plugin: ChainPlugin,
  pending: Withdrawal[],
): Promise<{ taken: Withdrawal[]; stalls: QueueStall[] }> {
  const native = plugin.assets.find((a) => a.contract === null)?.code;
  const left = new Map<string, bigint>();
  const budget = async (currency: string) => {
    if (!left.has(currency)) {
      const queued = await queuedTotals(ctx.db, plugin.chain, currency);
      let amount = await plugin.sender.spendable(currency) - queued.processing;
      if (currency === native) {
        // Unseen transactions of every kind still burn their native fees.
        const own = plugin.sender.nativeCost(native);
        if (own > 0n) amount -= own * BigInt(await processingCount(ctx.db, plugin.chain, native));
        for (const token of plugin.assets) {
          if (token.code === native) continue;
          const cost = plugin.sender.nativeCost(token.code);
          if (cost === 0n) continue;
          const count = (await queuedTotals(ctx.db, plugin.chain, token.code)).processingCount;
          amount -= cost * BigInt(count);
        }
      } else if (plugin.sender.tokenBalanceLagSeconds > 0) {
        amount -= await recentlySettled(
          ctx.db,
          plugin.chain,
          currency,
          plugin.sender.tokenBalanceLagSeconds,
        );
      }
      left.set(currency, amount);
    }
    return left.get(currency)!;
  };
  const overtakes = new Set(plugin.assets.filter((a) => a.overtake).map((a) => a.code));
  const held = new Set<string>();
  const taken: Withdrawal[] = [];
  const stalls = new Map<string, QueueStall>();
  for (const w of pending) {
    const spends = w.spends ? w.amount : 0n;
    if (held.has(w.currency)) continue;
    const gas = plugin.sender.nativeCost(w.currency);
    const rest = await budget(w.currency) - spends - (w.currency === native ? gas : 0n);
    const nativeRest = native && w.currency !== native ? await budget(native) - gas : 0n;
    if (rest < 0n || nativeRest < 0n) {
      if (!stalls.has(w.currency)) {
        stalls.set(w.currency, {
          withdrawalId: w.id,
          currency: w.currency,
          amount: w.amount,
          missing: rest < 0n ? -rest : 0n,
          nativeCurrency: native ?? null,
          missingNative: nativeRest < 0n ? -nativeRest : 0n,
        });
      }
      if (!overtakes.has(w.currency)) held.add(w.currency);
      continue;
    }
    left.set(w.currency, rest);
    if (native && w.currency !== native) left.set(native, nativeRest);
    taken.push(w);
  }
  return { taken, stalls: [...stalls.values()] };
}

/** Signs and sends up to `payloads` hot wallet payloads; returns the withdrawals they carry. */
async function sendWithdrawals(
  ctx: ProcessorContext,
  plugin: ChainPlugin,
  payloads: number,
): Promise<number> {
  const { maxBatch } = plugin.sender;
  // Look past the head of the queue: withdrawals of a currency the hot wallet cannot pay
  // now must not keep others (or a sweep's preparation) from going out.
  const { taken: fitting, stalls } = await affordable(
    ctx,
    plugin,
    await pendingWithdrawals(ctx.db, plugin.chain, PENDING_WINDOW),
  );
  // A queue head waiting on funds too long raises an alarm with what is missing (cleared
  // once it moves); it does not halt anything.
  const raised = await reviewQueueStalls(
    ctx.db,
    plugin.chain,
    stalls,
    ctx.config.withdrawalStallSeconds,
  );
  if (raised > 0) {
    ctx.log.error("alarm raised: a withdrawal queue waits for funds", {
      chain: plugin.chain,
      stalls,
    });
  }
  const targets = await preparationTargets(
    ctx.db,
    fitting.filter((w) => w.kind === "prepare").map((w) => w.id),
    plugin.requiredConfirmations,
  );
  const ready = fitting.filter((w) => targets.get(w.id)?.ready !== false);
  const batches = planBatches(ready, {
    maxBatch,
    payloads,
    isUndo: (w) => targets.get(w.id)?.undo === true,
    undoing: await depositsUndoing(ctx.db, plugin.chain),
    key: plugin.sender.batchKey,
  });
  let sent = 0;
  // A group is signed concurrently (each payload waits on the node for its reference), then
  // persisted in one transaction, and only then broadcast.
  for (let start = 0; start < batches.length; start += SIGNED_TOGETHER) {
    const group = batches.slice(start, start + SIGNED_TOGETHER);
    const built = await Promise.allSettled(
      group.map((batch) =>
        plugin.sender.buildTransfers(batch.map((w) => ({
          id: w.id,
          step: w.step,
          currency: w.currency,
          to: w.destination,
          amount: w.amount,
          comment: w.comment,
          binaryComment: w.binaryComment,
          account: targets.get(w.id)?.account ?? null,
        })))
      ),
    );
    // Those before the first that could not be signed go out; the rest keep their turn.
    const failed = built.findIndex((b) => b.status === "rejected");
    const answered = group.slice(0, failed === -1 ? group.length : failed).map((batch, i) => ({
      batch,
      payload: (built[i] as PromiseFulfilledResult<SignedPayload | null>).value,
    }));
    if (answered.length === 0) throw (built[failed] as PromiseRejectedResult).reason;
    // No payload: an undo with nothing left to take back, closed unsent; never anything else.
    for (const { batch, payload } of answered) {
      if (payload) continue;
      const [undo] = batch;
      if (batch.length !== 1 || !targets.get(undo.id)?.undo) {
        throw new Error(`${plugin.chain}: the plugin built no payload for withdrawal ${undo.id}`);
      }
    }
    const signed = answered.flatMap(({ batch, payload }) => payload ? [{ batch, payload }] : []);
    for (const { batch, payload } of answered) {
      if (payload || !(await closeUnneededUndo(ctx.db, batch[0].id))) continue;
      ctx.log.info("undo step closed: nothing left to take back", {
        chain: plugin.chain,
        withdrawal: batch[0].id,
        step: batch[0].step,
      });
    }
    const refs = await ctx.db.transaction(async (tx) => {
      const out: bigint[] = [];
      for (const { batch, payload } of signed) {
        out.push(
          await persistWithdrawalPayload(tx, plugin.chain, payload, batch.map((w) => w.id)),
        );
      }
      return out;
    });
    for (const { batch, payload } of signed) {
      ctx.log.info("withdrawal batch signed", {
        chain: plugin.chain,
        payload: payload.payloadId,
        count: batch.length,
      });
    }
    await Promise.all(
      signed.map(({ payload }, i) => broadcast(ctx, plugin, { ...payload, ref: refs[i] })),
    );
    sent += signed.reduce((n, s) => n + s.batch.length, 0);
    // The ones signed are on their way; one that could not be signed fails the pass.
    if (failed !== -1) throw (built[failed] as PromiseRejectedResult).reason;
  }
  return sent;
}

/** How `planBatches` groups withdrawals into payloads. */
interface BatchPlan {
  /** Most withdrawals one payload carries. */
  maxBatch: number;
  /** Most payloads to sign. */
  payloads: number;
  /** Whether a withdrawal is the undo of a preparation. */
  isUndo(w: Withdrawal): boolean;
  /** Deposits with an undo in flight; taken undos are added. */
  undoing: Set<string>;
  /**
   * The plugin's `batchKey`: a payload carries only currencies of one key (a later withdrawal
   * may join an earlier open payload of its key); absent: any currencies mix.
   */
  key?: (currency: string) => string;
}

/**
 * Groups withdrawals, in order, into at most `payloads` payloads of at most `maxBatch`. An
 * undo goes alone, as its deposit may sign it rather than the hot wallet, and at most one
 * per deposit is in flight: the plugin sizes it to what the deposit holds when it signs, and
 * two at once would both count on that balance.
 */
export function planBatches(pending: readonly Withdrawal[], plan: BatchPlan): Withdrawal[][] {
  const batches: Withdrawal[][] = [];
  const open = new Map<string, Withdrawal[]>();
  for (const w of pending) {
    if (plan.isUndo(w)) {
      if (plan.undoing.has(w.destination) || batches.length >= plan.payloads) continue;
      plan.undoing.add(w.destination);
      batches.push([w]);
      continue;
    }
    const key = plan.key?.(w.currency) ?? "";
    const batch = open.get(key);
    if (batch && batch.length < plan.maxBatch) {
      batch.push(w);
      continue;
    }
    if (batches.length >= plan.payloads) continue;
    const fresh = [w];
    open.set(key, fresh);
    batches.push(fresh);
  }
  return batches;
}

async function queueColdTransfers(ctx: ProcessorContext, plugin: ChainPlugin): Promise<void> {
  const cold = plugin.coldWallet;
  if (!cold) return;
  for (const asset of plugin.assets) {
    if (asset.hotMax === null) continue;
    // Users' withdrawals come first: no cold transfer while any of theirs is queued.
    const queued = await queuedTotals(ctx.db, plugin.chain, asset.code);
    if (queued.pending > 0n || queued.processing > 0n) continue;
    const spendable = await plugin.sender.spendable(asset.code);
    if (spendable <= asset.hotMax) continue;
    const amount = spendable - asset.hotResidual;
    if (amount <= 0n) continue;
    await insertWithdrawal(ctx.db, {
      chain: plugin.chain,
      currency: asset.code,
      kind: "cold",
      userId: null,
      queryId: null,
      amount,
      destination: cold.address,
      destinationInput: cold.display,
      comment: null,
      binaryComment: null,
    });
    ctx.log.info("hot wallet above maximum: cold transfer queued", {
      chain: plugin.chain,
      currency: asset.code,
      amount,
    });
  }
}

/**
 * Height of the newest scanned block that is final, null before the first one is scanned or
 * while no scanned block is final yet.
 */
async function newestFinalHeight(
  ctx: ProcessorContext,
  plugin: ChainPlugin,
): Promise<bigint | null> {
  const cursor = await loadCursor(ctx.db, plugin.chain);
  if (!cursor) return null;
  const height = cursor.height - BigInt(plugin.requiredConfirmations) + 1n;
  return height >= 0n ? height : null;
}

async function sendSweeps(
  ctx: ProcessorContext,
  plugin: ChainPlugin,
  limit: number,
): Promise<number> {
  const minimums = new Map(
    plugin.assets.filter((a) => a.minSweep > 0n).map((a) => [a.code, a.minSweep]),
  );
  await requestAutoSweeps(ctx.db, plugin.chain, minimums, limit, plugin.requiredConfirmations);
  await releaseFundedSweeps(ctx.db, plugin.chain);
  const native = plugin.assets.find((a) => a.contract === null)?.code;
  // Read before the sweeps, so every income up to the final block is in what they cover.
  const finalHeight = plugin.sender.nativeBalanceAccounted === true
    ? await newestFinalHeight(ctx, plugin)
    : null;
  let sent = 0;
  for (const sweep of await requestedSweeps(ctx.db, plugin.chain, limit)) {
    // A native sweep of accounted balances moves the final balance and is reconciled with it.
    const ledger = native && plugin.sender.nativeBalanceAccounted === true &&
        sweep.account.currency === native
      ? { chain: plugin.chain, address: sweep.account.address, native }
      : null;
    const asOf = ledger ? finalHeight : null;
    // No final block scanned yet, or the deposit's own last payload is unseen or not final
    // (its balance at the final block still holds what that payload moves): wait.
    if (ledger && (asOf === null || await depositPayloadsAbove(ctx.db, ledger, asOf))) {
      await deferSweep(ctx.db, sweep.id, PREPARATION_WAIT_SECONDS);
      continue;
    }
    const payload = ledger
      ? await plugin.sender.buildSweep(sweep.account, sweep.memo, asOf)
      : await plugin.sender.buildSweep(sweep.account, sweep.memo);
    if (!payload) {
      await markSweepEmpty(ctx.db, sweep.id, sweep.coversUpTo, asOf);
      continue;
    }
    if ("wait" in payload) {
      ctx.log.info("sweep waits", { chain: plugin.chain, sweep: sweep.id, why: payload.wait });
      await deferSweep(ctx.db, sweep.id, SWEEP_WAIT_SECONDS);
      continue;
    }
    if ("prepare" in payload) {
      const { prepare } = payload;
      if (
        prepare.exclusive && await openPreparations(ctx.db, plugin.chain, prepare.step) > 0
      ) {
        // The plugin sized this step against what the hot wallet has free now; one in flight
        // at a time keeps two from both counting on it.
        await deferSweep(ctx.db, sweep.id, PREPARATION_WAIT_SECONDS);
        continue;
      }
      if (!native) continue;
      const to = {
        address: sweep.account.address,
        display: plugin.derivation.display(sweep.account.address),
      };
      await ctx.db.transaction((tx) => fundSweep(tx, sweep.id, plugin.chain, native, to, prepare));
      continue;
    }
    if (ledger && payload.moves?.height !== asOf) {
      throw new Error(
        `${plugin.chain}: sweep ${sweep.id} must report the balance it moves as of block ${asOf}`,
      );
    }
    // The balance no record explains is recorded with the sweep, or neither is.
    const { ref, unexplained } = await ctx.db.transaction(async (tx) => {
      const unexplained = ledger ? await recordUnexplained(tx, ledger, payload) : 0n;
      const ref = await persistSweepPayload(
        tx,
        plugin.chain,
        payload,
        sweep.id,
        sweep.coversUpTo,
        asOf,
      );
      return { ref, unexplained };
    });
    if (unexplained > 0n) {
      ctx.log.warn("sweep moves native value no income explains: recorded unrecognized", {
        chain: plugin.chain,
        sweep: sweep.id,
        deposit: sweep.account.address,
        amount: unexplained,
      });
    } else if (unexplained < 0n) {
      ctx.log.warn("deposit holds less native coin than its records explain", {
        chain: plugin.chain,
        sweep: sweep.id,
        deposit: sweep.account.address,
        missing: -unexplained,
      });
    }
    await broadcast(ctx, plugin, { ...payload, ref });
    sent++;
  }
  return sent;
}

/**
 * Judges every open payload family by the plugin's lifecycle: buries the dead, replaces or
 * re-broadcasts the pending, leaves the landed alone. Returns how many hot wallet payloads
 * are still in flight.
 */
async function tendOpenPayloads(
  ctx: ProcessorContext,
  plugin: ChainPlugin,
  opts: SenderOptions,
  tick: SenderTick,
): Promise<number> {
  const { lifecycle } = plugin.sender;
  const cursor = await loadCursor(ctx.db, plugin.chain);
  const families = new Map<bigint, OpenPayload[]>();
  for (const p of await openPayloads(ctx.db, plugin.chain)) {
    families.set(p.family, [...families.get(p.family) ?? [], p]);
  }
  let withdrawalsInFlight = 0;
  for (const members of families.values()) {
    const carrier = members.find((m) => m.status === "sent");
    if (!carrier) continue;
    // Before the first block is scanned nothing is known on chain: everything may land.
    const judge = (p: OpenPayload): PayloadState =>
      cursor ? lifecycle.state(p, cursor) : { state: "pending" };
    const verdict = judge(carrier);
    if (verdict.state === "dead" && members.every((m) => judge(m).state === "dead")) {
      const check = { chain: plugin.chain, lifecycle };
      if (await ctx.db.transaction((tx) => declareDead(tx, carrier.ref, check))) {
        ctx.log.info("payload dead", {
          chain: plugin.chain,
          payload: carrier.payloadId,
          reason: verdict.reason,
          detail: verdict.detail,
        });
        tick.expired++;
      }
      continue;
    }
    if (carrier.purpose === "withdrawals") withdrawalsInFlight++;
    if (verdict.state !== "pending") continue;
    if (carrier.sinceBroadcastMs !== null && carrier.sinceBroadcastMs < opts.rebroadcastMs) {
      continue;
    }
    const next = carrier.sinceBroadcastMs !== null && cursor && lifecycle.replacement
      ? await lifecycle.replacement(carrier, cursor)
      : null;
    if (next) {
      const ref = await ctx.db.transaction((tx) => replacePayload(tx, carrier.ref, next));
      ctx.log.info("payload replaced", {
        chain: plugin.chain,
        payload: carrier.payloadId,
        by: next.payloadId,
      });
      tick.replaced++;
      if (await broadcast(ctx, plugin, { ...next, ref })) tick.broadcast++;
      continue;
    }
    if (await broadcast(ctx, plugin, carrier)) tick.broadcast++;
  }
  return withdrawalsInFlight;
}

/** One pass of the sender for one chain. */
export async function senderTick(
  ctx: ProcessorContext,
  plugin: ChainPlugin,
  options: Partial<SenderOptions> = {},
): Promise<SenderTick> {
  const opts = { ...DEFAULTS, ...options };
  const tick: SenderTick = {
    halted: false,
    synced: false,
    expired: 0,
    replaced: 0,
    broadcast: 0,
    batched: 0,
    sweeps: 0,
    room: 0,
  };
  const alarms = await haltingAlarms(ctx.db, plugin.chain);
  if (alarms.length) {
    ctx.log.error("sender halted by alarm", { chain: plugin.chain, alarm: alarms[0] });
    tick.halted = true;
    return tick;
  }
  const withdrawalsInFlight = await tendOpenPayloads(ctx, plugin, opts, tick);
  tick.synced = (await chainSync(ctx, plugin.chain)).isSynced;
  if (!tick.synced) return tick;
  // One hot wallet payload at a time where a sequence number orders them; else as many as
  // the hot wallet can pay for at once.
  const { maxInFlight, inFlightCapacity } = plugin.sender;
  const window = inFlightCapacity
    ? Math.min(maxInFlight, await inFlightCapacity.call(plugin.sender))
    : maxInFlight;
  const room = window - withdrawalsInFlight;
  if (room > 0) {
    tick.batched = await sendWithdrawals(ctx, plugin, room);
    tick.room = room - Math.ceil(tick.batched / plugin.sender.maxBatch);
    if (tick.batched === 0 && withdrawalsInFlight === 0) await queueColdTransfers(ctx, plugin);
  }
  tick.sweeps = await sendSweeps(ctx, plugin, opts.sweepsPerTick);
  return tick;
}

/**
 * Runs the sender until `signal` aborts: a tick every interval, at once when a block with our
 * payload commits ({@linkcode landedTopic}) or the last tick signed something (more may fit
 * now), and shortly after a withdrawal is queued ({@linkcode queuedTopic}) while the last
 * tick left room for it: with a sequence-numbered wallet's one payload in flight, a queued
 * withdrawal waits for the block that holds it anyway.
 */
export async function runSender(
  ctx: ProcessorContext,
  plugin: ChainPlugin,
  signal: AbortSignal,
  options: Partial<SenderOptions> & WorkerOptions = {},
): Promise<void> {
  const landed = landedTopic(plugin.chain);
  const queued = queuedTopic(plugin.chain);
  let room = true;
  await runWorkerLoop(ctx, signal, async () => {
    const tick = await senderTick(ctx, plugin, options);
    room = tick.room > 0;
    return tick.batched > 0;
  }, {
    intervalMs: options.intervalMs,
    leader: options.leader,
    failure: "sender tick failed",
    logFields: { chain: plugin.chain },
    wakeUp: (wake) => {
      const wakes = ctx.wakes;
      if (!wakes) return () => {};
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stops = [wakes.subscribe(landed, wake)];
      if (room) {
        stops.push(wakes.subscribe(queued, () => timer ??= setTimeout(wake, QUEUED_WAKE_DELAY_MS)));
      }
      return () => {
        clearTimeout(timer);
        for (const stop of stops) stop();
      };
    },
  });
}
