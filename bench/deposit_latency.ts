/**
 * Deposit → visible: a devnet faucet pays a deposit address of the live processor, and the
 * time from the block that holds the payment being sealed on the devnet (the node has it) to
 * its income being in the database (what `/v1/deposit/history` reads), in blocks.
 *
 * @module
 */

import { Address } from "@ton/core";
import { BLOCK_MS, type LiveProcessor } from "./live_processor.ts";

/** Latencies of one chain, in blocks; samples whose block could not be pinned are dropped. */
export interface DepositLatency {
  samples: number[];
  dropped: number;
}

/** How often the bench looks for the income, ms (a bound on what it can resolve). */
const LOOK_MS = 10;

async function newAddress(live: LiveProcessor, userId: string, currency: string) {
  const response = await fetch(`${live.url}/v1/address/new`, {
    method: "POST",
    headers: { authorization: `Bearer ${live.token}`, "content-type": "application/json" },
    body: JSON.stringify({ user_id: userId, currency }),
  });
  if (response.status !== 200) throw new Error(`address/new: ${await response.text()}`);
  const display = (await response.json()).address as string;
  const [row] = await live.db.query<{ address: string }>(
    "select address from addresses where display = $1",
    [display],
  );
  return { display, canonical: row.address };
}

/** Waits for the `n`-th income of `userId`; returns when it was seen and its block height. */
async function waitForIncome(
  live: LiveProcessor,
  userId: string,
  n: number,
  timeoutMs: number,
): Promise<{ at: number; height: bigint } | null> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const rows = await live.db.query<{ h: string }>(
      `select i.block_height::text as h from incomes i join addresses a on a.id = i.address_id
       where a.user_id = $1 order by i.id`,
      [userId],
    );
    if (rows.length >= n) return { at: performance.now(), height: BigInt(rows[n - 1].h) };
    await new Promise((r) => setTimeout(r, LOOK_MS));
  }
  return null;
}

/** `samples` TON deposits at random phases of the block; latency from seal to visible. */
export async function benchTonDepositLatency(
  live: LiveProcessor,
  samples: number,
): Promise<DepositLatency> {
  const user = `lat-ton-${crypto.randomUUID().slice(0, 8)}`;
  const { canonical } = await newAddress(live, user, "TON");
  const out: DepositLatency = { samples: [], dropped: 0 };
  for (let i = 1; i <= samples; i++) {
    await new Promise((r) => setTimeout(r, Math.random() * BLOCK_MS));
    // The faucet's transfer is executed at the next tick and resolves once its block is sealed.
    await live.ton.faucet(Address.parseRaw(canonical), 10_000_000n);
    const sealed = performance.now();
    const height = live.ton.heights().masterchain;
    const seen = await waitForIncome(live, user, i, 30_000);
    if (!seen) throw new Error(`TON deposit ${i} never became visible`);
    if (seen.height !== BigInt(height)) {
      out.dropped++;
      continue;
    }
    out.samples.push((seen.at - sealed) / BLOCK_MS);
  }
  return out;
}

/** `samples` TRX deposits at random phases of the block; latency from seal to visible. */
export async function benchTronDepositLatency(
  live: LiveProcessor,
  samples: number,
): Promise<DepositLatency> {
  const user = `lat-tron-${crypto.randomUUID().slice(0, 8)}`;
  const { canonical } = await newAddress(live, user, "TRX");
  const out: DepositLatency = { samples: [], dropped: 0 };
  for (let i = 1; i <= samples; i++) {
    await new Promise((r) => setTimeout(r, Math.random() * BLOCK_MS));
    // Accepted now, in the next block; a block sealed between the two calls would make the
    // seal below the wrong one, which the height check finds.
    const block = live.tron.waitForBlock();
    await live.tron.faucetTrx(canonical, 1_000_000n);
    await block;
    const sealed = performance.now();
    const height = live.tron.height();
    const seen = await waitForIncome(live, user, i, 30_000);
    if (!seen) throw new Error(`TRON deposit ${i} never became visible`);
    if (seen.height !== BigInt(height)) {
      out.dropped++;
      continue;
    }
    out.samples.push((seen.at - sealed) / BLOCK_MS);
  }
  return out;
}
