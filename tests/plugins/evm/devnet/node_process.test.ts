/**
 * The EVM node runs in a child process of its own (one EDR context per process): it answers
 * as the node does, and it goes away with its devnet, or with its parent however that dies.
 */

import assert from "node:assert/strict";
import { startEvmNode } from "../../../../plugins/evm/devnet/node_process.ts";

const ACCOUNT = {
  address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  privateKey: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  balance: 10n ** 21n,
};

Deno.test("the node in its own process answers JSON-RPC with its chain and genesis balances", async () => {
  const node = await startEvmNode({ chainId: 8453n, accounts: [ACCOUNT] });
  try {
    assert.equal(node.chainId, 8453n);
    assert.equal(await node.call("eth_chainId"), "0x2105");
    assert.equal(
      BigInt(String(await node.call("eth_getBalance", [ACCOUNT.address, "latest"]))),
      ACCOUNT.balance,
    );
    const answer = await node.send("eth_noSuchMethod", []);
    assert.ok("error" in answer, JSON.stringify(answer));
  } finally {
    await node.close();
  }
});

Deno.test("the node's process ends when its parent is killed", async () => {
  const script = `
    import { startEvmNode } from ${
    JSON.stringify(new URL("../../../../plugins/evm/devnet/node_process.ts", import.meta.url).href)
  };
    const node = await startEvmNode({ chainId: 1n, accounts: [] });
    console.log(JSON.stringify({ ok: await node.call("eth_chainId") }));
    await new Promise(() => {});
  `;
  const parent = new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = parent.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value } = await reader.read();
  assert.match(value ?? "", /"ok":"0x1"/);
  const children = new TextDecoder().decode(
    (await new Deno.Command("pgrep", { args: ["-P", String(parent.pid)], stdout: "piped" })
      .output()).stdout,
  ).trim().split("\n").filter(Boolean).map(Number);
  assert.equal(children.length, 1, "one node process");
  parent.kill("SIGKILL");
  await parent.status;
  await reader.cancel();
  let alive = true;
  for (let i = 0; i < 100 && alive; i++) {
    alive =
      (await new Deno.Command("kill", { args: ["-0", String(children[0])] }).output()).success;
    if (alive) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(alive, false, "the node process outlived its parent");
});
