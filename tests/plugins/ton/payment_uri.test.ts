import assert from "node:assert/strict";
import { tonPaymentUri } from "../../../plugins/ton/payment_uri.ts";

const ADDRESS = "0QCnleqjCDscuOY7ThCW7ihEkYWHK45_QoE78UBdTGYWMqlx";
const MASTER = "kQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_sDs";

Deno.test("a TON payment URI names the address, the nanotons and the memo as text", () => {
  assert.equal(
    tonPaymentUri(
      { assetCode: "TON", address: ADDRESS, amount: 1_500_000_000n, memo: "INV-AB" },
      null,
    ),
    `ton://transfer/${ADDRESS}?amount=1500000000&text=INV-AB`,
  );
});

Deno.test("a jetton payment URI names the master and the amount in the jetton's base units", () => {
  assert.equal(
    tonPaymentUri(
      { assetCode: "USDT_TON", address: ADDRESS, amount: 25_000_000n, memo: "INV-1" },
      MASTER,
    ),
    `ton://transfer/${ADDRESS}?jetton=${MASTER}&amount=25000000&text=INV-1`,
  );
});

Deno.test("an any-amount TON payment URI leaves the amount to the wallet", () => {
  assert.equal(
    tonPaymentUri({ assetCode: "TON", address: ADDRESS, amount: 0n, memo: "INV-2" }, null),
    `ton://transfer/${ADDRESS}?text=INV-2`,
  );
  assert.equal(
    tonPaymentUri({ assetCode: "TON", address: ADDRESS, amount: 0n, memo: null }, null),
    `ton://transfer/${ADDRESS}`,
  );
});

Deno.test("a memo is percent-encoded, a space as %20", () => {
  const uri = tonPaymentUri(
    { assetCode: "TON", address: ADDRESS, amount: 1n, memo: "a b&c=d" },
    null,
  );
  assert.equal(uri, `ton://transfer/${ADDRESS}?amount=1&text=a%20b%26c%3Dd`);
  assert.equal(new URL(uri).searchParams.get("text"), "a b&c=d");
});
