/** Devnet mode for TON: the faucet and chain facts behind the API's `/devnet` routes. */

import { Address } from "@ton/core";
import { InputError } from "../../core/errors.ts";
import type { ChainDevnet, FaucetRequest, Json } from "../../core/plugin.ts";
import { formatTonAddress } from "./address.ts";
import type { TonDevnet } from "./devnet/server.ts";

/** Exposes a running TON devnet through the chain-agnostic devnet contract. */
export function tonDevnetControls(devnet: TonDevnet): ChainDevnet {
  return {
    info(): Promise<Record<string, Json>> {
      const heights = devnet.heights();
      return Promise.resolve({
        faucet: formatTonAddress(devnet.faucetAddress, "devnet", false),
        dns_root: formatTonAddress(devnet.dnsRoot, "devnet", true),
        endpoint: devnet.endpoint,
        masterchain_height: heights.masterchain,
        shard_height: heights.shard,
        jettons: Object.fromEntries(
          Object.values(devnet.jettons).map((j) => [
            j.symbol,
            formatTonAddress(j.master, "devnet", true),
          ]),
        ),
      });
    },
    async faucet(request: FaucetRequest): Promise<string> {
      const to = Address.parseRaw(request.to);
      const comment = request.comment ?? undefined;
      if (request.currency === "TON") return await devnet.faucet(to, request.amount, { comment });
      if (!devnet.jettons[request.currency]) {
        throw new InputError("currency", `the TON faucet has no ${request.currency}`);
      }
      // A jetton goes to the owner; its jetton wallet is created on the way.
      return await devnet.faucetJetton(request.currency, to, request.amount, {
        comment,
        forwardTonAmount: request.forwardAmount ?? undefined,
      });
    },
  };
}

/** The devnet's jettons as processor assets (symbol → master), e.g. USDT_TON and TGR. */
export function devnetJettonAssets(
  devnet: TonDevnet,
): Record<string, { decimals: number; contract: string }> {
  return Object.fromEntries(
    Object.values(devnet.jettons).map((j) => [j.symbol, {
      decimals: j.decimals,
      contract: j.master.toRawString(),
    }]),
  );
}
