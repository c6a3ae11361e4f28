/**
 * TRON ingest throughput through the processor's own path: `ingestOnce` with the real
 * `createTronScanner`, the real per-block `accountLookup` and the real commit, fed by an
 * in-process {@linkcode TronNode} serving synthetic, mainnet-shaped blocks (no HTTP, so the
 * figures are the processor's and not a node's or the network's).
 *
 * The blocks are built the way java-tron prints them (`getblockbynum` with `visible: true`,
 * `gettransactioninfobyblocknum`): USDT `transfer` calls with their `Transfer` log, TRX
 * `TransferContract`s, failed USDT calls, DEX swaps emitting several logs, and resource or
 * TRC10 contracts. Addresses are valid base58check (ours are derived from a mnemonic), so the
 * scanner's codec does the work it does on mainnet.
 *
 * @module
 */

import { type Asset, DEFAULT_MAX_WITHDRAWAL } from "../core/asset.ts";
import type { Db } from "../core/db.ts";
import type { ChainPlugin, ChainScanner } from "../core/plugin.ts";
import { base58check, englishWordlist, generateMnemonic, sha256 } from "../plugins/tron/deps.ts";
import { tronAccountKey } from "../plugins/tron/derivation.ts";
import { TRANSFER_TOPIC } from "../plugins/tron/logs.ts";
import {
  createTronNode,
  type TronBlock,
  type TronHead,
  type TronNode,
  type TronNodeTransactionInfo,
} from "../plugins/tron/node.ts";
import { createTronScanner } from "../plugins/tron/scanner.ts";
import { type IngestCase, type IngestOptions, runIngestCases } from "./ingest_runner.ts";
import { benchPlugin } from "./plugin.ts";

/** Chain name of the TRON benchmark plugin, as the processor stores it. */
const TRON_CHAIN = "tron";
/** Mainnet USDT (TRC20), the token the blocks mostly move. */
const USDT = {
  base58: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
  hex40: "a614f803b6fd780986a42c78ec9c7f77e6ded13c",
};
/** `Sync(uint112,uint112)` and `Swap(address,uint256,uint256,uint256,uint256,address)`. */
const SYNC_TOPIC = "1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1";
const SWAP_TOPIC = "d78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822";
const TYPE_URL = "type.googleapis.com/protocol.";
/** Height and time of the chain's first block (mainnet was there in late 2025). */
const FIRST_BLOCK = 77_000_000;
const FIRST_TIME_MS = 1_760_000_000_000;
const BLOCK_INTERVAL_MS = 3_000;

/** How many transactions of each kind one block holds. */
export interface TronBlockMix {
  /** Successful USDT `transfer` calls to our USDT_TRC20 deposits. */
  usdtToOurs: number;
  /** Successful USDT `transfer` calls to other addresses. */
  usdtOther: number;
  /** USDT calls that ran out of energy or reverted (no log, nothing moved). */
  usdtFailed: number;
  /** TRX `TransferContract`s to our TRX deposits. */
  trxToOurs: number;
  /** TRX `TransferContract`s to other addresses. */
  trxOther: number;
  /** DEX swaps: a router call whose logs include a USDT `Transfer` from the pair. */
  swaps: number;
  /** `DelegateResourceContract`, `FreezeBalanceV2Contract` and TRC10 transfers. */
  other: number;
}

/** The default block: 300 transactions, 40 of them paying our deposits. */
export const TRON_BLOCK_MIX: TronBlockMix = {
  usdtToOurs: 30,
  usdtOther: 195,
  usdtFailed: 5,
  trxToOurs: 10,
  trxOther: 40,
  swaps: 8,
  other: 12,
};

/** Transactions in a block of `mix`. */
export function transactionsPerBlock(mix: TronBlockMix): number {
  return mix.usdtToOurs + mix.usdtOther + mix.usdtFailed + mix.trxToOurs + mix.trxOther +
    mix.swaps + mix.other;
}

/** One deposit address as the `addresses` table holds it. */
interface Deposit {
  address: string;
  currency: "USDT_TRC20" | "TRX";
}

/** A transaction as `getblockbynum` prints it with `visible: true`. */
interface NodeTransaction {
  ret: { contractRet: string }[];
  signature: string[];
  txID: string;
  raw_data: {
    contract: {
      parameter: { value: Record<string, unknown>; type_url: string };
      type: string;
    }[];
    ref_block_bytes: string;
    ref_block_hash: string;
    expiration: number;
    fee_limit?: number;
    timestamp: number;
  };
  raw_data_hex: string;
}

/**
 * A transaction info as `gettransactioninfobyblocknum` prints it: the fields the scanner
 * reads and those java-tron prints beside them.
 */
interface NodeTransactionInfo extends TronNodeTransactionInfo {
  contractResult: string[];
  /** Hex `41…` of the called contract, for contract calls. */
  contract_address?: string;
  receipt: {
    result?: string;
    energy_usage?: number;
    energy_usage_total?: number;
    energy_fee?: number;
    net_usage?: number;
    net_fee?: number;
  };
  /** Hex of the failure message, for failed transactions. */
  resMessage?: string;
}

/** What a transaction builder gives for its info; the block fills in the rest. */
type InfoContent = Omit<NodeTransactionInfo, "id" | "blockNumber" | "blockTimeStamp">;

/** One block's transactions with their infos, in block order. */
interface FixtureBlock {
  transactions: NodeTransaction[];
  infos: NodeTransactionInfo[];
  /** Distinct addresses the scanner looks up for this block. */
  lookedUp: number;
}

/** What every case shares: the blocks, our deposits and the block mix. */
export interface TronIngestFixture {
  mix: TronBlockMix;
  transactionsPerBlock: number;
  /** Deposits that receive in the blocks; the first ones of every case's address table. */
  own: readonly Deposit[];
  hotWallet: string;
  /** Blocks 0 … n-1 are first seen; the runner replays the last `blocks` of them afterwards. */
  blocks: readonly FixtureBlock[];
  /** Mean distinct addresses per block handed to the lookup. */
  lookedUpPerBlock: number;
  /** Seconds it took to derive `own` from a fresh mnemonic. */
  deriveSeconds: number;
}

/** Deterministic pseudo-random source (mulberry32), so every run sees the same blocks. */
class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  u32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return this.u32() % n;
  }
  /** `bytes` random bytes, hex. */
  hex(bytes: number): string {
    let out = "";
    for (let i = 0; i < bytes; i += 4) out += this.u32().toString(16).padStart(8, "0");
    return out.slice(0, 2 * bytes);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

const codec = base58check(sha256);

/** A random account in both forms: base58 and the 20-byte id (hex, no 41) of ABI words. */
interface Account {
  base58: string;
  hex40: string;
}

function accountFromHex40(hex40: string): Account {
  const payload = new Uint8Array(21);
  payload[0] = 0x41;
  for (let i = 0; i < 20; i++) payload[i + 1] = parseInt(hex40.slice(2 * i, 2 * i + 2), 16);
  return { base58: codec.encode(payload), hex40 };
}

function base58ToHex40(base58: string): string {
  const payload = codec.decode(base58);
  return Array.from(payload.subarray(1), (b) => b.toString(16).padStart(2, "0")).join("");
}

function word(hex: string): string {
  return hex.padStart(64, "0");
}

function amountWord(amount: bigint): string {
  return word(amount.toString(16));
}

/** Builds the blocks: one call per kind of transaction, shuffled into block order. */
class BlockBuilder {
  readonly #rng: Rng;
  readonly #number: number;
  readonly #time: number;
  readonly transactions: NodeTransaction[] = [];
  readonly infos: NodeTransactionInfo[] = [];
  /** What the scanner will hand to the lookup: owners and recipients of successful moves. */
  readonly lookedUp = new Set<string>();

  constructor(rng: Rng, number: number) {
    this.#rng = rng;
    this.#number = number;
    this.#time = FIRST_TIME_MS + (number - FIRST_BLOCK) * BLOCK_INTERVAL_MS;
  }

  #account(): Account {
    return accountFromHex40(this.#rng.hex(20));
  }

  #push(
    type: string,
    value: Record<string, unknown>,
    contractRet: string,
    info: InfoContent,
    extra: { fee_limit?: number } = {},
  ): void {
    const rng = this.#rng;
    const txID = rng.hex(32);
    this.transactions.push({
      ret: [{ contractRet }],
      signature: [rng.hex(65)],
      txID,
      raw_data: {
        contract: [{ parameter: { value, type_url: TYPE_URL + type }, type }],
        ref_block_bytes: rng.hex(2),
        ref_block_hash: rng.hex(8),
        expiration: this.#time + 57_000,
        ...extra,
        timestamp: this.#time - 3_000,
      },
      // Length as on mainnet; the content is never read (the txid is not recomputed).
      raw_data_hex: rng.hex(type === "TriggerSmartContract" ? 212 : 104),
    });
    this.infos.push({
      id: txID,
      ...info,
      blockNumber: this.#number,
      blockTimeStamp: this.#time,
    });
    if (typeof value.owner_address === "string") this.lookedUp.add(value.owner_address);
  }

  /** A USDT `transfer(to, amount)` that succeeded, with its `Transfer` log. */
  usdtTransfer(to: Account): void {
    const rng = this.#rng;
    const from = this.#account();
    const amount = BigInt(1 + rng.int(5_000)) * 1_000_000n + BigInt(rng.int(1_000_000));
    // Half the senders burn TRX for energy, half use staked or rented energy.
    const burnt = rng.int(2) === 0;
    const energy = rng.int(3) === 0 ? 130_285 : 64_285;
    this.#push(
      "TriggerSmartContract",
      {
        data: "a9059cbb" + word(to.hex40) + amountWord(amount),
        owner_address: from.base58,
        contract_address: USDT.base58,
      },
      "SUCCESS",
      {
        ...(burnt ? { fee: energy * 210 + 345_000 } : {}),
        // Extra fields java-tron prints beside the scanner's (contractResult, receipt details).
        contractResult: [word("1")],
        contract_address: "41" + USDT.hex40,
        receipt: burnt
          ? {
            energy_fee: energy * 210,
            energy_usage_total: energy,
            net_fee: 345_000,
            result: "SUCCESS",
          }
          : { energy_usage: energy, energy_usage_total: energy, net_usage: 345, result: "SUCCESS" },
        log: [{
          address: USDT.hex40,
          topics: [TRANSFER_TOPIC, word(from.hex40), word(to.hex40)],
          data: amountWord(amount),
        }],
      },
      { fee_limit: 100_000_000 },
    );
    this.lookedUp.add(to.base58);
  }

  /** A USDT call that ran out of energy or reverted: no log, nothing moved. */
  usdtFailed(): void {
    const rng = this.#rng;
    const from = this.#account();
    const to = this.#account();
    const outcome = rng.int(2) === 0 ? "OUT_OF_ENERGY" : "REVERT";
    this.#push(
      "TriggerSmartContract",
      {
        data: "a9059cbb" + word(to.hex40) + amountWord(BigInt(1 + rng.int(10_000)) * 1_000_000n),
        owner_address: from.base58,
        contract_address: USDT.base58,
      },
      outcome,
      {
        fee: 13_739_430,
        contractResult: [""],
        contract_address: "41" + USDT.hex40,
        receipt: {
          energy_fee: 13_394_430,
          energy_usage_total: 95_790,
          net_fee: 345_000,
          result: outcome,
        },
        result: "FAILED",
        resMessage: rng.hex(60),
      },
      { fee_limit: 15_000_000 },
    );
  }

  /** A TRX transfer; a first transfer to a new account pays the 1 TRX activation fee. */
  trxTransfer(to: Account): void {
    const rng = this.#rng;
    const from = this.#account();
    const activation = rng.int(5) === 0;
    this.#push(
      "TransferContract",
      {
        amount: (1 + rng.int(2_000)) * 1_000_000 + rng.int(1_000_000),
        owner_address: from.base58,
        to_address: to.base58,
      },
      "SUCCESS",
      {
        ...(activation ? { fee: 1_100_000 } : {}),
        contractResult: [""],
        receipt: activation ? { net_fee: 100_000 } : { net_usage: 268 },
      },
    );
    this.lookedUp.add(to.base58);
  }

  /**
   * A swap through a DEX router: another token into the pair, USDT out of it to the trader,
   * then the pair's `Sync` and `Swap` events. The USDT log is a transfer made by a contract,
   * not by a `transfer` call: the scanner must see it from the log alone.
   */
  swap(router: Account, pair: Account, token: Account): void {
    const rng = this.#rng;
    const trader = this.#account();
    const amountIn = BigInt(1 + rng.int(100_000)) * 10n ** 18n;
    const amountOut = BigInt(1 + rng.int(50_000)) * 1_000_000n;
    this.#push(
      "TriggerSmartContract",
      {
        // swapExactTokensForTokens(amountIn, amountOutMin, path, to, deadline)
        data: "38ed1739" + amountWord(amountIn) + amountWord(amountOut) + word("a0") +
          word(trader.hex40) + amountWord(BigInt(this.#time / 1000 + 60)) + word("2") +
          word(token.hex40) + word(USDT.hex40),
        owner_address: trader.base58,
        contract_address: router.base58,
      },
      "SUCCESS",
      {
        fee: 40_000_000,
        contractResult: [word("40") + word("2") + amountWord(amountIn) + amountWord(amountOut)],
        contract_address: "41" + router.hex40,
        receipt: {
          energy_fee: 39_600_000,
          energy_usage_total: 188_571,
          net_fee: 400_000,
          result: "SUCCESS",
        },
        log: [
          {
            address: token.hex40,
            topics: [TRANSFER_TOPIC, word(trader.hex40), word(pair.hex40)],
            data: amountWord(amountIn),
          },
          {
            address: USDT.hex40,
            topics: [TRANSFER_TOPIC, word(pair.hex40), word(trader.hex40)],
            data: amountWord(amountOut),
          },
          { address: pair.hex40, topics: [SYNC_TOPIC], data: rng.hex(32) + rng.hex(32) },
          {
            address: pair.hex40,
            topics: [SWAP_TOPIC, word(router.hex40), word(trader.hex40)],
            data: amountWord(amountIn) + word("0") + word("0") + amountWord(amountOut),
          },
        ],
      },
      { fee_limit: 150_000_000 },
    );
    this.lookedUp.add(trader.base58);
  }

  /** Energy delegation, staking or a TRC10 transfer: nothing the scanner records. */
  other(): void {
    const rng = this.#rng;
    const owner = this.#account().base58;
    const info: InfoContent = { contractResult: [""], receipt: { net_usage: 280 } };
    const kind = rng.int(6);
    if (kind < 3) {
      this.#push(
        "DelegateResourceContract",
        {
          balance: (1 + rng.int(10_000)) * 1_000_000,
          lock: false,
          owner_address: owner,
          receiver_address: this.#account().base58,
          resource: "ENERGY",
        },
        "SUCCESS",
        info,
      );
    } else if (kind < 5) {
      this.#push(
        "FreezeBalanceV2Contract",
        {
          frozen_balance: (1 + rng.int(10_000)) * 1_000_000,
          owner_address: owner,
          resource: "ENERGY",
        },
        "SUCCESS",
        info,
      );
    } else {
      this.#push(
        "TransferAssetContract",
        {
          amount: 1 + rng.int(1_000_000),
          asset_name: "1002000",
          owner_address: owner,
          to_address: this.#account().base58,
        },
        "SUCCESS",
        info,
      );
    }
  }

  /** Shuffles the transactions (with their infos) into block order. */
  shuffle(): void {
    for (let i = this.transactions.length - 1; i > 0; i--) {
      const j = this.#rng.int(i + 1);
      [this.transactions[i], this.transactions[j]] = [this.transactions[j], this.transactions[i]];
      [this.infos[i], this.infos[j]] = [this.infos[j], this.infos[i]];
    }
  }
}

/**
 * Derives `ownAddresses` deposit addresses (three USDT_TRC20 for one TRX, as on a USDT-first
 * exchange) and builds `blocks` distinct blocks of `mix` paying them.
 */
export function buildTronFixture(
  mix: TronBlockMix,
  ownAddresses: number,
  blocks: number,
): TronIngestFixture {
  const deriveStart = performance.now();
  const key = tronAccountKey(generateMnemonic(englishWordlist, 128));
  const hotWallet = key.deriveAddress(0).address;
  const own: Deposit[] = [];
  for (let i = 1; i <= ownAddresses; i++) {
    own.push({
      address: key.deriveAddress(i).address,
      currency: i % 4 === 0 ? "TRX" : "USDT_TRC20",
    });
  }
  const deriveSeconds = (performance.now() - deriveStart) / 1000;
  const account = (d: Deposit): Account => ({ base58: d.address, hex40: base58ToHex40(d.address) });
  const ownUsdt = own.filter((d) => d.currency === "USDT_TRC20").map(account);
  const ownTrx = own.filter((d) => d.currency === "TRX").map(account);

  const rng = new Rng(0x7e57_7c0e);
  const randomAccount = () => accountFromHex40(rng.hex(20));
  // A few DEX routers, pairs and tokens, used again and again as on mainnet.
  const routers = Array.from({ length: 2 }, randomAccount);
  const pairs = Array.from(
    { length: 6 },
    () => ({ pair: randomAccount(), token: randomAccount() }),
  );

  const built: FixtureBlock[] = [];
  for (let k = 0; k < blocks; k++) {
    const b = new BlockBuilder(rng, FIRST_BLOCK + 1 + k);
    for (let i = 0; i < mix.usdtToOurs; i++) b.usdtTransfer(rng.pick(ownUsdt));
    for (let i = 0; i < mix.usdtOther; i++) b.usdtTransfer(randomAccount());
    for (let i = 0; i < mix.usdtFailed; i++) b.usdtFailed();
    for (let i = 0; i < mix.trxToOurs; i++) b.trxTransfer(rng.pick(ownTrx));
    for (let i = 0; i < mix.trxOther; i++) b.trxTransfer(randomAccount());
    for (let i = 0; i < mix.swaps; i++) {
      const { pair, token } = rng.pick(pairs);
      b.swap(rng.pick(routers), pair, token);
    }
    for (let i = 0; i < mix.other; i++) b.other();
    b.shuffle();
    built.push({ transactions: b.transactions, infos: b.infos, lookedUp: b.lookedUp.size });
  }
  return {
    mix,
    transactionsPerBlock: transactionsPerBlock(mix),
    own,
    hotWallet,
    blocks: built,
    lookedUpPerBlock: built.reduce((n, b) => n + b.lookedUp, 0) / blocks,
    deriveSeconds,
  };
}

/** An in-process node: `node` for the scanner, `setTip` to let the chain grow. */
interface FixtureNode {
  node: TronNode;
  /** Makes blocks up to `num` available. */
  setTip(num: number): void;
}

function blockIdAt(num: number): string {
  return num.toString(16).padStart(16, "0") + num.toString(16).padStart(48, "0");
}

function headAt(num: number): TronHead {
  return {
    number: num,
    timestamp: FIRST_TIME_MS + (num - FIRST_BLOCK) * BLOCK_INTERVAL_MS,
    id: blockIdAt(num),
    parentId: blockIdAt(num - 1),
  };
}

/** A chain starting at `FIRST_BLOCK` whose block `FIRST_BLOCK + j` holds `blockAt(j - 1)`. */
function fixtureNode(blockAt: (k: number) => FixtureBlock): FixtureNode {
  let tip = FIRST_BLOCK;
  const node: TronNode = {
    nowBlock: () => Promise.resolve(headAt(tip)),
    blockByNum(num) {
      if (num <= FIRST_BLOCK || num > tip) return Promise.resolve(null);
      const block: TronBlock = {
        ...headAt(num),
        transactions: blockAt(num - FIRST_BLOCK - 1).transactions,
      };
      return Promise.resolve(block);
    },
    transactionInfoByBlockNum(num) {
      if (num <= FIRST_BLOCK || num > tip) return Promise.resolve([]);
      return Promise.resolve(blockAt(num - FIRST_BLOCK - 1).infos);
    },
  };
  return {
    node,
    setTip: (num) => {
      tip = num;
    },
  };
}

const USDT_ASSET: Asset = {
  code: "USDT_TRC20",
  chain: TRON_CHAIN,
  decimals: 6,
  contract: USDT.base58,
  minSweep: 0n,
  hotMax: null,
  hotResidual: 0n,
  maxWithdrawal: DEFAULT_MAX_WITHDRAWAL,
  overtake: false,
};
const TRX_ASSET: Asset = { ...USDT_ASSET, code: "TRX", contract: null };

/** Bulk-inserts `total` deposit addresses: `own` plus random valid ones. */
async function insertAddresses(
  db: Db,
  own: readonly Deposit[],
  total: number,
): Promise<void> {
  const rng = new Rng(total);
  const rows = [...own];
  while (rows.length < total) {
    rows.push({
      address: accountFromHex40(rng.hex(20)).base58,
      currency: rows.length % 4 === 0 ? "TRX" : "USDT_TRC20",
    });
  }
  const chunk = 20_000;
  for (let start = 0; start < rows.length; start += chunk) {
    const part = rows.slice(start, start + chunk);
    await db.query(
      `insert into addresses (chain, currency, user_id, address, display, derivation_index)
       select $1, d.currency, 'bench-user-' || ((d.n + $4::int) % 1000), d.address, d.address,
         d.n + $4::int
       from unnest($2::text[], $3::text[]) with ordinality as d(address, currency, n)`,
      [TRON_CHAIN, part.map((d) => d.address), part.map((d) => d.currency), start],
    );
  }
  // Statistics as autovacuum would eventually have them on a long-running processor.
  await db.query("analyze addresses");
}

/** The plugin the processor runs for TRX and USDT_TRC20 deposits, around `scanner`. */
function tronPlugin(scanner: ChainScanner, hotWallet: string): ChainPlugin {
  const base = benchPlugin(scanner);
  return {
    ...base,
    chain: TRON_CHAIN,
    assets: [TRX_ASSET, USDT_ASSET],
    derivation: {
      ...base.derivation,
      hotWallet: { address: hotWallet, display: hotWallet },
    },
  };
}

/**
 * Runs every case of the TRON ingest benchmark (see {@linkcode runIngestCases}). The fixture
 * must hold `warmupBlocks + blocks` blocks. Throws when a first-seen block records other than
 * the incomes it pays (the bench would be measuring a path that finds nothing).
 */
export async function benchTronIngest(
  fixture: TronIngestFixture,
  options: IngestOptions,
): Promise<IngestCase[]> {
  if (fixture.blocks.length !== options.warmupBlocks + options.blocks) {
    throw new RangeError("the fixture must hold warmupBlocks + blocks blocks");
  }
  return await runIngestCases({
    name: "TRON",
    transactionsPerBlock: fixture.transactionsPerBlock,
    incomesPerBlock: fixture.mix.usdtToOurs + fixture.mix.trxToOurs,
    insertAddresses: (db, total) => insertAddresses(db, fixture.own, total),
    openNode(blockAt) {
      const chain = fixtureNode((k) => fixture.blocks[blockAt(k)]);
      return {
        scanner: createTronScanner(chain.node, {
          assets: [
            { code: TRX_ASSET.code, contract: null },
            { code: USDT_ASSET.code, contract: USDT_ASSET.contract },
          ],
        }),
        grow: (blocks) => chain.setTip(FIRST_BLOCK + blocks),
      };
    },
    plugin: (scanner) => tronPlugin(scanner, fixture.hotWallet),
  }, options);
}

/** Cost of the node client's decoding of one block's answers. */
export interface ClientDecodeCost {
  /** Milliseconds per block: `blockByNum` + `transactionInfoByBlockNum`. */
  perBlock: number;
  /** Bytes of JSON per block, both answers. */
  bytes: number;
}

/**
 * What the real node client (`createTronNode`) spends turning one block's two JSON answers
 * into the objects the scanner reads (`JSON.parse` and zod validation), with `fetch` answered
 * in process: the share of a real ingest that the in-process node leaves out.
 */
export async function measureClientDecode(
  fixture: TronIngestFixture,
  blocks: number,
): Promise<ClientDecodeCost> {
  const count = Math.min(blocks, fixture.blocks.length);
  const answers = fixture.blocks.slice(0, count).map((b, k) => {
    const head = headAt(FIRST_BLOCK + 1 + k);
    return {
      block: JSON.stringify({
        blockID: head.id,
        block_header: {
          raw_data: {
            number: head.number,
            txTrieRoot: "00".repeat(32),
            witness_address: "41" + "00".repeat(20),
            parentHash: headAt(head.number - 1).id,
            version: 32,
            timestamp: head.timestamp,
          },
          witness_signature: "00".repeat(65),
        },
        transactions: b.transactions,
      }),
      infos: JSON.stringify(b.infos),
    };
  });
  const original = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    const { num } = JSON.parse(String(init?.body ?? "{}")) as { num: number };
    const answer = answers[num - FIRST_BLOCK - 1];
    const text = url.endsWith("/getblockbynum") ? answer.block : answer.infos;
    return Promise.resolve(new Response(text));
  };
  try {
    const node = createTronNode({ endpoint: "http://tron-node.invalid" });
    const pass = async () => {
      for (let k = 0; k < count; k++) {
        await node.blockByNum(FIRST_BLOCK + 1 + k);
        await node.transactionInfoByBlockNum(FIRST_BLOCK + 1 + k);
      }
    };
    await pass();
    const start = performance.now();
    await pass();
    const ms = performance.now() - start;
    const bytes = answers.reduce((n, a) => n + a.block.length + a.infos.length, 0) / count;
    return { perBlock: ms / count, bytes };
  } finally {
    globalThis.fetch = original;
  }
}
