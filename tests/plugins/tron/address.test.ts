import assert from "node:assert/strict";
import fc from "fast-check";
import {
  evmWordToTronAddress,
  parseTronAddress,
  tronAddressFromHex,
  tronAddressFromPublicKey,
  tronHexFromAddress,
} from "../../../plugins/tron/address.ts";
import { base58check, sha256 } from "../../../plugins/tron/deps.ts";

interface AddressVectors {
  base58_hex_pairs: { base58: string; hex: string; evm_hex_0x: string }[];
  private_key_to_address: {
    private_key: string;
    public_key_uncompressed: string;
    address_hex: string;
    address_base58: string;
  }[];
}

const vectors: AddressVectors = JSON.parse(
  await Deno.readTextFile(new URL("../../fixtures/tron/address_vectors.json", import.meta.url)),
);
const BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const checked = base58check(sha256);
const USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";
const USDT_HEX = "41a614f803b6fd780986a42c78ec9c7f77e6ded13c";

Deno.test("base58 ↔ hex: every fixture pair, both directions and through the parser", () => {
  assert.ok(vectors.base58_hex_pairs.length >= 10);
  for (const pair of vectors.base58_hex_pairs) {
    assert.equal(tronAddressFromHex(pair.hex), pair.base58);
    assert.equal(tronHexFromAddress(pair.base58), pair.hex);
    assert.deepEqual(parseTronAddress(pair.base58), { address: pair.base58, hex: pair.hex });
    assert.deepEqual(parseTronAddress(pair.hex), { address: pair.base58, hex: pair.hex });
    assert.deepEqual(parseTronAddress(pair.hex.toUpperCase()), {
      address: pair.base58,
      hex: pair.hex,
    });
    // ABI words carry the 20-byte id right-aligned in 32 bytes.
    const word = "0".repeat(24) + pair.evm_hex_0x.slice(2);
    assert.deepEqual(evmWordToTronAddress(word), { address: pair.base58, hex: pair.hex });
    assert.deepEqual(evmWordToTronAddress("0x" + word), { address: pair.base58, hex: pair.hex });
  }
});

Deno.test("public key → address: every fixture key, uncompressed, compressed and bare X‖Y", () => {
  for (const v of vectors.private_key_to_address) {
    const expected = { address: v.address_base58, hex: v.address_hex };
    const pub = v.public_key_uncompressed;
    assert.deepEqual(tronAddressFromPublicKey(pub), expected);
    assert.deepEqual(tronAddressFromPublicKey(pub.slice(2)), expected);
    const y = BigInt("0x" + pub.slice(66));
    const compressed = (y % 2n === 0n ? "02" : "03") + pub.slice(2, 66);
    assert.deepEqual(tronAddressFromPublicKey(compressed), expected);
  }
});

Deno.test("public key: wrong length and off-curve points are rejected", () => {
  assert.throws(() => tronAddressFromPublicKey("04" + "00".repeat(63)), TypeError);
  assert.throws(() => tronAddressFromPublicKey("04" + "01".repeat(64)), TypeError);
  assert.throws(() => tronAddressFromPublicKey("zz"), TypeError);
});

Deno.test("parser rejects malformed input with an error text", () => {
  const bad = [
    "",
    " " + USDT,
    USDT + " ",
    USDT + "\n",
    USDT.slice(0, -1),
    USDT + "1",
    USDT.slice(0, -1) + "u", // checksum
    USDT.replace("T", "t"),
    "0x" + USDT_HEX,
    "0x" + USDT_HEX.slice(2), // an Ethereum address
    USDT_HEX.slice(2), // bare 20-byte hex
    "42" + USDT_HEX.slice(2), // wrong network byte
    USDT_HEX + "00",
    USDT_HEX.slice(0, -2),
    USDT.replace("q", "0"), // outside the base58 alphabet
    // Valid base58check, 34 characters, but another network byte.
    checked.encode(Uint8Array.of(0x42, ...new Uint8Array(20).fill(7))),
    checked.encode(Uint8Array.of(0x40, ...new Uint8Array(20).fill(0xff))),
    // Valid base58check of 22 bytes starting with 0x41.
    checked.encode(Uint8Array.of(0x41, ...new Uint8Array(21))),
  ];
  for (const input of bad) {
    const parsed = parseTronAddress(input);
    assert.ok("error" in parsed, `accepted ${JSON.stringify(input)}`);
    assert.match(parsed.error, /^invalid TRON address/);
  }
  assert.throws(() => tronAddressFromHex(USDT), TypeError);
  assert.throws(() => tronHexFromAddress(USDT_HEX), TypeError);
});

Deno.test("ABI word decoding rejects wrong lengths and dirty upper bytes", () => {
  assert.throws(() => evmWordToTronAddress("00".repeat(31)), TypeError);
  assert.throws(() => evmWordToTronAddress("01" + "00".repeat(31)), TypeError);
  assert.throws(() => evmWordToTronAddress(USDT_HEX), TypeError);
});

const payload = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((bytes) =>
  "41" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")
);

Deno.test("property: hex → base58 → hex round trip", () => {
  fc.assert(
    fc.property(payload, (hex) => {
      const base58 = tronAddressFromHex(hex);
      assert.equal(base58.length, 34);
      assert.equal(base58[0], "T");
      assert.equal(tronHexFromAddress(base58), hex);
      assert.deepEqual(parseTronAddress(base58), { address: base58, hex });
    }),
    { numRuns: 500 },
  );
});

Deno.test("property: any single-character change of a base58 address is rejected", () => {
  fc.assert(
    fc.property(
      payload,
      fc.nat(33),
      fc.constantFrom(...BASE58_ALPHABET.split("")),
      (hex, position, replacement) => {
        const base58 = tronAddressFromHex(hex);
        fc.pre(base58[position] !== replacement);
        const corrupted = base58.slice(0, position) + replacement + base58.slice(position + 1);
        assert.ok("error" in parseTronAddress(corrupted), corrupted);
      },
    ),
    { numRuns: 2000 },
  );
});
