/**
 * The TON sender: signs hot wallet batches (W5, up to 250 transfers in one external
 * message) and deposit sweeps, broadcasts them, and reads balances.
 */

import {
  type Address,
  beginCell,
  type Cell,
  external,
  internal,
  type MessageRelaxed,
  SendMode,
  storeMessage,
} from "@ton/core";
import type { KeyPair } from "@ton/crypto";
import type { TonClient, WalletContractV5R1 } from "@ton/ton";
import type {
  AccountBalance,
  ChainSender,
  DepositAccount,
  SignedPayload,
  SweepPreparation,
  TransferItem,
} from "../../core/plugin.ts";
import { expiresOnChain } from "../../core/payload_lifecycle.ts";
import { encodeComment, parseBinaryComment } from "./comment.ts";
import { jettonOutKey, jettonTransferMessageBody, jettonWalletOf } from "./jetton.ts";
import { outKey } from "./scanner.ts";
import { Address as TonAddress } from "@ton/core";
import { Buffer } from "node:buffer";

/** Nanotons kept on the hot wallet for its own fees, beside each transfer's reserve. */
export const HOT_RESERVE = 100_000_000n;
/** Nanotons reserved per transfer for forwarding and action fees. */
export const FEE_PER_TRANSFER = 5_000_000n;
/**
 * TON attached to a jetton transfer for the two jetton wallets' gas; what is not used comes
 * back to the hot wallet as `excesses`.
 */
export const JETTON_TRANSFER_GAS = 50_000_000n;
/** Set in the query_id of every jetton sweep; withdrawal ids never reach it. */
export const SWEEP_QUERY_ID_BIT = 1n << 63n;
/** TON a jetton deposit owner is topped up to before its sweep. */
export const JETTON_SWEEP_TON = 100_000_000n;
/** TON a jetton deposit owner needs to deploy itself and pay its jetton wallet's transfer. */
export const JETTON_SWEEP_MIN_TON = 80_000_000n;
/** A deposit holding less than this is not worth a sweep. */
export const MIN_SWEEP_BALANCE = 20_000_000n;

/** What the sender needs. */
export interface TonSenderDeps {
  /** The instance's code for native TON (its asset without a master). */
  nativeCode: string;
  client: TonClient;
  keys: KeyPair;
  hot: WalletContractV5R1;
  deposit: (index: bigint) => WalletContractV5R1;
  /** Jetton masters by asset code. */
  masters: ReadonlyMap<string, Address>;
  /** The hot wallet's jetton wallet of a master (cached by the caller). */
  hotJettonWallet: (master: Address) => Promise<Address>;
  /** TON forwarded with each jetton withdrawal's notification. */
  jettonForwardTon: bigint;
  maxBatch: number;
  validitySeconds: number;
  /** Scanned chain time past a payload's validity before it counts as expired, seconds. */
  expiryMarginSeconds: number;
  /** Unix seconds now (injectable for tests). */
  now: () => number;
}

function memoBody(comment: string | null, binaryComment: string | null): Cell {
  if (binaryComment !== null) {
    const parsed = parseBinaryComment(binaryComment);
    // The API validated it already; a failure here is a bug, not bad input.
    if ("error" in parsed) throw new Error(`binary comment: ${parsed.error}`);
    return parsed;
  }
  return comment !== null ? encodeComment(comment) : beginCell().endCell();
}

function rawToAddress(raw: string): Address {
  return TonAddress.parseRaw(raw);
}

/** The preparation step that sends a deposit the TON its jetton sweep's gas takes. */
export const TOPUP_STEP = "ton.topup";

/** Creates the sender. */
export function createTonSender(deps: TonSenderDeps): ChainSender {
  const { client, keys, hot, hotJettonWallet } = deps;

  async function stateOf(address: Address) {
    return await client.getContractState(address);
  }

  async function seqnoOf(wallet: WalletContractV5R1, active: boolean): Promise<number> {
    if (!active) return 0;
    const result = await client.runMethod(wallet.address, "seqno");
    return result.stack.readNumber();
  }

  async function sign(
    wallet: WalletContractV5R1,
    messages: MessageRelaxed[],
    sendMode: SendMode,
  ): Promise<SignedPayload & { body: Cell }> {
    const state = await stateOf(wallet.address);
    const active = state.state === "active";
    const seqno = await seqnoOf(wallet, active);
    const validUntil = deps.now() + deps.validitySeconds;
    const body = wallet.createTransfer({
      seqno,
      secretKey: keys.secretKey,
      messages,
      sendMode,
      timeout: validUntil,
    });
    const message = external({ to: wallet.address, init: active ? undefined : wallet.init, body });
    const boc = beginCell().store(storeMessage(message)).endCell().toBoc().toString("base64");
    return {
      payloadId: body.hash().toString("hex"),
      wallet: wallet.address.toRawString(),
      // The external message's BOC, base64: what toncenter's sendBoc takes.
      data: boc,
      validUntil,
      outKeys: [],
      body,
    };
  }

  async function jettonBalance(wallet: Address): Promise<bigint> {
    const state = await stateOf(wallet);
    if (state.state !== "active") return 0n;
    return (await client.runMethod(wallet, "get_wallet_data")).stack.readBigNumber();
  }

  return {
    maxBatch: deps.maxBatch,
    // The W5 seqno orders hot wallet messages: one in flight at a time.
    maxInFlight: 1,
    tokenBalanceLagSeconds: 60,

    withdrawable: () => true,

    nativeCost: (currency: string) =>
      deps.masters.has(currency) ? JETTON_TRANSFER_GAS + deps.jettonForwardTon : 0n,

    async spendable(currency: string): Promise<bigint> {
      const master = deps.masters.get(currency);
      if (master) return await jettonBalance(await hotJettonWallet(master));
      if (currency !== deps.nativeCode) return 0n;
      const { balance } = await stateOf(hot.address);
      const free = balance - HOT_RESERVE - FEE_PER_TRANSFER * BigInt(deps.maxBatch);
      return free > 0n ? free : 0n;
    },

    async buildTransfers(items: TransferItem[]): Promise<SignedPayload> {
      // A top-up is a plain TON payment; TON sweeps never ask for any other step.
      if (items.some((i) => i.step !== null && i.step !== TOPUP_STEP)) {
        throw new Error("TON transfers only");
      }
      const built = await Promise.all(items.map(async (item) => {
        const master = deps.masters.get(item.currency);
        if (!master) {
          const message = internal({
            to: rawToAddress(item.to),
            value: item.amount,
            // Non-bounceable: a withdrawal to an uninitialised wallet must arrive, not return.
            bounce: false,
            body: memoBody(item.comment, item.binaryComment),
          });
          const key = outKey(item.to, item.amount, (message.body as Cell).hash().toString("hex"));
          return { message, key };
        }
        // A jetton withdrawal is a TEP-74 transfer our jetton wallet executes; its query_id
        // is the withdrawal id, which is how the sighting recognises it.
        const wallet = await hotJettonWallet(master);
        const message = internal({
          to: wallet,
          value: JETTON_TRANSFER_GAS + deps.jettonForwardTon,
          bounce: true,
          body: jettonTransferMessageBody({
            queryId: item.id,
            amount: item.amount,
            destination: rawToAddress(item.to),
            responseDestination: hot.address,
            forwardTonAmount: deps.jettonForwardTon,
            comment: item.comment,
            binaryComment: item.binaryComment,
          }),
        });
        return { message, key: jettonOutKey(item.id) };
      }));
      const signed = await sign(hot, built.map((b) => b.message), SendMode.PAY_GAS_SEPARATELY);
      const { body: _body, ...payload } = signed;
      return { ...payload, outKeys: built.map((b) => b.key) };
    },

    async buildSweep(
      account: DepositAccount,
      memo: string | null,
    ): Promise<SignedPayload | SweepPreparation | null> {
      const wallet = deps.deposit(account.index);
      const { balance } = await stateOf(wallet.address);
      const master = deps.masters.get(account.currency);
      // Everything goes, and the emptied wallet is deleted so it pays no storage rent; the
      // next deposit re-creates it with its state init.
      const everything = SendMode.CARRY_ALL_REMAINING_BALANCE + SendMode.DESTROY_ACCOUNT_IF_ZERO;
      if (!master) {
        if (balance < MIN_SWEEP_BALANCE) return null;
        const signed = await sign(
          wallet,
          [internal({ to: hot.address, value: 0n, bounce: false, body: memoBody(memo, null) })],
          everything,
        );
        const { body: _body, ...payload } = signed;
        return { ...payload, outKeys: ["sweep"] };
      }
      const jettonWallet = await jettonWalletOf(client, master, wallet.address);
      const jettons = await jettonBalance(jettonWallet);
      if (jettons === 0n) return null;
      // The owner pays for its jetton wallet's transfer (and its own deployment) in TON. It
      // is topped up to the full amount but needs a little less, because storage fees nibble
      // at an idle balance: without the gap a top-up could be followed by another, forever.
      if (balance < JETTON_SWEEP_MIN_TON) {
        return { prepare: { step: TOPUP_STEP, amount: JETTON_SWEEP_TON - balance, spends: true } };
      }
      const body = jettonTransferMessageBody({
        // Sweeps use the top half of query_id space, so their `excesses` can never be taken
        // for a withdrawal's (whose query_id is its id).
        queryId: SWEEP_QUERY_ID_BIT | account.index,
        amount: jettons,
        destination: hot.address,
        responseDestination: hot.address,
        forwardTonAmount: memo === null ? 0n : 1n,
        comment: memo,
        binaryComment: null,
      });
      // All the owner's TON rides along as gas; what is left returns to the hot wallet as
      // `excesses`, so nothing stays stranded on the deposit.
      const signed = await sign(
        wallet,
        [internal({ to: jettonWallet, value: 0n, bounce: true, body })],
        everything,
      );
      const { body: _body, ...payload } = signed;
      return { ...payload, outKeys: ["sweep"] };
    },

    async broadcast(payload: SignedPayload): Promise<void> {
      await client.sendFile(Buffer.from(payload.data, "base64"));
    },

    // A W5 message carries its own timeout: past it on chain, the wallet refuses it.
    lifecycle: expiresOnChain(deps.expiryMarginSeconds),

    async balance(currency: string, address?: string): Promise<AccountBalance> {
      const owner = address ? rawToAddress(address) : hot.address;
      const master = deps.masters.get(currency);
      if (!master) {
        const state = await stateOf(owner);
        return {
          balance: currency === deps.nativeCode ? state.balance : 0n,
          status: statusOf(state),
        };
      }
      // A jetton balance lives in the owner's jetton wallet, as the master derives it.
      const wallet = address
        ? await jettonWalletOf(client, master, owner)
        : await hotJettonWallet(master);
      const state = await stateOf(wallet);
      return { balance: await jettonBalance(wallet), status: statusOf(state) };
    },
  };
}

function statusOf(state: { state: string; balance: bigint; lastTransaction: unknown }): string {
  if (state.state !== "uninitialized") return state.state;
  return state.balance === 0n && state.lastTransaction === null ? "non_exist" : "uninit";
}
