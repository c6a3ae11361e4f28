/**
 * The EVM devnet's JSON-RPC layer: injected faults as a hosted endpoint shows them, lost
 * broadcasts, a lagging head, `finalized`/`safe` trailing the head, batches, and the methods a
 * public node does not serve.
 */
import assert from "node:assert/strict";
import { keccak256 } from "viem";
import { startEvmDevnet } from "../../../../plugins/evm/devnet/server.ts";
import { rpc, sendSigned, testAccount, withDevnet } from "./helpers.ts";

Deno.test("failNext answers the chosen method's next calls as a gateway would, then serves", async () => {
  await withDevnet(async (devnet) => {
    devnet.faults.failNext("eth_getLogs", 1, "error");
    devnet.faults.failNext("eth_getBalance", 2, "ratelimit");
    assert.equal((await rpc(devnet, "eth_blockNumber")).status, 200, "other methods pass");
    const error = await rpc(devnet, "eth_getLogs", [{ fromBlock: "0x0" }]);
    assert.equal(error.status, 503);
    assert.equal((error.body.error as { code: number }).code, -32603);
    const logs = await rpc(devnet, "eth_getLogs", [{ fromBlock: "0x0" }]);
    assert.equal(logs.status, 200);
    assert.ok(Array.isArray(logs.body.result));

    const address = devnet.faucetAccount.address;
    for (let i = 0; i < 2; i++) {
      const limited = await rpc(devnet, "eth_getBalance", [address, "latest"]);
      assert.equal(limited.status, 429);
      assert.equal((limited.body.error as { code: number }).code, -32005);
    }
    assert.equal((await rpc(devnet, "eth_getBalance", [address, "latest"])).status, 200);

    devnet.faults.errorRate("*", 1);
    assert.equal((await rpc(devnet, "eth_chainId")).status, 503);
    devnet.faults.reset();
    assert.equal((await rpc(devnet, "eth_chainId")).body.result, "0x7a69");
  });
});

Deno.test("a timeout fault answers 504 after its time", async () => {
  await withDevnet(async (devnet) => {
    devnet.faults.failNext("*", 1, "timeout");
    assert.equal((await rpc(devnet, "eth_chainId")).status, 504);
    assert.equal((await rpc(devnet, "eth_chainId")).status, 200);
  }, { faultTimeoutMs: 10 });
});

Deno.test("a held timeout is released by closing the devnet", async () => {
  const devnet = await startEvmDevnet({ blockIntervalMs: 0, faultTimeoutMs: 60_000 });
  try {
    devnet.faults.failNext("eth_blockNumber", 1, "timeout");
    const held = rpc(devnet, "eth_blockNumber");
    while (devnet.faults.heldRequests === 0) await new Promise((r) => setTimeout(r, 5));
    await devnet.close();
    assert.equal((await held).status, 504, "closing the devnet releases it");
    assert.equal(devnet.faults.heldRequests, 0);
  } finally {
    await devnet.close();
  }
});

Deno.test("a lost broadcast gets its hash back but never lands", async () => {
  await withDevnet(async (devnet, client) => {
    const payer = testAccount("payer");
    await devnet.faucet(payer.address, "ETH", 10n ** 18n);
    await devnet.mine();
    devnet.faults.dropNextBroadcasts(1);
    const lost = await sendSigned(client, payer, { to: payer.address, value: 1n });
    assert.equal(lost.hash, keccak256(lost.raw));
    await devnet.mine();
    await assert.rejects(client.getTransaction({ hash: lost.hash }), /could not be found/);
    assert.equal(await client.sendRawTransaction({ serializedTransaction: lost.raw }), lost.hash);
    await devnet.mine();
    assert.equal((await client.getTransactionReceipt({ hash: lost.hash })).status, "success");
  });
});

Deno.test("a lagging node reports an older head and hides the blocks above it", async () => {
  await withDevnet(async (devnet, client) => {
    const alice = testAccount("alice").address;
    const hash = await devnet.faucet(alice, "USDT_ERC20", 1n);
    const tip = await devnet.mine();
    await devnet.mine();
    devnet.faults.lagHeight(2);
    assert.equal(await client.getBlockNumber(), BigInt(tip - 1));
    assert.equal((await client.getBlock()).number, BigInt(tip - 1), "latest is the lagging head");
    assert.equal(
      (await rpc(devnet, "eth_getBlockByNumber", [`0x${tip.toString(16)}`, false])).body.result,
      null,
    );
    await assert.rejects(client.getTransactionReceipt({ hash }), /could not be found/);
    const logs = await client.getLogs({ address: devnet.tokens[0].contract, fromBlock: 0n });
    assert.equal(logs.length, 1, "only the mint in block 1");
    devnet.faults.lagHeight(0);
    assert.equal((await client.getTransactionReceipt({ hash })).blockNumber, BigInt(tip));
    assert.equal(await devnet.height(), tip + 1, "height() ignores the lag");
  });
});

Deno.test("finalized and safe trail the head by finalityDepth", async () => {
  await withDevnet(async (devnet, client) => {
    for (let i = 0; i < 5; i++) await devnet.mine();
    const tip = BigInt(await devnet.height());
    assert.equal((await client.getBlock({ blockTag: "finalized" })).number, tip - 3n);
    assert.equal((await client.getBlock({ blockTag: "safe" })).number, tip - 3n);
    assert.equal((await client.getBlock({ blockTag: "latest" })).number, tip);
  }, { finalityDepth: 3 });
  await withDevnet(async (devnet, client) => {
    await devnet.mine();
    const tip = BigInt(await devnet.height());
    assert.equal(
      (await client.getBlock({ blockTag: "finalized" })).number,
      tip,
      "Hardhat's default",
    );
  });
});

Deno.test("batches are answered in order; Hardhat's and key-holding methods are not served", async () => {
  await withDevnet(async (devnet) => {
    const res = await fetch(devnet.endpoint, {
      method: "POST",
      body: JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] },
        { jsonrpc: "2.0", id: "b", method: "eth_blockNumber", params: [] },
      ]),
    });
    assert.deepEqual(await res.json(), [
      { jsonrpc: "2.0", id: 1, result: "0x7a69" },
      { jsonrpc: "2.0", id: "b", result: "0x1" },
    ]);
    for (const method of ["evm_mine", "hardhat_setBalance", "eth_sendTransaction", "eth_sign"]) {
      const { body } = await rpc(devnet, method, []);
      assert.equal((body.error as { code: number }).code, -32601, method);
    }
    assert.equal(await devnet.height(), 1, "evm_mine over HTTP sealed nothing");
    const empty = await fetch(devnet.endpoint, { method: "POST", body: "[]" });
    assert.equal(((await empty.json()).error as { code: number }).code, -32600);
    const bad = await fetch(devnet.endpoint, { method: "POST", body: "{" });
    assert.equal(((await bad.json()).error as { code: number }).code, -32700);
  });
});

Deno.test("a node error is passed on as JSON-RPC", async () => {
  await withDevnet(async (devnet) => {
    const { status, body } = await rpc(devnet, "eth_sendRawTransaction", ["0x1234"]);
    assert.equal(status, 200);
    const error = body.error as { code: number; message: string };
    assert.ok(error.code < 0 && error.message.length > 0);
  });
});
