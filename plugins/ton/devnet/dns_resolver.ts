/**
 * TEP-81 root DNS resolver for the TON devnet: FunC compilation, storage layout
 * and name encoding helpers.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { Address, beginCell, Cell, contractAddress, Dictionary } from "@ton/core";
import { compileFunc } from "@ton-community/func-js";

/** TEP-81 category for wallet records: sha256("wallet"). */
export const DNS_CATEGORY_WALLET: bigint = BigInt(
  "0x" + createHash("sha256").update("wallet").digest("hex"),
);

/** Tag of `dns_smc_address#9fd3 smc_addr:MsgAddressInt flags:(## 8)`. */
const DNS_SMC_ADDRESS_TAG = 0x9fd3;

let compiled: Promise<Cell> | undefined;

/**
 * Compiles `dns_resolver.fc` once per process (the FunC wasm compiler costs a
 * few hundred ms, and tests start many devnets).
 */
export function compileDnsResolver(): Promise<Cell> {
  compiled ??= (async () => {
    const source = await Deno.readTextFile(new URL("./dns_resolver.fc", import.meta.url));
    const result = await compileFunc({
      targets: ["dns_resolver.fc"],
      sources: { "dns_resolver.fc": source },
    });
    if (result.status !== "ok") {
      throw new Error(`dns_resolver.fc: ${result.message}`);
    }
    return Cell.fromBase64(result.codeBoc);
  })();
  // A failed compile must not poison every later devnet start.
  compiled.catch(() => {
    compiled = undefined;
  });
  return compiled;
}

/** Lower-cases and strips a trailing dot, so "Faucet.TON." and "faucet.ton" are one name. */
function normalizeName(name: string): string {
  const trimmed = name.trim().toLowerCase().replace(/\.$/, "");
  if (trimmed === "" || trimmed.split(".").some((label) => label === "")) {
    throw new Error(`invalid DNS name: ${JSON.stringify(name)}`);
  }
  return trimmed;
}

/**
 * TEP-81 internal representation of a domain: labels reversed, each followed
 * by a zero byte ("faucet.ton" becomes "ton\0faucet\0").
 */
export function dnsInternalName(name: string): Buffer {
  const labels = normalizeName(name).split(".").reverse();
  return Buffer.from(labels.map((label) => label + "\0").join(""), "utf8");
}

/** The record cell `dns_smc_address#9fd3 smc_addr flags:0` pointing at `address`. */
export function dnsWalletRecord(address: Address): Cell {
  return beginCell().storeUint(DNS_SMC_ADDRESS_TAG, 16).storeAddress(address).storeUint(0, 8)
    .endCell();
}

/** Builds the resolver's persistent data from a name → wallet address map. */
export function buildDnsData(names: Record<string, Address>): Cell {
  const root = Dictionary.empty(Dictionary.Keys.BigUint(256), Dictionary.Values.Cell());
  for (const [name, address] of Object.entries(names)) {
    const records = Dictionary.empty(Dictionary.Keys.BigUint(256), Dictionary.Values.Cell());
    records.set(DNS_CATEGORY_WALLET, dnsWalletRecord(address));
    // Same hash the contract computes with HASHSU over the subdomain slice.
    const key = beginCell().storeBuffer(dnsInternalName(name)).endCell().hash();
    root.set(BigInt("0x" + key.toString("hex")), beginCell().storeDictDirect(records).endCell());
  }
  return beginCell().storeDict(root).endCell();
}

/** Code, data and address of a resolver holding `names`, ready to deploy on workchain 0. */
export async function dnsResolverInit(
  names: Record<string, Address>,
): Promise<{ code: Cell; data: Cell; address: Address }> {
  const code = await compileDnsResolver();
  const data = buildDnsData(names);
  return { code, data, address: contractAddress(0, { code, data }) };
}
