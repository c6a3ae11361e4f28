/**
 * Withdrawals that could block their queue: the per-asset maximum, and cancellation of a
 * pending withdrawal through the exchange API.
 */

import assert from "node:assert/strict";
import { DEFAULT_MAX_WITHDRAWAL } from "../../core/asset.ts";
import { type ApiResponse, startApi, stubPlugin } from "../support/api_client.ts";

const WITHDRAWAL = {
  user_id: "u1",
  query_id: "q1",
  currency: "TON",
  amount: "100",
  destination: "DEST0001",
};

function assertError(r: ApiResponse, status: number, pattern: RegExp): void {
  assert.equal(r.status, status, r.text);
  const body = r.json as { error?: unknown };
  assert.deepEqual(Object.keys(body ?? {}), ["error"], r.text);
  assert.match(String(body.error), pattern);
}

async function count(api: Awaited<ReturnType<typeof startApi>>): Promise<number> {
  const [row] = await api.ctx.db.query("select count(*)::int as n from withdrawals");
  return Number(row.n);
}

Deno.test("a withdrawal above the asset's maximum is 400 naming amount, and stores nothing", async () => {
  const api = await startApi({ plugins: [stubPlugin()] });
  try {
    for (const amount of [(1n << 255n).toString(), (DEFAULT_MAX_WITHDRAWAL + 1n).toString()]) {
      const r = await api.request("POST", "/v1/withdrawal/send", {
        body: { ...WITHDRAWAL, amount },
      });
      assertError(r, 400, /^amount: must be at most 18446744073709551615 for TON$/);
    }
    assert.equal(await count(api), 0);
    const max = await api.request("POST", "/v1/withdrawal/send", {
      body: { ...WITHDRAWAL, amount: DEFAULT_MAX_WITHDRAWAL.toString() },
    });
    assert.equal(max.status, 200, max.text);
  } finally {
    await api.close();
  }
});

Deno.test("POST /v1/withdrawal/cancel cancels a pending withdrawal, idempotently, never a processing one", async () => {
  const api = await startApi({ plugins: [stubPlugin()] });
  try {
    const sent = await api.request("POST", "/v1/withdrawal/send", { body: WITHDRAWAL });
    assert.equal(sent.status, 200, sent.text);
    const { ID } = sent.json as { ID: number };

    const unauthorized = await api.request("POST", "/v1/withdrawal/cancel", {
      body: { id: ID },
      token: null,
    });
    assert.equal(unauthorized.status, 401);

    const cancelled = await api.request("POST", "/v1/withdrawal/cancel", { body: { id: ID } });
    assert.equal(cancelled.status, 200, cancelled.text);
    assert.deepEqual(cancelled.json, { user_id: "u1", query_id: "q1", status: "cancelled" });
    // Again, with the id as a string: the same answer.
    const again = await api.request("POST", "/v1/withdrawal/cancel", {
      body: { id: String(ID) },
    });
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.json, cancelled.json);
    const status = await api.request("GET", `/v1/withdrawal/status?id=${ID}`);
    assert.equal((status.json as { status: string }).status, "cancelled");
    // The same query_id and content stays the same, cancelled, withdrawal.
    const repeat = await api.request("POST", "/v1/withdrawal/send", { body: WITHDRAWAL });
    assert.deepEqual(repeat.json, { ID });

    const second = await api.request("POST", "/v1/withdrawal/send", {
      body: { ...WITHDRAWAL, query_id: "q2" },
    });
    const id2 = (second.json as { ID: number }).ID;
    // As the sender's batch persist does: a signed payload carries it now.
    await api.ctx.db.query("update withdrawals set status = 'processing' where id = $1", [id2]);
    assertError(
      await api.request("POST", "/v1/withdrawal/cancel", { body: { id: id2 } }),
      409,
      new RegExp(`^id: withdrawal ${id2} is processing; only a pending withdrawal can be`),
    );
    const [row] = await api.ctx.db.query("select status from withdrawals where id = $1", [id2]);
    assert.equal(row.status, "processing");

    assertError(
      await api.request("POST", "/v1/withdrawal/cancel", { body: { id: 999999 } }),
      404,
      /^no withdrawal with id 999999$/,
    );
    for (
      const [body, pattern] of [
        [{}, /^id: is required$/],
        [{ id: 0 }, /^id: must be a positive whole number$/],
        [{ id: 1.5 }, /^id: must be a positive whole number$/],
        [{ id: "-1" }, /^id: must be a positive whole number$/],
        [{ id: "1e3" }, /^id: must be a positive whole number$/],
        [{ id: null }, /^id: must be a withdrawal ID$/],
        [{ id: ID, extra: 1 }, /^extra: unknown field$/],
      ] as [unknown, RegExp][]
    ) {
      assertError(
        await api.request("POST", "/v1/withdrawal/cancel", { body }),
        400,
        pattern,
      );
    }
  } finally {
    await api.close();
  }
});
