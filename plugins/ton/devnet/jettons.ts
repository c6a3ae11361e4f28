/**
 * TEP-74 jettons for the TON devnet: FunC compilation of `jetton_minter.fc` and
 * `jetton_wallet.fc`, storage layouts, wallet address derivation, message
 * builders and parsers, and genesis deployment into a sandbox.
 *
 * @module
 */
import { createHash } from "node:crypto";
import {
  Address,
  beginCell,
  type Builder,
  Cell,
  contractAddress,
  Dictionary,
  type Slice,
  type StateInit,
} from "@ton/core";
import { compileFunc } from "@ton-community/func-js";
import { type Blockchain, createShardAccount } from "@ton/sandbox";

/** Operation codes: TEP-74 / TEP-89, plus the devnet minter's admin messages. */
export const JETTON_OP = {
  /** `transfer#0f8a7ea5`, owner → own jetton wallet. */
  transfer: 0x0f8a7ea5,
  /** `transfer_notification#7362d09c`, jetton wallet → its owner. */
  transferNotification: 0x7362d09c,
  /** `internal_transfer#178d4519`, wallet (or master) → wallet. */
  internalTransfer: 0x178d4519,
  /** `excesses#d53276db`, leftover TON → response destination. */
  excesses: 0xd53276db,
  /** `burn#595f07bc`, owner → own jetton wallet. */
  burn: 0x595f07bc,
  /** `burn_notification#7bdd97de`, wallet → master. */
  burnNotification: 0x7bdd97de,
  /** TEP-89 `provide_wallet_address#2c76b973`. */
  provideWalletAddress: 0x2c76b973,
  /** TEP-89 `take_wallet_address#d1735400`. */
  takeWalletAddress: 0xd1735400,
  /** Devnet minter: `mint#15 query_id to_owner ton_amount ^internal_transfer` (admin only). */
  mint: 21,
  /** Devnet minter: `change_admin#3 query_id new_admin` (admin only). */
  changeAdmin: 3,
  /** Devnet minter: `change_content#4 query_id ^content` (admin only). */
  changeContent: 4,
} as const;

/** Exit codes thrown by the devnet jetton contracts. */
export const JETTON_ERROR = {
  /** Minter: sender is not the admin. */
  notAdmin: 73,
  /** Minter: burn_notification not from the wallet derived for its `from`. */
  burnFromForeignWallet: 74,
  /** Minter: mint body is not an internal_transfer. */
  badMintBody: 75,
  /** Address is not in workchain 0. */
  wrongWorkchain: 333,
  /** Wallet: transfer/burn not from the owner. */
  notOwner: 705,
  /** Wallet: balance lower than the amount. */
  insufficientBalance: 706,
  /** Wallet: internal_transfer from neither the master nor a derived wallet. */
  unauthorizedIncoming: 707,
  /** Wallet: forward_payload is not a valid `Either Cell ^Cell`. */
  malformedForwardPayload: 708,
  /** Wallet: attached TON cannot cover fees and forward_ton_amount. */
  notEnoughTon: 709,
  /** Unknown operation. */
  unknownOp: 0xffff,
} as const;

/** Compiled code of both contracts. */
export interface JettonCode {
  /** Jetton master code. */
  minter: Cell;
  /** Jetton wallet code (also stored in the master's data). */
  wallet: Cell;
}

let compiled: Promise<JettonCode> | undefined;

async function compileOne(file: string): Promise<Cell> {
  const source = await Deno.readTextFile(new URL(`./${file}`, import.meta.url));
  const result = await compileFunc({ targets: [file], sources: { [file]: source } });
  if (result.status !== "ok") throw new Error(`${file}: ${result.message}`);
  return Cell.fromBase64(result.codeBoc);
}

/**
 * Compiles both contracts once per process: the FunC wasm compiler costs about
 * a second for the pair, and tests start many devnets.
 */
export function compileJettonContracts(): Promise<JettonCode> {
  compiled ??= (async () => {
    // Sequential: the wasm compiler is single-threaded, parallel gains nothing.
    const wallet = await compileOne("jetton_wallet.fc");
    const minter = await compileOne("jetton_minter.fc");
    return { minter, wallet };
  })();
  // A failed compile must not poison every later devnet start.
  compiled.catch(() => {
    compiled = undefined;
  });
  return compiled;
}

/** Metadata stored on chain in the master's content cell (TEP-64). */
export interface JettonMetadata {
  /** Ticker, e.g. "USDT_TON". */
  symbol: string;
  /** Display name (default: the symbol). */
  name?: string;
  /** Decimal places. */
  decimals: number;
  /** Free-form description. */
  description?: string;
}

function sha256Key(key: string): bigint {
  return BigInt("0x" + createHash("sha256").update(key).digest("hex"));
}

/** TEP-64 snake data: 0x00 prefix then the UTF-8 bytes, continued in refs. */
function snakeText(text: string): Cell {
  return beginCell().storeUint(0, 8).storeStringTail(text).endCell();
}

/** TEP-64 on-chain content: `0x00` + dict sha256(key) → ^snake value. */
export function jettonContentCell(meta: JettonMetadata): Cell {
  const dict = Dictionary.empty(Dictionary.Keys.BigUint(256), Dictionary.Values.Cell());
  dict.set(sha256Key("symbol"), snakeText(meta.symbol));
  dict.set(sha256Key("name"), snakeText(meta.name ?? meta.symbol));
  dict.set(sha256Key("decimals"), snakeText(String(meta.decimals)));
  if (meta.description !== undefined) {
    dict.set(sha256Key("description"), snakeText(meta.description));
  }
  return beginCell().storeUint(0, 8).storeDict(dict).endCell();
}

/** Reads symbol/name/decimals back from a TEP-64 on-chain content cell. */
export function parseJettonContent(content: Cell): Record<string, string> {
  const cs = content.beginParse();
  if (cs.loadUint(8) !== 0) throw new Error("not on-chain (0x00) jetton content");
  const dict = cs.loadDict(Dictionary.Keys.BigUint(256), Dictionary.Values.Cell());
  const out: Record<string, string> = {};
  for (const key of ["symbol", "name", "decimals", "description", "image", "uri"]) {
    const value = dict.get(sha256Key(key));
    if (!value) continue;
    const vs = value.beginParse();
    vs.loadUint(8);
    out[key] = vs.loadStringTail();
  }
  return out;
}

/** Master storage: `total_supply:Coins admin:MsgAddress content:^Cell wallet_code:^Cell`. */
export function jettonMinterData(p: {
  totalSupply: bigint;
  admin: Address | null;
  content: Cell;
  walletCode: Cell;
}): Cell {
  return beginCell().storeCoins(p.totalSupply).storeAddress(p.admin).storeRef(p.content)
    .storeRef(p.walletCode).endCell();
}

/** Wallet storage: `balance:Coins owner:MsgAddressInt master:MsgAddressInt wallet_code:^Cell`. */
export function jettonWalletData(p: {
  balance: bigint;
  owner: Address;
  master: Address;
  walletCode: Cell;
}): Cell {
  return beginCell().storeCoins(p.balance).storeAddress(p.owner).storeAddress(p.master)
    .storeRef(p.walletCode).endCell();
}

/** StateInit of `owner`'s wallet under `master` (balance 0), as both contracts derive it. */
export function jettonWalletStateInit(
  walletCode: Cell,
  master: Address,
  owner: Address,
): StateInit {
  return {
    code: walletCode,
    data: jettonWalletData({ balance: 0n, owner, master, walletCode }),
  };
}

/** Offline equivalent of the master's `get_wallet_address` for a known wallet code. */
export function jettonWalletAddressFor(walletCode: Cell, master: Address, owner: Address): Address {
  return contractAddress(0, jettonWalletStateInit(walletCode, master, owner));
}

/**
 * Offline equivalent of `get_wallet_address` for a devnet jetton master
 * (compiles the devnet wallet code on first use).
 */
export async function jettonWalletAddress(master: Address, owner: Address): Promise<Address> {
  const { wallet } = await compileJettonContracts();
  return jettonWalletAddressFor(wallet, master, owner);
}

/** How a forward payload is placed in an `Either Cell ^Cell` field. */
export type PayloadPlacement = "inline" | "ref" | "auto";

/**
 * Stores `forward_payload:(Either Cell ^Cell)`: bit 0 + the payload's bits and
 * refs inline, or bit 1 + one ref. `auto` inlines when the payload fits in the
 * builder, as most wallets do. A null payload is an empty inline payload.
 */
function storeEitherPayload(b: Builder, payload: Cell | null, placement: PayloadPlacement): void {
  if (!payload) {
    b.storeBit(0);
    return;
  }
  const fits = b.availableBits >= 1 + payload.bits.length &&
    b.availableRefs >= payload.refs.length;
  const inRef = placement === "ref" || (placement === "auto" && !fits);
  if (inRef) {
    b.storeBit(1).storeRef(payload);
    return;
  }
  if (!fits) throw new Error("forward payload does not fit inline; place it in a ref");
  b.storeBit(0).storeSlice(payload.beginParse());
}

function placementOf(inRef: boolean | undefined): PayloadPlacement {
  return inRef === undefined ? "auto" : inRef ? "ref" : "inline";
}

/** A text comment as a forward payload: op 0 + UTF-8 (snake, as wallets display it). */
export function jettonCommentPayload(text: string): Cell {
  return beginCell().storeUint(0, 32).storeStringTail(text).endCell();
}

/** Parameters of {@link jettonTransferBody}. */
export interface JettonTransferParams {
  /** query_id (default 0). */
  queryId?: bigint;
  /** Jetton amount in base units. */
  amount: bigint;
  /** Owner (not jetton wallet) address of the recipient. */
  destination: Address;
  /** Where the excess TON goes; null for addr_none. */
  responseDestination: Address | null;
  /** custom_payload (default none). */
  customPayload?: Cell | null;
  /** TON forwarded to the recipient with the notification; 0 means no notification. */
  forwardTonAmount: bigint;
  /** forward_payload (e.g. {@link jettonCommentPayload}); null for empty. */
  forwardPayload: Cell | null;
  /** true: in a ref, false: inline, unset: inline when it fits. */
  payloadInRef?: boolean;
}

/** TEP-74 `transfer#0f8a7ea5`, sent by an owner to its own jetton wallet. */
export function jettonTransferBody(p: JettonTransferParams): Cell {
  const b = beginCell()
    .storeUint(JETTON_OP.transfer, 32)
    .storeUint(p.queryId ?? 0n, 64)
    .storeCoins(p.amount)
    .storeAddress(p.destination)
    .storeAddress(p.responseDestination)
    .storeMaybeRef(p.customPayload ?? null)
    .storeCoins(p.forwardTonAmount);
  storeEitherPayload(b, p.forwardPayload, placementOf(p.payloadInRef));
  return b.endCell();
}

/** Parameters of {@link jettonInternalTransferBody}. */
export interface JettonInternalTransferParams {
  /** query_id (default 0). */
  queryId?: bigint;
  /** Jetton amount. */
  amount: bigint;
  /** `from`: the sending owner (addr_none allowed, e.g. for mints). */
  from: Address | null;
  /** Where the excess TON goes; null for addr_none. */
  responseAddress: Address | null;
  /** TON for the notification; 0 means none. */
  forwardTonAmount: bigint;
  /** forward_payload; null for empty. */
  forwardPayload: Cell | null;
  /** true: in a ref, false: inline, unset: inline when it fits. */
  payloadInRef?: boolean;
}

/** TEP-74 `internal_transfer#178d4519` (wallet → wallet, or the mint payload). */
export function jettonInternalTransferBody(p: JettonInternalTransferParams): Cell {
  const b = beginCell()
    .storeUint(JETTON_OP.internalTransfer, 32)
    .storeUint(p.queryId ?? 0n, 64)
    .storeCoins(p.amount)
    .storeAddress(p.from)
    .storeAddress(p.responseAddress)
    .storeCoins(p.forwardTonAmount);
  storeEitherPayload(b, p.forwardPayload, placementOf(p.payloadInRef));
  return b.endCell();
}

/** TEP-74 `transfer_notification#7362d09c` (what a jetton wallet sends its owner). */
export function jettonTransferNotificationBody(p: {
  queryId?: bigint;
  amount: bigint;
  sender: Address | null;
  forwardPayload: Cell | null;
  payloadInRef?: boolean;
}): Cell {
  const b = beginCell()
    .storeUint(JETTON_OP.transferNotification, 32)
    .storeUint(p.queryId ?? 0n, 64)
    .storeCoins(p.amount)
    .storeAddress(p.sender);
  storeEitherPayload(b, p.forwardPayload, placementOf(p.payloadInRef));
  return b.endCell();
}

/** TEP-74 `burn#595f07bc`, sent by an owner to its own jetton wallet. */
export function jettonBurnBody(p: {
  queryId?: bigint;
  amount: bigint;
  responseDestination: Address | null;
}): Cell {
  return beginCell()
    .storeUint(JETTON_OP.burn, 32)
    .storeUint(p.queryId ?? 0n, 64)
    .storeCoins(p.amount)
    .storeAddress(p.responseDestination)
    .storeMaybeRef(null)
    .endCell();
}

/** Devnet minter `mint#15`: the admin asks the master to credit `to`'s wallet. */
export function jettonMintBody(p: {
  queryId?: bigint;
  to: Address;
  /** TON the master attaches to the internal_transfer (pays the new wallet's gas). */
  tonAmount: bigint;
  amount: bigint;
  /** `from` of the internal_transfer (default addr_none). */
  from?: Address | null;
  /** Where the excess TON goes (default addr_none). */
  responseAddress?: Address | null;
  forwardTonAmount?: bigint;
  forwardPayload?: Cell | null;
}): Cell {
  return beginCell()
    .storeUint(JETTON_OP.mint, 32)
    .storeUint(p.queryId ?? 0n, 64)
    .storeAddress(p.to)
    .storeCoins(p.tonAmount)
    .storeRef(jettonInternalTransferBody({
      queryId: p.queryId,
      amount: p.amount,
      from: p.from ?? null,
      responseAddress: p.responseAddress ?? null,
      forwardTonAmount: p.forwardTonAmount ?? 0n,
      forwardPayload: p.forwardPayload ?? null,
    }))
    .endCell();
}

/** A decoded `Either Cell ^Cell` forward payload. */
export interface ForwardPayload {
  /** Whether the payload sat in a ref (Either bit 1). */
  inRef: boolean;
  /** The payload (inline bits and refs re-packed into a cell); null when empty. */
  payload: Cell | null;
}

function loadEitherPayload(s: Slice): ForwardPayload {
  if (s.remainingBits === 0) return { inRef: false, payload: null }; // lenient: field absent
  if (s.loadBit()) return { inRef: true, payload: s.loadRef() };
  if (s.remainingBits === 0 && s.remainingRefs === 0) return { inRef: false, payload: null };
  return { inRef: false, payload: beginCell().storeSlice(s).endCell() };
}

/** Fields of a `transfer_notification`. */
export interface TransferNotification extends ForwardPayload {
  /** query_id. */
  queryId: bigint;
  /** Jetton amount. */
  amount: bigint;
  /** Previous owner (sender), null for addr_none. */
  sender: Address | null;
}

/** Parses a `transfer_notification#7362d09c` body; throws on another op. */
export function parseTransferNotification(body: Cell): TransferNotification {
  const s = body.beginParse();
  const op = s.loadUint(32);
  if (op !== JETTON_OP.transferNotification) {
    throw new Error(`not a transfer_notification: op 0x${op.toString(16)}`);
  }
  const queryId = s.loadUintBig(64);
  const amount = s.loadCoins();
  const sender = s.loadMaybeAddress();
  return { queryId, amount, sender, ...loadEitherPayload(s) };
}

/** Fields of an `internal_transfer`. */
export interface InternalTransfer extends ForwardPayload {
  /** query_id. */
  queryId: bigint;
  /** Jetton amount. */
  amount: bigint;
  /** Sending owner, null for addr_none. */
  from: Address | null;
  /** Excess destination, null for addr_none. */
  responseAddress: Address | null;
  /** TON for the notification. */
  forwardTonAmount: bigint;
}

/** Parses an `internal_transfer#178d4519` body; throws on another op. */
export function parseInternalTransfer(body: Cell): InternalTransfer {
  const s = body.beginParse();
  const op = s.loadUint(32);
  if (op !== JETTON_OP.internalTransfer) {
    throw new Error(`not an internal_transfer: op 0x${op.toString(16)}`);
  }
  const queryId = s.loadUintBig(64);
  const amount = s.loadCoins();
  const from = s.loadMaybeAddress();
  const responseAddress = s.loadMaybeAddress();
  const forwardTonAmount = s.loadCoins();
  return { queryId, amount, from, responseAddress, forwardTonAmount, ...loadEitherPayload(s) };
}

/** A jetton to create at devnet start. */
export interface JettonSpec {
  /** Ticker; also the currency code the processor configures. */
  symbol: string;
  /** Decimal places (metadata only; amounts are base units). */
  decimals: number;
  /** Total supply in base units, all held by the faucet. */
  supply: bigint;
}

/** The two jettons every devnet starts with. */
export const DEFAULT_JETTONS: readonly JettonSpec[] = [
  { symbol: "USDT_TON", decimals: 6, supply: 1_000_000_000_000_000n },
  { symbol: "TGR", decimals: 9, supply: 1_000_000_000_000_000_000n },
];

/** A deployed devnet jetton. */
export interface DevnetJetton {
  /** Ticker. */
  symbol: string;
  /** Decimal places. */
  decimals: number;
  /** Jetton master address. */
  master: Address;
  /** The faucet's jetton wallet under this master. */
  faucetWallet: Address;
}

/** TON each genesis contract starts with: rent for years, and gas for the faucet's wallet. */
const GENESIS_TON = 1_000_000_000n;

/**
 * Writes a master (supply already minted) and `holder`'s wallet holding the
 * whole supply straight into the sandbox state, like a genesis: no blocks or
 * transactions, so devnet start-up stays cheap. The wallet's state is exactly
 * what minting `supply` to `holder` would leave.
 */
export async function deployJettonGenesis(
  blockchain: Blockchain,
  p: JettonSpec & { admin: Address | null; holder: Address; content?: Cell },
): Promise<DevnetJetton> {
  const code = await compileJettonContracts();
  const content = p.content ?? jettonContentCell({ symbol: p.symbol, decimals: p.decimals });
  const minterData = jettonMinterData({
    totalSupply: p.supply,
    admin: p.admin,
    content,
    walletCode: code.wallet,
  });
  const master = contractAddress(0, { code: code.minter, data: minterData });
  const faucetWallet = jettonWalletAddressFor(code.wallet, master, p.holder);
  await blockchain.setShardAccount(
    master,
    createShardAccount({
      address: master,
      code: code.minter,
      data: minterData,
      balance: GENESIS_TON,
      workchain: 0,
    }),
  );
  await blockchain.setShardAccount(
    faucetWallet,
    createShardAccount({
      address: faucetWallet,
      code: code.wallet,
      data: jettonWalletData({
        balance: p.supply,
        owner: p.holder,
        master,
        walletCode: code.wallet,
      }),
      balance: GENESIS_TON,
      workchain: 0,
    }),
  );
  return { symbol: p.symbol, decimals: p.decimals, master, faucetWallet };
}
