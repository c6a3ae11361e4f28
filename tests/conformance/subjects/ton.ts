/**
 * The TON plugin as a conformance subject: today's `createTonPlugin` and TON devnet behind the
 * module roles of `../subject.ts`. One module serves native TON and the devnet's jettons; the
 * two subjects differ only in the asset under test.
 */

import { Address } from "@ton/core";
import { mnemonicNew } from "@ton/crypto";
import { parseConfig } from "../../../host/registry.ts";
import type { ChainPlugin } from "../../../core/plugin.ts";
import { devnetJettonAssets, tonDevnetControls } from "../../../plugins/ton/dev.ts";
import { jettonWalletAddress } from "../../../plugins/ton/devnet/jettons.ts";
import { startTonDevnet, type TonDevnet } from "../../../plugins/ton/devnet/server.ts";
import { tonPlugin } from "../../../plugins/ton/module.ts";
import type {
  ConformanceSubject,
  SectionOverrides,
  SubjectDevnet,
  SubjectModule,
} from "../subject.ts";
import { FAULT_HOLD_MS, REQUEST_TIMEOUT_MS } from "./timing.ts";

/** The `ton` config section, as written in a config file. */
export type TonSection = Record<string, unknown>;

/** TON the faucet gives the hot wallet, and each of its jettons (base units). */
const HOT_TON = 1_000_000_000_000n;
const HOT_JETTON = 1_000_000_000_000n;

function section(devnet: TonDevnet, secret: string, o: SectionOverrides = {}): TonSection {
  const extra = o.minSweep === undefined ? {} : { minSweep: o.minSweep.toString() };
  const jettons = Object.entries(devnetJettonAssets(devnet)).map((
    [code, a],
  ) => [code, { ...a, ...extra }]);
  return {
    endpoint: devnet.endpoint,
    mnemonic: secret,
    dnsRoot: devnet.dnsRoot.toString(),
    rps: 1000,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    // The shortest validity the section allows.
    ...(o.shortValidity ? { validitySeconds: 10 } : {}),
    assets: { TON: { decimals: 9, ...extra }, ...Object.fromEntries(jettons) },
  };
}

async function ledgerBalance(devnet: TonDevnet, currency: string, raw: string): Promise<bigint> {
  const owner = Address.parseRaw(raw);
  if (currency === "TON") return (await devnet.blockchain.getContract(owner)).balance;
  const jetton = devnet.jettons[currency];
  if (!jetton) throw new Error(`the TON devnet has no ${currency}`);
  // Read from the emulator's state of the jetton wallet, not through toncenter.
  const wallet = await jettonWalletAddress(jetton.master, owner);
  const contract = await devnet.blockchain.getContract(wallet);
  if (contract.accountState?.type !== "active") return 0n;
  const data = await devnet.blockchain.runGetMethod(wallet, "get_wallet_data");
  return data.stackReader.readBigNumber();
}

async function startDevnet(options: { port?: number }): Promise<SubjectDevnet<TonSection>> {
  const devnet = await startTonDevnet({
    port: options.port,
    blockIntervalMs: 0,
    faultTimeoutMs: FAULT_HOLD_MS,
  });
  const inBlock = async (sent: Promise<string>) => {
    await devnet.produceBlock();
    return await sent;
  };
  return {
    endpoint: devnet.endpoint,
    controls: tonDevnetControls(devnet),
    newSecret: async () => (await mnemonicNew()).join(" "),
    section: (secret, overrides) => section(devnet, secret, overrides),
    async fundHotWallet(plugin: ChainPlugin) {
      const hot = Address.parseRaw(plugin.derivation.hotWallet.address);
      await inBlock(devnet.faucet(hot, HOT_TON));
      for (const symbol of Object.keys(devnet.jettons)) {
        await inBlock(devnet.faucetJetton(symbol, hot, HOT_JETTON));
      }
    },
    balanceOf: (currency, address) => ledgerBalance(devnet, currency, address),
    faults: devnet.faults,
    // No reorg: a masterchain block the scanner reads is final.
    mine: () => devnet.produceBlock(),
    stop: () => devnet.close(),
  };
}

/** The TON plugin module, in the sketch's shape. */
export const tonModule: SubjectModule<TonSection> = {
  name: "ton",
  async create(section, context) {
    // The host's path: the section validated in the one config, then the module's factory.
    const config = parseConfig({ network: context.network, [context.instance]: section });
    return await tonPlugin.create(config.ton!, { ...context, network: config.network });
  },
  devnet: { start: startDevnet },
};

/** Native TON. */
export const tonSubject: ConformanceSubject<TonSection> = {
  label: "ton/TON",
  module: tonModule,
  currency: "TON",
  batching: true,
  forks: { lacks: "TON masterchain blocks are final once read" },
  unit: 2_000_000_000n,
};

/** A USDT-like jetton on the TON devnet. */
export const tonJettonSubject: ConformanceSubject<TonSection> = {
  label: "ton/USDT_TON",
  module: tonModule,
  currency: "USDT_TON",
  batching: true,
  forks: { lacks: "TON masterchain blocks are final once read" },
  unit: 7_000_000n,
};
