/**
 * The devnet's smart contracts, run natively rather than in a TVM: its TRC20 tokens
 * (`transfer`, `balanceOf`, `decimals`, `symbol`, `name`, `totalSupply`, and the `Transfer`
 * log a transfer emits) and the forwarder, whose `forward(address)` pays the call's value on
 * as an internal transaction.
 *
 * Energy: a TRC20 `transfer` costs {@link TRC20_TRANSFER_ENERGY}, or
 * {@link TRC20_TRANSFER_NEW_HOLDER_ENERGY} when the recipient's token balance is zero (new
 * storage slot); a revert costs {@link REVERT_ENERGY}. A call that runs out of energy burns
 * its whole allowance and emits no log (see `resources.ts`).
 *
 * @module
 */
import { hex as hexCodec, keccak_256, sha256 } from "../deps.ts";
import { tronAddressFromHex } from "../address.ts";
import { TRANSFER_TOPIC } from "../logs.ts";
import {
  activate,
  type Execution,
  type Ledger,
  type Trc20Token,
  type TxInfo,
  utf8Hex,
} from "./ledger.ts";
import { NodeError, refuse } from "./node_error.ts";
import { type BandwidthCharge, chargeEnergy } from "./resources.ts";

/** Energy of a TRC20 transfer to an address that already holds the token. */
export const TRC20_TRANSFER_ENERGY = 65_000;
/** Energy of a TRC20 transfer to an address whose token balance is zero. */
export const TRC20_TRANSFER_NEW_HOLDER_ENERGY = 130_000;
/** Energy a reverted call consumes. */
export const REVERT_ENERGY = 1_000;
/** Energy of a forward to an existing account (a value `CALL`, java-tron charges about 9k). */
export const FORWARD_ENERGY = 12_000;
/** Energy of a forward that creates its recipient (TVM charges account creation on top). */
export const FORWARD_NEW_ACCOUNT_ENERGY = 37_000;

const SELECTOR_TRANSFER = "a9059cbb";
const SELECTOR_BALANCE_OF = "70a08231";
const SELECTOR_DECIMALS = "313ce567";
const SELECTOR_SYMBOL = "95d89b41";
const SELECTOR_NAME = "06fdde03";
const SELECTOR_TOTAL_SUPPLY = "18160ddd";
/** `forward(address)` of the devnet's forwarder contract: pays the call's value to the address. */
export const SELECTOR_FORWARD: string = hexCodec.encode(
  keccak_256(new TextEncoder().encode("forward(address)")),
).slice(0, 8);
/** `call` as java-tron stores an internal transaction's note: the bytes, printed in hex. */
const NOTE_CALL = "63616c6c";

/** A TRC20 token to create at start. */
export interface Trc20Spec {
  /** Symbol, e.g. `USDT_TRC20`. */
  symbol: string;
  /** Decimals reported by `decimals()`. */
  decimals: number;
}

/** First 4 bytes of keccak256 of a function signature, hex. */
export function functionSelector(signature: string): string {
  return hexCodec.encode(keccak_256(new TextEncoder().encode(signature.replace(/\s/g, "")))).slice(
    0,
    8,
  );
}

/** ABI word of an unsigned integer. */
function word(value: bigint): string {
  return value.toString(16).padStart(64, "0");
}

/** ABI encoding of a single dynamic `string` return value. */
function abiString(text: string): string {
  const bytes = hexCodec.encode(new TextEncoder().encode(text));
  const padded = bytes.padEnd(Math.ceil(bytes.length / 64) * 64 || 64, "0");
  return word(32n) + word(BigInt(bytes.length / 2)) + padded;
}

/** The `41…` hex of a devnet contract, derived from its label so every start agrees. */
function contractHex(label: string): string {
  return "41" +
    hexCodec.encode(sha256(new TextEncoder().encode(`tron-devnet:${label}`))).slice(0, 40);
}

/** A TRC20 token of `spec` whose whole `supply` `holder` (`41…` hex) holds. */
export function createToken(spec: Trc20Spec, supply: bigint, holder: string): Trc20Token {
  const hex = contractHex(`trc20:${spec.symbol}`);
  return {
    symbol: spec.symbol,
    decimals: spec.decimals,
    hex,
    address: tronAddressFromHex(hex),
    totalSupply: supply,
    balances: new Map([[holder, supply]]),
  };
}

/** The forwarder's address, both forms. */
export function forwarderAddress(): { address: string; hex: string } {
  const hex = contractHex("forwarder");
  return { hex, address: tronAddressFromHex(hex) };
}

/**
 * An internal transaction's `hash` as java-tron computes it (`InternalTransaction.getHash`):
 * keccak256(parent hash ‖ receive address ‖ call data ‖ int64 value ‖ int64 nonce), the parent
 * being the transaction for a call the transaction's own contract makes.
 */
function internalTxHash(
  parent: string,
  receiver: string,
  data: string,
  value: bigint,
  nonce: number,
): string {
  const int64 = (n: bigint): string => BigInt.asUintN(64, n).toString(16).padStart(16, "0");
  return hexCodec.encode(
    keccak_256(hexCodec.decode(parent + receiver + data + int64(value) + int64(BigInt(nonce)))),
  );
}

/** Executes a read-only call (`triggerconstantcontract`); returns the result words. */
export function constantCall(ledger: Ledger, contract: string, data: string): string {
  const token = ledger.tokens.get(contract);
  if (!token) return refuse("No contract or not a smart contract");
  const selector = data.slice(0, 8).toLowerCase();
  switch (selector) {
    case SELECTOR_BALANCE_OF: {
      const holder = "41" + data.slice(8 + 24, 8 + 64).toLowerCase();
      return word(token.balances.get(holder) ?? 0n);
    }
    case SELECTOR_DECIMALS:
      return word(BigInt(token.decimals));
    case SELECTOR_TOTAL_SUPPLY:
      return word(token.totalSupply);
    case SELECTOR_SYMBOL:
    case SELECTOR_NAME:
      return abiString(token.symbol);
    default:
      throw new NodeError("CONTRACT_EXE_ERROR", "REVERT opcode executed");
  }
}

/** What a call does, for {@linkcode settleCall}. */
interface CallOutcome {
  /** Energy it needs. */
  needed: number;
  /** Sun of the owner's balance that may buy energy. */
  spendable: bigint;
  /** The contract called, `41…` hex. */
  contract: string;
  /** Whether it succeeds given the energy. */
  succeeds: boolean;
  /** Its return data on success, hex. */
  returned: string;
  /** The opcode that runs out of energy first, as java-tron's message names it. */
  opcode: string;
}

/**
 * Pays a call's energy within `fee_limit` and records its outcome in `info` as java-tron
 * does: the receipt, `contractResult`, and on failure `result: FAILED` with the VM's message.
 * Returns the result (`SUCCESS`, `REVERT` or `OUT_OF_ENERGY`).
 */
function settleCall(run: Execution, bandwidth: BandwidthCharge, call: CallOutcome): string {
  const { ledger, tx, acc, info, at } = run;
  const feeLimit = BigInt(tx.raw_data.fee_limit ?? 0);
  const allowance = feeLimit < call.spendable ? feeLimit : call.spendable;
  const { enough, total, receipt, fee } = chargeEnergy(
    ledger,
    acc,
    call.needed,
    allowance,
    bandwidth,
  );
  const result = !enough ? "OUT_OF_ENERGY" : call.succeeds ? "SUCCESS" : "REVERT";
  receipt.result = result;
  if (fee > 0n) info.fee = Number(fee);
  Object.assign(info, {
    ...at,
    contractResult: [result === "SUCCESS" ? call.returned : ""],
    contract_address: call.contract,
    receipt,
  });
  if (result !== "SUCCESS") {
    info.result = "FAILED";
    info.resMessage = utf8Hex(
      result === "OUT_OF_ENERGY"
        ? `Not enough energy for '${call.opcode}' operation executing: curInvokeEnergyLimit[${total}]`
        : "REVERT opcode executed",
    );
  }
  tx.contractRet = result;
  return result;
}

/**
 * A call of the forwarder's `forward(address)`: the call's value goes to the contract, which
 * sends it on with a value `CALL`. The info reports that `CALL` as java-tron does (its
 * `TransactionUtil.buildInternalTransaction`, fields in `InternalTransaction` proto order,
 * defaults omitted): `hash`, `caller_address` = the forwarder, `transferTo_address`,
 * `callValueInfo: [{callValue}]`, `note` = hex of `call`. Out of energy, nothing moves and the
 * internal transaction stays listed with `rejected: true`, as java-tron's
 * `rejectInternalTransactions` leaves it. Anything but `forward(address)` with a value reverts.
 */
export function executeForward(run: Execution, bandwidth: BandwidthCharge): TxInfo {
  const { ledger, tx, acc, info } = run;
  const v = tx.raw_data.contract[0].parameter.value;
  const data = String(v.data ?? "").toLowerCase();
  const callValue = BigInt(v.call_value ?? 0);
  const to = data.startsWith(SELECTOR_FORWARD) && data.length >= 8 + 64
    ? "41" + data.slice(8 + 24, 8 + 64)
    : null;
  const valid = to !== null && callValue > 0n && to !== ledger.forwarder;
  const result = settleCall(run, bandwidth, {
    needed: !valid
      ? REVERT_ENERGY
      : ledger.accounts.has(to)
      ? FORWARD_ENERGY
      : FORWARD_NEW_ACCOUNT_ENERGY,
    // The call value is paid before the VM runs, so only the rest of the balance buys energy.
    spendable: acc.balance - callValue,
    contract: ledger.forwarder,
    succeeds: valid,
    returned: "",
    opcode: "CALL",
  });
  if (result === "SUCCESS") {
    acc.balance -= callValue;
    activate(ledger, to!, run.at.blockTimeStamp).balance += callValue;
  }
  if (valid) {
    const internal: TxInfo = {
      hash: internalTxHash(tx.txID, to!, "", callValue, 0),
      caller_address: ledger.forwarder,
      transferTo_address: to,
      callValueInfo: [{ callValue: Number(callValue) }],
      note: NOTE_CALL,
    };
    if (result !== "SUCCESS") internal.rejected = true;
    info.internal_transactions = [internal];
  }
  return info;
}

/** A `TriggerSmartContract` on a devnet TRC20: a `transfer` moves tokens and logs it. */
export function executeTrc20Call(run: Execution, bandwidth: BandwidthCharge): TxInfo {
  const { ledger, tx, acc, info } = run;
  const v = tx.raw_data.contract[0].parameter.value;
  const owner = String(v.owner_address);
  const token = ledger.tokens.get(String(v.contract_address))!;
  const data = String(v.data ?? "").toLowerCase();
  let needed = REVERT_ENERGY;
  let transfer: { to: string; amount: bigint } | undefined;
  const callValue = BigInt(v.call_value ?? 0);
  if (data.startsWith(SELECTOR_TRANSFER) && data.length >= 8 + 128 && callValue === 0n) {
    const to = "41" + data.slice(8 + 24, 8 + 64);
    const amount = BigInt("0x" + data.slice(8 + 64, 8 + 128));
    const fromBalance = token.balances.get(owner) ?? 0n;
    if (amount <= fromBalance) {
      transfer = { to, amount };
      needed = (token.balances.get(to) ?? 0n) === 0n && to !== owner
        ? TRC20_TRANSFER_NEW_HOLDER_ENERGY
        : TRC20_TRANSFER_ENERGY;
    }
  }
  const result = settleCall(run, bandwidth, {
    needed,
    spendable: acc.balance,
    contract: token.hex,
    succeeds: transfer !== undefined,
    returned: word(1n),
    opcode: "SSTORE",
  });
  if (transfer && result === "SUCCESS") {
    token.balances.set(owner, (token.balances.get(owner) ?? 0n) - transfer.amount);
    token.balances.set(transfer.to, (token.balances.get(transfer.to) ?? 0n) + transfer.amount);
    info.log = [{
      address: token.hex.slice(2),
      topics: [
        TRANSFER_TOPIC,
        "0".repeat(24) + owner.slice(2),
        "0".repeat(24) + transfer.to.slice(2),
      ],
      data: word(transfer.amount),
    }];
  }
  return info;
}
