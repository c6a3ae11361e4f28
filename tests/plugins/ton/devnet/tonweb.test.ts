/**
 * tonweb, toncenter's own JavaScript client that nobody here wrote, makes a wallet's calls
 * against the devnet: a devnet that such a client cannot use is wrong.
 */

import assert from "node:assert/strict";
import { Address, beginCell, external, internal, SendMode, storeMessage } from "@ton/core";
import { mnemonicToPrivateKey } from "@ton/crypto";
import { WalletContractV5R1 } from "@ton/ton";
import TonWebModule from "tonweb";
import { DEFAULT_FAUCET_MNEMONIC, startTonDevnet } from "../../../../plugins/ton/devnet/server.ts";

const FULL = "-9223372036854775808";

// tonweb is CommonJS: at run time the default import is the TonWeb class itself, while its
// type declarations describe an ES module whose default export is that class.
const TonWeb = TonWebModule as unknown as typeof TonWebModule.default;

interface ShortTx {
  account: string;
  lt: string;
  hash: string;
}

Deno.test("tonweb reads the masterchain, balances, history and pages blocks by (lt, account hash)", async () => {
  // Pages of two, so tonweb's afterLt/addressHash cursor is what carries the reading.
  const devnet = await startTonDevnet({ blockIntervalMs: 0, jettons: [], blockPageSize: 2 });
  try {
    const tonweb = new TonWeb(new TonWeb.HttpProvider(devnet.endpoint));
    const receivers = [1, 2, 3, 4].map((i) => new Address(0, Buffer.alloc(32, 0x40 + i)));
    const sent = receivers.map((to, i) =>
      devnet.faucet(to, BigInt(i + 1) * 1_000_000_000n, { comment: `pay ${i}` })
    );
    await devnet.produceBlock();
    await Promise.all(sent);

    const info = await tonweb.provider.getMasterchainInfo();
    assert.equal(info.last.seqno, devnet.heights().masterchain);
    assert.equal(info.last.shard, FULL);

    assert.equal(String(await tonweb.getBalance(receivers[2].toString())), "3000000000");

    const history = await tonweb.getTransactions(receivers[1].toString(), 10);
    assert.equal(history.length, 1);
    assert.equal(history[0].in_msg.value, "2000000000");
    assert.equal(history[0].in_msg.message, "pay 1");
    assert.equal(
      Address.parse(history[0].in_msg.source).toRawString(),
      devnet.faucetAddress.toRawString(),
    );

    // tonweb's documented cursor: afterLt, and the raw address without its workchain.
    const seqno = devnet.heights().shard;
    const read: ShortTx[] = [];
    let after: ShortTx | undefined;
    for (let page = 0; page < 20; page++) {
      const answer = await tonweb.provider.getBlockTransactions(
        0,
        FULL,
        seqno,
        40,
        after?.lt,
        after?.account.split(":")[1],
      ) as { incomplete: boolean; transactions: ShortTx[] };
      assert.ok(answer.transactions.length <= 2);
      read.push(...answer.transactions);
      if (!answer.incomplete) break;
      after = answer.transactions[answer.transactions.length - 1];
    }
    const hashes = read.map((t) => t.hash);
    assert.equal(
      read.length,
      2 * receivers.length,
      "each transfer: the faucet's and the receiver's",
    );
    assert.equal(new Set(hashes).size, hashes.length);
    for (const to of receivers) assert.ok(read.some((t) => t.account === to.toRawString()));

    const header = await tonweb.provider.getBlockHeader(0, FULL, seqno);
    assert.equal(header.id.seqno, seqno);
  } finally {
    await devnet.close();
  }
});

Deno.test("tonweb's sendBoc delivers a signed wallet message", async () => {
  const devnet = await startTonDevnet({ blockIntervalMs: 0, jettons: [] });
  try {
    const tonweb = new TonWeb(new TonWeb.HttpProvider(devnet.endpoint));
    const key = await mnemonicToPrivateKey([...DEFAULT_FAUCET_MNEMONIC]);
    const wallet = WalletContractV5R1.create({ workchain: 0, publicKey: key.publicKey });
    assert.ok(wallet.address.equals(devnet.faucetAddress));
    const to = new Address(0, Buffer.alloc(32, 0x77));
    const body = wallet.createTransfer({
      seqno: 0,
      secretKey: key.secretKey,
      timeout: Math.floor(Date.now() / 1000) + 60,
      sendMode: SendMode.PAY_GAS_SEPARATELY,
      messages: [internal({ to, value: 1_234_000_000n, bounce: false })],
    });
    const boc = beginCell().store(storeMessage(external({ to: wallet.address, body }))).endCell()
      .toBoc().toString("base64");
    const result = await tonweb.provider.sendBoc(boc);
    assert.equal(result["@type"], "ok");
    await devnet.produceBlock();
    assert.equal(String(await tonweb.getBalance(to.toString())), "1234000000");
  } finally {
    await devnet.close();
  }
});
