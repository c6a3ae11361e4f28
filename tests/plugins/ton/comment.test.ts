import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import fc from "fast-check";
import { beginCell, BitString, Cell, comment as coreComment, loadTransaction } from "@ton/core";
import {
  decodeComment,
  encodeComment,
  formatBinaryComment,
  MAX_COMMENT_BYTES,
  parseBinaryComment,
  validateWithdrawalMemo,
} from "../../../plugins/ton/comment.ts";

const fixtures = new URL("../../fixtures/ton/", import.meta.url);
const readJson = async <T>(path: string): Promise<T> =>
  JSON.parse(await Deno.readTextFile(new URL(path, fixtures))) as T;

type BodyFacts = { op?: string; text?: string; empty?: boolean };
type MessageFacts = { body: BodyFacts };
type TxVector = {
  id: string;
  boc_base64: string;
  decoded: { in_msg: MessageFacts | null; out_msgs: MessageFacts[] };
};

const bocVectors = (await readJson<{ transactions: TxVector[] }>(
  "transactions_boc_vectors.json",
)).transactions;
const blockSelection = (await readJson<{ transactions: TxVector[] }>(
  "block_0_8000000000000000_71398501/selected_transactions.json",
)).transactions;
const realTransactions = [...bocVectors, ...blockSelection];

/** Every (body cell, independently decoded facts) pair found in the fixture transactions. */
function realBodies(): { id: string; body: Cell; facts: BodyFacts }[] {
  const out: { id: string; body: Cell; facts: BodyFacts }[] = [];
  for (const v of realTransactions) {
    const tx = loadTransaction(Cell.fromBase64(v.boc_base64).beginParse());
    if (tx.inMessage && v.decoded.in_msg) {
      out.push({ id: `${v.id}/in`, body: tx.inMessage.body, facts: v.decoded.in_msg.body });
    }
    v.decoded.out_msgs.forEach((m, index) => {
      const message = tx.outMessages.get(index);
      assert.ok(message, `${v.id} out ${index}`);
      out.push({ id: `${v.id}/out${index}`, body: message.body, facts: m.body });
    });
  }
  return out;
}

Deno.test("real mainnet bodies: every op-0 body decodes to exactly the known text", () => {
  const texts = realBodies().filter((b) => b.facts.op === "0x00000000");
  const seen = new Set(texts.map((b) => b.facts.text));
  // the data set must contain the interesting cases this test is about
  assert.ok(seen.has("100 Telegram Stars \n\nRef#bvq2qiNYM"));
  assert.ok(seen.has("\u0645\u064a\u0632\u0648")); // Arabic, multi-byte UTF-8
  assert.ok(seen.has("")); // op 0 with no text
  assert.ok(texts.length >= 8);
  for (const { id, body, facts } of texts) {
    assert.deepEqual(decodeComment(body), { comment: facts.text, binaryComment: null }, id);
  }
});

Deno.test("real mainnet bodies: other ops give a binary comment starting with the op, empty bodies give nothing", () => {
  let binaries = 0;
  let empties = 0;
  for (const { id, body, facts } of realBodies()) {
    if (facts.empty) {
      assert.deepEqual(decodeComment(body), { comment: null, binaryComment: null }, id);
      empties++;
    } else if (facts.op !== undefined && facts.op !== "0x00000000") {
      const decoded = decodeComment(body);
      assert.equal(decoded.comment, null, id);
      assert.ok(decoded.binaryComment?.startsWith(facts.op.slice(2)), id);
      binaries++;
    }
  }
  assert.ok(binaries >= 10 && empties >= 3, `${binaries} ${empties}`);
});

Deno.test("bounced body 0xFFFFFFFF (toncenter bounce example) is a binary comment, not text", async () => {
  const example = await readJson<
    { result: { out_msgs: { msg_data: { body: string } }[] }[] }
  >("toncenter_v2/getTransactions_bounce_example.json");
  const body = Cell.fromBase64(example.result[0].out_msgs[0].msg_data.body);
  assert.deepEqual(decodeComment(body), { comment: null, binaryComment: "ffffffff" });
});

Deno.test("toncenter text comments: encodeComment hashes to the published body_hash and decodes back", async () => {
  const examples = await readJson<
    { in_msg: { body_hash: string; message: string; msg_data: { text: string } } }[]
  >("toncenter_v2/getTransactions_text_comment_examples.json");
  assert.equal(examples.length, 2);
  for (const { in_msg } of examples) {
    const text = new TextDecoder().decode(Buffer.from(in_msg.msg_data.text, "base64"));
    assert.equal(text, in_msg.message);
    const body = encodeComment(text);
    assert.equal(body.hash().toString("base64"), in_msg.body_hash);
    assert.equal(decodeComment(body).comment, text);
  }
});

Deno.test("encodeComment matches comment() of @ton/core, short and multi-cell", () => {
  const samples = ["", "a", "hello 👋", "x".repeat(123), "y".repeat(124), "é".repeat(400)];
  for (const text of samples) {
    assert.ok(encodeComment(text).equals(coreComment(text)), `${text.length} chars`);
    assert.equal(decodeComment(encodeComment(text)).comment, text);
  }
});

Deno.test("a multi-byte character split across two snake cells decodes intact", () => {
  // 122 ASCII bytes leave one byte of the root for the first byte of "€" (3 bytes)
  const text = `${"a".repeat(122)}€ and more`;
  const body = encodeComment(text);
  assert.equal(body.bits.length, 32 + 123 * 8);
  assert.equal(body.refs.length, 1);
  assert.equal(decodeComment(body).comment, text);

  // the same with a hand-built split right inside a 4-byte emoji
  const emoji = Buffer.from("🎉", "utf8");
  const tail = beginCell().storeBuffer(emoji.subarray(2)).storeBuffer(Buffer.from("!")).endCell();
  const manual = beginCell().storeUint(0, 32).storeBuffer(Buffer.from("hi "))
    .storeBuffer(emoji.subarray(0, 2)).storeRef(tail).endCell();
  assert.equal(decodeComment(manual).comment, "hi 🎉!");
});

function textBody(bytes: number[]): Cell {
  return beginCell().storeUint(0, 32).storeBuffer(Buffer.from(bytes)).endCell();
}

Deno.test("NUL characters are dropped from text comments", () => {
  assert.equal(decodeComment(textBody([0x61, 0x00, 0x62, 0x00])).comment, "ab");
  assert.equal(decodeComment(textBody([0x00])).comment, "");
});

Deno.test("invalid UTF-8 bytes are dropped, valid neighbours and a genuine U+FFFD are kept", () => {
  const cases: [number[], string][] = [
    [[0x61, 0xff, 0x62], "ab"], // byte never valid in UTF-8
    [[0x61, 0x80, 0x62], "ab"], // stray continuation byte
    [[0x61, 0xe2, 0x82], "a"], // truncated "€" at the end
    [[0xe2, 0x82, 0x61], "a"], // truncated "€" in the middle
    [[0xc0, 0xaf, 0x61], "a"], // overlong "/"
    [[0xed, 0xa0, 0x80, 0x61], "a"], // UTF-16 surrogate encoded in UTF-8
    [[0xf4, 0x90, 0x80, 0x80, 0x61], "a"], // above U+10FFFF
    [[0xef, 0xbf, 0xbd], "\ufffd"], // a real U+FFFD sent on purpose
    [[0xef, 0xbb, 0xbf, 0x61], "\ufeffa"], // leading BOM kept as sent
  ];
  for (const [bytes, expected] of cases) {
    const decoded = decodeComment(textBody(bytes));
    assert.equal(decoded.comment, expected, JSON.stringify(bytes));
    assert.ok(!decoded.comment?.includes("\u0000"));
  }
});

Deno.test("property: decoded comments never contain NUL or lone surrogates, whatever the bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const text = decodeComment(encodeCommentBytes(bytes)).comment;
      assert.ok(text !== null);
      assert.ok(!text.includes("\u0000"));
      assert.ok(text.isWellFormed());
    }),
  );
});

/** Snake-encodes raw bytes (possibly invalid UTF-8) the way a sender could. */
function encodeCommentBytes(bytes: Uint8Array): Cell {
  const cells: Buffer[] = [];
  const data = Buffer.from(bytes);
  cells.push(data.subarray(0, 123));
  for (let offset = 123; offset < data.length; offset += 127) {
    cells.push(data.subarray(offset, offset + 127));
  }
  let tail: Cell | null = null;
  for (let k = cells.length - 1; k >= 1; k--) {
    const b = beginCell().storeBuffer(cells[k]);
    if (tail) b.storeRef(tail);
    tail = b.endCell();
  }
  const root = beginCell().storeUint(0, 32).storeBuffer(cells[0]);
  if (tail) root.storeRef(tail);
  return root.endCell();
}

Deno.test("empty or missing bodies have neither comment nor binary comment", () => {
  const none = { comment: null, binaryComment: null };
  assert.deepEqual(decodeComment(null), none);
  assert.deepEqual(decodeComment(undefined), none);
  assert.deepEqual(decodeComment(Cell.EMPTY), none);
});

Deno.test("op 0 whose text is not byte-aligned is reported as a binary comment", () => {
  const body = beginCell().storeUint(0, 32).storeUint(0b101, 3).endCell();
  assert.deepEqual(decodeComment(body), { comment: null, binaryComment: "00000000b_" });
  const badTail = beginCell().storeUint(0, 32).storeBuffer(Buffer.from("ok"))
    .storeRef(beginCell().storeUint(1, 1).endCell()).endCell();
  assert.deepEqual(decodeComment(badTail), { comment: null, binaryComment: "000000006f6b" });
});

Deno.test("bodies shorter than an op or with another op are binary comments of the root bits", () => {
  assert.deepEqual(decodeComment(beginCell().storeUint(0, 8).endCell()), {
    comment: null,
    binaryComment: "00",
  });
  const jetton = beginCell().storeUint(0x7362d09c, 32).storeUint(1, 64)
    .storeRef(beginCell().storeUint(7, 8).endCell()).endCell();
  assert.deepEqual(decodeComment(jetton), {
    comment: null,
    binaryComment: "7362d09c0000000000000001",
  });
});

Deno.test("parseBinaryComment reads Fift hex with and without the completion tag", () => {
  const tagged = parseBinaryComment("9fe7_");
  assert.ok(tagged instanceof Cell);
  assert.equal(tagged.bits.length, 15);
  assert.equal(tagged.bits.toString(), "9FE7_");
  assert.equal(formatBinaryComment(tagged.bits), "9fe7_");
  const plain = parseBinaryComment("9FE7");
  assert.ok(plain instanceof Cell);
  assert.equal(plain.bits.length, 16);
  assert.ok(plain.equals(parseBinaryComment("9fe7") as Cell));
  const odd = parseBinaryComment("abc");
  assert.ok(odd instanceof Cell);
  assert.equal(odd.bits.length, 12);
  const one = parseBinaryComment("c_");
  assert.ok(one instanceof Cell);
  assert.equal(one.bits.length, 1);
  assert.equal(one.bits.at(0), true);
});

Deno.test("parseBinaryComment rejects empty, odd characters, bare tags and more than 1023 bits", () => {
  const bad = [
    "",
    "_",
    "0_",
    "00_",
    "8_", // zero bits of data
    "xyz",
    "0x12",
    "12 34",
    " 12",
    "12__",
    "_12",
    "1_2",
    "ab-",
    "f".repeat(256), // 1024 bits
    `${"f".repeat(257)}_`, // 1027 bits
  ];
  for (const input of bad) {
    assert.ok("error" in parseBinaryComment(input), JSON.stringify(input));
  }
});

Deno.test("parseBinaryComment accepts exactly 1023 bits (256 digits with a completion tag)", () => {
  const max = parseBinaryComment(`${"f".repeat(256)}_`);
  assert.ok(max instanceof Cell);
  assert.equal(max.bits.length, 1023);
});

Deno.test("formatBinaryComment agrees with the Fift notation of @ton/core and handles slices", () => {
  const cell = beginCell().storeUint(0b10110, 5).endCell();
  assert.equal(formatBinaryComment(cell.bits), "b4_");
  assert.equal(cell.bits.toString().toLowerCase(), "b4_");
  const slice = cell.beginParse();
  slice.skip(1);
  assert.equal(formatBinaryComment(slice), "6");
  assert.equal(slice.remainingBits, 4, "the slice is not consumed");
  assert.equal(formatBinaryComment(new BitString(Buffer.alloc(0), 0, 0)), "");
});

Deno.test("property: parse(format(bits)) gives back the same bits for 1..1023 bits", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1023 }).chain((n) =>
        fc.tuple(fc.constant(n), fc.uint8Array({ minLength: Math.ceil(n / 8), maxLength: 128 }))
      ),
      ([length, bytes]) => {
        const bits = new BitString(Buffer.from(bytes), 0, length);
        const hex = formatBinaryComment(bits);
        assert.equal(hex, bits.toString().toLowerCase());
        const cell = parseBinaryComment(hex);
        assert.ok(cell instanceof Cell, hex);
        assert.ok(cell.bits.equals(bits));
        assert.ok(parseBinaryComment(hex.toUpperCase()) instanceof Cell);
      },
    ),
  );
});

Deno.test("validateWithdrawalMemo accepts one well-formed memo and names the field at fault", () => {
  assert.equal(validateWithdrawalMemo(null, null), null);
  assert.equal(validateWithdrawalMemo("order 42", null), null);
  assert.equal(validateWithdrawalMemo("é".repeat(MAX_COMMENT_BYTES / 2), null), null);
  assert.equal(validateWithdrawalMemo(null, "9fe7_"), null);

  const both = validateWithdrawalMemo("x", "ab");
  assert.match(both ?? "", /comment/);
  assert.match(both ?? "", /binary_comment/);
  assert.match(validateWithdrawalMemo("x".repeat(MAX_COMMENT_BYTES + 1), null) ?? "", /^comment/);
  // 251 two-byte characters: 251 chars but 502 bytes
  assert.match(validateWithdrawalMemo("é".repeat(251), null) ?? "", /^comment .*bytes/);
  assert.match(validateWithdrawalMemo("a\u0000b", null) ?? "", /^comment .*NUL/);
  assert.match(validateWithdrawalMemo("\ud800", null) ?? "", /^comment/);
  assert.match(validateWithdrawalMemo(null, "zz") ?? "", /^binary_comment/);
  assert.match(validateWithdrawalMemo(null, "") ?? "", /^binary_comment/);
});
