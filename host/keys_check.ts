/**
 * `main.ts keys check`: proves that the configured mnemonics belong to this database before
 * the processor starts on it (after a restore, say). For each enabled chain it re-derives the
 * hot wallet and compares it with the one recorded at the first start, and re-derives the
 * first N stored deposit addresses (by derivation index) and compares each with what is
 * stored. It prints addresses and counts, never a mnemonic or key, and changes nothing in the
 * database (it does not migrate: a table this build adds may simply be absent).
 */

import type { Config } from "../core/config.ts";
import { openDb, type Queryable } from "../core/db.ts";
import type { ChainPlugin } from "../core/plugin.ts";
import { loadPlugins } from "./registry.ts";

/** Where the report goes (stdout and stderr by default). */
export interface KeysCheckIo {
  out(line: string): void;
  err(line: string): void;
}

const CONSOLE: KeysCheckIo = { out: console.log, err: console.error };

/** Deposit addresses checked per chain when `--count` is not given. */
export const DEFAULT_KEYS_CHECK_COUNT = 100;

async function tableExists(db: Queryable, name: string): Promise<boolean> {
  const [row] = await db.query("select to_regclass($1)::text as t", [name]);
  return row.t !== null;
}

async function checkChain(
  db: Queryable,
  plugin: ChainPlugin,
  count: number,
  io: KeysCheckIo,
  hotTable: boolean,
): Promise<number> {
  let mismatches = 0;
  const hot = plugin.derivation.hotWallet;
  const [recorded] = hotTable
    ? await db.query("select address, display from hot_wallets where chain = $1", [plugin.chain])
    : [];
  if (!recorded) {
    io.out(`${plugin.chain} hot wallet: ${hot.display} (none recorded in this database yet)`);
  } else if (recorded.address === hot.address) {
    io.out(`${plugin.chain} hot wallet: ${hot.display} matches the database`);
  } else {
    mismatches++;
    io.err(
      `${plugin.chain} hot wallet: MISMATCH: the mnemonic derives ${hot.display}, ` +
        `the database recorded ${String(recorded.display)}`,
    );
  }
  const rows = await db.query(
    `select derivation_index::text as idx, currency, address, display, watch_address
     from addresses where chain = $1 order by derivation_index limit $2`,
    [plugin.chain, count],
  );
  for (const r of rows) {
    const derived = await plugin.derivation.deposit(BigInt(String(r.idx)), String(r.currency));
    const watch = r.watch_address === null ? null : String(r.watch_address);
    if (derived.address !== String(r.address) || (watch !== null && derived.watch !== watch)) {
      mismatches++;
      io.err(
        `${plugin.chain} deposit ${r.idx}: MISMATCH: the mnemonic derives ${derived.display}, ` +
          `the database holds ${String(r.display)}`,
      );
    }
  }
  io.out(
    `${plugin.chain} deposits: ${rows.length} checked (lowest indexes first), ` +
      `${mismatches === 0 ? "all match" : "see mismatches above"}`,
  );
  return mismatches;
}

/**
 * Runs the check; resolves to the exit status: 0 when everything matches, 1 on any mismatch,
 * 2 for a bad `--count`.
 */
export async function runKeysCheck(
  config: Config,
  countArg: string | undefined,
  io: KeysCheckIo = CONSOLE,
): Promise<number> {
  const count = countArg === undefined ? DEFAULT_KEYS_CHECK_COUNT : Number(countArg);
  if (!Number.isSafeInteger(count) || count < 1 || !/^[0-9]+$/.test(countArg ?? "1")) {
    io.err("--count: must be a whole number of at least 1");
    return 2;
  }
  const plugins = await loadPlugins(config);
  const db = await openDb(config.database);
  try {
    if (!await tableExists(db, "addresses")) {
      io.err("database: holds no processor tables; is this the right database?");
      return 1;
    }
    const hotTable = await tableExists(db, "hot_wallets");
    let mismatches = 0;
    for (const plugin of plugins.values()) {
      mismatches += await checkChain(db, plugin, count, io, hotTable);
    }
    io.out(mismatches === 0 ? "keys check: OK" : `keys check: ${mismatches} mismatch(es)`);
    return mismatches === 0 ? 0 : 1;
  } finally {
    await db.close();
    for (const plugin of plugins.values()) await plugin.close();
  }
}
