/**
 * The hot wallet each chain had when this database was first used. A processor started with
 * another mnemonic would derive other deposit addresses than those stored and could never
 * sweep them: recording the first one lets the start (and `main.ts keys check`) catch that.
 */

import type { Queryable } from "../db.ts";

/** A recorded hot wallet: canonical address and display form. */
export interface RecordedHotWallet {
  address: string;
  display: string;
}

/** Records `wallet` for `chain` unless one is recorded; returns the one recorded. */
export async function recordHotWallet(
  db: Queryable,
  chain: string,
  wallet: RecordedHotWallet,
): Promise<RecordedHotWallet> {
  await db.query(
    `insert into hot_wallets (chain, address, display) values ($1, $2, $3)
     on conflict (chain) do nothing`,
    [chain, wallet.address, wallet.display],
  );
  return (await recordedHotWallet(db, chain))!;
}

/** The hot wallet recorded for `chain`, or null. */
export async function recordedHotWallet(
  db: Queryable,
  chain: string,
): Promise<RecordedHotWallet | null> {
  const [row] = await db.query("select address, display from hot_wallets where chain = $1", [
    chain,
  ]);
  return row ? { address: String(row.address), display: String(row.display) } : null;
}
