/**
 * The payload lifecycle contract, on a small account-nonce chain: payloads never expire,
 * each uses the hot wallet's next nonce, and the scanner keeps the nonce the scanned chain
 * has reached in its cursor state. The plugin, not the core, says when a payload is dead
 * (its nonce was used by another transaction), and may offer a fee bump that reuses the
 * nonce; the core must never let two payloads that could both land carry one withdrawal.
 */

import assert from "node:assert/strict";
import type { Cursor, PayloadLifecycle, SignedPayload, TransferItem } from "../../core/plugin.ts";
import { senderTick } from "../../core/sender.ts";
import { openAlarms } from "../../core/store/alarms.ts";
import { commitBlock, commitRollback, initCursor, loadCursor } from "../../core/store/cursors.ts";
import { insertWithdrawal, withdrawalById } from "../../core/store/withdrawals.ts";
import { type ApiHarness, startApi, STUB_CHAIN, stubPlugin } from "../support/api_client.ts";

/** What the chain's hot wallet nonce is at a cursor (the scanner's state). */
function scannedNonce(cursor: Cursor): number {
  return (cursor.state as { nonce: number }).nonce;
}

/** The nonce chain's lifecycle: unseen and its nonce used means another transaction used it. */
const nonceLifecycle = (bump: (p: SignedPayload) => SignedPayload | null): PayloadLifecycle => ({
  state(payload, cursor) {
    if (Number(payload.nonce) < scannedNonce(cursor)) {
      return { state: "dead", reason: "superseded", detail: `nonce ${payload.nonce} is used` };
    }
    return { state: "pending" };
  },
  replacement: (payload) => Promise.resolve(bump(payload)),
});

interface NonceChain {
  api: ApiHarness;
  broadcasts: string[];
  /** Commits the next block: the nonce it reaches and the payloads of ours it holds. */
  block(nonce: number, seen?: SignedPayload[]): Promise<void>;
  /** A fork takes the chain back to the first block (nonce 0). */
  fork(): Promise<void>;
  payloads(): Promise<Record<string, unknown>[]>;
}

async function withNonceChain(
  bump: (p: SignedPayload) => SignedPayload | null,
  fn: (chain: NonceChain) => Promise<void>,
): Promise<void> {
  let nextNonce = 0;
  const broadcasts: string[] = [];
  const base = stubPlugin();
  const plugin = {
    ...base,
    sender: {
      ...base.sender,
      maxBatch: 1,
      spendable: () => Promise.resolve(1_000_000n),
      buildTransfers(items: TransferItem[]): Promise<SignedPayload> {
        const nonce = String(nextNonce++);
        const id = `tx-n${nonce}`;
        return Promise.resolve({
          payloadId: id,
          wallet: "stub:hotwallet",
          data: JSON.stringify({ nonce, items: items.map((i) => String(i.id)) }),
          validUntil: null,
          nonce,
          outKeys: items.map((_, i) => `${id}:${i}`),
        });
      },
      broadcast(payload: SignedPayload): Promise<void> {
        broadcasts.push(payload.payloadId);
        return Promise.resolve();
      },
      lifecycle: nonceLifecycle(bump),
    },
  };
  const api = await startApi({ plugins: [plugin] });
  const now = () => Math.floor(Date.now() / 1000);
  let at = await initCursor(api.ctx.db, STUB_CHAIN, {
    height: 1n,
    time: now(),
    state: { nonce: 0 },
  });
  try {
    await fn({
      api,
      broadcasts,
      async block(nonce, seen = []) {
        const next: Cursor = { height: at.height + 1n, time: now(), state: { nonce } };
        await api.ctx.db.transaction((tx) =>
          commitBlock(tx, STUB_CHAIN, at, {
            cursor: next,
            incomes: [],
            sightings: seen.map((p) => ({
              payloadId: p.payloadId,
              txHash: `hash-${p.payloadId}`,
              outKeys: p.outKeys,
              outAmounts: p.outKeys.map(() => 5n),
              fee: 1n,
              time: next.time,
            })),
          })
        );
        at = (await loadCursor(api.ctx.db, STUB_CHAIN))!;
      },
      async fork() {
        const to: Cursor = { height: 1n, time: now(), state: { nonce: 0 } };
        await api.ctx.db.transaction((tx) => commitRollback(tx, STUB_CHAIN, at, to, 1));
        at = (await loadCursor(api.ctx.db, STUB_CHAIN))!;
      },
      payloads: async () =>
        (await api.ctx.db.query(
          `select payload_id, status, dead_reason,
             (select s.payload_id from payloads s where s.id = p.superseded_by) as superseded_by
           from payloads p order by id`,
        )).map((row) => ({ ...row })),
    });
  } finally {
    await api.close();
  }
}

async function withdraw(api: ApiHarness, queryId: string): Promise<bigint> {
  const { withdrawal } = await insertWithdrawal(api.ctx.db, {
    chain: STUB_CHAIN,
    currency: "TON",
    kind: "user",
    userId: "u1",
    queryId,
    amount: 5n,
    destination: "stub:payee1",
    destinationInput: "PAYEE1",
    comment: null,
    binaryComment: null,
  });
  return withdrawal.id;
}

/** Queues a withdrawal, sends it, and lets the plugin bump it once; returns its id. */
async function sentAndBumped(api: ApiHarness): Promise<bigint> {
  const plugin = api.ctx.plugins.get(STUB_CHAIN)!;
  const id = await withdraw(api, "q1");
  await senderTick(api.ctx, plugin, { rebroadcastMs: 0 });
  assert.equal((await senderTick(api.ctx, plugin, { rebroadcastMs: 0 })).replaced, 1);
  return id;
}

/** The payload as the plugin signed it, rebuilt from what the test plugin's ids follow. */
function signed(nonce: number, suffix = ""): SignedPayload {
  const id = `tx-n${nonce}${suffix}`;
  return {
    payloadId: id,
    wallet: "stub:hotwallet",
    data: "",
    validUntil: null,
    nonce: String(nonce),
    outKeys: [`${id}:0`],
  };
}

const noBump = () => null;
const feeBump = (p: SignedPayload): SignedPayload | null =>
  p.payloadId.endsWith("+") ? null : {
    ...p,
    payloadId: `${p.payloadId}+`,
    data: `${p.data} with a higher fee`,
    outKeys: p.outKeys.map((k) => k.replace(p.payloadId, `${p.payloadId}+`)),
  };

Deno.test("a payload whose nonce another transaction used dies superseded and is rebuilt once", () =>
  withNonceChain(noBump, async ({ api, block, payloads }) => {
    const id = await withdraw(api, "q1");
    assert.equal((await senderTick(api.ctx, api.ctx.plugins.get(STUB_CHAIN)!)).batched, 1);
    // The nonce is used on chain, but not by our payload: it can never land.
    await block(1);
    const tick = await senderTick(api.ctx, api.ctx.plugins.get(STUB_CHAIN)!);
    assert.equal(tick.expired, 1);
    assert.equal(tick.batched, 1);
    assert.deepEqual(await payloads(), [
      { payload_id: "tx-n0", status: "dead", dead_reason: "superseded", superseded_by: null },
      { payload_id: "tx-n1", status: "sent", dead_reason: null, superseded_by: null },
    ]);
    const w = (await withdrawalById(api.ctx.db, id))!;
    assert.equal(w.status, "processing");
    assert.equal(w.attempt, 2);
  }));

Deno.test("a dead payload that lands after all halts the sender on the new signal", () =>
  withNonceChain(noBump, async ({ api, block }) => {
    const plugin = api.ctx.plugins.get(STUB_CHAIN)!;
    const id = await withdraw(api, "q1");
    await senderTick(api.ctx, plugin);
    await block(1);
    await senderTick(api.ctx, plugin);
    // A wrong verdict (a scanner that missed a block) is what the tripwire is for.
    await block(1, [signed(0)]);
    const alarms = await openAlarms(api.ctx.db, STUB_CHAIN);
    assert.deepEqual(alarms.map((a) => a.kind), ["expired_payload_seen"]);
    assert.match(alarms[0].detail, /declared dead \(superseded\)/);
    const tick = await senderTick(api.ctx, plugin);
    assert.equal(tick.halted, true);
    assert.equal((await withdrawalById(api.ctx.db, id))!.attempt, 2);
  }));

Deno.test("a fee bump takes over the withdrawal in one step; only it is broadcast from then on", () =>
  withNonceChain(feeBump, async ({ api, broadcasts, payloads }) => {
    const plugin = api.ctx.plugins.get(STUB_CHAIN)!;
    const id = await withdraw(api, "q1");
    await senderTick(api.ctx, plugin, { rebroadcastMs: 0 });
    const tick = await senderTick(api.ctx, plugin, { rebroadcastMs: 0 });
    assert.equal(tick.replaced, 1);
    assert.equal(tick.batched, 0, "the replaced payload still counts as in flight");
    await senderTick(api.ctx, plugin, { rebroadcastMs: 0 });
    assert.deepEqual(broadcasts, ["tx-n0", "tx-n0+", "tx-n0+"]);
    assert.deepEqual((await payloads()).map((p) => [p.payload_id, p.status]), [
      ["tx-n0", "replaced"],
      ["tx-n0+", "sent"],
    ]);
    const [carried] = await api.ctx.db.query(
      "select p.payload_id, w.out_key from withdrawals w join payloads p on p.id = w.payload_ref where w.id = $1",
      [id],
    );
    assert.deepEqual(carried, { payload_id: "tx-n0+", out_key: "tx-n0+:0" });
  }));

Deno.test("when the replaced payload lands it is the one that counts; the bump dies and may never land", () =>
  withNonceChain(feeBump, async ({ api, block, payloads }) => {
    const plugin = api.ctx.plugins.get(STUB_CHAIN)!;
    const id = await sentAndBumped(api);
    await block(1, [signed(0)]);
    const w = (await withdrawalById(api.ctx.db, id))!;
    assert.equal(w.status, "processed");
    assert.equal(w.txHash, "hash-tx-n0");
    assert.equal(w.attempt, 1);
    assert.deepEqual(await payloads(), [
      { payload_id: "tx-n0", status: "seen", dead_reason: null, superseded_by: null },
      { payload_id: "tx-n0+", status: "dead", dead_reason: "superseded", superseded_by: "tx-n0" },
    ]);
    assert.deepEqual(await openAlarms(api.ctx.db, STUB_CHAIN), []);
    // Both on chain would be a double spend: the sender stops.
    await block(1, [signed(0, "+")]);
    assert.deepEqual((await openAlarms(api.ctx.db, STUB_CHAIN)).map((a) => a.kind), [
      "expired_payload_seen",
    ]);
    assert.equal((await senderTick(api.ctx, plugin)).halted, true);
  }));

Deno.test("when the bump lands the replaced payload dies, and its late sighting trips the alarm", () =>
  withNonceChain(feeBump, async ({ api, block, payloads }) => {
    const plugin = api.ctx.plugins.get(STUB_CHAIN)!;
    const id = await sentAndBumped(api);
    await block(1, [signed(0, "+")]);
    const w = (await withdrawalById(api.ctx.db, id))!;
    assert.equal(w.status, "processed");
    assert.equal(w.txHash, "hash-tx-n0+");
    assert.deepEqual((await payloads()).map((p) => [p.payload_id, p.status, p.superseded_by]), [
      ["tx-n0", "dead", "tx-n0+"],
      ["tx-n0+", "seen", null],
    ]);
    await block(1, [signed(0)]);
    assert.equal((await senderTick(api.ctx, plugin)).halted, true);
  }));

Deno.test("a family dies only when every member is dead; then the withdrawal is rebuilt once", () =>
  withNonceChain(feeBump, async ({ api, block, payloads }) => {
    const plugin = api.ctx.plugins.get(STUB_CHAIN)!;
    const id = await sentAndBumped(api);
    await block(1);
    const tick = await senderTick(api.ctx, plugin, { rebroadcastMs: 0 });
    assert.equal(tick.expired, 1);
    assert.equal(tick.batched, 1);
    assert.deepEqual((await payloads()).map((p) => [p.payload_id, p.status]), [
      ["tx-n0", "dead"],
      ["tx-n0+", "dead"],
      ["tx-n1", "sent"],
    ]);
    assert.equal((await withdrawalById(api.ctx.db, id))!.attempt, 2);
  }));

Deno.test("a replacement that does not reuse the nonce is refused and nothing moves", () =>
  withNonceChain(
    (p) => p.payloadId.endsWith("+") ? null : { ...feeBump(p)!, nonce: "7" },
    async ({ api, payloads }) => {
      const plugin = api.ctx.plugins.get(STUB_CHAIN)!;
      const id = await withdraw(api, "q1");
      await senderTick(api.ctx, plugin, { rebroadcastMs: 0 });
      await assert.rejects(
        () => senderTick(api.ctx, plugin, { rebroadcastMs: 0 }),
        /must use its wallet and nonce/,
      );
      assert.deepEqual((await payloads()).map((p) => [p.payload_id, p.status]), [
        ["tx-n0", "sent"],
      ]);
      const [carried] = await api.ctx.db.query(
        "select p.payload_id from withdrawals w join payloads p on p.id = w.payload_ref where w.id = $1",
        [id],
      );
      assert.equal(carried.payload_id, "tx-n0");
    },
  ));

Deno.test("a fork that drops the landed payload revives its bump, which may then land instead", () =>
  withNonceChain(feeBump, async ({ api, block, fork, payloads }) => {
    const id = await sentAndBumped(api);
    await block(1, [signed(0)]);
    await fork();
    // The bump died only because the other landed; on this branch either may land.
    assert.deepEqual((await payloads()).map((p) => [p.payload_id, p.status]), [
      ["tx-n0", "sent"],
      ["tx-n0+", "replaced"],
    ]);
    await block(1, [signed(0, "+")]);
    assert.deepEqual(await openAlarms(api.ctx.db, STUB_CHAIN), []);
    const w = (await withdrawalById(api.ctx.db, id))!;
    assert.equal(w.status, "processed");
    assert.equal(w.txHash, "hash-tx-n0+");
    assert.deepEqual((await payloads()).map((p) => [p.payload_id, p.status]), [
      ["tx-n0", "dead"],
      ["tx-n0+", "seen"],
    ]);
  }));
