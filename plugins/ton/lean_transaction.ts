/**
 * The scanner's fast transaction decoder: the TL-B of a transaction read straight from
 * {@linkcode LeanCell}s, in the order and with the checks of @ton/core's `loadTransaction`,
 * into the same {@linkcode DecodedTransaction}. Hashes are native SHA-256, message bodies
 * become @ton/core cells only when read.
 *
 * Forms it leaves to @ton/core throw {@linkcode UnsupportedBoc}: proof cells, anycast
 * addresses, extra currencies, StateInit libraries, split and merge transactions. The caller
 * (`decodeTransaction`) then decodes with @ton/core, which accepts or rejects the input; this
 * decoder never accepts what @ton/core would reject.
 *
 * TL-B: `block.tlb` of the TON node (transaction$0111, message$_, CommonMsgInfo,
 * TransactionDescr and its phases).
 *
 * @module
 */
import type { AccountStatus, ComputeSkipReason } from "@ton/core";
import {
  hashHex,
  type LeanCell,
  leanCell,
  readBase64Boc,
  toCoreCell,
  UnsupportedBoc,
} from "./lean_boc.ts";
import {
  accountWorkchain,
  type BouncePhaseResult,
  type DecodedInMessage,
  type DecodedOutMessage,
  type DecodedTransaction,
  isSuccessful,
  type TransactionKind,
  type TransactionOutcome,
} from "./transaction.ts";

/** A read position in a cell: bits and references consumed so far. */
interface Reader {
  cell: LeanCell;
  bit: number;
  ref: number;
}

/** A reader at the start of `cell`; as in @ton/core, an exotic cell cannot be parsed. */
function reader(cell: LeanCell): Reader {
  if (cell.exotic) throw new Error("Exotic cells cannot be parsed");
  return { cell, bit: 0, ref: 0 };
}

function need(r: Reader, bits: number): void {
  if (r.bit + bits > r.cell.bits) throw new Error(`Index ${r.bit + bits} is out of bounds`);
}

function bit(r: Reader): boolean {
  need(r, 1);
  const at = r.bit++;
  return ((r.cell.data[at >> 3] >> (7 - (at & 7))) & 1) === 1;
}

/** Unsigned integer of `n` ≤ 48 bits, read a byte's worth at a time. */
function uint(r: Reader, n: number): number {
  need(r, n);
  const data = r.cell.data;
  let value = 0;
  let at = r.bit;
  let left = n;
  while (left > 0) {
    const offset = at & 7;
    const take = Math.min(8 - offset, left);
    value = value * (1 << take) + ((data[at >> 3] >> (8 - offset - take)) & ((1 << take) - 1));
    at += take;
    left -= take;
  }
  r.bit = at;
  return value;
}

function int(r: Reader, n: number): number {
  const value = uint(r, n);
  return value >= 2 ** (n - 1) ? value - 2 ** n : value;
}

function skip(r: Reader, n: number): void {
  need(r, n);
  r.bit += n;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lowercase hex of the next `n` whole bytes (at any bit offset). */
function hex(r: Reader, n: number): string {
  need(r, n * 8);
  const data = r.cell.data;
  const shift = r.bit & 7;
  let at = r.bit >> 3;
  let out = "";
  for (let i = 0; i < n; i++, at++) {
    out +=
      HEX[shift === 0 ? data[at] : ((data[at] << shift) | (data[at + 1] >> (8 - shift))) & 0xff];
  }
  r.bit += n * 8;
  return out;
}

/** Unsigned integer of `n` bits, as a bigint. */
function bigUint(r: Reader, n: number): bigint {
  if (n === 0) return 0n;
  const head = n % 8;
  let value = BigInt(uint(r, head));
  if (n >= 8) value = (value << BigInt(n - head)) | BigInt(`0x${hex(r, (n - head) / 8)}`);
  return value;
}

function ref(r: Reader): LeanCell {
  const cell = r.cell.refs[r.ref];
  if (cell === undefined) throw new Error("No more references");
  r.ref++;
  return cell;
}

/** `VarUInteger n`: a length of ⌈log2 n⌉ bits, then that many bytes. */
function varUint(r: Reader, lengthBits: number): bigint {
  return bigUint(r, uint(r, lengthBits) * 8);
}

function coins(r: Reader): bigint {
  return varUint(r, 4);
}

/** `CurrencyCollection`: grams, and extra currencies (left to @ton/core). */
function currency(r: Reader): bigint {
  const grams = coins(r);
  if (bit(r)) throw new UnsupportedBoc("extra currencies");
  return grams;
}

/** `MsgAddressInt` as @ton/core reads it: `addr_std` only; raw `wc:hex`. */
function internalAddress(r: Reader): { workchain: number; raw: string } {
  need(r, 2);
  if (uint(r, 2) !== 2) throw new Error("Invalid address");
  if (bit(r)) throw new UnsupportedBoc("anycast address");
  const workchain = int(r, 8);
  return { workchain, raw: `${workchain}:${hex(r, 32)}` };
}

/** `MsgAddressExt` or `addr_none`; the value is not needed. */
function skipExternalAddress(r: Reader): void {
  const type = uint(r, 2);
  if (type === 0) return;
  if (type !== 1) throw new Error("Invalid address");
  skip(r, uint(r, 9));
}

function skipStateInit(r: Reader): void {
  if (bit(r)) skip(r, 5); // split_depth
  if (bit(r)) skip(r, 2); // special
  if (bit(r)) ref(r); // code
  if (bit(r)) ref(r); // data
  if (bit(r)) throw new UnsupportedBoc("StateInit libraries");
}

interface LeanMessage {
  kind: "internal" | "external-in" | "external-out";
  source: { workchain: number; raw: string } | null;
  destination: { workchain: number; raw: string } | null;
  value: bigint;
  bounce: boolean;
  bounced: boolean;
  body: LeanCell;
}

/** `Message Any`, as @ton/core's `loadMessage`. */
function message(r: Reader): LeanMessage {
  let m: Omit<LeanMessage, "body">;
  // int_msg_info$0, ext_in_msg_info$10, ext_out_msg_info$11.
  const external = bit(r);
  const outgoing = external && bit(r);
  if (!external) {
    skip(r, 1); // ihr_disabled
    const bounce = bit(r);
    const bounced = bit(r);
    const source = internalAddress(r);
    const destination = internalAddress(r);
    const value = currency(r);
    coins(r); // ihr_fee
    coins(r); // fwd_fee
    skip(r, 64 + 32); // created_lt, created_at
    m = { kind: "internal", source, destination, value, bounce, bounced };
  } else if (!outgoing) {
    skipExternalAddress(r);
    const destination = internalAddress(r);
    coins(r); // import_fee
    m = {
      kind: "external-in",
      source: null,
      destination,
      value: 0n,
      bounce: false,
      bounced: false,
    };
  } else {
    const source = internalAddress(r);
    skipExternalAddress(r);
    skip(r, 64 + 32);
    m = {
      kind: "external-out",
      source,
      destination: null,
      value: 0n,
      bounce: false,
      bounced: false,
    };
  }
  if (bit(r)) {
    if (!bit(r)) skipStateInit(r);
    else skipStateInit(reader(ref(r)));
  }
  const body = bit(r)
    ? ref(r)
    : leanCell(r.cell.data, r.bit, r.cell.bits - r.bit, r.cell.refs.slice(r.ref));
  return { ...m, body };
}

/** `HashmapE 15 ^(Message Any)` below a fork, as @ton/core's `parseDict` walks it. */
function outMessages(r: Reader, n: number, key: number, into: Map<number, LeanMessage>): void {
  const lengthBits = Math.ceil(Math.log2(n + 1));
  let length: number;
  let prefix = key;
  // hml_short$0, hml_long$10, hml_same$11.
  const notShort = bit(r);
  const same = notShort && bit(r);
  if (!notShort) {
    length = 0;
    while (bit(r)) length++;
    for (let i = 0; i < length; i++) prefix = prefix * 2 + (bit(r) ? 1 : 0);
  } else if (!same) {
    length = uint(r, lengthBits);
    for (let i = 0; i < length; i++) prefix = prefix * 2 + (bit(r) ? 1 : 0);
  } else {
    const one = bit(r);
    length = uint(r, lengthBits);
    prefix = prefix * 2 ** length + (one ? 2 ** length - 1 : 0);
  }
  if (length > n) throw new UnsupportedBoc("dictionary label longer than its key");
  if (length === n) {
    into.set(prefix, message(reader(ref(r))));
    return;
  }
  const left = ref(r);
  const right = ref(r);
  // @ton/core's parseDict skips an exotic branch rather than failing on it.
  if (!left.exotic) outMessages(reader(left), n - length - 1, prefix * 2, into);
  if (!right.exotic) outMessages(reader(right), n - length - 1, prefix * 2 + 1, into);
}

const STATUSES: readonly AccountStatus[] = ["uninitialized", "frozen", "active", "non-existing"];

function skipStatusChange(r: Reader): void {
  if (bit(r)) skip(r, 1);
}

function skipStoragePhase(r: Reader): void {
  coins(r);
  if (bit(r)) coins(r);
  skipStatusChange(r);
}

type Compute =
  | { type: "vm"; success: boolean; exitCode: number }
  | { type: "skipped"; reason: ComputeSkipReason };

const SKIP_REASONS: readonly ComputeSkipReason[] = ["no-state", "bad-state", "no-gas"];

function computePhase(r: Reader): Compute {
  if (!bit(r)) {
    const reason = SKIP_REASONS[uint(r, 2)];
    if (reason === undefined) throw new Error("Unknown ComputeSkipReason: 3");
    return { type: "skipped", reason };
  }
  const success = bit(r);
  skip(r, 2); // msg_state_used, account_activated
  coins(r); // gas_fees
  const vm = reader(ref(r));
  varUint(vm, 3); // gas_used
  varUint(vm, 3); // gas_limit
  if (bit(vm)) varUint(vm, 2); // gas_credit
  skip(vm, 8); // mode
  const exitCode = int(vm, 32);
  if (bit(vm)) skip(vm, 32); // exit_arg
  skip(vm, 32 + 256 + 256); // vm_steps, vm_init_state_hash, vm_final_state_hash
  return { type: "vm", success, exitCode };
}

/** `TrActionPhase` (in its own cell); its `success`. */
function actionPhase(r: Reader): boolean {
  const success = bit(r);
  skip(r, 2); // valid, no_funds
  skipStatusChange(r);
  if (bit(r)) coins(r); // total_fwd_fees
  if (bit(r)) coins(r); // total_action_fees
  skip(r, 32); // result_code
  if (bit(r)) skip(r, 32); // result_arg
  skip(r, 4 * 16 + 256); // action counts, action_list_hash
  varUint(r, 3); // tot_msg_size: cells
  varUint(r, 3); // tot_msg_size: bits
  return success;
}

function bouncePhase(r: Reader): BouncePhaseResult {
  if (bit(r)) {
    varUint(r, 3);
    varUint(r, 3);
    coins(r);
    coins(r);
    return "ok";
  }
  if (bit(r)) {
    varUint(r, 3);
    varUint(r, 3);
    coins(r);
    return "no-funds";
  }
  return "negative-funds";
}

interface Description {
  kind: TransactionKind;
  aborted: boolean;
  credit: boolean;
  compute: Compute | null;
  action: boolean | null;
  bounce: BouncePhaseResult | null;
}

function description(r: Reader): Description {
  const type = uint(r, 4);
  if (type === 0) {
    skip(r, 1); // credit_first
    if (bit(r)) skipStoragePhase(r);
    const credit = bit(r);
    if (credit) {
      if (bit(r)) coins(r); // due_fees_collected
      currency(r);
    }
    const compute = computePhase(r);
    const action = bit(r) ? actionPhase(reader(ref(r))) : null;
    const aborted = bit(r);
    const bounce = bit(r) ? bouncePhase(r) : null;
    skip(r, 1); // destroyed
    return { kind: "ordinary", aborted, credit, compute, action, bounce };
  }
  if (type === 1) {
    skipStoragePhase(r);
    return {
      kind: "storage",
      aborted: false,
      credit: false,
      compute: null,
      action: null,
      bounce: null,
    };
  }
  if (type === 2 || type === 3) {
    skipStoragePhase(r);
    const compute = computePhase(r);
    const action = bit(r) ? actionPhase(reader(ref(r))) : null;
    const aborted = bit(r);
    skip(r, 1); // destroyed
    return { kind: "tick-tock", aborted, credit: false, compute, action, bounce: null };
  }
  // Split and merge transactions never touch a wallet; the rest @ton/core rejects.
  throw new UnsupportedBoc(`transaction description type ${type}`);
}

function inMessageOf(m: LeanMessage): DecodedInMessage {
  if (m.kind === "external-out") {
    throw new Error("invalid transaction: external-out message as incoming message");
  }
  const body = m.body;
  return {
    kind: m.kind,
    source: m.source?.raw ?? null,
    value: m.value,
    bounce: m.bounce,
    bounced: m.bounced,
    get body() {
      return toCoreCell(body);
    },
    bodyHash: hashHex(body),
  };
}

function outMessageOf(m: LeanMessage): DecodedOutMessage {
  if (m.kind === "external-in") {
    throw new Error("invalid transaction: external-in message as outgoing message");
  }
  const body = m.body;
  return {
    kind: m.kind,
    destination: m.destination?.raw ?? null,
    value: m.value,
    get body() {
      return toCoreCell(body);
    },
    bodyHash: hashHex(body),
    bounce: m.bounce,
    bounced: m.bounced,
  };
}

/**
 * Decodes a base64 transaction BOC like `decodeTransaction` does with @ton/core, to the same
 * result.
 *
 * @throws UnsupportedBoc for a form left to @ton/core; Error for an invalid transaction
 */
export function decodeLeanTransaction(boc: string, workchain = 0): DecodedTransaction {
  const root = readBase64Boc(boc);
  const r = reader(root);
  if (uint(r, 4) !== 0x7) throw new Error("Invalid data");
  const accountId = hex(r, 32);
  const lt = bigUint(r, 64);
  skip(r, 256 + 64); // prev_trans_hash, prev_trans_lt
  const now = uint(r, 32);
  const outCount = uint(r, 15);
  const origStatus = STATUSES[uint(r, 2)];
  const endStatus = STATUSES[uint(r, 2)];
  const messages = reader(ref(r));
  const inMessage = bit(messages) ? message(reader(ref(messages))) : null;
  const outs = new Map<number, LeanMessage>();
  if (bit(messages)) {
    // An exotic dictionary root is an empty dictionary to @ton/core's `Dictionary.load`.
    const dict = ref(messages);
    if (!dict.exotic) outMessages(reader(dict), 15, 0, outs);
  }
  if (messages.bit !== messages.cell.bits || messages.ref !== messages.cell.refs.length) {
    throw new Error("Slice is not empty");
  }
  const fee = currency(r);
  const update = reader(ref(r));
  if (uint(update, 8) !== 0x72) throw new Error("Invalid data");
  skip(update, 512);
  const d = description(reader(ref(r)));
  if (r.bit !== root.bits || r.ref !== root.refs.length) {
    throw new Error("invalid transaction: trailing data after the transaction");
  }
  const outMessagesDecoded: DecodedOutMessage[] = [];
  for (let index = 0; index < outCount; index++) {
    const m = outs.get(index);
    if (m === undefined) throw new Error(`invalid transaction: out message ${index} missing`);
    outMessagesDecoded.push(outMessageOf(m));
  }
  const decodedIn = inMessage === null ? null : inMessageOf(inMessage);
  const outcome: TransactionOutcome = {
    kind: d.kind,
    compute: d.compute,
    aborted: d.aborted,
    actionSuccess: d.action,
    bounce: d.bounce !== null,
    credit: d.credit,
    internalIn: inMessage?.kind === "internal",
  };
  const outSources = [...outs.values()].flatMap((m) => m.kind === "external-in" ? [] : [m.source!]);
  const wc = accountWorkchain(
    inMessage?.destination?.workchain ?? null,
    outSources.map((s) => s.workchain),
    d.kind,
    workchain,
  );
  return {
    hash: hashHex(root),
    lt,
    now,
    account: `${wc}:${accountId}`,
    success: isSuccessful(outcome),
    aborted: d.aborted,
    fee,
    inMessage: decodedIn,
    outMessages: outMessagesDecoded,
    kind: d.kind,
    origStatus,
    endStatus,
    computeSkipReason: d.compute?.type === "skipped" ? d.compute.reason : null,
    exitCode: d.compute?.type === "vm" ? d.compute.exitCode : null,
    bouncePhase: d.bounce,
  };
}
