/**
 * How the devnet refuses a request: java-tron's error codes (`CONTRACT_VALIDATE_ERROR`,
 * `SIGERROR`, …) with its messages, and address fields read as java-tron reads them.
 *
 * @module
 */
import { parseTronAddress } from "../address.ts";

/** Error carrying a node error code (`CONTRACT_VALIDATE_ERROR`, …). */
export class NodeError extends Error {
  /** @param code node error code @param message readable message */
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** `41…` hex of an address in hex or base58; throws NodeError when invalid. */
export function toHex41(input: unknown, what: string): string {
  if (typeof input !== "string") throw new NodeError("OTHER_ERROR", `${what} is required`);
  const parsed = parseTronAddress(input);
  if ("error" in parsed) throw new NodeError("OTHER_ERROR", `${what}: ${parsed.error}`);
  return parsed.hex;
}

/** Throws java-tron's contract validation error with `message`. */
export function refuse(message: string): never {
  throw new NodeError("CONTRACT_VALIDATE_ERROR", message);
}
