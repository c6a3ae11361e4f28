import assert from "node:assert/strict";
import {
  Address,
  beginCell,
  Cell,
  external,
  internal,
  loadTransaction,
  SendMode,
  storeMessage,
  toNano,
} from "@ton/core";
import { keyPairFromSeed } from "@ton/crypto";
import { TonClient, WalletContractV5R1 } from "@ton/ton";
import { startTonDevnet } from "../../../../plugins/ton/devnet/server.ts";
import { call, rpc } from "./helpers.ts";

const key = keyPairFromSeed(Buffer.alloc(32, 42));

function extBoc(to: Address, body: Cell, init?: { code: Cell; data: Cell }): string {
  return beginCell().store(storeMessage(external({ to, body, init }))).endCell().toBoc()
    .toString("base64");
}

Deno.test("a W5 wallet deploys by external with init and sends a batch", async () => {
  const devnet = await startTonDevnet({ blockIntervalMs: 0 });
  try {
    const client = new TonClient({ endpoint: devnet.endpoint });
    const wallet = client.open(
      WalletContractV5R1.create({ workchain: 0, publicKey: key.publicKey }),
    );
    const funded = devnet.faucet(wallet.address, toNano("10"));
    await devnet.produceBlock();
    await funded;
    assert.equal((await client.getContractState(wallet.address)).state, "uninitialized");

    const recipients = [1, 2, 3, 4].map((i) => new Address(0, Buffer.alloc(32, 200 + i)));
    // TonClient attaches init because the wallet is not deployed yet.
    await wallet.sendTransfer({
      seqno: 0,
      secretKey: key.secretKey,
      sendMode: SendMode.PAY_GAS_SEPARATELY | SendMode.IGNORE_ERRORS,
      messages: recipients.map((to, i) =>
        internal({ to, value: toNano("0.1") * BigInt(i + 1), bounce: false })
      ),
    });
    await devnet.produceBlock();

    assert.equal((await client.getContractState(wallet.address)).state, "active");
    assert.equal(await wallet.getSeqno(), 1);
    const [walletTx] = await client.getTransactions(wallet.address, { limit: 1 });
    assert.equal(walletTx.outMessagesCount, 4);
    assert.equal(walletTx.inMessage?.info.type, "external-in");
    for (const [i, to] of recipients.entries()) {
      assert.equal(await client.getBalance(to), toNano("0.1") * BigInt(i + 1));
    }

    const info = await call<Record<string, unknown>>(devnet.endpoint, "getWalletInformation", {
      address: wallet.address.toString(),
    });
    assert.equal(info.seqno, 1);

    // estimateFee emulates the wallet without committing anything.
    const body = wallet.createTransfer({
      seqno: 1,
      secretKey: key.secretKey,
      sendMode: SendMode.PAY_GAS_SEPARATELY,
      messages: [internal({ to: recipients[0], value: 1n })],
    });
    const fees = await client.estimateExternalMessageFee(wallet.address, {
      body,
      initCode: null,
      initData: null,
      ignoreSignature: true,
    });
    assert.ok(fees.source_fees.gas_fee > 0);
    assert.equal(await wallet.getSeqno(), 1);
  } finally {
    await devnet.close();
  }
});

Deno.test("an expired external is rejected at sendBoc and never executes", async () => {
  const devnet = await startTonDevnet({ blockIntervalMs: 0 });
  try {
    const wallet = WalletContractV5R1.create({ workchain: 0, publicKey: key.publicKey });
    const funded = devnet.faucet(wallet.address, toNano("5"));
    await devnet.produceBlock();
    await funded;

    const now = Math.floor(Date.now() / 1000);
    const expired = wallet.createTransfer({
      seqno: 0,
      secretKey: key.secretKey,
      timeout: now - 60,
      sendMode: SendMode.PAY_GAS_SEPARATELY,
      messages: [internal({ to: devnet.faucetAddress, value: toNano("1") })],
    });
    const res = await rpc(devnet.endpoint, "sendBoc", {
      boc: extBoc(wallet.address, expired, wallet.init),
    });
    assert.equal(res.body.ok, false);
    assert.equal(res.status, 500);
    assert.match(res.body.error ?? "", /cannot apply external message/);
    await devnet.produceBlock();
    const txs = await call<unknown[]>(devnet.endpoint, "getTransactions", {
      address: wallet.address.toString(),
    });
    assert.equal(txs.length, 1); // only the funding transfer
  } finally {
    await devnet.close();
  }
});

Deno.test("with checkExternals off, bad externals are accepted then dropped at block time", async () => {
  const devnet = await startTonDevnet({ blockIntervalMs: 0, checkExternals: false });
  try {
    const wallet = WalletContractV5R1.create({ workchain: 0, publicKey: key.publicKey });
    const funded = devnet.faucet(wallet.address, toNano("5"));
    await devnet.produceBlock();
    await funded;

    const now = Math.floor(Date.now() / 1000);
    const make = (seqno: number, timeout: number): string =>
      extBoc(
        wallet.address,
        wallet.createTransfer({
          seqno,
          secretKey: key.secretKey,
          timeout,
          sendMode: SendMode.PAY_GAS_SEPARATELY,
          messages: [internal({ to: devnet.faucetAddress, value: toNano("1") })],
        }),
        wallet.init,
      );
    const expired = await call(devnet.endpoint, "sendBocReturnHash", { boc: make(0, now - 60) });
    assert.equal(typeof expired.hash, "string");
    const wrongSeqno = await call(devnet.endpoint, "sendBoc", { boc: make(5, now + 60) });
    assert.equal(wrongSeqno["@type"], "ok");
    const before = devnet.heights().shard;
    await devnet.produceBlock();
    const block = await call<{ transactions: unknown[] }>(devnet.endpoint, "getBlockTransactions", {
      workchain: 0,
      shard: "-9223372036854775808",
      seqno: before + 1,
    });
    assert.equal(block.transactions.length, 0);

    // A valid one still goes through, and its hash matches sendBocReturnHash.
    const good = make(0, now + 60);
    const sent = await call<{ hash: string }>(devnet.endpoint, "sendBocReturnHash", { boc: good });
    assert.equal(sent.hash, Cell.fromBase64(good).hash().toString("base64"));
    await devnet.produceBlock();
    const txs = await call<{ data: string; in_msg: { hash: string } }[]>(
      devnet.endpoint,
      "getTransactions",
      {
        address: wallet.address.toString(),
      },
    );
    assert.equal(txs.length, 2);
    assert.equal(txs[0].in_msg.hash, sent.hash);
    const tx = loadTransaction(Cell.fromBase64(txs[0].data).beginParse());
    assert.equal(tx.endStatus, "active");
  } finally {
    await devnet.close();
  }
});

Deno.test("runGetMethod round-trips stacks through TonClient", async () => {
  const devnet = await startTonDevnet({ blockIntervalMs: 0 });
  try {
    const client = new TonClient({ endpoint: devnet.endpoint });
    const faucet = await client.runMethod(devnet.faucetAddress, "get_public_key");
    assert.ok(faucet.stack.readBigNumber() > 0n);
    const seqno = await client.runMethod(devnet.faucetAddress, "seqno");
    assert.equal(seqno.stack.readNumber(), 0);

    const missing = await client.runMethodWithError(devnet.faucetAddress, "no_such_method");
    assert.notEqual(missing.exit_code, 0);
    const uninit = await client.runMethodWithError(new Address(0, Buffer.alloc(32, 1)), "seqno");
    assert.equal(uninit.exit_code, -13);

    const raw = await call<Record<string, unknown>>(devnet.endpoint, "runGetMethod", {
      address: devnet.faucetAddress.toString(),
      method: "get_subwallet_id",
      stack: [],
    });
    assert.equal(raw["@type"], "smc.runResult");
    assert.deepEqual(Object.keys(raw).sort(), [
      "@type",
      "block_id",
      "exit_code",
      "gas_used",
      "last_transaction_id",
      "stack",
    ]);
    assert.match(((raw.stack as unknown[][])[0][1]) as string, /^-?0x[0-9a-f]+$/);
  } finally {
    await devnet.close();
  }
});
