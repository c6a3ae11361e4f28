/**
 * What an EVM checkout's QR code holds: an EIP-681 payment request, which MetaMask, Trust
 * Wallet, Rainbow and others read. The native coin is `ethereum:<to>@<chainId>?value=<wei>`;
 * a token is a call, `ethereum:<contract>@<chainId>/transfer?address=<to>&uint256=<units>`.
 * Amounts are base units (EIP-681 integers); 0 (any amount) names none. The chain id keeps a
 * wallet from paying on another network.
 *
 * @module
 */

import type { PaymentRequest } from "../../core/plugin.ts";

/** The EIP-681 URI of `request`; `contract` (display form) for a token, null for native. */
export function evmPaymentUri(
  request: PaymentRequest,
  contract: string | null,
  chainId: number,
): string {
  if (contract === null) {
    const value = request.amount > 0n ? `?value=${request.amount}` : "";
    return `ethereum:${request.address}@${chainId}${value}`;
  }
  const amount = request.amount > 0n ? `&uint256=${request.amount}` : "";
  return `ethereum:${contract}@${chainId}/transfer?address=${request.address}${amount}`;
}
