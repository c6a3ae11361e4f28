/**
 * The conformance suite: what every chain plugin must do, run against its own devnet through
 * the real core (ingest, sender, store on a real database). A plugin is done when its subject
 * passes. Each case is a step of one test per subject, so the devnet starts once; every case
 * gets its own hot wallet and database. A capability the chain lacks skips its case, with the
 * reason in the case's name.
 */

import assert from "node:assert/strict";
import type { Income } from "../../core/models.ts";
import type { ChainPlugin, SignedPayload } from "../../core/plugin.ts";
import { history, newAddress, requestWithdrawal, withdrawalStatus } from "../../core/processor.ts";
import { haltingAlarms, openAlarms } from "../../core/store/alarms.ts";
import { loadCursor } from "../../core/store/cursors.ts";
import { openPayloads } from "../../core/store/payloads.ts";
import type { InstanceSection } from "../../core/plugin.ts";
import {
  type CaseSettings,
  createPlugin,
  type Processor,
  startProcessor,
  startSuiteDevnet,
  type SuiteDevnet,
} from "./processor.ts";
import { type Capability, type ConformanceSubject, subjectLabel } from "./subject.ts";

/**
 * Valid addresses of chains, by plugin name: a plugin must refuse every chain's but its own.
 * TON: ton-core's address spec vector; TRON: the mainnet USDT contract, base58 and hex; EVM:
 * EIP-55's example; Bitcoin: BIP-173's example.
 */
const CHAIN_ADDRESSES: Readonly<Record<string, readonly string[]>> = {
  ton: [
    "EQAs9VlT6S776tq3unJcP5Ogsj-ELLunLXuOb1EKcOQi4wJB",
    "UQAs9VlT6S776tq3unJcP5Ogsj-ELLunLXuOb1EKcOQi41-E",
    "0:2cf55953e92efbeadab7ba725c3f93a0b23f842cbba72d7b8e6f510a70e422e3",
  ],
  tron: ["TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "41a614f803b6fd780986a42c78ec9c7f77e6ded13c"],
  evm: ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"],
  bitcoin: ["bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"],
};

/** Malformed variants of a valid display address: none may parse. */
function malformed(display: string): string[] {
  const last = display.at(-1)!;
  const flipped = last === "A" ? "B" : "A";
  const middle = Math.floor(display.length / 2);
  return [
    "",
    "not an address",
    display.slice(0, -1),
    display + last,
    display.slice(0, -1) + flipped,
    `${display.slice(0, middle)} ${display.slice(middle)}`,
    display.slice(0, middle) + "!" + display.slice(middle + 1),
  ];
}

const USER = "u-conformance";

/** One case: its specification and body. */
interface Case {
  name: string;
  /** Why the subject skips it; absent when it runs. */
  skip?: string;
  run(devnet: SuiteDevnet<InstanceSection>): Promise<void>;
}

function lacking(capability: Capability): string | undefined {
  return capability === true ? undefined : capability.lacks;
}

/**
 * Registers the conformance suite for `subject` (a plugin module and the asset under test):
 * one test, one step per case.
 */
export function runConformance<S extends InstanceSection>(subject: ConformanceSubject<S>): void {
  const cur = subject.currency;
  const unit = subject.unit;
  const label = subjectLabel(subject);
  const sub: ConformanceSubject = subject;

  const withProcessor = async (
    devnet: SuiteDevnet<InstanceSection>,
    fn: (p: Processor) => Promise<void>,
    settings: CaseSettings = {},
  ) => {
    const p = await startProcessor(sub, devnet, settings);
    try {
      await fn(p);
    } finally {
      await p.close();
    }
  };

  /** Pays `amount` of the asset from the faucet to `to` (canonical); resolves with its tx id. */
  const pay = async (devnet: SuiteDevnet<InstanceSection>, to: string, amount: bigint) => {
    const sent = devnet.controls.faucet({
      currency: cur,
      to,
      amount,
      comment: null,
      forwardAmount: null,
    });
    // Some faucets resolve once the block is sealed (TON), others once the node accepted the
    // transaction (TRON): mine until it settles, then once more so it is in a block either way.
    let settled = false;
    sent.finally(() => settled = true).catch(() => {});
    while (!settled) {
      await devnet.mine();
      await new Promise((r) => setTimeout(r, 20));
    }
    await devnet.mine();
    return await sent;
  };

  const deposit = async (p: Processor) => {
    const display = await newAddress(p.ctx, USER, cur);
    const parsed = p.plugin.derivation.parseAddress(display);
    assert.ok(!("error" in parsed), `a derived deposit address parses: ${display}`);
    return parsed;
  };

  const incomes = (p: Processor) =>
    history(p.ctx, { userId: USER, currency: cur, limit: 100, offset: 0, order: "asc" });

  /** A valid address of this chain that is not ours: another secret's deposit. */
  const stranger = async (devnet: SuiteDevnet<InstanceSection>, p: Processor, index: bigint) => {
    const { plugin: other } = await createPlugin(sub, devnet.section(await devnet.newSecret()));
    try {
      const d = await other.derivation.deposit(index, cur);
      assert.ok(!("error" in p.plugin.derivation.parseAddress(d.display)));
      return d;
    } finally {
      await other.close();
    }
  };

  const withdraw = async (p: Processor, queryId: string, to: string, amount: bigint) =>
    (await requestWithdrawal(p.ctx, {
      userId: USER,
      queryId,
      currency: cur,
      amount,
      destination: to,
      comment: null,
      binaryComment: null,
    })).id;

  /** Each payload's status in order, a dead one with its reason (`dead: expired`). */
  const payloadStatuses = async (p: Processor) =>
    (await p.ctx.db.query(
      `select case when status = 'dead' then 'dead: ' || dead_reason else status end as status
         from payloads order by id`,
    )).map((r) => r.status);

  /** Sender ticks and blocks until `done`, at most `rounds` times. */
  const settle = async (p: Processor, done: () => Promise<boolean>, rounds = 8) => {
    for (let i = 0; i < rounds && !(await done()); i++) {
      await p.tick({ rebroadcastMs: 0 });
      await p.block();
    }
    assert.ok(await done(), "settled within the rounds given");
  };

  /** Swaps the plugin's broadcast, as a process that stops at that point would see it. */
  const interceptBroadcast = (
    plugin: ChainPlugin,
    instead: (payload: SignedPayload) => Promise<void>,
  ) => {
    const original = plugin.sender.broadcast;
    plugin.sender.broadcast = instead;
    return () => {
      plugin.sender.broadcast = original;
    };
  };

  const cases: Case[] = [
    {
      name: "derivation is deterministic and round-trips through the address codec",
      run: (devnet) =>
        withProcessor(devnet, async (p) => {
          const d = p.plugin.derivation;
          const { plugin: again } = await createPlugin(sub, p.section);
          try {
            const seen = new Set<string>([d.hotWallet.address]);
            for (const index of [1n, 2n, 3n, 1000n]) {
              const a = await d.deposit(index, cur);
              assert.deepEqual(await again.derivation.deposit(index, cur), a);
              assert.ok(!seen.has(a.address), `index ${index} gives a new address`);
              seen.add(a.address);
              assert.deepEqual(d.parseAddress(a.display), {
                address: a.address,
                display: a.display,
              });
              assert.deepEqual(d.parseAddress(a.address), {
                address: a.address,
                display: a.display,
              });
              assert.equal(d.display(a.address), a.display);
            }
            assert.deepEqual(again.derivation.hotWallet, d.hotWallet);
            assert.equal(d.display(d.hotWallet.address), d.hotWallet.display);
            const other = await stranger(devnet, p, 1n);
            assert.ok(!seen.has(other.address), "another secret derives other addresses");
          } finally {
            await again.close();
          }
        }),
    },
    {
      name: "foreign chains' and malformed addresses are refused",
      run: (devnet) =>
        withProcessor(devnet, async (p) => {
          const d = p.plugin.derivation;
          const foreign = Object.entries(CHAIN_ADDRESSES)
            .filter(([chain]) => chain !== subject.module.name).flatMap(([, list]) => list);
          for (const own of CHAIN_ADDRESSES[subject.module.name] ?? []) {
            assert.ok(!("error" in d.parseAddress(own)), `its own chain's ${own} parses`);
          }
          const { display } = await d.deposit(1n, cur);
          for (const input of [...foreign, ...malformed(display)]) {
            const parsed = d.parseAddress(input);
            assert.ok("error" in parsed, `${JSON.stringify(input)} is refused`);
            assert.equal(typeof parsed.error, "string");
          }
        }),
    },
    {
      name: "a payment is an income exactly once, and a replayed block is a no-op",
      run: (devnet) =>
        withProcessor(devnet, async (p) => {
          const to = await deposit(p);
          const before = (await loadCursor(p.ctx.db, p.plugin.chain))!;
          await pay(devnet, to.address, unit);
          await p.catchUp();
          const [income, ...rest] = await incomes(p);
          assert.deepEqual(rest, []);
          assert.equal(income.amount, unit);
          assert.equal(income.depositAddress, to.display);
          await p.block();
          assert.equal((await incomes(p)).length, 1);
          // Replay: the cursor goes back before the payment's block and scanning repeats it.
          const tip = (await loadCursor(p.ctx.db, p.plugin.chain))!;
          await p.ctx.db.query(
            "update cursors set height = $2, block_time = $3, state = $4::jsonb where chain = $1",
            [p.plugin.chain, before.height, before.time, JSON.stringify(before.state)],
          );
          assert.ok(await p.catchUp() >= 1, "the replayed blocks were scanned again");
          const identity = (i: Income) => [i.txHash, i.eventIndex, i.amount, i.blockHeight];
          assert.deepEqual((await incomes(p)).map(identity), [identity(income)]);
          assert.equal((await loadCursor(p.ctx.db, p.plugin.chain))!.height, tip.height);
          assert.equal(await devnet.balanceOf(cur, to.address), unit);
        }),
    },
    {
      name: "a restart resumes from the cursor without gaps: payments made while down count",
      run: (devnet) =>
        withProcessor(devnet, async (p) => {
          const to = await deposit(p);
          await pay(devnet, to.address, unit);
          await p.catchUp();
          await p.stop();
          await pay(devnet, to.address, unit + 1n);
          await devnet.mine();
          await pay(devnet, to.address, unit + 2n);
          await p.restart();
          await p.catchUp();
          const amounts = (await incomes(p)).map((i) => i.amount).sort();
          assert.deepEqual(amounts, [unit, unit + 1n, unit + 2n]);
          const tip = await p.plugin.scanner.initialCursor();
          assert.equal((await loadCursor(p.ctx.db, p.plugin.chain))!.height, tip.height);
        }),
    },
    {
      name: "a node that errors or times out loses nothing: the same block is retried",
      run: (devnet) =>
        withProcessor(devnet, async (p) => {
          const to = await deposit(p);
          let failures = 0;
          const ingestThrough = async () => {
            for (let attempt = 0; attempt < 20; attempt++) {
              try {
                await p.catchUp();
                return;
              } catch {
                failures++;
              }
            }
            assert.fail("ingest never got past the faults");
          };
          await pay(devnet, to.address, unit);
          devnet.faults.failNext("*", 3, "error");
          await ingestThrough();
          await pay(devnet, to.address, unit + 1n);
          devnet.faults.failNext("*", 1, "timeout");
          await ingestThrough();
          devnet.faults.reset();
          assert.ok(failures > 0, "the faults reached the plugin as failed ingests");
          const amounts = (await incomes(p)).map((i) => i.amount).sort();
          assert.deepEqual(amounts, [unit, unit + 1n]);
        }),
    },
    {
      name: "a withdrawal lands exactly once across a crash between persist and broadcast",
      run: (devnet) =>
        withProcessor(devnet, async (p) => {
          const to = await stranger(devnet, p, 1n);
          const id = await withdraw(p, "q-persist", to.display, unit);
          const restore = interceptBroadcast(p.plugin, () => Promise.reject(new Error("died")));
          assert.equal((await p.tick()).batched, 1);
          restore();
          const [persisted] = await openPayloads(p.ctx.db, p.plugin.chain);
          assert.equal(persisted.broadcasts, 0);
          await p.block();
          assert.equal((await withdrawalStatus(p.ctx, id)).status, "processing");
          assert.equal(await devnet.balanceOf(cur, to.address), 0n);
          await p.restart();
          const tick = await p.tick();
          assert.equal(tick.broadcast, 1, "the stored payload goes out as it is");
          assert.equal(tick.batched, 0, "nothing new is signed");
          await settle(p, async () => (await withdrawalStatus(p.ctx, id)).status !== "processing");
          assert.equal((await withdrawalStatus(p.ctx, id)).status, "processed");
          assert.equal(await devnet.balanceOf(cur, to.address), unit);
          assert.deepEqual(await payloadStatuses(p), ["seen"]);
        }),
    },
    {
      name: "a withdrawal lands exactly once across a crash between broadcast and sighting",
      run: (devnet) =>
        withProcessor(devnet, async (p) => {
          const to = await stranger(devnet, p, 2n);
          const id = await withdraw(p, "q-sighting", to.display, unit);
          assert.equal((await p.tick()).batched, 1);
          await p.restart();
          const tick = await p.tick({ rebroadcastMs: 0 });
          assert.equal(tick.broadcast, 1);
          assert.equal(tick.batched, 0);
          await settle(p, async () => (await withdrawalStatus(p.ctx, id)).status !== "processing");
          assert.equal((await withdrawalStatus(p.ctx, id)).status, "processed");
          await p.tick({ rebroadcastMs: 0 });
          await p.block();
          assert.equal(await devnet.balanceOf(cur, to.address), unit);
          assert.deepEqual(await payloadStatuses(p), ["seen"]);
        }),
    },
    {
      name: "a payload that dies unseen is rebuilt once and never lands twice",
      skip: lacking(subject.expiry ?? true),
      run: (devnet) =>
        withProcessor(devnet, async (p) => {
          const to = await stranger(devnet, p, 3n);
          const id = await withdraw(p, "q-dead", to.display, unit);
          // The node takes it and drops it: the sender believes it went out.
          const restore = interceptBroadcast(p.plugin, () => Promise.resolve());
          assert.equal((await p.tick({ rebroadcastMs: 3_600_000 })).batched, 1);
          restore();
          const [lost] = await openPayloads(p.ctx.db, p.plugin.chain);
          // Blocks come until the plugin's own lifecycle judges it dead on the scanned chain.
          const dead = async () =>
            p.plugin.sender.lifecycle.state(lost, (await loadCursor(p.ctx.db, p.plugin.chain))!)
              .state === "dead";
          for (let i = 0; !await dead(); i++) {
            assert.ok(i < 120, "the payload never died on the scanned chain");
            await new Promise((r) => setTimeout(r, 500));
            await p.block();
          }
          const tick = await p.tick({ rebroadcastMs: 3_600_000 });
          assert.equal(tick.expired, 1);
          assert.equal(tick.batched, 1);
          await settle(p, async () => (await withdrawalStatus(p.ctx, id)).status !== "processing");
          const w = await withdrawalStatus(p.ctx, id);
          assert.equal(w.status, "processed");
          assert.equal(w.attempt, 2);
          assert.deepEqual(await payloadStatuses(p), ["dead: expired", "seen"]);
          // The dead payload, sent now after all, can no longer land.
          await p.plugin.sender.broadcast(lost).catch(() => {});
          await p.block();
          await p.block();
          assert.equal(await devnet.balanceOf(cur, to.address), unit);
          assert.deepEqual(await haltingAlarms(p.ctx.db, p.plugin.chain), []);
        }, { shortValidity: true }),
    },
    {
      name: "a batch of withdrawals goes out as one transaction",
      skip: lacking(subject.batching),
      run: (devnet) =>
        withProcessor(devnet, async (p) => {
          const ids: bigint[] = [];
          const targets: string[] = [];
          for (const n of [4n, 5n, 6n]) {
            const to = await stranger(devnet, p, n);
            targets.push(to.address);
            ids.push(await withdraw(p, `q-batch-${n}`, to.display, unit + n));
          }
          assert.equal((await p.tick()).batched, 3);
          assert.equal((await openPayloads(p.ctx.db, p.plugin.chain)).length, 1);
          const settled = async () => {
            for (const id of ids) {
              if ((await withdrawalStatus(p.ctx, id)).status === "processing") return false;
            }
            return true;
          };
          await settle(p, settled);
          const done = await Promise.all(ids.map((id) => withdrawalStatus(p.ctx, id)));
          assert.deepEqual(done.map((w) => w.status), ["processed", "processed", "processed"]);
          assert.equal(new Set(done.map((w) => w.txHash)).size, 1, "one transaction");
          for (const [i, n] of [4n, 5n, 6n].entries()) {
            assert.equal(await devnet.balanceOf(cur, targets[i]), unit + n);
          }
        }),
    },
    {
      name: "a sweep leaves no value on the deposit that the plugin could have moved",
      run: (devnet) =>
        withProcessor(devnet, async (p) => {
          const hot = p.plugin.derivation.hotWallet.address;
          const to = await deposit(p);
          const [{ index }] = await p.ctx.db.query(
            "select derivation_index::text as index from addresses where address = $1",
            [to.address],
          );
          const hotBefore = await devnet.balanceOf(cur, hot);
          await pay(devnet, to.address, unit);
          await p.catchUp();
          // Settled: the sweep is done, and so is every step the plugin queued for it,
          // before or after (a top-up, lent resources and their undo).
          const swept = async () => {
            const rows = await p.ctx.db.query("select status from sweeps");
            const [open] = await p.ctx.db.query(
              `select count(*)::int as n from withdrawals
               where sweep_id is not null and status in ('pending', 'processing')`,
            );
            return rows.length > 0 && rows.every((r) => r.status === "done") &&
              Number(open.n) === 0;
          };
          await settle(p, swept, 12);
          assert.equal(await devnet.balanceOf(cur, to.address), 0n, `no ${cur} left`);
          const gained = await devnet.balanceOf(cur, hot) - hotBefore;
          if (p.plugin.assets.find((a) => a.code === cur)!.contract !== null) {
            assert.equal(gained, unit, "a token arrives whole: its fee is paid in native coin");
          } else {
            assert.ok(gained > 0n && gained <= unit, `the hot wallet gained ${gained}`);
          }
          // Whatever is left (the native coin sent to pay for a token's sweep included), the
          // plugin's own sweep of it finds nothing, or too little to pay for moving it.
          for (const asset of p.plugin.assets) {
            const account = {
              address: to.address,
              index: BigInt(String(index)),
              currency: asset.code,
            };
            const again = await p.plugin.sender.buildSweep(account, null);
            const left = await devnet.balanceOf(asset.code, to.address);
            assert.ok(
              again === null || "wait" in again,
              `${left} ${asset.code} left on the deposit could have been moved`,
            );
          }
        }, { minSweep: 1n }),
    },
    {
      name: "balances agree with the devnet's own ledger",
      run: (devnet) =>
        withProcessor(devnet, async (p) => {
          const hot = p.plugin.derivation.hotWallet.address;
          const to = await deposit(p);
          await pay(devnet, to.address, unit);
          await p.catchUp();
          for (const asset of p.plugin.assets) {
            for (const address of [hot, to.address]) {
              const ledger = await devnet.balanceOf(asset.code, address);
              const seen = await p.plugin.sender.balance(asset.code, address);
              assert.equal(seen.balance, ledger, `${asset.code} of ${address}`);
            }
            const ofHot = await p.plugin.sender.balance(asset.code);
            assert.equal(ofHot.balance, await devnet.balanceOf(asset.code, hot));
          }
          const recorded = (await incomes(p)).reduce((sum, i) => sum + i.amount, 0n);
          assert.equal(recorded, await devnet.balanceOf(cur, to.address));
        }),
    },
    {
      name: "a fork undoes only what it dropped",
      skip: lacking(subject.forks),
      run: (devnet) =>
        withProcessor(devnet, async (p) => {
          const to = await deposit(p);
          const kept = await pay(devnet, to.address, unit);
          const dropped = await pay(devnet, to.address, unit + 1n);
          await p.catchUp();
          const both = await incomes(p);
          assert.deepEqual(both.map((i) => i.txHash), [kept, dropped]);
          // The fork replaces the blocks from the dropped payment's on, keeping the other's.
          const head = (await loadCursor(p.ctx.db, p.plugin.chain))!.height;
          const depth = Number(head - both[1].blockHeight) + 1;
          assert.ok(both[0].blockHeight <= head - BigInt(depth), "the kept payment is older");
          assert.ok(depth < p.plugin.requiredConfirmations, "the dropped income is not final");
          await devnet.reorg!(depth, [dropped]);
          await p.block();
          const left = await incomes(p);
          assert.deepEqual(left.map((i) => [i.txHash, i.amount]), [[kept, unit]]);
          assert.equal(await devnet.balanceOf(cur, to.address), unit);
          const tip = await p.plugin.scanner.initialCursor();
          assert.equal((await loadCursor(p.ctx.db, p.plugin.chain))!.height, tip.height);
          assert.deepEqual(
            await openAlarms(p.ctx.db, p.plugin.chain),
            [],
            "a fork within finality",
          );
        }, { confirmations: 4 }),
    },
  ];

  const bugs = subject.knownBugs ?? {};
  for (const name of Object.keys(bugs)) {
    if (!cases.some((c) => c.name === name)) {
      throw new Error(`${label}: a known bug names no case: ${name}`);
    }
  }
  const title = (c: Case) =>
    c.skip
      ? `${c.name} (skipped: ${c.skip})`
      : bugs[c.name]
      ? `${c.name} (ignored, known bug: ${bugs[c.name]})`
      : c.name;

  Deno.test({
    name: `conformance: ${label}`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const devnet = await startSuiteDevnet(sub);
      try {
        for (const c of cases) {
          await t.step({
            name: title(c),
            ignore: c.skip !== undefined || bugs[c.name] !== undefined,
            fn: () => c.run(devnet),
          });
        }
      } finally {
        await devnet.stop();
      }
    },
  });
}
