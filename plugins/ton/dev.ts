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
import { jettonWalletAddress } from "./devnet/jettons.ts";
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

/** What the hot wallet is funded with: nanotons, and base units of each jetton. */
const HOT_FUNDING = toNano("10000");
const HOT_JETTON_FUNDING = 1_000_000_000_000n;

/**
 * The devnet's own ledger: `currency`'s balance of the raw address `raw`, read from the
 * emulator's state (a jetton's from the owner's jetton wallet), not through toncenter.
 */
export async function tonLedgerBalance(
  devnet: TonDevnet,
  currency: string,
  raw: string,
): Promise<bigint> {
  const owner = Address.parseRaw(raw);
  if (currency === "TON") return (await devnet.blockchain.getContract(owner)).balance;
  const jetton = devnet.jettons[currency];
  if (!jetton) throw new Error(`the TON devnet has no ${currency}`);
  const wallet = await jettonWalletAddress(jetton.master, owner);
  const contract = await devnet.blockchain.getContract(wallet);
  if (contract.accountState?.type !== "active") return 0n;
  // The jetton wallet's own getter (TEP-74 get_wallet_data: balance first).
  const data = await devnet.blockchain.runGetMethod(wallet, "get_wallet_data");
  return data.stackReader.readBigNumber();
}

/**
 * A running TON devnet as the host's devnet contract sees it; `manualBlocks`: started with
 * `blockIntervalMs: 0`, so a faucet transfer that resolves once its block is sealed needs
 * that block sealed here.
 */
export function runningTonDevnet(
  devnet: TonDevnet,
  manualBlocks = false,
): RunningDevnet<TonSection> {
  const sealed = async (sent: Promise<string>): Promise<string> => {
    if (manualBlocks) await devnet.produceBlock();
    return await sent;
  };
  return {
    endpoint: devnet.endpoint,
    controls: tonDevnetControls(devnet),
    newSecret: async () => (await mnemonicNew()).join(" "),
    section: (secret, options = {}) => ({
      endpoint: devnet.endpoint,
      ...(secret === undefined ? {} : { mnemonic: secret }),
      dnsRoot: formatTonAddress(devnet.dnsRoot, "devnet", true),
      rps: 1000,
      // The shortest validity the section allows (config.ts), when asked for.
      validitySeconds: options.shortValidity ? 10 : 30,
      ...(options.requestTimeoutMs === undefined
        ? {}
        : { requestTimeoutMs: options.requestTimeoutMs }),
      // No `confirmations`: a masterchain block the scanner reads is final.
      assets: { TON: { decimals: 9, minSweep: "1000000000" }, ...devnetJettonAssets(devnet) },
    }),
    async fundHotWallet(plugin) {
      const hot = plugin.derivation.hotWallet;
      const to = Address.parseRaw(hot.address);
      await sealed(devnet.faucet(to, HOT_FUNDING));
      for (const symbol of Object.keys(devnet.jettons)) {
        await sealed(devnet.faucetJetton(symbol, to, HOT_JETTON_FUNDING));
      }
      return `${hot.display} (funded with 10000 TON and ${HOT_JETTON_FUNDING} base units of ` +
        "each jetton)";
    },
    describe: () => ({
      "toncenter v2": devnet.endpoint,
      "faucet wallet": formatTonAddress(devnet.faucetAddress, "devnet", false),
      "faucet mnemonic": DEFAULT_FAUCET_MNEMONIC.join(" "),
    }),
    balanceOf: (currency, address) => tonLedgerBalance(devnet, currency, address),
    faults: devnet.faults,
    // No reorg: a masterchain block the scanner reads is final.
    mine: () => devnet.produceBlock(),
    stop: () => devnet.close(),
  };
}

/** The TON devnet module: an in-process TVM (@ton/sandbox) behind a toncenter v2 API. */
export const tonDevnet: DevnetModule<TonSection> = {
  defaultPort: 18081,
  async start(options) {
    const { faultHoldMs, ...rest } = options;
    const devnet = await startTonDevnet({ ...rest, faultTimeoutMs: faultHoldMs });
    return runningTonDevnet(devnet, options.blockIntervalMs === 0);
  },
};
