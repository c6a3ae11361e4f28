/**
 * TRC20 `Transfer` events from transaction infos
 * (`/wallet/gettransactioninfobyid`, items of `/wallet/gettransactioninfobyblocknum`).
 *
 * Incomes are detected from logs, not from call data: a transfer made by a
 * contract (exchange batch payouts, multisig wallets) never shows as a
 * `transfer(…)` call in the transaction, but always emits the log.
 *
 * @module
 */
import { hex as hexCodec, keccak_256 } from "./deps.ts";
import {
  evmWordToTronAddress,
  parseTronAddress,
  type TronAddress,
  tronAddressFromHex,
} from "./address.ts";

/** keccak256("Transfer(address,address,uint256)"), hex without 0x, as nodes print topics. */
export const TRANSFER_TOPIC: string = hexCodec.encode(
  keccak_256(new TextEncoder().encode("Transfer(address,address,uint256)")),
);

/** One event log of a transaction info, as the node's JSON prints it. */
export interface TronLog {
  /** Emitting contract: 40 hex digits without the 0x41 prefix (node JSON), or `41…`. */
  address?: string;
  /** Topic words, 64 hex digits each. */
  topics?: readonly string[];
  /** Non-indexed data, hex. */
  data?: string;
}

/** The parts of a transaction info this module reads. */
export interface TronTransactionInfo {
  /** Txid. */
  id?: string;
  /** Absent on success (protobuf default); `FAILED` when the transaction failed. */
  result?: string;
  /** Execution receipt of a contract call. */
  receipt?: {
    /** `SUCCESS`, `REVERT`, `OUT_OF_ENERGY`, …; absent for non-contract transactions. */
    result?: string;
  };
  /** Event logs in emission order; absent when there are none. */
  log?: readonly TronLog[];
}

/** A decoded TRC20 transfer. Addresses are base58. */
export interface Trc20Transfer {
  /** Token contract that emitted the log. */
  contract: string;
  /** Sender (topic 1). */
  from: string;
  /** Recipient (topic 2). */
  to: string;
  /** Base units (uint256). */
  amount: bigint;
  /** Position of the log in the info's `log` array; with the txid the income's identity. */
  logIndex: number;
}

const LOG_ADDRESS_BARE = /^[0-9a-fA-F]{40}$/;
const LOG_ADDRESS_41 = /^41[0-9a-fA-F]{40}$/;
const WORD = /^[0-9a-fA-F]{64}$/;

/** Hex41 of a log's emitting contract, or null when it is not an address. */
function logContractHex(address: unknown): string | null {
  if (typeof address !== "string") return null;
  if (LOG_ADDRESS_BARE.test(address)) return "41" + address.toLowerCase();
  if (LOG_ADDRESS_41.test(address)) return address.toLowerCase();
  return null;
}

/** Parsed configured contracts by their configured text; the scanner asks once per transaction. */
const configuredContracts = new Map<string, TronAddress>();
/** Enough for any configuration; a caller passing ever new strings only empties it. */
const CONFIGURED_CONTRACTS_MAX = 1024;

/** Hex41 → base58 of the configured contracts. */
function wantedContracts(contracts: ReadonlySet<string>): Map<string, string> {
  const wanted = new Map<string, string>();
  for (const contract of contracts) {
    let parsed = configuredContracts.get(contract);
    if (parsed === undefined) {
      const result = parseTronAddress(contract);
      if ("error" in result) throw new TypeError(`configured TRC20 contract: ${result.error}`);
      if (configuredContracts.size >= CONFIGURED_CONTRACTS_MAX) configuredContracts.clear();
      configuredContracts.set(contract, result);
      parsed = result;
    }
    wanted.set(parsed.hex, parsed.address);
  }
  return wanted;
}

/**
 * Whether the transaction and its contract execution both succeeded. java-tron
 * spells the success code `SUCESS` in `result`, and usually omits it.
 */
function succeeded(info: TronTransactionInfo): boolean {
  const result = info.result;
  if (result !== undefined && result !== "SUCESS" && result !== "SUCCESS") return false;
  return info.receipt?.result === "SUCCESS";
}

/**
 * TRC20 transfers emitted by the configured token contracts in one transaction.
 *
 * Returns nothing unless the receipt result is `SUCCESS` (a reverted or
 * out-of-energy call moved no tokens, whatever its logs or call data say) and
 * the transaction result is not `FAILED`. Logs from other contracts are
 * ignored: anyone can deploy a contract emitting a look-alike `Transfer`.
 * Logs of a configured contract that are not a standard Transfer (other
 * topics, 4 topics as in ERC-721, data not one word, dirty address words) are
 * skipped: a token contract the operator configured does not emit those as
 * fungible transfers.
 *
 * With `"any"`, transfers of every contract are returned, for the caller to tell tokens it
 * knows from the ones it must only record.
 *
 * @param txInfo one transaction info from the node
 * @param contracts configured token contracts, hex `41…` or base58 `T…`, or `"any"`
 * @throws TypeError when an entry of `contracts` is not a TRON address
 */
export function decodeTrc20Transfers(
  txInfo: TronTransactionInfo,
  contracts: ReadonlySet<string> | "any",
): Trc20Transfer[] {
  const wanted = contracts === "any" ? null : wantedContracts(contracts);
  if (!succeeded(txInfo) || !Array.isArray(txInfo.log)) return [];

  const transfers: Trc20Transfer[] = [];
  txInfo.log.forEach((log: TronLog, logIndex: number) => {
    const contractHex = logContractHex(log?.address);
    if (contractHex === null) return;
    const contract = wanted ? wanted.get(contractHex) : tronAddressFromHex(contractHex);
    if (contract === undefined) return;
    const topics = log.topics;
    if (!Array.isArray(topics) || topics.length !== 3) return;
    if (typeof topics[0] !== "string" || topics[0].toLowerCase() !== TRANSFER_TOPIC) return;
    const data = typeof log.data === "string" ? log.data.replace(/^0x/i, "") : "";
    if (!WORD.test(data)) return;
    let from: string;
    let to: string;
    try {
      from = evmWordToTronAddress(topics[1]).address;
      to = evmWordToTronAddress(topics[2]).address;
    } catch {
      return;
    }
    transfers.push({
      contract,
      from,
      to,
      amount: BigInt("0x" + data),
      logIndex,
    });
  });
  return transfers;
}
