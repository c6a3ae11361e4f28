/**
 * TEP-74 jettons for the processor: recognising deposits on our jetton
 * wallets, building withdrawal transfers, matching their follow-up messages
 * (excesses, bounces), and asking a jetton master for an owner's wallet.
 *
 * Message flow of one transfer (all real mainnet USDT transactions in
 * `tests/fixtures/ton/block_0_8000000000000000_71398501`):
 *
 * 1. payer's wallet → payer's jetton wallet: `transfer` (signed by the payer);
 * 2. payer's jetton wallet → recipient's jetton wallet: `internal_transfer`,
 *    whose `from` is the payer (owner address);
 * 3. recipient's jetton wallet → recipient owner: `transfer_notification`,
 *    only if the payer attached `forward_ton_amount > 0`;
 * 4. recipient's jetton wallet → `response_destination`: `excesses` with the
 *    same `query_id`, only if some TON is left over.
 *
 * Deposits are read at step 2, on the jetton wallet that the configured
 * master derives for our owner address: it exists for every transfer, with or
 * without forward TON, and only the genuine wallet can be credited by it (see
 * {@linkcode jettonIncome}). Notifications (step 3) are never used for
 * crediting: anyone can send one.
 *
 * @module
 */
import { type Address, beginCell, type Builder, type Cell, type Slice } from "@ton/core";
import type { TonClient } from "@ton/ton";
import {
  decodeComment,
  type DecodedComment,
  encodeComment,
  formatBinaryComment,
  parseBinaryComment,
} from "./comment.ts";
import type { DecodedOutMessage, DecodedTransaction } from "./transaction.ts";

/** TEP-74 operation codes (the first 32 bits of a message body). */
export const JETTON_OPS = {
  /** `transfer#0f8a7ea5`: owner → its own jetton wallet. */
  transfer: 0x0f8a7ea5,
  /** `internal_transfer#178d4519`: jetton wallet (or master, on mint) → jetton wallet. */
  internalTransfer: 0x178d4519,
  /** `transfer_notification#7362d09c`: jetton wallet → its owner. */
  transferNotification: 0x7362d09c,
  /** `excesses#d53276db`: leftover TON → the transfer's response destination. */
  excesses: 0xd53276db,
  /** `burn#595f07bc`: owner → its own jetton wallet. */
  burn: 0x595f07bc,
  /** `burn_notification#7bdd97de`: jetton wallet → master. */
  burnNotification: 0x7bdd97de,
} as const;

/** First 32 bits of the body of a bounced message. */
const BOUNCE_PREFIX = 0xffffffff;

/** A jetton deposit recognised by {@linkcode jettonIncome}. */
export type JettonIncome = {
  /** Jetton amount in base units (e.g. 1 USDT = 1_000_000). */
  amount: bigint;
  /** Raw address (`0:hex`) of the payer's OWNER (the `from` field), `null` for addr_none (mints). */
  from: string | null;
  /** Cleaned text comment of the forward payload, if it is one. */
  comment: string | null;
  /** Fift hex of the forward payload's root cell when it is not a text comment. */
  binaryComment: string | null;
  /** `query_id` chosen by the payer (not unique, informational). */
  queryId: bigint;
};

/** A decoded `transfer_notification` (see {@linkcode decodeTransferNotification}). */
export type JettonTransferNotification = {
  /** `query_id` of the transfer. */
  queryId: bigint;
  /** Claimed jetton amount in base units. */
  amount: bigint;
  /** Claimed raw address of the payer (owner), `null` for addr_none. */
  sender: string | null;
  /** Text comment of the forward payload, if it is one. */
  comment: string | null;
  /** Fift hex of the forward payload when it is not a text comment. */
  binaryComment: string | null;
};

/** A decoded `transfer` (see {@linkcode decodeJettonTransfer}). */
export type JettonTransfer = {
  /** `query_id`. */
  queryId: bigint;
  /** Jetton amount in base units. */
  amount: bigint;
  /** Raw address of the recipient OWNER, `null` for addr_none. */
  destination: string | null;
  /** Raw address the excesses go to, `null` for addr_none. */
  responseDestination: string | null;
  /** TON (nanotons) the recipient's owner receives with the notification. */
  forwardTonAmount: bigint;
  /** Text comment of the forward payload, if it is one. */
  comment: string | null;
  /** Fift hex of the forward payload when it is not a text comment. */
  binaryComment: string | null;
};

function rawAddress(address: Address | null): string | null {
  return address === null ? null : `${address.workChain}:${address.hash.toString("hex")}`;
}

function opOf(body: Cell): number | null {
  return body.bits.length >= 32 ? body.beginParse(true).preloadUint(32) : null;
}

/**
 * Decodes `forward_payload:(Either Cell ^Cell)` from the rest of a body, with
 * the semantics of {@linkcode decodeComment} for the payload cell.
 *
 * - no bits left (some old senders omit the field) or an empty inline
 *   payload: no comment;
 * - bit 0: the payload is the rest of the slice, bits and refs;
 * - bit 1 and a ref: the payload is that ref (an empty ref cell is no comment);
 * - bit 1 without a ref is not a valid Either; the jetton wallet does not
 *   check it on `internal_transfer` and the jettons are credited anyway, so
 *   the remaining bits are kept as a binary comment rather than dropped.
 */
function decodeForwardPayload(s: Slice): DecodedComment {
  if (s.remainingBits === 0) return { comment: null, binaryComment: null };
  const rest = s.clone();
  if (s.loadBit()) {
    if (s.remainingRefs === 0) return { comment: null, binaryComment: formatBinaryComment(rest) };
    return decodeComment(s.loadRef());
  }
  if (s.remainingBits === 0 && s.remainingRefs === 0) return { comment: null, binaryComment: null };
  return decodeComment(beginCell().storeSlice(s).endCell());
}

/** Parses a body with `op`, or returns `null` if the op differs or the fields are truncated. */
function parseWith<T>(body: Cell, op: number, parse: (s: Slice) => T): T | null {
  if (opOf(body) !== op) return null;
  try {
    const s = body.beginParse(true);
    s.skip(32);
    return parse(s);
  } catch {
    return null;
  }
}

/** Fields of an `internal_transfer` body. */
type InternalTransferFields = DecodedComment & {
  queryId: bigint;
  amount: bigint;
  from: string | null;
};

function parseInternalTransfer(body: Cell): InternalTransferFields | null {
  return parseWith(body, JETTON_OPS.internalTransfer, (s) => {
    const queryId = s.loadUintBig(64);
    const amount = s.loadCoins();
    const from = rawAddress(s.loadMaybeAddress());
    s.loadMaybeAddress(); // response_address
    s.loadCoins(); // forward_ton_amount
    return { queryId, amount, from, ...decodeForwardPayload(s) };
  });
}

/**
 * The jetton deposit that a transaction ON OUR JETTON WALLET represents, or
 * `null`.
 *
 * Counted only when all of these hold:
 * - the in-message is an internal, non-bounced `internal_transfer#178d4519`
 *   whose fixed fields parse, with a positive amount (zero-amount transfers
 *   credit nothing and are a common memo-spam vector);
 * - the transaction is successful per `decodeTransaction` AND the VM ran
 *   (`exitCode !== null`). The second condition matters: `decodeTransaction`
 *   counts a no-state skip (message to an uninitialised account) as
 *   successful because the TON value is credited, but on a jetton wallet that
 *   means no code ran and no jetton was credited — anyone can send an
 *   `internal_transfer`-shaped body to our not-yet-deployed jetton wallet.
 *
 * The in-message source is deliberately NOT checked here. Authenticity comes
 * from two facts the caller and the chain guarantee:
 * 1. the caller passes only transactions of the jetton wallet that the
 *    configured master derives for our owner (`get_wallet_address`, see
 *    {@linkcode jettonWalletOf}); a fake jetton's transfer lands in the fake
 *    master's wallet for our owner, a different address, and is never seen;
 * 2. the genuine wallet code accepts `internal_transfer` only from its master
 *    or from the wallet the master derives for the body's `from`, and throws
 *    otherwise (the devnet's exit 707; USDT's governed wallet likewise), so a
 *    forged `internal_transfer` ends in an aborted transaction and
 *    `tx.success` is false. A StateInit attached by a forger must hash to the
 *    wallet's address, hence be the genuine code and data.
 *
 * For the same reason `from` is trustworthy: the genuine wallet only accepts
 * the message from the jetton wallet of `from` (or from the master, whose
 * admin may put any `from` on a mint).
 *
 * The notification (if any) is irrelevant: with `forward_ton_amount = 0` there
 * is none, and the deposit is still here.
 */
export function jettonIncome(tx: DecodedTransaction): JettonIncome | null {
  const message = tx.inMessage;
  if (message === null || message.kind !== "internal" || message.bounced) return null;
  if (!tx.success || tx.exitCode === null || tx.bouncePhase !== null) return null;
  const fields = parseInternalTransfer(message.body);
  if (fields === null || fields.amount <= 0n) return null;
  return {
    amount: fields.amount,
    from: fields.from,
    comment: fields.comment,
    binaryComment: fields.binaryComment,
    queryId: fields.queryId,
  };
}

/**
 * Decodes a `transfer_notification#7362d09c` body, or returns `null` for any
 * other body (or a truncated one).
 *
 * Everything in it is a CLAIM: nothing on chain stops anyone from sending this
 * body to an owner address, so the processor never credits from it (see
 * {@linkcode jettonIncome}).
 */
export function decodeTransferNotification(body: Cell): JettonTransferNotification | null {
  return parseWith(body, JETTON_OPS.transferNotification, (s) => {
    const queryId = s.loadUintBig(64);
    const amount = s.loadCoins();
    const sender = rawAddress(s.loadMaybeAddress());
    return { queryId, amount, sender, ...decodeForwardPayload(s) };
  });
}

/**
 * Whether the transaction's in-message is a `transfer_notification` (internal,
 * not bounced). Such a transaction on an owner address is never an income by
 * itself: {@linkcode jettonIncome} returns `null` for it, and the TON it
 * carries is the payer's forward amount, not a payment.
 */
export function isJettonNotification(tx: DecodedTransaction): boolean {
  const message = tx.inMessage;
  return message !== null && message.kind === "internal" && !message.bounced &&
    opOf(message.body) === JETTON_OPS.transferNotification;
}

/** Decodes a `transfer#0f8a7ea5` body, or returns `null` for another op or a truncated body. */
export function decodeJettonTransfer(body: Cell): JettonTransfer | null {
  return parseWith(body, JETTON_OPS.transfer, (s) => {
    const queryId = s.loadUintBig(64);
    const amount = s.loadCoins();
    const destination = rawAddress(s.loadMaybeAddress());
    const responseDestination = rawAddress(s.loadMaybeAddress());
    s.loadMaybeRef(); // custom_payload
    const forwardTonAmount = s.loadCoins();
    return {
      queryId,
      amount,
      destination,
      responseDestination,
      forwardTonAmount,
      ...decodeForwardPayload(s),
    };
  });
}

/** Parameters of {@linkcode jettonTransferMessageBody}. */
export type JettonTransferMessageParams = {
  /** `query_id`, unique per withdrawal of the hot wallet (see {@linkcode jettonOutKey}). */
  queryId: bigint;
  /** Jetton amount in base units. */
  amount: bigint;
  /** Recipient OWNER address (not its jetton wallet). */
  destination: Address;
  /** Where the excesses go: the hot wallet. */
  responseDestination: Address;
  /** Nanotons sent on with the notification; 0 sends no notification. */
  forwardTonAmount: bigint;
  /** Text comment (op 0 + UTF-8), or `null`. */
  comment: string | null;
  /** Binary comment in Fift hex (see `parseBinaryComment`), or `null`. */
  binaryComment: string | null;
};

/**
 * Stores `forward_payload:(Either Cell ^Cell)`: inline (bit 0 + the payload's
 * bits and refs) when it fits in what is left of the body cell, else bit 1 +
 * a ref. Both forms are valid TEP-74 and both are common on mainnet: Trust
 * Wallet writes comments inline, Tonkeeper and the TON docs' TON Connect
 * cookbook use a ref; indexers, explorers and the reference and USDT wallet
 * code read both (the wallets copy the field as-is into `internal_transfer`
 * and the notification, each of which has fewer bits before it than
 * `transfer`, so an inline payload that fits here fits there too). Inline
 * saves one cell of forwarding fees on each of the three hops.
 */
function storeForwardPayload(b: Builder, payload: Cell | null): void {
  if (payload === null) {
    b.storeBit(0);
    return;
  }
  const fits = b.availableBits >= 1 + payload.bits.length &&
    b.availableRefs >= payload.refs.length;
  if (fits) b.storeBit(0).storeSlice(payload.beginParse());
  else b.storeBit(1).storeRef(payload);
}

/**
 * TEP-74 `transfer#0f8a7ea5` body, sent by the hot wallet to its own jetton
 * wallet: no custom payload, the memo as forward payload (text comment via
 * `encodeComment`, or the exact bits of the parsed binary comment), inline
 * when it fits, else in a ref.
 *
 * @throws Error when both memos are given, the binary comment does not parse,
 *   or a number is out of range (query id beyond 64 bits, negative amounts)
 */
export function jettonTransferMessageBody(p: JettonTransferMessageParams): Cell {
  if (p.comment !== null && p.binaryComment !== null) {
    throw new Error("comment and binary_comment are mutually exclusive");
  }
  let payload: Cell | null = null;
  if (p.comment !== null) payload = encodeComment(p.comment);
  if (p.binaryComment !== null) {
    const parsed = parseBinaryComment(p.binaryComment);
    if ("error" in parsed) throw new Error(`binary_comment: ${parsed.error}`);
    payload = parsed;
  }
  const b = beginCell()
    .storeUint(JETTON_OPS.transfer, 32)
    .storeUint(p.queryId, 64)
    .storeCoins(p.amount)
    .storeAddress(p.destination)
    .storeAddress(p.responseDestination)
    .storeBit(0) // custom_payload: nothing
    .storeCoins(p.forwardTonAmount);
  storeForwardPayload(b, payload);
  return b.endCell();
}

/**
 * For a transaction on our hot wallet whose in-message is an `excesses`
 * (internal, not bounced), its `query_id`; otherwise `null`.
 *
 * An `excesses` is NOT authenticated: anyone can send one with any query id.
 * It normally comes from the RECIPIENT's jetton wallet (the last hop), and
 * only when TON is left over, so it may never arrive. Pass `from` (the
 * recipient's jetton wallet as the real master derives it) to accept only
 * excesses from it; treat the result as a convenience signal, and the hot
 * jetton wallet's own successful transaction (or the recipient wallet's
 * `internal_transfer`) as the proof of delivery.
 */
export function excessesQueryId(
  tx: DecodedTransaction,
  from?: Address | string,
): bigint | null {
  const message = tx.inMessage;
  if (message === null || message.kind !== "internal" || message.bounced) return null;
  if (from !== undefined) {
    const expected = typeof from === "string" ? from : rawAddress(from);
    if (message.source !== expected) return null;
  }
  return parseWith(message.body, JETTON_OPS.excesses, (s) => s.loadUintBig(64));
}

/**
 * For a transaction on our hot wallet whose in-message is a BOUNCED `transfer`
 * (our jetton wallet refused it, e.g. for lack of balance, and the value came
 * back), the `query_id` of that transfer; otherwise `null`. A bounced body is
 * `0xffffffff` followed by the first 256 bits of the original body, which
 * hold the op and the whole query id.
 */
export function bouncedJettonTransferQueryId(tx: DecodedTransaction): bigint | null {
  const message = tx.inMessage;
  if (message === null || message.kind !== "internal" || !message.bounced) return null;
  const s = message.body.beginParse(true);
  if (s.remainingBits < 32 + 32 + 64) return null;
  if (s.loadUint(32) !== BOUNCE_PREFIX || s.loadUint(32) !== JETTON_OPS.transfer) return null;
  return s.loadUintBig(64);
}

/** The subset of `TonClient` that {@linkcode jettonWalletOf} uses. */
export type GetMethodClient = Pick<TonClient, "runMethod">;

/**
 * The jetton wallet that `master` derives for `owner`, by the master's
 * `get_wallet_address` get-method. Only this address's transactions may be
 * passed to {@linkcode jettonIncome}; it never changes for a given master and
 * owner, so callers should cache it.
 *
 * @throws whatever the client throws on node errors, or when the stack holds
 *   no address
 */
export async function jettonWalletOf(
  client: GetMethodClient,
  master: Address,
  owner: Address,
): Promise<Address> {
  const result = await client.runMethod(master, "get_wallet_address", [
    { type: "slice", cell: beginCell().storeAddress(owner).endCell() },
  ]);
  return result.stack.readAddress();
}

/**
 * The key under which a jetton withdrawal is matched: its `query_id`, as `jetton:<query id>`.
 *
 * Why not the TON `outKey` (destination, value, body hash): the value of the
 * message leaving the hot wallet is gas money, not the withdrawal's amount,
 * and the later messages of the same transfer carry neither body nor value —
 * the bounce from our jetton wallet and the `excesses` carry only the query
 * id. With the query id alone as the key, every stage maps to one withdrawal
 * ({@linkcode jettonOutKeyOf} for the sent message, {@linkcode excessesQueryId}
 * and {@linkcode bouncedJettonTransferQueryId} for what comes back). This
 * requires the query id to be unique across the hot wallet's jettons: the
 * processor uses the withdrawal's database id; re-broadcasting the same signed
 * payload reuses it, which is what matching needs.
 */
export function jettonOutKey(queryId: bigint): string {
  return `jetton:${queryId}`;
}

/**
 * {@linkcode jettonOutKey} of an outgoing message of the hot wallet if it
 * carries a jetton `transfer` body, else `null`.
 */
export function jettonOutKeyOf(message: DecodedOutMessage): string | null {
  if (message.kind !== "internal" || message.destination === null) return null;
  const transfer = decodeJettonTransfer(message.body);
  return transfer === null ? null : jettonOutKey(transfer.queryId);
}
