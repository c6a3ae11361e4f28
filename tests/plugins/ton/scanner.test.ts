/** The TON scanner on the devnet: what counts as an income, and that none is lost or doubled. */

import assert from "node:assert/strict";
import { Address, beginCell, SendMode, toNano } from "@ton/core";
import { incomeHistory } from "../../../core/store/incomes.ts";
import { newAddress } from "../../../core/processor.ts";
import { loadCursor } from "../../../core/store/cursors.ts";
import { ingestOnce } from "../../../core/ingest.ts";
import { type TonHarness, withTonHarness } from "../../support/harness.ts";

// Short client timeouts, and a devnet that holds "timeout" faults longer than them.
const withHarness = (fn: (h: TonHarness) => Promise<void>) =>
  withTonHarness({
    ton: { requestTimeoutMs: 1000 },
    devnet: { faultTimeoutMs: 3000 },
  }, fn);

async function depositOf(h: TonHarness, user: string) {
  const display = await newAddress(h.ctx, user, "TON");
  return { display, address: Address.parse(display) };
}

const history = (h: TonHarness, user: string) =>
  incomeHistory(h.ctx.db, { userId: user, currency: "TON", limit: 100, offset: 0, order: "asc" });

Deno.test("a transfer with a text comment is recorded with source, amount and comment", () =>
  withHarness(async (h) => {
    const { display, address } = await depositOf(h, "u1");
    const txHash = h.devnet.faucet(address, toNano("1.5"), { comment: "hello 👋" });
    await h.devnet.produceBlock();
    await txHash;
    await h.catchUp();
    const [income, ...rest] = await history(h, "u1");
    assert.equal(rest.length, 0);
    assert.equal(income.amount, 1_500_000_000n);
    assert.equal(income.comment, "hello 👋");
    assert.equal(income.depositAddress, display);
    assert.equal(
      Address.parse(income.sourceAddress!).toRawString(),
      h.devnet.faucetAddress.toRawString(),
    );
    assert.match(income.txHash, /^[0-9a-f]{64}$/);
  }));

/** Sends from the faucet and ingests the block that carries it. */
async function pay(h: TonHarness, to: Address, amount: bigint, opts = {}) {
  const sent = h.devnet.faucet(to, amount, opts);
  await h.block();
  return await sent;
}

Deno.test("a binary payload is kept as Fift hex, with no text comment", () =>
  withHarness(async (h) => {
    const { address } = await depositOf(h, "u1");
    const body = beginCell().storeUint(0xdeadbeef, 32).storeUint(5, 3).endCell();
    await pay(h, address, toNano("0.2"), { body });
    const [income] = await history(h, "u1");
    assert.equal(income.comment, null);
    assert.equal(income.binaryComment, "deadbeefb_");
  }));

Deno.test("a bounced transfer is not an income", () =>
  withHarness(async (h) => {
    const { address } = await depositOf(h, "u1");
    // Bounceable to an uninitialised wallet: the value goes back to the faucet.
    await pay(h, address, toNano("3"), { bounce: true });
    assert.deepEqual(await history(h, "u1"), []);
    assert.equal((await h.devnet.blockchain.getContract(address)).balance, 0n);
  }));

Deno.test("a transaction aborted for lack of gas is not an income", () =>
  withHarness(async (h) => {
    const { address } = await depositOf(h, "u1");
    // Deploy the deposit wallet so it runs code, then pay it too little to run it.
    const { tonKeyPair, depositWallet } = await import("../../../plugins/ton/wallets.ts");
    const keys = await tonKeyPair(h.mnemonic);
    const index = BigInt(
      (await h.ctx.db.query("select derivation_index::text as i from addresses"))[0].i as string,
    );
    const wallet = depositWallet(keys.publicKey, index, "devnet");
    assert.equal(wallet.address.toRawString(), address.toRawString());
    await pay(h, address, toNano("1"));
    const deploy = h.devnet.blockchain.openContract(wallet);
    await deploy.sendTransfer({
      seqno: 0,
      secretKey: keys.secretKey,
      messages: [],
      sendMode: SendMode.PAY_GAS_SEPARATELY,
    });
    await pay(h, address, 1n);
    const incomes = await history(h, "u1");
    assert.deepEqual(incomes.map((i) => i.amount), [toNano("1")]);
  }));

Deno.test("replaying an ingested block records nothing twice", () =>
  withHarness(async (h) => {
    const { address } = await depositOf(h, "u1");
    const before = await loadCursor(h.ctx.db, "ton");
    await pay(h, address, toNano("1"), { comment: "once" });
    const after = await loadCursor(h.ctx.db, "ton");
    assert.ok(after!.height > before!.height);
    // Rewind the cursor as a crash before commit acknowledgement would, and scan again.
    await h.ctx.db.query(
      "update cursors set height = $1, block_time = $2, state = $3::jsonb where chain = 'ton'",
      [before!.height, before!.time, JSON.stringify(before!.state)],
    );
    await h.catchUp();
    assert.deepEqual((await loadCursor(h.ctx.db, "ton"))?.height, after!.height);
    assert.equal((await history(h, "u1")).length, 1);
  }));

Deno.test("after a restart the scanner resumes from its cursor without gaps or duplicates", () =>
  withHarness(async (h) => {
    const { address } = await depositOf(h, "u1");
    await pay(h, address, 1_000_000_000n);
    // The processor is down while three blocks with payments are produced.
    for (const amount of [2_000_000_000n, 3_000_000_000n, 4_000_000_000n]) {
      const sent = h.devnet.faucet(address, amount);
      await h.devnet.produceBlock();
      await sent;
      await h.devnet.produceBlock();
    }
    await h.restart();
    assert.equal(await h.catchUp(), 6);
    assert.deepEqual(
      (await history(h, "u1")).map((i) => i.amount),
      [1_000_000_000n, 2_000_000_000n, 3_000_000_000n, 4_000_000_000n],
    );
  }));

Deno.test("a node that errors or times out on some calls loses nothing", () =>
  withHarness(
    async (h) => {
      const { address } = await depositOf(h, "u1");
      const amounts = [1n, 2n, 3n, 4n, 5n].map((n) => n * 100_000_000n);
      for (const amount of amounts) {
        const sent = h.devnet.faucet(address, amount);
        await h.devnet.produceBlock();
        await sent;
      }
      h.devnet.faults.failNext("getBlockTransactionsExt", 2, "error");
      h.devnet.faults.failNext("shards", 1, "timeout");
      h.devnet.faults.failNext("getBlockHeader", 1, "ratelimit");
      h.devnet.faults.errorRate("*", 0.3);
      let failures = 0;
      for (let i = 0; i < 200; i++) {
        try {
          if (!await ingestOnce(h.ctx, h.plugin)) break;
        } catch {
          failures++;
        }
      }
      h.devnet.faults.reset();
      await h.catchUp();
      assert.ok(failures >= 4, `expected injected failures, saw ${failures}`);
      assert.deepEqual((await history(h, "u1")).map((i) => i.amount), amounts);
    },
  ));

Deno.test("a node reporting a lower height is waited for, never followed backwards", () =>
  withHarness(async (h) => {
    const { address } = await depositOf(h, "u1");
    await pay(h, address, toNano("1"));
    const before = await loadCursor(h.ctx.db, "ton");
    h.devnet.faults.lagHeight(3);
    await h.devnet.produceBlock();
    // A fresh scanner has no memory of the tip: it asks the lagging node and waits.
    await h.restart();
    assert.equal(await ingestOnce(h.ctx, h.plugin), false);
    assert.deepEqual((await loadCursor(h.ctx.db, "ton"))?.height, before!.height);
    h.devnet.faults.reset();
    assert.equal(await h.catchUp(), 1);
    assert.equal((await history(h, "u1")).length, 1);
  }));
