/**
 * Test and benchmark helper: pulls the transaction cells out of a whole block
 * BOC. Not used in production, where transactions come one by one from the API.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { Cell, loadTransaction } from "@ton/core";

/** A transaction cell has exactly three refs: messages, state update, description. */
const TRANSACTION_REFS = 3;
/** TL-B constructor tag `transaction$0111`. */
const TRANSACTION_TAG = 0b0111;

/**
 * Whether `cell` is a transaction. The 4-bit tag alone matches plenty of
 * unrelated cells, so the cell must also parse as a Transaction with nothing
 * left over, including its three referenced sub-structures (messages,
 * HASH_UPDATE tag 0x72, description). Re-serialising to compare hashes is not
 * possible: @ton/core re-encodes message bodies inline where the original
 * kept them in a reference, so real transactions would not round-trip.
 */
function isTransactionCell(cell: Cell): boolean {
  if (cell.isExotic || cell.refs.length !== TRANSACTION_REFS || cell.bits.length < 4) return false;
  const slice = cell.beginParse();
  if (slice.preloadUint(4) !== TRANSACTION_TAG) return false;
  try {
    const tx = loadTransaction(slice);
    if (slice.remainingBits !== 0 || slice.remainingRefs !== 0) return false;
    return tx.description !== undefined;
  } catch {
    return false;
  }
}

/**
 * Returns every transaction cell of a block, without parsing the block layout:
 * all cells reachable from the root are scanned and recognised by
 * {@linkcode isTransactionCell}. Order: by account id, then by logical time,
 * which is how `getBlockTransactions` lists them.
 *
 * @param blockBoc base64 BOC of the block
 */
export function extractBlockTransactions(blockBoc: string): Cell[] {
  const roots = Cell.fromBoc(Buffer.from(blockBoc.trim(), "base64"));
  const seen = new Set<Cell>();
  const stack: Cell[] = [...roots];
  const found: { cell: Cell; account: bigint; lt: bigint }[] = [];
  while (stack.length > 0) {
    const cell = stack.pop() as Cell;
    if (seen.has(cell)) continue;
    seen.add(cell);
    if (isTransactionCell(cell)) {
      const tx = loadTransaction(cell.beginParse());
      found.push({ cell, account: tx.address, lt: tx.lt });
    }
    stack.push(...cell.refs);
  }
  found.sort((a, b) =>
    a.account !== b.account
      ? (a.account < b.account ? -1 : 1)
      : a.lt < b.lt
      ? -1
      : a.lt > b.lt
      ? 1
      : 0
  );
  return found.map((f) => f.cell);
}
