/**
 * The few TRON full-node HTTP calls the scanner makes (`/wallet/getblock` for the head,
 * `/wallet/getblockbynum`, `/wallet/gettransactioninfobyblocknum`), typed with zod.
 *
 * The head is asked with `getblock {"detail": false}` (java-tron's `GetBlockServlet` with no
 * `id_or_num` serves the head block, and `Wallet.getBlock` clears its transactions unless
 * `detail` is true), so a poll costs a header, not `getnowblock`'s whole block with every
 * transaction. A node without `/wallet/getblock` (older than java-tron 4.7.1) answers 404;
 * the client then falls back to `getnowblock` for good.
 *
 * Errors are {@link TronNodeError}s whose message names the call and what went wrong, but never
 * the endpoint URL or the API key (both may be secrets in logs).
 *
 * Amounts arrive as JSON numbers (java-tron prints int64 as numbers); values above 2^53 sun
 * would lose precision in `JSON.parse`, which no real transfer reaches (9·10^9 TRX).
 *
 * @module
 */
import { z } from "zod";
import type { NodeObserver } from "../../core/node_observer.ts";
import { tronHexFromAddress } from "./address.ts";

/**
 * Error answered by the node, or a transport failure. The message holds no URL or key; it
 * names the chain and the config field of the node, so an operator knows which setting to
 * look at (`TRON node (tron.endpoint) getnowblock: HTTP 503`).
 */
export class TronNodeError extends Error {
  /** The HTTP status of a non-2xx answer, so callers need not parse the message. */
  readonly httpStatus?: number;
  constructor(message: string, httpStatus?: number) {
    super(`TRON node (tron.endpoint) ${message}`);
    this.name = "TronNodeError";
    this.httpStatus = httpStatus;
  }
}

const int = z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)]);

const blockHeader = z.object({
  raw_data: z.object({
    // java-tron omits zero fields (genesis number).
    number: int.optional().default(0),
    timestamp: int.optional().default(0),
    parentHash: z.string().optional(),
  }),
});

const contractValue = z.record(z.string(), z.unknown());

const transaction = z.object({
  txID: z.string().regex(/^[0-9a-fA-F]{64}$/).transform((s) => s.toLowerCase()),
  raw_data: z.object({
    contract: z.array(z.object({
      type: z.string(),
      parameter: z.object({ value: contractValue }),
    })).min(1),
  }),
  ret: z.array(z.object({ contractRet: z.string().optional() })).optional(),
});

const block = z.object({
  blockID: z.string(),
  block_header: blockHeader,
  transactions: z.array(transaction).optional(),
});

const log = z.object({
  address: z.string().optional(),
  topics: z.array(z.string()).optional(),
  data: z.string().optional(),
});

// java-tron's `InternalTransaction` (core/Tron.proto) as `JsonFormat` prints it: bytes in hex
// (`note` too), defaults omitted (`rejected: false`, a zero `callValue`, an empty `tokenId`).
const internalTransaction = z.object({
  hash: z.string().optional(),
  caller_address: z.string().optional(),
  transferTo_address: z.string().optional(),
  callValueInfo: z.array(z.object({
    callValue: int.optional(),
    tokenId: z.string().optional(),
  })).optional(),
  note: z.string().optional(),
  rejected: z.boolean().optional(),
});

const transactionInfo = z.object({
  id: z.string().regex(/^[0-9a-fA-F]{64}$/).transform((s) => s.toLowerCase()),
  fee: int.optional(),
  blockNumber: int.optional(),
  blockTimeStamp: int.optional(),
  result: z.string().optional(),
  receipt: z.object({ result: z.string().optional() }).optional(),
  log: z.array(log).optional(),
  internal_transactions: z.array(internalTransaction).optional(),
});

/** Head block summary. */
export interface TronHead {
  /** Block number. */
  number: number;
  /** Block timestamp, unix milliseconds. */
  timestamp: number;
  /** Block id, hex. */
  id: string;
  /** Id of the block before it; empty for genesis. */
  parentId: string;
}

/** One transaction of a block, the parts the scanner reads. */
export interface TronBlockTransaction {
  /** Txid, lowercase hex. */
  txID: string;
  raw_data: {
    contract: { type: string; parameter: { value: Record<string, unknown> } }[];
  };
  /** `ret[0].contractRet`: `SUCCESS`, `REVERT`, `OUT_OF_ENERGY`, … */
  ret?: { contractRet?: string }[];
}

/** A block with its transactions. */
export interface TronBlock extends TronHead {
  transactions: TronBlockTransaction[];
}

/** A transaction info (`gettransactioninfobyblocknum` item). */
export interface TronNodeTransactionInfo {
  /** Txid, lowercase hex. */
  id: string;
  /** Total fee burnt, sun; absent when zero. */
  fee?: number;
  blockNumber?: number;
  blockTimeStamp?: number;
  /** `FAILED` when the transaction failed; usually absent on success. */
  result?: string;
  receipt?: { result?: string };
  log?: { address?: string; topics?: string[]; data?: string }[];
  /** Calls and value transfers made by contracts (present when the node saves them). */
  internal_transactions?: TronInternalTransaction[];
}

/**
 * One internal transaction of a transaction info (java-tron's `InternalTransaction`): a call or
 * value transfer a contract made. Addresses are `41…` hex, `note` is hex of `call`, `create`,
 * `suicide` (or, on nodes with `saveFeaturedInternalTx`, staking notes that move no TRX).
 */
export interface TronInternalTransaction {
  hash?: string;
  /** The contract that sent it. */
  caller_address?: string;
  /** Who received the value. */
  transferTo_address?: string;
  /**
   * What it carried: the first entry is TRX (`callValue` sun, no `tokenId`), any further entry a
   * TRC10 token (`tokenId`, `callValue` in its units). Zero values are omitted, so `[{}]` is a
   * call without value.
   */
  callValueInfo?: { callValue?: number; tokenId?: string }[];
  note?: string;
  /** True when the call was rolled back (a revert, or the whole transaction failed). */
  rejected?: boolean;
}

/** The node calls the scanner needs. */
export interface TronNode {
  /** The head block's header as the node reports it (no transactions are fetched). */
  nowBlock(): Promise<TronHead>;
  /** Block `num` with its transactions (addresses base58), or null when the node lacks it. */
  blockByNum(num: number): Promise<TronBlock | null>;
  /** Transaction infos of block `num`, in block order (empty when the node lacks it). */
  transactionInfoByBlockNum(num: number): Promise<TronNodeTransactionInfo[]>;
}

/** An account as `getaccount` shows it; null from {@linkcode TronWalletApi.account} when it does not exist. */
export interface TronAccount {
  /** TRX balance, sun. */
  balance: bigint;
}

/** An account's resources (`getaccountresource`), zero where the node omits a field. */
export interface TronAccountResource {
  freeNetLimit: number;
  freeNetUsed: number;
  netLimit: number;
  netUsed: number;
  energyLimit: number;
  energyUsed: number;
  /** Network-wide energy per day and the TRX staked for it: the stake-to-energy rate. */
  totalEnergyLimit: number;
  totalEnergyWeight: number;
}

/** What `broadcasttransaction` answered. */
export interface TronBroadcastResult {
  ok: boolean;
  /** java-tron's code when refused, e.g. `SIGERROR`, `DUP_TRANSACTION_ERROR`. */
  code: string | null;
  /** Decoded message, when given. */
  message: string | null;
}

/** The account and transaction calls the sender needs. */
export interface TronWalletApi {
  account(address: string): Promise<TronAccount | null>;
  accountResource(address: string): Promise<TronAccountResource>;
  /** Chain parameters by key (`getEnergyFee`, `getTransactionFee`, …). */
  chainParameters(): Promise<Map<string, number>>;
  /** Sun of staked TRX `owner` can still delegate as energy (`getcandelegatedmaxsize`). */
  delegatableEnergyStake(owner: string): Promise<bigint>;
  /** `balanceOf(owner)` of a TRC20 contract (both base58). */
  trc20Balance(contract: string, owner: string): Promise<bigint>;
  /** Sends a signed transaction (node JSON). */
  broadcast(tx: unknown): Promise<TronBroadcastResult>;
}

/** Client options. */
export interface TronNodeOptions {
  /** Base URL, e.g. `https://api.trongrid.io` (paths `/wallet/...` are appended). */
  endpoint: string;
  /** TronGrid key, sent as `TRON-PRO-API-KEY`. */
  apiKey?: string;
  /** Per-request timeout (default 15000). */
  timeoutMs?: number;
  /** Told of every failed call and every head the node reports (metrics). */
  observer?: NodeObserver;
}

function headOf(b: z.infer<typeof block>): TronHead {
  const raw = b.block_header.raw_data;
  return {
    number: raw.number,
    timestamp: raw.timestamp,
    id: b.blockID.toLowerCase(),
    parentId: (raw.parentHash ?? "").toLowerCase(),
  };
}

/**
 * JSON reviver that keeps integers beyond 2^53 exact, as their source text: java-tron prints
 * int64 as bare numbers, and large balances (a faucet, an exchange) exceed a double.
 */
function exactIntegers(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === "number" && !Number.isSafeInteger(value) && context?.source) {
    if (/^-?\d+$/.test(context.source)) return context.source;
  }
  return value;
}

const sun = z.union([
  z.number().int().nonnegative().transform(BigInt),
  z.string().regex(/^\d+$/).transform(BigInt),
]);

const accountAnswer = z.object({ balance: sun.optional() }).passthrough();

const resourceAnswer = z.object({
  freeNetLimit: int.optional(),
  freeNetUsed: int.optional(),
  NetLimit: int.optional(),
  NetUsed: int.optional(),
  EnergyLimit: int.optional(),
  EnergyUsed: int.optional(),
  TotalEnergyLimit: int.optional(),
  TotalEnergyWeight: int.optional(),
}).passthrough();

const maxSizeAnswer = z.object({ max_size: sun.optional() }).passthrough();

const parametersAnswer = z.object({
  chainParameter: z.array(z.object({ key: z.string(), value: int.optional() })),
});

const constantAnswer = z.object({
  result: z.object({ result: z.boolean().optional() }).passthrough().optional(),
  constant_result: z.array(z.string()).optional(),
}).passthrough();

const broadcastAnswer = z.object({
  result: z.boolean().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
}).passthrough();

function hexText(hex: string): string {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) return hex;
  return new TextDecoder().decode(Uint8Array.from(hex.match(/../g)!, (b) => parseInt(b, 16)));
}

/** Creates the client. */
export function createTronNode(options: TronNodeOptions): TronNode & TronWalletApi {
  const endpoint = options.endpoint.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 15_000;

  /** Removes anything secret from a text that may echo the request. */
  function redact(text: string): string {
    let out = text.slice(0, 300);
    for (const secret of [endpoint, options.apiKey]) {
      if (secret) out = out.split(secret).join("…");
    }
    return out;
  }

  /**
   * `exact` keeps integers beyond 2^53 as strings (balances); blocks skip it, as the reviver
   * makes parsing several times slower and block fields stay far below 2^53.
   */
  async function call(
    method: string,
    body: Record<string, unknown>,
    exact = false,
  ): Promise<unknown> {
    try {
      return await rawCall(method, body, exact);
    } catch (error) {
      options.observer?.error(method);
      throw error;
    }
  }

  async function rawCall(
    method: string,
    body: Record<string, unknown>,
    exact: boolean,
  ): Promise<unknown> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (options.apiKey) headers["TRON-PRO-API-KEY"] = options.apiKey;
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${endpoint}/wallet/${method}`, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      // Fetch errors quote the URL: report only their kind.
      const kind = error instanceof Error ? error.name : "error";
      throw new TronNodeError(`${method}: request failed (${kind})`);
    }
    if (!response.ok) {
      throw new TronNodeError(`${method}: HTTP ${response.status}`, response.status);
    }
    let parsed: unknown;
    try {
      parsed = exact ? JSON.parse(text, exactIntegers) : JSON.parse(text);
    } catch {
      throw new TronNodeError(`${method}: answer is not JSON`);
    }
    if (parsed !== null && typeof parsed === "object" && "Error" in parsed) {
      throw new TronNodeError(`${method}: ${redact(String(parsed.Error))}`);
    }
    return parsed;
  }

  function check<T>(method: string, codec: z.ZodType<T>, value: unknown): T {
    const parsed = codec.safeParse(value);
    if (!parsed.success) {
      options.observer?.error(method);
      throw new TronNodeError(`${method}: unexpected answer`);
    }
    return parsed.data;
  }

  /** Set once the node answered 404 to `getblock`: it predates the call. */
  let noGetBlock = false;

  return {
    async nowBlock(): Promise<TronHead> {
      let head: TronHead | undefined;
      if (!noGetBlock) {
        try {
          head = headOf(check("getblock", block, await call("getblock", { detail: false })));
        } catch (error) {
          if (!(error instanceof TronNodeError) || error.httpStatus !== 404) throw error;
          noGetBlock = true;
        }
      }
      head ??= headOf(check("getnowblock", block, await call("getnowblock", {})));
      options.observer?.head(head.number);
      return head;
    },

    async blockByNum(num: number): Promise<TronBlock | null> {
      const answer = await call("getblockbynum", { num, visible: true });
      // java-tron answers `{}` for a block it does not have.
      if (answer !== null && typeof answer === "object" && Object.keys(answer).length === 0) {
        return null;
      }
      const b = check("getblockbynum", block, answer);
      const head = headOf(b);
      if (head.number !== num) throw new TronNodeError(`getblockbynum: got another block`);
      return { ...head, transactions: b.transactions ?? [] };
    },

    async transactionInfoByBlockNum(num: number): Promise<TronNodeTransactionInfo[]> {
      const answer = await call("gettransactioninfobyblocknum", { num });
      // Some nodes answer `{}` for a block without transactions.
      if (answer !== null && typeof answer === "object" && !Array.isArray(answer)) {
        if (Object.keys(answer).length === 0) return [];
      }
      return check("gettransactioninfobyblocknum", z.array(transactionInfo), answer);
    },

    async account(address: string): Promise<TronAccount | null> {
      const answer = await call("getaccount", { address, visible: true }, true);
      // java-tron answers `{}` for an account that does not exist (never activated).
      if (answer !== null && typeof answer === "object" && Object.keys(answer).length === 0) {
        return null;
      }
      return { balance: check("getaccount", accountAnswer, answer).balance ?? 0n };
    },

    async accountResource(address: string): Promise<TronAccountResource> {
      const r = check(
        "getaccountresource",
        resourceAnswer,
        await call("getaccountresource", { address, visible: true }),
      );
      return {
        freeNetLimit: r.freeNetLimit ?? 0,
        freeNetUsed: r.freeNetUsed ?? 0,
        netLimit: r.NetLimit ?? 0,
        netUsed: r.NetUsed ?? 0,
        energyLimit: r.EnergyLimit ?? 0,
        energyUsed: r.EnergyUsed ?? 0,
        totalEnergyLimit: r.TotalEnergyLimit ?? 0,
        totalEnergyWeight: r.TotalEnergyWeight ?? 0,
      };
    },

    async chainParameters(): Promise<Map<string, number>> {
      const answer = check(
        "getchainparameters",
        parametersAnswer,
        await call("getchainparameters", {}),
      );
      return new Map(answer.chainParameter.map((p) => [p.key, p.value ?? 0]));
    },

    async delegatableEnergyStake(owner: string): Promise<bigint> {
      const answer = check(
        "getcandelegatedmaxsize",
        maxSizeAnswer,
        // type 1 = ENERGY
        await call(
          "getcandelegatedmaxsize",
          { owner_address: owner, type: 1, visible: true },
          true,
        ),
      );
      return answer.max_size ?? 0n;
    },

    async trc20Balance(contract: string, owner: string): Promise<bigint> {
      const word = tronHexFromAddress(owner).slice(2).padStart(64, "0");
      const answer = check(
        "triggerconstantcontract",
        constantAnswer,
        await call("triggerconstantcontract", {
          owner_address: owner,
          contract_address: contract,
          function_selector: "balanceOf(address)",
          parameter: word,
          visible: true,
        }),
      );
      const result = answer.constant_result?.[0];
      if (answer.result?.result !== true || !result || !/^[0-9a-fA-F]{1,64}$/.test(result)) {
        throw new TronNodeError("triggerconstantcontract: balanceOf failed");
      }
      return BigInt("0x" + result);
    },

    async broadcast(tx: unknown): Promise<TronBroadcastResult> {
      const answer = check(
        "broadcasttransaction",
        broadcastAnswer,
        await call("broadcasttransaction", tx as Record<string, unknown>),
      );
      return {
        ok: answer.result === true,
        code: answer.code ?? null,
        message: answer.message === undefined ? null : redact(hexText(answer.message)),
      };
    },
  };
}
