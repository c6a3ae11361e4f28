/**
 * TRON transaction id, signing and signer recovery.
 *
 * The txid is sha256 of the protobuf `raw_data` bytes (`raw_data_hex` in node
 * JSON). It does not cover the signature, so it is known before signing and
 * broadcast, and the sender can store it first.
 *
 * A signature is 65 bytes `r‖s‖v` over the txid itself (no further hashing),
 * with `v` the recovery id. Nodes accept `v` as 0/1 or 27/28: java-tron and
 * tronpy emit 0/1, tronweb emits 27/28. Recovery accepts both; signing emits
 * 27/28 like tronweb, the client the sender builds on.
 *
 * Bandwidth is counted as java-tron's `BandwidthProcessor.consume` counts it (see
 * {@linkcode tronBandwidthBytes}), so the sender can size a transfer to what its account can
 * pay and the devnet charges what the chain would.
 *
 * @module
 */
import { hex as hexCodec, secp256k1, sha256 } from "./deps.ts";
import { tronAddressFromPublicKey } from "./address.ts";

const HEX_BYTES = /^(?:[0-9a-fA-F]{2})*$/;
const SIGNATURE_HEX = /^[0-9a-fA-F]{130}$/;
const PRIVATE_KEY_HEX = /^[0-9a-fA-F]{64}$/;
/** Offset tronweb and Ethereum-style signers add to the recovery id. */
const V_OFFSET = 27;
/** Bytes java-tron adds per contract for its result (`Constant.MAX_RESULT_SIZE_IN_TX`). */
const MAX_RESULT_SIZE_IN_TX = 64;
/** A signature as the `Transaction` message holds it: tag, length 65, the 65 bytes. */
const SIGNATURE_FIELD_BYTES = 67;

function decodeHex(input: string, what: string): Uint8Array {
  if (typeof input !== "string" || !HEX_BYTES.test(input)) {
    throw new TypeError(`${what} must be an even number of hex digits`);
  }
  return hexCodec.decode(input.toLowerCase());
}

function txIdBytes(rawDataHex: string): Uint8Array {
  const raw = decodeHex(rawDataHex, "raw_data_hex");
  if (raw.length === 0) throw new TypeError("raw_data_hex is empty");
  return sha256(raw);
}

/**
 * Transaction id: lowercase hex of sha256(raw_data).
 *
 * @param rawDataHex `raw_data_hex` of the transaction
 * @throws TypeError when `rawDataHex` is empty or not hex
 */
export function tronTxId(rawDataHex: string): string {
  return hexCodec.encode(txIdBytes(rawDataHex));
}

/**
 * Base58 address of the key that produced `signatureHex` over the transaction.
 * Verification is "recovered signer equals the expected owner"; a signature
 * over other data recovers some unrelated address rather than failing.
 *
 * High-s signatures are recovered too: java-tron does not reject them, and the
 * txid does not cover the signature, so malleability cannot change a txid.
 *
 * @param rawDataHex `raw_data_hex` of the transaction
 * @param signatureHex 65 bytes `r‖s‖v`, `v` ∈ {0, 1, 27, 28}
 * @throws TypeError when the signature is malformed or no key can be recovered
 */
export function recoverTronSigner(rawDataHex: string, signatureHex: string): string {
  const digest = txIdBytes(rawDataHex);
  if (typeof signatureHex !== "string" || !SIGNATURE_HEX.test(signatureHex)) {
    throw new TypeError("signature must be 65 bytes (130 hex digits) r‖s‖v");
  }
  const bytes = hexCodec.decode(signatureHex.toLowerCase());
  const v = bytes[64];
  const recovery = v >= V_OFFSET ? v - V_OFFSET : v;
  if (recovery !== 0 && recovery !== 1) {
    throw new TypeError(`signature recovery byte must be 0, 1, 27 or 28, got ${v}`);
  }
  let publicKey: Uint8Array;
  try {
    // The constructor rejects r or s outside [1, n); recovery fails when r is
    // not the x of a curve point.
    const r = BigInt("0x" + hexCodec.encode(bytes.subarray(0, 32)));
    const s = BigInt("0x" + hexCodec.encode(bytes.subarray(32, 64)));
    const signature = new secp256k1.Signature(r, s, recovery);
    publicKey = signature.recoverPublicKey(digest).toBytes(false);
  } catch {
    throw new TypeError("signature does not recover to a public key");
  }
  return tronAddressFromPublicKey(publicKey).address;
}

/**
 * Signs a transaction: deterministic (RFC 6979), low-s ECDSA over the txid.
 *
 * @param rawDataHex `raw_data_hex` of the transaction to sign
 * @param privateKey 32 bytes, raw or hex
 * @returns 65-byte signature hex `r‖s‖v`, `v` = 27 or 28, for the `signature` array
 * @throws TypeError when the key or the raw data is malformed
 */
export function signTronTx(rawDataHex: string, privateKey: Uint8Array | string): string {
  const digest = txIdBytes(rawDataHex);
  let key: Uint8Array;
  if (typeof privateKey === "string") {
    if (!PRIVATE_KEY_HEX.test(privateKey)) throw new TypeError("private key must be 64 hex digits");
    key = hexCodec.decode(privateKey.toLowerCase());
  } else {
    key = privateKey;
  }
  if (key.length !== 32 || !secp256k1.utils.isValidSecretKey(key)) {
    throw new TypeError("private key must be a valid 32-byte secp256k1 scalar");
  }
  // `prehash: false`: the txid is already the digest to sign. noble's
  // "recovered" format is v‖r‖s; TRON wants r‖s‖v.
  const recovered = secp256k1.sign(digest, key, { prehash: false, format: "recovered" });
  const out = new Uint8Array(65);
  out.set(recovered.subarray(1), 0);
  out[64] = recovered[0] + V_OFFSET;
  return hexCodec.encode(out);
}

/** Bytes of `n` as a protobuf varint. */
function varintLength(n: number): number {
  let bytes = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    bytes++;
  }
  return bytes;
}

/**
 * Bandwidth bytes a one-contract transaction uses, as java-tron's `BandwidthProcessor.consume`
 * counts them: the serialized `Transaction` without its `ret` (field 1 the raw data, field 2
 * each signature) plus {@link MAX_RESULT_SIZE_IN_TX} for the contract's result.
 *
 * @param rawDataHex `raw_data_hex` of the transaction
 * @param signatures how many signatures it carries
 */
export function tronBandwidthBytes(rawDataHex: string, signatures: number): number {
  const rawLen = rawDataHex.length / 2;
  return 1 + varintLength(rawLen) + rawLen + signatures * SIGNATURE_FIELD_BYTES +
    MAX_RESULT_SIZE_IN_TX;
}
