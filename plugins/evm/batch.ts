/**
 * Several withdrawals in one transaction through a Disperse-style batch contract (the devnet
 * deploys one, `devnet/contracts/BatchTransfer.sol`): `sendNative(recipients, amounts)` with the
 * sum as value, and `sendToken(token, recipients, amounts)`, which pulls each amount from the
 * caller with `transferFrom` (the hot wallet approves the contract once per token). Either pays
 * all or reverts, so a batch lands or fails whole.
 *
 * @module
 */

import { decodeFunctionData, encodeFunctionData, type Hex } from "viem";

const BATCH_ABI = [
  {
    type: "function",
    name: "sendNative",
    stateMutability: "payable",
    inputs: [{ name: "recipients", type: "address[]" }, { name: "amounts", type: "uint256[]" }],
    outputs: [],
  },
  {
    type: "function",
    name: "sendToken",
    stateMutability: "nonpayable",
    inputs: [
      { name: "token", type: "address" },
      { name: "recipients", type: "address[]" },
      { name: "amounts", type: "uint256[]" },
    ],
    outputs: [],
  },
] as const;

/** One batch: the token it pays (null: native coin), its recipients (lowercase) and amounts. */
export interface BatchCall {
  token: string | null;
  recipients: string[];
  amounts: bigint[];
}

/** Call data of a batch. */
export function encodeBatchCall(batch: BatchCall): Hex {
  const recipients = batch.recipients as Hex[];
  return batch.token === null
    ? encodeFunctionData({
      abi: BATCH_ABI,
      functionName: "sendNative",
      args: [recipients, batch.amounts],
    })
    : encodeFunctionData({
      abi: BATCH_ABI,
      functionName: "sendToken",
      args: [batch.token as Hex, recipients, batch.amounts],
    });
}

/** The batch a call holds, or null for any other input. */
export function decodeBatchCall(input: Hex): BatchCall | null {
  try {
    const call = decodeFunctionData({ abi: BATCH_ABI, data: input });
    if (call.functionName === "sendNative") {
      const [recipients, amounts] = call.args;
      return {
        token: null,
        recipients: recipients.map((r) => r.toLowerCase()),
        amounts: [...amounts],
      };
    }
    const [token, recipients, amounts] = call.args;
    return {
      token: token.toLowerCase(),
      recipients: recipients.map((r) => r.toLowerCase()),
      amounts: [...amounts],
    };
  } catch {
    return null;
  }
}

/** Out keys of a payload: its hash for one transfer, `<hash>:<i>` for each of a batch. */
export function outKeysOf(hash: string, count: number): string[] {
  return count === 1 ? [hash] : Array.from({ length: count }, (_, i) => `${hash}:${i}`);
}
