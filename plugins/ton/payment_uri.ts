/**
 * TON wallet payment URIs (the `ton://transfer/` deep link that Tonkeeper, Tonhub and
 * MyTonWallet open from a QR code): `ton://transfer/<address>?amount=<nanotons>&text=<memo>`,
 * and for a jetton `jetton=<master>` with the amount in the jetton's base units.
 *
 * @module
 */

import type { PaymentRequest } from "../../core/plugin.ts";

/**
 * The `ton://transfer/` URI of a payment. `jettonMaster` (user-friendly form) is given for
 * a jetton, null for TON itself. An amount of 0 (any amount) leaves `amount` out, so the
 * wallet asks the customer.
 */
export function tonPaymentUri(request: PaymentRequest, jettonMaster: string | null): string {
  const query: string[] = [];
  if (jettonMaster !== null) query.push(`jetton=${encodeURIComponent(jettonMaster)}`);
  if (request.amount > 0n) query.push(`amount=${request.amount.toString()}`);
  // encodeURIComponent, not URLSearchParams: wallets read `%20`, not `+`, as a space.
  if (request.memo !== null) query.push(`text=${encodeURIComponent(request.memo)}`);
  const address = encodeURIComponent(request.address);
  return `ton://transfer/${address}${query.length ? "?" + query.join("&") : ""}`;
}
