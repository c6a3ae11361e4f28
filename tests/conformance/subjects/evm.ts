/**
 * The EVM plugin as a conformance subject: `evmPlugin` on the EVM devnet (Hardhat's EDR), for
 * the native coin and for the devnet's USDT-like token whose `transfer` returns no `bool`.
 */

import { parseConfig } from "../../../host/registry.ts";
import type { ChainPlugin } from "../../../core/plugin.ts";
import { newEvmMnemonic } from "../../../plugins/evm/derivation.ts";
import {
  approveBatchContract,
  devnetEvmAssets,
  evmDevnetControls,
} from "../../../plugins/evm/dev.ts";
import { type EvmDevnet, startEvmDevnet } from "../../../plugins/evm/devnet/server.ts";
import { evmPlugin } from "../../../plugins/evm/module.ts";
import type {
  ConformanceSubject,
  SectionOverrides,
  SubjectDevnet,
  SubjectModule,
} from "../subject.ts";
import { FAULT_HOLD_MS, REQUEST_TIMEOUT_MS } from "./timing.ts";

/** The `evm` config section, as written in a config file. */
export type EvmRawSection = Record<string, unknown>;

/** Native wei and token base units the faucet gives the hot wallet. */
const HOT_NATIVE = 100n * 10n ** 18n;
const HOT_TOKEN = 1_000_000_000_000n;

function section(
  devnet: EvmDevnet,
  secret: string,
  o: SectionOverrides = {},
  fields: EvmRawSection = {},
): EvmRawSection {
  const extra = o.minSweep === undefined ? {} : { minSweep: o.minSweep.toString() };
  const assets = Object.fromEntries(
    Object.entries(devnetEvmAssets(devnet)).map(([code, a]) => [code, { ...a, ...extra }]),
  );
  return {
    endpoint: devnet.endpoint,
    chainId: devnet.chainId,
    mnemonic: secret,
    confirmations: o.confirmations ?? 1,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    batch: { contract: devnet.batchContract },
    assets,
    ...fields,
  };
}

/**
 * A running EVM devnet in the subject's shape; `extra` fields go into every section (the
 * plugin's own tests set gas policy through it).
 */
export function subjectDevnet(
  devnet: EvmDevnet,
  extra: EvmRawSection = {},
): SubjectDevnet<EvmRawSection> {
  return {
    endpoint: devnet.endpoint,
    controls: evmDevnetControls(devnet),
    newSecret: () => Promise.resolve(newEvmMnemonic()),
    section: (secret, overrides) => section(devnet, secret, overrides, extra),
    async fundHotWallet(plugin: ChainPlugin) {
      const hot = plugin.derivation.hotWallet.address;
      await devnet.faucet(hot, devnet.native, HOT_NATIVE);
      for (const t of devnet.tokens) await devnet.faucet(hot, t.code, HOT_TOKEN);
      await devnet.mine();
      await approveBatchContract(devnet, hot);
    },
    balanceOf: (currency, address) => devnet.balanceOf(currency, address),
    faults: devnet.faults,
    async reorg(depth, drop = []) {
      await devnet.reorg(depth, { drop: [...drop] });
    },
    async mine() {
      await devnet.mine();
    },
    stop: () => devnet.close(),
  };
}

async function startDevnet(options: { port?: number }): Promise<SubjectDevnet<EvmRawSection>> {
  return subjectDevnet(
    await startEvmDevnet({ port: options.port, blockIntervalMs: 0, faultTimeoutMs: FAULT_HOLD_MS }),
  );
}

/** The EVM plugin module, in the subject's shape. */
export const evmModule: SubjectModule<EvmRawSection> = {
  name: "evm",
  async create(section, context) {
    // The host's path: the section validated in the one config, then the module's factory.
    const config = parseConfig({ network: context.network, [context.instance]: section });
    return await evmPlugin.create(config.evm!, { ...context, network: config.network });
  },
  devnet: { start: startDevnet },
};

const noExpiry = {
  lacks: "an EVM transaction never expires: it dies only when another one takes its nonce " +
    "(tests/plugins/evm/withdrawals.test.ts covers replacement)",
};

/** The native coin. */
export const evmNativeSubject: ConformanceSubject<EvmRawSection> = {
  label: "evm/ETH",
  module: evmModule,
  currency: "ETH",
  batching: true,
  forks: true,
  expiry: noExpiry,
  unit: 10n ** 16n,
};

/** The devnet's USDT-like token (`transfer` returns no `bool`). */
export const evmUsdtSubject: ConformanceSubject<EvmRawSection> = {
  label: "evm/USDT_ERC20",
  module: evmModule,
  currency: "USDT_ERC20",
  batching: true,
  forks: true,
  expiry: noExpiry,
  unit: 5_000_000n,
};
