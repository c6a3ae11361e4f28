import assert from "node:assert/strict";
import fc from "fast-check";
import { formatAmount, formatTime, pickLang, plainAmount } from "../../../api/checkout/i18n.ts";
import { parseUnits } from "../../../core/amount.ts";

Deno.test("?lang= chooses the language over Accept-Language", () => {
  assert.equal(pickLang("ru", "en-US,en"), "ru");
  assert.equal(pickLang("EN", "ru-RU"), "en");
});

Deno.test("Accept-Language chooses by q-value, and an unknown language falls back to English", () => {
  assert.equal(pickLang(undefined, "ru-RU,ru;q=0.9,en;q=0.8"), "ru");
  assert.equal(pickLang(undefined, "de-DE,en;q=0.5,ru;q=0.7"), "ru");
  assert.equal(pickLang(undefined, "ru;q=0,en"), "en");
  assert.equal(pickLang("fr", "de"), "en");
  assert.equal(pickLang(undefined, undefined), "en");
  assert.equal(pickLang(undefined, ";;,q=,"), "en");
});

Deno.test("amounts are written per language, exactly, without trailing zeros", () => {
  assert.equal(formatAmount(1_234_500_000n, 6, "en"), "1,234.5");
  assert.equal(formatAmount(1_234_500_000n, 6, "ru"), "1\u00a0234,5");
  assert.equal(formatAmount(1n, 18, "en"), "0.000000000000000001");
  assert.equal(formatAmount(25_000_000n, 6, "ru"), "25");
  assert.equal(formatAmount(1000n, 0, "en"), "1,000");
  assert.equal(plainAmount(1_234_500_000n, 6), "1234.5");
  assert.equal(plainAmount(2500n, 0), "2500");
});

Deno.test("the plain amount a copy button copies parses back to the same base units", () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
      fc.integer({ min: 0, max: 30 }),
      (n, d) => {
        assert.equal(parseUnits(plainAmount(n, d), d), n);
      },
    ),
  );
});

Deno.test("times are written per language, in UTC", () => {
  const ms = Date.UTC(2026, 11, 2, 7, 5);
  assert.equal(formatTime(ms, "en"), "2 Dec 2026, 07:05 UTC");
  assert.match(formatTime(ms, "ru"), /^2 дек\. 2026 г\., 07:05 UTC$/);
});
