/**
 * The L1 data fee of OP-stack rollups (Optimism, Base, …): beside `gasUsed × price`, every
 * transaction pays for the bytes the sequencer posts to L1, charged from the sender's balance
 * at inclusion and reported in the receipt's `l1Fee`. The chain's `GasPriceOracle` predeploy
 * quotes it for a transaction's unsigned serialization (it adds a signature's worth of bytes
 * itself), from the L1 base and blob fees the `L1Block` predeploy holds for the current L1
 * origin block.
 *
 * Decisions:
 * - What a transaction sets aside is the oracle's quote plus a quarter ({@linkcode l1Reserve}):
 *   the L1 fees move with each new L1 origin block (at most 12.5% per L1 block, as the L2 base
 *   fee the sweeps' 25% covers) between signing and inclusion, and a sender short of the L1 fee
 *   is refused by the sequencer's pool. What the fee does not take stays on the account.
 * - `auto` asks the node once for code at the predeploy's address: only OP-stack chains have
 *   it (0x4200…000F is no precompile or well-known contract elsewhere).
 *
 * @module
 */

import {
  encodeFunctionData,
  type Hex,
  type PublicClient,
  serializeTransaction,
  type TransactionSerializable,
} from "viem";

/** The OP-stack `GasPriceOracle` predeploy. */
export const GAS_PRICE_ORACLE = "0x420000000000000000000000000000000000000f";

const GET_L1_FEE_ABI = [{
  type: "function",
  name: "getL1Fee",
  stateMutability: "view",
  inputs: [{ name: "_data", type: "bytes" }],
  outputs: [{ name: "", type: "uint256" }],
}] as const;

/** What a transaction sets aside for an L1 fee the oracle quotes as `quote`. */
export function l1Reserve(quote: bigint): bigint {
  return quote === 0n ? 0n : quote + quote / 4n;
}

/** The L1 data fee of transactions on one chain. */
export interface L1DataFee {
  /** The fee the chain quotes now for `tx` (0 on a chain without one). */
  quote(tx: TransactionSerializable): Promise<bigint>;
}

/** The L1 data fee per `mode`: `auto` asks the node whether the oracle is there, once. */
export function createL1DataFee(
  node: PublicClient,
  mode: "auto" | "op-stack" | "none",
): L1DataFee {
  let opStack: Promise<boolean> | null = mode === "auto"
    ? null
    : Promise.resolve(mode === "op-stack");

  function detect(): Promise<boolean> {
    opStack ??= node.getCode({ address: GAS_PRICE_ORACLE }).then(
      (code) => code !== undefined && code !== "0x",
      (error) => {
        // Asked again next time: one failed request decides nothing.
        opStack = null;
        throw error;
      },
    );
    return opStack;
  }

  return {
    async quote(tx: TransactionSerializable): Promise<bigint> {
      if (!await detect()) return 0n;
      const data = encodeFunctionData({
        abi: GET_L1_FEE_ABI,
        functionName: "getL1Fee",
        args: [serializeTransaction(tx)],
      });
      const result = await node.call({ to: GAS_PRICE_ORACLE as Hex, data });
      if (!result.data || result.data === "0x") {
        throw new Error("the GasPriceOracle predeploy answered nothing: not an OP-stack chain?");
      }
      return BigInt(result.data);
    },
  };
}
