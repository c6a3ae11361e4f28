/**
 * `.ton` name resolution through the DNS contracts' `dnsresolve` get-method (TEP-81): from
 * the root resolver, following `dns_next_resolver` records, to the `wallet` record.
 */

import { Address, beginCell, type Cell } from "@ton/core";
import { sha256_sync } from "@ton/crypto";
import type { TonClient } from "@ton/ton";
import { Buffer } from "node:buffer";

/** Category of the wallet record: sha256("wallet"). */
export const WALLET_CATEGORY: bigint = BigInt(
  "0x" + sha256_sync("wallet").toString("hex"),
);

const TAG_SMC_ADDRESS = 0x9fd3;
const TAG_NEXT_RESOLVER = 0xba93;
const LABEL = /^[a-z0-9-]{1,63}$/;

/** Internal form of a name: labels reversed, each ended by a zero byte. */
export function dnsInternalForm(domain: string): Buffer | null {
  const labels = domain.toLowerCase().replace(/\.$/, "").split(".");
  if (labels.length < 1 || labels.length > 10 || !labels.every((l) => LABEL.test(l))) return null;
  return Buffer.from(labels.reverse().map((l) => `${l}\0`).join(""), "utf8");
}

function readRecord(cell: Cell, tag: number): Address | null {
  const slice = cell.beginParse();
  if (slice.remainingBits < 16 || slice.loadUint(16) !== tag) return null;
  return slice.loadAddress();
}

/**
 * Resolves `domain` to the address of its wallet record, or null when the name or the record
 * does not exist. Throws on node errors.
 */
export async function resolveWallet(
  client: TonClient,
  root: Address,
  domain: string,
): Promise<Address | null> {
  let name = dnsInternalForm(domain);
  if (!name) return null;
  let resolver = root;
  // Each hop resolves a prefix of the name; a chain deeper than the labels is malformed.
  for (let hop = 0; hop < 12; hop++) {
    const result = await client.runMethod(resolver, "dnsresolve", [
      { type: "slice", cell: beginCell().storeBuffer(name).endCell() },
      { type: "int", value: WALLET_CATEGORY },
    ]);
    const bits = result.stack.readNumber();
    const cell = result.stack.readCellOpt();
    if (bits === 0 || !cell || bits % 8 !== 0) return null;
    const bytes = bits / 8;
    if (bytes >= name.length) return readRecord(cell, TAG_SMC_ADDRESS);
    const next = readRecord(cell, TAG_NEXT_RESOLVER);
    if (!next) return null;
    resolver = next;
    name = name.subarray(bytes);
  }
  return null;
}

/** The root resolver's address from config parameter 4 (a masterchain account id). */
export function dnsRootFromConfig(param4: Cell): Address {
  return new Address(-1, param4.beginParse().loadBuffer(32));
}
