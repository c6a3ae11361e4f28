/**
 * The benchmarks of the whole running processor on both devnets (a block a second):
 * withdrawal throughput through the API, and deposit → visible latency. Part of
 * `deno task bench`; `deno run -A bench/live.ts` runs these alone.
 *
 * @module
 */

import { benchTonDepositLatency, benchTronDepositLatency } from "./deposit_latency.ts";
import { BLOCK_MS, startLiveProcessor } from "./live_processor.ts";
import { fmt, percentile, report } from "./stats.ts";
import { benchWithdrawals, type WithdrawalRun } from "./withdrawal_throughput.ts";

/** Withdrawals per second every run must reach, and what 1,000 TON must reach. */
const WITHDRAWAL_BAR = 50;
const TON_WITHDRAWAL_BAR = 150;
/** Deposit → visible median must be at most this, blocks. */
const LATENCY_BAR = 0.3;

function withdrawalLine(label: string, run: WithdrawalRun, bar: number, floor: string): void {
  const rate = run.count / run.totalSeconds;
  const ok = run.allProcessed && rate >= bar;
  report(
    `${label}: ${fmt(rate, 1)}/s (${fmt(run.count)} processed in ${
      fmt(run.totalSeconds, 2)
    } s from the first request; queueing took ${fmt(run.queueSeconds, 2)} s = ${
      fmt(run.count / run.queueSeconds)
    }/s through the API; first to last processed ${
      fmt(run.drainSeconds, 2)
    } s); ${floor}; bar ≥ ${bar}/s${run.allProcessed ? "" : ", NOT all processed"}: ${
      ok ? "met" : "NOT met"
    }`,
  );
}

function latencyLine(label: string, samples: number[], dropped: number): void {
  const median = percentile(samples, 50);
  report(
    `${label}: median ${fmt(median, 3)} block, p99 ${fmt(percentile(samples, 99), 3)}, max ${
      fmt(Math.max(...samples), 3)
    } (${samples.length} deposits, ${dropped} dropped; block ${BLOCK_MS} ms); bar median ≤ ${LATENCY_BAR}: ${
      median <= LATENCY_BAR ? "met" : "NOT met"
    }`,
  );
}

/** Runs the live benchmarks and prints their figures. */
export async function liveBench(): Promise<void> {
  report("");
  report("## Live processor on both devnets (dev mode's set-up; a block every second)");
  const live = await startLiveProcessor();
  try {
    const ton = live.running.ctx.plugins.get("ton")!;
    const tonBatch = ton.sender.maxBatch;
    const tonRun = await benchWithdrawals(live, {
      currency: "TON",
      destination: live.ton.faucetAddress.toRawString(),
      amount: 10_000_000n,
      count: 1_000,
      concurrency: 8,
      timeoutSeconds: 120,
    });
    withdrawalLine(
      "withdrawals 1,000 TON",
      tonRun,
      TON_WITHDRAWAL_BAR,
      `floor with one ${ton.sender.maxInFlight === 1 ? "W5 batch" : "batch"} in flight: ${
        fmt(tonBatch * 1000 / BLOCK_MS)
      }/s (${tonBatch} a block)`,
    );
    const tronRun = await benchWithdrawals(live, {
      currency: "USDT_TRC20",
      destination: live.tron.faucet.address,
      amount: 1_000_000n,
      count: 1_000,
      concurrency: 8,
      timeoutSeconds: 120,
    });
    withdrawalLine(
      "withdrawals 1,000 USDT_TRC20",
      tronRun,
      WITHDRAWAL_BAR,
      `floor: the API's queueing rate above`,
    );
    const tonLatency = await benchTonDepositLatency(live, 30);
    latencyLine("deposit → visible TON", tonLatency.samples, tonLatency.dropped);
    const tronLatency = await benchTronDepositLatency(live, 30);
    latencyLine("deposit → visible TRON", tronLatency.samples, tronLatency.dropped);
  } finally {
    await live.stop();
  }
}

if (import.meta.main) await liveBench();
