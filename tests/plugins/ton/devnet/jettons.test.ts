import assert from "node:assert/strict";
import { inBlock, withDevnet } from "./helpers.ts";
import { Address, beginCell, type Cell, toNano, type Transaction } from "@ton/core";
import { TonClient } from "@ton/ton";
import {
  compileJettonContracts,
  JETTON_ERROR,
  JETTON_OP,
  jettonBurnBody,
  jettonCommentPayload,
  jettonInternalTransferBody,
  jettonMintBody,
  jettonTransferBody,
  jettonTransferNotificationBody,
  jettonWalletAddress,
  jettonWalletAddressFor,
  jettonWalletData,
  parseInternalTransfer,
  parseJettonContent,
  parseTransferNotification,
} from "../../../../plugins/ton/devnet/jettons.ts";
import { DEFAULT_JETTON_FORWARD_TON } from "../../../../plugins/ton/devnet/chain.ts";
import { startTonDevnet } from "../../../../plugins/ton/devnet/server.ts";
import { createShardAccount } from "@ton/sandbox";

/** A fresh, never-deployed owner address (deposit addresses usually look like this). */
function owner(n: number): Address {
  return new Address(0, Buffer.alloc(32, n));
}

/** Jetton balance through the JSON-RPC runGetMethod, as a processor would read it. */
async function jettonBalance(client: TonClient, wallet: Address): Promise<bigint> {
  const state = await client.getContractState(wallet);
  if (state.state !== "active") return 0n;
  const res = await client.runMethod(wallet, "get_wallet_data");
  return res.stack.readBigNumber();
}

async function walletAddressByGetMethod(
  client: TonClient,
  master: Address,
  ownerAddress: Address,
): Promise<Address> {
  const res = await client.runMethod(master, "get_wallet_address", [
    { type: "slice", cell: beginCell().storeAddress(ownerAddress).endCell() },
  ]);
  return res.stack.readAddress();
}

function computeExit(tx: Transaction): number | null {
  const d = tx.description;
  if (d.type !== "generic" || d.computePhase.type !== "vm") return null;
  return d.computePhase.exitCode;
}

function isAborted(tx: Transaction): boolean {
  return tx.description.type === "generic" && tx.description.aborted;
}

function inOp(tx: Transaction): number | null {
  const s = tx.inMessage?.body.beginParse();
  return s && s.remainingBits >= 32 ? s.preloadUint(32) : null;
}

function commentOf(payload: Cell | null): string {
  assert.ok(payload, "forward payload present");
  const s = payload.beginParse();
  assert.equal(s.loadUint(32), 0, "text comment op");
  return s.loadStringTail();
}

Deno.test("jettons are deployed at start and the faucet holds the whole supply", async () => {
  await withDevnet(async (devnet, client) => {
    assert.deepEqual(Object.keys(devnet.jettons).sort(), ["TGR", "USDT_TON"]);
    const { wallet: walletCode } = await compileJettonContracts();
    const expected = { USDT_TON: [6, 10n ** 15n], TGR: [9, 10n ** 18n] } as const;
    for (const [symbol, [decimals, supply]] of Object.entries(expected)) {
      const jetton = devnet.jettons[symbol];
      assert.equal(jetton.decimals, decimals);

      const data = await client.runMethod(jetton.master, "get_jetton_data");
      assert.equal(data.stack.readBigNumber(), supply);
      assert.equal(data.stack.readNumber(), -1, "mintable");
      assert.ok(data.stack.readAddress().equals(devnet.faucetAddress), "admin is the faucet");
      const content = parseJettonContent(data.stack.readCell());
      assert.equal(content.symbol, symbol);
      assert.equal(content.decimals, String(decimals));
      assert.ok(data.stack.readCell().equals(walletCode));

      const viaGet = await walletAddressByGetMethod(client, jetton.master, devnet.faucetAddress);
      assert.ok(viaGet.equals(jetton.faucetWallet));
      assert.ok((await jettonWalletAddress(jetton.master, devnet.faucetAddress)).equals(viaGet));

      const wallet = await client.runMethod(jetton.faucetWallet, "get_wallet_data");
      assert.equal(wallet.stack.readBigNumber(), supply);
      assert.ok(wallet.stack.readAddress().equals(devnet.faucetAddress));
      assert.ok(wallet.stack.readAddress().equals(jetton.master));
      assert.ok(wallet.stack.readCell().equals(walletCode));
    }
    assert.ok(!devnet.jettons.USDT_TON.master.equals(devnet.jettons.TGR.master));
  });
});

Deno.test("the offline wallet address matches get_wallet_address for any owner", async () => {
  await withDevnet(async (devnet, client) => {
    const { wallet: walletCode } = await compileJettonContracts();
    const master = devnet.jettons.TGR.master;
    const owners = [owner(1), owner(0xff), devnet.faucetAddress, devnet.dnsRoot, master];
    for (const o of owners) {
      const viaGet = await walletAddressByGetMethod(client, master, o);
      assert.ok(jettonWalletAddressFor(walletCode, master, o).equals(viaGet), o.toString());
      assert.ok((await jettonWalletAddress(master, o)).equals(viaGet));
    }
  });
});

Deno.test("faucetJetton: inline comment, notification with forward TON, excesses to faucet", async () => {
  await withDevnet(async (devnet, client) => {
    const usdt = devnet.jettons.USDT_TON;
    const to = owner(1);
    const forwardTon = toNano("0.02");
    const hash = await inBlock(
      devnet,
      devnet.faucetJetton("USDT_TON", to, 12_345_678n, {
        comment: "order #42",
        forwardTonAmount: forwardTon,
        queryId: 777n,
      }),
    );
    assert.match(hash, /^[0-9a-f]{64}$/);

    // The faucet's own transaction: a signed external sending `transfer` to its jetton wallet.
    const faucetTxs = await client.getTransactions(devnet.faucetAddress, { limit: 5 });
    const faucetTx = faucetTxs.find((tx) => tx.hash().toString("hex") === hash);
    assert.ok(faucetTx, "faucet tx listed");
    assert.equal(faucetTx.inMessage?.info.type, "external-in");
    const sent = [...faucetTx.outMessages.values()][0];
    assert.ok(sent.info.dest && Address.isAddress(sent.info.dest));
    assert.ok(sent.info.dest.equals(usdt.faucetWallet));
    assert.equal(sent.body.beginParse().preloadUint(32), JETTON_OP.transfer);

    const ownerWallet = await walletAddressByGetMethod(client, usdt.master, to);
    assert.ok(ownerWallet.equals(await jettonWalletAddress(usdt.master, to)));
    assert.equal(await jettonBalance(client, ownerWallet), 12_345_678n);
    assert.equal(await jettonBalance(client, usdt.faucetWallet), 10n ** 15n - 12_345_678n);
    const walletData = await client.runMethod(ownerWallet, "get_wallet_data");
    walletData.stack.readBigNumber();
    assert.ok(walletData.stack.readAddress().equals(to));
    assert.ok(walletData.stack.readAddress().equals(usdt.master));

    // The owner's jetton wallet was deployed by an internal_transfer from the faucet's wallet.
    const [walletTx] = await client.getTransactions(ownerWallet, { limit: 5 });
    assert.equal(computeExit(walletTx), 0);
    assert.equal(walletTx.inMessage?.info.src?.toString(), usdt.faucetWallet.toString());
    const transfer = parseInternalTransfer(walletTx.inMessage!.body);
    assert.equal(transfer.amount, 12_345_678n);
    assert.equal(transfer.queryId, 777n);
    assert.ok(transfer.from?.equals(devnet.faucetAddress));
    assert.equal(transfer.forwardTonAmount, forwardTon);

    // The owner got transfer_notification from its derived wallet, carrying the forward TON.
    const ownerTxs = await client.getTransactions(to, { limit: 5 });
    assert.equal(ownerTxs.length, 1);
    const info = ownerTxs[0].inMessage!.info;
    assert.equal(info.type, "internal");
    assert.ok(info.type === "internal" && info.src.equals(ownerWallet));
    assert.ok(info.type === "internal" && !info.bounce, "notification is non-bounceable");
    assert.ok(info.type === "internal" && info.value.coins === forwardTon);
    const note = parseTransferNotification(ownerTxs[0].inMessage!.body);
    assert.equal(note.amount, 12_345_678n);
    assert.equal(note.queryId, 777n);
    assert.ok(note.sender?.equals(devnet.faucetAddress));
    assert.equal(note.inRef, false);
    assert.equal(commentOf(note.payload), "order #42");

    // Excesses (what is left of the attached TON) came back to the faucet.
    const excess = (await client.getTransactions(devnet.faucetAddress, { limit: 5 }))
      .find((tx) => inOp(tx) === JETTON_OP.excesses);
    assert.ok(excess, "faucet got excesses");
    assert.ok(excess.inMessage?.info.src?.toString() === ownerWallet.toString());
    const excessValue = excess.inMessage?.info.type === "internal"
      ? excess.inMessage.info.value.coins
      : 0n;
    assert.ok(excessValue > 0n && excessValue < toNano("0.1"));
  });
});

Deno.test("faucetJetton: payload in a ref, long comments, default forward TON", async () => {
  await withDevnet(async (devnet, client) => {
    const tgr = devnet.jettons.TGR;
    const long = "x".repeat(300) + " ünïcode";
    // Inline room after the transfer fields is ~340 bits: about 38 bytes of text.
    const medium = "ünïcode ✓ " + "y".repeat(20);
    const a = owner(2);
    const b = owner(3);
    const c = owner(4);
    const d = owner(12);
    await inBlock(
      devnet,
      Promise.all([
        devnet.faucetJetton("TGR", a, 1n, { comment: "in a ref", payloadInRef: true }),
        // A full snake root cell cannot sit next to the transfer fields: auto uses a ref.
        devnet.faucetJetton("TGR", b, 2n, { comment: long }),
        devnet.faucetJetton("TGR", d, 4n, { comment: medium }),
        devnet.faucetJetton("TGR", c, 3n, {
          forwardPayload: beginCell().storeUint(0xdeadbeef, 32).endCell(),
          payloadInRef: false,
        }),
      ]),
    );
    const [txA] = await client.getTransactions(a, { limit: 1 });
    const noteA = parseTransferNotification(txA.inMessage!.body);
    assert.equal(noteA.inRef, true);
    assert.equal(commentOf(noteA.payload), "in a ref");
    assert.ok(
      txA.inMessage?.info.type === "internal" &&
        txA.inMessage.info.value.coins === DEFAULT_JETTON_FORWARD_TON,
    );

    const noteB = parseTransferNotification(
      (await client.getTransactions(b, { limit: 1 }))[0]
        .inMessage!.body,
    );
    assert.equal(noteB.inRef, true);
    assert.equal(commentOf(noteB.payload), long);

    const noteD = parseTransferNotification(
      (await client.getTransactions(d, { limit: 1 }))[0]
        .inMessage!.body,
    );
    assert.equal(noteD.inRef, false);
    assert.equal(commentOf(noteD.payload), medium);
    await assert.rejects(
      devnet.faucetJetton("TGR", d, 1n, { comment: long, payloadInRef: false }),
      /does not fit inline/,
    );

    const noteC = parseTransferNotification(
      (await client.getTransactions(c, { limit: 1 }))[0]
        .inMessage!.body,
    );
    assert.equal(noteC.amount, 3n);
    assert.equal(noteC.payload?.beginParse().loadUint(32), 0xdeadbeef);

    for (const [o, amount] of [[a, 1n], [b, 2n], [c, 3n], [d, 4n]] as const) {
      assert.equal(await jettonBalance(client, await jettonWalletAddress(tgr.master, o)), amount);
    }
  });
});

Deno.test("forward TON 0: no notification, the balance still arrives, excesses go to the response destination", async () => {
  await withDevnet(async (devnet, client) => {
    const usdt = devnet.jettons.USDT_TON;
    const to = owner(5);
    const refund = owner(6);
    await inBlock(
      devnet,
      devnet.faucetJetton("USDT_TON", to, 5_000_000n, {
        comment: "silent",
        forwardTonAmount: 0n,
        responseDestination: refund,
      }),
    );
    const ownerWallet = await jettonWalletAddress(usdt.master, to);
    assert.equal(await jettonBalance(client, ownerWallet), 5_000_000n);
    assert.equal((await client.getTransactions(to, { limit: 5 })).length, 0, "no notification");

    // A processor sees such deposits on the jetton wallet itself (its internal_transfer).
    const [walletTx] = await client.getTransactions(ownerWallet, { limit: 1 });
    const transfer = parseInternalTransfer(walletTx.inMessage!.body);
    assert.equal(transfer.forwardTonAmount, 0n);
    assert.equal(commentOf(transfer.payload), "silent");
    assert.equal(walletTx.outMessagesCount, 1, "only excesses");

    const refundTxs = await client.getTransactions(refund, { limit: 5 });
    assert.equal(refundTxs.length, 1);
    assert.equal(inOp(refundTxs[0]), JETTON_OP.excesses);
    assert.ok(refundTxs[0].inMessage?.info.src?.toString() === ownerWallet.toString());

    // addr_none as response destination: the excess stays in the receiving wallet.
    await inBlock(
      devnet,
      devnet.faucetJetton("USDT_TON", to, 1n, { forwardTonAmount: 0n, responseDestination: null }),
    );
    const [second] = await client.getTransactions(ownerWallet, { limit: 1 });
    assert.equal(second.outMessagesCount, 0);
    assert.equal(await jettonBalance(client, ownerWallet), 5_000_001n);
  });
});

Deno.test("a wallet not derived by the master cannot credit a real wallet", async () => {
  await withDevnet(async (devnet, client) => {
    const usdt = devnet.jettons.USDT_TON;
    const { wallet: walletCode } = await compileJettonContracts();
    const victim = owner(7);
    await inBlock(devnet, devnet.faucetJetton("USDT_TON", victim, 100n, { forwardTonAmount: 0n }));
    const victimWallet = await jettonWalletAddress(usdt.master, victim);

    // A real jetton wallet contract claiming the real master, at an address the
    // master would never derive for its owner (the faucet), holding 1e12.
    const forgedAt = owner(0xee);
    await devnet.blockchain.setShardAccount(
      forgedAt,
      createShardAccount({
        address: forgedAt,
        code: walletCode,
        data: jettonWalletData({
          balance: 10n ** 12n,
          owner: devnet.faucetAddress,
          master: usdt.master,
          walletCode,
        }),
        balance: toNano("1"),
        workchain: 0,
      }),
    );
    await inBlock(
      devnet,
      devnet.faucet(forgedAt, toNano("0.2"), {
        bounce: true,
        body: jettonTransferBody({
          amount: 10n ** 9n,
          destination: victim,
          responseDestination: devnet.faucetAddress,
          forwardTonAmount: toNano("0.01"),
          forwardPayload: jettonCommentPayload("free money"),
        }),
      }),
    );

    const [rejected] = await client.getTransactions(victimWallet, { limit: 1 });
    assert.equal(inOp(rejected), JETTON_OP.internalTransfer);
    assert.equal(computeExit(rejected), JETTON_ERROR.unauthorizedIncoming);
    assert.ok(isAborted(rejected));
    assert.equal(rejected.outMessagesCount, 1, "bounced");
    assert.equal(await jettonBalance(client, victimWallet), 100n);
    assert.equal((await client.getTransactions(victim, { limit: 5 })).length, 0, "no notification");

    // The forged wallet got its bounce and restored its balance.
    const [bounced] = await client.getTransactions(forgedAt, { limit: 1 });
    assert.ok(bounced.inMessage?.info.type === "internal" && bounced.inMessage.info.bounced);
    assert.equal(computeExit(bounced), 0);
    assert.equal(await jettonBalance(client, forgedAt), 10n ** 12n);

    // A bare internal_transfer from an ordinary wallet (the faucet) fails the same way.
    await inBlock(
      devnet,
      devnet.faucet(victimWallet, toNano("0.1"), {
        bounce: true,
        body: jettonInternalTransferBody({
          amount: 10n ** 9n,
          from: victim,
          responseAddress: null,
          forwardTonAmount: 0n,
          forwardPayload: null,
        }),
      }),
    );
    const [again] = await client.getTransactions(victimWallet, { limit: 1 });
    assert.equal(computeExit(again), JETTON_ERROR.unauthorizedIncoming);
    assert.equal(await jettonBalance(client, victimWallet), 100n);
  });
});

Deno.test("forged notifications are plain messages: only the derived wallet's sender counts", async () => {
  await withDevnet(async (devnet, client) => {
    const usdt = devnet.jettons.USDT_TON;
    const to = owner(8);
    const realWallet = await jettonWalletAddress(usdt.master, to);

    // 1. transfer_notification sent straight to the owner by an ordinary wallet.
    // Nothing on chain checks it; the owner's transaction succeeds like any
    // other. Only its source (the faucet, not `realWallet`) gives it away.
    await inBlock(
      devnet,
      devnet.faucet(to, toNano("0.05"), {
        body: jettonTransferNotificationBody({
          queryId: 1n,
          amount: 10n ** 12n,
          sender: owner(9),
          forwardPayload: jettonCommentPayload("order #42"),
        }),
      }),
    );
    const [forged] = await client.getTransactions(to, { limit: 1 });
    assert.equal(parseTransferNotification(forged.inMessage!.body).amount, 10n ** 12n);
    assert.ok(
      forged.inMessage?.info.type === "internal" &&
        forged.inMessage.info.src.equals(devnet.faucetAddress),
    );

    // 2. A fake master with identical code and metadata: its wallet sends a
    // perfectly standard notification, from a wallet the real master never derives.
    const fake = await devnet.deployFakeJetton("USDT_TON");
    assert.ok(!fake.master.equals(usdt.master));
    const fakeData = await client.runMethod(fake.master, "get_jetton_data");
    fakeData.stack.skip(3);
    const meta = parseJettonContent(fakeData.stack.readCell());
    assert.equal(meta.symbol, "USDT_TON");
    assert.equal(meta.decimals, "6");

    await inBlock(
      devnet,
      devnet.faucetJetton(fake.master, to, 10n ** 12n, { comment: "order #42" }),
    );
    const [notice] = await client.getTransactions(to, { limit: 1 });
    const note = parseTransferNotification(notice.inMessage!.body);
    assert.equal(note.amount, 10n ** 12n);
    assert.equal(commentOf(note.payload), "order #42");
    const src = notice.inMessage!.info.src;
    assert.ok(Address.isAddress(src));
    assert.ok(src.equals(await jettonWalletAddress(fake.master, to)));
    assert.ok(!src.equals(realWallet), "the sender is not the real derived wallet");
    assert.equal(await jettonBalance(client, realWallet), 0n);
  });
});

Deno.test("transfers over the balance, without enough TON, or not from the owner fail", async () => {
  const devnet = await startTonDevnet({
    blockIntervalMs: 0,
    jettons: [{ symbol: "TINY", decimals: 2, supply: 1_000n }],
  });
  try {
    const client = new TonClient({ endpoint: devnet.endpoint });
    assert.deepEqual(Object.keys(devnet.jettons), ["TINY"]);
    const tiny = devnet.jettons.TINY;
    const to = owner(10);

    // More than the balance: the faucet's tx succeeds, its jetton wallet aborts and bounces.
    const hash = await inBlock(devnet, devnet.faucetJetton("TINY", to, 1_001n));
    assert.match(hash, /^[0-9a-f]{64}$/);
    const [over] = await client.getTransactions(tiny.faucetWallet, { limit: 1 });
    assert.equal(computeExit(over), JETTON_ERROR.insufficientBalance);
    assert.ok(isAborted(over));
    assert.equal(await jettonBalance(client, tiny.faucetWallet), 1_000n);
    const toWallet = await jettonWalletAddress(tiny.master, to);
    assert.equal((await client.getContractState(toWallet)).state, "uninitialized");

    // Too little TON for the forward amount plus fees.
    await inBlock(
      devnet,
      devnet.faucet(tiny.faucetWallet, toNano("0.03"), {
        bounce: true,
        body: jettonTransferBody({
          amount: 1n,
          destination: to,
          responseDestination: devnet.faucetAddress,
          forwardTonAmount: toNano("0.02"),
          forwardPayload: null,
        }),
      }),
    );
    const [poor] = await client.getTransactions(tiny.faucetWallet, { limit: 1 });
    assert.equal(computeExit(poor), JETTON_ERROR.notEnoughTon);
    assert.equal(await jettonBalance(client, tiny.faucetWallet), 1_000n);

    // The owner of a wallet is the only one who can move its tokens.
    await inBlock(devnet, devnet.faucetJetton("TINY", to, 10n));
    await inBlock(
      devnet,
      devnet.faucet(toWallet, toNano("0.2"), {
        bounce: true,
        body: jettonTransferBody({
          amount: 5n,
          destination: devnet.faucetAddress,
          responseDestination: devnet.faucetAddress,
          forwardTonAmount: 0n,
          forwardPayload: null,
        }),
      }),
    );
    const [stolen] = await client.getTransactions(toWallet, { limit: 1 });
    assert.equal(computeExit(stolen), JETTON_ERROR.notOwner);
    assert.equal(await jettonBalance(client, toWallet), 10n);
    assert.equal(await jettonBalance(client, tiny.faucetWallet), 990n);

    await assert.rejects(devnet.faucetJetton("NOPE", to, 1n), /unknown jetton/);
  } finally {
    await devnet.close();
  }
});

Deno.test("admin mint, burn and TEP-89 wallet discovery keep the supply consistent", async () => {
  await withDevnet(async (devnet, client) => {
    const tgr = devnet.jettons.TGR;
    const supply = async (master: Address): Promise<bigint> =>
      (await client.runMethod(master, "get_jetton_data")).stack.readBigNumber();
    const to = owner(11);

    // The faucet (admin) mints to a fresh owner.
    await inBlock(
      devnet,
      devnet.faucet(tgr.master, toNano("0.2"), {
        bounce: true,
        body: jettonMintBody({
          to,
          tonAmount: toNano("0.1"),
          amount: 500n,
          responseAddress: devnet.faucetAddress,
        }),
      }),
    );
    assert.equal(await supply(tgr.master), 10n ** 18n + 500n);
    assert.equal(await jettonBalance(client, await jettonWalletAddress(tgr.master, to)), 500n);

    // Nobody else may mint: the fake master's admin is not the faucet.
    const fake = await devnet.deployFakeJetton("TGR", 1n);
    await inBlock(
      devnet,
      devnet.faucet(fake.master, toNano("0.2"), {
        bounce: true,
        body: jettonMintBody({ to, tonAmount: toNano("0.1"), amount: 500n }),
      }),
    );
    const [denied] = await client.getTransactions(fake.master, { limit: 1 });
    assert.equal(computeExit(denied), JETTON_ERROR.notAdmin);
    assert.equal(await supply(fake.master), 1n);

    // Burn from the faucet's wallet lowers the supply; the master returns the excess.
    await inBlock(
      devnet,
      devnet.faucet(tgr.faucetWallet, toNano("0.1"), {
        bounce: true,
        body: jettonBurnBody({ amount: 200n, responseDestination: devnet.faucetAddress }),
      }),
    );
    assert.equal(await supply(tgr.master), 10n ** 18n + 300n);
    assert.equal(await jettonBalance(client, tgr.faucetWallet), 10n ** 18n - 200n);
    const [masterTx] = await client.getTransactions(tgr.master, { limit: 1 });
    assert.equal(inOp(masterTx), JETTON_OP.burnNotification);
    assert.equal(computeExit(masterTx), 0);

    // TEP-89: the master answers with the owner's wallet address.
    await inBlock(
      devnet,
      devnet.faucet(tgr.master, toNano("0.05"), {
        bounce: true,
        body: beginCell().storeUint(JETTON_OP.provideWalletAddress, 32).storeUint(9n, 64)
          .storeAddress(to).storeBit(1).endCell(),
      }),
    );
    const answer = (await client.getTransactions(devnet.faucetAddress, { limit: 5 }))
      .find((tx) => inOp(tx) === JETTON_OP.takeWalletAddress);
    assert.ok(answer);
    const s = answer.inMessage!.body.beginParse().skip(32);
    assert.equal(s.loadUintBig(64), 9n);
    assert.ok(s.loadAddress().equals(await jettonWalletAddress(tgr.master, to)));
    assert.ok(s.loadRef().beginParse().loadAddress().equals(to));
  });
});

Deno.test("jettonTransferBody places the forward payload as asked", () => {
  const payload = jettonCommentPayload("hi");
  const base = {
    amount: 1n,
    destination: owner(1),
    responseDestination: null,
    forwardTonAmount: 1n,
    forwardPayload: payload,
  };
  const parse = (c: Cell): { inRef: boolean; rest: Cell } => {
    const s = c.beginParse().skip(32 + 64);
    s.loadCoins();
    s.loadAddress();
    s.loadMaybeAddress();
    assert.equal(s.loadBit(), false, "no custom payload");
    s.loadCoins();
    const inRef = s.loadBit();
    return { inRef, rest: inRef ? s.loadRef() : beginCell().storeSlice(s).endCell() };
  };
  const inline = parse(jettonTransferBody(base));
  assert.equal(inline.inRef, false);
  assert.ok(inline.rest.equals(payload));
  const ref = parse(jettonTransferBody({ ...base, payloadInRef: true }));
  assert.equal(ref.inRef, true);
  assert.ok(ref.rest.equals(payload));
  const empty = parse(jettonTransferBody({ ...base, forwardPayload: null }));
  assert.equal(empty.inRef, false);
  assert.equal(empty.rest.bits.length, 0);

  const big = beginCell().storeBuffer(Buffer.alloc(100, 1)).endCell();
  assert.equal(parse(jettonTransferBody({ ...base, forwardPayload: big })).inRef, true);
  assert.throws(
    () => jettonTransferBody({ ...base, forwardPayload: big, payloadInRef: false }),
    /does not fit inline/,
  );
});
