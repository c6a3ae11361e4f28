/**
 * The EVM devnet as a wallet or a scanner sees it through viem over HTTP: the node starts under
 * Deno, blocks come on the timer, the tokens are deployed with their Transfer logs readable by
 * `eth_getLogs`, the Tether-like token's transfer returns nothing and still moves funds, and the
 * faucet pays.
 */
import assert from "node:assert/strict";
import { encodeFunctionData, erc20Abi, getAddress, type Hex, parseAbiItem } from "viem";
import { startEvmDevnet } from "../../../../plugins/evm/devnet/server.ts";
import { clientOf, sendSigned, testAccount, withDevnet } from "./helpers.ts";

const transferEvent = parseAbiItem(
  "event Transfer(address indexed from, address indexed to, uint256 value)",
);

Deno.test("blocks come on the timer without mine()", async () => {
  const devnet = await startEvmDevnet({ blockIntervalMs: 20 });
  try {
    const client = clientOf(devnet);
    const start = await client.getBlockNumber();
    const next = await devnet.waitForBlock();
    const after = await devnet.waitForBlock();
    assert.ok(next > Number(start), `block ${next} follows ${start}`);
    assert.equal(after, next + 1);
    assert.ok(await client.getBlockNumber() >= BigInt(after));
  } finally {
    await devnet.close();
  }
});

Deno.test("no block is sealed without the timer until mine(); automine is off", async () => {
  await withDevnet(async (devnet, client) => {
    const before = await client.getBlockNumber();
    const hash = await devnet.faucet(testAccount("idle").address, "ETH", 1n);
    assert.equal(await client.getBlockNumber(), before, "a pending transaction seals nothing");
    const pending = await client.getTransaction({ hash });
    assert.equal(pending.blockNumber, null);
    assert.equal(await devnet.mine(), Number(before) + 1);
    const receipt = await client.getTransactionReceipt({ hash });
    assert.equal(receipt.blockNumber, before + 1n);
  });
});

Deno.test("tokens are deployed in block 1 with their decimals and supply at the faucet", async () => {
  await withDevnet(async (devnet, client) => {
    assert.deepEqual(devnet.tokens.map((t) => [t.code, t.decimals, t.returnsBool]), [
      ["USDT_ERC20", 6, false],
      ["USDC_ERC20", 6, true],
    ]);
    for (const token of devnet.tokens) {
      const address = token.contract as Hex;
      assert.ok((await client.getCode({ address }))!.length > 2, `${token.code} has code`);
      const decimals = await client.readContract({
        address,
        abi: erc20Abi,
        functionName: "decimals",
      });
      assert.equal(decimals, token.decimals);
      const supply = await client.readContract({
        address,
        abi: erc20Abi,
        functionName: "totalSupply",
      });
      assert.equal(await devnet.balanceOf(token.code, devnet.faucetAccount.address), supply);
      const mints = await client.getLogs({ address, event: transferEvent, fromBlock: 0n });
      assert.equal(mints.length, 1);
      assert.equal(mints[0].blockNumber, 1n);
      assert.equal(mints[0].args.value, supply);
    }
    assert.ok((await client.getCode({ address: devnet.batchContract as Hex }))!.length > 2);
  });
});

Deno.test("faucet transfers are real transactions with Transfer logs found by eth_getLogs", async () => {
  await withDevnet(async (devnet, client) => {
    const alice = testAccount("alice").address;
    const usdt = await devnet.faucet(alice, "USDT_ERC20", 5_000_000n);
    const usdc = await devnet.faucet(alice, "USDC_ERC20", 7_000_000n);
    const eth = await devnet.faucet(alice, "ETH", 10n ** 18n);
    const block = BigInt(await devnet.mine());
    for (const hash of [usdt, usdc, eth]) {
      assert.equal((await client.getTransactionReceipt({ hash: hash as Hex })).status, "success");
    }
    assert.equal(await devnet.balanceOf("USDT_ERC20", alice), 5_000_000n);
    assert.equal(await devnet.balanceOf("USDC_ERC20", alice), 7_000_000n);
    assert.equal(await devnet.balanceOf("ETH", alice), 10n ** 18n);
    assert.equal(await client.getBalance({ address: alice }), 10n ** 18n);

    const logs = await client.getLogs({
      address: devnet.tokens.map((t) => t.contract as Hex),
      event: transferEvent,
      args: { to: alice },
      fromBlock: block,
      toBlock: block,
    });
    assert.deepEqual(
      logs.map((l) => [l.address, l.transactionHash, l.args.from, l.args.value]),
      [
        [devnet.tokens[0].contract, usdt, getAddress(devnet.faucetAccount.address), 5_000_000n],
        [devnet.tokens[1].contract, usdc, getAddress(devnet.faucetAccount.address), 7_000_000n],
      ],
    );
    await assert.rejects(devnet.faucet(alice, "DOGE", 1n), /unknown currency DOGE/);
    await assert.rejects(devnet.balanceOf("DOGE", alice), /unknown currency DOGE/);
    await assert.rejects(devnet.faucet("0x1234", "USDT_ERC20", 1n), /invalid/i);
    const full = await client.getBlock({ blockNumber: block, includeTransactions: true });
    const native = full.transactions.find((t) => t.hash === eth)!;
    assert.equal(native.to, alice.toLowerCase());
    assert.equal(native.value, 10n ** 18n);
  });
});

Deno.test("the Tether-like transfer returns no bool and still moves funds; the OZ one returns true", async () => {
  await withDevnet(async (devnet, client) => {
    const payer = testAccount("payer");
    const payee = testAccount("payee").address;
    await devnet.faucet(payer.address, "ETH", 10n ** 18n);
    await devnet.faucet(payer.address, "USDT_ERC20", 3_000_000n);
    await devnet.faucet(payer.address, "USDC_ERC20", 3_000_000n);
    await devnet.mine();
    const [usdt, usdc] = devnet.tokens.map((t) => t.contract as Hex);
    const data = encodeFunctionData({
      abi: erc20Abi,
      functionName: "transfer",
      args: [payee, 1_000_000n],
    });

    const noBool = await client.call({ account: payer.address, to: usdt, data });
    assert.equal(noBool.data, undefined, "no return data at all");
    const withBool = await client.call({ account: payer.address, to: usdc, data });
    assert.equal(BigInt(withBool.data!), 1n);
    await assert.rejects(
      client.simulateContract({
        account: payer.address,
        address: usdt,
        abi: erc20Abi,
        functionName: "transfer",
        args: [payee, 1_000_000n],
      }),
      /returned no data/,
      "a client expecting the ERC-20 bool cannot decode USDT's answer",
    );

    const { hash } = await sendSigned(client, payer, { to: usdt, data });
    await devnet.mine();
    const receipt = await client.getTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
    assert.equal(receipt.logs.length, 1);
    assert.equal(await devnet.balanceOf("USDT_ERC20", payee), 1_000_000n);
    assert.equal(await devnet.balanceOf("USDT_ERC20", payer.address), 2_000_000n);

    const tooMuch = encodeFunctionData({
      abi: erc20Abi,
      functionName: "transfer",
      args: [payee, 5_000_000n],
    });
    const failed = await sendSigned(client, payer, { to: usdt, data: tooMuch, gas: 100_000n });
    await devnet.mine();
    const bad = await client.getTransactionReceipt({ hash: failed.hash });
    assert.equal(bad.status, "reverted", "a transfer above the balance reverts");
    assert.equal(bad.logs.length, 0);
    assert.equal(await devnet.balanceOf("USDT_ERC20", payee), 1_000_000n);
  });
});

Deno.test("blocks carry an EIP-1559 base fee that eth_feeHistory reports", async () => {
  await withDevnet(async (devnet, client) => {
    await devnet.mine();
    await devnet.mine();
    const latest = await client.getBlock();
    assert.ok(latest.baseFeePerGas! > 0n);
    const history = await client.getFeeHistory({ blockCount: 2, rewardPercentiles: [50] });
    assert.equal(history.baseFeePerGas.length, 3, "two blocks and the next one");
    assert.equal(history.baseFeePerGas[1], latest.baseFeePerGas);
    assert.equal(history.oldestBlock, latest.number - 1n);
  });
});

Deno.test("a pre-London hardfork has no base fee and refuses EIP-1559 transactions", async () => {
  await withDevnet(async (devnet, client) => {
    assert.equal(devnet.hardfork, "berlin");
    const block = await client.getBlock();
    assert.equal(block.baseFeePerGas, null);
    const hash = await devnet.faucet(testAccount("legacy").address, "USDT_ERC20", 1n);
    await devnet.mine();
    const receipt = await client.getTransactionReceipt({ hash: hash as Hex });
    assert.equal(receipt.status, "success");
    assert.equal(receipt.type, "legacy");

    const payer = testAccount("legacy");
    await devnet.faucet(payer.address, "ETH", 10n ** 18n);
    await devnet.mine();
    const base = { chainId: devnet.chainId, nonce: 0, to: payer.address, gas: 21_000n };
    const typed = await payer.signTransaction({
      ...base,
      type: "eip1559",
      maxFeePerGas: 10n ** 9n,
      maxPriorityFeePerGas: 1n,
    });
    await assert.rejects(client.sendRawTransaction({ serializedTransaction: typed }));
    const legacy = await payer.signTransaction({ ...base, type: "legacy", gasPrice: 10n ** 9n });
    const sent = await client.sendRawTransaction({ serializedTransaction: legacy });
    await devnet.mine();
    assert.equal((await client.getTransactionReceipt({ hash: sent })).status, "success");
  }, { hardfork: "berlin" });
});
