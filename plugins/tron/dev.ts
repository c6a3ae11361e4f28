/** Devnet mode for TRON: the faucet and chain facts behind the API's `/devnet` routes. */

import { InputError } from "../../core/errors.ts";
import type { ChainDevnet, FaucetRequest, Json } from "../../core/plugin.ts";
import type { TronDevnet } from "./devnet/server.ts";

/** Exposes a running TRON devnet through the chain-agnostic devnet contract. */
export function tronDevnetControls(devnet: TronDevnet): ChainDevnet {
  return {
    info(): Promise<Record<string, Json>> {
      return Promise.resolve({
        faucet: devnet.faucet.address,
        endpoint: devnet.endpoint,
        height: devnet.height(),
        tokens: { ...devnet.tokens },
      });
    },
    async faucet(request: FaucetRequest): Promise<string> {
      if (request.comment) throw new InputError("comment", "TRON transfers carry no memo");
      if (request.currency === "TRX") return await devnet.faucetTrx(request.to, request.amount);
      if (!devnet.tokens[request.currency]) {
        throw new InputError("currency", `the TRON faucet has no ${request.currency}`);
      }
      return await devnet.faucetToken(request.currency, request.to, request.amount);
    },
  };
}

/** The devnet's TRC20 tokens as processor assets (symbol → contract), e.g. USDT_TRC20. */
export function devnetTrc20Assets(
  devnet: TronDevnet,
): Record<string, { decimals: number; contract: string }> {
  return Object.fromEntries(
    [...devnet.chain.tokens].map(([symbol, t]) => [symbol, {
      decimals: t.decimals,
      contract: t.address,
    }]),
  );
}
