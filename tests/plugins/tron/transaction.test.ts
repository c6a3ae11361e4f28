import assert from "node:assert/strict";
import fc from "fast-check";
import { secp256k1 } from "../../../plugins/tron/deps.ts";
import {
  recoverTronSigner,
  signTronTx,
  tronBandwidthBytes,
  tronTxId,
} from "../../../plugins/tron/transaction.ts";
import { tronAddressFromHex, tronAddressFromPublicKey } from "../../../plugins/tron/address.ts";

const fixtures = new URL("../../fixtures/tron/", import.meta.url);
const load = async <T>(path: string): Promise<T> =>
  JSON.parse(await Deno.readTextFile(new URL(path, fixtures))) as T;

interface NodeTx {
  txID: string;
  raw_data_hex: string;
  signature?: string[];
  /** Bandwidth the chain charged from the free or staked allowance, bytes (TronGrid v1). */
  net_usage?: number;
  /** Bandwidth the chain charged by burning, sun (TronGrid v1). */
  net_fee?: number;
  raw_data: { contract: { parameter: { value: { owner_address: string } } }[] };
}

/** A signed transaction with the signer the fixture says it has. */
interface SignedCase {
  name: string;
  txID: string;
  rawDataHex: string;
  signature: string;
  signer: string;
}

const ledger = await load<NodeTx[]>("trongrid_v1/account_transactions_selected_mainnet.json");
const gotronSigned = await load<NodeTx>(
  "signed_transactions/gettransactionbyid_trc20_transfer_nile.json",
);
const gotronUnsigned = await load<NodeTx>(
  "signed_transactions/createtransaction_unsigned_transfer_nile.json",
);
const tronpy = await load<
  { txID: string; raw_data_hex: string; signature: string; signer_address: string }
>("signed_transactions/tronpy_test_keys_shasta_transfer.json");
const verification = await load<
  { results: { txID: string; recovered_signer_base58?: string }[] }
>("txid_signature_verification.json");
const keys =
  (await load<{ private_key_to_address: { private_key: string; address_base58: string }[] }>(
    "address_vectors.json",
  )).private_key_to_address;

const ownerOf = (tx: NodeTx): string =>
  tronAddressFromHex(tx.raw_data.contract[0].parameter.value.owner_address);

const signed: SignedCase[] = [
  ...[...ledger, gotronSigned].map((tx) => ({
    name: tx.txID,
    txID: tx.txID,
    rawDataHex: tx.raw_data_hex,
    signature: (tx.signature ?? [])[0],
    signer: ownerOf(tx),
  })),
  {
    name: "tronpy shasta",
    txID: tronpy.txID,
    rawDataHex: tronpy.raw_data_hex,
    signature: tronpy.signature,
    signer: tronpy.signer_address,
  },
];

Deno.test("txid = sha256(raw_data) for every transaction fixture", () => {
  const all = [...signed, { txID: gotronUnsigned.txID, rawDataHex: gotronUnsigned.raw_data_hex }];
  assert.equal(all.length, 10);
  for (const tx of all) {
    assert.equal(tronTxId(tx.rawDataHex), tx.txID);
    assert.equal(tronTxId(tx.rawDataHex.toUpperCase()), tx.txID);
  }
  // The verification table covers exactly these ten transactions.
  assert.deepEqual(
    verification.results.map((r) => r.txID).sort(),
    all.map((tx) => tx.txID).sort(),
  );
});

Deno.test("recovered signer equals the owner for every signed fixture", () => {
  const expected = new Map(verification.results.map((r) => [r.txID, r.recovered_signer_base58]));
  assert.equal(signed.length, 9);
  for (const tx of signed) {
    const signer = recoverTronSigner(tx.rawDataHex, tx.signature);
    assert.equal(signer, tx.signer, tx.name);
    assert.equal(signer, expected.get(tx.txID), tx.name);
  }
});

Deno.test("recovery accepts v as 27/28 and rejects other recovery bytes", () => {
  for (const tx of signed) {
    const v = parseInt(tx.signature.slice(128), 16);
    assert.ok(v === 0 || v === 1);
    const shifted = tx.signature.slice(0, 128) + (v + 27).toString(16);
    assert.equal(recoverTronSigner(tx.rawDataHex, shifted), tx.signer);
    const flipped = tx.signature.slice(0, 128) + (1 - v).toString(16).padStart(2, "0");
    assert.notEqual(recoverTronSigner(tx.rawDataHex, flipped), tx.signer);
  }
  const tx = signed[0];
  for (const v of ["02", "1a", "1d", "ff"]) {
    assert.throws(
      () => recoverTronSigner(tx.rawDataHex, tx.signature.slice(0, 128) + v),
      TypeError,
    );
  }
});

Deno.test("a signature over other data does not recover the owner", () => {
  const [a, b] = signed;
  assert.notEqual(recoverTronSigner(b.rawDataHex, a.signature), a.signer);
});

Deno.test("malformed signatures and raw data are rejected", () => {
  const tx = signed[0];
  assert.throws(() => recoverTronSigner(tx.rawDataHex, tx.signature.slice(0, 128)), TypeError);
  assert.throws(() => recoverTronSigner(tx.rawDataHex, "00".repeat(65)), TypeError);
  assert.throws(() => recoverTronSigner(tx.rawDataHex, "ff".repeat(64) + "00"), TypeError);
  assert.throws(() => tronTxId(""), TypeError);
  assert.throws(() => tronTxId("abc"), TypeError);
  assert.throws(() => tronTxId("0xab"), TypeError);
  assert.throws(() => signTronTx(tx.rawDataHex, "00".repeat(32)), TypeError);
  assert.throws(() => signTronTx(tx.rawDataHex, "12"), TypeError);
});

Deno.test("signing is deterministic, low-s, v = 27/28, and recovers to the key's address", () => {
  for (const key of keys) {
    for (const tx of signed) {
      const signature = signTronTx(tx.rawDataHex, key.private_key);
      assert.match(signature, /^[0-9a-f]{128}(1b|1c)$/);
      assert.equal(signTronTx(tx.rawDataHex, key.private_key), signature);
      const s = BigInt("0x" + signature.slice(64, 128));
      assert.ok(s <= secp256k1.Point.CURVE().n / 2n);
      assert.equal(recoverTronSigner(tx.rawDataHex, signature), key.address_base58);
    }
  }
});

Deno.test("property: sign → recover round trip for random keys and data", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 48, maxLength: 48 }),
      fc.uint8Array({ minLength: 1, maxLength: 300 }),
      (seed, data) => {
        const key = secp256k1.utils.randomSecretKey(seed);
        const rawHex = Array.from(data, (b) => b.toString(16).padStart(2, "0")).join("");
        const signature = signTronTx(rawHex, key);
        const expected = tronAddressFromPublicKey(secp256k1.getPublicKey(key, false)).address;
        assert.equal(recoverTronSigner(rawHex, signature), expected);
      },
    ),
    { numRuns: 100 },
  );
});

Deno.test("bandwidth bytes are what mainnet charged: from the allowance, or burnt at 1,000 sun a byte", () => {
  let checked = 0;
  for (const tx of ledger) {
    const bytes = tronBandwidthBytes(tx.raw_data_hex, tx.signature?.length ?? 0);
    if (tx.net_usage) {
      assert.equal(bytes, tx.net_usage, tx.txID);
      checked++;
    } else if (tx.net_fee && tx.net_fee !== 100_000) {
      // 100,000 sun is an activation's fixed bandwidth fee, not a per-byte burn.
      assert.equal(bytes * 1000, tx.net_fee, tx.txID);
      checked++;
    }
  }
  assert.equal(checked, 6, "every mainnet transaction with a per-byte charge");
});
