/**
 * TRX and TRC10 transfers, as java-tron's `TransferActuator` and `TransferAssetActuator`
 * validate and execute them.
 *
 * Account activation: TRX (or a TRC10 token) sent to an account that does not exist creates
 * it; the sender burns 1 TRX (`CreateNewAccountFeeInSystemContract`) plus 0.1 TRX for the
 * creation bandwidth (free bandwidth cannot pay it), so the info shows `fee: 1100000`,
 * `receipt.net_fee: 100000`. A TRX transfer whose sender has staked bandwidth enough pays
 * the creation bandwidth from it and burns only the activation fee. TRC20 tokens never
 * activate.
 *
 * @module
 */
import { hex as hexCodec } from "../deps.ts";
import {
  accountOf,
  activate,
  CREATE_ACCOUNT_NET_FEE_SUN,
  CREATE_NEW_ACCOUNT_FEE_SUN,
  DEVNET_TRC10_ID,
  type Execution,
  type Ledger,
  type TxInfo,
} from "./ledger.ts";
import { refuse } from "./node_error.ts";
import { type BandwidthCharge, chargeBandwidth, netLimit, txSize } from "./resources.ts";

/** java-tron's `TransferActuator` checks (messages as it words them). */
export function validateTransfer(ledger: Ledger, owner: string, to: string, amount: bigint): void {
  if (amount <= 0n) refuse("Amount must be greater than 0.");
  if (owner === to) refuse("Cannot transfer TRX to yourself.");
  const acc = accountOf(ledger, owner);
  if (!acc) return refuse("Validate TransferContract error, no OwnerAccount.");
  const fee = ledger.accounts.has(to) ? 0n : CREATE_NEW_ACCOUNT_FEE_SUN;
  if (acc.balance < amount + fee) {
    refuse("Validate TransferContract error, balance is not sufficient.");
  }
}

/** java-tron's `TransferAssetActuator` checks (messages as it words them); `assetHex` is hex. */
export function validateTransferAsset(
  ledger: Ledger,
  owner: string,
  to: string,
  assetHex: string,
  amount: bigint,
): void {
  if (amount <= 0n) refuse("Amount must be greater than 0.");
  if (owner === to) refuse("Cannot transfer asset to yourself.");
  const acc = accountOf(ledger, owner);
  if (!acc) return refuse("No owner account!");
  const id = new TextDecoder().decode(hexCodec.decode(assetHex));
  if (id !== DEVNET_TRC10_ID) refuse("No asset!");
  if ((acc.assets[id] ?? 0n) < amount) refuse("assetBalance is not sufficient.");
  if (!ledger.accounts.has(to) && acc.balance < CREATE_NEW_ACCOUNT_FEE_SUN) {
    refuse("Validate TransferAssetActuator error, insufficient fee.");
  }
}

/**
 * Charges the sender of a transfer to `to`: a recipient that does not exist is activated for
 * the fees above (the creation bandwidth from staked bandwidth when `stakeMayCreate` and the
 * stake covers it), an existing one costs bandwidth only.
 */
function chargeTransfer(run: Execution, to: string, stakeMayCreate: boolean): BandwidthCharge {
  const { ledger, acc, tx, at } = run;
  if (ledger.accounts.has(to)) return chargeBandwidth(ledger, acc, tx);
  activate(ledger, to, at.blockTimeStamp);
  const size = txSize(tx);
  if (stakeMayCreate && netLimit(ledger, acc) - acc.netUsed >= size) {
    // Staked bandwidth pays for the creation; only the activation fee burns.
    acc.netUsed += size;
    acc.balance -= CREATE_NEW_ACCOUNT_FEE_SUN;
    return { receipt: { net_usage: size }, fee: CREATE_NEW_ACCOUNT_FEE_SUN };
  }
  const fee = CREATE_NEW_ACCOUNT_FEE_SUN + CREATE_ACCOUNT_NET_FEE_SUN;
  acc.balance -= fee;
  return { receipt: { net_fee: Number(CREATE_ACCOUNT_NET_FEE_SUN) }, fee };
}

/** Records a transfer's success in `info`: its fee, block and bandwidth receipt. */
function settleTransfer({ tx, info, at }: Execution, charge: BandwidthCharge): TxInfo {
  if (charge.fee > 0n) info.fee = Number(charge.fee);
  Object.assign(info, { ...at, contractResult: [""], receipt: charge.receipt });
  tx.contractRet = "SUCCESS";
  return info;
}

/** A TRX transfer: activation as above, bandwidth otherwise, then the amount moves. */
export function executeTransfer(run: Execution): TxInfo {
  const v = run.tx.raw_data.contract[0].parameter.value;
  const to = String(v.to_address);
  const amount = BigInt(v.amount);
  const charge = chargeTransfer(run, to, true);
  run.acc.balance -= amount;
  run.ledger.accounts.get(to)!.balance += amount;
  return settleTransfer(run, charge);
}

/**
 * A TRC10 transfer, as java-tron's `TransferAssetActuator`: bandwidth as for TRX, a recipient
 * that does not exist is created for the same 1.1 TRX, and the info has no receipt result.
 */
export function executeTransferAsset(run: Execution): TxInfo {
  const v = run.tx.raw_data.contract[0].parameter.value;
  const to = String(v.to_address);
  const id = new TextDecoder().decode(hexCodec.decode(String(v.asset_name)));
  const amount = BigInt(v.amount);
  const charge = chargeTransfer(run, to, false);
  run.acc.assets[id] = (run.acc.assets[id] ?? 0n) - amount;
  const recipient = run.ledger.accounts.get(to)!;
  recipient.assets[id] = (recipient.assets[id] ?? 0n) + amount;
  return settleTransfer(run, charge);
}
