/**
 * Transactions: building the unsigned ones the node's `create…` endpoints return, reading
 * and checking a signed one as java-tron's broadcast does (TaPoS, expiration, signature,
 * contract), and executing a validated one into its transaction info.
 *
 * @module
 */
import { hex as hexCodec } from "../deps.ts";
import { tronHexFromAddress } from "../address.ts";
import { recoverTronSigner, tronTxId } from "../transaction.ts";
import {
  type BlockHeaderRaw,
  type ContractJson,
  type ContractValue,
  decodeRawData,
  encodeRawData,
  type RawDataJson,
  typeUrl,
} from "./protobuf.ts";
import {
  accountOf,
  type BlockPlace,
  DAY_MS,
  isContract,
  type Ledger,
  type StakeResource,
  type StoredTx,
  type TxInfo,
  utf8Hex,
} from "./ledger.ts";
import { NodeError, refuse } from "./node_error.ts";
import {
  bandwidthBurn,
  chargeBandwidth,
  executeStake,
  STAKE_CONTRACTS,
  validateStake,
} from "./resources.ts";
import { executeForward, executeTrc20Call } from "./contracts.ts";
import {
  executeTransfer,
  executeTransferAsset,
  transferBandwidthBurn,
  validateTransfer,
  validateTransferAsset,
} from "./transfers.ts";

/** What a new transaction refers to: the head block. */
export interface RefBlock {
  /** Block id, hex. */
  id: string;
  /** Header raw data. */
  header: BlockHeaderRaw;
}

/** A signed transaction as clients post it to `broadcasttransaction`. */
export interface SignedTxInput {
  /** Txid the client computed (ignored: the node recomputes it). */
  txID?: unknown;
  /** Raw data JSON; authoritative when present (as in java-tron). */
  raw_data?: unknown;
  /** Protobuf raw data hex; used when `raw_data` is absent. */
  raw_data_hex?: unknown;
  /** Signatures. */
  signature?: unknown;
  /** Whether `raw_data` is in `visible` form (base58 addresses, text names). */
  visible?: unknown;
}

/** Outcome of a broadcast: accepted, or a node error code with a readable message. */
export type BroadcastOutcome =
  | { ok: true; txid: string }
  | { ok: false; txid?: string; code: string; message: string };

/** The TaPoS bytes and hash of `block`, as a transaction names its reference block. */
function refBytes(block: RefBlock): { ref_block_bytes: string; ref_block_hash: string } {
  return {
    ref_block_bytes: (block.header.number & 0xffff).toString(16).padStart(4, "0"),
    ref_block_hash: block.id.slice(16, 32),
  };
}

/** Reference block fields and default times for a new transaction referring to `head`. */
export function refParams(head: RefBlock): Pick<
  RawDataJson,
  "ref_block_bytes" | "ref_block_hash" | "expiration" | "timestamp"
> {
  return {
    ...refBytes(head),
    expiration: head.header.timestamp + 60_000,
    timestamp: Date.now(),
  };
}

/** Unsigned transaction for `raw` (hex addresses), node JSON with txID and raw_data_hex. */
export function unsigned(raw: RawDataJson): StoredTx {
  const rawHex = hexCodec.encode(encodeRawData(raw));
  return { txID: tronTxId(rawHex), raw_data: raw, raw_data_hex: rawHex, signature: [] };
}

/** Builds an unsigned TRX transfer (`createtransaction`). */
export function buildTransfer(
  ledger: Ledger,
  head: RefBlock,
  owner: string,
  to: string,
  amount: bigint,
): StoredTx {
  validateTransfer(ledger, owner, to, amount);
  return unsigned({
    contract: [{
      parameter: {
        value: { amount: Number(amount), owner_address: owner, to_address: to },
        type_url: typeUrl("TransferContract"),
      },
      type: "TransferContract",
    }],
    ...refParams(head),
  });
}

/**
 * Builds an unsigned TRC10 transfer (`transferasset`); `assetId` is the token id, stored as
 * java-tron does: the UTF-8 bytes of the id, hex in `raw_data` JSON.
 */
export function buildTransferAsset(
  ledger: Ledger,
  head: RefBlock,
  owner: string,
  to: string,
  assetId: string,
  amount: bigint,
): StoredTx {
  validateTransferAsset(ledger, owner, to, utf8Hex(assetId), amount);
  return unsigned({
    contract: [{
      parameter: {
        value: {
          asset_name: utf8Hex(assetId),
          owner_address: owner,
          to_address: to,
          amount: Number(amount),
        },
        type_url: typeUrl("TransferAssetContract"),
      },
      type: "TransferAssetContract",
    }],
    ...refParams(head),
  });
}

/** java-tron's checks of a contract call before the VM runs. */
function validateTrigger(ledger: Ledger, owner: string, contract: string): void {
  if (!accountOf(ledger, owner)) refuse("Validate TriggerSmartContract error, no OwnerAccount.");
  if (!isContract(ledger, contract)) refuse("No contract or not a smart contract");
}

/** Builds an unsigned contract call (`triggersmartcontract`). */
export function buildTrigger(
  ledger: Ledger,
  head: RefBlock,
  call: { owner: string; contract: string; data: string; feeLimit: number; callValue: number },
): StoredTx {
  validateTrigger(ledger, call.owner, call.contract);
  const value: Record<string, string | number> = {
    owner_address: call.owner,
    contract_address: call.contract,
  };
  if (call.callValue) value.call_value = call.callValue;
  if (call.data) value.data = call.data;
  const raw: RawDataJson = {
    contract: [{
      parameter: { value, type_url: typeUrl("TriggerSmartContract") },
      type: "TriggerSmartContract",
    }],
    ...refParams(head),
  };
  if (call.feeLimit) raw.fee_limit = call.feeLimit;
  return unsigned(raw);
}

/** Builds an unsigned `FreezeBalanceV2Contract` (`freezebalancev2`), validated as java-tron does. */
export function buildFreezeV2(
  ledger: Ledger,
  head: RefBlock,
  owner: string,
  frozenBalance: bigint,
  resource: StakeResource,
): StoredTx {
  const value: ContractValue = { owner_address: owner, frozen_balance: Number(frozenBalance) };
  if (resource !== "BANDWIDTH") value.resource = resource;
  return buildStake(ledger, head, "FreezeBalanceV2Contract", value);
}

/** A delegation as `delegateresource` and `undelegateresource` name it. */
export interface DelegationRequest {
  /** Owner (delegator), `41…` hex. */
  owner: string;
  /** Receiver, `41…` hex. */
  receiver: string;
  /** Stake, sun. */
  balance: bigint;
  /** Resource delegated. */
  resource: StakeResource;
}

/** Builds an unsigned `DelegateResourceContract` (`delegateresource`), validated. */
export function buildDelegate(
  ledger: Ledger,
  head: RefBlock,
  request: DelegationRequest & { lock: boolean; lockPeriod: number },
): StoredTx {
  // Field order and omitted defaults as java-tron prints the contract.
  const value: ContractValue = { owner_address: request.owner };
  if (request.resource !== "BANDWIDTH") value.resource = request.resource;
  value.balance = Number(request.balance);
  value.receiver_address = request.receiver;
  if (request.lock) value.lock = true;
  if (request.lockPeriod) value.lock_period = request.lockPeriod;
  return buildStake(ledger, head, "DelegateResourceContract", value);
}

/** Builds an unsigned `UnDelegateResourceContract` (`undelegateresource`), validated. */
export function buildUndelegate(
  ledger: Ledger,
  head: RefBlock,
  request: DelegationRequest,
): StoredTx {
  const value: ContractValue = { owner_address: request.owner };
  if (request.resource !== "BANDWIDTH") value.resource = request.resource;
  value.balance = Number(request.balance);
  value.receiver_address = request.receiver;
  return buildStake(ledger, head, "UnDelegateResourceContract", value);
}

function buildStake(ledger: Ledger, head: RefBlock, type: string, value: ContractValue): StoredTx {
  const contract: ContractJson = { parameter: { value, type_url: typeUrl(type) }, type };
  validateStake(ledger, contract);
  return unsigned({ contract: [contract], ...refParams(head) });
}

/**
 * Validates the contract of `tx` against the ledger as java-tron's actuators do. A TRX
 * transfer is judged on the balance its bandwidth leaves, as java-tron burns bandwidth before
 * the actuator runs (see {@linkcode validateTransfer}).
 */
export function validateContract(ledger: Ledger, tx: StoredTx): void {
  const c = tx.raw_data.contract[0];
  const v = c.parameter.value;
  const owner = String(v.owner_address);
  if (c.type === "TransferContract") {
    const to = String(v.to_address);
    const acc = accountOf(ledger, owner);
    const burnt = acc ? transferBandwidthBurn(ledger, acc, tx, to, true) : 0n;
    if (acc && acc.balance < burnt) throw bandwidthShort();
    validateTransfer(ledger, owner, to, BigInt(v.amount ?? 0), burnt);
  } else if (c.type === "TriggerSmartContract") {
    validateTrigger(ledger, owner, String(v.contract_address));
    // java-tron's VMActuator refuses a call whose value the owner cannot pay, before the VM.
    if (BigInt(v.call_value ?? 0) > accountOf(ledger, owner)!.balance) {
      refuse("Validate InternalTransfer error, balance is not sufficient.");
    }
  } else if (c.type === "TransferAssetContract") {
    validateTransferAsset(
      ledger,
      owner,
      String(v.to_address),
      String(v.asset_name ?? ""),
      BigInt(v.amount ?? 0),
    );
  } else if (STAKE_CONTRACTS.has(c.type)) {
    const acc = accountOf(ledger, owner);
    validateStake(ledger, c, acc ? bandwidthBurn(ledger, acc, tx) : 0n);
  } else {
    refuse(`devnet does not support ${c.type}`);
  }
  const acc = accountOf(ledger, owner)!;
  if (acc.balance < bandwidthBurn(ledger, acc, tx)) throw bandwidthShort();
}

/** java-tron's refusal of a transaction whose bandwidth the owner can neither use nor pay. */
function bandwidthShort(): NodeError {
  return new NodeError("BANDWITH_ERROR", "Account resource insufficient error.");
}

/** Executes a validated `tx` at `at`, charging its fees; returns its transaction info. */
export function execute(ledger: Ledger, tx: StoredTx, at: BlockPlace): TxInfo {
  const c = tx.raw_data.contract[0];
  const v = c.parameter.value;
  const acc = accountOf(ledger, String(v.owner_address))!;
  const info: TxInfo = { id: tx.txID };
  const run = { ledger, tx, acc, info, at };
  if (c.type === "TransferContract") return executeTransfer(run);
  if (c.type === "TransferAssetContract") return executeTransferAsset(run);
  const bandwidth = chargeBandwidth(ledger, acc, tx);
  if (String(v.contract_address) === ledger.forwarder) return executeForward(run, bandwidth);
  if (STAKE_CONTRACTS.has(c.type)) {
    executeStake(ledger, c, acc);
    if (bandwidth.fee > 0n) info.fee = Number(bandwidth.fee);
    Object.assign(info, { ...at, contractResult: [""], receipt: bandwidth.receipt });
    tx.contractRet = "SUCCESS";
    return info;
  }
  return executeTrc20Call(run, bandwidth);
}

/**
 * Reads a signed transaction and checks it as java-tron's broadcast does, in its order: one
 * contract, TaPoS against `blocks`, expiration against the head's time, not `known` already,
 * the owner's signature, then the contract against the ledger. Returns the stored form, or
 * the outcome that refuses it.
 */
export function checkBroadcast(
  ledger: Ledger,
  blocks: readonly RefBlock[],
  input: SignedTxInput,
  known: (txid: string) => boolean,
): { ok: true; tx: StoredTx } | Extract<BroadcastOutcome, { ok: false }> {
  let stored: StoredTx;
  try {
    let rawHex: string;
    if (input.raw_data && typeof input.raw_data === "object") {
      // As java-tron's `Util.packTransaction`, the JSON is read in the form `visible` names.
      rawHex = hexCodec.encode(
        encodeRawData(input.raw_data as RawDataJson, input.visible === true),
      );
    } else if (typeof input.raw_data_hex === "string") {
      rawHex = input.raw_data_hex.toLowerCase();
    } else {
      return { ok: false, code: "OTHER_ERROR", message: "raw_data is required" };
    }
    const raw = decodeRawData(hexCodec.decode(rawHex));
    const signature = Array.isArray(input.signature)
      ? input.signature.map((s) => String(s).toLowerCase())
      : [];
    stored = { txID: tronTxId(rawHex), raw_data: raw, raw_data_hex: rawHex, signature };
  } catch (e) {
    return { ok: false, code: "OTHER_ERROR", message: (e as Error).message };
  }
  const txid = stored.txID;
  const fail = (code: string, message: string) => ({ ok: false as const, txid, code, message });
  const raw = stored.raw_data;
  if (raw.contract.length !== 1) {
    return fail("CONTRACT_VALIDATE_ERROR", "contract size should be exactly 1");
  }
  const refBlock = blocks.find((b) => {
    const ref = refBytes(b);
    return ref.ref_block_bytes === raw.ref_block_bytes && ref.ref_block_hash === raw.ref_block_hash;
  });
  if (!refBlock) {
    return fail("TAPOS_ERROR", `Tapos check error: ref block ${raw.ref_block_bytes} not found`);
  }
  const headTime = ledger.time;
  if (raw.expiration <= headTime) {
    return fail(
      "TRANSACTION_EXPIRATION_ERROR",
      `Transaction expiration, transaction expiration time is ${raw.expiration}, but headBlockTime is ${headTime}`,
    );
  }
  if (raw.expiration > headTime + DAY_MS) {
    return fail(
      "TRANSACTION_EXPIRATION_ERROR",
      `expiration time ${raw.expiration} is more than 24 hours after the head block`,
    );
  }
  if (known(txid)) return fail("DUP_TRANSACTION_ERROR", "dup trans");
  const owner = String(raw.contract[0].parameter.value.owner_address);
  if (stored.signature.length === 0) return fail("SIGERROR", "miss sig or contract");
  let signer: string;
  try {
    signer = tronHexFromAddress(recoverTronSigner(stored.raw_data_hex, stored.signature[0]));
  } catch (e) {
    return fail("SIGERROR", `Validate signature error: ${(e as Error).message}`);
  }
  if (signer !== owner) {
    return fail(
      "SIGERROR",
      `Validate signature error: ${owner} is signed by ${signer} but it is not contained of permission.`,
    );
  }
  try {
    validateContract(ledger, stored);
  } catch (e) {
    // java-tron's broadcast prefixes contract validation failures.
    if (e instanceof NodeError && e.code === "CONTRACT_VALIDATE_ERROR") {
      return fail(e.code, `contract validate error : ${e.message}`);
    }
    if (e instanceof NodeError) return fail(e.code, e.message);
    throw e;
  }
  return { ok: true, tx: stored };
}
