/**
 * The batch-transfer contract: several payouts in one transaction, native coin (seen as internal
 * transfers by `debug_traceTransaction` and `debug_traceBlock*`) or a token, the Tether-like one included; all or nothing.
 */
import assert from "node:assert/strict";
import { type Abi, encodeFunctionData, erc20Abi, type Hex, parseAbiItem } from "viem";
import artifacts from "../../../../plugins/evm/devnet/artifacts.json" with { type: "json" };
import { rpc, sendSigned, testAccount, withDevnet } from "./helpers.ts";

const batchAbi = artifacts.contracts.BatchTransfer.abi as Abi;
const recipients = ["r1", "r2", "r3"].map((l) => testAccount(l).address);

interface CallFrame {
  type: string;
  to: string;
  value?: string;
  calls?: CallFrame[];
}

Deno.test("sendNative pays every recipient in one transaction, as internal transfers", async () => {
  await withDevnet(async (devnet, client) => {
    const payer = testAccount("payer");
    await devnet.faucet(payer.address, "ETH", 10n ** 18n);
    await devnet.mine();
    const amounts = [1n, 20n, 300n];
    const data = encodeFunctionData({
      abi: batchAbi,
      functionName: "sendNative",
      args: [recipients, amounts],
    });
    const batch = devnet.batchContract!;
    const { hash } = await sendSigned(client, payer, { to: batch, value: 321n, data });
    await devnet.mine();
    assert.equal((await client.getTransactionReceipt({ hash })).status, "success");
    for (const [i, r] of recipients.entries()) {
      assert.equal(await devnet.balanceOf("ETH", r), amounts[i]);
    }
    const receipt = await client.getTransactionReceipt({ hash });
    const { body } = await rpc(devnet, "debug_traceBlockByNumber", [
      `0x${receipt.blockNumber.toString(16)}`,
      { tracer: "callTracer" },
    ]);
    const traces = body.result as { txHash: string; result: CallFrame }[];
    assert.deepEqual(traces.map((t) => t.txHash), [hash], "one trace per transaction");
    assert.deepEqual(
      traces[0].result.calls?.map((c) => [c.type, c.to, BigInt(c.value ?? "0x0")]),
      recipients.map((r, i) => ["CALL", r.toLowerCase(), amounts[i]]),
    );
    const byHash = await rpc(devnet, "debug_traceBlockByHash", [
      receipt.blockHash,
      { tracer: "callTracer" },
    ]);
    assert.deepEqual(byHash.body.result, traces);

    const short = await sendSigned(client, payer, { to: batch, value: 320n, data, gas: 200_000n });
    await devnet.mine();
    assert.equal((await client.getTransactionReceipt({ hash: short.hash })).status, "reverted");
    assert.equal(await devnet.balanceOf("ETH", recipients[2]), 300n, "nothing paid");
  }, { traceBlocks: true });
});

Deno.test("sendToken pays the Tether-like token from the caller after approve", async () => {
  await withDevnet(async (devnet, client) => {
    const payer = testAccount("payer");
    const usdt = devnet.tokens.find((t) => t.code === "USDT_ERC20")!.contract;
    await devnet.faucet(payer.address, "ETH", 10n ** 18n);
    await devnet.faucet(payer.address, "USDT_ERC20", 1_000n);
    await devnet.mine();
    const batch = devnet.batchContract!;
    const approve = encodeFunctionData({
      abi: erc20Abi,
      functionName: "approve",
      args: [batch, 600n],
    });
    await sendSigned(client, payer, { to: usdt, data: approve });
    await devnet.mine();
    const amounts = [100n, 200n, 300n];
    const data = encodeFunctionData({
      abi: batchAbi,
      functionName: "sendToken",
      args: [usdt, recipients, amounts],
    });
    const { hash } = await sendSigned(client, payer, { to: batch, data });
    await devnet.mine();
    const receipt = await client.getTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
    const logs = await client.getLogs({
      address: usdt,
      event: parseAbiItem(
        "event Transfer(address indexed from, address indexed to, uint256 value)",
      ),
      blockHash: receipt.blockHash,
    });
    assert.deepEqual(
      logs.map((l) => [l.args.from, l.args.to, l.args.value]),
      recipients.map((r, i) => [payer.address, r, amounts[i]]),
    );
    assert.equal(await devnet.balanceOf("USDT_ERC20", payer.address), 400n);

    const over = encodeFunctionData({
      abi: batchAbi,
      functionName: "sendToken",
      args: [usdt, recipients, amounts],
    });
    const failed = await sendSigned(client, payer, { to: batch, data: over, gas: 300_000n });
    await devnet.mine();
    assert.equal(
      (await client.getTransactionReceipt({ hash: failed.hash as Hex })).status,
      "reverted",
      "the allowance is used up: the whole batch reverts",
    );
    assert.equal(await devnet.balanceOf("USDT_ERC20", recipients[0]), 100n);
  });
});

Deno.test("faucetViaContract pays native coin as an internal transfer", async () => {
  await withDevnet(async (devnet, client) => {
    const to = recipients[0];
    const hash = await devnet.faucetViaContract(to, 55n);
    await devnet.mine();
    const tx = await client.getTransaction({ hash });
    assert.equal(tx.to, devnet.batchContract, "the transaction goes to the contract");
    assert.equal(await devnet.balanceOf("ETH", to), 55n);
    const { body } = await rpc(devnet, "debug_traceTransaction", [hash, { tracer: "callTracer" }]);
    const trace = body.result as CallFrame;
    assert.deepEqual(trace.calls?.map((c) => [c.to, BigInt(c.value ?? "0x0")]), [[
      to.toLowerCase(),
      55n,
    ]]);
  });
  await withDevnet(async (devnet) => {
    assert.equal(devnet.batchContract, undefined);
    await assert.rejects(devnet.faucetViaContract(recipients[0], 1n), /no batch contract/);
  }, { batchContract: false });
});

Deno.test("block traces are geth's with traceBlocks, absent without", async () => {
  await withDevnet(async (devnet) => {
    const deploys = await rpc(devnet, "debug_traceBlockByNumber", ["0x1", {
      tracer: "callTracer",
    }]);
    assert.equal((deploys.body.result as unknown[]).length, 3, "the three deployments of block 1");
    const missing = await rpc(devnet, "debug_traceBlockByNumber", ["0x63", {}]);
    assert.deepEqual(missing.body.error, { code: -32000, message: "block #99 not found" });
  }, { traceBlocks: true });
  await withDevnet(async (devnet) => {
    const { body } = await rpc(devnet, "debug_traceBlockByNumber", ["0x1", {}]);
    assert.equal((body.error as { code: number }).code, -32601);
  });
});
