/**
 * Decoding of TON transactions (as returned in BOC form by liteservers and
 * toncenter) into the few facts a payment processor acts on, plus the rule
 * that decides whether an incoming message is a TON payment to count.
 *
 * @module
 */
import {
  type AccountStatus,
  type Address,
  Cell,
  type ComputeSkipReason,
  loadTransaction,
  type Message,
  type Transaction,
} from "@ton/core";
import { decodeComment } from "./comment.ts";
import { decodeLeanTransaction } from "./lean_transaction.ts";

/** The incoming message of a transaction. */
export type DecodedInMessage = {
  /** Internal (from a contract) or external-in (signed request from outside, e.g. a wallet owner). */
  kind: "internal" | "external-in";
  /** Raw source address of an internal message; `null` for external-in. */
  source: string | null;
  /** Nanotons carried (0 for external-in). */
  value: bigint;
  /** Sender asked for the value to be returned if processing fails. */
  bounce: boolean;
  /** This message is itself a bounce of an earlier failed message. */
  bounced: boolean;
  /** Message body. */
  body: Cell;
  /** Lowercase hex representation hash of the body (toncenter's `body_hash`). */
  bodyHash: string;
};

/** An outgoing message of a transaction. */
export type DecodedOutMessage = {
  /** Internal message to a contract, or external-out (a log event). */
  kind: "internal" | "external-out";
  /** Raw destination of an internal message; `null` for external-out. */
  destination: string | null;
  /** Nanotons carried (0 for external-out). */
  value: bigint;
  /** Message body. */
  body: Cell;
  /** Lowercase hex representation hash of the body. */
  bodyHash: string;
  /** Bounce flag of an internal message (false for external-out). */
  bounce: boolean;
  /** The message is a bounce returning value of a failed incoming message. */
  bounced: boolean;
};

/** Transaction kinds from the block's TL-B; "ordinary" carries user messages. */
export type TransactionKind =
  | "ordinary"
  | "storage"
  | "tick-tock"
  | "split-prepare"
  | "split-install"
  | "merge-prepare"
  | "merge-install";

/** Outcome of the bounce phase: `ok` means the value was sent back to the sender. */
export type BouncePhaseResult = "ok" | "no-funds" | "negative-funds";

/** Facts of one transaction, see {@linkcode decodeTransaction}. */
export type DecodedTransaction = {
  /** Lowercase hex of the transaction cell's representation hash. */
  hash: string;
  /** Logical time of the transaction. */
  lt: bigint;
  /** Unix time (seconds) of the block. */
  now: number;
  /** Raw address (`wc:hex`) of the account the transaction belongs to. */
  account: string;
  /** Whether the transaction succeeded; the exact rule is documented on {@linkcode decodeTransaction}. */
  success: boolean;
  /** The `aborted` flag exactly as stored on chain (false for kinds without one). */
  aborted: boolean;
  /** `total_fees` in nanotons. */
  fee: bigint;
  /** Incoming message, if any (tick-tock and some system transactions have none). */
  inMessage: DecodedInMessage | null;
  /** Outgoing messages in out-message index order. */
  outMessages: DecodedOutMessage[];
  /** Transaction kind. */
  kind: TransactionKind;
  /** Account status before the transaction. */
  origStatus: AccountStatus;
  /** Account status after the transaction. */
  endStatus: AccountStatus;
  /** Why the compute phase was skipped, or `null` if the VM ran (or there is no compute phase). */
  computeSkipReason: ComputeSkipReason | null;
  /** TVM exit code when the VM ran, else `null`. */
  exitCode: number | null;
  /** Bounce phase outcome, or `null` if there was no bounce phase. */
  bouncePhase: BouncePhaseResult | null;
};

const KIND_OF: Record<Transaction["description"]["type"], TransactionKind> = {
  "generic": "ordinary",
  "storage": "storage",
  "tick-tock": "tick-tock",
  "split-prepare": "split-prepare",
  "split-install": "split-install",
  "merge-prepare": "merge-prepare",
  "merge-install": "merge-install",
};

function rawAddress(address: Address): string {
  return `${address.workChain}:${address.hash.toString("hex")}`;
}

function decodeInMessage(message: Message): DecodedInMessage {
  const info = message.info;
  const common = { body: message.body, bodyHash: message.body.hash().toString("hex") };
  if (info.type === "internal") {
    return {
      kind: "internal",
      source: rawAddress(info.src),
      value: info.value.coins,
      bounce: info.bounce,
      bounced: info.bounced,
      ...common,
    };
  }
  if (info.type === "external-in") {
    return {
      kind: "external-in",
      source: null,
      value: 0n,
      bounce: false,
      bounced: false,
      ...common,
    };
  }
  throw new Error("invalid transaction: external-out message as incoming message");
}

function decodeOutMessage(message: Message): DecodedOutMessage {
  const info = message.info;
  if (info.type === "internal") {
    return {
      kind: "internal",
      destination: rawAddress(info.dest),
      value: info.value.coins,
      body: message.body,
      bodyHash: message.body.hash().toString("hex"),
      bounce: info.bounce,
      bounced: info.bounced,
    };
  }
  if (info.type === "external-out") {
    return {
      kind: "external-out",
      destination: null,
      value: 0n,
      body: message.body,
      bodyHash: message.body.hash().toString("hex"),
      bounce: false,
      bounced: false,
    };
  }
  throw new Error("invalid transaction: external-in message as outgoing message");
}

/**
 * The transaction cell stores only the 256-bit account id, not the workchain,
 * so it is recovered from the messages: the in-message destination or an
 * out-message source (in dictionary order, external-in ones skipped) is the
 * account itself. Tick-tock transactions exist only on the masterchain.
 */
export function accountWorkchain(
  inDestination: number | null,
  outSources: readonly number[],
  kind: TransactionKind,
  fallback: number,
): number {
  if (inDestination !== null) return inDestination;
  if (outSources.length > 0) return outSources[0];
  if (kind === "tick-tock") return -1;
  return fallback;
}

/** What {@linkcode isSuccessful} needs of a transaction, whichever decoder read it. */
export interface TransactionOutcome {
  kind: TransactionKind;
  /** The compute phase, or `null` for kinds without one. */
  compute: { type: "vm"; success: boolean } | { type: "skipped"; reason: ComputeSkipReason } | null;
  aborted: boolean;
  /** `success` of the action phase, `null` when there was none. */
  actionSuccess: boolean | null;
  /** Whether there was a bounce phase. */
  bounce: boolean;
  /** Whether there was a credit phase. */
  credit: boolean;
  /** Whether the in-message is internal. */
  internalIn: boolean;
}

/**
 * Success rule (see {@linkcode decodeTransaction}); kept separate so the rule
 * reads in one place.
 */
export function isSuccessful(tx: TransactionOutcome): boolean {
  if (tx.kind !== "ordinary") return false;
  const compute = tx.compute;
  if (compute === null) return false;
  if (compute.type === "vm") {
    return compute.success && !tx.aborted && (tx.actionSuccess === null || tx.actionSuccess);
  }
  // An uninitialised account (no code, no StateInit in the message) cannot run
  // the VM, so the chain marks the transaction aborted, yet the value of a
  // non-bounceable internal message stays credited to the account. This is how
  // every fresh deposit address first receives money, so it must count.
  return compute.reason === "no-state" && tx.internalIn && !tx.bounce && tx.credit;
}

function outcomeOf(tx: Transaction): TransactionOutcome {
  const d = tx.description;
  return {
    kind: KIND_OF[d.type],
    compute: "computePhase" in d ? d.computePhase : null,
    aborted: "aborted" in d ? d.aborted : false,
    actionSuccess: "actionPhase" in d && d.actionPhase != null ? d.actionPhase.success : null,
    bounce: d.type === "generic" && d.bouncePhase != null,
    credit: d.type === "generic" && d.creditPhase != null,
    internalIn: tx.inMessage?.info.type === "internal",
  };
}

/**
 * Decodes a transaction from its base64 BOC or its root cell.
 *
 * `success` is true only for an ordinary transaction where either
 * - the VM ran and succeeded, the transaction is not aborted, and the action
 *   phase (if any) succeeded; or
 * - the compute phase was skipped with reason `no-state` (the account is
 *   uninitialised and the message carries no StateInit), the in-message is
 *   internal, the value was credited, and there was no bounce phase. The
 *   on-chain `aborted` flag is true in this case, but the value is kept by the
 *   account, so it is a real payment.
 *
 * Every other outcome is unsuccessful: VM failure, action-phase failure,
 * compute skipped for `no-gas` (dust spam, see fixture 4a570d5a…) or
 * `bad-state`, any bounce phase, and non-ordinary kinds (tick-tock, storage,
 * split/merge).
 *
 * @param workchain used for `account` only when no message reveals the
 *   account's workchain (default 0)
 * @throws Error if the input is not a single-root BOC holding a transaction
 */
export function decodeTransaction(boc: string | Cell, workchain = 0): DecodedTransaction {
  if (typeof boc === "string") {
    try {
      return decodeLeanTransaction(boc, workchain);
    } catch {
      // A form the lean decoder leaves to @ton/core, or an invalid transaction: @ton/core
      // decides, so what it rejects is rejected with its error.
    }
  }
  return decodeCoreTransaction(boc, workchain);
}

/**
 * {@linkcode decodeTransaction} through @ton/core's `loadTransaction` alone: the reference
 * the fast decoder is held to, and the decoder of the forms it leaves aside.
 *
 * @throws Error if the input is not a single-root BOC holding a transaction
 */
export function decodeCoreTransaction(boc: string | Cell, workchain = 0): DecodedTransaction {
  const cell = typeof boc === "string" ? Cell.fromBase64(boc) : boc;
  const slice = cell.beginParse();
  const tx = loadTransaction(slice);
  if (slice.remainingBits !== 0 || slice.remainingRefs !== 0) {
    throw new Error("invalid transaction: trailing data after the transaction");
  }
  const d = tx.description;
  const outMessages: DecodedOutMessage[] = [];
  for (let index = 0; index < tx.outMessagesCount; index++) {
    const message = tx.outMessages.get(index);
    if (message === undefined) throw new Error(`invalid transaction: out message ${index} missing`);
    outMessages.push(decodeOutMessage(message));
  }
  const compute = "computePhase" in d ? d.computePhase : null;
  const bounce = d.type === "generic" ? d.bouncePhase : null;
  const info = tx.inMessage?.info;
  const inDestination = info && info.type !== "external-out" ? info.dest.workChain : null;
  const outSources = [...tx.outMessages.values()].flatMap((m) =>
    m.info.type === "external-in" ? [] : [m.info.src.workChain]
  );
  const wc = accountWorkchain(inDestination, outSources, KIND_OF[d.type], workchain);
  return {
    hash: cell.hash().toString("hex"),
    lt: tx.lt,
    now: tx.now,
    account: `${wc}:${tx.address.toString(16).padStart(64, "0")}`,
    success: isSuccessful(outcomeOf(tx)),
    aborted: "aborted" in d ? d.aborted : false,
    fee: tx.totalFees.coins,
    inMessage: tx.inMessage ? decodeInMessage(tx.inMessage) : null,
    outMessages,
    kind: KIND_OF[d.type],
    origStatus: tx.oldStatus,
    endStatus: tx.endStatus,
    computeSkipReason: compute?.type === "skipped" ? compute.reason : null,
    exitCode: compute?.type === "vm" ? compute.exitCode : null,
    bouncePhase: bounce ? bounce.type : null,
  };
}

/** A TON payment received by the transaction's account. */
export type IncomingTransfer = {
  /** Raw address of the sender. */
  from: string;
  /** Nanotons received. */
  amount: bigint;
  /** Cleaned text comment, if the body is one. */
  comment: string | null;
  /** Fift hex of the body when it is not a text comment. */
  binaryComment: string | null;
};

/**
 * The TON payment this transaction represents for its account, or `null`.
 *
 * Counted only when the in-message is internal, is not itself a bounce,
 * carries a positive value, and the transaction is successful per
 * {@linkcode decodeTransaction} — which excludes aborted transactions
 * (except the value-credited uninitialised-account case) and every
 * transaction whose bounce phase sent the value back.
 */
export function incomingTransfer(tx: DecodedTransaction): IncomingTransfer | null {
  const message = tx.inMessage;
  if (message === null || message.kind !== "internal" || message.source === null) return null;
  if (message.bounced || message.value <= 0n) return null;
  if (!tx.success || tx.bouncePhase === "ok") return null;
  const { comment, binaryComment } = decodeComment(message.body);
  return { from: message.source, amount: message.value, comment, binaryComment };
}
