/**
 * The TRON sender: TRX and TRC20 withdrawals from the hot wallet, deposit sweeps, and the
 * Stake 2.0 energy the hot wallet lends deposits for their sweeps. Transactions are built
 * and signed with `tronweb` (which builds them locally from a reference block, so the node
 * cannot slip in another recipient) and handed to the core persisted-before-broadcast.
 *
 * Decisions:
 * - One contract per transaction, so a payload carries one withdrawal; several payloads may
 *   be in flight at once (no sequence number orders them), as many as the hot wallet can pay
 *   for at their dearest (bandwidth beyond its free and staked bandwidth burnt, plus
 *   `feeLimit`), up to {@linkcode MAX_IN_FLIGHT}.
 * - A payload's id is the txid: known before broadcast, and what the scanner reports.
 * - A TRC20 withdrawal reserves `feeLimit` TRX for energy; a TRX withdrawal reserves the
 *   account-creation fee a new recipient costs.
 * - Sweeps of TRX move the balance less the bandwidth the transfer may burn.
 * - Sweeps of a token first make the deposit able to pay for the transfer: with `topup`, TRX
 *   for the energy it will burn (which also activates it); with `delegate`, activation by a
 *   1-sun transfer, then energy lent from the hot wallet's stake. Either waits while its fee
 *   is above the configured share of the amount (needs the asset's `trxPrice`).
 * - A top-up is sized for the dearer transfer to a new token holder, as the hot wallet's
 *   token balance may be emptied before the sweep executes and a sweep short of energy fails
 *   (burning its fee and halting the sender). The sweep usually burns about half of it, so
 *   the top-up's undo (`tron.return`) has the deposit send what is left back to the hot
 *   wallet once the sweep settled, sized when signed to what the deposit can pay: its whole
 *   balance when its free bandwidth covers the transfer, else the balance less the burn; none
 *   at all when nothing would be left after the burn. Why an undo rather than a top-up sized
 *   to the recipient's balance at sign time (which a withdrawal can still empty before the
 *   sweep executes) or a generic native sweep after every token sweep (which would race the
 *   next top-up of the same deposit): the core already persists an undo with the sweep's
 *   settlement, exactly once per top-up, never signs a sweep of the deposit while it is
 *   unseen, and rebuilds it only once its payload provably died; and its fee is the sweep's.
 *
 * @module
 */
import type { TronWeb } from "tronweb";
import type {
  AccountBalance,
  ChainSender,
  DepositAccount,
  SignedPayload,
  SweepPreparation,
  TransferItem,
} from "../../core/plugin.ts";
import { expiresOnChain } from "../../core/payload_lifecycle.ts";
import { hex } from "./deps.ts";
import type { TronAccountKey } from "./derivation.ts";
import type { TronNode, TronWalletApi } from "./node.ts";
import { tronBandwidthBytes, tronTxId } from "./transaction.ts";

/** Energy of a TRC20 transfer to a holder, and to an address whose balance is zero. */
const TRANSFER_ENERGY = 65_000n;
const NEW_HOLDER_ENERGY = 130_000n;
/** Bytes of bandwidth a transfer takes, rounded up (signed TRC20 transfer ≈ 345). */
const TRANSFER_BYTES = 400n;
/** Account-creation fee a transfer to a new address costs the sender, sun (1 TRX + 0.1 TRX). */
const CREATE_ACCOUNT_SUN = 1_100_000n;
/** TRX the hot wallet keeps for its own bandwidth. */
const HOT_RESERVE_SUN = 2_000_000n;
/** Most hot wallet transactions in flight at once, whatever the hot wallet could pay. */
export const MAX_IN_FLIGHT = 1000;
/** Lent energy is sized with this much slack (per mille), as the stake-to-energy rate moves. */
const LEND_SLACK_PER_MILLE = 50n;

/** Preparation steps of a token sweep: TRX sent to the deposit, energy lent and reclaimed. */
export const TOPUP_STEP = "tron.topup";
/** Energy of the hot wallet's stake delegated to a deposit for its sweep. */
export const LEND_STEP = "tron.lend";
/** The delegated energy taken back once the sweep settled. */
export const RECLAIM_STEP = "tron.reclaim";
/** What is left of a top-up, sent back by the deposit once the sweep settled. */
export const RETURN_STEP = "tron.return";

/**
 * TRX sent to a deposit: to activate it, or for the fee it will burn, with `returned` when
 * what the sweep leaves of it is sent back (see the module notes).
 */
function topUp(amount: bigint, returned = false): SweepPreparation {
  return {
    prepare: { step: TOPUP_STEP, amount, spends: true, undo: returned ? RETURN_STEP : null },
  };
}

/** A TRC20 asset the sender moves. */
export interface TronSenderToken {
  code: string;
  /** Contract, base58. */
  contract: string;
  /** Token base units one TRX is worth, for the fee check; null skips it. */
  trxPrice: bigint | null;
}

/** Everything the sender needs. */
export interface TronSenderDeps {
  tronWeb: TronWeb;
  node: TronWalletApi & Pick<TronNode, "nowBlock">;
  /** Lifetime of a signed transaction from its reference block, seconds. */
  validitySeconds: number;
  /** Scanned chain time past a payload's expiration before it counts as expired, seconds. */
  expiryMarginSeconds: number;
  key: TronAccountKey;
  /** Hot wallet, base58. */
  hot: string;
  /** Code of TRX when configured. */
  trx: string | null;
  tokens: ReadonlyMap<string, TronSenderToken>;
  /** `fee_limit` of TRC20 transfers, sun. */
  feeLimit: bigint;
  strategy: "topup" | "delegate";
  /** Largest fee share of a sweep's amount, basis points. */
  maxFeeBps: number;
}

interface SignedTx {
  txID: string;
  raw_data: { expiration: number; contract: { parameter: { value: Record<string, unknown> } }[] };
  raw_data_hex: string;
  signature?: string[];
}

function safeNumber(amount: bigint): number {
  if (amount <= 0n || amount > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`amount ${amount} is outside what a TRON transfer carries`);
  }
  return Number(amount);
}

/** Creates the sender. */
export function createTronSender(deps: TronSenderDeps): ChainSender {
  const { tronWeb, node, hot } = deps;

  async function prices(): Promise<{ energy: bigint; bandwidth: bigint }> {
    const p = await node.chainParameters();
    return {
      energy: BigInt(p.get("getEnergyFee") ?? 420),
      bandwidth: BigInt(p.get("getTransactionFee") ?? 1000),
    };
  }

  async function sign(unsigned: unknown, index: bigint): Promise<SignedPayload> {
    const key = deps.key.derivePrivateKey(index);
    let signed: SignedTx;
    try {
      // tronweb refuses to sign when the key is not the transaction's owner.
      signed = await tronWeb.trx.sign(
        unsigned as Parameters<TronWeb["trx"]["sign"]>[0],
        hex.encode(key),
      ) as unknown as SignedTx;
    } finally {
      key.fill(0);
    }
    if (tronTxId(signed.raw_data_hex) !== signed.txID) throw new Error("txid does not match");
    return {
      payloadId: signed.txID,
      wallet: index === 0n ? hot : deps.key.deriveAddress(index).address,
      // The signed transaction as JSON, as /wallet/broadcasttransaction takes it.
      data: JSON.stringify({
        txID: signed.txID,
        raw_data: signed.raw_data,
        raw_data_hex: signed.raw_data_hex,
        signature: signed.signature,
        visible: false,
      }),
      validUntil: Math.floor(signed.raw_data.expiration / 1000),
      outKeys: [signed.txID],
    };
  }

  let lastStamp = 0;
  // A head asked for while another request for it is on its way shares that answer, which is
  // as fresh: transactions signed together need one head request, not one each.
  let headOnItsWay: Promise<Awaited<ReturnType<typeof node.nowBlock>>> | null = null;
  const freshHead = () =>
    headOnItsWay ??= node.nowBlock().finally(() => {
      headOnItsWay = null;
    });

  /**
   * TaPoS reference and expiration from the head block, so our validity applies (tronweb
   * would fetch the head itself and fix expiration at 60 s). The timestamp is unique per
   * transaction: two equal withdrawals built on one block would otherwise share a txid, and
   * the chain would take only one of them.
   */
  async function header(): Promise<{ blockHeader: Record<string, string | number> }> {
    const head = await freshHead();
    lastStamp = Math.max(Date.now(), lastStamp + 1);
    return {
      blockHeader: {
        ref_block_bytes: (head.number & 0xffff).toString(16).padStart(4, "0"),
        ref_block_hash: head.id.slice(16, 32),
        expiration: head.timestamp + deps.validitySeconds * 1000,
        timestamp: lastStamp,
      },
    };
  }

  async function tokenTransfer(
    contract: string,
    from: string,
    to: string,
    amount: bigint,
  ): Promise<unknown> {
    const { transaction } = await tronWeb.transactionBuilder.triggerSmartContract(
      contract,
      "transfer(address,uint256)",
      // Built locally from our own reference block: the node cannot alter what we sign.
      { feeLimit: safeNumber(deps.feeLimit), txLocal: true, ...await header() },
      [{ type: "address", value: to }, { type: "uint256", value: amount.toString() }],
      from,
    );
    return transaction;
  }

  /**
   * The deposit's transfer of what is left on it to the hot wallet, or null when nothing
   * would be left once its bandwidth is paid. java-tron burns bandwidth before the transfer
   * validates (`Manager.processTransaction`: `consumeBandwidth`, then `TransferActuator`
   * checks the balance that is left), and its free bandwidth pays only when it covers the
   * whole transaction (`BandwidthProcessor.useFreeNet`). The size depends on the amount's
   * length, so the amount is settled by rebuilding until the burn it was sized for covers
   * the transaction it makes (twice, as a rule; what a shorter amount saves, under 0.001 TRX
   * a byte, stays).
   */
  async function giveBack(item: TransferItem): Promise<SignedPayload | null> {
    const account = item.account;
    if (!account || account.address !== item.to) {
      throw new Error(`${RETURN_STEP} ${item.id} names no deposit to sign it`);
    }
    const state = await node.account(account.address);
    // Its top-up activated it: a node that does not know it is behind, not a sign of none.
    if (!state) throw new Error(`the node does not know ${account.address}: it is behind`);
    const [resource, price] = await Promise.all([node.accountResource(account.address), prices()]);
    // Staked bandwidth is tried first, then the free allowance (`useAccountNet`, `useFreeNet`).
    const covered = (bytes: number) =>
      bytes <= resource.netLimit - resource.netUsed ||
      bytes <= resource.freeNetLimit - resource.freeNetUsed;
    let burn = 0n;
    for (let attempt = 0; attempt < 4; attempt++) {
      const amount = state.balance - burn;
      if (amount <= 0n) return null;
      const unsigned = await tronWeb.transactionBuilder.sendTrx(
        hot,
        safeNumber(amount),
        account.address,
        await header(),
      );
      const signed = await sign(unsigned, account.index);
      const { raw_data_hex, signature } = JSON.parse(signed.data) as SignedTx;
      const bytes = tronBandwidthBytes(raw_data_hex, signature?.length ?? 0);
      const needed = covered(bytes) ? 0n : BigInt(bytes) * price.bandwidth;
      if (needed <= burn) return signed;
      burn = needed;
    }
    throw new Error(`${RETURN_STEP} ${item.id}: its size did not settle`);
  }

  async function buildItem(item: TransferItem): Promise<unknown> {
    switch (item.step) {
      case LEND_STEP:
        return await tronWeb.transactionBuilder.delegateResource(
          safeNumber(item.amount),
          item.to,
          "ENERGY",
          hot,
          false,
          undefined,
          await header(),
        );
      case RECLAIM_STEP:
        return await tronWeb.transactionBuilder.undelegateResource(
          safeNumber(item.amount),
          item.to,
          "ENERGY",
          hot,
          await header(),
        );
      case null:
      case TOPUP_STEP: {
        const token = deps.tokens.get(item.currency);
        if (token) return await tokenTransfer(token.contract, hot, item.to, item.amount);
        if (item.currency !== deps.trx) throw new Error(`${item.currency} is not a TRON asset`);
        return await tronWeb.transactionBuilder.sendTrx(
          item.to,
          safeNumber(item.amount),
          hot,
          await header(),
        );
      }
      default:
        throw new Error(`${item.step} is not a TRON preparation step`);
    }
  }

  /** Whether the fee, in TRX sun, is too large a share of `amount` of `currency`. */
  function tooDear(currency: string, amount: bigint, feeSun: bigint): boolean {
    const price = currency === deps.trx ? 1_000_000n : deps.tokens.get(currency)?.trxPrice;
    if (price === null || price === undefined) return false;
    const feeInUnits = feeSun * price / 1_000_000n;
    return feeInUnits * 10_000n > amount * BigInt(deps.maxFeeBps);
  }

  async function sweepTrx(
    account: DepositAccount,
  ): Promise<SignedPayload | SweepPreparation | null> {
    const state = await node.account(account.address);
    if (!state || state.balance === 0n) return null;
    const resource = await node.accountResource(account.address);
    const freeNet = resource.freeNetLimit - resource.freeNetUsed;
    const transfer = async (amount: bigint) =>
      await tronWeb.transactionBuilder.sendTrx(
        hot,
        safeNumber(amount),
        account.address,
        await header(),
      );
    // The burn is priced on this very transaction's bytes, as java-tron counts them: a
    // rounded-up size would leave the difference on the deposit at every sweep it burns for,
    // or burn for one its free bytes still cover. Only the amount's varint can change between
    // the two builds, and only shrink, so the deposit keeps at most a few bytes' price.
    const whole = await transfer(state.balance);
    const bytes = BigInt(tronBandwidthBytes(whole.raw_data_hex, 1));
    const burn = freeNet >= bytes ? 0n : bytes * (await prices()).bandwidth;
    const amount = state.balance - burn;
    // Dust that cannot pay for its own transfer waits for more to arrive.
    if (amount <= 0n || tooDear(account.currency, amount, burn)) {
      return { wait: `a ${burn} sun fee is too large a share of ${state.balance}` };
    }
    return await sign(burn === 0n ? whole : await transfer(amount), account.index);
  }

  async function sweepToken(
    account: DepositAccount,
    token: TronSenderToken,
  ): Promise<SignedPayload | SweepPreparation | null> {
    const amount = await node.trc20Balance(token.contract, account.address);
    if (amount === 0n) return null;
    const [state, resource, price, hotHolds] = await Promise.all([
      node.account(account.address),
      node.accountResource(account.address),
      prices(),
      node.trc20Balance(token.contract, hot),
    ]);
    // The fee is judged by the energy the transfer should take, but the deposit is given
    // enough for the dearer case: the hot wallet's token balance may be emptied before the
    // sweep executes, and a sweep that runs out of energy halts the sender.
    const expected = hotHolds > 0n ? TRANSFER_ENERGY : NEW_HOLDER_ENERGY;
    const energy = NEW_HOLDER_ENERGY;
    const freeNet = state ? BigInt(resource.freeNetLimit - resource.freeNetUsed) : 0n;
    const bandwidthSun = freeNet >= TRANSFER_BYTES ? 0n : TRANSFER_BYTES * price.bandwidth;
    const available = BigInt(Math.max(0, resource.energyLimit - resource.energyUsed));
    const balance = state?.balance ?? 0n;

    if (deps.strategy === "topup") {
      const burn = energy * price.energy + bandwidthSun;
      const fee = expected * price.energy + bandwidthSun + (state ? 0n : CREATE_ACCOUNT_SUN);
      if (balance < burn) {
        if (tooDear(account.currency, amount, fee)) {
          return { wait: `a ${fee} sun fee is too large a share of ${amount}` };
        }
        return topUp(burn - balance, true);
      }
    } else {
      // Activation first: energy cannot be delegated to an account that does not exist.
      if (!state) {
        const fee = CREATE_ACCOUNT_SUN + 3n * TRANSFER_BYTES * price.bandwidth;
        if (tooDear(account.currency, amount, fee)) {
          return { wait: `a ${fee} sun fee is too large a share of ${amount}` };
        }
        return topUp(1n);
      }
      if (balance < bandwidthSun) return topUp(bandwidthSun - balance);
      if (available < energy) {
        const lend = await stakeFor(energy - available);
        if (lend === null) return { wait: "the network reports no energy rate" };
        const free = await node.delegatableEnergyStake(hot);
        if (free < lend) {
          return { wait: `the hot wallet can lend ${free} sun of stake; ${lend} is needed` };
        }
        // Sized against the stake free now: one lend at a time, taken back after the sweep.
        return {
          prepare: {
            step: LEND_STEP,
            amount: lend,
            spends: false,
            undo: RECLAIM_STEP,
            exclusive: true,
          },
        };
      }
    }
    const unsigned = await tokenTransfer(token.contract, account.address, hot, amount);
    return await sign(unsigned, account.index);
  }

  /** Sun of staked TRX that gives `energy`, with slack; null when the rate is unknown. */
  async function stakeFor(energy: bigint): Promise<bigint | null> {
    const r = await node.accountResource(hot);
    if (r.totalEnergyLimit <= 0 || r.totalEnergyWeight <= 0) return null;
    // Energy per staked TRX = TotalEnergyLimit / TotalEnergyWeight (weight in whole TRX).
    const limit = BigInt(r.totalEnergyLimit);
    const weight = BigInt(r.totalEnergyWeight);
    const trx = (energy * weight + limit - 1n) / limit;
    return (trx * (1000n + LEND_SLACK_PER_MILLE) / 1000n + 1n) * 1_000_000n;
  }

  return {
    maxBatch: 1,
    maxInFlight: MAX_IN_FLIGHT,

    async inFlightCapacity(): Promise<number> {
      const [state, r, price] = await Promise.all([
        node.account(hot),
        node.accountResource(hot),
        prices(),
      ]);
      const balance = (state?.balance ?? 0n) - HOT_RESERVE_SUN;
      if (balance <= 0n) return 0;
      // The node's figures leave out the transactions in flight, so they are counted here.
      const freeBytes = Math.max(0, r.freeNetLimit - r.freeNetUsed) +
        Math.max(0, r.netLimit - r.netUsed);
      const covered = BigInt(freeBytes) / TRANSFER_BYTES;
      const burn = TRANSFER_BYTES * price.bandwidth;
      // Besides bandwidth, the dearest transaction: a TRC20 transfer burning all its fee
      // limit, or a TRX payment to an account it creates.
      const fee = deps.tokens.size && deps.feeLimit > CREATE_ACCOUNT_SUN
        ? deps.feeLimit
        : CREATE_ACCOUNT_SUN;
      // n transactions cost n * fee + max(0, n - covered) * burn, at most the balance.
      const byFee = balance / fee;
      const n = byFee <= covered ? byFee : (balance + covered * burn) / (fee + burn);
      return Number(n > BigInt(MAX_IN_FLIGHT) ? BigInt(MAX_IN_FLIGHT) : n);
    },
    // balanceOf is read at the head, which already holds every block the scanner saw.
    tokenBalanceLagSeconds: 0,

    withdrawable: (currency) => currency === deps.trx || deps.tokens.has(currency),

    nativeCost: (currency) => deps.tokens.has(currency) ? deps.feeLimit : CREATE_ACCOUNT_SUN,

    async spendable(currency: string): Promise<bigint> {
      const token = deps.tokens.get(currency);
      if (token) return await node.trc20Balance(token.contract, hot);
      const state = await node.account(hot);
      const free = (state?.balance ?? 0n) - HOT_RESERVE_SUN;
      return free > 0n ? free : 0n;
    },

    async buildTransfers(items: TransferItem[]): Promise<SignedPayload | null> {
      if (items.length !== 1) throw new Error("a TRON transaction carries one transfer");
      if (items[0].step === RETURN_STEP) return await giveBack(items[0]);
      return await sign(await buildItem(items[0]), 0n);
    },

    async buildSweep(account: DepositAccount): Promise<SignedPayload | SweepPreparation | null> {
      const token = deps.tokens.get(account.currency);
      if (token) return await sweepToken(account, token);
      if (account.currency === deps.trx) return await sweepTrx(account);
      return null;
    },

    async broadcast(payload: SignedPayload): Promise<void> {
      const result = await node.broadcast(JSON.parse(payload.data));
      // Already known to the node (an earlier broadcast of ours): nothing to do.
      if (result.ok || result.code === "DUP_TRANSACTION_ERROR") return;
      throw new Error(`broadcast refused: ${result.code ?? "error"} ${result.message ?? ""}`);
    },

    // A transaction carries its expiration; the chain refuses it in a block past that time.
    lifecycle: expiresOnChain(deps.expiryMarginSeconds),

    async balance(currency: string, address?: string): Promise<AccountBalance> {
      const owner = address ?? hot;
      const state = await node.account(owner);
      const status = state ? "active" : "non_exist";
      const token = deps.tokens.get(currency);
      if (token) return { balance: await node.trc20Balance(token.contract, owner), status };
      return { balance: state?.balance ?? 0n, status };
    },
  };
}
