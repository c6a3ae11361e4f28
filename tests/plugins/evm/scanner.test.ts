import assert from "node:assert/strict";
import { encodeFunctionData, type Hex } from "viem";
import type {
  AccountLookup,
  ChainPlugin,
  Cursor,
  OwnedAccount,
  Rollback,
  ScannedBlock,
} from "../../../core/plugin.ts";
import { evmDisplay } from "../../../plugins/evm/address.ts";
import { blacklistCall, depositAccount, mapLookup, startWorld } from "./world.ts";

/** Scans from `cursor` until the node has no next block; returns the blocks and rollbacks. */
async function scanAll(
  plugin: ChainPlugin,
  cursor: Cursor,
  lookup: AccountLookup,
): Promise<{ cursor: Cursor; results: (ScannedBlock | Rollback)[] }> {
  const results: (ScannedBlock | Rollback)[] = [];
  for (;;) {
    const r = await plugin.scanner.next(cursor, lookup);
    if (r === null) return { cursor, results };
    results.push(r);
    cursor = "to" in r ? r.to : r.cursor;
  }
}

const blocks = (results: (ScannedBlock | Rollback)[]) =>
  results.filter((r): r is ScannedBlock => "cursor" in r);

const SEND_NATIVE = [{
  type: "function",
  name: "sendNative",
  stateMutability: "payable",
  inputs: [{ name: "recipients", type: "address[]" }, { name: "amounts", type: "uint256[]" }],
  outputs: [],
}] as const;

Deno.test("incomes: native and ERC-20 to deposits of their currency, one lookup per block", async () => {
  const world = await startWorld();
  const { devnet, plugin } = world;
  try {
    const eth = await depositAccount(plugin, 1n, "ETH");
    const usdt = await depositAccount(plugin, 2n, "USDT_ERC20");
    const owned = new Map<string, OwnedAccount>([[eth.address, eth], [usdt.address, usdt]]);
    const { lookup, calls } = mapLookup(plugin, owned);
    const start = await plugin.scanner.initialCursor();
    const stranger = (await depositAccount(plugin, 99n, "ETH")).address;
    const paidEth = await devnet.faucet(eth.address, "ETH", 10n ** 17n);
    const paidUsdt = await devnet.faucet(usdt.address, "USDT_ERC20", 5_000_000n);
    const wrongToken = await devnet.faucet(usdt.address, "USDC_ERC20", 7_000_000n);
    await devnet.faucet(stranger, "USDT_ERC20", 1n);
    // Native coin to a token deposit is the hot wallet's gas top-up, never reported.
    await devnet.faucet(usdt.address, "ETH", 3n);
    await devnet.mine();
    const { results } = await scanAll(plugin, start, lookup);
    const scanned = blocks(results);
    assert.equal(scanned.length, 1);
    assert.equal(calls.length, 1, "one store lookup for the block");
    assert.ok(calls[0].includes(stranger) && calls[0].includes(eth.address));
    const [block] = scanned;
    const usdtContract = devnet.tokens.find((t) => t.code === "USDT_ERC20")!.contract;
    const usdcContract = devnet.tokens.find((t) => t.code === "USDC_ERC20")!.contract;
    const faucet = devnet.faucetAccount.address;
    assert.deepEqual(
      block.incomes.map((i) => [i.currency, i.to, i.from, i.amount, i.txHash, i.eventIndex >= 0]),
      [
        ["ETH", eth.address, faucet, 10n ** 17n, paidEth, false],
        ["USDT_ERC20", usdt.address, faucet, 5_000_000n, paidUsdt, true],
      ],
    );
    assert.equal(block.incomes[0].eventIndex, -1, "a transaction's own value");
    assert.equal(block.incomes[0].blockHeight, block.cursor.height);
    assert.deepEqual(
      block.unrecognized!.map((u) => [u.to, u.token, u.amount, u.txHash]),
      [[usdt.address, usdcContract, 7_000_000n, wrongToken]],
    );
    assert.ok(usdtContract !== usdcContract);
    assert.equal(block.transactionCount, 5);
    assert.deepEqual(block.sightings, [], "nothing was sent by our accounts");
    // Identity is (tx hash, log index): the same log read again is the same income.
    const again = await plugin.scanner.next(start, lookup) as ScannedBlock;
    assert.deepEqual(again.incomes, block.incomes);
  } finally {
    await world.close();
  }
});

Deno.test("a reverted transfer of ours is a failed sighting with the chain's reason", async () => {
  const world = await startWorld();
  const { devnet, plugin, send } = world;
  try {
    const hot = plugin.derivation.hotWallet.address;
    const { lookup } = mapLookup(plugin, new Map());
    let cursor = await plugin.scanner.initialCursor();
    const to = (await depositAccount(plugin, 50n, "ETH")).address;
    // More USDC than the hot wallet holds: OpenZeppelin reverts with ERC20InsufficientBalance.
    const tooMuch = (await plugin.sender.buildTransfers([{
      id: 1n,
      step: null,
      currency: "USDC_ERC20",
      to,
      amount: 10n ** 30n,
      comment: null,
      binaryComment: null,
    }]))!;
    await plugin.sender.broadcast(tooMuch);
    await devnet.mine();
    // Tether blacklists the hot wallet: its transfers revert (a bare require, no reason).
    const usdt = devnet.tokens.find((t) => t.code === "USDT_ERC20")!.contract as Hex;
    await send({ to: usdt, data: blacklistCall(hot) });
    await devnet.mine();
    const blocked = (await plugin.sender.buildTransfers([{
      id: 2n,
      step: null,
      currency: "USDT_ERC20",
      to,
      amount: 1n,
      comment: null,
      binaryComment: null,
    }]))!;
    await plugin.sender.broadcast(blocked);
    await devnet.mine();
    const scanned = await scanAll(plugin, cursor, lookup);
    cursor = scanned.cursor;
    const sightings = blocks(scanned.results).flatMap((b) => b.sightings);
    assert.deepEqual(sightings.map((s) => s.payloadId), [tooMuch.payloadId, blocked.payloadId]);
    for (const s of sightings) {
      assert.deepEqual(s.outKeys, [], "nothing left");
      assert.ok(s.fee > 0n, "a reverted transaction still burns gas");
    }
    assert.match(sightings[0].failure!, /^reverted: ERC20InsufficientBalance\(0x/);
    assert.equal(sightings[1].failure, "reverted");
    assert.equal(await devnet.balanceOf("USDT_ERC20", to), 0n);
  } finally {
    await world.close();
  }
});

Deno.test("a reorg rolls back to the shared block; the new branch's incomes come again", async () => {
  const world = await startWorld();
  const { devnet, plugin } = world;
  try {
    const eth = await depositAccount(plugin, 1n, "ETH");
    const { lookup } = mapLookup(plugin, new Map([[eth.address, eth]]));
    const start = await plugin.scanner.initialCursor();
    const kept = await devnet.faucet(eth.address, "ETH", 1000n);
    await devnet.mine();
    const dropped = await devnet.faucet(eth.address, "ETH", 2000n);
    await devnet.mine();
    await devnet.mine();
    const first = await scanAll(plugin, start, lookup);
    assert.deepEqual(
      blocks(first.results).flatMap((b) => b.incomes.map((i) => i.txHash)),
      [kept, dropped],
    );
    await devnet.reorg(2, { drop: [dropped] });
    await devnet.mine();
    const second = await scanAll(plugin, first.cursor, lookup);
    const [rollback, ...rest] = second.results;
    assert.ok("to" in rollback, "the scanner saw the reorg first");
    assert.equal(rollback.to.height, start.height + 1n, "back to the block holding the kept one");
    assert.deepEqual(blocks(rest).flatMap((b) => b.incomes), [], "the dropped one is gone");
    assert.equal(second.cursor.height, first.cursor.height + 1n);
  } finally {
    await world.close();
  }
});

Deno.test("finality by the finalized tag: a block is scanned once the node finalizes it", async () => {
  const world = await startWorld({ finality: "finalized" }, { finalityDepth: 3 });
  const { devnet, plugin } = world;
  try {
    assert.equal(plugin.requiredConfirmations, 1);
    const eth = await depositAccount(plugin, 1n, "ETH");
    const { lookup } = mapLookup(plugin, new Map([[eth.address, eth]]));
    for (let i = 0; i < 3; i++) await devnet.mine();
    let cursor = await plugin.scanner.initialCursor();
    assert.equal(cursor.height, BigInt(await devnet.height()) - 3n);
    cursor = (await scanAll(plugin, cursor, lookup)).cursor;
    await devnet.faucet(eth.address, "ETH", 1000n);
    const paidAt = BigInt(await devnet.mine());
    for (let i = 0; i < 2; i++) {
      await devnet.mine();
      const seen = await scanAll(plugin, cursor, lookup);
      cursor = seen.cursor;
      assert.deepEqual(blocks(seen.results).flatMap((b) => b.incomes), [], "not final yet");
    }
    await devnet.mine();
    const seen = await scanAll(plugin, cursor, lookup);
    const incomes = blocks(seen.results).flatMap((b) => b.incomes);
    assert.deepEqual(incomes.map((i) => [i.amount, i.blockHeight]), [[1000n, paidAt]]);
  } finally {
    await world.close();
  }
});

Deno.test("value a contract moves to a deposit is an income when traced, never from a failed call", async () => {
  // A node that traces blocks; one that answers debug_traceBlockByHash "method not found"
  // (EDR itself, most hosted endpoints), whose contract calls are traced one by one; none.
  for (
    const [trace, traceBlocks] of [["auto", true], ["auto", false], ["off", true]] as const
  ) {
    const world = await startWorld({ traceInternal: trace }, { traceBlocks });
    const { devnet, plugin, send } = world;
    try {
      const eth = await depositAccount(plugin, 1n, "ETH");
      const { lookup } = mapLookup(plugin, new Map([[eth.address, eth]]));
      const start = await plugin.scanner.initialCursor();
      const batch = (recipients: string[], amounts: bigint[], value: bigint) =>
        send({
          to: devnet.batchContract!,
          value,
          data: encodeFunctionData({
            abi: SEND_NATIVE,
            functionName: "sendNative",
            args: [recipients as Hex[], amounts],
          }),
        });
      const stranger = (await depositAccount(plugin, 9n, "ETH")).address;
      const paid = await batch([stranger, eth.address], [100n, 500n], 600n);
      await devnet.mine();
      // Its value does not add up: the batch reverts and pays no one.
      const reverted = await send({
        to: devnet.batchContract!,
        value: 10n,
        gas: 200_000n,
        data: encodeFunctionData({
          abi: SEND_NATIVE,
          functionName: "sendNative",
          args: [[eth.address as Hex], [700n]],
        }),
      });
      await devnet.mine();
      const { results } = await scanAll(plugin, start, lookup);
      const incomes = blocks(results).flatMap((b) => b.incomes);
      assert.equal(await devnet.balanceOf("ETH", eth.address), 500n, "the value did arrive");
      if (trace === "off") {
        assert.deepEqual(incomes, [], "untraced, it is no income (see the README)");
        continue;
      }
      assert.deepEqual(
        incomes.map((i) => [i.txHash, i.eventIndex, i.amount, i.from]),
        [[paid, -3, 500n, evmDisplay(devnet.batchContract!)]],
        `the second internal transfer of ${paid}; nothing from ${reverted}`,
      );
    } finally {
      await world.close();
    }
  }
});

Deno.test("a node of another chain id is refused before any block is read", async () => {
  const world = await startWorld({ chainId: 1 });
  try {
    await assert.rejects(
      world.plugin.scanner.initialCursor(),
      /the node serves chain id 31337, not the configured 1/,
    );
  } finally {
    await world.close();
  }
});
