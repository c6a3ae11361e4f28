/**
 * TRON devnet: an HTTP server speaking the java-tron full node API
 * (`/wallet/*`, JSON over POST) backed by an in-memory ledger
 * ({@link TronChain}), producing blocks on a timer.
 *
 * Besides blocks, transfers and TRC20 calls it serves Stake 2.0 as java-tron
 * does: `freezebalancev2`, `delegateresource` and `undelegateresource` build the
 * transactions (clients such as tronweb may also build them locally; the node
 * executes whatever is signed and broadcast), and `getaccountresource`,
 * `getdelegatedresourcev2`, `getdelegatedresourceaccountindexv2` and
 * `getcandelegatedmaxsize` read the result.
 *
 * @example
 * ```ts
 * const devnet = await startTronDevnet({ blockIntervalMs: 0 });
 * const txid = await devnet.faucetTrx("T…", 5_000_000n);
 * devnet.produceBlock();
 * // POST `${devnet.endpoint}/wallet/gettransactioninfobyid` {value: txid}
 * await devnet.close();
 * ```
 *
 * @module
 */
import { hex as hexCodec } from "../deps.ts";
import { tronAddressFromHex } from "../address.ts";
import { signTronTx } from "../transaction.ts";
import { type Block, type TronReorgOptions } from "./blocks.ts";
import { TronChain } from "./chain.ts";
import { functionSelector, type Trc20Spec } from "./contracts.ts";
import {
  type Delegation,
  DEVNET_TRC10_ID,
  type StakeResource,
  type StoredTx,
  type TxInfo,
  utf8Hex,
} from "./ledger.ts";
import { NodeError, toHex41 } from "./node_error.ts";
import { FREE_NET_LIMIT, MAX_DELEGATE_LOCK_PERIOD, TOTAL_ENERGY_LIMIT } from "./resources.ts";
import { DevnetFaults, type FaultAnswers, type FaultControl } from "../../../devnet/faults.ts";
import { decodeRawData } from "./protobuf.ts";
import { serveDevnetHttp } from "../../../devnet/http_server.ts";

export type { TronReorgOptions } from "./blocks.ts";
export type { Trc20Spec } from "./contracts.ts";

/** Options of {@link startTronDevnet}. */
export interface TronDevnetOptions {
  /** TCP port; 0 picks a free one (default 0). */
  port?: number;
  /** Listen address (default 127.0.0.1). */
  hostname?: string;
  /** Block interval; 0 disables the timer, blocks then come only from produceBlock() (default 1000). */
  blockIntervalMs?: number;
  /** TRC20 tokens to create, supply held by the faucet (default USDT_TRC20, 6 decimals). */
  trc20?: Trc20Spec[];
  /** How long a "timeout" fault holds a request before answering 504 (default 10000). */
  faultTimeoutMs?: number;
  /**
   * Blocks the `/walletsolidity/*` view trails the head by (mainnet: about 19).
   * Default 0, so solidity reads (tronweb's getBalance, getTransactionInfo) see
   * the head at once. Account reads always show the current state.
   */
  solidityLag?: number;
}

/** A running devnet. */
export interface TronDevnet {
  /** Base URL of the node API, e.g. `http://127.0.0.1:PORT` (paths `/wallet/...`). */
  readonly endpoint: string;
  /** Funded faucet account: base58 address and hex private key. */
  readonly faucet: { readonly address: string; readonly privateKey: string };
  /** TRC20 contract addresses (base58) by symbol. */
  readonly tokens: Readonly<Record<string, string>>;
  /** Fault injection controls. */
  readonly faults: FaultControl;
  /** The ledger, for tests that need to look inside. */
  readonly chain: TronChain;
  /** Seals a block now with the pending transactions; returns its number. */
  produceBlock(): number;
  /**
   * Simulates a short fork: the last `depth` blocks are replaced by new blocks
   * at the same heights (new ids) that re-execute their transactions, except
   * those whose txid is in `options.drop`, which vanish as if never broadcast.
   * Every read (blocks, transaction infos, balances) then serves the new branch,
   * `/walletsolidity/*` included: the devnet does not keep solidified blocks
   * out of a fork. See {@link TronChain.reorg}.
   *
   * @throws RangeError when `depth` is not from 1 to min(height, `MAX_REORG_DEPTH` of chain.ts)
   */
  reorg(depth: number, options?: TronReorgOptions): void;
  /** Resolves after the next block is sealed. */
  waitForBlock(): Promise<void>;
  /** Height of the latest block (ignores the lag fault). */
  height(): number;
  /**
   * Sends `amount` sun from the faucet with a real signed TransferContract;
   * resolves with the txid once accepted (it lands in the next block).
   */
  faucetTrx(to: string, amount: bigint): Promise<string>;
  /**
   * Sends `amount` base units of a devnet TRC20 from the faucet (a real signed
   * `transfer(address,uint256)` call); resolves with the txid once accepted.
   */
  faucetToken(symbol: string, to: string, amount: bigint): Promise<string>;
  /**
   * Sends `amount` sun from the faucet through the forwarder contract (a signed
   * `forward(address)` call with that value), so it reaches `to` as an internal transaction;
   * resolves with the txid once accepted. A `feeLimit` (sun, default 1000 TRX) too small for
   * the call makes it run out of energy, its internal transaction rejected.
   */
  faucetViaContract(to: string, amount: bigint, options?: { feeLimit?: number }): Promise<string>;
  /**
   * Sends `amount` of the devnet's TRC10 token ({@link TronDevnet.trc10}) from the faucet with
   * a signed `TransferAssetContract`; resolves with the txid once accepted.
   */
  faucetTrc10(to: string, amount: bigint): Promise<string>;
  /** The forwarder contract, base58 (see {@link TronDevnet.faucetViaContract}). */
  readonly forwarder: string;
  /** Id of the devnet's TRC10 token. */
  readonly trc10: string;
  /**
   * Requests served per path since start or the last reset, e.g. `wallet/getblockbynum` (what
   * TronGrid would bill); rejected and faulted requests count too.
   */
  requests(): Readonly<Record<string, number>>;
  /** Starts counting {@link TronDevnet.requests} from zero. */
  resetRequests(): void;
  /** Stops the timer and the server. */
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/**
 * The key a fault is stored under: `wallet/…` for a bare endpoint name, lower case, as the
 * node's paths are (`/wallet/getnowblock`, `getnowblock` and `GetNowBlock` are one).
 */
function endpointKey(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, "");
  return trimmed.includes("/") ? trimmed.toLowerCase() : `wallet/${trimmed.toLowerCase()}`;
}

/** How faults look on the TRON HTTP API: `{"Error": …}` bodies, TronGrid's 429. */
const FAULT_ANSWERS: FaultAnswers = {
  timeout: () => json({ Error: "Gateway Timeout (injected fault)" }, 504),
  ratelimit: () => json({ Error: "rate limit exceeded (injected fault)" }, 429),
  error: () => json({ Error: "Service Unavailable (injected fault)" }, 503),
};

function addressOut(hex41: string, visible: boolean): string {
  return visible ? tronAddressFromHex(hex41) : hex41;
}

function txJson(tx: StoredTx, visible: boolean): Json {
  const out: Json = {};
  if (tx.contractRet) out.ret = [{ contractRet: tx.contractRet }];
  if (tx.signature.length) out.signature = tx.signature;
  out.txID = tx.txID;
  out.raw_data = visible ? decodeRawData(hexCodec.decode(tx.raw_data_hex), true) : tx.raw_data;
  out.raw_data_hex = tx.raw_data_hex;
  return out;
}

function unsignedJson(tx: StoredTx, visible: boolean): Json {
  return { visible, ...txJson(tx, visible) };
}

function blockJson(block: Block, visible: boolean, detail = true): Json {
  const h = block.header;
  // java-tron omits a zero number (genesis); printing it keeps clients such as
  // tronweb (which reads `number.toString(16)`) working at height 0.
  const raw: Json = { number: h.number };
  raw.txTrieRoot = h.txTrieRoot;
  raw.witness_address = addressOut(h.witness_address, visible);
  raw.parentHash = h.parentHash;
  raw.version = h.version;
  raw.timestamp = h.timestamp;
  const out: Json = {
    blockID: block.id,
    block_header: { raw_data: raw, witness_signature: block.witnessSignature },
  };
  if (detail && block.txs.length) out.transactions = block.txs.map((t) => txJson(t, visible));
  return out;
}

/**
 * A transaction info as java-tron's servlets print it: with `visible`, the log addresses
 * (`Util.convertLogAddressToTronAddress` gives them the 0x41 prefix), `contract_address` and the
 * internal transactions' `caller_address` / `transferTo_address` become base58
 * (`HttpSelfFormatFieldName`); without, everything stays hex as stored.
 */
function infoJson(info: TxInfo, visible: boolean): TxInfo {
  if (!visible) return info;
  const out: TxInfo = { ...info };
  if (typeof info.contract_address === "string") {
    out.contract_address = tronAddressFromHex(info.contract_address);
  }
  if (Array.isArray(info.log)) {
    out.log = info.log.map((l: Json) => ({ ...l, address: tronAddressFromHex("41" + l.address) }));
  }
  if (Array.isArray(info.internal_transactions)) {
    out.internal_transactions = info.internal_transactions.map((it: Json) => ({
      ...it,
      caller_address: tronAddressFromHex(String(it.caller_address)),
      transferTo_address: tronAddressFromHex(String(it.transferTo_address)),
    }));
  }
  return out;
}

function num(value: unknown, what: string): number {
  const n = typeof value === "string" && value !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new NodeError("OTHER_ERROR", `${what} must be a non-negative integer`);
  }
  return n;
}

function big(value: unknown, what: string): bigint {
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^\d+$/.test(value)) return BigInt(value);
  if (typeof value === "bigint") return value;
  throw new NodeError("OTHER_ERROR", `${what} must be an integer`);
}

/** `resource` of a stake request: a ResourceCode name or number, BANDWIDTH when absent. */
function resourceParam(value: unknown): StakeResource {
  if (value === undefined || value === null || value === "BANDWIDTH" || value === 0) {
    return "BANDWIDTH";
  }
  if (value === "ENERGY" || value === 1) return "ENERGY";
  throw new NodeError(
    "CONTRACT_VALIDATE_ERROR",
    "ResourceCode error, valid ResourceCode[BANDWIDTH、ENERGY]",
  );
}

/** A delegation record as java-tron prints a `DelegatedResource` (zero fields omitted). */
function delegationJson(d: Delegation, visible: boolean): Json {
  const out: Json = { from: addressOut(d.from, visible), to: addressOut(d.to, visible) };
  if (d.balance.BANDWIDTH) out.frozen_balance_for_bandwidth = Number(d.balance.BANDWIDTH);
  if (d.balance.ENERGY) out.frozen_balance_for_energy = Number(d.balance.ENERGY);
  if (d.expire.BANDWIDTH) out.expire_time_for_bandwidth = d.expire.BANDWIDTH;
  if (d.expire.ENERGY) out.expire_time_for_energy = d.expire.ENERGY;
  return out;
}

/** Starts a devnet and its HTTP server. */
export function startTronDevnet(options: TronDevnetOptions = {}): Promise<TronDevnet> {
  const chain = new TronChain({ trc20: options.trc20 ?? [{ symbol: "USDT_TRC20", decimals: 6 }] });
  const faults = new DevnetFaults({ normalize: endpointKey });
  const holdMs = options.faultTimeoutMs ?? 10_000;
  const shutdown = new AbortController();

  /** Head as this (possibly lagging) node reports it. */
  let visibleHead = (): number => Math.max(0, chain.height() - faults.lag);

  function blockAt(n: number): Block | undefined {
    return n <= visibleHead() ? chain.blocks[n] : undefined;
  }

  function data(p: Json): string {
    if (typeof p.function_selector === "string" && p.function_selector !== "") {
      const param = typeof p.parameter === "string" ? p.parameter.toLowerCase() : "";
      return functionSelector(p.function_selector) + param;
    }
    return typeof p.data === "string" ? p.data.toLowerCase() : "";
  }

  function submit(tx: StoredTx, key: string): string {
    const signed = { ...tx, signature: [signTronTx(tx.raw_data_hex, key)] };
    const outcome = chain.broadcast(signed);
    if (!outcome.ok) throw new Error(`${outcome.code}: ${outcome.message}`);
    return outcome.txid;
  }

  function faucetTrx(to: string, amount: bigint): string {
    return submit(
      chain.buildTransfer(chain.faucet.hex, toHex41(to, "to"), amount),
      chain.faucetKey,
    );
  }

  function faucetToken(symbol: string, to: string, amount: bigint): string {
    const token = chain.tokens.get(symbol);
    if (!token) throw new NodeError("OTHER_ERROR", `unknown token ${symbol}`);
    const toHex = toHex41(to, "to");
    const callData = functionSelector("transfer(address,uint256)") + "0".repeat(24) +
      toHex.slice(2) + amount.toString(16).padStart(64, "0");
    return submit(
      chain.buildTrigger(chain.faucet.hex, token.hex, callData, 1_000_000_000, 0),
      chain.faucetKey,
    );
  }

  function faucetViaContract(to: string, amount: bigint, feeLimit = 1_000_000_000): string {
    const callData = functionSelector("forward(address)") + "0".repeat(24) +
      toHex41(to, "to").slice(2);
    return submit(
      chain.buildTrigger(
        chain.faucet.hex,
        chain.forwarder.hex,
        callData,
        feeLimit,
        Number(amount),
      ),
      chain.faucetKey,
    );
  }

  function faucetTrc10(to: string, amount: bigint): string {
    return submit(
      chain.buildTransferAsset(chain.faucet.hex, toHex41(to, "to"), DEVNET_TRC10_ID, amount),
      chain.faucetKey,
    );
  }

  const routes: Record<string, (p: Json, visible: boolean) => unknown> = {
    // java-tron's GetNowBlockServlet answers POST through doGet and reads `visible` from the
    // query string only (Util.getVisible): a `visible` in the body is ignored. `handle` passes
    // the query's flag for this route.
    "wallet/getnowblock": (_p, visible) => blockJson(chain.blocks[visibleHead()], visible),
    "wallet/getblock": (p, visible) => {
      const detail = p.detail === true || p.detail === "true";
      const key = p.id_or_num;
      let block: Block | undefined;
      if (key === undefined || key === "") block = chain.blocks[visibleHead()];
      else if (typeof key === "string" && /^[0-9a-fA-F]{64}$/.test(key)) {
        block = chain.blocks.find((b) => b.id === key.toLowerCase());
        if (block && block.header.number > visibleHead()) block = undefined;
      } else block = blockAt(num(key, "id_or_num"));
      return block ? blockJson(block, visible, detail) : {};
    },
    "wallet/getblockbynum": (p, visible) => {
      const block = blockAt(num(p.num, "num"));
      return block ? blockJson(block, visible) : {};
    },
    "wallet/getblockbyid": (p, visible) => {
      const id = String(p.value ?? "").toLowerCase();
      const block = chain.blocks.find((b) => b.id === id);
      return block && block.header.number <= visibleHead() ? blockJson(block, visible) : {};
    },
    "wallet/gettransactioninfobyblocknum": (p, visible) => {
      // java-tron's GetTransactionInfoByBlockNumServlet: `{}` for num ≤ 0; a block it lacks
      // gives an empty list (Wallet.getTransactionInfoByBlockNum swallows the not-found).
      const n = num(p.num ?? 0, "num");
      if (n <= 0) return {};
      const block = blockAt(n);
      return block ? block.infos.map((i) => infoJson(i, visible)) : [];
    },
    "wallet/gettransactioninfobyid": (p, visible) => {
      const found = chain.lookup(String(p.value ?? ""));
      return found ? infoJson(found.info, visible) : {};
    },
    "wallet/gettransactionbyid": (p, visible) => {
      const found = chain.lookup(String(p.value ?? ""));
      return found ? txJson(found.tx, visible) : {};
    },
    "wallet/transferasset": (p, visible) => {
      const name = String(p.asset_name ?? "");
      const id = visible ? name : new TextDecoder().decode(hexCodec.decode(name));
      return unsignedJson(
        chain.buildTransferAsset(
          toHex41(p.owner_address, "owner_address"),
          toHex41(p.to_address, "to_address"),
          id,
          big(p.amount, "amount"),
        ),
        visible,
      );
    },
    "wallet/createtransaction": (p, visible) => {
      const tx = chain.buildTransfer(
        toHex41(p.owner_address, "owner_address"),
        toHex41(p.to_address, "to_address"),
        big(p.amount, "amount"),
      );
      return unsignedJson(tx, visible);
    },
    "wallet/triggersmartcontract": (p, visible) => {
      try {
        const tx = chain.buildTrigger(
          toHex41(p.owner_address, "owner_address"),
          toHex41(p.contract_address, "contract_address"),
          data(p),
          p.fee_limit === undefined ? 0 : num(p.fee_limit, "fee_limit"),
          p.call_value === undefined ? 0 : num(p.call_value, "call_value"),
        );
        return { result: { result: true }, transaction: unsignedJson(tx, visible) };
      } catch (e) {
        if (!(e instanceof NodeError)) throw e;
        return { result: { code: e.code, message: utf8Hex(e.message) } };
      }
    },
    "wallet/triggerconstantcontract": (p, visible) => {
      try {
        const owner = p.owner_address === undefined
          ? "410000000000000000000000000000000000000000"
          : toHex41(p.owner_address, "owner_address");
        const contract = toHex41(p.contract_address, "contract_address");
        const callData = data(p);
        const result = chain.constantCall(contract, callData);
        const value: Record<string, string> = { owner_address: owner, contract_address: contract };
        if (callData) value.data = callData;
        const tx = chain.unsigned({
          contract: [{
            parameter: {
              value,
              type_url: "type.googleapis.com/protocol.TriggerSmartContract",
            },
            type: "TriggerSmartContract",
          }],
          ...chain.refParams(),
        });
        return {
          result: { result: true },
          energy_used: 500,
          constant_result: [result],
          transaction: { ret: [{}], ...unsignedJson(tx, visible) },
        };
      } catch (e) {
        if (!(e instanceof NodeError)) throw e;
        return { result: { code: e.code, message: utf8Hex(e.message) } };
      }
    },
    "wallet/broadcasttransaction": (p) => {
      // A dropped broadcast is checked and answered as usual, then never executed.
      const outcome = chain.broadcast(p, { queue: !faults.takeDrop() });
      if (outcome.ok) return { result: true, txid: outcome.txid };
      const body: Json = { result: false, code: outcome.code };
      if (outcome.txid) body.txid = outcome.txid;
      body.message = utf8Hex(outcome.message);
      return body;
    },
    "wallet/freezebalancev2": (p, visible) =>
      unsignedJson(
        chain.buildFreezeV2(
          toHex41(p.owner_address, "owner_address"),
          big(p.frozen_balance, "frozen_balance"),
          resourceParam(p.resource),
        ),
        visible,
      ),
    "wallet/delegateresource": (p, visible) =>
      unsignedJson(
        chain.buildDelegate(
          toHex41(p.owner_address, "owner_address"),
          toHex41(p.receiver_address, "receiver_address"),
          big(p.balance, "balance"),
          resourceParam(p.resource),
          p.lock === true || p.lock === "true",
          p.lock_period === undefined ? 0 : num(p.lock_period, "lock_period"),
        ),
        visible,
      ),
    "wallet/undelegateresource": (p, visible) =>
      unsignedJson(
        chain.buildUndelegate(
          toHex41(p.owner_address, "owner_address"),
          toHex41(p.receiver_address, "receiver_address"),
          big(p.balance, "balance"),
          resourceParam(p.resource),
        ),
        visible,
      ),
    "wallet/getaccount": (p, visible) => {
      const hex41 = toHex41(p.address, "address");
      const acc = chain.account(hex41);
      if (!acc) return {};
      // Field order of java-tron's Account message; zero values are omitted as it does.
      const out: Json = { address: addressOut(hex41, visible) };
      if (acc.balance) out.balance = Number(acc.balance);
      if (acc.netUsed) out.net_usage = acc.netUsed;
      out.create_time = acc.createTime;
      if (acc.freeNetUsed) out.free_net_usage = acc.freeNetUsed;
      const resource: Json = {};
      if (acc.energyUsed) resource.energy_usage = acc.energyUsed;
      if (acc.delegatedOut.ENERGY) {
        resource.delegated_frozenV2_balance_for_energy = Number(acc.delegatedOut.ENERGY);
      }
      if (acc.acquired.ENERGY) {
        resource.acquired_delegated_frozenV2_balance_for_energy = Number(acc.acquired.ENERGY);
      }
      out.account_resource = resource;
      // java-tron lists every resource type, the amount only when staked; the
      // BANDWIDTH entry has no type because it is the enum's default.
      const bandwidth: Json = {};
      if (acc.frozen.BANDWIDTH) bandwidth.amount = Number(acc.frozen.BANDWIDTH);
      const energy: Json = { type: "ENERGY" };
      if (acc.frozen.ENERGY) energy.amount = Number(acc.frozen.ENERGY);
      out.frozenV2 = [bandwidth, energy, { type: "TRON_POWER" }];
      if (acc.delegatedOut.BANDWIDTH) {
        out.delegated_frozenV2_balance_for_bandwidth = Number(acc.delegatedOut.BANDWIDTH);
      }
      if (acc.acquired.BANDWIDTH) {
        out.acquired_delegated_frozenV2_balance_for_bandwidth = Number(acc.acquired.BANDWIDTH);
      }
      return out;
    },
    "wallet/getaccountresource": (p) => {
      const acc = chain.account(toHex41(p.address, "address"));
      if (!acc) return {};
      const out: Json = {};
      if (acc.freeNetUsed) out.freeNetUsed = acc.freeNetUsed;
      out.freeNetLimit = FREE_NET_LIMIT;
      if (acc.netUsed) out.NetUsed = acc.netUsed;
      const netLimit = chain.netLimit(acc);
      if (netLimit) out.NetLimit = netLimit;
      out.TotalNetLimit = chain.totalLimit("BANDWIDTH");
      out.TotalNetWeight = chain.totalWeight("BANDWIDTH");
      const power = chain.tronPower(acc);
      if (power) out.tronPowerLimit = power;
      if (acc.energyUsed) out.EnergyUsed = acc.energyUsed;
      const energyLimit = chain.energyLimit(acc);
      if (energyLimit) out.EnergyLimit = energyLimit;
      out.TotalEnergyLimit = chain.totalLimit("ENERGY");
      out.TotalEnergyWeight = chain.totalWeight("ENERGY");
      return out;
    },
    "wallet/getdelegatedresourcev2": (p, visible) => {
      const records = chain.delegationsBetween(
        toHex41(p.fromAddress, "fromAddress"),
        toHex41(p.toAddress, "toAddress"),
      );
      return records.length
        ? { delegatedResource: records.map((d) => delegationJson(d, visible)) }
        : {};
    },
    "wallet/getdelegatedresourceaccountindexv2": (p, visible) => {
      const hex41 = toHex41(p.value, "value");
      const index = chain.delegationIndex(hex41);
      const out: Json = { account: addressOut(hex41, visible) };
      if (index.from.length) out.fromAccounts = index.from.map((a) => addressOut(a, visible));
      if (index.to.length) out.toAccounts = index.to.map((a) => addressOut(a, visible));
      return out;
    },
    "wallet/getcandelegatedmaxsize": (p) => {
      const acc = chain.account(toHex41(p.owner_address, "owner_address"));
      const type = p.type === undefined ? 0 : num(p.type, "type");
      if (!acc || type > 1) return {};
      const max = chain.canDelegate(acc, type === 1 ? "ENERGY" : "BANDWIDTH");
      return max > 0n ? { max_size: Number(max) } : {};
    },
    "wallet/getchainparameters": () => ({
      chainParameter: [
        { key: "getTransactionFee", value: 1000 },
        { key: "getEnergyFee", value: 420 },
        { key: "getCreateAccountFee", value: 100000 },
        { key: "getCreateNewAccountFeeInSystemContract", value: 1000000 },
        { key: "getTotalEnergyLimit", value: TOTAL_ENERGY_LIMIT },
        { key: "getFreeNetLimit", value: FREE_NET_LIMIT },
        { key: "getTotalEnergyCurrentLimit", value: TOTAL_ENERGY_LIMIT },
        { key: "getAllowDelegateResource", value: 1 },
        { key: "getUnfreezeDelayDays", value: 14 },
        { key: "getMaxDelegateLockPeriod", value: MAX_DELEGATE_LOCK_PERIOD },
      ],
    }),
    "devnet/faucet": (p) => {
      const currency = typeof p.currency === "string" ? p.currency : "TRX";
      const to = String(p.to ?? p.address ?? "");
      const amount = big(p.amount, "amount");
      const txid = currency === "TRC10"
        ? faucetTrc10(to, amount)
        : currency !== "TRX"
        ? faucetToken(currency, to, amount)
        : p.via === "contract"
        ? faucetViaContract(to, amount)
        : faucetTrx(to, amount);
      return { result: true, txid };
    },
  };

  // `/walletsolidity/*`: the same reads over the solidified part of the chain.
  const solidityLag = options.solidityLag ?? 0;
  function solid<T>(read: () => T): T {
    const saved = visibleHead;
    visibleHead = () => Math.max(0, saved() - solidityLag);
    try {
      return read();
    } finally {
      visibleHead = saved;
    }
  }
  for (
    const name of [
      "getnowblock",
      "getblock",
      "getblockbynum",
      "getblockbyid",
      "gettransactioninfobyblocknum",
      "getaccount",
      "triggerconstantcontract",
      "getdelegatedresourcev2",
      "getdelegatedresourceaccountindexv2",
      "getcandelegatedmaxsize",
    ]
  ) {
    const route = routes[`wallet/${name}`];
    routes[`walletsolidity/${name}`] = (p, visible) => solid(() => route(p, visible));
  }
  for (const name of ["gettransactioninfobyid", "gettransactionbyid"]) {
    const route = routes[`wallet/${name}`];
    routes[`walletsolidity/${name}`] = (p, visible) => {
      const found = chain.lookup(String(p.value ?? ""));
      if (!found || found.block > Math.max(0, visibleHead() - solidityLag)) return {};
      return route(p, visible);
    };
  }

  const requestCounts = new Map<string, number>();

  async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const path = url.pathname.replace(/^\/+|\/+$/g, "").toLowerCase();
    requestCounts.set(path, (requestCounts.get(path) ?? 0) + 1);
    const route = routes[path];
    if (!route) return json({ Error: `no such endpoint: /${path}` }, 404);
    const faulted = await faults.answer(path, FAULT_ANSWERS, holdMs, shutdown.signal);
    if (faulted) return faulted;
    let params: Json = {};
    try {
      if (req.method === "POST") {
        const text = await req.text();
        if (text.trim() !== "") params = JSON.parse(text) as Json;
      } else {
        params = Object.fromEntries(url.searchParams);
      }
      if (!params || typeof params !== "object" || Array.isArray(params)) {
        throw new Error("body must be a JSON object");
      }
    } catch (e) {
      return json({ Error: `invalid request: ${(e as Error).message}` });
    }
    const visible = path.endsWith("/getnowblock")
      ? url.searchParams.get("visible") === "true"
      : params.visible === true || params.visible === "true";
    try {
      return json(route(params, visible));
    } catch (e) {
      // java-tron servlets answer HTTP 200 with {"Error": "<exception class> : <message>"}.
      const message = e instanceof Error ? e.message : String(e);
      const cls = e instanceof NodeError && e.code === "CONTRACT_VALIDATE_ERROR"
        ? "org.tron.core.exception.ContractValidateException"
        : "java.lang.IllegalArgumentException";
      return json({ Error: `class ${cls} : ${message}` });
    }
  }

  const listener = serveDevnetHttp(options, handle);

  const interval = options.blockIntervalMs ?? 1000;
  let timer: ReturnType<typeof setInterval> | undefined;
  if (interval > 0) {
    timer = setInterval(() => {
      try {
        chain.produceBlock();
      } catch (e) {
        console.error("TRON devnet: block production failed", e);
      }
    }, interval);
  }
  let closed = false;

  const tokens: Record<string, string> = {};
  for (const [symbol, t] of chain.tokens) tokens[symbol] = t.address;

  return Promise.resolve({
    endpoint: listener.origin,
    faucet: { address: chain.faucet.address, privateKey: chain.faucetKey },
    tokens,
    faults,
    chain,
    produceBlock: () => chain.produceBlock().header.number,
    reorg: (depth, options) => chain.reorg(depth, options),
    waitForBlock: () => chain.waitForBlock(),
    height: () => chain.height(),
    faucetTrx: (to, amount) => Promise.resolve().then(() => faucetTrx(to, amount)),
    faucetToken: (symbol, to, amount) =>
      Promise.resolve().then(() => faucetToken(symbol, to, amount)),
    faucetViaContract: (to, amount, options) =>
      Promise.resolve().then(() => faucetViaContract(to, amount, options?.feeLimit)),
    faucetTrc10: (to, amount) => Promise.resolve().then(() => faucetTrc10(to, amount)),
    forwarder: chain.forwarder.address,
    trc10: DEVNET_TRC10_ID,
    requests: () => Object.fromEntries(requestCounts),
    resetRequests: () => requestCounts.clear(),
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearInterval(timer);
      shutdown.abort();
      await listener.close();
    },
  });
}
