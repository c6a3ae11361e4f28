/** Column conversions shared by the store modules. */

/** Converts an int8/numeric column (string, number or bigint by engine) to bigint. */
export function big(value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" || typeof value === "string") return BigInt(value);
  throw new TypeError(`not an integer column: ${String(value)}`);
}

/** Converts a nullable int8/numeric column. */
export function bigOrNull(value: unknown): bigint | null {
  return value === null || value === undefined ? null : big(value);
}

/** Converts a nullable text column. */
export function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}
