/**
 * Shared helpers for the TRON devnet tests.
 *
 * @module
 */
import { hex, secp256k1, sha256 } from "../../../../plugins/tron/deps.ts";
import assert from "node:assert/strict";
import { tronAddressFromPublicKey, tronHexFromAddress } from "../../../../plugins/tron/address.ts";
import type { RawDataJson } from "../../../../plugins/tron/devnet/protobuf.ts";
import { startTronDevnet, type TronDevnet } from "../../../../plugins/tron/devnet/server.ts";
import { signTronTx } from "../../../../plugins/tron/transaction.ts";

/** A test key pair. */
export interface TestKey {
  /** Private key, hex. */
  privateKey: string;
  /** Base58 address. */
  address: string;
  /** `41…` hex address. */
  hex: string;
}

/** Deterministic key for a label. */
export function testKey(label: string): TestKey {
  const privateKey = hex.encode(sha256(new TextEncoder().encode(`test:${label}`)));
  const a = tronAddressFromPublicKey(secp256k1.getPublicKey(hex.decode(privateKey)));
  return { privateKey, address: a.address, hex: a.hex };
}

/** POSTs JSON to a node path and returns the parsed body. */
export async function post(
  endpoint: string,
  path: string,
  body: unknown = {},
): Promise<Record<string, unknown> & { [k: string]: unknown }> {
  const res = await fetch(`${endpoint}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${text}`);
  return JSON.parse(text);
}

/** TRX balance (sun) of a base58 address as `getaccount` reports it; 0 when not activated. */
export async function balance(d: TronDevnet, address: string): Promise<number> {
  const acc = await post(d.endpoint, "/wallet/getaccount", { address, visible: true });
  return Number(acc.balance ?? 0);
}

/** USDT_TRC20 balance of a base58 address, read with `balanceOf` through `triggerconstantcontract`. */
export async function tokenBalance(d: TronDevnet, holder: string): Promise<bigint> {
  const word = "0".repeat(24) + tronHexFromAddress(holder).slice(2);
  const res = await post(d.endpoint, "/wallet/triggerconstantcontract", {
    owner_address: holder,
    contract_address: d.tokens.USDT_TRC20,
    function_selector: "balanceOf(address)",
    parameter: word,
    visible: true,
  });
  assert.deepEqual(res.result, { result: true });
  return BigInt("0x" + (res.constant_result as string[])[0]);
}

/** Hex-decodes a node `message` field. */
export function message(hexText: unknown): string {
  return new TextDecoder().decode(hex.decode(String(hexText)));
}

/** A transaction as the node returns it. */
export type Tx = {
  txID: string;
  raw_data: RawDataJson;
  raw_data_hex: string;
  signature?: string[];
};

/** `tx` signed with `key` (hex private key). */
export function sign(tx: Tx, key: string): Tx {
  return { ...tx, signature: [signTronTx(tx.raw_data_hex, key)] };
}

/** An unsigned TRX transfer built by the node. */
export async function unsignedTrx(
  d: TronDevnet,
  from: string,
  to: string,
  amount: number,
): Promise<Tx> {
  const tx = await post(d.endpoint, "/wallet/createtransaction", {
    owner_address: from,
    to_address: to,
    amount,
    visible: true,
  }) as unknown as Tx;
  if (typeof tx.txID !== "string") throw new Error(`no transaction: ${JSON.stringify(tx)}`);
  return tx;
}

/** An unsigned USDT_TRC20 `transfer(to, amount)` built by the node. */
export async function unsignedTrc20Transfer(
  d: TronDevnet,
  from: string,
  to: string,
  amount: bigint,
  feeLimit: number,
): Promise<Tx> {
  const parameter = "0".repeat(24) + tronHexFromAddress(to).slice(2) +
    amount.toString(16).padStart(64, "0");
  const res = await post(d.endpoint, "/wallet/triggersmartcontract", {
    owner_address: from,
    contract_address: d.tokens.USDT_TRC20,
    function_selector: "transfer(address,uint256)",
    parameter,
    fee_limit: feeLimit,
    call_value: 0,
    visible: true,
  });
  const result = res.result as { result?: boolean } | undefined;
  if (result?.result !== true) throw new Error(`not built: ${JSON.stringify(res)}`);
  return res.transaction as Tx;
}

/**
 * Builds a transaction with a node endpoint (`/wallet/freezebalancev2`, …; `body`
 * with base58 addresses), signs it with `key` and broadcasts it; returns the txid.
 *
 * @throws Error when the node refuses to build or to accept it
 */
export async function nodeTx(
  d: TronDevnet,
  path: string,
  body: Record<string, unknown>,
  key: string,
): Promise<string> {
  const tx = await post(d.endpoint, path, { ...body, visible: true }) as unknown as Tx;
  if (typeof tx.txID !== "string") throw new Error(`not built: ${JSON.stringify(tx)}`);
  const res = await post(d.endpoint, "/wallet/broadcasttransaction", sign(tx, key));
  if (res.result !== true) {
    throw new Error(`refused: ${res.code} ${res.message ? message(res.message) : ""}`);
  }
  return tx.txID;
}

/** Runs `fn` on a fresh devnet that seals blocks only when asked, closing it afterwards. */
export async function withDevnet(fn: (d: TronDevnet) => Promise<void>): Promise<void> {
  const devnet = await startTronDevnet({ blockIntervalMs: 0 });
  try {
    await fn(devnet);
  } finally {
    await devnet.close();
  }
}
