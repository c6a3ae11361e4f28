/**
 * The floor of a block's commit, measured beside the processor's on the same database: a
 * minimal transaction of the same SQL shape (move a cursor row, `INSERT ... unnest` the
 * block's incomes with the same exactly-once conflict rule), written straight through the
 * driver into tables shaped like `cursors` and `incomes` (same columns, indexes, unique key
 * and foreign key). No lookup by address, no CTE, no invoice flag, no wrapper.
 *
 * @module
 */

import postgres from "postgres";
import type { Db } from "../core/db.ts";
import type { IncomeEvent } from "../core/plugin.ts";

/** Milliseconds one floor commit took: the whole transaction, and its insert alone. */
export interface FloorTiming {
  commit: number;
  insert: number;
}

/** Commits blocks the minimal way; see the module doc. */
export interface CommitFloor {
  /** Commits one block's incomes (address ids resolved beforehand, outside the timing). */
  commit(height: bigint, incomes: readonly IncomeEvent[]): Promise<FloorTiming>;
  close(): Promise<void>;
}

const INSERT = `insert into floor_incomes (chain, currency, address_id, user_id, source_address,
    amount, comment, binary_comment, tx_hash, event_index, block_height, block_time)
  select c, cur, a::bigint, u, src, amt::numeric, com, bin, h, ev::int, bh::bigint, bt::bigint
  from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
    $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
    as r(c, cur, a, u, src, amt, com, bin, h, ev, bh, bt)
  on conflict (chain, tx_hash, event_index) do nothing`;
const MOVE = "update floor_cursors set height = $2, block_time = $3 where chain = $1";

type Run = (text: string, params: unknown[]) => Promise<unknown>;

/** Opens the floor beside `db` (its schema, on Postgres; the same PGlite otherwise). */
export async function openCommitFloor(db: Db, chain: string): Promise<CommitFloor> {
  await db.query(`create table floor_incomes (like incomes including all)`);
  await db.query(
    "alter table floor_incomes add foreign key (address_id) references addresses (id)",
  );
  await db.query("create table floor_cursors (like cursors including all)");
  await db.query(
    "insert into floor_cursors (chain, height, block_time, state) values ($1, 0, 0, '{}')",
    [chain],
  );
  // Address id and user by address, resolved before the timing (the processor joins them).
  const ids = new Map<string, string>();
  const users = new Map<string, string>();
  const resolve = async (incomes: readonly IncomeEvent[]) => {
    const missing = [...new Set(incomes.map((i) => i.to))].filter((a) => !ids.has(a));
    if (missing.length === 0) return;
    const rows = await db.query(
      "select id::text as id, user_id, address from addresses where chain = $1 and address = any($2)",
      [chain, missing],
    );
    for (const row of rows) {
      ids.set(String(row.address), String(row.id));
      users.set(String(row.address), String(row.user_id));
    }
  };
  let transaction: (fn: (run: Run) => Promise<void>) => Promise<void>;
  let end = () => Promise.resolve();
  const url = Deno.env.get("DATABASE_URL");
  if (db.engine === "postgres" && url) {
    const [{ schema }] = await db.query<{ schema: string }>("select current_schema() as schema");
    const sql = postgres(url, { max: 1, onnotice: () => {}, connection: { search_path: schema } });
    transaction = async (fn) => {
      await sql.begin((tx) =>
        fn((text, params) => tx.unsafe(text, params as never, { prepare: true }))
      );
    };
    end = () => sql.end({ timeout: 5 });
  } else {
    transaction = (fn) =>
      db.transaction((tx) => fn((text, params) => tx.query(text, params as never)));
  }
  return {
    async commit(height, incomes) {
      await resolve(incomes);
      const col = <T>(f: (e: IncomeEvent) => T) => incomes.map(f);
      const params = [
        col(() => chain),
        col((e) => e.currency),
        col((e) => ids.get(e.to) ?? null),
        col((e) => users.get(e.to) ?? null),
        col((e) => e.from),
        col((e) => e.amount.toString()),
        col((e) => e.comment),
        col((e) => e.binaryComment),
        col((e) => e.txHash),
        col((e) => String(e.eventIndex)),
        col((e) => e.blockHeight.toString()),
        col((e) => String(e.time)),
      ];
      const start = performance.now();
      let insert = 0;
      await transaction(async (run) => {
        await run(MOVE, [chain, height.toString(), incomes[0]?.time ?? 0]);
        if (incomes.length === 0) return;
        const at = performance.now();
        await run(INSERT, params);
        insert = performance.now() - at;
      });
      return { commit: performance.now() - start, insert };
    },
    close: end,
  };
}
