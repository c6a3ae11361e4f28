/** Largest amount any API accepts: 2^256 - 1 base units. */
export const MAX_AMOUNT: bigint = (1n << 256n) - 1n;

const BASE_UNITS = /^(0|[1-9][0-9]*)$/;

/**
 * Parses a decimal string of base units ("1000000"). Signs, decimals, exponents,
 * whitespace, leading zeros and values above 2^256-1 are refused with `null`.
 */
export function parseBaseUnits(input: string): bigint | null {
  if (input.length > 78 || !BASE_UNITS.test(input)) return null;
  const value = BigInt(input);
  return value > MAX_AMOUNT ? null : value;
}

/** Formats base units as a decimal string of whole units with `decimals` places ("100.500000"). */
export function formatUnits(amount: bigint, decimals: number): string {
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals);
  return (negative ? "-" : "") + (decimals === 0 ? whole : `${whole}.${fraction}`);
}

const DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/**
 * Parses a decimal amount in whole units ("100.50") into base units; `null` when the
 * string is malformed or has more fractional digits than the asset has decimals.
 */
export function parseUnits(input: string, decimals: number): bigint | null {
  if (input.length > 100 || !DECIMAL.test(input)) return null;
  const [whole, digits = ""] = input.split(".");
  if (digits.length > decimals) return null;
  const value = BigInt(whole) * 10n ** BigInt(decimals) +
    BigInt(digits.padEnd(decimals, "0") || "0");
  return value > MAX_AMOUNT ? null : value;
}
