/**
 * Devnet mode for EVM: the in-process EVM node of `devnet/` (Hardhat's EDR) behind the host's
 * devnet contract: the faucet and chain facts of the `/devnet` routes, a section pointing at
 * the node with every devnet asset, and the hot wallet's funding.
 *
 * @module
 */

import { InputError } from "../../core/errors.ts";
import type {
  ChainDevnet,
  DevnetModule,
  FaucetRequest,
  Json,
  RunningDevnet,
} from "../../core/plugin.ts";
import type { EvmSection } from "./config.ts";
import { newEvmMnemonic } from "./derivation.ts";
import { type EvmDevnet, startEvmDevnet } from "./devnet/server.ts";

/** Exposes a running EVM devnet through the chain-agnostic devnet contract. */
export function evmDevnetControls(devnet: EvmDevnet): ChainDevnet {
  return {
    async info(): Promise<Record<string, Json>> {
      return {
        faucet: devnet.faucetAccount.address,
        endpoint: devnet.endpoint,
        chainId: devnet.chainId,
        height: await devnet.height(),
        native: devnet.native,
        tokens: Object.fromEntries(devnet.tokens.map((t) => [t.code, t.contract])),
        batchContract: devnet.batchContract ?? null,
      };
    },
    async faucet(request: FaucetRequest): Promise<string> {
      if (request.comment) throw new InputError("comment", "EVM transfers carry no memo");
      if ((request.via ?? null) !== null) {
        throw new InputError("via", "the EVM faucet pays directly only");
      }
      const known = request.currency === devnet.native ||
        devnet.tokens.some((t) => t.code === request.currency);
      if (!known) throw new InputError("currency", `the EVM faucet has no ${request.currency}`);
      return await devnet.faucet(request.to, request.currency, request.amount);
    },
  };
}

/** The devnet's assets as a section's `assets`: its native coin and every token it deployed. */
export function devnetEvmAssets(
  devnet: EvmDevnet,
): Record<string, { decimals: number; contract?: string }> {
  return {
    [devnet.native]: { decimals: 18 },
    ...Object.fromEntries(
      devnet.tokens.map((t) => [t.code, { decimals: t.decimals, contract: t.contract }]),
    ),
  };
}

/** What dev mode funds the hot wallet with: 1000 of the native coin, 1000000 of each token. */
const DEV_NATIVE = 1_000n * 10n ** 18n;
const DEV_TOKEN_UNITS = 1_000_000n;

/** A running EVM devnet as the host's devnet contract sees it. */
export function runningEvmDevnet(devnet: EvmDevnet): RunningDevnet<EvmSection> {
  return {
    endpoint: devnet.endpoint,
    controls: evmDevnetControls(devnet),
    newSecret: () => Promise.resolve(newEvmMnemonic()),
    section: (secret) => ({
      endpoint: devnet.endpoint,
      chainId: devnet.chainId,
      confirmations: 2,
      ...(secret === undefined ? {} : { mnemonic: secret }),
      assets: devnetEvmAssets(devnet),
    }),
    async fundHotWallet(plugin) {
      const hot = plugin.derivation.hotWallet;
      await devnet.faucet(hot.address, devnet.native, DEV_NATIVE);
      for (const t of devnet.tokens) {
        await devnet.faucet(hot.address, t.code, DEV_TOKEN_UNITS * 10n ** BigInt(t.decimals));
      }
      const codes = devnet.tokens.map((t) => t.code).join(", ");
      return `${hot.display} (funded with 1000 ${devnet.native} and 1000000 of ${codes})`;
    },
    describe: () => ({
      "JSON-RPC": devnet.endpoint,
      "chain id": devnet.chainId,
      "faucet account": devnet.faucetAccount.address,
      "faucet private key": devnet.faucetAccount.privateKey,
    }),
    stop: () => devnet.close(),
  };
}

/** The EVM devnet module: an in-process EVM node (Hardhat's EDR) speaking JSON-RPC. */
export const evmDevnet: DevnetModule<EvmSection> = {
  defaultPort: 18545,
  async start(options) {
    return runningEvmDevnet(await startEvmDevnet(options));
  },
};
