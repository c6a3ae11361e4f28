/**
 * The EVM sender: native and ERC-20 withdrawals from the hot wallet, deposit sweeps, and the
 * gas top-ups token deposits need for theirs. Transactions are signed locally with viem and
 * handed to the core, which persists them (with nonce and hash) before the first broadcast.
 *
 * Decisions:
 * - One hot wallet payload in flight (`maxInFlight` 1): the account nonce orders them, and the
 *   next nonce is then the node's `pending` count, never a guess that a crash could leave with
 *   a gap. One transfer per transaction, or with a batch contract configured, up to its
 *   `maxBatch` transfers of one asset per call (see `batch.ts`).
 * - A payload's id is the transaction hash; `nonce` is the account nonce, so a replacement (same
 *   nonce, higher fees) and the payload it replaces can never both land.
 * - A payload is dead (`superseded`) once the scanner's cursor shows the hot wallet's nonce
 *   used past it at a depth no reorg replaces (see {@linkcode evmLifecycle}).
 * - Replacement: a payload re-broadcast `replaceAfterBroadcasts` times while the network now asks
 *   more than it offers is re-signed with both fees raised by `bumpPercent` (at least the
 *   network's), never above the `maxFeePerGas` ceiling. A native sweep pays the bump from its
 *   value; a token sweep cannot (its gas was funded exactly) and is only re-broadcast.
 * - Token transfers expect no return value: USDT-like tokens that return none work, and the
 *   scanner judges success by the receipt and the token's own `Transfer` log.
 * - Sweeps pay one fixed price per gas: EIP-1559 with the priority fee equal to the fee cap (or a
 *   legacy gas price), so the fee charged is `gasUsed × price` whatever the base fee, as long as
 *   the base fee stays at or under the price; the price is the base fee plus a quarter (two
 *   blocks of its steepest rise) plus the tip. A native deposit sends its balance less
 *   `21,000 × price`: nothing stays. A token deposit's sweep has as gas limit the node's
 *   `eth_estimateGas` of that very transfer (an ERC-20 transfer's gas is fixed by the state it
 *   runs on) and is topped up with exactly `limit × price` less the native coin it holds; the
 *   sweep then spends all of it as its price. What stays is what the EVM refunds of the limit:
 *   `(limit − gasUsed) × price`, the refund for clearing the deposit's token balance (4,800 gas
 *   since London). The next token sweep of that deposit counts it against its own top-up.
 * - A sweep is signed at the price its balance pays once that price is at least what the network
 *   asks now (base fee plus tip); below that, the shortfall is topped up first (the same
 *   preparation). A signed token sweep is never replaced (it has no coin for a higher fee): it
 *   waits until the base fee is under its price again.
 * - On OP-stack chains (see `l1_fee.ts`), a sweep also sets aside the L1 data fee the oracle
 *   quotes for it, plus a quarter: a native sweep moves that much less, a token deposit's top-up
 *   is that much more. What the L1 fee does not take of it stays on the deposit. A native sweep
 *   whose L1 fee rose past what it set aside is replaced as one stuck on fees is, moving less.
 *
 * @module
 */

import {
  type Hex,
  keccak256,
  parseTransaction,
  type PublicClient,
  type TransactionSerializable,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type {
  AccountBalance,
  ChainSender,
  Cursor,
  DepositAccount,
  PayloadLifecycle,
  SignedPayload,
  StoredPayload,
  SweepPayload,
  SweepPreparation,
  TransferItem,
} from "../../core/plugin.ts";
import type { EvmGasPolicy } from "./config.ts";
import type { EvmAccountKey } from "./derivation.ts";
import { type L1DataFee, l1Reserve } from "./l1_fee.ts";
import { nonceUsed } from "./scanner.ts";
import { encodeBatchCall, outKeysOf } from "./batch.ts";
import { encodeTransferCall } from "./transfers.ts";

/** Gas of a plain native transfer to an account without code. */
const NATIVE_GAS = 21_000n;
/** Gas a token transfer is assumed to take when neither config nor the node says. */
const DEFAULT_TOKEN_GAS = 100_000n;
/** Preparation step: native coin sent to a token deposit for its sweep's gas. */
export const TOPUP_STEP = "evm.topup";

/** An ERC-20 asset the sender moves. */
export interface EvmSenderToken {
  code: string;
  /** Contract, lowercase. */
  contract: string;
  /** Configured gas limit of one transfer; null: estimated. */
  gasLimit: bigint | null;
}

/** Everything the sender needs. */
export interface EvmSenderDeps {
  node: PublicClient;
  key: EvmAccountKey;
  /** Hot wallet, lowercase. */
  hot: string;
  chainId: number;
  gas: EvmGasPolicy;
  /** Code of the native coin when configured. */
  native: string | null;
  /** Configured gas limit of a native transfer; null: estimated. */
  nativeGasLimit: bigint | null;
  tokens: ReadonlyMap<string, EvmSenderToken>;
  /** Blocks below the cursor a reorg may still replace; a nonce used deeper is final. */
  reorgDepth: number;
  /** Batch contract (lowercase) and the most transfers one call pays; null: one per tx. */
  batch: { contract: string; maxBatch: number } | null;
  /** The L1 data fee transactions pay beside their gas (OP-stack chains). */
  l1: L1DataFee;
}

/** Fees per gas: the cap and the priority fee (equal on legacy chains: the gas price). */
interface Fees {
  maxFee: bigint;
  tip: bigint;
}

/** What the payload's `data` holds: the signed transaction and the key's derivation index. */
interface PayloadData {
  raw: Hex;
  index: string;
  /** L1 data fee the transaction set aside, wei (sweeps on OP-stack chains; absent: 0). */
  l1?: string;
}

/** A transaction before it is signed. */
interface Draft {
  to: string;
  value: bigint;
  data?: Hex;
  gas: bigint;
  nonce: number;
  fees: Fees;
}

function raised(value: bigint, percent: number): bigint {
  return value * BigInt(100 + percent) / 100n + 1n;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/**
 * The lifecycle of EVM payloads: a hot wallet payload is dead once the scanned chain used its
 * nonce in a block `reorgDepth` or more below the cursor (no reorg the scanner survives brings
 * that block back); everything else may still land. Members of one family die by the core's
 * own rule when one of them lands.
 */
export function evmLifecycle(
  hot: string,
  reorgDepth: number,
): Pick<PayloadLifecycle, "state"> {
  return {
    state(payload: StoredPayload, cursor: Cursor) {
      if (payload.wallet !== hot || payload.nonce === null || payload.nonce === undefined) {
        return { state: "pending" };
      }
      const final = nonceUsed(cursor, cursor.height - BigInt(reorgDepth));
      if (final !== null && BigInt(payload.nonce) < final) {
        return {
          state: "dead",
          reason: "superseded",
          detail: `the hot wallet's nonce ${payload.nonce} was used by another transaction ` +
            `(next nonce ${final} by block ${cursor.height - BigInt(reorgDepth)})`,
        };
      }
      return { state: "pending" };
    },
  };
}

/** Creates the sender. */
export function createEvmSender(deps: EvmSenderDeps): ChainSender {
  const { node, hot, gas: policy } = deps;
  const legacy = policy.type === "legacy";

  /** What the network asks now, within the ceiling. */
  async function fees(): Promise<Fees> {
    if (legacy) {
      const price = min(await node.getGasPrice(), policy.maxFeePerGas);
      return { maxFee: price, tip: price };
    }
    const [block, suggested] = await Promise.all([
      node.getBlock({ blockTag: "latest" }),
      policy.priorityFeePerGas === undefined
        ? node.estimateMaxPriorityFeePerGas()
        : Promise.resolve(policy.priorityFeePerGas),
    ]);
    const base = block.baseFeePerGas ?? 0n;
    const maxFee = min(base * 2n + suggested, policy.maxFeePerGas);
    return { maxFee, tip: min(suggested, maxFee) };
  }

  /**
   * Fees per gas a sweep pays in full (cap = tip): `price` is enough for the next blocks' base
   * fee, `floor` is what the network asks now (a sweep able to pay only that is still signed).
   */
  async function sweepFees(): Promise<{ price: bigint; floor: bigint }> {
    if (legacy) {
      const price = (await fees()).maxFee;
      return { price, floor: price };
    }
    const [block, tip] = await Promise.all([
      node.getBlock({ blockTag: "latest" }),
      policy.priorityFeePerGas === undefined
        ? node.estimateMaxPriorityFeePerGas()
        : Promise.resolve(policy.priorityFeePerGas),
    ]);
    const base = block.baseFeePerGas ?? 0n;
    return {
      price: min(base + base / 4n + tip, policy.maxFeePerGas),
      floor: min(base + tip, policy.maxFeePerGas),
    };
  }

  function addressOf(index: bigint): string {
    return index === 0n ? hot : deps.key.address(index).address;
  }

  function unsigned(tx: Draft): TransactionSerializable {
    const common = {
      chainId: deps.chainId,
      nonce: tx.nonce,
      to: tx.to as Hex,
      value: tx.value,
      data: tx.data,
      gas: tx.gas,
    };
    return legacy ? { ...common, type: "legacy", gasPrice: tx.fees.maxFee } : {
      ...common,
      type: "eip1559",
      maxFeePerGas: tx.fees.maxFee,
      maxPriorityFeePerGas: tx.fees.tip,
    };
  }

  /** What `tx` sets aside for its L1 data fee (0 where there is none). */
  async function l1Of(tx: Draft): Promise<bigint> {
    return l1Reserve(await deps.l1.quote(unsigned(tx)));
  }

  /**
   * Sizes the L1 fee reserve of `tx`, from `l1`: `fit` reshapes the transaction around a
   * reserve (its value or price; false when it then cannot pay its way), and the quote is taken
   * again, since it follows the transaction's bytes, until the reserve holds. Returns the
   * reserve and whether the transaction fits it.
   */
  async function fitL1(
    tx: Draft,
    l1: bigint,
    fit: (l1: bigint) => boolean,
  ): Promise<{ l1: bigint; fits: boolean }> {
    for (let round = 0; round < 4; round++) {
      if (!fit(l1)) return { l1, fits: false };
      const needed = await l1Of(tx);
      if (needed <= l1) return { l1, fits: true };
      l1 = needed;
    }
    return { l1, fits: fit(l1) };
  }

  async function sign(
    index: bigint,
    tx: Draft,
    transfers = 1,
    l1 = 0n,
  ): Promise<SignedPayload> {
    const account = privateKeyToAccount(deps.key.privateKey(index));
    const raw = await account.signTransaction(unsigned(tx));
    const hash = keccak256(raw);
    const data: PayloadData = { raw, index: String(index), ...(l1 > 0n ? { l1: String(l1) } : {}) };
    return {
      payloadId: hash,
      wallet: addressOf(index),
      data: JSON.stringify(data),
      validUntil: null,
      nonce: String(tx.nonce),
      outKeys: outKeysOf(hash, transfers),
    };
  }

  async function nonceOf(address: string): Promise<number> {
    return await node.getTransactionCount({ address: address as Hex, blockTag: "pending" });
  }

  async function tokenBalance(contract: string, owner: string): Promise<bigint> {
    const data = ("0x70a08231" + owner.slice(2).padStart(64, "0")) as Hex;
    const result = await node.call({ to: contract as Hex, data });
    return result.data && result.data !== "0x" ? BigInt(result.data) : 0n;
  }

  /** The node's estimate with a margin, or `fallback` when the call would revert. */
  async function estimate(
    from: string,
    to: string,
    value: bigint,
    data: Hex | undefined,
    fallback: bigint,
  ): Promise<bigint> {
    try {
      const gas = await node.estimateGas({ account: from as Hex, to: to as Hex, value, data });
      return gas === NATIVE_GAS ? gas : gas * 6n / 5n;
    } catch {
      // It would revert: send it anyway with room, so it fails on chain with the reason and
      // the withdrawal is `failed`, rather than stuck unsigned in the queue.
      return fallback;
    }
  }

  function tokenGas(token: EvmSenderToken): bigint {
    return token.gasLimit ?? DEFAULT_TOKEN_GAS;
  }

  async function buildItem(item: TransferItem): Promise<SignedPayload> {
    if (item.step !== null && item.step !== TOPUP_STEP) {
      throw new Error(`${item.step} is not an EVM preparation step`);
    }
    const [nonce, fee] = await Promise.all([nonceOf(hot), fees()]);
    const token = deps.tokens.get(item.currency);
    if (token) {
      const data = encodeTransferCall(item.to, item.amount);
      const gas = token.gasLimit ?? await estimate(hot, token.contract, 0n, data, tokenGas(token));
      return await sign(0n, { to: token.contract, value: 0n, data, gas, nonce, fees: fee });
    }
    if (item.currency !== deps.native) throw new Error(`${item.currency} is not an EVM asset`);
    const gas = deps.nativeGasLimit ??
      await estimate(hot, item.to, item.amount, undefined, NATIVE_GAS * 3n);
    return await sign(0n, { to: item.to, value: item.amount, gas, nonce, fees: fee });
  }

  /** One call of the batch contract paying every item (all of one currency, see `batchKey`). */
  async function buildBatch(items: TransferItem[], contract: string): Promise<SignedPayload> {
    const token = deps.tokens.get(items[0].currency) ?? null;
    if (token === null && items[0].currency !== deps.native) {
      throw new Error(`${items[0].currency} is not an EVM asset`);
    }
    if (
      items.some((i) => i.currency !== items[0].currency || (i.step ?? TOPUP_STEP) !== TOPUP_STEP)
    ) {
      throw new Error("an EVM batch pays one asset, with plain transfers and top-ups only");
    }
    const amounts = items.map((i) => i.amount);
    const value = token === null ? amounts.reduce((a, b) => a + b, 0n) : 0n;
    const data = encodeBatchCall({
      token: token?.contract ?? null,
      recipients: items.map((i) => i.to),
      amounts,
    });
    const [nonce, fee] = await Promise.all([nonceOf(hot), fees()]);
    const each = token === null ? NATIVE_GAS * 2n : tokenGas(token);
    const gas = await estimate(hot, contract, value, data, 50_000n + each * BigInt(items.length));
    return await sign(0n, { to: contract, value, data, gas, nonce, fees: fee }, items.length);
  }

  /**
   * The deposit's whole native balance as of block `asOf` (the newest final block the core
   * scanned; absent: the head), less the exact gas and, on OP-stack chains, the L1 data fee
   * set aside. Nothing leaves a deposit but its own transactions, all seen by then (the core
   * waits until they are), so the balance at the head is at least this: coin that arrived
   * after `asOf` stays for a later sweep.
   */
  async function sweepNative(
    account: DepositAccount,
    asOf: bigint | null,
  ): Promise<SweepPayload | null> {
    const block = asOf === null
      ? await node.getBlock({ blockTag: "latest" })
      : await node.getBlock({ blockNumber: asOf });
    const [balance, { price }, nonce] = await Promise.all([
      node.getBalance({ address: account.address as Hex, blockNumber: block.number! }),
      sweepFees(),
      nonceOf(account.address),
    ]);
    const tx: Draft = {
      to: hot,
      value: 0n,
      gas: NATIVE_GAS,
      nonce,
      fees: { maxFee: price, tip: price },
    };
    const { l1, fits } = await fitL1(tx, 0n, (l1) => {
      tx.value = balance - NATIVE_GAS * price - l1;
      return tx.value > 0n;
    });
    // Dust that cannot pay for its own transfer: nothing to move.
    if (!fits) return null;
    const payload = await sign(account.index, tx, 1, l1);
    return {
      ...payload,
      moves: { balance, height: block.number!, time: Number(block.timestamp) },
    };
  }

  async function sweepToken(
    account: DepositAccount,
    token: EvmSenderToken,
  ): Promise<SignedPayload | SweepPreparation | null> {
    const amount = await tokenBalance(token.contract, account.address);
    if (amount === 0n) return null;
    const data = encodeTransferCall(hot, amount);
    const [native, { price: fee, floor }, gas, nonce] = await Promise.all([
      node.getBalance({ address: account.address as Hex }),
      sweepFees(),
      // Exactly what the node finds the transfer needs: the deposit is funded for no more.
      token.gasLimit ?? node.estimateGas({
        account: account.address as Hex,
        to: token.contract as Hex,
        data,
      }),
      nonceOf(account.address),
    ]);
    const tx: Draft = {
      to: token.contract,
      value: 0n,
      data,
      gas,
      nonce,
      fees: { maxFee: fee, tip: fee },
    };
    const { l1, fits } = await fitL1(tx, await l1Of(tx), (l1) => {
      if (native - l1 < gas * floor) return false;
      // Spend the whole native balance on gas when it is about what was topped up (nothing
      // movable stays); native coin well beyond that was sent by someone and is left alone.
      const all = (native - l1) / gas;
      const price = all <= fee * 2n && all <= policy.maxFeePerGas ? all : fee;
      tx.fees = { maxFee: price, tip: price };
      return true;
    });
    if (!fits) {
      // Exactly the gas at this price and the L1 fee set aside, less what the deposit holds.
      return { prepare: { step: TOPUP_STEP, amount: gas * fee + l1 - native, spends: true } };
    }
    return await sign(account.index, tx, 1, l1);
  }

  async function replacement(
    payload: StoredPayload,
    cursor: Cursor,
  ): Promise<SignedPayload | null> {
    if (payload.broadcasts < policy.replaceAfterBroadcasts || payload.nonce == null) return null;
    // Used already on the scanned chain (not final yet): it will be judged, not bumped.
    const used = payload.wallet === hot ? nonceUsed(cursor, cursor.height) : null;
    if (used !== null && BigInt(payload.nonce) < used) return null;
    const stored = JSON.parse(payload.data) as PayloadData;
    const old = parseTransaction(stored.raw);
    const oldFees: Fees = legacy
      ? { maxFee: old.gasPrice ?? 0n, tip: old.gasPrice ?? 0n }
      : { maxFee: old.maxFeePerGas ?? 0n, tip: old.maxPriorityFeePerGas ?? 0n };
    const sweep = payload.wallet !== hot;
    // A token sweep has no coin for a higher fee: it waits for the base fee to come back.
    if (sweep && (old.data ?? "0x") !== "0x") return null;
    const draftOf = (value: bigint, fees: Fees): Draft => ({
      to: old.to!,
      value,
      data: old.data,
      gas: old.gas!,
      nonce: old.nonce!,
      fees,
    });
    const reserved = BigInt(stored.l1 ?? "0");
    const [now, l1Now] = await Promise.all([
      fees(),
      sweep ? deps.l1.quote(unsigned(draftOf(old.value ?? 0n, oldFees))) : Promise.resolve(0n),
    ]);
    // Stuck on fees: the network asks more per gas, or more L1 fee than the sweep set aside.
    const l1Short = l1Now > reserved;
    // Not stuck on fees (the node dropped it, say): re-broadcast as it is.
    if (now.maxFee <= oldFees.maxFee && now.tip <= oldFees.tip && !l1Short) return null;
    const maxFee = min(
      max(now.maxFee, raised(oldFees.maxFee, policy.bumpPercent)),
      policy.maxFeePerGas,
    );
    const sweepLike = sweep && oldFees.tip === oldFees.maxFee;
    const tip = sweepLike
      ? maxFee
      : min(max(now.tip, raised(oldFees.tip, policy.bumpPercent)), maxFee);
    // Nodes take a replacement only with both fees at least 10% up.
    if (maxFee < raised(oldFees.maxFee, 10) - 1n || tip < raised(oldFees.tip, 10) - 1n) return null;
    const tx = draftOf(old.value ?? 0n, { maxFee, tip });
    if (!sweep) return await sign(BigInt(stored.index), tx, payload.outKeys.length);
    // A native sweep pays the raise, and an L1 fee risen past its reserve, from what it moves.
    const shared = tx.value - (old.gas ?? NATIVE_GAS) * (maxFee - oldFees.maxFee) + reserved;
    const { l1, fits } = await fitL1(tx, reserved, (l1) => {
      tx.value = shared - l1;
      return tx.value > 0n;
    });
    return fits ? await sign(BigInt(stored.index), tx, payload.outKeys.length, l1) : null;
  }

  const lifecycle: PayloadLifecycle = { ...evmLifecycle(hot, deps.reorgDepth), replacement };

  return {
    maxBatch: deps.batch?.maxBatch ?? 1,
    // A batch call pays one asset: each currency batches on its own.
    batchKey: (currency) => currency,
    maxInFlight: 1,
    // Balances are read at the node's head, which holds every block the scanner saw.
    tokenBalanceLagSeconds: 0,
    // A deposit's native balance changes only by transfers to it (incomes the scanner reports
    // when it traces, or not, see the README) and by its own transactions, whose receipts give
    // the whole fee; no rent, no burn. Native sweeps are reconciled with the records.
    nativeBalanceAccounted: true,

    withdrawable: (currency) => currency === deps.native || deps.tokens.has(currency),

    nativeCost(currency) {
      const token = deps.tokens.get(currency);
      return (token ? tokenGas(token) : deps.nativeGasLimit ?? NATIVE_GAS) * policy.maxFeePerGas;
    },

    async spendable(currency: string): Promise<bigint> {
      const token = deps.tokens.get(currency);
      if (token) return await tokenBalance(token.contract, hot);
      return await node.getBalance({ address: hot as Hex });
    },

    async buildTransfers(items: TransferItem[]): Promise<SignedPayload> {
      if (items.length === 1) return await buildItem(items[0]);
      if (deps.batch === null) throw new Error("an EVM transaction carries one transfer");
      return await buildBatch(items, deps.batch.contract);
    },

    async buildSweep(
      account: DepositAccount,
      _memo: string | null,
      asOf?: bigint | null,
    ): Promise<SweepPayload | SweepPreparation | null> {
      const token = deps.tokens.get(account.currency);
      if (token) return await sweepToken(account, token);
      if (account.currency === deps.native) return await sweepNative(account, asOf ?? null);
      return null;
    },

    async broadcast(payload: SignedPayload): Promise<void> {
      const { raw } = JSON.parse(payload.data) as PayloadData;
      try {
        await node.sendRawTransaction({ serializedTransaction: raw });
      } catch (error) {
        const text = String((error as Error).message ?? error);
        // The node has it already (an earlier broadcast of ours): nothing to do.
        if (
          /already known|known transaction|already imported|already in (the )?(mempool|pool)/i.test(
            text,
          )
        ) {
          return;
        }
        // Its nonce is used: by this very transaction (mined), or by another one, which the
        // lifecycle will judge once the scanner has seen it.
        if (/nonce too low|nonce has already been used/i.test(text)) {
          const mined = await node.getTransaction({ hash: payload.payloadId as Hex })
            .catch(() => null);
          if (mined) return;
        }
        throw new Error(`broadcast refused: ${text.split("\n")[0]}`);
      }
    },

    lifecycle,

    async balance(currency: string, address?: string): Promise<AccountBalance> {
      const owner = address ?? hot;
      const token = deps.tokens.get(currency);
      const balance = token
        ? await tokenBalance(token.contract, owner)
        : await node.getBalance({ address: owner as Hex });
      return { balance, status: "active" };
    },
  };
}
