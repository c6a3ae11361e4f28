import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { deriveEd25519Path, keyPairFromSeed, pbkdf2_sha512 } from "@ton/crypto";
import {
  depositWallet,
  hotWallet,
  networkGlobalId,
  tonKeyPair,
} from "../../../plugins/ton/wallets.ts";
import { formatTonAddress } from "../../../plugins/ton/address.ts";

type Forms = { raw: string; bounceable: string; non_bounceable: string };
type NativeVector = {
  mnemonic: string;
  source_secret_key_64: string;
  public_key: string;
  computed_v5r1_mainnet: Forms;
};
type WalletVectors = {
  vectors: Record<string, unknown>[];
  ton_native_mnemonic_vectors: { vectors: NativeVector[] };
};

const walletVectors: WalletVectors = JSON.parse(
  await Deno.readTextFile(new URL("../../fixtures/ton/wallet_vectors.json", import.meta.url)),
);
const nativeVectors = walletVectors.ton_native_mnemonic_vectors.vectors;

function vectorOfSourceTest(test: string): Record<string, unknown> {
  const found = walletVectors.vectors.find((v) => (v.source as { test?: string }).test === test);
  assert.ok(found, `vector of ${test}`);
  return found;
}

/** BIP39 seed then SLIP-10 ed25519 along hardened `path` (how tonutils-go/Ledger derive keys). */
async function bip39PublicKey(mnemonic: string, path: number[]): Promise<Buffer> {
  const seed = await pbkdf2_sha512(mnemonic, "mnemonic", 2048, 64);
  const privateSeed = await deriveEd25519Path(seed, path);
  return keyPairFromSeed(privateSeed).publicKey;
}

Deno.test("TON-native mnemonics give the published secret keys (ton-crypto vectors)", async () => {
  assert.equal(nativeVectors.length, 5);
  for (const v of nativeVectors) {
    const keys = await tonKeyPair(v.mnemonic.split(" "));
    assert.equal(keys.secretKey.toString("hex"), v.source_secret_key_64);
    assert.equal(keys.publicKey.toString("hex"), v.public_key);
  }
});

Deno.test("hot wallet of the ton-crypto mnemonics on mainnet matches the computed-only v5r1 addresses", async () => {
  // These addresses are "computed only" in the fixtures (derived by the fixture
  // author's independent implementation, not asserted by the source).
  for (const v of nativeVectors) {
    const { publicKey } = await tonKeyPair(v.mnemonic.split(" "));
    const wallet = hotWallet(publicKey, "mainnet");
    assert.equal(wallet.address.toRawString(), v.computed_v5r1_mainnet.raw);
    assert.equal(
      formatTonAddress(wallet.address, "mainnet", false),
      v.computed_v5r1_mainnet.non_bounceable,
    );
    assert.equal(
      formatTonAddress(wallet.address, "mainnet", true),
      v.computed_v5r1_mainnet.bounceable,
    );
  }
});

Deno.test("hot wallet matches the source-asserted v5r1 mainnet address of a BIP39 key (tonutils-go)", async () => {
  const v = vectorOfSourceTest("TestBIP39Load");
  const publicKey = await bip39PublicKey(v.mnemonic as string, [44, 607, 0]);
  assert.equal(
    formatTonAddress(hotWallet(publicKey, "mainnet").address, "mainnet", false),
    v.source_address,
  );
});

Deno.test("hot wallet matches the source-asserted v5r1 mainnet and testnet addresses of a Ledger-path key", async () => {
  const v = vectorOfSourceTest("TestLedgerCompatibleSeedLoad");
  const publicKey = await bip39PublicKey(v.mnemonic as string, [44, 607, 0, 0, 0, 0]);
  assert.equal(publicKey.toString("hex"), v.public_key_computed);
  const addresses = v.source_addresses as Record<string, string>;
  assert.equal(
    formatTonAddress(hotWallet(publicKey, "mainnet").address, "mainnet", false),
    addresses["V5R1Final mainnet"],
  );
  // The source prints the testnet wallet WITHOUT the test-only flag, hence "mainnet" formatting.
  assert.equal(
    formatTonAddress(hotWallet(publicKey, "testnet").address, "mainnet", false),
    addresses["V5R1Final testnet (global_id -3; printed without testnet flag)"],
  );
});

/** The 32-bit context stored in a v5r1 wallet id, as an unsigned number. */
function contextOf(walletId: number, globalId: number): number {
  return ((walletId ^ globalId) >>> 0);
}

Deno.test("networkGlobalId: -239 on mainnet, -3 on testnet and devnet", () => {
  assert.equal(networkGlobalId("mainnet"), -239);
  assert.equal(networkGlobalId("testnet"), -3);
  assert.equal(networkGlobalId("devnet"), -3);
});

Deno.test("hot wallet uses the standard client context wallet id (2147483409 on mainnet)", async () => {
  const { publicKey } = await tonKeyPair(nativeVectors[0].mnemonic.split(" "));
  const data = hotWallet(publicKey, "mainnet").init.data.beginParse();
  data.skip(1 + 32); // is_signature_allowed, seqno
  const walletId = data.loadUint(32);
  assert.equal(walletId, 2147483409);
  // context = wallet_id XOR global_id; client context = 1 | wc:int8 | version:uint8 | subwallet:uint15
  assert.equal(contextOf(walletId, -239), 2 ** 31);
});

Deno.test("deposit wallet i carries custom context i and differs from the hot wallet", async () => {
  const { publicKey } = await tonKeyPair(nativeVectors[1].mnemonic.split(" "));
  for (const index of [1n, 2n, 32767n, 32768n, 2n ** 31n - 1n]) {
    const wallet = depositWallet(publicKey, index, "mainnet");
    assert.equal(wallet.address.workChain, 0);
    const data = wallet.init.data.beginParse();
    data.skip(1 + 32);
    // custom context = 0 | index:uint31
    assert.equal(contextOf(data.loadUint(32), -239), Number(index));
    assert.ok(!wallet.address.equals(hotWallet(publicKey, "mainnet").address));
  }
});

Deno.test("deposit wallets are deterministic and pairwise distinct, and never the hot wallet", async () => {
  const { publicKey } = await tonKeyPair(nativeVectors[2].mnemonic.split(" "));
  const hot = hotWallet(publicKey, "mainnet").address.toRawString();
  const seen = new Set<string>([hot]);
  for (let i = 1n; i <= 2000n; i++) {
    const raw = depositWallet(publicKey, i, "mainnet").address.toRawString();
    assert.ok(!seen.has(raw), `index ${i} collides`);
    seen.add(raw);
  }
  assert.equal(seen.size, 2001);
  assert.equal(
    depositWallet(Buffer.from(publicKey), 1234n, "mainnet").address.toRawString(),
    depositWallet(publicKey, 1234n, "mainnet").address.toRawString(),
  );
});

Deno.test("the same deposit index gives different addresses on mainnet and testnet", async () => {
  const { publicKey } = await tonKeyPair(nativeVectors[3].mnemonic.split(" "));
  const main = depositWallet(publicKey, 7n, "mainnet").address;
  const test = depositWallet(publicKey, 7n, "testnet").address;
  assert.ok(!main.equals(test));
  assert.ok(depositWallet(publicKey, 7n, "devnet").address.equals(test));
});

Deno.test("deposit index outside [1, 2^31) is rejected", async () => {
  const { publicKey } = await tonKeyPair(nativeVectors[0].mnemonic.split(" "));
  for (const index of [0n, -1n, 2n ** 31n, 2n ** 40n]) {
    assert.throws(() => depositWallet(publicKey, index, "mainnet"), RangeError);
  }
});

Deno.test("invalid mnemonics are rejected without echoing any word", async () => {
  const words = nativeVectors[0].mnemonic.split(" ");
  const swapped = [...words.slice(0, 22), words[23], words[22]];
  const wrongWord = [...words.slice(0, 23), "notaword"];
  const bip39 = (vectorOfSourceTest("TestBIP39Load").mnemonic as string).split(" ");
  for (const candidate of [swapped, wrongWord, bip39, words.slice(0, 12), []]) {
    await assert.rejects(() => tonKeyPair(candidate), (error: Error) => {
      for (const word of candidate) {
        assert.ok(!error.message.includes(word), `message leaks "${word}": ${error.message}`);
      }
      return true;
    });
  }
});
