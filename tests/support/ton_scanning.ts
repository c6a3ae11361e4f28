/**
 * Drives the real TON scanner block by block without a database, for tests that check what
 * it reads and credits.
 *
 * @module
 */

import assert from "node:assert/strict";
import type {
  AccountLookup,
  ChainScanner,
  Cursor,
  OwnedAccount,
  ScannedBlock,
} from "../../core/plugin.ts";

/** A lookup that owns `ours` (raw addresses) as TON deposits. */
export function tonDeposits(ours: ReadonlySet<string>): AccountLookup {
  return (addresses) =>
    Promise.resolve(
      new Map(
        addresses.filter((a) => ours.has(a)).map((a): [string, OwnedAccount] => [a, {
          address: a,
          display: a,
          kind: "deposit",
          currency: "TON",
          owner: null,
          watch: null,
        }]),
      ),
    );
}

/** The scanner's next block, which must be there and must not be a rollback. */
export async function nextBlock(
  scanner: ChainScanner,
  cursor: Cursor,
  lookup: AccountLookup,
): Promise<ScannedBlock> {
  const scanned = await scanner.next(cursor, lookup);
  assert.ok(scanned !== null, `no block after ${cursor.height}`);
  assert.ok("cursor" in scanned, `rollback after ${cursor.height}`);
  return scanned;
}
