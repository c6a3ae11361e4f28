/**
 * The crash suite (issue 14): the processor, a child process on Postgres, SIGKILLed again and
 * again at random points (starting up, waiting for its locks, scanning, signing, broadcasting)
 * while deposits arrive, sweeps run and withdrawals are requested on TON (TON and the USDT_TON
 * jetton) and TRON (TRX and USDT_TRC20). The devnets live in this process and outlive every
 * kill. Afterwards the chains' own ledgers must show each withdrawal paid exactly once and
 * every deposit swept, and the database each payment as an income exactly once.
 *
 * `CRASH_KILLS` sets the number of kills (default 20; e.g. `CRASH_KILLS=200` for a long run);
 * `CRASH_SEED` replays the kill schedule and workload of a printed seed.
 */

import assert from "node:assert/strict";
import { Address } from "@ton/core";
import {
  type DevnetWorld,
  freshTonAddress,
  freshTronAddress,
  HOT_FUNDS,
  ledgerBalance,
  startDevnetWorld,
} from "../support/devnet_world.ts";
import { isLeader, type ProcessorChild, spawnProcessor } from "../support/processor_child.ts";
import { type SeededRandom, seededRandom } from "../support/seeded_random.ts";

const KILLS = Number(Deno.env.get("CRASH_KILLS") ?? 20);

type Currency = "TON" | "USDT_TON" | "TRX" | "USDT_TRC20";
const CURRENCIES: readonly Currency[] = ["TON", "USDT_TON", "TRX", "USDT_TRC20"];
const CHAIN: Record<Currency, "ton" | "tron"> = {
  TON: "ton",
  USDT_TON: "ton",
  TRX: "tron",
  USDT_TRC20: "tron",
};

/**
 * Per currency: deposit payments (each at least the sweep minimum of 10 units, 1 TON, and
 * TRC20 ones large enough for the sweep fee guard) and withdrawals, in base units.
 */
const PAYMENT: Record<Currency, [bigint, bigint]> = {
  TON: [1_500_000_000n, 3_000_000_000n],
  USDT_TON: [20_000_000n, 50_000_000n],
  TRX: [20_000_000n, 60_000_000n],
  USDT_TRC20: [150_000_000n, 400_000_000n],
};
const WITHDRAWAL: Record<Currency, [bigint, bigint]> = {
  TON: [100_000_000n, 900_000_000n],
  USDT_TON: [1_000_000n, 9_000_000n],
  TRX: [1_000_000n, 9_000_000n],
  USDT_TRC20: [1_000_000n, 9_000_000n],
};
/** How many of each every life of the processor may see requested, so each life has work. */
const PAYMENTS_PER_LIFE = 1.5;
const WITHDRAWALS_PER_LIFE = 3;

interface Payment {
  currency: Currency;
  address: string;
  amount: bigint;
}

interface Withdrawal {
  queryId: string;
  currency: Currency;
  amount: bigint;
  destination: string;
  id: number | null;
}

function amountIn(rng: SeededRandom, [min, max]: [bigint, bigint]): bigint {
  return min + BigInt(Math.floor(rng.next() * Number(max - min)));
}

/** Deposits and withdrawals made while the processor lives and dies. */
class Workload {
  readonly deposits = new Map<Currency, string[]>(CURRENCIES.map((c) => [c, []]));
  readonly payments: Payment[] = [];
  readonly withdrawals: Withdrawal[] = [];
  /** Lives of the processor so far: the workload grows with them. */
  lives = 1;

  constructor(private readonly world: DevnetWorld, private readonly rng: SeededRandom) {}

  /** Creates a deposit address; false when the processor did not answer. */
  async newDeposit(currency: Currency): Promise<boolean> {
    const r = await this.world.call("POST", "/v1/address/new", {
      user_id: `user-${this.rng.int(1, 5)}`,
      currency,
    });
    if (r.status !== 200) return false;
    this.deposits.get(currency)!.push(r.json!.address as string);
    return true;
  }

  /** Pays a deposit from the devnet faucet (the chain, not the processor: always works). */
  async pay(): Promise<void> {
    const currency = this.rng.pick(CURRENCIES);
    const address = this.rng.pick(this.deposits.get(currency)!);
    const amount = amountIn(this.rng, PAYMENT[currency]);
    const { ton, tron } = this.world;
    if (currency === "TON") await ton.faucet(Address.parse(address), amount);
    else if (currency === "USDT_TON") {
      await ton.faucetJetton("USDT_TON", Address.parse(address), amount, {
        forwardTonAmount: this.rng.next() < 0.5 ? 0n : undefined,
      });
    } else if (currency === "TRX") await tron.faucetTrx(address, amount);
    else await tron.faucetToken("USDT_TRC20", address, amount);
    this.payments.push({ currency, address, amount });
  }

  /** Plans a withdrawal to a fresh destination; requested (again) by `request`. */
  plan(): void {
    const currency = this.rng.pick(CURRENCIES);
    this.withdrawals.push({
      queryId: `w-${this.withdrawals.length}`,
      currency,
      amount: amountIn(this.rng, WITHDRAWAL[currency]),
      destination: CHAIN[currency] === "ton" ? freshTonAddress() : freshTronAddress(),
      id: null,
    });
  }

  /**
   * Asks for every planned withdrawal without an id yet. The same query_id again after a
   * kill that may or may not have committed the first request: idempotency answers the id.
   */
  async request(): Promise<void> {
    for (const w of this.withdrawals) {
      if (w.id !== null) continue;
      const r = await this.world.call("POST", "/v1/withdrawal/send", {
        user_id: "payee",
        query_id: w.queryId,
        currency: w.currency,
        amount: w.amount.toString(),
        destination: w.destination,
      });
      if (r.status === null || r.status >= 500) return; // down: later
      assert.equal(r.status, 200, `${w.queryId}: ${JSON.stringify(r.json)}`);
      w.id = r.json!.ID as number;
    }
  }

  /** Runs until `signal` aborts: pays, plans and requests at random, as users would. */
  async drive(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const r = this.rng.next();
      if (r < 0.3 && this.payments.length < this.lives * PAYMENTS_PER_LIFE) await this.pay();
      else if (r < 0.35) await this.newDeposit(this.rng.pick(CURRENCIES));
      else if (this.withdrawals.length < this.lives * WITHDRAWALS_PER_LIFE) this.plan();
      await this.request();
      await new Promise((ok) => setTimeout(ok, this.rng.int(100, 500)));
    }
  }
}

/** How one life of the processor ended. */
type Death = "anywhere" | "leading" | "after signing";

/**
 * Kills `child` at a point the PRNG picks: anywhere in its first seconds (starting up,
 * migrating, waiting for locks), at a moment while it leads, or just after it persisted a
 * signed withdrawal batch (inside or around its broadcast).
 */
async function killAtRandom(child: ProcessorChild, rng: SeededRandom): Promise<Death> {
  const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
  const r = rng.next();
  const leading = () =>
    Promise.any([
      child.waitForLog(isLeader("sender:ton")),
      child.waitForLog(isLeader("sender:tron")),
    ]);
  let death: Death;
  if (r < 0.25) {
    await sleep(rng.int(200, 7000));
    death = "anywhere";
  } else if (r < 0.6) {
    await leading();
    await sleep(rng.int(0, 2500));
    death = "leading";
  } else {
    await leading();
    const since = child.logs.length;
    const signed = await Promise.race([
      child.waitForLog((e) => e.message === "withdrawal batch signed", 60_000, since)
        .then(() => true),
      sleep(4000).then(() => false),
    ]);
    await sleep(rng.int(0, 150));
    death = signed ? "after signing" : "leading";
  }
  const status = await child.kill();
  assert.equal(status.signal, "SIGKILL", `it died on its own first: ${child.other()}`);
  return death;
}

/** The numbers a check reads from the database. */
async function settled(world: DevnetWorld, load: Workload): Promise<string | null> {
  const s = world.schema;
  const [w] = await world.sql.unsafe(
    `select count(*) filter (where status = 'processed')::int as processed,
            count(*) filter (where status <> 'processed')::int as open
     from ${s}.withdrawals where kind = 'user'`,
  );
  const [i] = await world.sql.unsafe(
    `select count(*)::int as n, count(*) filter (where sweep_id is null)::int as unswept
     from ${s}.incomes`,
  );
  const [sw] = await world.sql.unsafe(
    `select count(*) filter (where status in ('requested', 'processing'))::int as open
     from ${s}.sweeps`,
  );
  const [q] = await world.sql.unsafe(
    `select count(*)::int as open from ${s}.withdrawals
     where kind = 'user' and status in ('pending', 'processing')`,
  );
  const waiting = [
    w.processed < load.withdrawals.length &&
    `withdrawals ${w.processed}/${load.withdrawals.length}`,
    i.n < load.payments.length && `incomes ${i.n}/${load.payments.length}`,
    i.unswept > 0 && `unswept incomes ${i.unswept}`,
    sw.open > 0 && `open sweeps ${sw.open}`,
    q.open > 0 && `queued withdrawals ${q.open}`,
  ].filter(Boolean);
  return waiting.length ? waiting.join(", ") : null;
}

/** What is still open, row by row, for a failure to show. */
async function openWork(world: DevnetWorld): Promise<string> {
  const s = world.schema;
  const sweeps = await world.sql.unsafe(
    `select s.id, s.chain, s.currency, s.kind, s.status, s.not_before, s.updated_at,
       p.status as payload_status, p.seen_height, w.id as topup, w.status as topup_status
     from ${s}.sweeps s left join ${s}.payloads p on p.id = s.payload_ref
       left join ${s}.withdrawals w on w.id = s.topup_ref
     where s.status not in ('done', 'empty', 'expired')`,
  );
  const incomes = await world.sql.unsafe(
    `select i.id, i.chain, i.currency, i.amount::text, i.block_height, i.address_id
     from ${s}.incomes i where i.sweep_id is null`,
  );
  const prepared = await world.sql.unsafe(
    `select id, chain, currency, step, status, sweep_id, undoes from ${s}.withdrawals
     where kind = 'prepare' order by id desc limit 10`,
  );
  return [
    `open sweeps: ${JSON.stringify(sweeps)}`,
    `unswept incomes: ${JSON.stringify(incomes)}`,
    `latest preparations: ${JSON.stringify(prepared)}`,
  ].join("\n");
}

Deno.test({
  name:
    `the processor SIGKILLed ${KILLS} times at random points: each withdrawal paid once, each payment one income, every deposit swept`,
  ignore: !Deno.env.get("DATABASE_URL"),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const rng = seededRandom("CRASH_SEED");
    console.log(`crash suite: seed ${rng.seed}, ${KILLS} kills (replay: CRASH_SEED=${rng.seed})`);
    const started = performance.now();
    const world = await startDevnetWorld();
    const load = new Workload(world, rng);
    const deaths: Record<Death, number> = { anywhere: 0, leading: 0, "after signing": 0 };
    let child: ProcessorChild | null = null;
    const driving = new AbortController();
    let driver: Promise<void> | null = null;
    try {
      child = spawnProcessor(world.configPath);
      await child.waitForLog((e) => e.message === "processor started", 90_000);
      await world.fundHotWallets(await world.hotWallets());
      for (const currency of CURRENCIES) {
        for (let i = 0; i < 2; i++) assert.ok(await load.newDeposit(currency));
      }
      driver = load.drive(driving.signal);
      for (let kill = 0; kill < KILLS; kill++) {
        deaths[await killAtRandom(child, rng)]++;
        child = spawnProcessor(world.configPath);
        load.lives++;
      }
      driving.abort();
      await driver;
      driver = null;
      const killing = performance.now() - started;

      // The last life: everything requested gets an id, then the queues drain.
      const deadline = Date.now() + 180_000;
      let waiting: string | null = "start";
      while (Date.now() < deadline) {
        await load.request();
        waiting = await settled(world, load);
        if (!waiting) break;
        await new Promise((ok) => setTimeout(ok, 500));
      }
      if (waiting) {
        assert.fail(
          `not settled (seed ${rng.seed}): ${waiting}\n${await openWork(world)}\n` +
            child.report(60),
        );
      }
      console.log(
        `crash suite: ${KILLS} kills (${deaths.anywhere} anywhere, ${deaths.leading} while ` +
          `leading, ${deaths["after signing"]} just after signing a batch); ` +
          `${load.withdrawals.length} withdrawals, ${load.payments.length} payments; ` +
          `${Math.round(killing / 1000)} s of kills, settled ` +
          `${Math.round((performance.now() - started - killing) / 1000)} s later`,
      );
      await checkLedgers(world, load);
    } finally {
      driving.abort();
      await driver?.catch(() => {});
      await child?.kill();
      await world.close();
    }
  },
});

/** What the chains and the database say, against what was asked of them. */
async function checkLedgers(world: DevnetWorld, load: Workload): Promise<void> {
  // Later blocks would carry a second payment if one had been sent.
  for (let i = 0; i < 2; i++) {
    await Promise.all([world.ton.waitForBlock(), world.tron.waitForBlock()]);
  }

  // Each withdrawal went to its own fresh address: exactly its amount is there, once.
  for (const w of load.withdrawals) {
    const onChain = await ledgerBalance(world, w.currency, w.destination);
    assert.equal(onChain, w.amount, `${w.queryId} (${w.currency}) on chain`);
  }

  // Each payment is one income of its deposit, and no income is anything else.
  const rows = await world.sql.unsafe(
    `select i.currency, a.display, i.amount::text as amount
     from ${world.schema}.incomes i join ${world.schema}.addresses a on a.id = i.address_id`,
  );
  const key = (currency: string, address: string, amount: bigint | string) =>
    `${currency} ${address} ${amount}`;
  const incomes = rows.map((r) => key(r.currency, r.display, r.amount)).sort();
  const paid = load.payments.map((p) => key(p.currency, p.address, p.amount)).sort();
  assert.deepEqual(incomes, paid);

  // Nothing stranded on a deposit: tokens all moved, native coins down to less than a sweep.
  for (const [currency, addresses] of load.deposits) {
    for (const address of addresses) {
      if (currency === "USDT_TON") {
        assert.equal(await world.jettonBalance("USDT_TON", address), 0n, address);
      } else if (currency === "USDT_TRC20") {
        assert.equal(world.trc20Balance("USDT_TRC20", address), 0n, address);
      } else {
        const left = currency === "TON"
          ? await world.tonBalance(address)
          : world.trxBalance(address);
        assert.ok(left < PAYMENT[currency][0], `${address} holds ${left} ${currency}`);
      }
    }
  }

  // Token hot wallets, which pay no fees in the token: exactly funding + deposits - paid.
  const hot = await world.hotWallets();
  const sum = (list: { currency: Currency; amount: bigint }[], c: Currency) =>
    list.filter((x) => x.currency === c).reduce((t, x) => t + x.amount, 0n);
  const expected = (c: Currency) => HOT_FUNDS[c] + sum(load.payments, c) - sum(load.withdrawals, c);
  assert.equal(await world.jettonBalance("USDT_TON", hot.ton), expected("USDT_TON"));
  assert.equal(world.trc20Balance("USDT_TRC20", hot.tron), expected("USDT_TRC20"));
  // Native hot wallets also paid every fee: never more than that, and fees stay small.
  const ton = await world.tonBalance(hot.ton);
  assert.ok(ton <= expected("TON"), `TON hot ${ton} > ${expected("TON")}`);
  const trx = world.trxBalance(hot.tron);
  assert.ok(trx <= expected("TRX"), `TRX hot ${trx} > ${expected("TRX")}`);

  const alarms = await world.call("GET", "/v1/admin/alarms?state=unresolved");
  assert.deepEqual(alarms.json, { alarms: [] });
}
