import assert from "node:assert/strict";
import { tronPaymentUri } from "../../../plugins/tron/payment_uri.ts";

const ADDRESS = "TLqh4TXjXQn4dZmpJ6RnbpcqWc3KZ6e6kk";
const USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";

Deno.test("a TRC20 payment URI names the address, the token contract and the whole-unit amount", () => {
  assert.equal(
    tronPaymentUri(
      { assetCode: "USDT_TRC20", address: ADDRESS, amount: 25_000_000n, memo: null },
      USDT,
      6,
    ),
    `tron:${ADDRESS}?token=${USDT}&amount=25`,
  );
  assert.equal(
    tronPaymentUri(
      { assetCode: "USDT_TRC20", address: ADDRESS, amount: 100_500_001n, memo: null },
      USDT,
      6,
    ),
    `tron:${ADDRESS}?token=${USDT}&amount=100.500001`,
  );
});

Deno.test("a TRX payment URI has no token, and any amount has no amount", () => {
  assert.equal(
    tronPaymentUri({ assetCode: "TRX", address: ADDRESS, amount: 1_200_000n, memo: null }, null, 6),
    `tron:${ADDRESS}?amount=1.2`,
  );
  assert.equal(
    tronPaymentUri({ assetCode: "TRX", address: ADDRESS, amount: 0n, memo: null }, null, 6),
    `tron:${ADDRESS}`,
  );
});

Deno.test("whole amounts of a token without decimals keep their zeros", () => {
  assert.equal(
    tronPaymentUri({ assetCode: "X", address: ADDRESS, amount: 2500n, memo: null }, USDT, 0),
    `tron:${ADDRESS}?token=${USDT}&amount=2500`,
  );
});
