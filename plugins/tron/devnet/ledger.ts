/**
 * The devnet ledger's state: accounts with their TRX balances, TRC10 holdings and stake,
 * delegation records, TRC20 balances and the transactions as stored; and how an account comes
 * to be (activation) and how its daily usage resets.
 *
 * Recovery: all usage (free and staked bandwidth, energy) resets when the head block enters a
 * new UTC day, instead of java-tron's linear 24-hour recovery.
 *
 * @module
 */
import { hex as hexCodec } from "../deps.ts";
import type { RawDataJson } from "./protobuf.ts";

/** Sun in one TRX. */
export const TRX_SUN = 1_000_000n;
/** A UTC day, ms: resource usage is counted per day. */
export const DAY_MS = 86_400_000;
/** Fee burnt by a TRX transfer that creates (activates) its recipient. */
export const CREATE_NEW_ACCOUNT_FEE_SUN = 1_000_000n;
/** Bandwidth fee of an account creation (free bandwidth cannot pay it). */
export const CREATE_ACCOUNT_NET_FEE_SUN = 100_000n;
/** Id of the devnet's TRC10 token (java-tron numbers TRC10 tokens from 1000001). */
export const DEVNET_TRC10_ID = "1000001";
/** Supply of the devnet's TRC10 token, all held by the faucet. */
export const TRC10_SUPPLY = 100_000_000_000_000n;

/** A resource TRX can be staked for in the devnet. */
export type StakeResource = "BANDWIDTH" | "ENERGY";

/** Sun per resource. */
export type PerResource = Record<StakeResource, bigint>;

/** One delegation record, as java-tron keeps them: owner to receiver, locked or not. */
export interface Delegation {
  /** Owner (delegator), `41…` hex. */
  readonly from: string;
  /** Receiver, `41…` hex. */
  readonly to: string;
  /** Whether this is the locked record of the pair. */
  readonly locked: boolean;
  /** Delegated stake, sun. */
  readonly balance: PerResource;
  /** When the lock of each resource ends, ms (0 when unlocked). */
  readonly expire: Record<StakeResource, number>;
}

/** An account of the ledger. */
export interface Account {
  /** Spendable TRX, sun (stake excluded). */
  balance: bigint;
  /** Activation time, ms. */
  createTime: number;
  /** Free bandwidth used today, bytes. */
  freeNetUsed: number;
  /** Staked bandwidth used today, bytes. */
  netUsed: number;
  /** Energy used today. */
  energyUsed: number;
  /** UTC day of the last resource use; usage resets when it changes. */
  usageDay: number;
  /** Own stake not delegated (`frozenV2`), sun. */
  readonly frozen: PerResource;
  /** Own stake delegated to other accounts, sun. */
  readonly delegatedOut: PerResource;
  /** Stake other accounts delegated to this one, sun. */
  readonly acquired: PerResource;
  /** TRC10 balances by token id (`assetV2`). */
  readonly assets: Record<string, bigint>;
}

/** A TRC20 contract of the ledger. */
export interface Trc20Token {
  /** Symbol. */
  readonly symbol: string;
  /** Decimals. */
  readonly decimals: number;
  /** Contract address, `41…` hex. */
  readonly hex: string;
  /** Contract address, base58. */
  readonly address: string;
  /** Total supply (base units), all minted to the faucet. */
  readonly totalSupply: bigint;
  /** Balances by `41…` hex owner. */
  readonly balances: Map<string, bigint>;
}

/** A transaction as the devnet stores it (addresses in hex). */
export interface StoredTx {
  /** Txid. */
  txID: string;
  /** Decoded raw data, hex addresses. */
  raw_data: RawDataJson;
  /** Protobuf raw data. */
  raw_data_hex: string;
  /** Signatures, hex. */
  signature: string[];
  /** `ret[0].contractRet` once executed. */
  contractRet?: string;
}

/** Transaction info, node JSON shape (`gettransactioninfobyid`). */
export type TxInfo = Record<string, unknown>;

/** Where a transaction executes: its block's number and time, as its info reports them. */
export interface BlockPlace {
  /** Block number. */
  blockNumber: number;
  /** Block time, ms. */
  blockTimeStamp: number;
}

/** Everything transactions read and change. */
export interface Ledger {
  /** Accounts by `41…` hex. */
  readonly accounts: Map<string, Account>;
  /** TRC20 contracts by `41…` hex. */
  readonly tokens: Map<string, Trc20Token>;
  /** `41…` hex of the forwarder contract (see `contracts.ts`). */
  readonly forwarder: string;
  /** `TotalEnergyWeight` / `TotalNetWeight`, whole TRX. */
  readonly weights: Record<StakeResource, number>;
  /** Delegation records by owner ‖ receiver ‖ lock flag, in creation order. */
  readonly delegations: Map<string, Delegation>;
  /** Time of the head block, ms: the day usage counts in, and "now" for delegation locks. */
  time: number;
}

/** A fresh, empty account activated at `now`. */
export function newAccount(now: number): Account {
  return {
    balance: 0n,
    createTime: now,
    freeNetUsed: 0,
    netUsed: 0,
    energyUsed: 0,
    usageDay: Math.floor(now / DAY_MS),
    frozen: { BANDWIDTH: 0n, ENERGY: 0n },
    delegatedOut: { BANDWIDTH: 0n, ENERGY: 0n },
    acquired: { BANDWIDTH: 0n, ENERGY: 0n },
    assets: {},
  };
}

/** Account by `41…` hex, with daily usage reset applied; undefined when not activated. */
export function accountOf(ledger: Ledger, hex: string): Account | undefined {
  const acc = ledger.accounts.get(hex);
  if (acc) {
    const day = Math.floor(ledger.time / DAY_MS);
    if (acc.usageDay !== day) {
      acc.usageDay = day;
      acc.freeNetUsed = 0;
      acc.netUsed = 0;
      acc.energyUsed = 0;
    }
  }
  return acc;
}

/** The account of `hex`, activated at `now` when it does not exist yet. */
export function activate(ledger: Ledger, hex: string, now: number): Account {
  let acc = ledger.accounts.get(hex);
  if (!acc) {
    acc = newAccount(now);
    ledger.accounts.set(hex, acc);
  }
  return acc;
}

/** Whether `hex` is one of the devnet's contracts (its TRC20s or the forwarder). */
export function isContract(ledger: Ledger, hex: string): boolean {
  return ledger.tokens.has(hex) || hex === ledger.forwarder;
}

/** Hex of a text's UTF-8 bytes, as java-tron prints names and messages. */
export function utf8Hex(text: string): string {
  return hexCodec.encode(new TextEncoder().encode(text));
}

/** One transaction executing: what it reads and writes, and where it lands. */
export interface Execution {
  /** The ledger it changes. */
  readonly ledger: Ledger;
  /** The transaction. */
  readonly tx: StoredTx;
  /** Its owner's account. */
  readonly acc: Account;
  /** Its transaction info, being written. */
  readonly info: TxInfo;
  /** Its block. */
  readonly at: BlockPlace;
}
