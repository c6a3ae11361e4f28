/**
 * The TRON plugin as a conformance subject: today's `createTronPlugin` and TRON devnet behind
 * the module roles of `../subject.ts`, for TRX and for the devnet's TRC20.
 */

import { parseConfig } from "../../../host/registry.ts";
import type { ChainPlugin } from "../../../core/plugin.ts";
import { tronHexFromAddress } from "../../../plugins/tron/address.ts";
import { englishWordlist, generateMnemonic } from "../../../plugins/tron/deps.ts";
import { devnetTrc20Assets, tronDevnetControls } from "../../../plugins/tron/dev.ts";
import { startTronDevnet, type TronDevnet } from "../../../plugins/tron/devnet/server.ts";
import { tronPlugin } from "../../../plugins/tron/module.ts";
import type {
  ConformanceSubject,
  SectionOverrides,
  SubjectDevnet,
  SubjectModule,
} from "../subject.ts";
import { FAULT_HOLD_MS, REQUEST_TIMEOUT_MS } from "./timing.ts";

/** The `tron` config section, as written in a config file. */
export type TronSection = Record<string, unknown>;

/** TRX (sun) and each TRC20 (base units) the faucet gives the hot wallet. */
const HOT_TRX = 10_000_000_000n;
const HOT_TOKEN = 1_000_000_000n;

function section(devnet: TronDevnet, secret: string, o: SectionOverrides = {}): TronSection {
  const extra = o.minSweep === undefined ? {} : { minSweep: o.minSweep.toString() };
  const tokens = Object.entries(devnetTrc20Assets(devnet)).map((
    [code, a],
  ) => [code, { ...a, ...extra }]);
  return {
    endpoint: devnet.endpoint,
    mnemonic: secret,
    // One confirmation keeps the expiry margin (3 s per confirmation) short, unless the case
    // forks within finality.
    confirmations: o.confirmations ?? 1,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    // The shortest validity the section allows.
    ...(o.shortValidity ? { validitySeconds: 3 } : {}),
    assets: { TRX: { decimals: 6, ...extra }, ...Object.fromEntries(tokens) },
  };
}

function ledgerBalance(devnet: TronDevnet, currency: string, address: string): bigint {
  const hex = tronHexFromAddress(address);
  if (currency === "TRX") return devnet.chain.account(hex)?.balance ?? 0n;
  const token = devnet.chain.tokens.get(currency);
  if (!token) throw new Error(`the TRON devnet has no ${currency}`);
  return token.balances.get(hex) ?? 0n;
}

async function startDevnet(options: { port?: number }): Promise<SubjectDevnet<TronSection>> {
  const devnet = await startTronDevnet({
    port: options.port,
    blockIntervalMs: 0,
    faultTimeoutMs: FAULT_HOLD_MS,
  });
  return {
    endpoint: devnet.endpoint,
    controls: tronDevnetControls(devnet),
    newSecret: () => Promise.resolve(generateMnemonic(englishWordlist, 128)),
    section: (secret, overrides) => section(devnet, secret, overrides),
    async fundHotWallet(plugin: ChainPlugin) {
      const hot = plugin.derivation.hotWallet.address;
      await devnet.faucetTrx(hot, HOT_TRX);
      for (const symbol of Object.keys(devnet.tokens)) {
        await devnet.faucetToken(symbol, hot, HOT_TOKEN);
      }
      devnet.produceBlock();
    },
    balanceOf: (currency, address) => Promise.resolve(ledgerBalance(devnet, currency, address)),
    faults: devnet.faults,
    reorg(depth, drop = []) {
      devnet.reorg(depth, { drop: [...drop] });
      return Promise.resolve();
    },
    mine() {
      devnet.produceBlock();
      return Promise.resolve();
    },
    stop: () => devnet.close(),
  };
}

/** The TRON plugin module, in the sketch's shape. */
export const tronModule: SubjectModule<TronSection> = {
  name: "tron",
  async create(section, context) {
    // The host's path: the section validated in the one config, then the module's factory.
    const config = parseConfig({ network: context.network, [context.instance]: section });
    return await tronPlugin.create(config.tron!, { ...context, network: config.network });
  },
  devnet: { start: startDevnet },
};

const oneTransferPerTransaction = {
  lacks: "a TRON transaction carries one transfer (maxBatch 1)",
};

/** TRX, the native coin. */
export const trxSubject: ConformanceSubject<TronSection> = {
  label: "tron/TRX",
  module: tronModule,
  currency: "TRX",
  batching: oneTransferPerTransaction,
  forks: true,
  unit: 3_000_000n,
};

/** The devnet's USDT-like TRC20. */
export const trc20Subject: ConformanceSubject<TronSection> = {
  label: "tron/USDT_TRC20",
  module: tronModule,
  currency: "USDT_TRC20",
  batching: oneTransferPerTransaction,
  forks: true,
  unit: 5_000_000n,
};
