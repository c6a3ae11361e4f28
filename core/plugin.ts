/**
 * The contracts a chain plugin implements. The core drives every plugin through these types
 * only; nothing in `core/` or `api/` imports a plugin's own modules.
 *
 * Addresses cross this boundary in two forms: `address` is the plugin's canonical form, used
 * for storage and matching (one exact spelling per account, e.g. a raw hex form), and `display`
 * is what users see (e.g. a checksummed or user-friendly form).
 */

import type { Asset } from "./asset.ts";
import type { AssetConfig, ConfigIssues, NodeSection } from "./config.ts";
import type { Logger } from "./log.ts";
import type { NodeObserver } from "./node_observer.ts";

// Re-exported so the contract's documentation is complete from this one file.
export type { Asset, AssetConfig, ConfigIssues, Logger, NodeObserver, NodeSection };

/** JSON data a plugin persists in its cursor. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** An address that belongs to the processor, as the scanner needs to know it. */
export interface OwnedAccount {
  /** Canonical form. */
  address: string;
  /** User-facing form. */
  display: string;
  /** `deposit` (a user's or invoice's address) or `hot` (the hot wallet). */
  kind: "deposit" | "hot";
  /** Currency the deposit address was created for; null for the hot wallet. */
  currency: string | null;
  /**
   * For an account watched on behalf of a deposit (a token wallet that a memo-less
   * token contract keeps per owner), the deposit's canonical address; null for the deposit or hot wallet itself.
   */
  owner: string | null;
  /** For a deposit, the token wallet watched for it (canonical); null if none. */
  watch: string | null;
}

/**
 * Looks up which of the given canonical addresses are ours. Scanners call it once per block
 * with every account the block touches, so scanning cost does not grow with the number of
 * deposit addresses.
 */
export type AccountLookup = (addresses: readonly string[]) => Promise<Map<string, OwnedAccount>>;

/** An incoming transfer to one of our addresses, as the scanner normalised it. */
export interface IncomeEvent {
  /** Asset code from config, e.g. `COIN`. */
  currency: string;
  /** Canonical address of our account that received it. */
  to: string;
  /** Display form of the sender, when it could be determined. */
  from: string | null;
  /** Amount in the asset's base units. */
  amount: bigint;
  /** Text comment, cleaned of NUL and invalid UTF-8. */
  comment: string | null;
  /** Non-text payload as Fift-style hex, when there is one. */
  binaryComment: string | null;
  /** Chain transaction id (hex). With `eventIndex` the income's identity. */
  txHash: string;
  /** Position of the transfer within the transaction (message or log index). */
  eventIndex: number;
  /** Height of the block that holds the transaction. */
  blockHeight: bigint;
  /** Block time, unix seconds. */
  time: number;
}

/** One of our own payloads seen executed on chain. */
export interface PayloadSighting {
  /** The id the sender gave the payload when it was built. */
  payloadId: string;
  /** Transaction id (hex) of the transaction that executed it. */
  txHash: string;
  /** Keys (see `SignedPayload.outKeys`) of the transfers that actually left, in order. */
  outKeys: string[];
  /** Amount (base units, by out key) each transfer carried, for sweeps whose amount is the balance. */
  outAmounts: bigint[];
  /** Fee the chain charged for the transaction, in the chain's native base units. */
  fee: bigint;
  /** Block time, unix seconds. */
  time: number;
  /** Why transfers did not leave (e.g. the chain's out-of-resources code), when the chain says. */
  failure?: string | null;
}

/** A scanner's position: the last block fully ingested. */
export interface Cursor {
  /** Height (sequence number) of that block. */
  height: bigint;
  /** Generation time of that block, unix seconds. */
  time: number;
  /** Plugin-specific state (e.g. per-shard heights). */
  state: Json;
}

/** The receiving side acknowledged one of our transfers (e.g. a token wallet's notice of excess fees). */
export interface TransferConfirmation {
  /** The out key of the transfer (see `SignedPayload.outKeys`). */
  outKey: string;
  /** Transaction (hex) that carried the acknowledgement. */
  txHash: string;
}

/**
 * A token transfer to one of our deposits that no configured asset accounts for (an unknown
 * token, or one that cannot be verified): recorded for a person to look at, never an income.
 */
export interface UnrecognizedTransfer {
  /** Canonical deposit address it was sent to. */
  to: string;
  /** The token's wallet or contract that reported it (canonical). */
  token: string;
  /** Claimed sender, display form, when given. */
  from: string | null;
  /** Claimed amount in the token's base units. */
  amount: bigint;
  /** Claimed text comment, when given. */
  comment: string | null;
  /** Claimed binary comment (hex), when given. */
  binaryComment: string | null;
  /** Hash of the transaction that carried it. */
  txHash: string;
  /** Position within the transaction, as for incomes; with `txHash` its identity (default 0). */
  eventIndex?: number;
  /** Time of the transaction, unix seconds. */
  time: number;
}

/** Everything a block contributed, committed together with the new cursor. */
export interface ScannedBlock {
  /** Where scanning stands once this block is committed. */
  cursor: Cursor;
  /** Payments to watched accounts, each ingested exactly once. */
  incomes: IncomeEvent[];
  /** Our own payloads seen on chain. */
  sightings: PayloadSighting[];
  /** Acknowledgements of sent transfers; informational, they change no status. */
  confirmations?: TransferConfirmation[];
  /** Token transfers to our deposits that no configured asset accounts for. */
  unrecognized?: UnrecognizedTransfer[];
  /** How many transactions the block (all its shards) held, ours or not; for metrics. */
  transactionCount?: number;
  /**
   * Sent transfers that came back undelivered after their payload settled (e.g. a bounced
   * token transfer). Never expected; each one stops the sender for a person to look at.
   */
  returned?: TransferConfirmation[];
}

/**
 * The chain replaced blocks the scanner had ingested (a fork): everything after `to` is
 * undone and scanning resumes from it.
 */
export interface Rollback {
  /** The last block both branches share, as a cursor. */
  to: Cursor;
}

/** Follows the chain block by block. */
export interface ChainScanner {
  /** Where to start when no cursor is persisted: the current tip. */
  initialCursor(): Promise<Cursor>;
  /**
   * The block after `cursor`, or null when the chain has none yet, or a rollback when the
   * chain no longer holds `cursor`'s block. Throws on node errors; the caller retries the
   * same cursor, so no block is ever skipped.
   */
  next(cursor: Cursor, lookup: AccountLookup): Promise<ScannedBlock | Rollback | null>;
  /**
   * How long to wait before asking again once `next` found no block, ms: shorter than the
   * chain's block time, so a block is read soon after the node has it, and within the node's
   * rate limit (one caught-up `next` costs the plugin's head request). Absent: 1000.
   */
  readonly pollIntervalMs?: number;
}

/** A transfer the sender is asked to make. */
export interface TransferItem {
  /** The withdrawal's id: unique and stable across rebuilds (a token transfer may carry it). */
  id: bigint;
  /**
   * Null for a plain payment of `amount` to `to`; for a sweep's preparation, the step the
   * plugin named in its `Preparation` (or its `undo`), which it builds as it sees fit.
   */
  step: string | null;
  /** Asset code from config. */
  currency: string;
  /** Canonical destination. */
  to: string;
  /** Amount in the asset's base units. */
  amount: bigint;
  /** Text comment to carry, or null. */
  comment: string | null;
  /** Binary comment (hex) to carry, or null. */
  binaryComment: string | null;
  /**
   * For a sweep's preparation step or its undo, the deposit it serves, with its key index:
   * an undo may be the deposit's own transfer (giving back what is left of a top-up), which
   * the deposit signs. Null or absent for a payment.
   */
  account?: DepositAccount | null;
}

/** A signed payload, persisted before its first broadcast. */
export interface SignedPayload {
  /** Id by which the scanner will recognise it on chain (e.g. a transaction or message hash). */
  payloadId: string;
  /** Canonical address of the wallet that signs it. */
  wallet: string;
  /**
   * The signed transaction in the plugin's own text encoding (base64 bytes, JSON, …), opaque
   * to the core: stored as given and handed back to `broadcast` as-is until it lands or dies.
   */
  data: string;
  /**
   * Unix seconds after which the chain will not accept it, for chains whose transactions
   * expire; null where one stays valid until its nonce is used. Read by the plugin's
   * lifecycle, never by the core.
   */
  validUntil: number | null;
  /**
   * What this payload shares with every payload that can never land beside it (an account
   * chain's sender nonce); a replacement must carry the same one. Null or absent: nothing
   * can replace it.
   */
  nonce?: string | null;
  /** One key per transfer, same order as requested; a sighting lists those that left. */
  outKeys: string[];
}

/**
 * The native balance a sweep moves, read at a block (see `ChainSender.buildSweep`'s `asOf`): the
 * payload's amount and its fee together take all of it.
 */
export interface SweptBalance {
  /** The deposit's native balance as of block `height`, in the native coin's base units. */
  balance: bigint;
  /** Height of the block the balance was read at: the `asOf` the sweep was built with. */
  height: bigint;
  /** That block's time, unix seconds. */
  time: number;
}

/** A signed sweep: a payload, and the native balance it moves when the plugin reports it. */
export interface SweepPayload extends SignedPayload {
  /**
   * The native balance it moves, for a native sweep built with `asOf`; null or absent
   * otherwise.
   */
  moves?: SweptBalance | null;
}

/** A persisted payload as the lifecycle judges it: what was signed, and how often it went out. */
export interface StoredPayload extends SignedPayload {
  /** How many times it was broadcast. */
  broadcasts: number;
  /** Milliseconds since the last broadcast; null when never broadcast. */
  sinceBroadcastMs: number | null;
}

/**
 * Where a persisted payload stands, judged on the scanned chain (see `PayloadLifecycle`):
 * - `pending`: it may still land; the core broadcasts it again as-is;
 * - `landed`: the chain holds it although the scanner has not reported it yet; the core
 *   neither broadcasts nor rebuilds it and waits for the sighting;
 * - `dead`: it can provably never land: `expired` (its validity passed on chain) or
 *   `superseded` (another transaction used its nonce). Only then is a new payload built for
 *   what it carried; a dead payload seen on chain later halts the sender (double-spend
 *   tripwire).
 */
export type PayloadState =
  | { state: "pending" }
  | { state: "landed" }
  | { state: "dead"; reason: "expired" | "superseded"; detail: string };

/**
 * The plugin's rules for its payloads' life after persisting. The core never judges a
 * payload by itself: it asks `state`, and acts on `dead` only after asking again, inside the
 * transaction that buries it, with the cursor locked, so a fork that moved the cursor back
 * in between cannot bury a payload on blocks the chain no longer has.
 */
export interface PayloadLifecycle {
  /**
   * Where `payload` stands given `cursor`, the last block whose sightings are all committed
   * (a payload the scanner saw is never asked about). Must be a pure function of its
   * arguments, without I/O: facts it needs from the chain (e.g. an account's nonce at the
   * scanned block) belong in the scanner's cursor state.
   */
  state(payload: StoredPayload, cursor: Cursor): PayloadState;
  /**
   * Optional: a payload to send instead of a pending one that is due for re-broadcast (a fee
   * bump), or null to re-broadcast it as-is. The replacement must carry the same wallet,
   * `nonce` and number of out keys, so at most one of the two can ever land: the core stores
   * it and moves what the old one carried to it in one transaction, keeps watching both,
   * and counts whichever lands, declaring the other dead (superseded).
   */
  replacement?(payload: StoredPayload, cursor: Cursor): Promise<SignedPayload | null>;
}

/** A deposit account the sender can sign for. */
export interface DepositAccount {
  /** Canonical address of the account. */
  address: string;
  /** Derivation index of its key. */
  index: bigint;
  /** Asset code the account was made for. */
  currency: string;
}

/** Balance of an account in one asset. */
export interface AccountBalance {
  /** Balance in the asset's base units. */
  balance: bigint;
  /** Chain-specific account status (`active`, `uninit`, `frozen`, `non_exist`). */
  status: string;
}

/**
 * A step the hot wallet takes for a deposit before its sweep can be signed: native coin sent
 * to it for its fees, or resources lent to it. The core queues it as a `prepare` withdrawal
 * of the native coin, persisted and sent exactly once, and hands `step` back to
 * `buildTransfers`.
 */
export interface Preparation {
  /** The plugin's tag of the step, namespaced by plugin (e.g. `<plugin>.lend`). */
  step: string;
  /** Native base units it sends, or the worth of what it lends. */
  amount: bigint;
  /** True when `amount` leaves the hot wallet's balance; false when it is only lent. */
  spends: boolean;
  /**
   * The step queued once the sweep has settled (or was dropped) to take back what this one
   * lent, or what is left of what it sent; exactly once per preparation, persisted with the
   * settlement. It is sent once the sweep's transaction is final (a fork that dropped it would
   * run it again without what the undo took back), alone in its payload, one at a time per
   * deposit, with the deposit's account (see `TransferItem.account`), and may find nothing
   * left to take back (`buildTransfers` answers null). Null or absent when nothing comes back.
   */
  undo?: string | null;
  /**
   * Whether at most one of this step may be queued or in flight per chain, as it was sized
   * against something the hot wallet has free now (a balance that two would both count on).
   */
  exclusive?: boolean;
}

/**
 * What a deposit needs before its sweep can be signed: a preparation by the hot wallet, or
 * time (`wait`: not worth sweeping yet, e.g. the fee would be too large a share of the amount).
 */
export type SweepPreparation = { prepare: Preparation } | { wait: string };

/** Builds, signs and broadcasts the processor's own transfers. */
export interface ChainSender {
  /** Most transfers one payload may carry. */
  readonly maxBatch: number;
  /**
   * Optional: transfers of currencies with the same key may share one payload (e.g. a batch
   * contract that pays one asset per call); absent: any transfers may.
   */
  batchKey?(currency: string): string;
  /**
   * Most hot wallet payloads unseen at once: 1 where a sequence number orders them, more
   * where transactions are independent.
   */
  readonly maxInFlight: number;
  /**
   * How many hot wallet payloads the hot wallet's own resources (its native balance and
   * whatever free fee allowance the chain grants it) can pay for at once now, those in flight
   * included, each at its dearest cost; the sender keeps no more than this (and `maxInFlight`)
   * in flight. Absent: only `maxInFlight` bounds it.
   */
  inFlightCapacity?(): Promise<number>;
  /** Whether withdrawals of `currency` can be sent (an asset may be deposit-only for now). */
  withdrawable(currency: string): boolean;
  /**
   * Native coin one transfer of `currency` takes beyond its amount (a token transfer's gas),
   * charged to the native balance when batching; 0 where the fee reserve covers it.
   */
  nativeCost(currency: string): bigint;
  /**
   * How long a token balance read from the node may still include a withdrawal the scanner
   * already saw settled (a token wallet that moves a block or more after the hot wallet's
   * message); such withdrawals are held back from the budget that long. 0 where the balance
   * is read from the same state the scanner sees.
   */
  readonly tokenBalanceLagSeconds: number;
  /**
   * Optional capability: a deposit's native balance is exactly what the processor's records
   * explain, so a native sweep can tell value that reached the deposit unseen (e.g. coin a
   * contract forwarded, on a node that cannot trace such calls) and record it as an
   * unrecognized transfer instead of sweeping it silently. The records are: the native
   * incomes of the deposit, the native preparations the hot wallet sent it (`spends`), less
   * the fees of every payload the deposit signed and what its native sweeps moved, plus what
   * was recorded unrecognized before. True promises that nothing else changes the balance: no
   * storage or rent fees, no burns outside a payload's reported fee, the deposit signs no
   * payload but its sweeps, and the scanner never reports a preparation as an income. Native
   * sweeps then get `asOf` (see {@linkcode ChainSender.buildSweep}) and must report
   * {@linkcode SweepPayload.moves}. Absent or false: native sweeps are not reconciled.
   */
  readonly nativeBalanceAccounted?: boolean;
  /** Amount of `currency` the hot wallet can spend now, fees reserved. */
  spendable(currency: string): Promise<bigint>;
  /**
   * Signs one payload carrying `items`, in order, from the hot wallet; an undo step (always
   * alone) may be signed by its deposit instead. Null only for such an undo when nothing is
   * left to take back (what is left cannot pay for its own transfer): the core closes it
   * unsent. Never null for anything else.
   */
  buildTransfers(items: TransferItem[]): Promise<SignedPayload | null>;
  /**
   * Signs a payload that moves the whole balance of `currency` from a deposit account to the
   * hot wallet, with `memo` as comment; null when there is nothing to move; a preparation
   * when the deposit first needs something from the hot wallet, or time.
   *
   * `asOf` is given (and only then) for a sweep of the native coin by a plugin whose native
   * balances are accounted (see {@linkcode ChainSender.nativeBalanceAccounted}): the height
   * of the newest scanned block that is final. The payload then moves the balance as of that
   * block, no more, and reports it in {@linkcode SweepPayload.moves}; what arrived later stays
   * for a later sweep. Absent or null: the plugin reads the balance as it sees fit.
   */
  buildSweep(
    account: DepositAccount,
    memo: string | null,
    asOf?: bigint | null,
  ): Promise<SweepPayload | SweepPreparation | null>;
  /** Sends a signed payload to the network; safe to repeat. */
  broadcast(payload: SignedPayload): Promise<void>;
  /** When a persisted payload is still pending, has landed, or is provably dead. */
  readonly lifecycle: PayloadLifecycle;
  /** Balance and status of any address (hot wallet when `address` is undefined). */
  balance(currency: string, address?: string): Promise<AccountBalance>;
}

/** Deposit address derivation and the chain's address codec. */
export interface ChainDerivation {
  /** The hot wallet, canonical and display forms. */
  readonly hotWallet: { address: string; display: string };
  /**
   * Deterministic deposit address for `index` (index ≥ 1). `watch` is a second account the
   * scanner must follow for this deposit (a token wallet), null when there is none.
   */
  deposit(
    index: bigint,
    currency: string,
  ): Promise<{ address: string; display: string; watch: string | null }>;
  /** Parses user input into canonical and display forms, or an error text. */
  parseAddress(input: string): { address: string; display: string } | { error: string };
  /** Display form of a canonical address. */
  display(address: string): string;
}

/** Faucet request in devnet mode. */
export interface FaucetRequest {
  /** Asset code from config. */
  currency: string;
  /** Canonical destination. */
  to: string;
  /** Amount in the asset's base units. */
  amount: bigint;
  /** Text comment to carry, or null. */
  comment: string | null;
  /** For token transfers that carry native coin along (token wallets): how much; null = default. */
  forwardAmount: bigint | null;
  /**
   * How the devnet pays, in the plugin's own terms (e.g. `contract`, through a contract's
   * internal transaction); null or absent: the plain transfer.
   */
  via?: string | null;
}

/** Devnet controls a plugin exposes when it runs against its own devnet. */
export interface ChainDevnet {
  /** Faucet address, chain heights and anything else worth showing. */
  info(): Promise<Record<string, Json>>;
  /** Sends from the faucet; resolves with the faucet's transaction hash. */
  faucet(request: FaucetRequest): Promise<string>;
}

/** What a customer is asked to pay, for a wallet payment URI (see `ChainPlugin.paymentUri`). */
export interface PaymentRequest {
  /** The asset's code from config, e.g. `TOKEN_X`. */
  assetCode: string;
  /** The receiving address, display form. */
  address: string;
  /** Base units; 0 means any amount (the URI then names none). */
  amount: bigint;
  /** The comment the payment must carry (memo chains), or null. */
  memo: string | null;
}

/**
 * Optional capability: service withdrawals the exchange API serves under a route of its own
 * (`/v1/withdrawal/service/{route}` in the seed), sweeping one of our deposits to the hot
 * wallet with a fresh memo.
 */
export interface ServiceWithdrawals {
  /** Route of the native coin's service withdrawal; null when the plugin serves none. */
  readonly native: string | null;
  /**
   * Route of service withdrawals of a token named by its contract, for plugins with token
   * wallets (the deposit's balance lives in a wallet the contract derives); null when none.
   */
  readonly token: string | null;
}

/** A chain plugin instance, built by its factory from config. */
export interface ChainPlugin {
  /** Chain name, e.g. `coin`. */
  readonly chain: string;
  /** Assets this plugin serves. */
  readonly assets: readonly Asset[];
  /** Derives deposit addresses and the hot wallet from the instance's key. */
  readonly derivation: ChainDerivation;
  /** Reads blocks and turns them into incomes and sightings. */
  readonly scanner: ChainScanner;
  /** Builds, signs and broadcasts payloads, and tells their lifecycle. */
  readonly sender: ChainSender;
  /** Cold wallet the hot wallet's excess goes to; null when not configured. */
  readonly coldWallet: { address: string; display: string } | null;
  /** Confirmations before an income is final (1 where inclusion is final). */
  readonly requiredConfirmations: number;
  /**
   * Whether payments carry a memo (memo chains: a comment in the transfer), so invoices can share one receiving
   * address and be told apart by memo; otherwise each invoice gets its own address.
   */
  readonly sharedDepositAddresses: boolean;
  /**
   * Validates a withdrawal memo; returns the offending field and why (without the field's
   * name: the API prefixes it), or null.
   */
  validateMemo(
    comment: string | null,
    binaryComment: string | null,
  ): { field: "comment" | "binary_comment"; message: string } | null;
  /**
   * The wallet payment URI of a request (what the checkout page's QR code holds, e.g. a
   * `scheme://transfer/…` link), or null when the asset is not this plugin's. Optional: a page without
   * it shows the address as the QR code's content.
   */
  paymentUri?(request: PaymentRequest): string | null;
  /**
   * Optional capability: resolves a human-readable name (a name service of the chain) to a
   * display address, null when unknown.
   */
  resolve?(domain: string): Promise<string | null>;
  /** Optional capability: the service withdrawal routes this plugin serves. */
  readonly serviceWithdrawals?: ServiceWithdrawals;
  /** Present in devnet mode only. */
  readonly devnet?: ChainDevnet;
  /**
   * Explorer links of this instance's network; null or absent: none. A factory may set them
   * from its section (a plugin serving several networks); otherwise the registry takes the
   * module's {@linkcode PluginModule.explorers}. Config `public.explorers` overrides both.
   */
  readonly explorers?: ExplorerTemplates | null;
  /** Releases clients and timers. */
  close(): Promise<void>;
}

/** Networks a deployment can run on (config `network`). */
export type Network = "mainnet" | "testnet" | "devnet";

/** Explorer links of one network: `{address}` and `{tx}` are replaced. */
export interface ExplorerTemplates {
  /** URL of an address, holding `{address}`. */
  readonly address: string;
  /** URL of a transaction, holding `{tx}`. */
  readonly tx: string;
}

/** How one environment variable sets a field of an instance's config section. */
export interface EnvBinding {
  /** Path of the field in the section, e.g. `["sweep", "strategy"]`. */
  readonly path: readonly string[];
  /** How the text is read: as is, as a whole number, or `true`/`false`. */
  readonly type: "string" | "integer" | "boolean";
}

/**
 * What every instance section holds, whatever its plugin: an on/off switch and its assets,
 * built from the core's `assetSchema` (which a plugin may extend).
 */
export interface InstanceSection {
  /** The plugin serving the instance, when its key is not the plugin's name. */
  readonly plugin?: string;
  /** `false`: configured but not started. */
  readonly enabled?: boolean;
  /** Assets by code; codes are unique across all instances. */
  readonly assets: Readonly<Record<string, AssetConfig>>;
}

/**
 * A plugin's config schema, as the registry uses it: a zod schema (strict, with defaults)
 * fits, and its parse errors name the field.
 */
export interface ConfigSchema<Section> {
  /** Parses one instance's section (without its `plugin` field). */
  safeParse(
    input: unknown,
  ): { success: true; data: Section } | { success: false; error: ConfigIssues };
}

/** What the host gives a plugin factory besides its section. */
export interface PluginContext {
  /** Instance name: its config key, the chain name in storage, cursors, locks and the API. */
  readonly instance: string;
  /** The deployment's network. */
  readonly network: Network;
  /** Told of the node's failed calls and heads (metrics). */
  readonly observer?: NodeObserver;
  /** Devnet controls, in devnet mode only. */
  readonly devnet?: ChainDevnet;
  /** Where start-time warnings about the section go. */
  readonly log?: Logger;
}

/**
 * A plugin module: all the host needs to run a chain, knowing nothing else about it. A plugin
 * folder exports one (`plugins/<name>/module.ts`), and `host/registry.ts` lists it.
 */
export interface PluginModule<
  Section extends InstanceSection = InstanceSection,
  Name extends string = string,
> {
  /** Plugin name, also the default instance name and config key, e.g. `coin`. */
  readonly name: Name;
  /**
   * Zod schema of one instance's section (strict, with defaults); the registry nests it under
   * the instance key, so its errors name the field, e.g. `coin.feeLimit`.
   */
  readonly configSchema: ConfigSchema<Section>;
  /**
   * Refusals that need the section as written, before defaults fill it (e.g. a setting that
   * is only required once another one is set explicitly). Throws a ConfigError naming the
   * field, prefixed with `instance`.
   */
  precheck?(raw: unknown, instance: string): void;
  /**
   * Environment names by suffix; the registry prefixes the instance name in upper case
   * (`ENDPOINT` -> `TON_ENDPOINT`, `BSC_ENDPOINT`). Asset limits stay generic:
   * `<INSTANCE>_ASSET_<CODE>_<MIN_SWEEP|HOT_MAX|HOT_RESIDUAL|MAX_WITHDRAWAL>`.
   */
  readonly env: Readonly<Record<string, EnvBinding>>;
  /** Explorer URL templates per network; absent: null links. */
  readonly explorers: Readonly<Partial<Record<Network, ExplorerTemplates>>>;
  /** Builds one instance; throws with the field name (`<instance>.<field>`) on unusable config. */
  create(section: Section, context: PluginContext): Promise<ChainPlugin>;
  /** The chain's local devnet (dev mode, `main.ts devnet`, the conformance suite). */
  readonly devnet?: DevnetModule<Section>;
}

/** A plugin's devnet. */
export interface DevnetModule<Section> {
  /** The port `main.ts devnet` listens on unless told otherwise. */
  readonly defaultPort: number;
  /** Starts a devnet; `port` fixes its listening port (0 or absent: any free port). */
  start(options: DevnetStartOptions): Promise<RunningDevnet<Section>>;
}

/** How to start a devnet. */
export interface DevnetStartOptions {
  /** Listening port; absent or 0: any free port. */
  readonly port?: number;
  /** Listening host, default 127.0.0.1. */
  readonly hostname?: string;
  /**
   * Time between blocks, ms (default: the devnet's own). 0: no timer; blocks come only from
   * {@linkcode RunningDevnet.mine} (and the devnet's own calls that need one, such as
   * {@linkcode RunningDevnet.fundHotWallet}), so a test decides when chain time moves.
   */
  readonly blockIntervalMs?: number;
  /**
   * How long a `timeout` fault (see {@linkcode DevnetFaultInjection}) holds a request before
   * answering as the node's gateway does (default: the devnet's own).
   */
  readonly faultHoldMs?: number;
}

/** How an injected node failure looks to the client (the kinds of `devnet/faults.ts`). */
export type FaultKind = "error" | "timeout" | "ratelimit";

/**
 * Fault injection at a devnet's RPC layer, as the plugin's node client sees it on the wire.
 * `DevnetFaults` of `devnet/faults.ts` implements it; a devnet that serves its API through it
 * passes that instance.
 */
export interface DevnetFaultInjection {
  /**
   * Fails the next `count` calls of `target` (an endpoint of the node API, `*` = any call):
   * `error` and `ratelimit` answer at once as the chain's API answers them; `timeout` holds
   * the request for {@linkcode DevnetStartOptions.faultHoldMs} and then answers 504.
   */
  failNext(target: string, count: number, kind: FaultKind): void;
  /** Clears every fault. */
  reset(): void;
}

/**
 * Section settings a test varies, in chain-neutral terms: {@linkcode RunningDevnet.section}
 * maps each onto the plugin's own fields, and ignores one its chain has no field for. (A
 * sweep threshold needs no entry: `assets.<code>.minSweep` is the core's, and a test sets it
 * on the returned section.)
 */
export interface DevnetSectionOptions {
  /**
   * Signed payloads valid as briefly as the section allows, so one lost unseen dies soon
   * (the conformance suite's dead payload case).
   */
  readonly shortValidity?: boolean;
  /**
   * Blocks that make an income final, where the section sets it; ignored where inclusion is
   * final. The conformance suite asks for 1, and for more in its fork case (a fork within
   * finality undoes an income).
   */
  readonly confirmations?: number;
  /**
   * How long the plugin's node client waits for an answer, ms. The conformance suite sets it
   * below {@linkcode DevnetStartOptions.faultHoldMs}, so a `timeout` fault is a real
   * client-side timeout.
   */
  readonly requestTimeoutMs?: number;
}

/**
 * A running devnet. Dev mode and `main.ts devnet` use what every devnet has; the optional test
 * levers (`balanceOf`, `faults`, `reorg`, `mine`), which production never calls, are what the
 * conformance suite (`tests/conformance/`) drives: a plugin can run the suite once its devnet
 * has `balanceOf`, `faults` and `mine`, and `reorg` where its chain forks.
 */
export interface RunningDevnet<Section> {
  /** The node API URL a section points at. */
  readonly endpoint: string;
  /** Faucet and info, behind the API's `/devnet` routes. */
  readonly controls: ChainDevnet;
  /** A fresh hot wallet secret (mnemonic) for this chain. */
  newSecret(): Promise<string>;
  /**
   * An instance section (as raw config, before validation) that uses this devnet, with every
   * devnet asset, signing with `secret` (absent: no secret, as `main.ts devnet` prints it),
   * and `options` (a test's settings) mapped onto the section's own fields.
   */
  section(secret?: string, options?: DevnetSectionOptions): Record<string, unknown>;
  /**
   * Prepares the hot wallet of `secret` before the processor watches the chain (e.g. a stake
   * the section asks for), so the processor never sees a hot-wallet transaction it did not
   * sign. Absent: nothing to prepare.
   */
  prepare?(section: Section, secret: string): Promise<void>;
  /**
   * Funds the hot wallet of `plugin` from the faucet with every devnet asset, plenty for many
   * withdrawals; resolves once the funds are in a sealed block (sealing one itself when
   * blocks are manual, `blockIntervalMs: 0`). Says what it sent, for dev mode's banner.
   */
  fundHotWallet(plugin: ChainPlugin): Promise<string>;
  /** What `main.ts devnet` prints: endpoints, faucet keys (devnet-only keys). */
  describe(): Record<string, Json>;
  /**
   * Test lever: the balance of canonical `address` in `currency` (an asset code of
   * {@linkcode RunningDevnet.section}), base units, read from the devnet's own ledger, not
   * through the node API the plugin reads, so a test can check the plugin's reading against it.
   */
  balanceOf?(currency: string, address: string): Promise<bigint>;
  /** Test lever: fault injection at the devnet's RPC layer. */
  readonly faults?: DevnetFaultInjection;
  /**
   * Test lever: replaces the last `depth` blocks with a new branch at the same heights that
   * holds the same transactions except those whose id (as the scanner reports `txHash`) is in
   * `drop`, as if never broadcast. Absent where the chain does not fork (blocks are final
   * once the node serves them).
   */
  reorg?(depth: number, drop?: readonly string[]): Promise<void>;
  /**
   * Test lever: seals a block now with everything sent so far; resolves once the block is
   * readable through the node API. With `blockIntervalMs: 0` the only way chain time moves.
   */
  mine?(): Promise<void>;
  /** Stops the node. */
  stop(): Promise<void>;
}
