/** Devnet mode for TON: the faucet and chain facts behind the API's `/devnet` routes. */

import { Address, toNano } from "@ton/core";
import { mnemonicNew } from "@ton/crypto";
import { InputError } from "../../core/errors.ts";
import type {
  ChainDevnet,
  DevnetModule,
  FaucetRequest,
  Json,
  RunningDevnet,
} from "../../core/plugin.ts";
import { formatTonAddress } from "./address.ts";
import type { TonSection } from "./config.ts";
import { DEFAULT_FAUCET_MNEMONIC, startTonDevnet, type TonDevnet } from "./devnet/server.ts";

/**
 * Exposes a running TON devnet through the chain-agnostic devnet contract; `nativeCode` is the
 * instance's code for native TON.
 */
export function tonDevnetControls(devnet: TonDevnet, nativeCode = "TON"): ChainDevnet {
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
      if (request.currency === nativeCode) {
        return await devnet.faucet(to, request.amount, { comment });
      }
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

/** What dev mode funds a TON hot wallet with, nanotons. */
const DEV_HOT_FUNDING = toNano("10000");

/** A running TON devnet as the host's devnet contract sees it. */
export function runningTonDevnet(devnet: TonDevnet): RunningDevnet<TonSection> {
  return {
    endpoint: devnet.endpoint,
    controls: tonDevnetControls(devnet),
    newSecret: async () => (await mnemonicNew()).join(" "),
    section: (secret) => ({
      endpoint: devnet.endpoint,
      ...(secret === undefined ? {} : { mnemonic: secret }),
      dnsRoot: formatTonAddress(devnet.dnsRoot, "devnet", true),
      rps: 1000,
      validitySeconds: 30,
      assets: { TON: { decimals: 9, minSweep: "1000000000" }, ...devnetJettonAssets(devnet) },
    }),
    async fundHotWallet(plugin) {
      const hot = plugin.derivation.hotWallet;
      await devnet.faucet(Address.parseRaw(hot.address), DEV_HOT_FUNDING);
      return `${hot.display} (funded with 10000 TON)`;
    },
    describe: () => ({
      "toncenter v2": devnet.endpoint,
      "faucet wallet": formatTonAddress(devnet.faucetAddress, "devnet", false),
      "faucet mnemonic": DEFAULT_FAUCET_MNEMONIC.join(" "),
    }),
    stop: () => devnet.close(),
  };
}

/** The TON devnet module: an in-process TVM (@ton/sandbox) behind a toncenter v2 API. */
export const tonDevnet: DevnetModule<TonSection> = {
  defaultPort: 18081,
  async start(options) {
    return runningTonDevnet(await startTonDevnet(options));
  },
};
