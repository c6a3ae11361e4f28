import assert from "node:assert/strict";
import fc from "fast-check";
import { mnemonicToSeedSync } from "../../../plugins/tron/deps.ts";
import {
  TRON_HOT_WALLET_INDEX,
  TRON_MIN_DEPOSIT_INDEX,
  tronAccountKey,
} from "../../../plugins/tron/derivation.ts";
import { tronAddressFromPublicKey } from "../../../plugins/tron/address.ts";

interface MnemonicVector {
  mnemonic: string;
  bip39_passphrase: string;
  path: string;
  expected_address_from_source: string;
  derived_private_key: string;
  derived_public_key: string;
  derived_address_hex: string;
  derived_address_base58: string;
}

const vectors: {
  mnemonic_to_address: MnemonicVector[];
  abandon_about_more_indices_computed_only: {
    addresses: { path: string; address_base58: string; address_hex: string }[];
  };
} = JSON.parse(
  await Deno.readTextFile(new URL("../../fixtures/tron/address_vectors.json", import.meta.url)),
);
const ABANDON = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon " +
  "abandon about";
const toHex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

Deno.test("mnemonic → m/44'/195'/0'/0/0: every fixture vector (key, public key, address)", () => {
  assert.equal(vectors.mnemonic_to_address.length, 3);
  for (const v of vectors.mnemonic_to_address) {
    assert.equal(v.path, "m/44'/195'/0'/0/0");
    const account = tronAccountKey(v.mnemonic, v.bip39_passphrase);
    const derived = account.deriveAddress(0);
    assert.equal(derived.address, v.expected_address_from_source);
    assert.equal(derived.address, v.derived_address_base58);
    assert.equal(derived.hex, v.derived_address_hex);
    assert.equal(derived.publicKey, v.derived_public_key);
    assert.equal(toHex(account.derivePrivateKey(0n)), v.derived_private_key);
  }
  assert.equal(
    tronAccountKey(ABANDON).deriveAddress(0).address,
    "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH",
  );
});

Deno.test("abandon…about: indexes 1-4", () => {
  const account = tronAccountKey(ABANDON);
  for (const entry of vectors.abandon_about_more_indices_computed_only.addresses) {
    const index = Number(entry.path.split("/").at(-1));
    const derived = account.deriveAddress(BigInt(index));
    assert.equal(derived.address, entry.address_base58);
    assert.equal(derived.hex, entry.address_hex);
  }
});

Deno.test("hot wallet is index 0, deposits start at 1", () => {
  assert.equal(TRON_HOT_WALLET_INDEX, 0n);
  assert.equal(TRON_MIN_DEPOSIT_INDEX, 1n);
});

Deno.test("whitespace in the configured mnemonic is normalized", () => {
  const messy = "  " + ABANDON.replaceAll(" ", " \n\t ") + "\n";
  assert.equal(
    tronAccountKey(messy).deriveAddress(0).address,
    "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH",
  );
});

Deno.test("invalid mnemonics are rejected without echoing any word", () => {
  const secretish = "zebra";
  const cases: [string, RegExp][] = [
    ["", /got 0/],
    [ABANDON.replace("about", "abandon"), /checksum/],
    [ABANDON.replace("about", secretish + "x"), /word #12/],
    [ABANDON + " abandon", /got 13/],
    [ABANDON.toUpperCase(), /word #1 /],
  ];
  for (const [mnemonic, message] of cases) {
    assert.throws(() => tronAccountKey(mnemonic), (error: Error) => {
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /abandon|about|zebra/i);
      return true;
    });
  }
});

Deno.test("indexes outside [0, 2^31) are rejected", () => {
  const account = tronAccountKey(ABANDON);
  for (const index of [-1, 1.5, 2 ** 31, Number.NaN, -1n, 1n << 31n]) {
    assert.throws(() => account.deriveAddress(index), RangeError);
    assert.throws(() => account.derivePrivateKey(index), RangeError);
  }
  assert.equal(account.deriveAddress(2 ** 31 - 1).address.length, 34);
});

Deno.test("the mnemonic-to-seed step runs once per account key, never per address", () => {
  let calls = 0;
  const account = tronAccountKey(ABANDON, "", {
    seed: (mnemonic: string, passphrase: string): Uint8Array => {
      calls++;
      return mnemonicToSeedSync(mnemonic, passphrase);
    },
  });
  assert.equal(calls, 1);
  for (let i = 0; i < 50; i++) {
    account.deriveAddress(i);
    account.derivePrivateKey(i);
  }
  assert.equal(calls, 1);
  assert.equal(account.deriveAddress(0).address, "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH");
});

const shared = tronAccountKey(ABANDON);

Deno.test("property: derivation is deterministic and the key matches the address", () => {
  const other = tronAccountKey(ABANDON);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (index) => {
      const a = shared.deriveAddress(index);
      assert.deepEqual(other.deriveAddress(BigInt(index)), a);
      assert.deepEqual(tronAddressFromPublicKey(a.publicKey), { address: a.address, hex: a.hex });
      assert.equal(toHex(shared.derivePrivateKey(index)), toHex(other.derivePrivateKey(index)));
    }),
    { numRuns: 50 },
  );
});

Deno.test("property: distinct indexes give distinct addresses", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { minLength: 2, maxLength: 8 }),
      (indexes) => {
        const addresses = new Set(indexes.map((i) => shared.deriveAddress(i).address));
        assert.equal(addresses.size, indexes.length);
      },
    ),
    { numRuns: 30 },
  );
  const first = new Set(Array.from({ length: 200 }, (_, i) => shared.deriveAddress(i).address));
  assert.equal(first.size, 200);
});

Deno.test("a passphrase gives a different wallet", () => {
  assert.notEqual(
    tronAccountKey(ABANDON, "TREZOR").deriveAddress(0).address,
    shared.deriveAddress(0).address,
  );
});
