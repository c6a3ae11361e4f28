/**
 * In-memory TRON ledger for the devnet: TRX and TRC20 balances, blocks,
 * transaction execution with bandwidth and energy accounting.
 *
 * Fee model (simplified from java-tron, numbers are mainnet's defaults):
 * - Bandwidth: a transaction uses `serialized size + 64` bytes. Each account has
 *   600 free bytes per UTC day; beyond that it burns 1,000 sun per byte (`net_fee`).
 * - Account activation: TRX sent to an account that does not exist creates it;
 *   the sender burns 1 TRX (`CreateNewAccountFeeInSystemContract`) plus 0.1 TRX
 *   for the creation bandwidth (free bandwidth cannot pay it), so the info shows
 *   `fee: 1100000`, `receipt.net_fee: 100000`. TRC20 tokens never activate.
 * - Energy: a TRC20 `transfer` costs {@link TRC20_TRANSFER_ENERGY}, or
 *   {@link TRC20_TRANSFER_NEW_HOLDER_ENERGY} when the recipient's token balance
 *   is zero (new storage slot); a revert costs {@link REVERT_ENERGY}. Energy comes
 *   first from the account's energy limit (its stake, below), the rest is burnt
 *   at 420 sun each, capped by `fee_limit` and the balance; when that is not
 *   enough the call fails with `OUT_OF_ENERGY`, burns the whole allowance and
 *   emits no log.
 * - Stake 2.0: `FreezeBalanceV2Contract`, `DelegateResourceContract` and
 *   `UnDelegateResourceContract` execute as in java-tron (same validation
 *   messages, lock periods included). An account's daily energy is
 *   `trunc(stakeTrx × TotalEnergyLimit / TotalEnergyWeight)`, where `stakeTrx` is
 *   the whole TRX of its own undelegated energy stake plus the stake delegated to
 *   it, {@link TOTAL_ENERGY_LIMIT} is mainnet's and TotalEnergyWeight is
 *   {@link NETWORK_ENERGY_WEIGHT} plus every devnet account's energy stake: about
 *   100 energy per staked TRX, so ~650 TRX cover a 65k transfer and ~1,300 TRX a
 *   130k one (mainnet gives roughly 10–15 per TRX; the devnet is cheaper so
 *   tests stake little). Bandwidth works the same with {@link TOTAL_NET_LIMIT}
 *   and {@link NETWORK_NET_WEIGHT} (1 byte per staked TRX); staked bandwidth is
 *   used before the 600 free bytes, as java-tron does. Unstaking
 *   (`UnfreezeBalanceV2`, withdrawals) is not implemented.
 * - Recovery: all usage (free and staked bandwidth, energy) resets when the head
 *   block enters a new UTC day, instead of java-tron's linear 24-hour recovery.
 *
 * Forks: {@link TronChain.reorg} replaces the last few blocks with a new branch
 * at the same heights, as a short fork of the real network does. Every block
 * leaves a copy of the ledger state behind (for the last {@link MAX_REORG_DEPTH}
 * blocks), so rolling back is restoring the copy of the fork point instead of
 * undoing transactions one by one.
 *
 * @module
 */
import { hex as hexCodec, keccak_256, secp256k1, sha256 } from "../deps.ts";
import {
  parseTronAddress,
  tronAddressFromHex,
  tronAddressFromPublicKey,
  tronHexFromAddress,
} from "../address.ts";
import { recoverTronSigner, signTronTx, tronTxId } from "../transaction.ts";
import { TRANSFER_TOPIC } from "../logs.ts";
import {
  type BlockHeaderRaw,
  blockId,
  type ContractJson,
  type ContractValue,
  decodeRawData,
  encodeBlockHeaderRaw,
  encodeRawData,
  type RawDataJson,
  typeUrl,
} from "./protobuf.ts";

/** Sun burnt per unit of energy. */
export const ENERGY_PRICE_SUN = 420n;
/** Sun burnt per byte of bandwidth beyond the free allowance. */
export const BANDWIDTH_PRICE_SUN = 1000n;
/** Free bandwidth bytes per account per day. */
export const FREE_NET_LIMIT = 600;
/** Fee burnt by a TRX transfer that creates (activates) its recipient. */
export const CREATE_NEW_ACCOUNT_FEE_SUN = 1_000_000n;
/** Bandwidth fee of an account creation (free bandwidth cannot pay it). */
export const CREATE_ACCOUNT_NET_FEE_SUN = 100_000n;
/** Energy of a TRC20 transfer to an address that already holds the token. */
export const TRC20_TRANSFER_ENERGY = 65_000;
/** Energy of a TRC20 transfer to an address whose token balance is zero. */
export const TRC20_TRANSFER_NEW_HOLDER_ENERGY = 130_000;
/** Energy a reverted call consumes. */
export const REVERT_ENERGY = 1_000;
/** Network-wide energy per day (java-tron's `TotalEnergyLimit`, mainnet's value). */
export const TOTAL_ENERGY_LIMIT = 180_000_000_000;
/**
 * Whole TRX staked for energy by the rest of an imagined network, the base of
 * `TotalEnergyWeight`: with {@link TOTAL_ENERGY_LIMIT} it makes 1 staked TRX worth
 * about 100 energy a day, and keeps that rate nearly constant however much the
 * few devnet accounts stake (alone they would share the whole daily limit).
 */
export const NETWORK_ENERGY_WEIGHT = 1_800_000_000;
/** Network-wide staked bandwidth per day (java-tron's `TotalNetLimit`, mainnet's value). */
export const TOTAL_NET_LIMIT = 43_200_000_000;
/** Base of `TotalNetWeight` (whole TRX): 1 staked TRX gives about 1 byte a day. */
export const NETWORK_NET_WEIGHT = 43_200_000_000;
/** Longest delegation lock, in 3-second blocks (mainnet's `getMaxDelegateLockPeriod`). */
export const MAX_DELEGATE_LOCK_PERIOD = 864_000;
/** Lock of a locked delegation that names no period: 3 days in blocks, as java-tron. */
const DEFAULT_DELEGATE_LOCK_PERIOD = 86_400;
/** Block interval java-tron's lock periods count in. */
const LOCK_BLOCK_MS = 3_000;
const TRX_SUN = 1_000_000n;
/** Deepest fork {@link TronChain.reorg} can make: blocks whose state the ledger keeps. */
export const MAX_REORG_DEPTH = 50;
/** Extra bandwidth bytes java-tron charges per contract for the result. */
const MAX_RESULT_SIZE_IN_TX = 64;
const DAY_MS = 86_400_000;

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

/** A TRC20 token to create at start. */
export interface Trc20Spec {
  /** Symbol, e.g. `USDT_TRC20`. */
  symbol: string;
  /** Decimals reported by `decimals()`. */
  decimals: number;
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

/** A produced block. */
export interface Block {
  /** Block id, hex. */
  id: string;
  /** Header raw data. */
  header: BlockHeaderRaw;
  /** Witness signature, hex. */
  witnessSignature: string;
  /** Transactions in execution order. */
  txs: StoredTx[];
  /** Transaction infos, same order. */
  infos: TxInfo[];
}

/** Options of {@link TronChain.reorg}. */
export interface TronReorgOptions {
  /**
   * Txids of transactions in the replaced blocks that the new branch leaves
   * out, as if they had never been broadcast (they may be broadcast again).
   */
  drop?: string[];
}

/**
 * Ledger state after a block: everything transactions change, except the txid
 * index, which a rollback trims by the replaced blocks' transactions instead
 * (copying it every block would grow with the whole history).
 */
interface LedgerState {
  accounts: Map<string, Account>;
  /** Token balances by contract `41…` hex. */
  tokenBalances: Map<string, Map<string, bigint>>;
  weights: Record<StakeResource, number>;
  delegations: Map<string, Delegation>;
}

/** Outcome of a broadcast: accepted, or a node error code with a readable message. */
export type BroadcastOutcome =
  | { ok: true; txid: string }
  | { ok: false; txid?: string; code: string; message: string };

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

/** Error carrying a node error code (`CONTRACT_VALIDATE_ERROR`, …). */
export class NodeError extends Error {
  /** @param code node error code @param message readable message */
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const SELECTOR_TRANSFER = "a9059cbb";
const SELECTOR_BALANCE_OF = "70a08231";
const SELECTOR_DECIMALS = "313ce567";
const SELECTOR_SYMBOL = "95d89b41";
const SELECTOR_NAME = "06fdde03";
const SELECTOR_TOTAL_SUPPLY = "18160ddd";
/** `forward(address)` of the devnet's forwarder contract: pays the call's value to the address. */
export const SELECTOR_FORWARD: string = hexCodec.encode(
  keccak_256(new TextEncoder().encode("forward(address)")),
).slice(0, 8);
/** Energy of a forward to an existing account (a value `CALL`, java-tron charges about 9k). */
export const FORWARD_ENERGY = 12_000;
/** Energy of a forward that creates its recipient (TVM charges account creation on top). */
export const FORWARD_NEW_ACCOUNT_ENERGY = 37_000;
/** Id of the devnet's TRC10 token (java-tron numbers TRC10 tokens from 1000001). */
export const DEVNET_TRC10_ID = "1000001";
/** Supply of the devnet's TRC10 token, all held by the faucet. */
const TRC10_SUPPLY = 100_000_000_000_000n;
/** `call` as java-tron stores an internal transaction's note: the bytes, printed in hex. */
const NOTE_CALL = "63616c6c";

/** First 4 bytes of keccak256 of a function signature, hex. */
export function functionSelector(signature: string): string {
  return hexCodec.encode(keccak_256(new TextEncoder().encode(signature.replace(/\s/g, "")))).slice(
    0,
    8,
  );
}

/** ABI word of an unsigned integer. */
function word(value: bigint): string {
  return value.toString(16).padStart(64, "0");
}

/** ABI encoding of a single dynamic `string` return value. */
function abiString(text: string): string {
  const bytes = hexCodec.encode(new TextEncoder().encode(text));
  const padded = bytes.padEnd(Math.ceil(bytes.length / 64) * 64 || 64, "0");
  return word(32n) + word(BigInt(bytes.length / 2)) + padded;
}

/** `41…` hex of an address in hex or base58; throws NodeError when invalid. */
export function toHex41(input: unknown, what: string): string {
  if (typeof input !== "string") throw new NodeError("OTHER_ERROR", `${what} is required`);
  const parsed = parseTronAddress(input);
  if ("error" in parsed) throw new NodeError("OTHER_ERROR", `${what}: ${parsed.error}`);
  return parsed.hex;
}

/**
 * An internal transaction's `hash` as java-tron computes it (`InternalTransaction.getHash`):
 * keccak256(parent hash ‖ receive address ‖ call data ‖ int64 value ‖ int64 nonce), the parent
 * being the transaction for a call the transaction's own contract makes.
 */
function internalTxHash(
  parent: string,
  receiver: string,
  data: string,
  value: bigint,
  nonce: number,
): string {
  const int64 = (n: bigint): string => BigInt.asUintN(64, n).toString(16).padStart(16, "0");
  return hexCodec.encode(
    keccak_256(hexCodec.decode(parent + receiver + data + int64(value) + int64(BigInt(nonce)))),
  );
}

/** Deterministic 32-byte key for a devnet role. */
function devnetKey(label: string): string {
  return hexCodec.encode(sha256(new TextEncoder().encode(`tron-devnet:${label}`)));
}

function txSize(rawHex: string, signatures: number): number {
  const rawLen = rawHex.length / 2;
  const varintLen = rawLen < 128 ? 1 : rawLen < 16384 ? 2 : 3;
  return 1 + varintLen + rawLen + signatures * 67 + MAX_RESULT_SIZE_IN_TX;
}

function utf8Hex(text: string): string {
  return hexCodec.encode(new TextEncoder().encode(text));
}

function delegationKey(from: string, to: string, locked: boolean): string {
  return `${from}${to}${locked ? "1" : "0"}`;
}

const STAKE_CONTRACTS = new Set([
  "FreezeBalanceV2Contract",
  "DelegateResourceContract",
  "UnDelegateResourceContract",
]);

/** The resource a contract value names; absent is BANDWIDTH, the protobuf default. */
function stakeResource(value: ContractValue): StakeResource {
  const r = value.resource ?? "BANDWIDTH";
  if (r === "BANDWIDTH" || r === 0) return "BANDWIDTH";
  if (r === "ENERGY" || r === 1) return "ENERGY";
  throw new NodeError(
    "CONTRACT_VALIDATE_ERROR",
    "ResourceCode error, valid ResourceCode[BANDWIDTH、ENERGY]",
  );
}

/** Optional address field of a contract value, or undefined when absent. */
function optionalAddress(value: ContractValue, name: string): string | undefined {
  const v = value[name];
  return typeof v === "string" && v !== "" ? v.toLowerCase() : undefined;
}

/** Options of {@link TronChain}. */
export interface TronChainOptions {
  /** Tokens to create, supply held by the faucet. */
  trc20: Trc20Spec[];
  /** Faucet TRX balance in sun. */
  faucetBalance?: bigint;
  /** Supply of each token in base units (default 10^9 whole tokens). */
  tokenSupply?: (spec: Trc20Spec) => bigint;
}

/** The ledger and block producer. */
export class TronChain {
  /** Faucet private key, hex. */
  readonly faucetKey: string = devnetKey("faucet");
  /** Faucet address, both forms. */
  readonly faucet: { address: string; hex: string };
  /**
   * The forwarder: a contract whose `forward(address)` sends the call's TRX on to the address,
   * so TRX reaches it as an internal transaction, as exchanges' and smart wallets' payouts do.
   */
  readonly forwarder: { address: string; hex: string };
  /** Block producer key and address. */
  private readonly witnessKey = devnetKey("witness");
  private readonly witnessHex: string;
  private readonly accounts = new Map<string, Account>();
  /** Tokens by symbol. */
  readonly tokens = new Map<string, Trc20Token>();
  private readonly tokensByHex = new Map<string, Trc20Token>();
  /** Blocks by number (index = number). */
  readonly blocks: Block[] = [];
  private pending: StoredTx[] = [];
  private readonly pendingIds = new Set<string>();
  private readonly txIndex = new Map<string, { tx: StoredTx; block: number; info: TxInfo }>();
  private waiters: (() => void)[] = [];
  /** `TotalEnergyWeight` / `TotalNetWeight`, whole TRX. */
  private readonly weights: Record<StakeResource, number> = {
    ENERGY: NETWORK_ENERGY_WEIGHT,
    BANDWIDTH: NETWORK_NET_WEIGHT,
  };
  /** Delegation records by owner ‖ receiver ‖ lock flag, in creation order. */
  private readonly delegations = new Map<string, Delegation>();
  /** State after each of the last {@link MAX_REORG_DEPTH} + 1 blocks, by number. */
  private readonly states = new Map<number, LedgerState>();

  /** Creates the ledger with its genesis block. */
  constructor(options: TronChainOptions) {
    this.faucet = tronAddressFromPublicKey(secp256k1.getPublicKey(hexCodec.decode(this.faucetKey)));
    this.witnessHex =
      tronAddressFromPublicKey(secp256k1.getPublicKey(hexCodec.decode(this.witnessKey))).hex;
    const now = Date.now();
    const faucetAccount = this.newAccount(now);
    faucetAccount.balance = options.faucetBalance ?? 10_000_000_000_000_000n;
    this.accounts.set(this.faucet.hex, faucetAccount);
    for (const spec of options.trc20) {
      const hex = "41" +
        hexCodec.encode(sha256(new TextEncoder().encode(`tron-devnet:trc20:${spec.symbol}`)))
          .slice(0, 40);
      const supply = options.tokenSupply?.(spec) ?? 1_000_000_000n * 10n ** BigInt(spec.decimals);
      const token: Trc20Token = {
        symbol: spec.symbol,
        decimals: spec.decimals,
        hex,
        address: tronAddressFromHex(hex),
        totalSupply: supply,
        balances: new Map([[this.faucet.hex, supply]]),
      };
      this.tokens.set(spec.symbol, token);
      this.tokensByHex.set(hex, token);
    }
    faucetAccount.assets[DEVNET_TRC10_ID] = TRC10_SUPPLY;
    const forwarderHex = "41" +
      hexCodec.encode(sha256(new TextEncoder().encode("tron-devnet:forwarder"))).slice(0, 40);
    this.forwarder = { hex: forwarderHex, address: tronAddressFromHex(forwarderHex) };
    this.accounts.set(forwarderHex, this.newAccount(now));
    this.seal([], [], now);
  }

  /** Whether `hex` is one of the devnet's contracts (its TRC20s or the forwarder). */
  isContract(hex: string): boolean {
    return this.tokensByHex.has(hex) || hex === this.forwarder.hex;
  }

  private newAccount(now: number): Account {
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
  account(hex: string): Account | undefined {
    const acc = this.accounts.get(hex);
    if (acc) {
      const day = Math.floor(this.head().header.timestamp / DAY_MS);
      if (acc.usageDay !== day) {
        acc.usageDay = day;
        acc.freeNetUsed = 0;
        acc.netUsed = 0;
        acc.energyUsed = 0;
      }
    }
    return acc;
  }

  /** Token contract by `41…` hex. */
  token(hex: string): Trc20Token | undefined {
    return this.tokensByHex.get(hex);
  }

  /** Latest block. */
  head(): Block {
    return this.blocks[this.blocks.length - 1];
  }

  /** Height of the latest block. */
  height(): number {
    return this.head().header.number;
  }

  /** Stored transaction, its block and info, by txid. */
  lookup(txid: string): { tx: StoredTx; block: number; info: TxInfo } | undefined {
    return this.txIndex.get(txid.toLowerCase());
  }

  /** Resolves after the next block is sealed. */
  waitForBlock(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** `TotalEnergyLimit` or `TotalNetLimit`: the resource the whole network gets per day. */
  totalLimit(resource: StakeResource): number {
    return resource === "ENERGY" ? TOTAL_ENERGY_LIMIT : TOTAL_NET_LIMIT;
  }

  /** `TotalEnergyWeight` or `TotalNetWeight`: whole TRX staked for the resource. */
  totalWeight(resource: StakeResource): number {
    return this.weights[resource];
  }

  /** Daily amount of `resource` a stake of `sun` gives, as java-tron's processors compute it. */
  private capacity(resource: StakeResource, sun: bigint): number {
    if (sun < TRX_SUN) return 0;
    // Same double arithmetic as java-tron, so limits match it to the unit.
    return Math.trunc(
      Number(sun / TRX_SUN) * (this.totalLimit(resource) / this.totalWeight(resource)),
    );
  }

  /** `EnergyLimit`: daily energy from own undelegated stake plus stake delegated to the account. */
  energyLimit(acc: Account): number {
    return this.capacity("ENERGY", acc.frozen.ENERGY + acc.acquired.ENERGY);
  }

  /** `NetLimit`: daily staked bandwidth, bytes. */
  netLimit(acc: Account): number {
    return this.capacity("BANDWIDTH", acc.frozen.BANDWIDTH + acc.acquired.BANDWIDTH);
  }

  /** `tronPowerLimit`: whole TRX the account has staked, delegated or not. */
  tronPower(acc: Account): number {
    const staked = acc.frozen.BANDWIDTH + acc.frozen.ENERGY + acc.delegatedOut.BANDWIDTH +
      acc.delegatedOut.ENERGY;
    return Number(staked / TRX_SUN);
  }

  private used(acc: Account, resource: StakeResource): number {
    return resource === "ENERGY" ? acc.energyUsed : acc.netUsed;
  }

  /**
   * Own stake the account can still delegate (`getcandelegatedmaxsize`): its
   * undelegated stake less what today's usage, priced at the current rate, takes
   * beyond the stake delegated to it (java-tron's DelegateResource check).
   */
  canDelegate(acc: Account, resource: StakeResource): bigint {
    const usage = BigInt(Math.trunc(
      this.used(acc, resource) * Number(TRX_SUN) *
        (this.totalWeight(resource) / this.totalLimit(resource)),
    ));
    const remain = usage - acc.acquired[resource];
    const available = acc.frozen[resource] - (remain > 0n ? remain : 0n);
    return available > 0n ? available : 0n;
  }

  /** Delegation records from `from` to `to` (`41…` hex): the unlocked one first, then the locked one. */
  delegationsBetween(from: string, to: string): Delegation[] {
    const out: Delegation[] = [];
    for (const locked of [false, true]) {
      const d = this.delegations.get(delegationKey(from, to, locked));
      if (d) out.push(d);
    }
    return out;
  }

  /** Accounts that delegated to `hex`, and accounts `hex` delegated to, in first-delegation order. */
  delegationIndex(hex: string): { from: string[]; to: string[] } {
    const from = new Set<string>();
    const to = new Set<string>();
    for (const d of this.delegations.values()) {
      if (d.to === hex) from.add(d.from);
      if (d.from === hex) to.add(d.to);
    }
    return { from: [...from], to: [...to] };
  }

  /** Reference block fields and default times for a new transaction. */
  refParams(): Pick<
    RawDataJson,
    "ref_block_bytes" | "ref_block_hash" | "expiration" | "timestamp"
  > {
    const head = this.head();
    return {
      ref_block_bytes: (head.header.number & 0xffff).toString(16).padStart(4, "0"),
      ref_block_hash: head.id.slice(16, 32),
      expiration: head.header.timestamp + 60_000,
      timestamp: Date.now(),
    };
  }

  /** Unsigned transaction for `raw` (hex addresses), node JSON with txID and raw_data_hex. */
  unsigned(raw: RawDataJson): StoredTx {
    const rawHex = hexCodec.encode(encodeRawData(raw));
    return { txID: tronTxId(rawHex), raw_data: raw, raw_data_hex: rawHex, signature: [] };
  }

  /** Builds an unsigned TRX transfer (`createtransaction`). */
  buildTransfer(owner: string, to: string, amount: bigint): StoredTx {
    if (amount <= 0n) {
      throw new NodeError("CONTRACT_VALIDATE_ERROR", "Amount must be greater than 0.");
    }
    if (owner === to) {
      throw new NodeError("CONTRACT_VALIDATE_ERROR", "Cannot transfer TRX to yourself.");
    }
    this.validateTransfer(owner, to, amount);
    return this.unsigned({
      contract: [{
        parameter: {
          value: { amount: Number(amount), owner_address: owner, to_address: to },
          type_url: typeUrl("TransferContract"),
        },
        type: "TransferContract",
      }],
      ...this.refParams(),
    });
  }

  /**
   * Builds an unsigned TRC10 transfer (`transferasset`); `assetId` is the token id, stored as
   * java-tron does: the UTF-8 bytes of the id, hex in `raw_data` JSON.
   */
  buildTransferAsset(owner: string, to: string, assetId: string, amount: bigint): StoredTx {
    this.validateTransferAsset(owner, to, utf8Hex(assetId), amount);
    return this.unsigned({
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
      ...this.refParams(),
    });
  }

  /** java-tron's `TransferAssetActuator` checks (messages as it words them); `assetHex` is hex. */
  private validateTransferAsset(owner: string, to: string, assetHex: string, amount: bigint): void {
    const fail = (message: string): never => {
      throw new NodeError("CONTRACT_VALIDATE_ERROR", message);
    };
    if (amount <= 0n) fail("Amount must be greater than 0.");
    if (owner === to) fail("Cannot transfer asset to yourself.");
    const acc = this.account(owner);
    if (!acc) return fail("No owner account!");
    const id = new TextDecoder().decode(hexCodec.decode(assetHex));
    if (id !== DEVNET_TRC10_ID) fail("No asset!");
    if ((acc.assets[id] ?? 0n) < amount) fail("assetBalance is not sufficient.");
    if (!this.accounts.has(to) && acc.balance < CREATE_NEW_ACCOUNT_FEE_SUN) {
      fail("Validate TransferAssetActuator error, insufficient fee.");
    }
  }

  /** Builds an unsigned contract call (`triggersmartcontract`). */
  buildTrigger(
    owner: string,
    contract: string,
    data: string,
    feeLimit: number,
    callValue: number,
  ): StoredTx {
    if (!this.account(owner)) {
      throw new NodeError(
        "CONTRACT_VALIDATE_ERROR",
        "Validate TriggerSmartContract error, no OwnerAccount.",
      );
    }
    if (!this.isContract(contract)) {
      throw new NodeError("CONTRACT_VALIDATE_ERROR", "No contract or not a smart contract");
    }
    const value: Record<string, string | number> = {
      owner_address: owner,
      contract_address: contract,
    };
    if (callValue) value.call_value = callValue;
    if (data) value.data = data;
    const raw: RawDataJson = {
      contract: [{
        parameter: { value, type_url: typeUrl("TriggerSmartContract") },
        type: "TriggerSmartContract",
      }],
      ...this.refParams(),
    };
    if (feeLimit) raw.fee_limit = feeLimit;
    return this.unsigned(raw);
  }

  /** Builds an unsigned `FreezeBalanceV2Contract` (`freezebalancev2`), validated as java-tron does. */
  buildFreezeV2(owner: string, frozenBalance: bigint, resource: StakeResource): StoredTx {
    const value: ContractValue = { owner_address: owner, frozen_balance: Number(frozenBalance) };
    if (resource !== "BANDWIDTH") value.resource = resource;
    return this.buildStake("FreezeBalanceV2Contract", value);
  }

  /** Builds an unsigned `DelegateResourceContract` (`delegateresource`), validated. */
  buildDelegate(
    owner: string,
    receiver: string,
    balance: bigint,
    resource: StakeResource,
    lock: boolean,
    lockPeriod: number,
  ): StoredTx {
    // Field order and omitted defaults as java-tron prints the contract.
    const value: ContractValue = { owner_address: owner };
    if (resource !== "BANDWIDTH") value.resource = resource;
    value.balance = Number(balance);
    value.receiver_address = receiver;
    if (lock) value.lock = true;
    if (lockPeriod) value.lock_period = lockPeriod;
    return this.buildStake("DelegateResourceContract", value);
  }

  /** Builds an unsigned `UnDelegateResourceContract` (`undelegateresource`), validated. */
  buildUndelegate(
    owner: string,
    receiver: string,
    balance: bigint,
    resource: StakeResource,
  ): StoredTx {
    const value: ContractValue = { owner_address: owner };
    if (resource !== "BANDWIDTH") value.resource = resource;
    value.balance = Number(balance);
    value.receiver_address = receiver;
    return this.buildStake("UnDelegateResourceContract", value);
  }

  private buildStake(type: string, value: ContractValue): StoredTx {
    const contract: ContractJson = { parameter: { value, type_url: typeUrl(type) }, type };
    this.validateStake(contract);
    return this.unsigned({ contract: [contract], ...this.refParams() });
  }

  /** Java-tron's validation of the Stake 2.0 contracts; throws NodeError. */
  private validateStake(c: ContractJson, bandwidthBurn = 0n): void {
    const v = c.parameter.value;
    const owner = String(v.owner_address);
    const acc = this.account(owner);
    const fail = (message: string): never => {
      throw new NodeError("CONTRACT_VALIDATE_ERROR", message);
    };
    const amount = BigInt(
      c.type === "FreezeBalanceV2Contract" ? v.frozen_balance ?? 0 : v.balance ?? 0,
    );
    if (c.type === "FreezeBalanceV2Contract") {
      if (!acc) return fail(`Account[${owner}] not exists`);
      if (amount <= 0n) fail("frozenBalance must be positive");
      if (amount < TRX_SUN) fail("frozenBalance must be more than 1TRX");
      // java-tron burns the bandwidth before the contract runs, so the stake
      // must fit in what is left.
      if (amount > acc.balance - bandwidthBurn) {
        fail("frozenBalance must be less than accountBalance");
      }
      stakeResource(v);
      return;
    }
    const receiver = optionalAddress(v, "receiver_address");
    const now = this.head().header.timestamp;
    if (c.type === "DelegateResourceContract") {
      if (!acc) return fail(`Account[${owner}] not exists`);
      if (amount < TRX_SUN) fail("delegateBalance must be more than 1TRX");
      const resource = stakeResource(v);
      if (this.canDelegate(acc, resource) < amount) {
        fail(
          `delegateBalance must be less than available ${
            resource === "ENERGY" ? "FreezeEnergyV2" : "FreezeBandwidthV2"
          } balance`,
        );
      }
      if (!receiver) return fail("Invalid receiverAddress");
      if (receiver === owner) fail("receiverAddress must not be the same as ownerAddress");
      if (!this.account(receiver)) fail(`Account[${receiver}] not exists`);
      if (v.lock === true) {
        const period = Number(v.lock_period ?? 0) || DEFAULT_DELEGATE_LOCK_PERIOD;
        if (period < 0 || period > MAX_DELEGATE_LOCK_PERIOD) {
          fail(
            `The lock period of delegate resource cannot be less than 0 and cannot exceed ${MAX_DELEGATE_LOCK_PERIOD}!`,
          );
        }
        const locked = this.delegations.get(delegationKey(owner, receiver, true));
        const remain = locked ? locked.expire[resource] - now : 0;
        if (locked && period * LOCK_BLOCK_MS < remain) {
          fail(
            `The lock period for ${resource} this time cannot be less than the remaining time[${remain}ms] of the last lock period for ${resource}!`,
          );
        }
      }
      if (this.token(receiver)) fail("Do not allow delegate resources to contract addresses");
      return;
    }
    // UnDelegateResourceContract
    if (!acc) return fail(`Account[${owner}] does not exist`);
    if (!receiver) return fail("Invalid receiverAddress");
    if (receiver === owner) fail("receiverAddress must not be the same as ownerAddress");
    const unlocked = this.delegations.get(delegationKey(owner, receiver, false));
    const locked = this.delegations.get(delegationKey(owner, receiver, true));
    if (!unlocked && !locked) fail("delegated Resource does not exist");
    if (amount <= 0n) fail("unDelegateBalance must be more than 0 TRX");
    const resource = stakeResource(v);
    let available = unlocked?.balance[resource] ?? 0n;
    if (locked && locked.expire[resource] < now) available += locked.balance[resource];
    if (available < amount) {
      fail(
        resource === "ENERGY"
          ? `insufficient delegateFrozenBalance(Energy), request=${amount}, unlock_balance=${available}`
          : `insufficient delegatedFrozenBalance(BANDWIDTH), request=${amount}, unlock_balance=${available}`,
      );
    }
  }

  private validateTransfer(owner: string, to: string, amount: bigint): void {
    const acc = this.account(owner);
    if (!acc) {
      throw new NodeError(
        "CONTRACT_VALIDATE_ERROR",
        "Validate TransferContract error, no OwnerAccount.",
      );
    }
    const fee = this.accounts.has(to) ? 0n : CREATE_NEW_ACCOUNT_FEE_SUN;
    if (acc.balance < amount + fee) {
      throw new NodeError(
        "CONTRACT_VALIDATE_ERROR",
        "Validate TransferContract error, balance is not sufficient.",
      );
    }
  }

  /** Executes a read-only call (`triggerconstantcontract`); returns the result words. */
  constantCall(contract: string, data: string): string {
    const token = this.token(contract);
    if (!token) {
      throw new NodeError("CONTRACT_VALIDATE_ERROR", "No contract or not a smart contract");
    }
    const selector = data.slice(0, 8).toLowerCase();
    switch (selector) {
      case SELECTOR_BALANCE_OF: {
        const holder = "41" + data.slice(8 + 24, 8 + 64).toLowerCase();
        return word(token.balances.get(holder) ?? 0n);
      }
      case SELECTOR_DECIMALS:
        return word(BigInt(token.decimals));
      case SELECTOR_TOTAL_SUPPLY:
        return word(token.totalSupply);
      case SELECTOR_SYMBOL:
      case SELECTOR_NAME:
        return abiString(token.symbol);
      default:
        throw new NodeError("CONTRACT_EXE_ERROR", "REVERT opcode executed");
    }
  }

  /**
   * Validates a signed transaction as java-tron's broadcast does (TaPoS,
   * expiration, duplicates, signature, contract) and queues it for the next block.
   */
  broadcast(input: SignedTxInput): BroadcastOutcome {
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
    const fail = (code: string, message: string): BroadcastOutcome => ({
      ok: false,
      txid,
      code,
      message,
    });
    const raw = stored.raw_data;
    if (raw.contract.length !== 1) {
      return fail("CONTRACT_VALIDATE_ERROR", "contract size should be exactly 1");
    }
    const refBlock = this.blocks.find((b) =>
      (b.header.number & 0xffff).toString(16).padStart(4, "0") === raw.ref_block_bytes &&
      b.id.slice(16, 32) === raw.ref_block_hash
    );
    if (!refBlock) {
      return fail("TAPOS_ERROR", `Tapos check error: ref block ${raw.ref_block_bytes} not found`);
    }
    const headTime = this.head().header.timestamp;
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
    if (this.pendingIds.has(txid) || this.txIndex.has(txid)) {
      return fail("DUP_TRANSACTION_ERROR", "dup trans");
    }
    const value = raw.contract[0].parameter.value;
    const owner = String(value.owner_address);
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
      this.validateContract(stored);
    } catch (e) {
      // java-tron's broadcast prefixes contract validation failures.
      if (e instanceof NodeError && e.code === "CONTRACT_VALIDATE_ERROR") {
        return fail(e.code, `contract validate error : ${e.message}`);
      }
      if (e instanceof NodeError) return fail(e.code, e.message);
      throw e;
    }
    this.pending.push(stored);
    this.pendingIds.add(txid);
    return { ok: true, txid };
  }

  private validateContract(tx: StoredTx): void {
    const c = tx.raw_data.contract[0];
    const v = c.parameter.value;
    const owner = String(v.owner_address);
    if (c.type === "TransferContract") {
      const to = String(v.to_address);
      const amount = BigInt(v.amount ?? 0);
      if (amount <= 0n) {
        throw new NodeError("CONTRACT_VALIDATE_ERROR", "Amount must be greater than 0.");
      }
      if (owner === to) {
        throw new NodeError("CONTRACT_VALIDATE_ERROR", "Cannot transfer TRX to yourself.");
      }
      this.validateTransfer(owner, to, amount);
    } else if (c.type === "TriggerSmartContract") {
      if (!this.account(owner)) {
        throw new NodeError(
          "CONTRACT_VALIDATE_ERROR",
          "Validate TriggerSmartContract error, no OwnerAccount.",
        );
      }
      if (!this.isContract(String(v.contract_address))) {
        throw new NodeError("CONTRACT_VALIDATE_ERROR", "No contract or not a smart contract");
      }
      // java-tron's VMActuator refuses a call whose value the owner cannot pay, before the VM.
      if (BigInt(v.call_value ?? 0) > this.account(owner)!.balance) {
        throw new NodeError(
          "CONTRACT_VALIDATE_ERROR",
          "Validate InternalTransfer error, balance is not sufficient.",
        );
      }
    } else if (c.type === "TransferAssetContract") {
      this.validateTransferAsset(
        owner,
        String(v.to_address),
        String(v.asset_name ?? ""),
        BigInt(v.amount ?? 0),
      );
    } else if (STAKE_CONTRACTS.has(c.type)) {
      const acc = this.account(owner);
      this.validateStake(c, acc ? this.bandwidthBurn(acc, tx) : 0n);
    } else {
      throw new NodeError("CONTRACT_VALIDATE_ERROR", `devnet does not support ${c.type}`);
    }
    const acc = this.account(owner)!;
    if (acc.balance < this.bandwidthBurn(acc, tx)) {
      throw new NodeError("BANDWITH_ERROR", "Account resource insufficient error.");
    }
  }

  /** Sun that bandwidth for `tx` would burn: none when staked or free bandwidth covers it. */
  private bandwidthBurn(acc: Account, tx: StoredTx): bigint {
    const size = txSize(tx.raw_data_hex, tx.signature.length);
    if (this.netLimit(acc) - acc.netUsed >= size) return 0n;
    if (acc.freeNetUsed + size <= FREE_NET_LIMIT) return 0n;
    return BigInt(size) * BANDWIDTH_PRICE_SUN;
  }

  /** Seals a block with every pending transaction that still executes. */
  produceBlock(): Block {
    const pending = this.pending;
    this.pending = [];
    this.pendingIds.clear();
    const block = this.produce(pending, Math.max(Date.now(), this.head().header.timestamp + 1));
    this.wakeWaiters();
    return block;
  }

  /**
   * Replaces the last `depth` blocks with a fork: rolls the ledger back to the
   * state after block `height - depth`, then seals `depth` new blocks at the
   * same heights (new timestamps, hence new ids, each naming the previous one as
   * parent) holding the replaced blocks' transactions in their order, with the
   * same txids. Transactions named in `options.drop` vanish as if never
   * broadcast; so do those that no longer validate or have expired by the new
   * block's time, as java-tron drops them (TaPoS is not checked again, as the
   * devnet checks it only at broadcast). Pending transactions stay pending for
   * the next block. Waiters of {@link TronChain.waitForBlock} are woken.
   *
   * @throws RangeError when `depth` is not an integer from 1 to the height (the
   *   genesis block stays) and {@link MAX_REORG_DEPTH}
   * @throws Error when a txid of `options.drop` is not in the replaced blocks
   */
  reorg(depth: number, options: TronReorgOptions = {}): void {
    const height = this.height();
    const max = Math.min(height, MAX_REORG_DEPTH);
    if (!Number.isSafeInteger(depth) || depth < 1 || depth > max) {
      throw new RangeError(`reorg depth must be an integer from 1 to ${max}, got ${depth}`);
    }
    const forkPoint = height - depth;
    const orphaned = this.blocks.slice(forkPoint + 1);
    const drop = new Set((options.drop ?? []).map((txid) => txid.toLowerCase()));
    for (const txid of drop) {
      // A txid that matches nothing is a mistake in the caller's scenario, not a no-op.
      if (!orphaned.some((b) => b.txs.some((t) => t.txID === txid))) {
        throw new Error(`reorg: transaction ${txid} is not in the last ${depth} blocks`);
      }
    }
    this.blocks.length = forkPoint + 1;
    for (let n = forkPoint + 1; n <= height; n++) this.states.delete(n);
    for (const block of orphaned) {
      for (const tx of block.txs) this.txIndex.delete(tx.txID);
    }
    this.restoreState(this.states.get(forkPoint)!);
    // Later than every replaced block, so no new block can repeat an old id.
    let timestamp = Math.max(Date.now(), orphaned[orphaned.length - 1].header.timestamp + 1);
    for (const old of orphaned) {
      // Fresh copies, so the orphaned blocks keep their own results.
      const txs = old.txs.filter((t) => !drop.has(t.txID)).map((t): StoredTx => ({
        txID: t.txID,
        raw_data: t.raw_data,
        raw_data_hex: t.raw_data_hex,
        signature: t.signature,
      }));
      this.produce(txs, timestamp);
      timestamp = Math.max(Date.now(), timestamp + 1);
    }
    this.wakeWaiters();
  }

  /** Seals the next block at `timestamp` with those of `candidates` that still execute, in order. */
  private produce(candidates: StoredTx[], timestamp: number): Block {
    const txs: StoredTx[] = [];
    const infos: TxInfo[] = [];
    const number = this.height() + 1;
    for (const tx of candidates) {
      // Candidates that expired or no longer validate are dropped, as java-tron
      // drops pending transactions when it rebuilds its pending list.
      if (tx.raw_data.expiration < timestamp) continue;
      try {
        this.validateContract(tx);
      } catch {
        continue;
      }
      const info = this.execute(tx, number, timestamp);
      txs.push(tx);
      infos.push(info);
    }
    const block = this.seal(txs, infos, timestamp);
    for (let i = 0; i < txs.length; i++) {
      this.txIndex.set(txs[i].txID, { tx: txs[i], block: number, info: infos[i] });
    }
    return block;
  }

  private wakeWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** A deep copy of the ledger state. */
  private captureState(): LedgerState {
    return structuredClone({
      accounts: this.accounts,
      tokenBalances: new Map([...this.tokensByHex].map(([hex, t]) => [hex, t.balances])),
      weights: this.weights,
      delegations: this.delegations,
    });
  }

  /** Makes `saved` the ledger state; the live maps are refilled, as tokens expose theirs. */
  private restoreState(saved: LedgerState): void {
    // Copied again: `saved` must stay intact for a later reorg to the same block.
    const copy = structuredClone(saved);
    this.accounts.clear();
    for (const [hex, acc] of copy.accounts) this.accounts.set(hex, acc);
    for (const [hex, balances] of copy.tokenBalances) {
      const live = this.tokensByHex.get(hex)!.balances;
      live.clear();
      for (const [holder, amount] of balances) live.set(holder, amount);
    }
    Object.assign(this.weights, copy.weights);
    this.delegations.clear();
    for (const [key, d] of copy.delegations) this.delegations.set(key, d);
  }

  private seal(txs: StoredTx[], infos: TxInfo[], timestamp: number): Block {
    const parent = this.blocks.length ? this.head() : undefined;
    const header: BlockHeaderRaw = {
      timestamp,
      txTrieRoot: txs.length
        ? hexCodec.encode(sha256(hexCodec.decode(txs.map((t) => t.txID).join(""))))
        : "00".repeat(32),
      parentHash: parent?.id ?? "00".repeat(32),
      number: parent ? parent.header.number + 1 : 0,
      witness_address: this.witnessHex,
      version: 32,
    };
    const block: Block = {
      id: blockId(header),
      header,
      witnessSignature: signTronTx(
        hexCodec.encode(encodeBlockHeaderRaw(header)),
        this.witnessKey,
      ).slice(0, 128) + "00",
      txs,
      infos,
    };
    this.blocks.push(block);
    const previous = this.states.get(header.number - 1);
    // A block without transactions changes nothing, so it shares its parent's
    // copy (copies are never modified: restoring copies them again).
    this.states.set(header.number, txs.length || !previous ? this.captureState() : previous);
    this.states.delete(header.number - MAX_REORG_DEPTH - 1);
    return block;
  }

  /**
   * Charges bandwidth for `tx` in java-tron's order: staked bandwidth, then the
   * free allowance, then burning; returns receipt fields and the sun burnt.
   */
  /**
   * Pays `needed` energy of a contract call as java-tron does: from the account's stake first,
   * then by burning TRX within `allowance` sun. Charges the account and returns the receipt
   * fields (bandwidth's included, `result` left to the caller) and the whole fee. When the
   * allowance falls short, all of it is burnt and `enough` is false (OUT_OF_ENERGY).
   */
  private chargeEnergy(
    acc: Account,
    needed: number,
    allowance: bigint,
    bandwidth: { receipt: TxInfo; fee: bigint },
  ): { enough: boolean; total: number; receipt: TxInfo; fee: bigint } {
    const staked = Math.max(0, this.energyLimit(acc) - acc.energyUsed);
    const burnable = Number(allowance / ENERGY_PRICE_SUN);
    const enough = needed <= staked + burnable;
    const fromStake = enough ? Math.min(staked, needed) : staked;
    const total = enough ? needed : staked + burnable;
    const energyFee = BigInt(total - fromStake) * ENERGY_PRICE_SUN;
    acc.energyUsed += fromStake;
    acc.balance -= energyFee;
    const receipt: TxInfo = {};
    if (fromStake > 0) receipt.energy_usage = fromStake;
    if (energyFee > 0n) receipt.energy_fee = Number(energyFee);
    receipt.energy_usage_total = total;
    Object.assign(receipt, bandwidth.receipt);
    return { enough, total, receipt, fee: energyFee + bandwidth.fee };
  }

  private chargeBandwidth(acc: Account, tx: StoredTx): { receipt: TxInfo; fee: bigint } {
    const size = txSize(tx.raw_data_hex, tx.signature.length);
    if (this.netLimit(acc) - acc.netUsed >= size) {
      acc.netUsed += size;
      return { receipt: { net_usage: size }, fee: 0n };
    }
    if (acc.freeNetUsed + size <= FREE_NET_LIMIT) {
      acc.freeNetUsed += size;
      return { receipt: { net_usage: size }, fee: 0n };
    }
    const fee = BigInt(size) * BANDWIDTH_PRICE_SUN;
    acc.balance -= fee;
    return { receipt: { net_fee: Number(fee) }, fee };
  }

  /** Applies a validated Stake 2.0 contract of `owner`, as java-tron's actuators do. */
  private executeStake(c: ContractJson, owner: Account): void {
    const v = c.parameter.value;
    const resource = stakeResource(v);
    if (c.type === "FreezeBalanceV2Contract") {
      const amount = BigInt(v.frozen_balance);
      const before = (owner.frozen[resource] + owner.delegatedOut[resource]) / TRX_SUN;
      owner.frozen[resource] += amount;
      owner.balance -= amount;
      const after = (owner.frozen[resource] + owner.delegatedOut[resource]) / TRX_SUN;
      this.weights[resource] += Number(after - before);
      return;
    }
    const ownerHex = String(v.owner_address).toLowerCase();
    const receiverHex = String(v.receiver_address).toLowerCase();
    const amount = BigInt(v.balance);
    const now = this.head().header.timestamp;
    this.unlockExpired(ownerHex, receiverHex, now);
    if (c.type === "DelegateResourceContract") {
      const lock = v.lock === true;
      const period = Number(v.lock_period ?? 0) || DEFAULT_DELEGATE_LOCK_PERIOD;
      const record = this.delegationRecord(ownerHex, receiverHex, lock);
      record.balance[resource] += amount;
      record.expire[resource] = lock ? now + period * LOCK_BLOCK_MS : 0;
      this.account(receiverHex)!.acquired[resource] += amount;
      owner.delegatedOut[resource] += amount;
      owner.frozen[resource] -= amount;
      return;
    }
    // UnDelegateResourceContract: the receiver gives back the stake and the
    // share of today's usage it stood for, which the owner takes over.
    const receiver = this.account(receiverHex);
    let transferred = 0;
    if (receiver) {
      if (receiver.acquired[resource] < amount) {
        receiver.acquired[resource] = 0n;
      } else {
        const all = receiver.frozen[resource] + receiver.acquired[resource];
        const cap = Math.trunc(
          Number(amount) / Number(TRX_SUN) *
            (this.totalLimit(resource) / this.totalWeight(resource)),
        );
        const share = Math.trunc(this.used(receiver, resource) * (Number(amount) / Number(all)));
        transferred = Math.min(cap, share);
        receiver.acquired[resource] -= amount;
      }
      if (resource === "ENERGY") receiver.energyUsed -= transferred;
      else receiver.netUsed -= transferred;
    }
    const key = delegationKey(ownerHex, receiverHex, false);
    const record = this.delegations.get(key)!;
    record.balance[resource] -= amount;
    if (record.balance.BANDWIDTH === 0n && record.balance.ENERGY === 0n) {
      this.delegations.delete(key);
    }
    owner.delegatedOut[resource] -= amount;
    owner.frozen[resource] += amount;
    if (resource === "ENERGY") owner.energyUsed += transferred;
    else owner.netUsed += transferred;
  }

  private delegationRecord(from: string, to: string, locked: boolean): Delegation {
    const key = delegationKey(from, to, locked);
    let record = this.delegations.get(key);
    if (!record) {
      record = {
        from,
        to,
        locked,
        balance: { BANDWIDTH: 0n, ENERGY: 0n },
        expire: { BANDWIDTH: 0, ENERGY: 0 },
      };
      this.delegations.set(key, record);
    }
    return record;
  }

  /** Moves locked delegations whose lock has ended to the unlocked record, as java-tron does. */
  private unlockExpired(from: string, to: string, now: number): void {
    const lockedKey = delegationKey(from, to, true);
    const locked = this.delegations.get(lockedKey);
    if (!locked) return;
    for (const r of ["BANDWIDTH", "ENERGY"] as const) {
      if (locked.expire[r] < now && locked.balance[r] > 0n) {
        this.delegationRecord(from, to, false).balance[r] += locked.balance[r];
        locked.balance[r] = 0n;
        locked.expire[r] = 0;
      }
    }
    if (locked.balance.BANDWIDTH === 0n && locked.balance.ENERGY === 0n) {
      this.delegations.delete(lockedKey);
    }
  }

  /**
   * A TRC10 transfer, as java-tron's `TransferAssetActuator`: bandwidth as for TRX, a recipient
   * that does not exist is created for the same 1.1 TRX, and the info has no receipt result.
   */
  private executeTransferAsset(
    tx: StoredTx,
    acc: Account,
    info: TxInfo,
    blockNumber: number,
    blockTimeStamp: number,
  ): TxInfo {
    const v = tx.raw_data.contract[0].parameter.value;
    const to = String(v.to_address);
    const id = new TextDecoder().decode(hexCodec.decode(String(v.asset_name)));
    const amount = BigInt(v.amount);
    let fee: bigint;
    let receipt: TxInfo;
    if (!this.accounts.has(to)) {
      fee = CREATE_NEW_ACCOUNT_FEE_SUN + CREATE_ACCOUNT_NET_FEE_SUN;
      acc.balance -= fee;
      receipt = { net_fee: Number(CREATE_ACCOUNT_NET_FEE_SUN) };
      this.accounts.set(to, this.newAccount(blockTimeStamp));
    } else {
      const charged = this.chargeBandwidth(acc, tx);
      fee = charged.fee;
      receipt = charged.receipt;
    }
    acc.assets[id] = (acc.assets[id] ?? 0n) - amount;
    const recipient = this.accounts.get(to)!;
    recipient.assets[id] = (recipient.assets[id] ?? 0n) + amount;
    if (fee > 0n) info.fee = Number(fee);
    Object.assign(info, { blockNumber, blockTimeStamp, contractResult: [""], receipt });
    tx.contractRet = "SUCCESS";
    return info;
  }

  /**
   * A call of the forwarder's `forward(address)`: the call's value goes to the contract, which
   * sends it on with a value `CALL`. The info reports that `CALL` as java-tron does (its
   * `TransactionUtil.buildInternalTransaction`, fields in `InternalTransaction` proto order,
   * defaults omitted): `hash`, `caller_address` = the forwarder, `transferTo_address`,
   * `callValueInfo: [{callValue}]`, `note` = hex of `call`. Out of energy, nothing moves and the
   * internal transaction stays listed with `rejected: true`, as java-tron's
   * `rejectInternalTransactions` leaves it. Anything but `forward(address)` with a value reverts.
   */
  private executeForward(
    tx: StoredTx,
    acc: Account,
    info: TxInfo,
    blockNumber: number,
    blockTimeStamp: number,
  ): TxInfo {
    const v = tx.raw_data.contract[0].parameter.value;
    const bandwidth = this.chargeBandwidth(acc, tx);
    const data = String(v.data ?? "").toLowerCase();
    const callValue = BigInt(v.call_value ?? 0);
    const to = data.startsWith(SELECTOR_FORWARD) && data.length >= 8 + 64
      ? "41" + data.slice(8 + 24, 8 + 64)
      : null;
    const valid = to !== null && callValue > 0n && to !== this.forwarder.hex;
    const needed = !valid
      ? REVERT_ENERGY
      : this.accounts.has(to)
      ? FORWARD_ENERGY
      : FORWARD_NEW_ACCOUNT_ENERGY;
    const feeLimit = BigInt(tx.raw_data.fee_limit ?? 0);
    // The call value is paid before the VM runs, so only the rest of the balance buys energy.
    const spendable = acc.balance - callValue;
    const allowance = feeLimit < spendable ? feeLimit : spendable;
    const { enough, total, receipt, fee } = this.chargeEnergy(acc, needed, allowance, bandwidth);
    const result = !enough ? "OUT_OF_ENERGY" : valid ? "SUCCESS" : "REVERT";
    receipt.result = result;
    if (fee > 0n) info.fee = Number(fee);
    Object.assign(info, {
      blockNumber,
      blockTimeStamp,
      contractResult: [""],
      contract_address: this.forwarder.hex,
      receipt,
    });
    if (result === "SUCCESS") {
      acc.balance -= callValue;
      if (!this.accounts.has(to!)) this.accounts.set(to!, this.newAccount(blockTimeStamp));
      this.accounts.get(to!)!.balance += callValue;
    } else {
      info.result = "FAILED";
      info.resMessage = utf8Hex(
        result === "OUT_OF_ENERGY"
          ? `Not enough energy for 'CALL' operation executing: curInvokeEnergyLimit[${total}]`
          : "REVERT opcode executed",
      );
    }
    if (valid) {
      const internal: TxInfo = {
        hash: internalTxHash(tx.txID, to!, "", callValue, 0),
        caller_address: this.forwarder.hex,
        transferTo_address: to,
        callValueInfo: [{ callValue: Number(callValue) }],
        note: NOTE_CALL,
      };
      if (result !== "SUCCESS") internal.rejected = true;
      info.internal_transactions = [internal];
    }
    tx.contractRet = result;
    return info;
  }

  private execute(tx: StoredTx, blockNumber: number, blockTimeStamp: number): TxInfo {
    const c = tx.raw_data.contract[0];
    const v = c.parameter.value;
    const owner = String(v.owner_address);
    const acc = this.account(owner)!;
    const info: TxInfo = { id: tx.txID };
    if (c.type === "TransferContract") {
      const to = String(v.to_address);
      const amount = BigInt(v.amount);
      let fee = 0n;
      let receipt: TxInfo;
      const size = txSize(tx.raw_data_hex, tx.signature.length);
      if (!this.accounts.has(to) && this.netLimit(acc) - acc.netUsed >= size) {
        // Staked bandwidth pays for the creation; only the activation fee burns.
        acc.netUsed += size;
        acc.balance -= CREATE_NEW_ACCOUNT_FEE_SUN;
        fee = CREATE_NEW_ACCOUNT_FEE_SUN;
        receipt = { net_usage: size };
        this.accounts.set(to, this.newAccount(blockTimeStamp));
      } else if (!this.accounts.has(to)) {
        acc.balance -= CREATE_NEW_ACCOUNT_FEE_SUN + CREATE_ACCOUNT_NET_FEE_SUN;
        fee = CREATE_NEW_ACCOUNT_FEE_SUN + CREATE_ACCOUNT_NET_FEE_SUN;
        receipt = { net_fee: Number(CREATE_ACCOUNT_NET_FEE_SUN) };
        this.accounts.set(to, this.newAccount(blockTimeStamp));
      } else {
        const charged = this.chargeBandwidth(acc, tx);
        fee = charged.fee;
        receipt = charged.receipt;
      }
      acc.balance -= amount;
      this.accounts.get(to)!.balance += amount;
      if (fee > 0n) info.fee = Number(fee);
      Object.assign(info, { blockNumber, blockTimeStamp, contractResult: [""], receipt });
      tx.contractRet = "SUCCESS";
      return info;
    }
    if (c.type === "TransferAssetContract") {
      return this.executeTransferAsset(tx, acc, info, blockNumber, blockTimeStamp);
    }
    if (String(v.contract_address) === this.forwarder.hex) {
      return this.executeForward(tx, acc, info, blockNumber, blockTimeStamp);
    }
    if (STAKE_CONTRACTS.has(c.type)) {
      const bandwidth = this.chargeBandwidth(acc, tx);
      this.executeStake(c, acc);
      if (bandwidth.fee > 0n) info.fee = Number(bandwidth.fee);
      Object.assign(info, {
        blockNumber,
        blockTimeStamp,
        contractResult: [""],
        receipt: bandwidth.receipt,
      });
      tx.contractRet = "SUCCESS";
      return info;
    }
    // TriggerSmartContract on a devnet TRC20.
    const token = this.token(String(v.contract_address))!;
    const bandwidth = this.chargeBandwidth(acc, tx);
    const data = String(v.data ?? "").toLowerCase();
    let needed = REVERT_ENERGY;
    let transfer: { to: string; amount: bigint } | undefined;
    const callValue = BigInt(v.call_value ?? 0);
    if (data.startsWith(SELECTOR_TRANSFER) && data.length >= 8 + 128 && callValue === 0n) {
      const to = "41" + data.slice(8 + 24, 8 + 64);
      const amount = BigInt("0x" + data.slice(8 + 64, 8 + 128));
      const fromBalance = token.balances.get(owner) ?? 0n;
      if (amount <= fromBalance) {
        transfer = { to, amount };
        needed = (token.balances.get(to) ?? 0n) === 0n && to !== owner
          ? TRC20_TRANSFER_NEW_HOLDER_ENERGY
          : TRC20_TRANSFER_ENERGY;
      }
    }
    const feeLimit = BigInt(tx.raw_data.fee_limit ?? 0);
    const allowance = feeLimit < acc.balance ? feeLimit : acc.balance;
    const { enough, total, receipt, fee } = this.chargeEnergy(acc, needed, allowance, bandwidth);
    if (!enough) transfer = undefined;
    const result = !enough ? "OUT_OF_ENERGY" : transfer ? "SUCCESS" : "REVERT";
    receipt.result = result;
    if (fee > 0n) info.fee = Number(fee);
    Object.assign(info, {
      blockNumber,
      blockTimeStamp,
      contractResult: [transfer ? word(1n) : ""],
      contract_address: token.hex,
      receipt,
    });
    if (transfer) {
      token.balances.set(owner, (token.balances.get(owner) ?? 0n) - transfer.amount);
      token.balances.set(transfer.to, (token.balances.get(transfer.to) ?? 0n) + transfer.amount);
      info.log = [{
        address: token.hex.slice(2),
        topics: [
          TRANSFER_TOPIC,
          "0".repeat(24) + owner.slice(2),
          "0".repeat(24) + transfer.to.slice(2),
        ],
        data: word(transfer.amount),
      }];
    } else {
      info.result = "FAILED";
      info.resMessage = utf8Hex(
        result === "OUT_OF_ENERGY"
          ? `Not enough energy for 'SSTORE' operation executing: curInvokeEnergyLimit[${total}]`
          : "REVERT opcode executed",
      );
    }
    tx.contractRet = result;
    return info;
  }
}
