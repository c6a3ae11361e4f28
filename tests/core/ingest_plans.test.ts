/**
 * Every statement a block's ingest runs is planned through an index, on a table of 1M
 * incomes, before and after `analyze`: its cost is the block's, never the history's. So is a
 * page of the history API: it reads its user's incomes through `incomes_user_history`, in
 * the order asked, and touches a number of buffers bounded by the page, not by the user's
 * 2,000 incomes. A fresh deployment has no statistics, and a prepared statement keeps the
 * plan it got then, so the generic plan (what the cache holds) and the custom plan are both
 * checked. Plan shape and buffer counts, not timings. Needs the Postgres server
 * (DATABASE_URL); PGlite holds no 1M tables.
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import type { Param, Queryable, Row } from "../../core/db.ts";
import type { ScannedBlock } from "../../core/plugin.ts";
import { ownedDeposits } from "../../core/store/addresses.ts";
import { incomeHistory } from "../../core/store/incomes.ts";
import { commitBlock, commitRollback, initCursor, loadCursor } from "../../core/store/cursors.ts";
import { openTestDb } from "../support/db.ts";

const INCOMES = 1_000_000;
const ADDRESSES = 20_000;
/** Payloads and withdrawals of the history, settled long ago. */
const PAYLOADS = 1_000_000;
/** Tables whose size grows with history: never read whole on the ingest path. */
const GROWING = [
  "incomes",
  "addresses",
  "invoice_payments",
  "unrecognized_transfers",
  "payloads",
  "withdrawals",
];

interface Statement {
  text: string;
  params: readonly Param[];
}

/** Forwards to `inner`, keeping every statement it ran. */
function recording(inner: Queryable, into: Statement[]): Queryable {
  return {
    query<T extends Row = Row>(text: string, params: readonly Param[] = []): Promise<T[]> {
      into.push({ text, params });
      return inner.query<T>(text, params);
    },
  };
}

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Shared Hit Blocks"?: number;
  "Shared Read Blocks"?: number;
  Plans?: PlanNode[];
}

function nodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodes)];
}

function seqScans(node: PlanNode): string[] {
  return nodes(node).filter((n) => n["Node Type"] === "Seq Scan" && n["Relation Name"])
    .map((n) => n["Relation Name"]!);
}

/**
 * The plan of `s` as a prepared statement would run it, in `mode`: without executing it, or
 * executed (`analyze`) with the buffers it touched.
 */
async function plan(
  sql: postgres.Sql,
  s: Statement,
  mode: "force_generic_plan" | "force_custom_plan",
  types: readonly string[],
  analyze = false,
): Promise<PlanNode> {
  await sql.unsafe(`set plan_cache_mode = ${mode}`).simple();
  const typed = types.length ? `(${types.join(", ")})` : "";
  // Simple protocol: the $n inside are the prepared statement's, not this message's.
  await sql.unsafe(`prepare audit${typed} as ${s.text}`).simple();
  try {
    // EXPLAIN EXECUTE takes no bound parameters: each value goes as a quoted literal.
    const values = s.params.map((p) => typeof p === "bigint" ? p.toString() : p);
    const args: string[] = [];
    for (const [i, type] of types.entries()) {
      const [{ literal }] = await sql.unsafe(
        `select quote_nullable(($1::${type})::text) as literal`,
        [values[i]] as never,
      );
      args.push(`${literal}::${type}`);
    }
    const rows = await sql.unsafe(
      `explain (${analyze ? "analyze, buffers, " : ""}format json) execute audit${
        args.length ? `(${args.join(", ")})` : ""
      }`,
    ).simple();
    const doc = rows[0]["QUERY PLAN"];
    const parsed = (typeof doc === "string" ? JSON.parse(doc) : doc) as { Plan: PlanNode }[];
    return parsed[0].Plan;
  } finally {
    await sql.unsafe("deallocate audit").simple();
  }
}

function block(height: bigint, addressOf: (i: number) => string): ScannedBlock {
  const tx = (k: string) => `new-${height}-${k}`;
  return {
    cursor: { height, time: 2_000_000, state: { h: String(height) } },
    incomes: [
      // A payment to an invoice address, one to the shared address by memo, one to a user's.
      ...[0, 1, 2].map((k) => ({
        currency: "TON",
        to: addressOf(k),
        from: "sender",
        amount: 5n,
        comment: k === 1 ? "memo-1" : null,
        binaryComment: null,
        txHash: tx(String(k)),
        eventIndex: 0,
        blockHeight: height,
        time: 2_000_000,
      })),
    ],
    sightings: [
      // Two nobody here signed (a foreign spend each), and our own withdrawal batch landing.
      ...["not-ours-1", "not-ours-2"].map((payloadId) => ({
        payloadId,
        txHash: tx(payloadId),
        outKeys: [],
        outAmounts: [],
        fee: 1n,
        time: 2_000_000,
      })),
      {
        payloadId: "ours",
        txHash: tx("ours"),
        outKeys: ["k-1"],
        outAmounts: [5n],
        fee: 1n,
        time: 2_000_000,
      },
    ],
    confirmations: [{ outKey: "k-1", txHash: tx("c") }, { outKey: "k-9", txHash: tx("c9") }],
    unrecognized: [3, 4].map((k) => ({
      to: addressOf(k),
      token: "FAKE",
      from: null,
      amount: 1n,
      comment: null,
      binaryComment: null,
      txHash: tx(`u${k}`),
      time: 2_000_000,
    })),
    returned: [{ outKey: "k-2", txHash: tx("r") }],
  };
}

Deno.test({
  name:
    "every ingest statement, and a history page, reads incomes through an index at 1M incomes, analyzed or not",
  ignore: !Deno.env.get("DATABASE_URL"),
  sanitizeResources: false,
  fn: async () => {
    const t = await openTestDb("postgres");
    const db = t.db;
    try {
      for (const table of GROWING) {
        await db.query(`alter table ${table} set (autovacuum_enabled = false)`);
      }
      // Addresses 0 and 1 receive invoices (its own, and the shared one), the rest are users'.
      await db.query(
        `insert into addresses (chain, currency, user_id, address, display, derivation_index,
           purpose)
         select 'ton', 'TON', 'u' || (g % 500), 'a' || g, 'A' || g, g,
           case g when 0 then 'invoice' when 1 then 'invoice_shared' else 'user' end
         from generate_series(0, $1::int - 1) g`,
        [ADDRESSES],
      );
      // Bulk set-up, not a statement under test: on its own connection, without the pool's
      // timeouts.
      const [{ schema }] = await db.query<{ schema: string }>("select current_schema() as schema");
      const bulk = postgres(Deno.env.get("DATABASE_URL")!, {
        max: 1,
        onnotice: () => {},
        connection: { search_path: schema },
      });
      const setUp = {
        query: async (text: string, params: readonly Param[] = []) =>
          await bulk.unsafe(text, params as never) as unknown as Row[],
      };
      try {
        await setUp.query(
          `insert into incomes (chain, currency, address_id, user_id, source_address, amount,
           tx_hash, event_index, block_height, block_time)
         select 'ton', 'TON', a.id, a.user_id, 'sender', 1, 'old-' || g, 0, g / 100,
           1000000 + g / 100
         from generate_series(0, $1::int - 1) g
         join addresses a on a.derivation_index = g % $2::int`,
          [INCOMES, ADDRESSES],
        );
        // Unmatched payments on the shared address: a table that grows with history too.
        await setUp.query(
          `insert into invoice_payments (income_id, invoice_id, late)
           select i.id, null, false from incomes i where i.id % 10 = 0`,
        );
        await setUp.query(
          `insert into unrecognized_transfers (chain, address_id, token, amount, tx_hash,
             block_time, block_height, event_index)
           select chain, address_id, 'FAKE', 1, tx_hash, block_time, block_height, 0
           from incomes where id % 10 = 0`,
        );
        // Every withdrawal batch of the history, seen long ago, one withdrawal each.
        await setUp.query(
          `insert into payloads (id, chain, payload_id, wallet, purpose, data, out_keys, status,
             family, tx_hash, seen_height)
           select g, 'ton', 'old-' || g, 'hot', 'withdrawals', 'x', array['old-k-' || g], 'seen',
             g, 'old-tx-' || g, g / 100
           from generate_series(1, $1::int) g`,
          [PAYLOADS],
        );
        await setUp.query("select setval('payloads_id_seq', $1::bigint)", [PAYLOADS + 1]);
        await setUp.query(
          `insert into withdrawals (chain, currency, kind, user_id, query_id, amount,
             destination, destination_input, status, payload_ref, out_key, tx_hash)
           select 'ton', 'TON', 'user', 'u' || (g % 500), 'q' || g, 1, 'd', 'd', 'processed', g,
             'old-k-' || g, 'old-tx-' || g
           from generate_series(1, $1::int) g`,
          [PAYLOADS],
        );
        // Ours in flight: the batch the block settles.
        await setUp.query(
          `with p as (insert into payloads (id, chain, payload_id, wallet, purpose, data,
               out_keys, status, family)
             values ($1::bigint, 'ton', 'ours', 'hot', 'withdrawals', 'x', array['k-1'], 'sent',
               $1::bigint)
             returning id)
           insert into withdrawals (chain, currency, kind, user_id, query_id, amount,
             destination, destination_input, status, payload_ref, out_key)
           select 'ton', 'TON', 'user', 'u1', 'q-ours', 5, 'd', 'd', 'processing', p.id, 'k-1'
           from p`,
          [PAYLOADS + 1],
        );
      } catch (e) {
        await bulk.end();
        throw e;
      }
      // The parameter types the server infers for a statement, as a prepared one gets them.
      const typesOf = async (s: Statement): Promise<string[]> => {
        const params = s.params.map((p) => typeof p === "bigint" ? p.toString() : p);
        const described = await bulk.unsafe(s.text, params as never).describe().catch(
          (e) => {
            throw new Error(`${e}: ${s.text}`);
          },
        );
        const rows = await bulk.unsafe(
          "select format_type(t, null) as name from unnest($1::oid[]) with ordinality u(t, n) order by n",
          [described.types as never],
        );
        return rows.map((r) => String(r.name));
      };
      // The history lies below the cursor, as it does on a running chain.
      const tip = BigInt(INCOMES / 100 + 10);
      await initCursor(db, "ton", { height: tip, time: 2_000_000, state: { h: String(tip) } });
      const addressOf = (i: number) => `a${i}`;
      for (const analyzed of [false, true]) {
        if (analyzed) {
          for (const table of GROWING) await db.query(`analyze ${table}`);
        }
        const ran: Statement[] = [];
        await db.transaction(async (raw) => {
          const tx = recording(raw, ran);
          const previous = (await loadCursor(tx, "ton"))!;
          await ownedDeposits(tx, "ton", ["a0", "a1", "a2", "a3", "elsewhere"]);
          const next = block(previous.height + 1n, addressOf);
          await commitBlock(tx, "ton", previous, next);
          // Not final yet (100 confirmations required): the rollback removes them again.
          await commitRollback(tx, "ton", next.cursor, previous, 100);
        });
        assert.ok(ran.some((s) => s.text.includes("insert into invoice_payments")));
        // Our batch was applied (its withdrawal settled) and the two foreign spends alarmed.
        assert.ok(ran.some((s) => s.text.includes("update withdrawals set status")));
        assert.ok(ran.some((s) => s.text.includes("insert into alarms")));
        assert.ok(ran.length >= 10, `statements recorded: ${ran.length}`);
        {
          for (const s of ran) {
            for (const mode of ["force_generic_plan", "force_custom_plan"] as const) {
              const scanned = seqScans(await plan(bulk, s, mode, await typesOf(s)))
                .filter((r) => GROWING.includes(r));
              assert.deepEqual(
                scanned,
                [],
                `${analyzed ? "analyzed" : "no statistics"}, ${mode}: ${s.text}`,
              );
            }
          }
        }
        // A history page, first and later, either order: user u7 has 40 addresses and 2,000
        // incomes, which reading the user's whole history would touch a buffer each for.
        const pages: Statement[] = [];
        const history = recording(db, pages);
        for (const [order, offset] of [["desc", 0], ["asc", 100]] as const) {
          const page = await incomeHistory(history, {
            userId: "u7",
            currency: "TON",
            limit: 20,
            offset,
            order,
          });
          assert.equal(page.length, 20);
        }
        assert.equal(pages.length, 2);
        for (const s of pages) {
          for (const mode of ["force_generic_plan", "force_custom_plan"] as const) {
            const what = `history, ${analyzed ? "analyzed" : "no statistics"}, ${mode}: ${s.text}`;
            const run = await plan(bulk, s, mode, await typesOf(s), true);
            // Index scans name their relation, bitmap index scans only their index.
            const indexes = nodes(run).map((n) => n["Index Name"] ?? "")
              .filter((i) => i.startsWith("incomes_"));
            assert.deepEqual(seqScans(run).filter((r) => GROWING.includes(r)), [], what);
            assert.ok(indexes.includes("incomes_user_history"), what);
            // A custom plan is made with the statistics of the moment it runs, and autovacuum
            // analyzes incomes after its first rows and every 10% of growth: only a cached
            // generic plan can outlive a table without statistics. With none (estimating a
            // user at 18 incomes), the custom plan sorts the user's range instead of walking
            // it, still through the index.
            if (!analyzed && mode === "force_custom_plan") continue;
            // Besides the user's range, incomes are read only by id, a page's own rows.
            assert.deepEqual(
              indexes.filter((i) => i !== "incomes_user_history" && i !== "incomes_pkey"),
              [],
              what,
            );
            const buffers = (run["Shared Hit Blocks"] ?? 0) + (run["Shared Read Blocks"] ?? 0);
            // Reading the whole range costs over 6,000 (each income, and its address); a page
            // of 20 after 100 about 300 (120 index entries checked against the heap, then
            // the page's rows and their addresses).
            assert.ok(buffers < 500, `${buffers} buffers: ${what}`);
          }
        }
      }
      await bulk.end();
    } finally {
      await t.close();
    }
  },
});
