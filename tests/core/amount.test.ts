/**
 * Amounts: base units are canonical decimal strings of 0..2^256-1; whole-unit decimals convert
 * exactly. No floating point, no signs, no exponents, no whitespace.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { formatUnits, MAX_AMOUNT, parseBaseUnits, parseUnits } from "../../core/amount.ts";

const TWO_256 = 1n << 256n;

Deno.test("MAX_AMOUNT is 2^256-1", () => {
  assert.equal(MAX_AMOUNT, TWO_256 - 1n);
});

Deno.test("parseBaseUnits accepts canonical decimals from 0 up to 2^256-1", () => {
  assert.equal(parseBaseUnits("0"), 0n);
  assert.equal(parseBaseUnits("1"), 1n);
  assert.equal(parseBaseUnits("1000000"), 1000000n);
  assert.equal(parseBaseUnits("9007199254740993"), 9007199254740993n); // above 2^53, exact
  assert.equal(parseBaseUnits((TWO_256 - 1n).toString()), TWO_256 - 1n);
  assert.equal(parseBaseUnits((TWO_256 - 2n).toString()), TWO_256 - 2n);
});

Deno.test("parseBaseUnits refuses values above 2^256-1", () => {
  assert.equal(parseBaseUnits(TWO_256.toString()), null);
  assert.equal(parseBaseUnits((TWO_256 + 1n).toString()), null);
  assert.equal(parseBaseUnits("9".repeat(78)), null);
  assert.equal(parseBaseUnits("1" + "0".repeat(78)), null);
  assert.equal(parseBaseUnits("1".repeat(1000)), null);
});

Deno.test("parseBaseUnits refuses decimals, signs, exponents, whitespace, leading zeros, hex and non-ASCII digits", () => {
  const refused = [
    "1.5",
    "1.0",
    "1.",
    ".5",
    "-1",
    "-0",
    "+1",
    "1e9",
    "1E9",
    " 1",
    "1 ",
    "1\n",
    "\t1",
    "",
    "01",
    "00",
    "0x10",
    "0b1",
    "0o7",
    "1_000",
    "1,000",
    "１", // full-width digit one
    "١", // Arabic-Indic digit one
    "Infinity",
    "NaN",
  ];
  for (const input of refused) {
    assert.equal(parseBaseUnits(input), null, `${JSON.stringify(input)} must be refused`);
  }
});

Deno.test("parse(toString(n)) round-trips for every amount in 0..2^256-1", () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: MAX_AMOUNT }), (n) => {
      assert.equal(parseBaseUnits(n.toString()), n);
    }),
    { numRuns: 2000 },
  );
});

Deno.test("any string holding a non-digit character is refused", () => {
  const digits = fc.string({ unit: fc.constantFrom(..."0123456789") });
  const nonDigit = fc.oneof(
    fc.constantFrom(..." \t\n+-.,_exXbBoO１٠", "\u00a0", "\u200b"),
    fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  ).filter((c) => !/^[0-9]$/.test(c));
  fc.assert(
    fc.property(digits, nonDigit, digits, (before, bad, after) => {
      assert.equal(parseBaseUnits(before + bad + after), null);
    }),
    { numRuns: 2000 },
  );
});

Deno.test("formatUnits places the decimal point and keeps trailing zeros", () => {
  assert.equal(formatUnits(100500000n, 6), "100.500000");
  assert.equal(formatUnits(1n, 9), "0.000000001");
  assert.equal(formatUnits(0n, 2), "0.00");
  assert.equal(formatUnits(42n, 0), "42");
  assert.equal(formatUnits(-150n, 2), "-1.50");
});

Deno.test('parseUnits("100.50", 2) is 10050 base units', () => {
  assert.equal(parseUnits("100.50", 2), 10050n);
  assert.equal(parseUnits("100.5", 2), 10050n);
  assert.equal(parseUnits("100", 2), 10000n);
  assert.equal(parseUnits("0.01", 2), 1n);
  assert.equal(parseUnits("7", 0), 7n);
});

Deno.test("parseUnits refuses more fraction digits than the asset has decimals", () => {
  assert.equal(parseUnits("100.501", 2), null);
  assert.equal(parseUnits("1.0", 0), null);
  assert.equal(parseUnits("0.0000000001", 9), null);
});

Deno.test("parseUnits refuses malformed decimals and amounts above 2^256-1", () => {
  for (const input of ["", "1.", ".5", "-1", "+1", "1e2", " 1", "1 ", "01.5", "1.2.3", "１"]) {
    assert.equal(parseUnits(input, 6), null, `${JSON.stringify(input)} must be refused`);
  }
  assert.equal(parseUnits(formatUnits(MAX_AMOUNT, 18), 18), MAX_AMOUNT);
  assert.equal(parseUnits(formatUnits(TWO_256, 18), 18), null);
});

Deno.test("formatUnits then parseUnits round-trips for any amount and decimals 0..18", () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: MAX_AMOUNT }),
      fc.integer({ min: 0, max: 18 }),
      (amount, decimals) => {
        const text = formatUnits(amount, decimals);
        assert.equal(parseUnits(text, decimals), amount, `${text} with ${decimals} decimals`);
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test("parseUnits then formatUnits restores the input padded to the asset's decimals", () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 10n ** 30n }),
      fc.integer({ min: 1, max: 18 }),
      fc.integer({ min: 1, max: 18 }),
      (whole, decimals, fractionLength) => {
        const length = Math.min(fractionLength, decimals);
        const fraction = (whole % 10n ** BigInt(length)).toString().padStart(length, "0");
        const text = `${whole}.${fraction}`;
        const parsed = parseUnits(text, decimals);
        assert.notEqual(parsed, null);
        assert.equal(formatUnits(parsed!, decimals), `${whole}.${fraction.padEnd(decimals, "0")}`);
      },
    ),
  );
});
