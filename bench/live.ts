/**
 * The benchmarks of the whole running processor on both devnets (a block a second):
 * withdrawal throughput through the API, and deposit → visible latency, each with its floor
 * in the same run. Part of `deno task bench`; `deno run -A bench/live.ts` runs these alone.
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

/** `floor`: the most the processor could do in this run, per second, and what bounds it. */
function withdrawalLine(
  label: string,
  run: WithdrawalRun,
  bar: number,
  floor: { rate: number; why: string },
): void {
  const rate = run.count / run.totalSeconds;
  const ok = run.allProcessed && rate >= bar;
  const queued = `queueing took ${fmt(run.queueSeconds, 2)} s = ${
    fmt(run.count / run.queueSeconds)
  }/s through the API`;
  report(
    `${label}: ${fmt(rate, 1)}/s (${fmt(run.count)} processed in ${
      fmt(run.totalSeconds, 2)
    } s from the first request; ${queued}; first to last processed ${
      fmt(run.drainSeconds, 2)
    } s; the devnet sealed ${fmt(run.blocksPerSecond, 2)} blocks/s)`,
  );
  report(
    `${label}: floor ${fmt(floor.rate)}/s (${floor.why}), ratio ${fmt(rate / floor.rate, 2)}; ` +
      `bar ≥ ${bar}/s${run.allProcessed ? "" : ", NOT all processed"}: ${ok ? "met" : "NOT met"}`,
  );
}

/** `pollMs`: the scanner's caught-up poll interval, half of which is the median's floor. */
function latencyLine(label: string, samples: number[], dropped: number, pollMs: number): void {
  const median = percentile(samples, 50);
  report(
    `${label}: median ${fmt(median, 3)} block, p99 ${fmt(percentile(samples, 99), 3)}, max ${
      fmt(Math.max(...samples), 3)
    } (${samples.length} deposits, ${dropped} dropped; block ${BLOCK_MS} ms); floor ${
      fmt(pollMs / 2 / BLOCK_MS, 3)
    } block (half the ${pollMs} ms poll); bar median ≤ ${LATENCY_BAR}: ${
      median <= LATENCY_BAR ? "met" : "NOT met"
    }`,
  );
}

/** Runs the live benchmarks and prints their figures. */
export async function liveBench(): Promise<void> {
  report("");
  report("## Live processor on both devnets (dev mode's set-up; a block every second)");
  const live = await startLiveProcessor();
  report(`# the processor runs ${live.where}`);
  try {
    const ton = live.plugins.get("ton")!;
    const tron = live.plugins.get("tron")!;
    const tonRun = await benchWithdrawals(live, {
      currency: "TON",
      destination: live.ton.faucetAddress.toRawString(),
      amount: "10000000",
      count: 1_000,
      concurrency: 8,
      timeoutSeconds: 120,
    }, () => live.ton.heights().masterchain);
    const batch = ton.sender.maxBatch;
    withdrawalLine("withdrawals 1,000 TON", tonRun, TON_WITHDRAWAL_BAR, {
      rate: Math.min(tonRun.count / tonRun.queueSeconds, batch * tonRun.blocksPerSecond),
      why: `${ton.sender.maxInFlight} batch of ${batch} in flight (W5 seqno) per block sealed, ` +
        "or the API's queueing rate if lower",
    });
    const tronRun = await benchWithdrawals(live, {
      currency: "USDT_TRC20",
      destination: live.tron.faucet.address,
      amount: "1000000",
      count: 1_000,
      concurrency: 8,
      timeoutSeconds: 120,
    }, () => live.tron.height());
    withdrawalLine("withdrawals 1,000 USDT_TRC20", tronRun, WITHDRAWAL_BAR, {
      rate: tronRun.count / tronRun.queueSeconds,
      why: "the API's queueing rate: one transaction each, no sequence number",
    });
    const tonLatency = await benchTonDepositLatency(live, 30);
    latencyLine(
      "deposit → visible TON",
      tonLatency.samples,
      tonLatency.dropped,
      ton.scanner.pollIntervalMs ?? 1000,
    );
    const tronLatency = await benchTronDepositLatency(live, 30);
    latencyLine(
      "deposit → visible TRON",
      tronLatency.samples,
      tronLatency.dropped,
      tron.scanner.pollIntervalMs ?? 1000,
    );
  } finally {
    await live.stop();
  }
}

if (import.meta.main) await liveBench();
