/**
 * Forks on the EVM devnet: snapshot and revert drop what came after, and reorg replaces the last
 * blocks by new ones (new hashes, same heights) with the same transactions except the dropped.
 */
import assert from "node:assert/strict";
import type { Hex } from "viem";
import { clientOf, sendSigned, testAccount, withDevnet } from "./helpers.ts";

Deno.test("revert to a snapshot drops the blocks and transactions since", async () => {
  await withDevnet(async (devnet, client) => {
    const alice = testAccount("alice").address;
    const height = await devnet.height();
    const id = await devnet.snapshot();
    const hash = await devnet.faucet(alice, "ETH", 5n);
    await devnet.mine();
    assert.equal(await devnet.balanceOf("ETH", alice), 5n);
    await devnet.revert(id);
    assert.equal(await devnet.height(), height);
    assert.equal(await devnet.balanceOf("ETH", alice), 0n);
    await devnet.mine();
    await assert.rejects(client.getTransactionReceipt({ hash }), /could not be found/);
    await assert.rejects(devnet.revert(id), /unknown snapshot/, "a snapshot is used up");
  });
});

Deno.test("reorg replaces the last blocks, keeps their transactions and leaves out the dropped", async () => {
  await withDevnet(async (devnet, client) => {
    const alice = testAccount("alice").address;
    const payer = testAccount("payer");
    await devnet.faucet(payer.address, "ETH", 10n ** 18n);
    const fork = BigInt(await devnet.mine());
    const forkBlock = await client.getBlock({ blockNumber: fork });

    const dropped = await devnet.faucet(alice, "ETH", 1_000n);
    await devnet.mine();
    const signed = await sendSigned(client, payer, { to: alice, value: 20n });
    const token = await devnet.faucet(alice, "USDT_ERC20", 300n);
    const tip = BigInt(await devnet.mine());
    const pending = await devnet.faucet(alice, "USDC_ERC20", 4n);
    const oldHashes = [
      (await client.getBlock({ blockNumber: fork + 1n })).hash,
      (await client.getBlock({ blockNumber: tip })).hash,
    ];

    await devnet.reorg(2, { drop: [dropped] });

    assert.equal(await client.getBlockNumber(), tip, "same height");
    const first = await client.getBlock({ blockNumber: fork + 1n });
    const second = await client.getBlock({ blockNumber: tip });
    assert.equal(first.parentHash, forkBlock.hash, "the branch starts at the fork point");
    assert.equal(second.parentHash, first.hash);
    assert.ok(!oldHashes.includes(first.hash) && !oldHashes.includes(second.hash), "new hashes");
    for (const hash of oldHashes) {
      await assert.rejects(client.getBlock({ blockHash: hash }), /could not be found/);
    }

    await assert.rejects(client.getTransactionReceipt({ hash: dropped }), /could not be found/);
    for (const hash of [signed.hash, token]) {
      const receipt = await client.getTransactionReceipt({ hash });
      assert.equal(receipt.status, "success");
      assert.ok(
        receipt.blockNumber > fork && [first.hash, second.hash].includes(receipt.blockHash),
      );
    }
    const logs = await client.getLogs({
      address: devnet.tokens[0].contract,
      fromBlock: fork + 1n,
      toBlock: tip,
    });
    assert.deepEqual(logs.map((l) => l.transactionHash), [token]);
    assert.equal(await devnet.balanceOf("ETH", alice), 20n, "only the kept native transfer");
    assert.equal(await devnet.balanceOf("USDT_ERC20", alice), 300n);

    assert.equal(
      (await client.getTransaction({ hash: pending })).blockNumber,
      null,
      "still pending",
    );
    const later = await devnet.faucet(alice, "ETH", 7n);
    await devnet.mine();
    assert.equal((await client.getTransactionReceipt({ hash: pending })).status, "success");
    assert.equal(
      (await client.getTransactionReceipt({ hash: later })).status,
      "success",
      "the faucet's nonce left free by the dropped transaction was filled",
    );
    assert.equal(await devnet.balanceOf("ETH", alice), 27n);
  });
});

Deno.test("a dropped signed transaction vanishes until it is broadcast again", async () => {
  await withDevnet(async (devnet, client) => {
    const payer = testAccount("payer");
    const bob = testAccount("bob").address;
    await devnet.faucet(payer.address, "ETH", 10n ** 18n);
    await devnet.mine();
    const { hash, raw } = await sendSigned(client, payer, { to: bob, value: 9n });
    await devnet.mine();
    await devnet.reorg(1, { drop: [hash] });
    await assert.rejects(client.getTransaction({ hash }), /could not be found/);
    assert.equal(await client.getTransactionCount({ address: payer.address }), 0);
    assert.equal(await client.sendRawTransaction({ serializedTransaction: raw }), hash);
    await devnet.mine();
    assert.equal((await client.getTransactionReceipt({ hash })).status, "success");
    assert.equal(await devnet.balanceOf("ETH", bob), 9n);
  });
});

Deno.test("reorg depth is from 1 to the height", async () => {
  await withDevnet(async (devnet) => {
    const height = await devnet.height();
    await assert.rejects(devnet.reorg(0), RangeError);
    await assert.rejects(devnet.reorg(height + 1), RangeError);
    await devnet.reorg(height);
    assert.equal(await devnet.height(), height);
    assert.equal(devnet.tokens.length, 2);
    assert.ok(await devnet.balanceOf("USDT_ERC20", devnet.faucetAccount.address) > 0n);
    const client = clientOf(devnet);
    assert.ok((await client.getCode({ address: devnet.tokens[0].contract as Hex }))!.length > 2);
  });
});

Deno.test("a transaction replaced by a higher fee stays replaced across a reorg", async () => {
  await withDevnet(async (devnet, client) => {
    const payer = testAccount("payer");
    const bob = testAccount("bob").address;
    await devnet.faucet(payer.address, "ETH", 10n ** 18n);
    await devnet.mine();
    const tx = {
      chainId: devnet.chainId,
      nonce: 0,
      to: bob,
      gas: 21_000n,
      type: "eip1559",
    } as const;
    const stuck = await payer.signTransaction({
      ...tx,
      value: 1n,
      maxFeePerGas: 1n,
      maxPriorityFeePerGas: 1n,
    });
    const stuckHash = await client.sendRawTransaction({ serializedTransaction: stuck });
    await devnet.mine();
    assert.equal(
      (await client.getTransaction({ hash: stuckHash })).blockNumber,
      null,
      "underpriced",
    );
    const fees = await client.estimateFeesPerGas();
    const replacement = await payer.signTransaction({ ...tx, value: 2n, ...fees });
    const hash = await client.sendRawTransaction({ serializedTransaction: replacement });
    await devnet.mine();
    await devnet.reorg(2);
    assert.equal((await client.getTransactionReceipt({ hash })).status, "success");
    await assert.rejects(client.getTransaction({ hash: stuckHash }), /could not be found/);
    await devnet.mine();
    assert.equal(await devnet.balanceOf("ETH", bob), 2n);
  });
});
