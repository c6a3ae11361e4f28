/**
 * The TRON devnet's chain: one in-memory ledger, its blocks, and the pool of transactions
 * broadcast for the next block, behind the operations the node's HTTP API serves. What each
 * operation means lives by concern beside this file, each citing the java-tron behaviour it
 * follows: `ledger.ts` (accounts, balances), `transfers.ts` (TRX and TRC10 transfers),
 * `resources.ts` (bandwidth, energy, Stake 2.0), `contracts.ts` (TRC20 tokens and the
 * forwarder), `transactions.ts` (building, broadcast checks, execution) and `blocks.ts`
 * (sealing, forks).
 *
 * @module
 */
import { hex as hexCodec, secp256k1, sha256 } from "../deps.ts";
import { tronAddressFromPublicKey } from "../address.ts";
import type { RawDataJson } from "./protobuf.ts";
import {
  type Account,
  accountOf,
  type Delegation,
  DEVNET_TRC10_ID,
  isContract,
  type Ledger,
  newAccount,
  type StakeResource,
  type StoredTx,
  TRC10_SUPPLY,
  type Trc20Token,
} from "./ledger.ts";
import {
  canDelegate,
  delegationIndex,
  delegationsBetween,
  energyLimit,
  initialWeights,
  netLimit,
  totalLimit,
  tronPower,
} from "./resources.ts";
import { constantCall, createToken, forwarderAddress, type Trc20Spec } from "./contracts.ts";
import {
  type BroadcastOutcome,
  buildDelegate,
  buildFreezeV2,
  buildTransfer,
  buildTransferAsset,
  buildTrigger,
  buildUndelegate,
  checkBroadcast,
  refParams,
  type SignedTxInput,
  unsigned,
} from "./transactions.ts";
import {
  type Block,
  type BlockLog,
  genesis,
  head,
  type IncludedTx,
  produce,
  reorg,
  type TronReorgOptions,
} from "./blocks.ts";

/** Deterministic 32-byte key for a devnet role. */
function devnetKey(label: string): string {
  return hexCodec.encode(sha256(new TextEncoder().encode(`tron-devnet:${label}`)));
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
  readonly forwarder: { address: string; hex: string } = forwarderAddress();
  /** Tokens by symbol. */
  readonly tokens = new Map<string, Trc20Token>();
  private readonly ledger: Ledger;
  private readonly log: BlockLog;
  private pending: StoredTx[] = [];
  private readonly pendingIds = new Set<string>();
  private waiters: (() => void)[] = [];

  /** Creates the ledger with its genesis block. */
  constructor(options: TronChainOptions) {
    this.faucet = tronAddressFromPublicKey(secp256k1.getPublicKey(hexCodec.decode(this.faucetKey)));
    const witnessKey = devnetKey("witness");
    const witnessHex =
      tronAddressFromPublicKey(secp256k1.getPublicKey(hexCodec.decode(witnessKey))).hex;
    const now = Date.now();
    this.ledger = {
      accounts: new Map(),
      tokens: new Map(),
      forwarder: this.forwarder.hex,
      weights: initialWeights(),
      delegations: new Map(),
      time: now,
    };
    const faucetAccount = newAccount(now);
    faucetAccount.balance = options.faucetBalance ?? 10_000_000_000_000_000n;
    this.ledger.accounts.set(this.faucet.hex, faucetAccount);
    for (const spec of options.trc20) {
      const supply = options.tokenSupply?.(spec) ?? 1_000_000_000n * 10n ** BigInt(spec.decimals);
      const token = createToken(spec, supply, this.faucet.hex);
      this.tokens.set(spec.symbol, token);
      this.ledger.tokens.set(token.hex, token);
    }
    faucetAccount.assets[DEVNET_TRC10_ID] = TRC10_SUPPLY;
    this.ledger.accounts.set(this.forwarder.hex, newAccount(now));
    this.log = genesis(this.ledger, { key: witnessKey, hex: witnessHex }, now);
  }

  /** Blocks by number (index = number). */
  get blocks(): readonly Block[] {
    return this.log.blocks;
  }

  /** Whether `hex` is one of the devnet's contracts (its TRC20s or the forwarder). */
  isContract(hex: string): boolean {
    return isContract(this.ledger, hex);
  }

  /** Account by `41…` hex, with daily usage reset applied; undefined when not activated. */
  account(hex: string): Account | undefined {
    return accountOf(this.ledger, hex);
  }

  /** Token contract by `41…` hex. */
  token(hex: string): Trc20Token | undefined {
    return this.ledger.tokens.get(hex);
  }

  /** Latest block. */
  head(): Block {
    return head(this.log);
  }

  /** Height of the latest block. */
  height(): number {
    return this.head().header.number;
  }

  /** Stored transaction, its block and info, by txid. */
  lookup(txid: string): IncludedTx | undefined {
    return this.log.txIndex.get(txid.toLowerCase());
  }

  /** Resolves after the next block is sealed. */
  waitForBlock(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** `TotalEnergyLimit` or `TotalNetLimit`: the resource the whole network gets per day. */
  totalLimit(resource: StakeResource): number {
    return totalLimit(resource);
  }

  /** `TotalEnergyWeight` or `TotalNetWeight`: whole TRX staked for the resource. */
  totalWeight(resource: StakeResource): number {
    return this.ledger.weights[resource];
  }

  /** `EnergyLimit`: daily energy from own undelegated stake plus stake delegated to the account. */
  energyLimit(acc: Account): number {
    return energyLimit(this.ledger, acc);
  }

  /** `NetLimit`: daily staked bandwidth, bytes. */
  netLimit(acc: Account): number {
    return netLimit(this.ledger, acc);
  }

  /** `tronPowerLimit`: whole TRX the account has staked, delegated or not. */
  tronPower(acc: Account): number {
    return tronPower(acc);
  }

  /** Own stake the account can still delegate (`getcandelegatedmaxsize`). */
  canDelegate(acc: Account, resource: StakeResource): bigint {
    return canDelegate(this.ledger, acc, resource);
  }

  /** Delegation records from `from` to `to` (`41…` hex): the unlocked one first, then the locked one. */
  delegationsBetween(from: string, to: string): Delegation[] {
    return delegationsBetween(this.ledger, from, to);
  }

  /** Accounts that delegated to `hex`, and accounts `hex` delegated to, in first-delegation order. */
  delegationIndex(hex: string): { from: string[]; to: string[] } {
    return delegationIndex(this.ledger, hex);
  }

  /** Reference block fields and default times for a new transaction. */
  refParams(): Pick<
    RawDataJson,
    "ref_block_bytes" | "ref_block_hash" | "expiration" | "timestamp"
  > {
    return refParams(this.head());
  }

  /** Unsigned transaction for `raw` (hex addresses), node JSON with txID and raw_data_hex. */
  unsigned(raw: RawDataJson): StoredTx {
    return unsigned(raw);
  }

  /** Builds an unsigned TRX transfer (`createtransaction`). */
  buildTransfer(owner: string, to: string, amount: bigint): StoredTx {
    return buildTransfer(this.ledger, this.head(), owner, to, amount);
  }

  /** Builds an unsigned TRC10 transfer (`transferasset`) of token `assetId`. */
  buildTransferAsset(owner: string, to: string, assetId: string, amount: bigint): StoredTx {
    return buildTransferAsset(this.ledger, this.head(), owner, to, assetId, amount);
  }

  /** Builds an unsigned contract call (`triggersmartcontract`). */
  buildTrigger(
    owner: string,
    contract: string,
    data: string,
    feeLimit: number,
    callValue: number,
  ): StoredTx {
    return buildTrigger(this.ledger, this.head(), { owner, contract, data, feeLimit, callValue });
  }

  /** Builds an unsigned `FreezeBalanceV2Contract` (`freezebalancev2`), validated as java-tron does. */
  buildFreezeV2(owner: string, frozenBalance: bigint, resource: StakeResource): StoredTx {
    return buildFreezeV2(this.ledger, this.head(), owner, frozenBalance, resource);
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
    return buildDelegate(this.ledger, this.head(), {
      owner,
      receiver,
      balance,
      resource,
      lock,
      lockPeriod,
    });
  }

  /** Builds an unsigned `UnDelegateResourceContract` (`undelegateresource`), validated. */
  buildUndelegate(
    owner: string,
    receiver: string,
    balance: bigint,
    resource: StakeResource,
  ): StoredTx {
    return buildUndelegate(this.ledger, this.head(), { owner, receiver, balance, resource });
  }

  /** Executes a read-only call (`triggerconstantcontract`); returns the result words. */
  constantCall(contract: string, data: string): string {
    return constantCall(this.ledger, contract, data);
  }

  /**
   * Validates a signed transaction as java-tron's broadcast does (TaPoS,
   * expiration, duplicates, signature, contract) and queues it for the next block, unless
   * `queue` is false (the broadcast is then lost, as a node that never relays it loses it).
   */
  broadcast(input: SignedTxInput, options: { queue?: boolean } = {}): BroadcastOutcome {
    const checked = checkBroadcast(
      this.ledger,
      this.log.blocks,
      input,
      (txid) => this.pendingIds.has(txid) || this.log.txIndex.has(txid),
    );
    if (!checked.ok) return checked;
    if (options.queue === false) return { ok: true, txid: checked.tx.txID };
    this.pending.push(checked.tx);
    this.pendingIds.add(checked.tx.txID);
    return { ok: true, txid: checked.tx.txID };
  }

  /** Seals a block with every pending transaction that still executes. */
  produceBlock(): Block {
    const pending = this.pending;
    this.pending = [];
    this.pendingIds.clear();
    const block = produce(
      this.log,
      pending,
      Math.max(Date.now(), this.head().header.timestamp + 1),
    );
    this.wakeWaiters();
    return block;
  }

  /**
   * Replaces the last `depth` blocks with a fork (see `blocks.ts`'s `reorg`). Pending
   * transactions stay pending for the next block. Waiters of {@link TronChain.waitForBlock}
   * are woken.
   */
  reorg(depth: number, options: TronReorgOptions = {}): void {
    reorg(this.log, depth, options);
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
