import assert from "node:assert/strict";
import { inBlock, withDevnet } from "./devnet/helpers.ts";
import { Buffer } from "node:buffer";
import {
  Address,
  beginCell,
  type Builder,
  Cell,
  contractAddress,
  internal,
  SendMode,
  toNano,
  TupleReader,
} from "@ton/core";
import { keyPairFromSeed } from "@ton/crypto";
import { TonClient, WalletContractV5R1 } from "@ton/ton";
import {
  bouncedJettonTransferQueryId,
  decodeJettonTransfer,
  decodeTransferNotification,
  excessesQueryId,
  type GetMethodClient,
  isJettonNotification,
  JETTON_OPS,
  jettonIncome,
  jettonOutKey,
  jettonOutKeyOf,
  jettonTransferMessageBody,
  type JettonTransferMessageParams,
  jettonWalletOf,
} from "../../../plugins/ton/jetton.ts";
import { encodeComment } from "../../../plugins/ton/comment.ts";
import { type DecodedTransaction, decodeTransaction } from "../../../plugins/ton/transaction.ts";
import {
  JETTON_ERROR,
  JETTON_OP,
  jettonCommentPayload,
  jettonInternalTransferBody,
  jettonTransferBody,
  jettonTransferNotificationBody,
  jettonWalletAddress,
} from "../../../plugins/ton/devnet/jettons.ts";

// ---------------------------------------------------------------------------
// Real mainnet data

type FixtureTx = { id: string; boc_base64: string };
const block = JSON.parse(
  await Deno.readTextFile(
    new URL(
      "../../fixtures/ton/block_0_8000000000000000_71398501/selected_transactions.json",
      import.meta.url,
    ),
  ),
) as { transactions: FixtureTx[] };

type UsdtVectors = {
  usdt_master: { address: string; raw: string };
  jetton_wallet_code: { library_cell_referenced_code_hash: string; library_cell_repr_hash: string };
  vectors: {
    owner: string;
    jetton_wallet: string;
    jetton_wallet_raw?: string;
    owner_slice_boc?: string;
    get_wallet_address_result_boc?: string;
  }[];
};
const usdt = JSON.parse(
  await Deno.readTextFile(new URL("../../fixtures/ton/usdt_jetton_vectors.json", import.meta.url)),
) as UsdtVectors;

function fixtureTx(idPrefix: string): DecodedTransaction {
  const found = block.transactions.find((t) => t.id === idPrefix);
  assert.ok(found, `fixture tx ${idPrefix}`);
  return decodeTransaction(found.boc_base64);
}

/** The USDT chain of the fixture block (labels and decoded facts in the JSON). */
const USDT_CHAIN = {
  /** Step 1: payer's wallet, external-in, sends `transfer` to its jetton wallet. */
  payerWalletTx: "c272328aa5b7b24f",
  /** Step 2: payer's jetton wallet receives `transfer`, sends `internal_transfer`. */
  payerJettonWalletTx: "93d125127f7d610e",
  /** Step 3: recipient's jetton wallet receives `internal_transfer`. */
  recipientJettonWalletTx: "c1cf1785fe9f92ea",
  /** Step 4: recipient owner receives `transfer_notification`. */
  recipientOwnerTx: "26b31b1cbf84301c",
  payer: "0:b0ca4d925706ce80a0996e341bf422aad5a74af9faea864de546f5d896c61c29",
  payerJettonWallet: "0:b013b30779281b13b6681cd7c082b20d1eb40cdc904330e67cb7a95683c4710b",
  recipient: "0:18aa8e2eed51747dae033c079b93883d941cad8f65459f2ee9cd7474b6b8ed5d",
  recipientJettonWallet: "0:88dac67cceadb9cae6faac7118f05c0fa95df36c2a92e686ac39d96310d0a387",
  queryId: 6436498142190632n,
  amount: 305_507_556n,
  /** Root bits of the forward payload (op 0xe3a0d482, a DEX-style payload, not text). */
  payload:
    "e3a0d4828007cbff951bbf9e6d86d93fe8de62ac5556a37322908b5ad84d97bcc93ab14ab1052134adf27e4_",
} as const;

Deno.test("mainnet USDT: the internal_transfer on the recipient's jetton wallet is the income", () => {
  const tx = fixtureTx(USDT_CHAIN.recipientJettonWalletTx);
  assert.equal(tx.account, USDT_CHAIN.recipientJettonWallet);
  assert.equal(tx.inMessage?.source, USDT_CHAIN.payerJettonWallet);
  assert.deepEqual(jettonIncome(tx), {
    amount: 305_507_556n, // 305.507556 USDT
    from: USDT_CHAIN.payer,
    comment: null,
    binaryComment: USDT_CHAIN.payload,
    queryId: USDT_CHAIN.queryId,
  });
  assert.ok(!isJettonNotification(tx));

  // The excesses it sends back to the payer carry the same query id.
  const excess = tx.outMessages.find((m) => m.destination === USDT_CHAIN.payer);
  assert.ok(excess);
  const s = excess.body.beginParse();
  assert.equal(s.loadUint(32), JETTON_OPS.excesses);
  assert.equal(s.loadUintBig(64), USDT_CHAIN.queryId);
});

Deno.test("mainnet USDT: the notification to the owner is recognised and never an income", () => {
  const tx = fixtureTx(USDT_CHAIN.recipientOwnerTx);
  assert.equal(tx.account, USDT_CHAIN.recipient);
  assert.ok(tx.success);
  assert.ok(isJettonNotification(tx));
  assert.equal(jettonIncome(tx), null);
  assert.deepEqual(decodeTransferNotification(tx.inMessage!.body), {
    queryId: USDT_CHAIN.queryId,
    amount: USDT_CHAIN.amount,
    sender: USDT_CHAIN.payer,
    comment: null,
    binaryComment: USDT_CHAIN.payload,
  });
  assert.equal(excessesQueryId(tx), null);
});

Deno.test("mainnet USDT: the payer's side of the transfer is not an income", () => {
  const sender = fixtureTx(USDT_CHAIN.payerJettonWalletTx);
  assert.equal(sender.account, USDT_CHAIN.payerJettonWallet);
  assert.equal(jettonIncome(sender), null);
  assert.ok(!isJettonNotification(sender));
  assert.deepEqual(decodeJettonTransfer(sender.inMessage!.body), {
    queryId: USDT_CHAIN.queryId,
    amount: USDT_CHAIN.amount,
    destination: USDT_CHAIN.recipient,
    responseDestination: USDT_CHAIN.payer,
    forwardTonAmount: 250_000_000n,
    comment: null,
    binaryComment: USDT_CHAIN.payload,
  });

  // The payer's own wallet: its sent message keys to (its jetton wallet, query id).
  const payer = fixtureTx(USDT_CHAIN.payerWalletTx);
  assert.equal(jettonIncome(payer), null);
  assert.equal(payer.outMessages.length, 1);
  assert.equal(
    jettonOutKeyOf(payer.outMessages[0]),
    jettonOutKey(USDT_CHAIN.queryId),
  );
  // Non-jetton messages have no jetton key.
  const recipientSide = fixtureTx(USDT_CHAIN.recipientJettonWalletTx);
  assert.deepEqual(recipientSide.outMessages.map(jettonOutKeyOf), [null, null]);
});

Deno.test("mainnet USDT: the fixture's wallets are the ones the real master derives", () => {
  // Offline get_wallet_address of the USDT (governed) master: the wallet code is a
  // library cell, the data (status:uint4 balance:Coins owner master).
  const code = new Cell({
    exotic: true,
    bits: beginCell().storeUint(2, 8)
      .storeBuffer(Buffer.from(usdt.jetton_wallet_code.library_cell_referenced_code_hash, "hex"))
      .endCell().bits,
    refs: [],
  });
  assert.equal(code.hash().toString("hex"), usdt.jetton_wallet_code.library_cell_repr_hash);
  const master = Address.parse(usdt.usdt_master.address);
  const derive = (owner: string): string =>
    contractAddress(0, {
      code,
      data: beginCell().storeUint(0, 4).storeCoins(0).storeAddress(Address.parse(owner))
        .storeAddress(master).endCell(),
    }).toRawString();
  for (const v of usdt.vectors) {
    assert.equal(
      derive(v.owner),
      Address.parse(v.jetton_wallet_raw ?? v.jetton_wallet).toRawString(),
    );
  }
  assert.equal(derive(USDT_CHAIN.recipient), USDT_CHAIN.recipientJettonWallet);
  assert.equal(derive(USDT_CHAIN.payer), USDT_CHAIN.payerJettonWallet);
});

Deno.test("jettonWalletOf asks get_wallet_address with the owner slice (recorded toncenter answer)", async () => {
  const vector = usdt.vectors.find((v) => v.get_wallet_address_result_boc !== undefined);
  assert.ok(vector?.owner_slice_boc && vector.get_wallet_address_result_boc);
  const calls: { address: string; name: string; owner: Cell }[] = [];
  const client: GetMethodClient = {
    runMethod: (address, name, stack) => {
      const [arg] = stack ?? [];
      assert.equal(arg?.type, "slice");
      calls.push({ address: address.toRawString(), name, owner: arg.cell });
      return Promise.resolve({
        gas_used: 0,
        stack: new TupleReader([
          { type: "slice", cell: Cell.fromBase64(vector.get_wallet_address_result_boc!) },
        ]),
      });
    },
  };
  const wallet = await jettonWalletOf(
    client,
    Address.parse(usdt.usdt_master.address),
    Address.parse(vector.owner),
  );
  assert.equal(wallet.toRawString(), vector.jetton_wallet_raw);
  assert.equal(calls.length, 1);
  assert.equal(calls[0].address, usdt.usdt_master.raw);
  assert.equal(calls[0].name, "get_wallet_address");
  assert.ok(calls[0].owner.equals(Cell.fromBase64(vector.owner_slice_boc)));
});

// ---------------------------------------------------------------------------
// Pure decoding and encoding edge cases

function owner(n: number): Address {
  return new Address(0, Buffer.alloc(32, n));
}

/** A successful ordinary transaction on a jetton wallet with the given in-message body. */
function walletTx(body: Cell, overrides: Partial<DecodedTransaction> = {}): DecodedTransaction {
  return {
    hash: "00".repeat(32),
    lt: 1n,
    now: 1,
    account: owner(0xaa).toRawString(),
    success: true,
    aborted: false,
    fee: 1n,
    inMessage: {
      kind: "internal",
      source: owner(0xbb).toRawString(),
      value: toNano("0.05"),
      bounce: true,
      bounced: false,
      body,
      bodyHash: body.hash().toString("hex"),
    },
    outMessages: [],
    kind: "ordinary",
    origStatus: "active",
    endStatus: "active",
    computeSkipReason: null,
    exitCode: 0,
    bouncePhase: null,
    ...overrides,
  };
}

/** internal_transfer fields up to and excluding forward_payload. */
function internalTransferHead(amount = 5n): Builder {
  return beginCell().storeUint(JETTON_OPS.internalTransfer, 32).storeUint(9n, 64)
    .storeCoins(amount).storeAddress(owner(1)).storeAddress(null).storeCoins(0n);
}

Deno.test("JETTON_OPS match the devnet contracts' op codes", () => {
  for (const [name, op] of Object.entries(JETTON_OPS)) {
    assert.equal(op, JETTON_OP[name as keyof typeof JETTON_OPS], name);
  }
});

Deno.test("jettonIncome: forward payload forms and what is not an income", () => {
  const income = (body: Cell, overrides?: Partial<DecodedTransaction>) =>
    jettonIncome(walletTx(body, overrides));
  const memo = (body: Cell) => {
    const got = income(body);
    assert.ok(got);
    return { comment: got.comment, binaryComment: got.binaryComment };
  };
  const text = jettonCommentPayload("héllo");
  // Either: inline (0 + cell), in a ref (1 + ^cell), absent, empty.
  assert.deepEqual(
    memo(internalTransferHead().storeBit(0).storeSlice(text.beginParse()).endCell()),
    {
      comment: "héllo",
      binaryComment: null,
    },
  );
  assert.deepEqual(memo(internalTransferHead().storeBit(1).storeRef(text).endCell()), {
    comment: "héllo",
    binaryComment: null,
  });
  assert.deepEqual(memo(internalTransferHead().endCell()), { comment: null, binaryComment: null });
  assert.deepEqual(memo(internalTransferHead().storeBit(0).endCell()), {
    comment: null,
    binaryComment: null,
  });
  assert.deepEqual(memo(internalTransferHead().storeBit(1).storeRef(Cell.EMPTY).endCell()), {
    comment: null,
    binaryComment: null,
  });
  // A long comment in snake form, inline with its continuation refs.
  const long = "ü".repeat(200);
  assert.equal(
    memo(internalTransferHead().storeBit(1).storeRef(encodeComment(long)).endCell()).comment,
    long,
  );
  // Binary payloads keep their exact bits; invalid UTF-8 / NUL are cleaned from text.
  assert.deepEqual(
    memo(internalTransferHead().storeBit(0).storeUint(0x9fe7 >> 1, 15).endCell()),
    { comment: null, binaryComment: "9fe7_" },
  );
  assert.deepEqual(
    memo(
      internalTransferHead().storeBit(0).storeUint(0, 32).storeBuffer(Buffer.from([0x61, 0, 0xff]))
        .endCell(),
    ),
    { comment: "a", binaryComment: null },
  );
  // Bit 1 without a ref is no valid Either, but the jettons arrived: keep the bits.
  assert.deepEqual(memo(internalTransferHead().storeBit(1).storeUint(5, 3).endCell()), {
    comment: null,
    binaryComment: "d",
  });

  const good = internalTransferHead().storeBit(0).endCell();
  assert.ok(income(good));
  assert.equal(income(internalTransferHead(0n).storeBit(0).endCell()), null, "zero amount");
  assert.equal(income(good, { success: false, aborted: true, exitCode: 707 }), null, "aborted");
  // Compute skipped on an uninitialised wallet: decodeTransaction calls it a success
  // (TON credited), but no jetton code ran.
  assert.equal(
    income(good, { exitCode: null, computeSkipReason: "no-state", origStatus: "uninitialized" }),
    null,
  );
  const bounced = walletTx(good);
  bounced.inMessage = { ...bounced.inMessage!, bounced: true };
  assert.equal(jettonIncome(bounced), null);
  const external = walletTx(good);
  external.inMessage = { ...external.inMessage!, kind: "external-in", source: null };
  assert.equal(jettonIncome(external), null);
  assert.equal(jettonIncome(walletTx(good, { inMessage: null })), null);
  // Other ops and truncated bodies.
  const notification = jettonTransferNotificationBody({
    amount: 5n,
    sender: owner(1),
    forwardPayload: null,
  });
  assert.equal(income(notification), null);
  assert.ok(isJettonNotification(walletTx(notification)));
  assert.equal(income(beginCell().storeUint(JETTON_OPS.internalTransfer, 32).endCell()), null);
  assert.equal(income(Cell.EMPTY), null);
  assert.equal(decodeTransferNotification(good), null);
  assert.equal(decodeTransferNotification(Cell.EMPTY), null);
});

Deno.test("excessesQueryId and bouncedJettonTransferQueryId read only their own messages", () => {
  const excesses = beginCell().storeUint(JETTON_OPS.excesses, 32).storeUint(77n, 64).endCell();
  assert.equal(excessesQueryId(walletTx(excesses)), 77n);
  assert.equal(excessesQueryId(walletTx(excesses), owner(0xbb)), 77n);
  assert.equal(excessesQueryId(walletTx(excesses), owner(0xbb).toRawString()), 77n);
  assert.equal(excessesQueryId(walletTx(excesses), owner(0xcc)), null, "other source");
  assert.equal(excessesQueryId(walletTx(beginCell().storeUint(0, 32).endCell())), null);
  assert.equal(
    excessesQueryId(walletTx(beginCell().storeUint(JETTON_OPS.excesses, 32).endCell())),
    null,
  );

  const transfer = jettonTransferMessageBody({
    queryId: 2n ** 64n - 1n,
    amount: 10n ** 30n,
    destination: owner(1),
    responseDestination: owner(2),
    forwardTonAmount: 1n,
    comment: "x",
    binaryComment: null,
  });
  // What the chain bounces back: 0xffffffff + the first 256 bits of the body.
  const bouncedBody = beginCell().storeUint(0xffffffff, 32)
    .storeBits(transfer.beginParse().loadBits(256)).endCell();
  const bounced = walletTx(bouncedBody);
  bounced.inMessage = { ...bounced.inMessage!, bounced: true };
  assert.equal(bouncedJettonTransferQueryId(bounced), 2n ** 64n - 1n);
  assert.equal(bouncedJettonTransferQueryId(walletTx(bouncedBody)), null, "flag not set");
  assert.equal(bouncedJettonTransferQueryId(walletTx(excesses)), null);
  assert.equal(excessesQueryId(bounced), null);
});

const BASE: JettonTransferMessageParams = {
  queryId: 123n,
  amount: 1_000_000n,
  destination: owner(1),
  responseDestination: owner(2),
  forwardTonAmount: toNano("0.01"),
  comment: null,
  binaryComment: null,
};

/** Whether the forward payload of a transfer body sits in a ref (Either bit 1). */
function payloadInRef(body: Cell): boolean {
  const s = body.beginParse().skip(32 + 64);
  s.loadCoins();
  s.loadAddress();
  s.loadAddress();
  assert.equal(s.loadBit(), false, "no custom payload");
  s.loadCoins();
  return s.loadBit();
}

Deno.test("jettonTransferMessageBody: TEP-74 layout, memo inline when it fits, else in a ref", () => {
  // Same bytes as the devnet's independent builder for a short comment placed automatically.
  const short = jettonTransferMessageBody({ ...BASE, comment: "order 42" });
  assert.ok(
    short.equals(jettonTransferBody({
      queryId: 123n,
      amount: 1_000_000n,
      destination: owner(1),
      responseDestination: owner(2),
      forwardTonAmount: toNano("0.01"),
      forwardPayload: jettonCommentPayload("order 42"),
    })),
  );
  assert.equal(payloadInRef(short), false);
  assert.deepEqual(decodeJettonTransfer(short), {
    queryId: 123n,
    amount: 1_000_000n,
    destination: owner(1).toRawString(),
    responseDestination: owner(2).toRawString(),
    forwardTonAmount: toNano("0.01"),
    comment: "order 42",
    binaryComment: null,
  });

  // The inline room after the fields here is 335 bits: 32 (op) + 37 bytes of text.
  const fits = "a".repeat(37);
  assert.equal(payloadInRef(jettonTransferMessageBody({ ...BASE, comment: fits })), false);
  const over = jettonTransferMessageBody({ ...BASE, comment: fits + "b" });
  assert.equal(payloadInRef(over), true);
  assert.equal(decodeJettonTransfer(over)?.comment, fits + "b");
  const long = "ünïcode ✓ ".repeat(60);
  const longBody = jettonTransferMessageBody({ ...BASE, comment: long });
  assert.equal(payloadInRef(longBody), true);
  assert.equal(decodeJettonTransfer(longBody)?.comment, long);

  for (const hex of ["9fe7_", "deadbeef", "8", "f".repeat(80)]) {
    const body = jettonTransferMessageBody({ ...BASE, binaryComment: hex });
    assert.equal(decodeJettonTransfer(body)?.binaryComment, hex, hex);
    assert.equal(payloadInRef(body), false);
  }
  // As for TON comments (decodeComment), byte-aligned bits starting with op 0 read back
  // as text: here the 32 zero bits are op 0 and the NUL bytes after it are dropped.
  const zeros = jettonTransferMessageBody({ ...BASE, binaryComment: "0".repeat(80) });
  assert.deepEqual(
    [decodeJettonTransfer(zeros)?.comment, decodeJettonTransfer(zeros)?.binaryComment],
    ["", null],
  );
  const bigBinary = jettonTransferMessageBody({ ...BASE, binaryComment: "ab".repeat(100) });
  assert.equal(payloadInRef(bigBinary), true);
  assert.equal(decodeJettonTransfer(bigBinary)?.binaryComment, "ab".repeat(100));

  const empty = jettonTransferMessageBody(BASE);
  assert.equal(payloadInRef(empty), false);
  assert.equal(decodeJettonTransfer(empty)?.comment, null);
  assert.equal(decodeJettonTransfer(empty)?.binaryComment, null);
  assert.equal(empty.bits.length, short.bits.length - 32 - 8 * 8);

  assert.throws(
    () => jettonTransferMessageBody({ ...BASE, comment: "a", binaryComment: "ff" }),
    /mutually exclusive/,
  );
  assert.throws(
    () => jettonTransferMessageBody({ ...BASE, binaryComment: "xyz" }),
    /binary_comment/,
  );
  assert.throws(() => jettonTransferMessageBody({ ...BASE, queryId: 2n ** 64n }));
});

// ---------------------------------------------------------------------------
// Devnet (real TVM)

/** Transactions of an account, newest first, decoded as the scanner decodes them. */
async function txsOf(
  client: TonClient,
  address: Address,
  limit = 10,
): Promise<DecodedTransaction[]> {
  const txs = await client.getTransactions(address, { limit });
  return txs.map((tx) => {
    // The cell as the node served it (re-serialising with storeTransaction may lay
    // messages out differently and change the hash).
    const decoded = decodeTransaction(tx.raw);
    assert.equal(decoded.hash, tx.hash().toString("hex"));
    return decoded;
  });
}

Deno.test("devnet: deposits are read on the derived jetton wallet, with or without a notification", async () => {
  await withDevnet(async (devnet, client) => {
    const master = devnet.jettons.USDT_TON.master;
    const faucet = devnet.faucetAddress.toRawString();
    const long = "x".repeat(200) + " ünïcode";
    const binary = beginCell().storeUint(0xdeadbeef, 32).storeUint(5, 3).endCell();
    const cases = [
      { to: owner(1), amount: 1_000_001n, opts: { comment: "inline" }, memo: ["inline", null] },
      {
        to: owner(2),
        amount: 2n,
        opts: { comment: "in a ref", payloadInRef: true },
        memo: ["in a ref", null],
      },
      { to: owner(3), amount: 3n, opts: { comment: long }, memo: [long, null] },
      {
        to: owner(4),
        amount: 4n,
        opts: { forwardPayload: binary, payloadInRef: false },
        memo: [null, "deadbeefb_"],
      },
      {
        to: owner(5),
        amount: 5n,
        opts: { comment: "silent", forwardTonAmount: 0n },
        memo: ["silent", null],
      },
      { to: owner(6), amount: 6n, opts: { forwardTonAmount: 0n }, memo: [null, null] },
    ] as const;
    await inBlock(
      devnet,
      Promise.all(
        cases.map((c, i) =>
          devnet.faucetJetton("USDT_TON", c.to, c.amount, { ...c.opts, queryId: BigInt(100 + i) })
        ),
      ),
    );

    for (const [i, c] of cases.entries()) {
      const wallet = await jettonWalletOf(client, master, c.to);
      assert.ok(wallet.equals(await jettonWalletAddress(master, c.to)), "get-method = offline");
      const [tx] = await txsOf(client, wallet);
      assert.equal(tx.account, wallet.toRawString());
      assert.deepEqual(jettonIncome(tx), {
        amount: c.amount,
        from: faucet,
        comment: c.memo[0],
        binaryComment: c.memo[1],
        queryId: BigInt(100 + i),
      });

      const ownerTxs = await txsOf(client, c.to);
      const silent = "forwardTonAmount" in c.opts && c.opts.forwardTonAmount === 0n;
      assert.equal(ownerTxs.length, silent ? 0 : 1, "a notification only with forward TON");
      if (!silent) {
        assert.ok(isJettonNotification(ownerTxs[0]));
        assert.equal(jettonIncome(ownerTxs[0]), null);
        const note = decodeTransferNotification(ownerTxs[0].inMessage!.body);
        assert.deepEqual(
          [note?.amount, note?.sender, note?.comment, note?.binaryComment],
          [c.amount, faucet, c.memo[0], c.memo[1]],
        );
        assert.equal(ownerTxs[0].inMessage?.source, wallet.toRawString());
      }
    }
  });
});

Deno.test("devnet: fake jettons and forged messages never reach jettonIncome of the real wallet", async () => {
  await withDevnet(async (devnet, client) => {
    const real = devnet.jettons.USDT_TON;
    const victim = owner(7);
    const realWallet = await jettonWalletOf(client, real.master, victim);

    // 1. A fake master (same code and metadata) sends to the same owner: the tokens
    // land in the fake master's wallet for that owner, a different address.
    const fake = await devnet.deployFakeJetton("USDT_TON");
    await inBlock(devnet, devnet.faucetJetton(fake.master, victim, 10n ** 12n, { comment: "42" }));
    const fakeWallet = await jettonWalletOf(client, fake.master, victim);
    assert.ok(!fakeWallet.equals(realWallet));
    assert.equal((await txsOf(client, realWallet)).length, 0, "the real wallet saw nothing");
    // Seen on its own, the fake wallet's transaction looks exactly like an income:
    // only watching the address the configured master derives keeps it out.
    assert.equal(jettonIncome((await txsOf(client, fakeWallet))[0])?.amount, 10n ** 12n);
    const [fakeNote] = await txsOf(client, victim);
    assert.ok(isJettonNotification(fakeNote));
    assert.equal(fakeNote.inMessage?.source, fakeWallet.toRawString());
    assert.equal(jettonIncome(fakeNote), null);

    // 2. A notification forged straight to the owner by an ordinary wallet.
    await inBlock(
      devnet,
      devnet.faucet(victim, toNano("0.05"), {
        body: jettonTransferNotificationBody({
          queryId: 1n,
          amount: 10n ** 12n,
          sender: owner(9),
          forwardPayload: jettonCommentPayload("42"),
        }),
      }),
    );
    const [forgedNote] = await txsOf(client, victim);
    assert.ok(forgedNote.success && isJettonNotification(forgedNote));
    assert.equal(decodeTransferNotification(forgedNote.inMessage!.body)?.comment, "42");
    assert.equal(jettonIncome(forgedNote), null);

    // 3. A forged internal_transfer to the real wallet while it is not deployed
    // (non-bounceable, no StateInit): compute skipped for no-state, which
    // decodeTransaction counts as successful for TON — but no jetton code ran.
    const forged = jettonInternalTransferBody({
      amount: 10n ** 12n,
      from: victim,
      responseAddress: null,
      forwardTonAmount: 0n,
      forwardPayload: jettonCommentPayload("42"),
    });
    await inBlock(devnet, devnet.faucet(realWallet, toNano("0.05"), { body: forged }));
    const [undeployed] = await txsOf(client, realWallet);
    assert.equal(undeployed.computeSkipReason, "no-state");
    assert.ok(undeployed.success);
    assert.equal(jettonIncome(undeployed), null);

    // 4. The same once the real wallet is deployed: the wallet code rejects the sender.
    await inBlock(devnet, devnet.faucetJetton("USDT_TON", victim, 100n, { forwardTonAmount: 0n }));
    assert.equal(jettonIncome((await txsOf(client, realWallet))[0])?.amount, 100n);
    await inBlock(
      devnet,
      devnet.faucet(realWallet, toNano("0.05"), { bounce: true, body: forged }),
    );
    const [rejected] = await txsOf(client, realWallet);
    assert.equal(rejected.exitCode, JETTON_ERROR.unauthorizedIncoming);
    assert.ok(!rejected.success);
    assert.equal(jettonIncome(rejected), null);
    const balance = await client.runMethod(realWallet, "get_wallet_data");
    assert.equal(balance.stack.readBigNumber(), 100n);
  });
});

Deno.test("devnet: a W5 hot wallet withdraws with jettonTransferMessageBody; excesses and bounces carry the query id", async () => {
  await withDevnet(async (devnet, client) => {
    const { master } = devnet.jettons.USDT_TON;
    const key = keyPairFromSeed(Buffer.alloc(32, 7));
    const hot = client.open(WalletContractV5R1.create({ workchain: 0, publicKey: key.publicKey }));
    await inBlock(devnet, devnet.faucet(hot.address, toNano("10")));
    await inBlock(
      devnet,
      devnet.faucetJetton("USDT_TON", hot.address, 50_000_000n, { forwardTonAmount: 0n }),
    );
    const hotJettonWallet = await jettonWalletOf(client, master, hot.address);

    const long = "a long withdrawal memo ✓ ".repeat(10);
    const withdrawals = [
      { to: owner(21), amount: 1_234_567n, q: 1001n, fwd: toNano("0.01"), comment: "wd #1" },
      { to: owner(22), amount: 2n, q: 1002n, fwd: 0n, comment: long },
      { to: owner(23), amount: 3n, q: 1003n, fwd: toNano("0.01"), binaryComment: "9fe7_" },
    ];
    const bodies = withdrawals.map((w) =>
      jettonTransferMessageBody({
        queryId: w.q,
        amount: w.amount,
        destination: w.to,
        responseDestination: hot.address,
        forwardTonAmount: w.fwd,
        comment: w.comment ?? null,
        binaryComment: w.binaryComment ?? null,
      })
    );
    assert.deepEqual(bodies.map(payloadInRef), [false, true, false]);
    // seqno 0: the TonClient attaches the W5 StateInit, so this also deploys the wallet.
    await hot.sendTransfer({
      seqno: 0,
      secretKey: key.secretKey,
      sendMode: SendMode.PAY_GAS_SEPARATELY | SendMode.IGNORE_ERRORS,
      messages: bodies.map((body) =>
        internal({ to: hotJettonWallet, value: toNano("0.1"), bounce: true, body })
      ),
    });
    await devnet.produceBlock();

    // The recipients' jetton wallets got exactly the amounts, from the hot wallet, with the memos.
    for (const w of withdrawals) {
      const wallet = await jettonWalletOf(client, master, w.to);
      assert.deepEqual(jettonIncome((await txsOf(client, wallet))[0]), {
        amount: w.amount,
        from: hot.address.toRawString(),
        comment: w.comment ?? null,
        binaryComment: w.binaryComment ?? null,
        queryId: w.q,
      });
      const notes = await txsOf(client, w.to);
      assert.equal(notes.length, w.fwd > 0n ? 1 : 0);
    }
    const data = await client.runMethod(hotJettonWallet, "get_wallet_data");
    assert.equal(data.stack.readBigNumber(), 50_000_000n - 1_234_572n);

    // The sighting of the hot wallet's external: each sent message keys to its withdrawal.
    const hotTxs = await txsOf(client, hot.address, 20);
    const sent = hotTxs.find((tx) => tx.inMessage?.kind === "external-in");
    assert.ok(sent?.success);
    assert.deepEqual(
      sent.outMessages.map(jettonOutKeyOf),
      withdrawals.map((w) => jettonOutKey(w.q)),
    );

    // Excesses come back from each RECIPIENT's jetton wallet with the query id.
    const excesses = hotTxs.map((tx) => excessesQueryId(tx)).filter((q) => q !== null);
    assert.deepEqual(excesses.sort(), [1001n, 1002n, 1003n]);
    const first = hotTxs.find((tx) => excessesQueryId(tx) === 1001n)!;
    const recipientWallet = await jettonWalletAddress(master, owner(21));
    assert.equal(excessesQueryId(first, recipientWallet), 1001n);
    assert.equal(excessesQueryId(first, hotJettonWallet), null);
    assert.ok(hotTxs.every((tx) => jettonIncome(tx) === null));

    // More than the balance: the hot jetton wallet refuses, the transfer bounces back.
    const tooMuch = jettonTransferMessageBody({
      queryId: 1004n,
      amount: 10n ** 9n,
      destination: owner(24),
      responseDestination: hot.address,
      forwardTonAmount: 0n,
      comment: "too much",
      binaryComment: null,
    });
    await hot.sendTransfer({
      seqno: 1,
      secretKey: key.secretKey,
      sendMode: SendMode.PAY_GAS_SEPARATELY | SendMode.IGNORE_ERRORS,
      messages: [
        internal({ to: hotJettonWallet, value: toNano("0.1"), bounce: true, body: tooMuch }),
      ],
    });
    await devnet.produceBlock();
    const [refused] = await txsOf(client, hotJettonWallet, 1);
    assert.equal(refused.exitCode, JETTON_ERROR.insufficientBalance);
    const [bounce] = await txsOf(client, hot.address, 1);
    assert.equal(bounce.inMessage?.source, hotJettonWallet.toRawString());
    assert.equal(bouncedJettonTransferQueryId(bounce), 1004n);
    assert.equal(excessesQueryId(bounce), null);
  });
});
