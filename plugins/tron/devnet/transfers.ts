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
  type Account,
  accountOf,
  activate,
  CREATE_ACCOUNT_NET_FEE_SUN,
  CREATE_NEW_ACCOUNT_FEE_SUN,
  DEVNET_TRC10_ID,
  type Execution,
  type Ledger,
  type StoredTx,
  type TxInfo,
} from "./ledger.ts";
import { refuse } from "./node_error.ts";
import {
  bandwidthBurn,
  type BandwidthCharge,
  chargeBandwidth,
  netLimit,
  txSize,
} from "./resources.ts";

/**
 * java-tron's `TransferActuator` checks (messages as it words them). `bandwidthBurnt` is what
 * the transaction's bandwidth burns first: java-tron's `Manager.processTransaction` consumes
 * bandwidth (`consumeBandwidth`) before the actuator validates (`trace.exec`), so the amount
 * and the activation fee must fit in the balance that is left (0 when only building it, as
 * `createtransaction` validates without consuming).
 */
export function validateTransfer(
  ledger: Ledger,
  owner: string,
  to: string,
  amount: bigint,
  bandwidthBurnt = 0n,
): void {
  if (amount <= 0n) refuse("Amount must be greater than 0.");
  if (owner === to) refuse("Cannot transfer TRX to yourself.");
  const acc = accountOf(ledger, owner);
  if (!acc) return refuse("Validate TransferContract error, no OwnerAccount.");
  const fee = ledger.accounts.has(to) ? 0n : CREATE_NEW_ACCOUNT_FEE_SUN;
  if (acc.balance - bandwidthBurnt < amount + fee) {
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

/** Whether staked bandwidth pays for creating the recipient of a transfer (TRX only). */
function stakeCreates(
  ledger: Ledger,
  acc: Account,
  tx: StoredTx,
  stakeMayCreate: boolean,
): boolean {
  return stakeMayCreate && netLimit(ledger, acc) - acc.netUsed >= txSize(tx);
}

/**
 * Sun the bandwidth of a transfer to `to` burns before its contract runs: the creation
 * bandwidth for a recipient that does not exist (none when staked bandwidth pays it, see
 * {@linkcode stakeCreates}), else the ordinary bandwidth burn.
 */
export function transferBandwidthBurn(
  ledger: Ledger,
  acc: Account,
  tx: StoredTx,
  to: string,
  stakeMayCreate: boolean,
): bigint {
  if (ledger.accounts.has(to)) return bandwidthBurn(ledger, acc, tx);
  return stakeCreates(ledger, acc, tx, stakeMayCreate) ? 0n : CREATE_ACCOUNT_NET_FEE_SUN;
}

/**
 * Charges the sender of a transfer to `to`: a recipient that does not exist is activated for
 * the fees above (the creation bandwidth from staked bandwidth when `stakeMayCreate` and the
 * stake covers it), an existing one costs bandwidth only.
 */
function chargeTransfer(run: Execution, to: string, stakeMayCreate: boolean): BandwidthCharge {
  const { ledger, acc, tx, at } = run;
  if (ledger.accounts.has(to)) return chargeBandwidth(ledger, acc, tx);
  const size = txSize(tx);
  const staked = stakeCreates(ledger, acc, tx, stakeMayCreate);
  activate(ledger, to, at.blockTimeStamp);
  if (staked) {
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
