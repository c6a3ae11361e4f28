import assert from "node:assert/strict";
import type { Hex } from "viem";
import { requestWithdrawal, withdrawalStatus } from "../../../core/processor.ts";
import { haltingAlarms } from "../../../core/store/alarms.ts";
import { evmAccountKey, newEvmMnemonic } from "../../../plugins/evm/derivation.ts";
import { startEvmDevnet } from "../../../plugins/evm/devnet/server.ts";
import { type Processor, startProcessor } from "../../conformance/processor.ts";
import { evmNativeSubject } from "../../conformance/subjects/evm.ts";
import { blacklistCall, faucetSender, suiteDevnet } from "./world.ts";

const USER = "u-evm";

/** Queues 200 withdrawals, ETH and USDT by turns, to 20 outside recipients. */
async function queue200(p: Processor) {
  const others = evmAccountKey(newEvmMnemonic());
  const recipients = Array.from({ length: 20 }, (_, i) => others.address(BigInt(i + 1)));
  const expected = new Map<string, bigint>();
  const ids: bigint[] = [];
  for (let n = 0; n < 200; n++) {
    const to = recipients[n % 20];
    const currency = n % 2 === 0 ? "ETH" : "USDT_ERC20";
    const amount = currency === "ETH" ? 10n ** 15n + BigInt(n) : 1_000_000n + BigInt(n);
    const key = `${currency} ${to.address}`;
    expected.set(key, (expected.get(key) ?? 0n) + amount);
    ids.push(
      (await requestWithdrawal(p.ctx, {
        userId: USER,
        queryId: `q-${n}`,
        currency,
        amount,
        destination: to.display,
        comment: null,
        binaryComment: null,
      })).id,
    );
  }
  return { ids, expected };
}

/** How many of `ids` are settled (neither pending nor processing). */
async function settled(p: Processor, ids: bigint[]): Promise<number> {
  let done = 0;
  for (const id of ids) {
    const { status } = await withdrawalStatus(p.ctx, id);
    if (status !== "pending" && status !== "processing") done++;
  }
  return done;
}

Deno.test("200 withdrawals of ETH and a no-bool USDT land exactly once, a stuck one replaced", async () => {
  const evm = await startEvmDevnet({ blockIntervalMs: 0 });
  // One withdrawal per transaction (no batch contract).
  const p = await startProcessor(evmNativeSubject, suiteDevnet(evm, { batch: undefined }));
  try {
    const { ids, expected } = await queue200(p);
    let replaced = 0;
    let done = 0;
    for (let round = 0; done < ids.length; round++) {
      assert.ok(round < 600, `only ${done} of ${ids.length} settled`);
      const tick = await p.tick({ rebroadcastMs: 0 });
      replaced += tick.replaced;
      if (round >= 40 && round < 46) {
        // Base fee far above what the one in flight offers: it is stuck until replaced.
        await evm.call("hardhat_setNextBlockBaseFeePerGas", [
          "0x" + (50n * 10n ** 9n).toString(16),
        ]);
      }
      await p.block();
      done = await settled(p, ids);
    }
    assert.ok(replaced >= 1, "a stuck transaction was replaced");
    const statuses = await Promise.all(ids.map((id) => withdrawalStatus(p.ctx, id)));
    assert.deepEqual(new Set(statuses.map((w) => w.status)), new Set(["processed"]));
    assert.equal(new Set(statuses.map((w) => w.txHash)).size, 200, "one transaction each");
    for (const [key, amount] of expected) {
      const [currency, address] = key.split(" ");
      assert.equal(await evm.balanceOf(currency, address), amount, key);
    }
    const payloads = await p.ctx.db.query(
      "select payload_id, status, dead_reason from payloads order by id",
    );
    assert.equal(payloads.filter((r) => r.status === "seen").length, 200);
    const dead = payloads.filter((r) => r.status === "dead");
    assert.equal(dead.length, replaced, "each replaced payload died, superseded");
    for (const r of dead) {
      assert.equal(r.dead_reason, "superseded");
      const receipt = await evm.call("eth_getTransactionReceipt", [r.payload_id as Hex]);
      assert.equal(receipt, null, "a replaced transaction never landed");
    }
    assert.deepEqual(await haltingAlarms(p.ctx.db, p.plugin.chain), []);
  } finally {
    await p.close();
    await evm.close();
  }
});

Deno.test("200 withdrawals through the batch contract land exactly once in a few transactions", async () => {
  const evm = await startEvmDevnet({ blockIntervalMs: 0 });
  const p = await startProcessor(evmNativeSubject, suiteDevnet(evm));
  try {
    const { ids, expected } = await queue200(p);
    for (let round = 0; await settled(p, ids) < ids.length; round++) {
      assert.ok(round < 40, "the batches did not settle");
      await p.tick({ rebroadcastMs: 0 });
      await p.block();
    }
    const statuses = await Promise.all(ids.map((id) => withdrawalStatus(p.ctx, id)));
    assert.deepEqual(new Set(statuses.map((w) => w.status)), new Set(["processed"]));
    for (const [key, amount] of expected) {
      const [currency, address] = key.split(" ");
      assert.equal(await evm.balanceOf(currency, address), amount, key);
    }
    // 100 of each asset, at most 50 a call, one asset a call: four transactions.
    assert.equal(new Set(statuses.map((w) => w.txHash)).size, 4);
    const payloads = await p.ctx.db.query("select status from payloads");
    assert.deepEqual(payloads.map((r) => r.status), ["seen", "seen", "seen", "seen"]);
  } finally {
    await p.close();
    await evm.close();
  }
});

Deno.test("a reverted withdrawal is failed with the chain's reason, and never retried", async () => {
  const evm = await startEvmDevnet({ blockIntervalMs: 0 });
  const p = await startProcessor(evmNativeSubject, suiteDevnet(evm));
  try {
    const hot = p.plugin.derivation.hotWallet.address;
    // Tether blacklists the hot wallet (the faucet owns the token): its transfers revert.
    const usdt = evm.tokens.find((t) => t.code === "USDT_ERC20")!.contract;
    await faucetSender(evm)({ to: usdt, data: blacklistCall(hot) });
    await p.block();
    const to = evmAccountKey(newEvmMnemonic()).address(1n);
    const { id } = await requestWithdrawal(p.ctx, {
      userId: USER,
      queryId: "q-blocked",
      currency: "USDT_ERC20",
      amount: 1_000_000n,
      destination: to.display,
      comment: null,
      binaryComment: null,
    });
    const open = async () =>
      ["pending", "processing"].includes((await withdrawalStatus(p.ctx, id)).status);
    for (let i = 0; i < 5 && await open(); i++) {
      await p.tick({ rebroadcastMs: 0 });
      await p.block();
    }
    const w = await withdrawalStatus(p.ctx, id);
    assert.equal(w.status, "failed");
    assert.match(w.failureReason!, /failed: reverted$/);
    assert.equal(w.attempt, 1);
    assert.equal(await evm.balanceOf("USDT_ERC20", to.address), 0n);
  } finally {
    await p.close();
    await evm.close();
  }
});
