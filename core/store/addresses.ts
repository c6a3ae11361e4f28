/** Deposit addresses: allocation of derivation indexes and the per-block ownership lookup. */

import type { Queryable } from "../db.ts";
import type { DepositAddress } from "../models.ts";
import type { OwnedAccount } from "../plugin.ts";
import { big, textOrNull } from "./rows.ts";

const COLUMNS = `id::text as id, chain, currency, user_id, address, display, watch_address,
  derivation_index::text as derivation_index`;

function toAddress(row: Record<string, unknown>): DepositAddress {
  return {
    id: big(row.id),
    chain: String(row.chain),
    currency: String(row.currency),
    userId: String(row.user_id),
    address: String(row.address),
    display: String(row.display),
    watchAddress: textOrNull(row.watch_address),
    derivationIndex: big(row.derivation_index),
  };
}

/** Next derivation index; indexes are never reused, gaps are harmless. */
export async function nextDerivationIndex(db: Queryable): Promise<bigint> {
  const [row] = await db.query("select nextval('derivation_index_seq')::text as n");
  return big(row.n);
}

/**
 * What an address is for: a user's deposits (exchange API), one invoice's own address, or the
 * receiving address invoices of a chain and asset share, told apart by memo.
 */
export type AddressPurpose = "user" | "invoice" | "invoice_shared";

/** Records a derived deposit address. */
export async function insertAddress(
  db: Queryable,
  a: Omit<DepositAddress, "id">,
  purpose: AddressPurpose = "user",
): Promise<DepositAddress> {
  const [row] = await db.query(
    `insert into addresses (chain, currency, user_id, address, display, watch_address,
       derivation_index, purpose)
     values ($1, $2, $3, $4, $5, $6, $7, $8) returning ${COLUMNS}`,
    [
      a.chain,
      a.currency,
      a.userId,
      a.address,
      a.display,
      a.watchAddress,
      a.derivationIndex,
      purpose,
    ],
  );
  return toAddress(row);
}

/** Every address of a user, oldest first. */
export async function addressesOfUser(db: Queryable, userId: string): Promise<DepositAddress[]> {
  const rows = await db.query(
    `select ${COLUMNS} from addresses where user_id = $1 order by addresses.id`,
    [userId],
  );
  return rows.map(toAddress);
}

/** The deposit address with this canonical form, if it is ours. */
export async function addressByCanonical(
  db: Queryable,
  chain: string,
  address: string,
): Promise<DepositAddress | null> {
  const rows = await db.query(
    `select ${COLUMNS} from addresses where chain = $1 and address = $2`,
    [chain, address],
  );
  return rows.length ? toAddress(rows[0]) : null;
}

/**
 * Which of `addresses` are our deposit addresses or the token wallets watched for them: one
 * indexed query, whatever the number of addresses we hold.
 */
export async function ownedDeposits(
  db: Queryable,
  chain: string,
  addresses: readonly string[],
): Promise<Map<string, OwnedAccount>> {
  const owned = new Map<string, OwnedAccount>();
  if (addresses.length === 0) return owned;
  const rows = await db.query(
    `select address, display, currency, watch_address from addresses
     where chain = $1 and (address = any($2::text[]) or watch_address = any($2::text[]))`,
    [chain, [...addresses]],
  );
  const asked = new Set(addresses);
  for (const row of rows) {
    const address = String(row.address);
    const base = { display: String(row.display), kind: "deposit" as const };
    const currency = String(row.currency);
    const watch = textOrNull(row.watch_address);
    if (asked.has(address)) owned.set(address, { ...base, address, currency, owner: null, watch });
    if (watch !== null && asked.has(watch)) {
      owned.set(watch, { ...base, address: watch, currency, owner: address, watch: null });
    }
  }
  return owned;
}
