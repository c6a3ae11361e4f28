/**
 * The fault machinery every devnet shares: queued failures per endpoint, seeded error rates,
 * lost broadcasts, a lagging height, held timeouts, and the chain's own answers to each.
 */

import assert from "node:assert/strict";
import { DevnetFaults, type FaultAnswers } from "../../devnet/faults.ts";

const ANSWERS: FaultAnswers = {
  error: () => new Response("error", { status: 500 }),
  ratelimit: () => new Response("slow down", { status: 429 }),
  timeout: () => new Response("timeout", { status: 504 }),
};

Deno.test("the next calls of an endpoint fail as asked, then calls pass again", () => {
  const faults = new DevnetFaults();
  faults.failNext("getBlock", 2, "ratelimit");
  assert.equal(faults.decide("getTransactions"), null, "another endpoint is not touched");
  assert.equal(faults.decide("getBlock"), "ratelimit");
  assert.equal(faults.decide("getBlock"), "ratelimit");
  assert.equal(faults.decide("getBlock"), null);
});

Deno.test('"*" fails any endpoint; queued faults apply in the order they were set', () => {
  const faults = new DevnetFaults();
  faults.failNext("*", 1, "error");
  faults.failNext("getBlock", 1, "timeout");
  assert.equal(faults.decide("getBlock"), "error");
  assert.equal(faults.decide("getBlock"), "timeout");
  assert.equal(faults.decide("getBlock"), null);
});

Deno.test("endpoint names are compared as the chain normalizes them", () => {
  const faults = new DevnetFaults({ normalize: (t) => t.toLowerCase().replace(/^\//, "") });
  faults.failNext("/GetNowBlock", 1, "error");
  assert.equal(faults.decide("getnowblock"), "error");
  faults.errorRate("/GetNowBlock", 1);
  assert.equal(faults.decide("getnowblock"), "error");
});

Deno.test("an error rate fails about that share of calls, the same calls for the same seed", () => {
  const run = (seed: number) => {
    const faults = new DevnetFaults({ seed });
    faults.errorRate("*", 0.5);
    return Array.from({ length: 200 }, () => faults.decide("getBlock"));
  };
  const first = run(7);
  assert.deepEqual(run(7), first);
  assert.notDeepEqual(run(8), first);
  const failed = first.filter((k) => k === "error").length;
  assert.ok(failed > 60 && failed < 140, `${failed} of 200 failed`);
  assert.ok(first.every((k) => k === "error" || k === null));
});

Deno.test("reseeding repeats the sequence; a rate of 0 stops the failures", () => {
  const faults = new DevnetFaults();
  faults.errorRate("getBlock", 0.5);
  faults.seed(3);
  const a = Array.from({ length: 50 }, () => faults.decide("getBlock"));
  faults.seed(3);
  const b = Array.from({ length: 50 }, () => faults.decide("getBlock"));
  assert.deepEqual(a, b);
  faults.errorRate("getBlock", 0);
  assert.ok(Array.from({ length: 50 }, () => faults.decide("getBlock")).every((k) => k === null));
  assert.throws(() => faults.errorRate("getBlock", 1.5), /p must be within \[0, 1\]/);
});

Deno.test("the next broadcasts are lost, as many as asked", () => {
  const faults = new DevnetFaults();
  faults.dropNextBroadcasts(2);
  assert.deepEqual([faults.takeDrop(), faults.takeDrop(), faults.takeDrop()], [true, true, false]);
});

Deno.test("a lag is reported until reset; reset clears every fault", () => {
  const faults = new DevnetFaults();
  faults.lagHeight(3);
  assert.equal(faults.lag, 3);
  faults.failNext("*", 5, "error");
  faults.errorRate("*", 1);
  faults.dropNextBroadcasts(1);
  faults.reset();
  assert.equal(faults.lag, 0);
  assert.equal(faults.decide("getBlock"), null);
  assert.equal(faults.takeDrop(), false);
});

Deno.test("counts must be whole and not negative", () => {
  const faults = new DevnetFaults();
  assert.throws(() => faults.failNext("*", -1, "error"), /count must be a non-negative integer/);
  assert.throws(() => faults.failNext("*", 1.5, "error"), /count must be a non-negative integer/);
  assert.throws(() => faults.lagHeight(-2), /blocks must be a non-negative integer/);
  assert.throws(() => faults.dropNextBroadcasts(0.5), /count must be a non-negative integer/);
  faults.failNext("*", 0, "error");
  assert.equal(faults.decide("getBlock"), null, "a count of 0 sets nothing");
});

Deno.test("a due fault is answered in the chain's own form; none leaves the request to serve", async () => {
  const faults = new DevnetFaults();
  const signal = new AbortController().signal;
  faults.failNext("getBlock", 1, "ratelimit");
  const limited = await faults.answer("getBlock", ANSWERS, 10_000, signal);
  assert.equal(limited?.status, 429);
  assert.equal(await limited?.text(), "slow down");
  assert.equal(await faults.answer("getBlock", ANSWERS, 10_000, signal), null);
});

Deno.test("a timeout holds the request until the devnet closes, then answers 504", async () => {
  const faults = new DevnetFaults();
  const closing = new AbortController();
  faults.failNext("*", 1, "timeout");
  const answer = faults.answer("getBlock", ANSWERS, 60_000, closing.signal);
  assert.equal(faults.heldRequests, 1);
  closing.abort();
  assert.equal((await answer)?.status, 504);
  assert.equal(faults.heldRequests, 0);
});
