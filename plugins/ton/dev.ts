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
      });
    },
    async faucet(request: FaucetRequest): Promise<string> {
      if (request.currency !== "TON") {
        throw new InputError("currency", `the TON faucet has no ${request.currency}`);
      }
      return await devnet.faucet(Address.parseRaw(request.to), request.amount, {
        comment: request.comment ?? undefined,
      });
    },
  };
}
