/**
 * One-use merchant signatures (the `used_signatures` table). A signature is remembered per
 * site until its timestamp has left the signature window, so a captured request cannot be
 * replayed, on its own route or (seed scheme) on another, by this instance or any other on
 * the same database.
 *
 * @module
 */

import type { Queryable } from "../db.ts";

/**
 * Records `signature` as used by `siteId` until `expiresAt`. True when this is its first use;
 * false when it was already used (a replay). The primary key decides, so two instances
 * receiving the same request at once agree on which one wins.
 */
export async function useSignature(
  db: Queryable,
  siteId: string,
  signature: string,
  expiresAt: Date,
): Promise<boolean> {
  const rows = await db.query(
    `insert into used_signatures (site_id, signature, expires_at) values ($1, $2, $3)
     on conflict (site_id, signature) do nothing returning site_id`,
    [siteId, signature.toLowerCase(), expiresAt],
  );
  return rows.length > 0;
}

/**
 * Forgets signatures whose window has passed at `now`: their timestamps are refused anyway.
 * Returns how many were removed.
 */
export async function purgeUsedSignatures(db: Queryable, now: Date): Promise<number> {
  const rows = await db.query(
    "delete from used_signatures where expires_at < $1 returning site_id",
    [now],
  );
  return rows.length;
}
