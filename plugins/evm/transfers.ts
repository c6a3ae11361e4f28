/**
 * ERC-20 transfer encoding shared by the scanner and the sender: the `Transfer` event and the
 * `transfer(address,uint256)` call, decoded by hand so that tokens off the standard (no `bool`
 * returned, like USDT on Ethereum) and look-alike events (ERC-721's `Transfer` has the same
 * topic with a third indexed field) are told apart exactly.
 *
 * @module
 */

import { encodeFunctionData, type Hex } from "viem";

/** keccak256("Transfer(address,address,uint256)"). */
export const TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";
/** Selector of `transfer(address,uint256)`. */
export const TRANSFER_SELECTOR = "0xa9059cbb";

/** A log as JSON-RPC returns it (hex strings). */
export interface RpcLog {
  address: string;
  topics: string[];
  data: string;
  transactionHash: string;
  logIndex: string | number;
  removed?: boolean;
}

/** A decoded ERC-20 `Transfer`. */
export interface Erc20Transfer {
  /** Token contract, lowercase. */
  contract: string;
  /** Sender and recipient, lowercase. */
  from: string;
  to: string;
  amount: bigint;
  txHash: string;
  logIndex: number;
}

function topicAddress(topic: string): string | null {
  if (!/^0x0{24}[0-9a-fA-F]{40}$/.test(topic)) return null;
  return "0x" + topic.slice(26).toLowerCase();
}

/** The ERC-20 `Transfer` a log holds, or null (another event, an ERC-721 transfer, removed). */
export function decodeTransferLog(log: RpcLog): Erc20Transfer | null {
  if (log.removed === true || log.topics.length !== 3) return null;
  if (log.topics[0].toLowerCase() !== TRANSFER_TOPIC) return null;
  const from = topicAddress(log.topics[1]);
  const to = topicAddress(log.topics[2]);
  if (from === null || to === null || !/^0x[0-9a-fA-F]{64}$/.test(log.data)) return null;
  return {
    contract: log.address.toLowerCase(),
    from,
    to,
    amount: BigInt(log.data),
    txHash: log.transactionHash.toLowerCase(),
    logIndex: Number(log.logIndex),
  };
}

/** Recipient and amount of a `transfer(address,uint256)` call, or null for any other input. */
export function decodeTransferCall(input: string): { to: string; amount: bigint } | null {
  if (!input.toLowerCase().startsWith(TRANSFER_SELECTOR) || input.length < 10 + 128) return null;
  const to = topicAddress("0x" + input.slice(10, 74));
  if (to === null) return null;
  return { to, amount: BigInt("0x" + input.slice(74, 138)) };
}

const TRANSFER_ABI = [{
  type: "function",
  name: "transfer",
  stateMutability: "nonpayable",
  inputs: [{ name: "to", type: "address" }, { name: "amount", type: "uint256" }],
  outputs: [],
}] as const;

/** Call data of `transfer(to, amount)`; no return value is expected (see the module notes). */
export function encodeTransferCall(to: string, amount: bigint): Hex {
  return encodeFunctionData({
    abi: TRANSFER_ABI,
    functionName: "transfer",
    args: [to as Hex, amount],
  });
}
