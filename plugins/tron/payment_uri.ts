/**
 * What a TRON checkout's QR code holds. TRON has no payment URI standard that wallets agree
 * on; the `tron:` form below (BIP-21 style, amount in whole units, `token` = the TRC20
 * contract) is what Trust Wallet and several others read, and a wallet that does not know it
 * still finds the address after the scheme.
 *
 * @module
 */

import { formatUnits } from "../../core/amount.ts";
import type { PaymentRequest } from "../../core/plugin.ts";

/**
 * `tron:<address>?token=<contract>&amount=<decimal>`: `contract` (base58) for a TRC20 token,
 * null for TRX; an amount of 0 (any amount) is left out.
 */
export function tronPaymentUri(
  request: PaymentRequest,
  contract: string | null,
  decimals: number,
): string {
  const query: string[] = [];
  if (contract !== null) query.push(`token=${contract}`);
  if (request.amount > 0n) {
    // Whole units, trailing zeros dropped: "25", not "25.000000".
    const text = formatUnits(request.amount, decimals);
    query.push(`amount=${text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text}`);
  }
  return `tron:${request.address}${query.length ? "?" + query.join("&") : ""}`;
}
