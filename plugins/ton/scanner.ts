/**
 * The TON block scanner: follows masterchain blocks and every shard block committed between
 * them, and turns the transactions of our accounts into incomes and payload sightings.
 *
 * A cursor is a masterchain seqno plus the last shard block seqno seen per shard. Nothing is
 * kept in memory between blocks, so a restart resumes exactly where the database says.
 */

import type {
  AccountLookup,
  ChainScanner,
  Cursor,
  IncomeEvent,
  Json,
  OwnedAccount,
  PayloadSighting,
  ScannedBlock,
  TransferConfirmation,
  UnrecognizedTransfer,
} from "../../core/plugin.ts";
import type { TonNetwork } from "./address.ts";
import { formatTonAddress } from "./address.ts";
import type { BlockId, BlockTransaction, Toncenter } from "./toncenter.ts";
import {
  bouncedJettonTransferQueryId,
  decodeJettonTransfer,
  decodeTransferNotification,
  excessesQueryId,
  jettonIncome,
  jettonOutKey,
  jettonOutKeyOf,
} from "./jetton.ts";
import { type DecodedTransaction, decodeTransaction, incomingTransfer } from "./transaction.ts";

const MASTERCHAIN_SHARD = "-9223372036854775808";

/** Shard id (signed 64-bit decimal, as toncenter prints it) → last seqno ingested. */
type ShardHeights = Record<string, number>;

interface TonCursorState {
  shards: ShardHeights;
}

function shardKey(id: Pick<BlockId, "workchain" | "shard">): string {
  return `${id.workchain}:${id.shard}`;
}

function shardsOf(cursor: Cursor): ShardHeights {
  const state = cursor.state as unknown as TonCursorState | null;
  return state?.shards ?? {};
}

/** Unsigned 64-bit value of a shard id. */
function shardBits(shard: string): bigint {
  return BigInt.asUintN(64, BigInt(shard));
}

/** Whether two shards of one workchain overlap (one is the other or its ancestor). */
function overlaps(a: string, b: string): boolean {
  const x = shardBits(a);
  const y = shardBits(b);
  const lowest = (v: bigint) => v & -v;
  const [wide, narrow] = lowest(x) >= lowest(y) ? [x, y] : [y, x];
  const span = lowest(wide);
  return narrow >= wide - span + 1n && narrow <= wide + span - 1n;
}

/** The key under which a sent message is matched: destination, amount and body. */
export function outKey(destination: string, amount: bigint, bodyHash: string): string {
  return `${destination}:${amount}:${bodyHash}`;
}

/** Creates the scanner. */
export function createTonScanner(
  node: Toncenter,
  network: TonNetwork,
  hotJettonWallets: () => Promise<ReadonlySet<string>> = () => Promise.resolve(new Set()),
  /** The instance's code for native TON (its asset without a master). */
  nativeCode = "TON",
): ChainScanner {
  async function tips(mcSeqno: number): Promise<BlockId[]> {
    return (await node.shards(mcSeqno)).filter((s) => s.workchain === 0);
  }

  /** Whether a block is already ingested according to the cursor's shard heights. */
  function known(id: BlockId, heights: ShardHeights): boolean {
    return Object.entries(heights).some(([key, seqno]) => {
      const [wc, shard] = key.split(":");
      return Number(wc) === id.workchain && overlaps(shard, id.shard) && seqno >= id.seqno;
    });
  }

  /** Shard blocks committed by a masterchain block that the cursor has not seen yet. */
  async function newShardBlocks(top: BlockId[], heights: ShardHeights): Promise<BlockId[]> {
    const sameShards = top.length === Object.keys(heights).length &&
      top.every((b) => heights[shardKey(b)] !== undefined);
    const out: BlockId[] = [];
    if (sameShards) {
      // No split or merge: the new blocks of each shard are simply the seqnos in between.
      for (const b of top) {
        for (let s = heights[shardKey(b)] + 1; s <= b.seqno; s++) out.push({ ...b, seqno: s });
      }
      return out;
    }
    // Shards split or merged: walk back through each block's predecessors.
    const stack = [...top];
    const seen = new Set<string>();
    while (stack.length) {
      const b = stack.pop()!;
      const id = `${shardKey(b)}:${b.seqno}`;
      if (seen.has(id) || known(b, heights)) continue;
      seen.add(id);
      out.push(b);
      stack.push(...(await node.blockHeader(b)).prev.filter((p) => p.workchain === 0));
    }
    return out.sort((a, b) => a.seqno - b.seqno);
  }

  function decodeOurs(
    txs: BlockTransaction[],
    owned: Map<string, OwnedAccount>,
    height: bigint,
    hotJettons: ReadonlySet<string>,
  ): {
    incomes: IncomeEvent[];
    sightings: PayloadSighting[];
    confirmations: TransferConfirmation[];
    unrecognized: UnrecognizedTransfer[];
    returned: TransferConfirmation[];
  } {
    const incomes: IncomeEvent[] = [];
    const sightings: PayloadSighting[] = [];
    const confirmations: TransferConfirmation[] = [];
    const unrecognized: UnrecognizedTransfer[] = [];
    const returned: TransferConfirmation[] = [];
    for (const t of txs) {
      const account = owned.get(t.account);
      if (!account) continue;
      const tx = decodeTransaction(t.boc);
      const income = account.kind !== "deposit"
        ? null
        : account.owner !== null
        ? jettonIncomeOf(tx, account, height)
        : tonIncomeOf(tx, account, height);
      if (income) incomes.push(income);
      const foreign = account.kind === "deposit" && account.owner === null
        ? foreignJettonOf(tx, account)
        : null;
      if (foreign) unrecognized.push(foreign);
      if (tx.inMessage?.kind === "external-in") sightings.push(sightingOf(tx, hotJettons));
      const excess = account.kind === "hot" ? excessesQueryId(tx) : null;
      if (excess !== null) confirmations.push({ outKey: jettonOutKey(excess), txHash: tx.hash });
      const bounced = account.kind === "hot" ? bouncedJettonTransferQueryId(tx) : null;
      if (bounced !== null) returned.push({ outKey: jettonOutKey(bounced), txHash: tx.hash });
    }
    return { incomes, sightings, confirmations, unrecognized, returned };
  }

  function incomeEvent(
    tx: DecodedTransaction,
    fields: Pick<IncomeEvent, "currency" | "to" | "amount" | "comment" | "binaryComment">,
    from: string | null,
    height: bigint,
  ): IncomeEvent {
    return {
      ...fields,
      from: from === null ? null : formatTonAddress(from, network, false),
      txHash: tx.hash,
      // One in-message per transaction: the transaction hash alone is the identity.
      eventIndex: 0,
      blockHeight: height,
      time: tx.now,
    };
  }

  /**
   * A jetton notification to a deposit owner from anything but the jetton wallet we watch for
   * it: an unconfigured jetton (or a forgery; the two cannot be told apart from here).
   */
  function foreignJettonOf(tx: DecodedTransaction, account: OwnedAccount) {
    const message = tx.inMessage;
    if (!tx.success || message?.kind !== "internal" || message.bounced) return null;
    if (message.source === null || message.source === account.watch) return null;
    const notification = decodeTransferNotification(message.body);
    if (!notification) return null;
    return {
      to: tx.account,
      token: message.source,
      from: notification.sender === null
        ? null
        : formatTonAddress(notification.sender, network, false),
      amount: notification.amount,
      comment: notification.comment,
      binaryComment: notification.binaryComment,
      txHash: tx.hash,
      time: tx.now,
    };
  }

  /** TON received by a deposit created for TON (not a jetton deposit's owner wallet). */
  function tonIncomeOf(tx: DecodedTransaction, account: OwnedAccount, height: bigint) {
    const transfer = account.currency === nativeCode ? incomingTransfer(tx) : null;
    if (!transfer) return null;
    const { amount, comment, binaryComment } = transfer;
    const fields = { currency: nativeCode, to: tx.account, amount, comment, binaryComment };
    return incomeEvent(tx, fields, transfer.from, height);
  }

  /**
   * Jettons received by the jetton wallet the configured master derives for a deposit owner:
   * only that wallet is watched, so a fake jetton or a forged notification never gets here.
   */
  function jettonIncomeOf(tx: DecodedTransaction, account: OwnedAccount, height: bigint) {
    const transfer = jettonIncome(tx);
    if (!transfer || account.currency === null || account.owner === null) return null;
    const { amount, comment, binaryComment } = transfer;
    const fields = {
      currency: account.currency,
      to: account.owner,
      amount,
      comment,
      binaryComment,
    };
    return incomeEvent(tx, fields, transfer.from, height);
  }

  function sightingOf(tx: DecodedTransaction, hotJettons: ReadonlySet<string>): PayloadSighting {
    const sent = tx.outMessages.filter((m) => m.kind === "internal" && m.destination !== null);
    return {
      payloadId: tx.inMessage!.bodyHash,
      txHash: tx.hash,
      // A jetton withdrawal is a message to the hot wallet's own jetton wallet; any other
      // message is a TON transfer, whatever its body looks like (a user's binary comment can
      // be shaped like a jetton transfer).
      outKeys: sent.map((m) =>
        (hotJettons.has(m.destination!) ? jettonOutKeyOf(m) : null) ??
          outKey(m.destination!, m.value, m.bodyHash)
      ),
      // A jetton transfer carries jettons; its TON value is only gas.
      outAmounts: sent.map((m) => decodeJettonTransfer(m.body)?.amount ?? m.value),
      fee: tx.fee,
      time: tx.now,
    };
  }

  let knownTip = 0;

  return {
    async initialCursor(): Promise<Cursor> {
      const { last } = await node.masterchainInfo();
      const [top, header] = await Promise.all([tips(last.seqno), node.blockHeader(last)]);
      const shards: ShardHeights = {};
      for (const b of top) shards[shardKey(b)] = b.seqno;
      return { height: BigInt(last.seqno), time: header.time, state: { shards } };
    },

    async next(cursor: Cursor, lookup: AccountLookup): Promise<ScannedBlock | null> {
      const seqno = Number(cursor.height) + 1;
      // While catching up, the tip seen last time is still ahead: no need to ask again.
      if (knownTip < seqno) knownTip = (await node.masterchainInfo()).last.seqno;
      // A node behind the cursor (another backend, a restart) is waited for, never followed back.
      if (knownTip < seqno) return null;
      const mcId = { workchain: -1, shard: MASTERCHAIN_SHARD, seqno };
      // Our accounts all live in the basechain, so masterchain transactions are not fetched.
      const [top, header] = await Promise.all([tips(seqno), node.blockHeader(mcId)]);
      const blocks = await newShardBlocks(top, shardsOf(cursor));
      const txs: BlockTransaction[] = [];
      for (const b of blocks) txs.push(...await node.blockTransactions(b));
      const owned = await lookup([...new Set(txs.map((t) => t.account))]);
      const found = decodeOurs(txs, owned, BigInt(seqno), await hotJettonWallets());
      const shards: ShardHeights = {};
      for (const b of top) shards[shardKey(b)] = b.seqno;
      const state: Json = { shards };
      const next = { height: BigInt(seqno), time: header.time, state };
      return { cursor: next, ...found, transactionCount: txs.length };
    },
  };
}
