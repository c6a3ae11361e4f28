/**
 * `deno task bench`: TON, TRON and EVM ingest throughput, deposit history API latency, deposit
 * address derivation rates, and on the whole processor with the TON and TRON devnets
 * withdrawal throughput and deposit → visible latency, printed one figure a line.
 * `deno task bench --1m` adds 1M deposit addresses to each ingest and the history API at 1M
 * incomes (Postgres). Runs on Postgres when DATABASE_URL is set (in a dedicated schema,
 * dropped afterwards), on in-memory PGlite otherwise.
 *
 * @module
 */

import { benchEngine, engineLabel } from "./db.ts";
import { benchEvmBatchGas } from "./evm_batch.ts";
import { benchEvmIngest, buildEvmFixture, EVM_BLOCK_MIX } from "./evm_ingest.ts";
import { benchDerivation, benchTronDerivation } from "./derivation.ts";
import { benchHistoryApi, type HistoryOptions, type LoadFigure } from "./history_api.ts";
import { liveBench } from "./live.ts";
import { fmt, report } from "./stats.ts";
import type { IngestCase, IngestPhase } from "./ingest_runner.ts";
import { loadFixtureBlock } from "./ton_fixture.ts";
import { benchTonIngest, chooseOwnAccounts, measureDecode } from "./ton_ingest.ts";
import {
  benchTronIngest,
  buildTronFixture,
  measureClientDecode,
  TRON_BLOCK_MIX,
} from "./tron_ingest.ts";

/** Transactions per second the ingest must reach. */
const TARGET_TPS = 10_000;
/** Most the ingest rate may drop from 1,000 to 100,000 deposit addresses. */
const MAX_DROP = 0.1;
/** Most a block's commit may take, as a multiple of its floor (the minimal commit). */
const MAX_COMMIT_RATIO = 1.5;
/** Deposit addresses of each ingest case; `--1m` adds a case of 1,000,000. */
function addressCounts(flags: Flags): number[] {
  return flags.million ? [1_000, 100_000, 1_000_000] : [1_000, 100_000];
}

function ms(value: number): string {
  return `${fmt(value, 2)} ms`;
}

function phaseLine(label: string, p: IngestPhase): string {
  const b = p.breakdown;
  return `${label}: ${fmt(p.blocksPerSecond, 1)} blocks/s, ${
    fmt(p.transactionsPerSecond)
  } tx/s (${p.blocks} blocks in ${fmt(p.seconds, 2)} s, ${
    fmt(p.newIncomesPerBlock, 1)
  } new incomes/block; per block ${ms(b.total)}: scan ${ms(b.scan)} incl. lookup ${
    ms(b.lookup)
  }, commit ${ms(b.commit)} (statements ${ms(b.commitStatements)}, BEGIN/COMMIT ${
    ms(b.commit - b.commitStatements)
  }), cursor load ${ms(b.cursor)})`;
}

/** The commit against its floor, measured in the same run on the same database and rows. */
function commitLine(label: string, p: IngestPhase): string {
  const b = p.breakdown;
  const ratio = b.commit / b.floorCommit;
  return `${label}: commit ${ms(b.commit)}/block, floor (minimal commit of the same SQL shape) ${
    ms(b.floorCommit)
  }, ratio ${fmt(ratio, 2)} (bar: ≤ ${MAX_COMMIT_RATIO}: ${
    ratio <= MAX_COMMIT_RATIO ? "met" : "NOT met"
  }); its statements ${ms(b.commitStatements)}, floor (raw INSERT ... unnest of the same rows) ${
    ms(b.floorInsert)
  }`;
}

/** One case's figures: both phases, then their commits against the floor. */
function caseLines(prefix: string, c: IngestCase): void {
  report(`${prefix} ${fmt(c.addresses)} addresses: bulk insert ${fmt(c.insertSeconds, 2)} s`);
  report(phaseLine(`${prefix} ${fmt(c.addresses)} addresses, first-seen`, c.firstSeen));
  report(phaseLine(`${prefix} ${fmt(c.addresses)} addresses, replayed`, c.replayed));
  report(commitLine(`${prefix} ${fmt(c.addresses)} addresses, first-seen`, c.firstSeen));
  report(commitLine(`${prefix} ${fmt(c.addresses)} addresses, replayed`, c.replayed));
}

/** Prints the 100,000/1,000 ratio of both phases against the bar. */
function ratioLines(prefix: string, cases: readonly IngestCase[]): void {
  const [small, large] = cases;
  for (const c of cases) {
    for (const phase of ["firstSeen", "replayed"] as const) {
      const tps = c[phase].transactionsPerSecond;
      report(
        `${prefix} ${fmt(c.addresses)} addresses ${
          phase === "firstSeen" ? "first-seen" : "replayed"
        }: ${fmt(tps)} tx/s (bar: ≥ ${fmt(TARGET_TPS)}: ${tps >= TARGET_TPS ? "met" : "NOT met"})`,
      );
    }
  }
  for (const phase of ["firstSeen", "replayed"] as const) {
    const ratio = large[phase].transactionsPerSecond / small[phase].transactionsPerSecond;
    const slowest = Math.min(
      large[phase].transactionsPerSecond,
      small[phase].transactionsPerSecond,
    );
    const ok = ratio >= 1 - MAX_DROP && slowest >= TARGET_TPS;
    report(
      `${prefix} ratio ${phase === "firstSeen" ? "first-seen" : "replayed"} ${
        fmt(large.addresses)
      }/${fmt(small.addresses)}: ${fmt(ratio, 3)} (bar: ≥ ${1 - MAX_DROP} and ≥ ${
        fmt(TARGET_TPS)
      } tx/s: ${ok ? "met" : "NOT met"})`,
    );
  }
}

/** TRON ingest: synthetic mainnet-shaped blocks through the real scanner and commit. */
async function tronIngest(flags: Flags): Promise<void> {
  const mix = TRON_BLOCK_MIX;
  const options = {
    addressCounts: addressCounts(flags),
    warmupBlocks: 20,
    blocks: 100,
    chunkBlocks: 20,
  };
  const fixture = buildTronFixture(mix, 1_000, options.warmupBlocks + options.blocks);
  report("");
  report(
    "## TRON ingest (ingestOnce + createTronScanner + accountLookup + commit; in-process TronNode)",
  );
  report(
    `# blocks: synthetic, shaped as java-tron prints them; ${fixture.transactionsPerBlock} tx: ${
      mix.usdtToOurs + mix.usdtOther
    } USDT transfer calls with their Transfer log, ${mix.usdtFailed} failed USDT calls, ${
      mix.trxToOurs + mix.trxOther
    } TRX transfers, ${mix.swaps} DEX swaps (4 logs each), ${mix.other} resource/TRC10 contracts`,
  );
  report(
    `# ours: ${mix.usdtToOurs} USDT_TRC20 + ${mix.trxToOurs} TRX deposits paid per block, out of ${
      fmt(fixture.own.length)
    } derived at m/44'/195'/0'/0/i (${
      fmt(fixture.deriveSeconds, 2)
    } s); the larger case adds random valid addresses; ${
      fmt(fixture.lookedUpPerBlock)
    } addresses looked up per block`,
  );
  report("# first-seen: every block new (new txids); replayed: the measured blocks again");
  const cases = await benchTronIngest(fixture, options);
  for (const c of cases) caseLines("tron ingest", c);
  const client = await measureClientDecode(fixture, 50);
  report(
    `tron ingest reference: the node client's decoding (createTronNode with fetch answered in process: JSON.parse + zod) ${
      ms(client.perBlock)
    }/block for ${fmt(client.bytes / 1000)} kB, not part of the figures above`,
  );
  ratioLines("tron ingest", cases);
}

/** EVM ingest: synthetic mainnet-shaped blocks through the real scanner and commit. */
async function evmIngest(): Promise<void> {
  const mix = EVM_BLOCK_MIX;
  const options = {
    addressCounts: [1_000, 100_000],
    warmupBlocks: 20,
    blocks: 100,
    chunkBlocks: 20,
  };
  const fixture = buildEvmFixture(mix, 1_000, options.warmupBlocks + options.blocks);
  report("");
  report(
    "## EVM ingest (ingestOnce + createEvmScanner on viem + accountLookup + commit; in-process JSON-RPC)",
  );
  report(
    `# blocks: synthetic, as JSON-RPC prints them; ${fixture.transactionsPerBlock} tx: ${
      mix.usdtToOurs + mix.usdtOther
    } USDT transfer calls with their Transfer log, ${mix.ethToOurs + mix.ethOther} ETH transfers`,
  );
  report(
    `# ours: ${mix.usdtToOurs} USDT_ERC20 + ${mix.ethToOurs} ETH deposits paid per block (ETH ones with a receipt request), out of ${
      fmt(fixture.own.length)
    } derived at m/44'/60'/0'/0/i (${fmt(fixture.deriveSeconds, 2)} s); ${
      fmt(fixture.lookedUpPerBlock)
    } addresses looked up per block`,
  );
  const cases = await benchEvmIngest(fixture, options);
  for (const c of cases) {
    report(`evm ingest ${fmt(c.addresses)} addresses: bulk insert ${fmt(c.insertSeconds, 2)} s`);
    report(phaseLine(`evm ingest ${fmt(c.addresses)} addresses, first-seen`, c.firstSeen));
    report(phaseLine(`evm ingest ${fmt(c.addresses)} addresses, replayed`, c.replayed));
  }
  ratioLines("evm ingest", cases);
  report("");
  report(
    "## EVM gas per withdrawal (EVM devnet, fresh recipients): one per transaction vs batched",
  );
  for (const g of await benchEvmBatchGas(50)) {
    report(
      `evm withdrawal gas ${g.currency}: ${fmt(Number(g.single))} alone, ${
        fmt(Number(g.batched))
      } each in a batch of ${g.batchSize}`,
    );
  }
}

/** History API bar, at 1M incomes: requests per second and p99 latency. */
const HISTORY_BAR = { requestsPerSecond: 4_000, p99Ms: 50 };

function loadLine(label: string, f: LoadFigure): string {
  return `${label}: ${fmt(f.requestsPerSecond)} req/s (${fmt(f.requests)} in ${
    fmt(f.seconds, 2)
  } s), p50 ${ms(f.p50Ms)}, p99 ${ms(f.p99Ms)}, max ${ms(f.maxMs)}`;
}

/** One history case: the API's figure, its two floors and the ratios. */
async function historyCase(label: string, options: HistoryOptions, bar: boolean): Promise<void> {
  report(
    `# ${label}: ${fmt(options.users)} users × ${
      fmt(options.incomesPerUser)
    } incomes, limit=${options.limit}, random user, concurrency ${options.concurrency}`,
  );
  const h = await benchHistoryApi(options);
  report(
    `history ${label}: bulk insert of ${fmt(h.incomes)} incomes ${
      fmt(h.insertSeconds, 2)
    } s; pool ${h.poolSize}`,
  );
  report(loadLine(`history ${label}`, h.api));
  report(loadLine(`history ${label} floor, bare Hono route (same page, same load)`, h.bareRoute));
  report(loadLine(`history ${label} floor, the query alone (incomeHistory, same pool)`, h.query));
  report(
    `history ${label} ratio (median of ${options.rounds} interleaved rounds): ${
      fmt(h.ratioToBareRoute, 3)
    } of the bare route's rate, ${fmt(h.ratioToQuery, 3)} of the query's`,
  );
  if (bar) {
    const ok = h.api.requestsPerSecond >= HISTORY_BAR.requestsPerSecond &&
      h.api.p99Ms <= HISTORY_BAR.p99Ms;
    report(
      `history ${label} bar: ≥ ${
        fmt(HISTORY_BAR.requestsPerSecond)
      } req/s and p99 ≤ ${HISTORY_BAR.p99Ms} ms: ${ok ? "met" : "NOT met"}`,
    );
  }
}

/** The history API; with `million`, a second case at 1M incomes (Postgres only). */
async function history(million: boolean): Promise<void> {
  report("");
  report(
    `## GET /v1/deposit/history (createApp on Deno.serve 127.0.0.1, fetch from the same process)`,
  );
  const base = { requests: 6_000, warmup: 300, rounds: 6, concurrency: 32, limit: 20 };
  await historyCase("1k users", { ...base, users: 1_000, incomesPerUser: 20 }, false);
  if (!million) {
    report("# 1M incomes: opt in with --1m (Postgres)");
  } else if (benchEngine() !== "postgres") {
    report("# 1M incomes: skipped, it needs Postgres (DATABASE_URL)");
  } else {
    // The same users, with long histories: a page is the newest 20 of 1,000.
    await historyCase(
      "1M incomes",
      { ...base, requests: 20_000, warmup: 1_000, rounds: 10, users: 1_000, incomesPerUser: 1_000 },
      true,
    );
  }
}

/** Which benchmarks to run, from the command line. */
interface Flags {
  /** `--1m`: 1M deposit addresses in each ingest and the 1M-income history case too. */
  million: boolean;
}

function parseFlags(args: readonly string[]): Flags {
  const flags: Flags = { million: false };
  for (const arg of args) {
    if (arg === "--1m") flags.million = true;
    else throw new Error(`unknown flag ${arg}; the one flag is --1m`);
  }
  return flags;
}

/** Runs every benchmark and prints the figures. */
export async function main(args: readonly string[] = Deno.args): Promise<void> {
  const flags = parseFlags(args);
  const started = performance.now();
  report(`# processor benchmarks — database: ${engineLabel()}`);
  report(
    `# Deno ${Deno.version.deno}, V8 ${Deno.version.v8}, ${navigator.hardwareConcurrency} CPUs`,
  );

  const block = await loadFixtureBlock();
  const fixture = chooseOwnAccounts(block, 20);
  report("");
  report(
    `## TON ingest (ingestOnce + createTonScanner + accountLookup + commit; in-process node)`,
  );
  report(
    `# block: real mainnet 0:8000000000000000 #71398501, ${block.length} tx, ${fixture.accounts} accounts; ours: ${fixture.own.length} accounts, ${fixture.ownTransactions} tx, ${fixture.ownIncomes} incomes, ${fixture.ownSightings} payload sightings per block`,
  );
  report(
    "# first-seen: our transactions get a new lt (hence hash) each block, so incomes are new;",
  );
  report("# replayed: the same blocks again, decoded and looked up but inserting nothing");
  for (
    const line of [
      "# node rate limit: NOT applied. The in-process node answers at once. In production the",
      "# toncenter client spaces calls by ton.rps (default 10/s); while catching up a masterchain",
      "# block takes shards + getBlockHeader + one getBlockTransactionsExt page (256 tx) per shard",
      "# block, so at 10 rps one shard block per masterchain block caps ingest at 3.3 blocks/s:",
      "# these figures are the processor's own ceiling, reached only with a node that allows it.",
    ]
  ) report(line);
  const cases = await benchTonIngest(fixture, {
    addressCounts: addressCounts(flags),
    warmupBlocks: 30,
    blocks: 200,
    chunkBlocks: 20,
  });
  for (const c of cases) caseLines("ingest", c);
  const decode = measureDecode(fixture, 100);
  report(
    `ingest decode: our ${fixture.ownTransactions} tx alone (decodeTransaction + incomingTransfer) ${
      ms(decode.perBlock)
    }/block, ${ms(decode.perTransaction)}/tx; floor (native SHA-256 over their ${
      fmt(decode.cellsPerBlock)
    } cells) ${ms(decode.floorPerBlock)}/block, ratio ${
      fmt(decode.perBlock / decode.floorPerBlock, 2)
    }`,
  );
  ratioLines("ingest", cases);

  await tronIngest(flags);
  await evmIngest();

  await history(flags.million);
  report("");
  report("## TON deposit address derivation (depositWallet, v5r1 custom context → raw address)");
  const d = benchDerivation(5_000, 500);
  report(
    `derivation: ${fmt(d.addressesPerSecond)} addresses/s (${fmt(d.addresses)} in ${
      fmt(d.seconds, 2)
    } s)`,
  );
  report("");
  report("## TRON deposit address derivation (tronAccountKey, m/44'/195'/0'/0/i → base58)");
  const t = benchTronDerivation(5_000, 500);
  report(
    `tron derivation: ${fmt(t.addressesPerSecond)} addresses/s (${fmt(t.addresses)} in ${
      fmt(t.seconds, 2)
    } s)`,
  );

  await liveBench();
  report("");
  report(`# total ${fmt((performance.now() - started) / 1000, 1)} s`);
}

if (import.meta.main) await main();
