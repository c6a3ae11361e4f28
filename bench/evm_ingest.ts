/**
 * EVM ingest throughput through the processor's own path: `ingestOnce` with the real
 * `createEvmScanner` (on viem's public client), the real per-block `accountLookup` and the real
 * commit, fed by an in-process JSON-RPC node (a viem `custom` transport) serving synthetic,
 * mainnet-shaped blocks: no HTTP, so the figures are the processor's and not a node's.
 *
 * A block holds USDT `transfer` calls (with their `Transfer` log) and plain ETH transfers, some
 * to our deposits; ETH to ours needs its receipt (the scanner asks for those only). The node
 * answers `debug_traceBlockByHash` "method not found", as the devnet does.
 *
 * @module
 */

import { createPublicClient, custom } from "viem";
import { type Asset, DEFAULT_MAX_WITHDRAWAL } from "../core/asset.ts";
import type { Db } from "../core/db.ts";
import type { ChainPlugin, ChainScanner } from "../core/plugin.ts";
import { evmAccountKey, newEvmMnemonic } from "../plugins/evm/derivation.ts";
import { createEvmScanner } from "../plugins/evm/scanner.ts";
import { TRANSFER_SELECTOR, TRANSFER_TOPIC } from "../plugins/evm/transfers.ts";
import { type IngestCase, type IngestOptions, runIngestCases } from "./ingest_runner.ts";
import { benchPlugin } from "./plugin.ts";

/** Chain name of the EVM benchmark plugin. */
const EVM_CHAIN = "ethereum";
/** Mainnet USDT on Ethereum. */
const USDT_CONTRACT = "0xdac17f958d2ee523a2206206994597c13d831ec7";
const FIRST_BLOCK = 23_000_000;
const FIRST_TIME = 1_760_000_000;

/** How many transactions of each kind one block holds. */
export interface EvmBlockMix {
  usdtToOurs: number;
  usdtOther: number;
  ethToOurs: number;
  ethOther: number;
}

/** The default block: 200 transactions, 30 of them paying our deposits. */
export const EVM_BLOCK_MIX: EvmBlockMix = {
  usdtToOurs: 20,
  usdtOther: 110,
  ethToOurs: 10,
  ethOther: 60,
};

function asset(code: string, decimals: number, contract: string | null): Asset {
  return {
    code,
    chain: EVM_CHAIN,
    decimals,
    contract,
    minSweep: 0n,
    hotMax: null,
    hotResidual: 0n,
    maxWithdrawal: DEFAULT_MAX_WITHDRAWAL,
    overtake: false,
  };
}

const ETH_ASSET = asset("ETH", 18, null);
const USDT_ASSET = asset("USDT_ERC20", 6, USDT_CONTRACT);

/** Deterministic pseudo-random hex (xorshift), so runs are comparable. */
class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed || 1;
  }
  hex(bytes: number): string {
    let out = "";
    for (let i = 0; i < bytes; i++) {
      this.#state ^= this.#state << 13;
      this.#state ^= this.#state >>> 17;
      this.#state ^= this.#state << 5;
      out += ((this.#state >>> 0) & 0xff).toString(16).padStart(2, "0");
    }
    return out;
  }
}

const hex = (n: number | bigint) => `0x${n.toString(16)}`;
const word = (address: string) => "0x" + address.slice(2).padStart(64, "0");

/** One transaction of a fixture block, as JSON-RPC prints it (without block fields). */
interface FixtureTx {
  hash: string;
  from: string;
  to: string;
  value: string;
  input: string;
  /** The `Transfer` log it emits, for USDT transfers. */
  log: { to: string; amount: string } | null;
}

/** Blocks and our deposits for the EVM ingest benchmark. */
export interface EvmIngestFixture {
  mix: EvmBlockMix;
  blocks: FixtureTx[][];
  own: { address: string; currency: string }[];
  transactionsPerBlock: number;
  lookedUpPerBlock: number;
  deriveSeconds: number;
}

/** Builds `count` distinct blocks of `mix` paying `ownCount` derived deposits. */
export function buildEvmFixture(
  mix: EvmBlockMix,
  ownCount: number,
  count: number,
): EvmIngestFixture {
  const started = performance.now();
  const key = evmAccountKey(newEvmMnemonic());
  const own = Array.from({ length: ownCount }, (_, i) => ({
    address: key.address(BigInt(i + 1)).address,
    currency: i % 3 === 0 ? "ETH" : "USDT_ERC20",
  }));
  const deriveSeconds = (performance.now() - started) / 1000;
  const ownEth = own.filter((o) => o.currency === "ETH");
  const ownUsdt = own.filter((o) => o.currency === "USDT_ERC20");
  const rng = new Rng(7);
  const blocks: FixtureTx[][] = [];
  const addresses = new Set<string>();
  for (let b = 0; b < count; b++) {
    const txs: FixtureTx[] = [];
    const push = (to: string, value: bigint, log: FixtureTx["log"]) => {
      const from = "0x" + rng.hex(20);
      txs.push({
        hash: "0x" + rng.hex(32),
        from,
        to: log ? USDT_CONTRACT : to,
        value: hex(value),
        input: log ? TRANSFER_SELECTOR + word(log.to).slice(2) + log.amount.slice(2) : "0x",
        log,
      });
      if (b === 0) addresses.add(from).add(log ? log.to : to);
    };
    const amount = (n: number) => "0x" + BigInt(1_000_000 + n).toString(16).padStart(64, "0");
    for (let i = 0; i < mix.usdtToOurs; i++) {
      const to = ownUsdt[(b * mix.usdtToOurs + i) % ownUsdt.length].address;
      push(to, 0n, { to, amount: amount(i) });
    }
    for (let i = 0; i < mix.usdtOther; i++) {
      const to = "0x" + rng.hex(20);
      push(to, 0n, { to, amount: amount(i) });
    }
    for (let i = 0; i < mix.ethToOurs; i++) {
      push(ownEth[(b * mix.ethToOurs + i) % ownEth.length].address, 10n ** 16n + BigInt(i), null);
    }
    for (let i = 0; i < mix.ethOther; i++) push("0x" + rng.hex(20), 10n ** 15n, null);
    blocks.push(txs);
  }
  return {
    mix,
    blocks,
    own,
    transactionsPerBlock: blocks[0].length,
    lookedUpPerBlock: addresses.size,
    deriveSeconds,
  };
}

/** An in-process JSON-RPC node whose `k`-th block after the first holds `contents(k)`. */
function fixtureNode(contents: (k: number) => FixtureTx[]) {
  let tip = FIRST_BLOCK;
  const hashOf = (height: number) => "0x" + height.toString(16).padStart(64, "0");
  const heightOf = (hash: string) => parseInt(hash, 16);
  const txsAt = (height: number) => height > FIRST_BLOCK ? contents(height - FIRST_BLOCK - 1) : [];
  const receipts = new Map<string, unknown>();
  const block = (height: number) => {
    const hash = hashOf(height);
    return {
      number: hex(height),
      hash,
      parentHash: hashOf(height - 1),
      timestamp: hex(FIRST_TIME + (height - FIRST_BLOCK) * 12),
      baseFeePerGas: "0x3b9aca00",
      gasLimit: "0x1c9c380",
      gasUsed: "0x0",
      transactions: txsAt(height).map((tx, i) => {
        receipts.set(tx.hash, {
          transactionHash: tx.hash,
          blockHash: hash,
          blockNumber: hex(height),
          transactionIndex: hex(i),
          from: tx.from,
          to: tx.to,
          status: "0x1",
          gasUsed: "0x5208",
          effectiveGasPrice: "0x3b9aca00",
          cumulativeGasUsed: "0x5208",
          logs: [],
          type: "0x2",
        });
        return {
          ...tx,
          log: undefined,
          blockHash: hash,
          blockNumber: hex(height),
          transactionIndex: hex(i),
          nonce: "0x0",
          gas: "0x5208",
          type: "0x2",
          maxFeePerGas: "0x77359400",
          maxPriorityFeePerGas: "0x3b9aca00",
          chainId: "0x1",
        };
      }),
    };
  };
  const logs = (height: number) =>
    txsAt(height).flatMap((tx, i) =>
      tx.log
        ? [{
          address: USDT_CONTRACT,
          topics: [TRANSFER_TOPIC, word(tx.from), word(tx.log.to)],
          data: tx.log.amount,
          transactionHash: tx.hash,
          logIndex: hex(i),
          blockHash: hashOf(height),
          blockNumber: hex(height),
        }]
        : []
    );
  const request = ({ method, params }: { method: string; params?: unknown }) => {
    const args = (params ?? []) as unknown[];
    switch (method) {
      case "eth_getBlockByNumber": {
        const tag = args[0] as string;
        const height = tag === "latest" || tag === "finalized" ? tip : parseInt(tag, 16);
        return Promise.resolve(height <= tip ? block(height) : null);
      }
      case "eth_getLogs":
        return Promise.resolve(logs(heightOf((args[0] as { blockHash: string }).blockHash)));
      case "eth_getTransactionReceipt":
        return Promise.resolve(receipts.get(args[0] as string) ?? null);
      default:
        return Promise.reject(Object.assign(new Error(`the method ${method} does not exist`), {
          code: -32601,
        }));
    }
  };
  return {
    client: createPublicClient({ transport: custom({ request }, { retryCount: 0 }) }),
    setTip: (height: number) => tip = height,
  };
}

async function insertAddresses(
  db: Db,
  own: readonly { address: string; currency: string }[],
  total: number,
): Promise<void> {
  const rng = new Rng(total);
  const rows = [...own];
  while (rows.length < total) {
    rows.push({ address: "0x" + rng.hex(20), currency: rows.length % 3 ? "USDT_ERC20" : "ETH" });
  }
  const chunk = 20_000;
  for (let start = 0; start < rows.length; start += chunk) {
    const part = rows.slice(start, start + chunk);
    await db.query(
      `insert into addresses (chain, currency, user_id, address, display, derivation_index)
       select $1, d.currency, 'bench-user-' || ((d.n + $4::int) % 1000), d.address, d.address,
         d.n + $4::int
       from unnest($2::text[], $3::text[]) with ordinality as d(address, currency, n)`,
      [EVM_CHAIN, part.map((d) => d.address), part.map((d) => d.currency), start],
    );
  }
  await db.query("analyze addresses");
}

function evmPlugin(scanner: ChainScanner): ChainPlugin {
  const base = benchPlugin(scanner);
  const hot = { address: "0x" + "ab".repeat(20), display: "0x" + "ab".repeat(20) };
  return {
    ...base,
    chain: EVM_CHAIN,
    assets: [ETH_ASSET, USDT_ASSET],
    derivation: { ...base.derivation, hotWallet: hot },
  };
}

/** Runs every case of the EVM ingest benchmark (see {@linkcode runIngestCases}). */
export async function benchEvmIngest(
  fixture: EvmIngestFixture,
  options: IngestOptions,
): Promise<IngestCase[]> {
  return await runIngestCases({
    name: "EVM",
    transactionsPerBlock: fixture.transactionsPerBlock,
    incomesPerBlock: fixture.mix.usdtToOurs + fixture.mix.ethToOurs,
    insertAddresses: (db, total) => insertAddresses(db, fixture.own, total),
    openNode(blockAt) {
      const node = fixtureNode((k) => fixture.blocks[blockAt(k)]);
      return {
        scanner: createEvmScanner(node.client, {
          assets: [
            { code: ETH_ASSET.code, contract: null },
            { code: USDT_ASSET.code, contract: USDT_CONTRACT },
          ],
          hot: "0x" + "ab".repeat(20),
          head: "latest",
          forkWindow: 64,
          trace: "auto",
        }),
        grow: (blocks) => node.setTip(FIRST_BLOCK + blocks),
      };
    },
    plugin: evmPlugin,
  }, options);
}
