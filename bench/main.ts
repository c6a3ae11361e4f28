/**
 * `deno task bench`: TON, TRON and EVM ingest throughput, deposit history API latency, deposit
 * address derivation rates, and on the whole processor with the TON and TRON devnets
 * withdrawal throughput and deposit → visible latency, printed one figure a line. Runs on
 * Postgres when DATABASE_URL is set (in a dedicated schema, dropped afterwards), on in-memory
 * PGlite otherwise.
 *
 * @module
 */

import { engineLabel } from "./db.ts";
import { benchEvmBatchGas } from "./evm_batch.ts";
import { benchEvmIngest, buildEvmFixture, EVM_BLOCK_MIX } from "./evm_ingest.ts";
import { benchDerivation, benchTronDerivation } from "./derivation.ts";
import { benchHistoryApi } from "./history_api.ts";
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
/** `deno task bench --1m` adds a case of 1,000,000 deposit addresses to each ingest. */
const ADDRESS_COUNTS = Deno.args.includes("--1m") ? [1_000, 100_000, 1_000_000] : [1_000, 100_000];

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
async function tronIngest(): Promise<void> {
  const mix = TRON_BLOCK_MIX;
  const options = {
    addressCounts: ADDRESS_COUNTS,
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

/** Runs every benchmark and prints the figures. */
export async function main(): Promise<void> {
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
    addressCounts: ADDRESS_COUNTS,
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

  await tronIngest();
  await evmIngest();

  report("");
  const history = {
    users: 1_000,
    incomesPerUser: 20,
    requests: 5_000,
    warmup: 300,
    concurrency: 32,
    limit: 20,
  };
  report(
    `## GET /v1/deposit/history (createApp on Deno.serve 127.0.0.1, fetch from the same process)`,
  );
  report(
    `# ${
      fmt(history.users)
    } users × ${history.incomesPerUser} incomes, limit=${history.limit}, random user, concurrency ${history.concurrency}`,
  );
  const h = await benchHistoryApi(history);
  report(`history: bulk insert ${fmt(h.insertSeconds, 2)} s`);
  report(
    `history: ${fmt(h.requestsPerSecond)} req/s (${fmt(h.requests)} in ${fmt(h.seconds, 2)} s)`,
  );
  report(`history: p50 ${ms(h.p50Ms)}`);
  report(`history: p99 ${ms(h.p99Ms)}`);
  report(`history: max ${ms(h.maxMs)}`);

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
