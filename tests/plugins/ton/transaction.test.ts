import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { beginCell, Cell, loadTransaction, storeTransaction } from "@ton/core";
import {
  type DecodedTransaction,
  decodeTransaction,
  incomingTransfer,
} from "../../../plugins/ton/transaction.ts";
import { extractBlockTransactions } from "../../../plugins/ton/block_fixture.ts";

const fixtures = new URL("../../fixtures/ton/", import.meta.url);
const readText = (path: string): Promise<string> => Deno.readTextFile(new URL(path, fixtures));
const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readText(path)) as T;

/** Facts decoded from each BOC by the fixture author's independent Python TL-B parser. */
type MessageFacts = {
  type: "internal" | "external-in";
  bounce?: boolean;
  bounced?: boolean;
  src: { raw: string } | string | null;
  dest: { raw: string };
  value_nanoton?: number;
  body: { op?: string; text?: string; empty?: boolean };
};
type TxFacts = {
  hash_hex: string;
  lt: number;
  now: number;
  account_raw: string;
  total_fees_nanoton: number;
  in_msg: MessageFacts | null;
  out_msgs: (MessageFacts & { type: "internal" })[];
  description: {
    type: "ordinary" | "tick_tock";
    aborted?: boolean;
    compute_ph?: { type: "vm"; success: boolean } | { type: "skipped"; reason: string };
    bounce_ph?: { type: string } | null;
  };
};
type TxVector = {
  id: string;
  boc_base64: string;
  known_hash_from_source?: string | null;
  computed_hash_hex: string;
  decoded: TxFacts;
};

const bocVectors = (await readJson<{ transactions: TxVector[] }>("transactions_boc_vectors.json"))
  .transactions;
const blockDir = "block_0_8000000000000000_71398501/";
const selected =
  (await readJson<{ transactions: TxVector[] }>(`${blockDir}selected_transactions.json`))
    .transactions;

function byId(list: TxVector[], prefix: string): TxVector {
  const found = list.find((v) => v.id.includes(prefix) || v.computed_hash_hex.startsWith(prefix));
  assert.ok(found, prefix);
  return found;
}

/** A decode with every Cell replaced by its hash, so decodes compare cheaply and exactly. */
function comparable(tx: DecodedTransaction): unknown {
  return JSON.parse(JSON.stringify(tx, (_key, value) => {
    if (value instanceof Cell) return `cell:${value.hash().toString("hex")}`;
    if (typeof value === "bigint") return `${value}n`;
    return value;
  }));
}

/** Checks a decode against the independent facts, field by field. */
function assertMatchesFacts(tx: DecodedTransaction, v: TxVector): void {
  const f = v.decoded;
  assert.equal(tx.hash, v.computed_hash_hex);
  assert.equal(tx.hash, f.hash_hex);
  assert.equal(tx.lt, BigInt(f.lt));
  assert.equal(tx.now, f.now);
  assert.equal(tx.account, f.account_raw);
  assert.equal(tx.fee, BigInt(f.total_fees_nanoton));
  // the fixture states `aborted` for ordinary transactions only
  if (f.description.aborted !== undefined) assert.equal(tx.aborted, f.description.aborted);
  assert.equal(tx.kind, f.description.type === "tick_tock" ? "tick-tock" : "ordinary");
  const compute = f.description.compute_ph;
  assert.equal(
    tx.computeSkipReason,
    compute?.type === "skipped" ? compute.reason.replace("_", "-") : null,
  );
  assert.equal(
    tx.bouncePhase,
    f.description.bounce_ph?.type.replace("nofunds", "no-funds") ?? null,
  );

  if (f.in_msg === null) {
    assert.equal(tx.inMessage, null);
  } else {
    const m = tx.inMessage;
    assert.ok(m);
    assert.equal(m.kind, f.in_msg.type);
    if (f.in_msg.type === "internal") {
      assert.equal(m.source, (f.in_msg.src as { raw: string }).raw);
      assert.equal(m.value, BigInt(f.in_msg.value_nanoton ?? -1));
      assert.equal(m.bounce, f.in_msg.bounce);
      assert.equal(m.bounced, f.in_msg.bounced);
    } else {
      assert.equal(m.source, null);
      assert.equal(m.value, 0n);
    }
    assert.equal(f.in_msg.dest.raw, tx.account);
    assert.equal(m.bodyHash, m.body.hash().toString("hex"));
  }

  assert.equal(tx.outMessages.length, f.out_msgs.length);
  f.out_msgs.forEach((o, index) => {
    const out = tx.outMessages[index];
    assert.equal(out.kind, "internal");
    assert.equal(out.destination, o.dest.raw);
    assert.equal(out.value, BigInt(o.value_nanoton ?? -1));
    assert.equal(out.bounce, o.bounce);
    assert.equal(out.bounced, o.bounced);
    assert.equal((o.src as { raw: string }).raw, tx.account);
    if (o.body.op !== undefined) {
      assert.equal(out.body.beginParse().preloadUint(32), Number(o.body.op));
    }
  });
}

/** The income rule restated on the independent facts, to cross-check incomingTransfer. */
function isIncomeByFacts(f: TxFacts): boolean {
  const m = f.in_msg;
  const c = f.description.compute_ph;
  return m !== null && m.type === "internal" && m.bounced === false &&
    (m.value_nanoton ?? 0) > 0 && f.description.aborted === false &&
    c?.type === "vm" && c.success && !f.description.bounce_ph;
}

Deno.test("all 9 real transaction BOCs decode to the independently decoded facts", () => {
  assert.equal(bocVectors.length, 9);
  for (const v of bocVectors) {
    const tx = decodeTransaction(v.boc_base64);
    assertMatchesFacts(tx, v);
    if (v.known_hash_from_source) {
      const known = v.known_hash_from_source;
      assert.ok(
        known.toLowerCase() === tx.hash || known === Buffer.from(tx.hash, "hex").toString("base64"),
        v.id,
      );
    }
  }
});

Deno.test("decoding accepts a Cell as well as base64 and gives the same result", () => {
  for (const v of bocVectors) {
    assert.deepEqual(
      comparable(decodeTransaction(Cell.fromBase64(v.boc_base64))),
      comparable(decodeTransaction(v.boc_base64)),
    );
  }
});

Deno.test("the 14 transactions selected from the mainnet block decode to their facts", () => {
  assert.equal(selected.length, 14);
  for (const v of selected) assertMatchesFacts(decodeTransaction(v.boc_base64), v);
});

Deno.test("masterchain account and tick-tock transaction keep workchain -1", () => {
  const tock = decodeTransaction(byId(bocVectors, "36c7dbbb").boc_base64);
  assert.equal(tock.kind, "tick-tock");
  assert.equal(tock.inMessage, null);
  assert.ok(tock.account.startsWith("-1:"));
  // its action phase ran out of funds (result code 37), so the chain marks it aborted
  assert.equal(tock.aborted, true);
  assert.equal(tock.success, false);
  assert.equal(incomingTransfer(tock), null);
  const masterWallet = decodeTransaction(byId(bocVectors, "87572e72").boc_base64);
  assert.ok(masterWallet.account.startsWith("-1:"));
});

Deno.test("a plain text-comment payment is an income with sender, amount and comment", () => {
  const tx = decodeTransaction(byId(selected, "f61215e2").boc_base64);
  assert.equal(tx.success, true);
  assert.deepEqual(incomingTransfer(tx), {
    from: "0:dfec1432befd22c3dab019a242de41b915c817fb110cbbc6036d60bc3a586104",
    amount: 701_800_000n,
    comment: "100 Telegram Stars \n\nRef#bvq2qiNYM",
    binaryComment: null,
  });
  const arabic = incomingTransfer(decodeTransaction(byId(selected, "6550621b").boc_base64));
  assert.deepEqual(arabic, {
    from: "0:eb88890f2525cac9bde67ed69e826ba3bd09e8153d60c860b75283ae6573ef9c",
    amount: 300_000_000n,
    comment: "\u0645\u064a\u0632\u0648",
    binaryComment: null,
  });
});

Deno.test("the sender side of that payment (external-in to the wallet) is not an income", () => {
  const sender = decodeTransaction(byId(selected, "cc96f49e").boc_base64);
  assert.equal(sender.inMessage?.kind, "external-in");
  assert.equal(sender.success, true);
  assert.equal(incomingTransfer(sender), null);
  assert.equal(
    sender.outMessages[0].destination,
    "0:852443f8599fe6a5da34fe43049ac4e0beb3071bb2bfb56635ea9421287c283a",
  );
});

Deno.test("a bounced transfer (compute failed, value sent back) is not an income", () => {
  const tx = decodeTransaction(byId(bocVectors, "9a499afa").boc_base64);
  assert.equal(tx.aborted, true);
  assert.equal(tx.success, false);
  assert.equal(tx.exitCode, 404);
  assert.equal(tx.bouncePhase, "ok");
  assert.equal(tx.inMessage?.value, 3_300_000_000n);
  assert.equal(tx.outMessages[0].bounced, true);
  assert.equal(tx.outMessages[0].destination, tx.inMessage?.source);
  assert.equal(incomingTransfer(tx), null);
});

Deno.test("toncenter getTransactions bounce example: same transaction, not an income", async () => {
  const example = await readJson<
    {
      result: {
        data: string;
        transaction_id: { hash: string; lt: string };
        in_msg: { body_hash: string };
      }[];
    }
  >("toncenter_v2/getTransactions_bounce_example.json");
  const raw = example.result[0];
  const tx = decodeTransaction(raw.data);
  assert.equal(Buffer.from(tx.hash, "hex").toString("base64"), raw.transaction_id.hash);
  assert.equal(tx.lt, BigInt(raw.transaction_id.lt));
  assert.equal(
    Buffer.from(tx.inMessage?.bodyHash ?? "", "hex").toString("base64"),
    raw.in_msg.body_hash,
  );
  assert.equal(incomingTransfer(tx), null);
});

Deno.test("aborted transactions with compute skipped for no_gas are not incomes, even though value was credited", () => {
  for (const [list, id] of [[bocVectors, "e9789732"], [selected, "4a570d5a"]] as const) {
    const tx = decodeTransaction(byId(list, id).boc_base64);
    assert.equal(tx.aborted, true);
    assert.equal(tx.computeSkipReason, "no-gas");
    assert.equal(tx.success, false);
    assert.equal(incomingTransfer(tx), null);
  }
});

Deno.test("a failed message to an active contract is not an income", () => {
  // same shape as the bounce example, but derived so the sender asked for no bounce
  const tx = decodeTransaction(withChanges(byId(bocVectors, "9a499afa").boc_base64, (t) => {
    if (t.description.type !== "generic") throw new Error("unexpected");
    t.description.bouncePhase = null;
  }));
  assert.equal(tx.success, false);
  assert.equal(incomingTransfer(tx), null);
});

/** Loads a real transaction, edits it and re-serialises it: a synthetic but well-formed transaction. */
function withChanges(boc: string, edit: (tx: ReturnType<typeof loadTransaction>) => void): Cell {
  const tx = loadTransaction(Cell.fromBase64(boc).beginParse());
  edit(tx);
  return beginCell().store(storeTransaction(tx)).endCell();
}

Deno.test("synthetic: value sent without bounce to an uninitialised address (compute skipped no_state) is an income", () => {
  // No fixture has this case; it is derived from the real no_gas spam transaction
  // by making the account uninitialised, which is what a fresh deposit address is.
  const cell = withChanges(byId(selected, "4a570d5a").boc_base64, (t) => {
    if (t.description.type !== "generic") throw new Error("unexpected");
    t.oldStatus = "uninitialized";
    t.endStatus = "uninitialized";
    t.description.computePhase = { type: "skipped", reason: "no-state" };
  });
  const tx = decodeTransaction(cell);
  assert.equal(tx.aborted, true, "the chain flags it aborted");
  assert.equal(tx.success, true);
  const income = incomingTransfer(tx);
  assert.ok(income);
  assert.equal(income.amount, 1n);
  assert.equal(
    income.comment,
    "TG: @LiveFeed \u2013 Fragment Tracker. Watch every Fragment.com action live.",
  );
});

Deno.test("synthetic: bounceable value to an uninitialised address bounces back and is not an income", () => {
  const cell = withChanges(byId(selected, "4a570d5a").boc_base64, (t) => {
    if (t.description.type !== "generic" || t.inMessage?.info.type !== "internal") {
      throw new Error("unexpected");
    }
    t.oldStatus = "uninitialized";
    t.endStatus = "uninitialized";
    t.inMessage.info.bounce = true;
    t.description.computePhase = { type: "skipped", reason: "no-state" };
    t.description.bouncePhase = {
      type: "ok",
      messageSize: { cells: 1n, bits: 0n },
      messageFees: 0n,
      forwardFees: 0n,
    };
  });
  const tx = decodeTransaction(cell);
  assert.equal(tx.bouncePhase, "ok");
  assert.equal(tx.success, false);
  assert.equal(incomingTransfer(tx), null);
});

Deno.test("a bounced message arriving back is not an income", () => {
  const cell = withChanges(byId(selected, "f61215e2").boc_base64, (t) => {
    if (t.inMessage?.info.type !== "internal") throw new Error("unexpected");
    t.inMessage.info.bounced = true;
  });
  const tx = decodeTransaction(cell);
  assert.equal(tx.success, true);
  assert.equal(tx.inMessage?.bounced, true);
  assert.equal(incomingTransfer(tx), null);
});

Deno.test("jetton notifications carry TON too: they count as TON income with a binary comment", () => {
  const tx = decodeTransaction(byId(selected, "26b31b1c").boc_base64);
  const income = incomingTransfer(tx);
  assert.ok(income);
  assert.equal(income.amount, 250_000_000n);
  assert.equal(income.comment, null);
  assert.ok(income.binaryComment?.startsWith("7362d09c"));
});

Deno.test("decodeTransaction rejects garbage and cells that are not transactions", () => {
  assert.throws(() => decodeTransaction("not a boc"));
  assert.throws(() => decodeTransaction(beginCell().storeUint(0b0111, 4).endCell()));
  assert.throws(() => decodeTransaction(beginCell().storeUint(0, 32).endCell()));
});

Deno.test("real mainnet block: all 269 transactions are extracted, decode, and match the index", async () => {
  const cells = extractBlockTransactions(await readText(`${blockDir}block.boc.base64.txt`));
  const index =
    (await readJson<{ transactions: { account: string; lt: string; hash_hex: string }[] }>(
      `${blockDir}tx_index.json`,
    )).transactions;
  assert.equal(index.length, 269);
  assert.equal(cells.length, 269);
  const txs = cells.map((cell) => decodeTransaction(cell));
  assert.deepEqual(
    txs.map((t) => ({ account: t.account, lt: String(t.lt), hash_hex: t.hash })),
    index.map(({ account, lt, hash_hex }) => ({ account, lt, hash_hex })),
  );

  // the selected transactions, decoded alone, are identical to their decode from the block
  for (const v of selected) {
    const fromBlock = txs.find((t) => t.hash === v.computed_hash_hex);
    assert.ok(fromBlock, v.id);
    assert.deepEqual(comparable(fromBlock), comparable(decodeTransaction(v.boc_base64)));
    assert.equal(incomingTransfer(fromBlock) !== null, isIncomeByFacts(v.decoded), v.id);
  }

  // Shape of the block: 12 wallet external-ins; 201 spam messages rejected for
  // no_gas (200 of 1 nanoton or more, 1 of zero value); 56 internal messages
  // with value, processed successfully, none bounced. Of those 56, two ran a
  // contract that COMMITted and then threw 304: compute success is true on
  // chain, so they count.
  const incomes = txs.filter((t) => incomingTransfer(t) !== null);
  const spam = txs.filter((t) => t.computeSkipReason === "no-gas");
  const external = txs.filter((t) => t.inMessage?.kind === "external-in");
  assert.equal(external.length, 12);
  assert.equal(spam.length, 201);
  assert.ok(spam.every((t) => t.aborted && !t.success && incomingTransfer(t) === null));
  assert.equal(incomes.length, 56);
  assert.equal(txs.filter((t) => t.success && t.exitCode === 304).length, 2);
  assert.equal(external.length + spam.length + incomes.length, 269);
  assert.ok(txs.every((t) => t.bouncePhase === null));
});
