/**
 * The TON sender with the core sender loop on the devnet: persist before send, exactly once
 * across crashes, expiry and rebuild, and the 250-message batch.
 */

import assert from "node:assert/strict";
import { Address, toNano } from "@ton/core";
import { Buffer } from "node:buffer";
import { requestWithdrawal, withdrawalStatus } from "../../../core/processor.ts";
import { runSender, senderTick } from "../../../core/sender.ts";
import { type Clock, systemClock } from "../../../core/clock.ts";
import { silentLogger } from "../../../core/log.ts";
import { createWakes } from "../../../core/wake.ts";
import { openPayloads } from "../../../core/store/payloads.ts";
import { insertWithdrawal } from "../../../core/store/withdrawals.ts";
import { formatBinaryComment } from "../../../plugins/ton/comment.ts";
import { jettonTransferMessageBody } from "../../../plugins/ton/jetton.ts";
import { type TonHarness, withTonHarness } from "../../support/harness.ts";
import { crashingBroadcast } from "../../support/waiting.ts";

// Short validity so the expiry test waits seconds, not a minute.
const withHarness = (fn: (h: TonHarness) => Promise<void>) =>
  withTonHarness({ ton: { validitySeconds: 10 } }, fn);

async function fundHot(h: TonHarness, amount = toNano("1000")) {
  const hot = Address.parseRaw(h.plugin.derivation.hotWallet.address);
  const done = h.devnet.faucet(hot, amount);
  await h.block();
  await done;
}

const destination = () => new Address(0, Buffer.from(crypto.getRandomValues(new Uint8Array(32))));

async function balanceOf(h: TonHarness, address: Address) {
  return (await h.devnet.blockchain.getContract(address)).balance;
}

Deno.test("a withdrawal is persisted, sent, seen and processed with its tx hash", () =>
  withHarness(async (h) => {
    await fundHot(h);
    const to = destination();
    const { id } = await requestWithdrawal(h.ctx, {
      userId: "u1",
      queryId: "q1",
      currency: "TON",
      amount: 1_234_567_890n,
      destination: to.toString({ testOnly: true, bounceable: false }),
      comment: "payout",
      binaryComment: null,
    });
    const tick = await senderTick(h.ctx, h.plugin);
    assert.equal(tick.batched, 1);
    assert.equal((await withdrawalStatus(h.ctx, id)).status, "processing");
    await h.block();
    const done = await withdrawalStatus(h.ctx, id);
    assert.equal(done.status, "processed");
    assert.match(done.txHash!, /^[0-9a-f]{64}$/);
    assert.equal(await balanceOf(h, to), 1_234_567_890n);
  }));

async function withdraw(h: TonHarness, queryId: string, to: Address, amount: bigint, comment = "") {
  return (await requestWithdrawal(h.ctx, {
    userId: "u1",
    queryId,
    currency: "TON",
    amount,
    destination: to.toString({ testOnly: true, bounceable: false }),
    comment: comment || null,
    binaryComment: null,
  })).id;
}

Deno.test("a crash between persist and broadcast still sends the withdrawal exactly once", () =>
  withHarness(async (h) => {
    await fundHot(h);
    const to = destination();
    const id = await withdraw(h, "q1", to, 2_000_000_000n);
    const restore = crashingBroadcast(h);
    assert.equal((await senderTick(h.ctx, h.plugin)).batched, 1);
    restore();
    const [persisted] = await openPayloads(h.ctx.db, "ton");
    assert.equal(persisted.broadcasts, 0);
    await h.block();
    assert.equal((await withdrawalStatus(h.ctx, id)).status, "processing");
    // Restarted: the persisted payload goes out as-is; nothing new is signed.
    await h.restart();
    const tick = await senderTick(h.ctx, h.plugin);
    assert.equal(tick.broadcast, 1);
    assert.equal(tick.batched, 0);
    await h.block();
    await senderTick(h.ctx, h.plugin);
    await h.block();
    assert.equal((await withdrawalStatus(h.ctx, id)).status, "processed");
    assert.equal(await balanceOf(h, to), 2_000_000_000n);
  }));

Deno.test("a crash between broadcast and sighting re-sends the same payload, paid once", () =>
  withHarness(async (h) => {
    await fundHot(h);
    const to = destination();
    const id = await withdraw(h, "q1", to, 3_000_000_000n);
    await senderTick(h.ctx, h.plugin);
    await h.restart();
    // Before the block: the restarted sender re-broadcasts the stored payload only.
    const tick = await senderTick(h.ctx, h.plugin, { rebroadcastMs: 0 });
    assert.equal(tick.broadcast, 1);
    assert.equal(tick.batched, 0);
    await h.block();
    await senderTick(h.ctx, h.plugin, { rebroadcastMs: 0 });
    await h.block();
    assert.equal((await withdrawalStatus(h.ctx, id)).status, "processed");
    assert.equal(await balanceOf(h, to), 3_000_000_000n);
    const payloads = await h.ctx.db.query("select status from payloads");
    assert.deepEqual(payloads.map((p) => p.status), ["seen"]);
  }));

Deno.test("a payload that expired unseen is rebuilt once and paid once", () =>
  withHarness(async (h) => {
    await fundHot(h);
    const to = destination();
    const id = await withdraw(h, "q1", to, 1_000_000_000n);
    h.devnet.faults.dropNextBroadcasts(1);
    assert.equal((await senderTick(h.ctx, h.plugin, { rebroadcastMs: 3_600_000 })).batched, 1);
    // Blocks keep coming until the chain's time is past the payload's validity.
    const [lost] = await openPayloads(h.ctx.db, "ton");
    while (Math.floor(Date.now() / 1000) <= lost.validUntil! + 1) {
      await h.block();
      await new Promise((r) => setTimeout(r, 500));
    }
    await h.block();
    const tick = await senderTick(h.ctx, h.plugin, { rebroadcastMs: 3_600_000 });
    assert.equal(tick.expired, 1);
    assert.equal(tick.batched, 1);
    await h.block();
    const w = await withdrawalStatus(h.ctx, id);
    assert.equal(w.status, "processed");
    assert.equal(w.attempt, 2);
    assert.equal(await balanceOf(h, to), 1_000_000_000n);
    const payloads = await h.ctx.db.query("select status from payloads order by id");
    assert.deepEqual(payloads.map((p) => p.status), ["dead", "seen"]);
  }));

Deno.test("a payload seen after it was declared expired halts the sender", () =>
  withHarness(async (h) => {
    await fundHot(h);
    const id = await withdraw(h, "q1", destination(), 1_000_000_000n);
    await senderTick(h.ctx, h.plugin);
    const [inFlight] = await openPayloads(h.ctx.db, "ton");
    // A wrong expiry judgement (say, a lagging node) is exactly what the tripwire is for.
    const { declareDead } = await import("../../../core/store/payloads.ts");
    await h.ctx.db.transaction((tx) => declareDead(tx, inFlight.ref));
    await h.block();
    const tick = await senderTick(h.ctx, h.plugin);
    assert.equal(tick.halted, true);
    assert.equal(tick.batched, 0);
    assert.equal((await withdrawalStatus(h.ctx, id)).status, "pending");
  }));

Deno.test("250 withdrawals go out in one external message, several to one destination", () =>
  withHarness(async (h) => {
    await fundHot(h, toNano("5000"));
    const shared = destination();
    const ids: bigint[] = [];
    for (let i = 0; i < 250; i++) {
      const to = i < 3 ? shared : destination();
      ids.push(
        await withdraw(h, `q${i}`, to, 10_000_000n + BigInt(i % 3 === 0 ? 0 : i), `w${i % 2}`),
      );
    }
    const tick = await senderTick(h.ctx, h.plugin);
    assert.equal(tick.batched, 250);
    assert.equal((await openPayloads(h.ctx.db, "ton")).length, 1);
    await h.block();
    const hashes = new Set<string>();
    for (const id of ids) {
      const w = await withdrawalStatus(h.ctx, id);
      assert.equal(w.status, "processed");
      hashes.add(w.txHash!);
    }
    assert.equal(hashes.size, 1);
    assert.equal(await balanceOf(h, shared), 10_000_000n + 10_000_000n + 1n + 10_000_000n + 2n);
  }));

Deno.test("withdrawals leave in FIFO order per currency and never beyond the hot balance", () =>
  withHarness(async (h) => {
    await fundHot(h, toNano("10"));
    const first = await withdraw(h, "q1", destination(), toNano("6"));
    const second = await withdraw(h, "q2", destination(), toNano("6"));
    const third = await withdraw(h, "q3", destination(), toNano("1"));
    assert.equal((await senderTick(h.ctx, h.plugin)).batched, 1);
    await h.block();
    assert.equal((await withdrawalStatus(h.ctx, first)).status, "processed");
    // The second no longer fits, and the third waits behind it.
    assert.equal((await senderTick(h.ctx, h.plugin)).batched, 0);
    assert.equal((await withdrawalStatus(h.ctx, second)).status, "pending");
    assert.equal((await withdrawalStatus(h.ctx, third)).status, "pending");
  }));

Deno.test("while the chain is not synced withdrawals wait, then go out once it is", () =>
  withHarness(async (h) => {
    await fundHot(h);
    const id = await withdraw(h, "q1", destination(), toNano("1"));
    // The last scanned block is older than the allowed lag, as after a long outage.
    await h.ctx.db.query("update cursors set block_time = block_time - 3600 where chain = 'ton'");
    const waiting = await senderTick(h.ctx, h.plugin);
    assert.deepEqual([waiting.synced, waiting.batched], [false, 0]);
    assert.equal((await withdrawalStatus(h.ctx, id)).status, "pending");
    await h.block();
    const synced = await senderTick(h.ctx, h.plugin);
    assert.deepEqual([synced.synced, synced.batched], [true, 1]);
  }));

/** A body a user might send as binary comment that reads exactly like a jetton transfer. */
function jettonShapedComment(to: Address): string {
  const body = jettonTransferMessageBody({
    queryId: 999n,
    amount: 1n,
    destination: to,
    responseDestination: to,
    forwardTonAmount: 0n,
    comment: null,
    binaryComment: null,
  });
  return formatBinaryComment(body.beginParse());
}

Deno.test("a binary comment that starts with a jetton opcode is refused", () =>
  withHarness(async (h) => {
    const to = destination();
    await assert.rejects(
      requestWithdrawal(h.ctx, {
        userId: "u1",
        queryId: "q1",
        currency: "TON",
        amount: toNano("1"),
        destination: to.toString({ testOnly: true, bounceable: false }),
        comment: null,
        binaryComment: jettonShapedComment(to),
      }),
      // Named once: the plugin's reason does not repeat the field.
      { message: "binary_comment: must not start with a jetton opcode" },
    );
  }));

Deno.test("a TON transfer whose body looks like a jetton transfer still settles as sent", () =>
  withHarness(async (h) => {
    await fundHot(h);
    const to = destination();
    // Stored directly, as an older version of the API would have accepted it.
    const { withdrawal } = await insertWithdrawal(h.ctx.db, {
      chain: "ton",
      currency: "TON",
      kind: "user",
      userId: "u1",
      queryId: "q1",
      amount: 5_000_000_000n,
      destination: to.toRawString(),
      destinationInput: to.toRawString(),
      comment: null,
      binaryComment: jettonShapedComment(to),
    });
    assert.equal((await senderTick(h.ctx, h.plugin)).batched, 1);
    await h.block();
    assert.equal(await balanceOf(h, to), 5_000_000_000n);
    assert.equal((await withdrawalStatus(h.ctx, withdrawal.id)).status, "processed");
  }));

/** Resolves once `check` holds, polling; rejects after `ms` (a bound, not a timing). */
async function eventually(check: () => Promise<boolean>, what: string, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("the sender loop is woken by a queued withdrawal and by the block that holds its batch", () =>
  withHarness(async (h) => {
    await fundHot(h);
    h.ctx.wakes = createWakes(h.ctx.db, silentLogger);
    // Idle waits of an hour: only a wake-up can make the loop go again within the test.
    let idle = () => {};
    const clock: Clock = {
      now: () => Date.now(),
      sleep: (ms, signal) => (idle(), systemClock.sleep(ms, signal)),
    };
    const ctx = { ...h.ctx, clock };
    const stop = new AbortController();
    const idleOnce = () => new Promise<void>((resolve) => idle = resolve);
    const firstIdle = idleOnce();
    const loop = runSender(ctx, h.plugin, stop.signal, { intervalMs: 3_600_000 });
    try {
      await firstIdle;
      const first = await withdraw(h, "q1", destination(), 1_000_000_000n);
      await eventually(
        async () => (await withdrawalStatus(h.ctx, first)).status === "processing",
        "the queued withdrawal is signed",
      );
      // One W5 batch in flight at a time: the next waits for the block that holds this one.
      const second = await withdraw(h, "q2", destination(), 1_000_000_000n);
      assert.equal((await withdrawalStatus(h.ctx, second)).status, "pending");
      await h.block();
      assert.equal((await withdrawalStatus(h.ctx, first)).status, "processed");
      await eventually(
        async () => (await withdrawalStatus(h.ctx, second)).status === "processing",
        "the next batch is signed once the first is seen",
      );
    } finally {
      stop.abort();
      await loop;
      await h.ctx.wakes.close();
    }
  }));
