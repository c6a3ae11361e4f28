/**
 * Devnet mode for EVM: the in-process EVM node of `devnet/` (Hardhat's EDR) behind the host's
 * devnet contract: the faucet and chain facts of the `/devnet` routes, a section pointing at
 * the node with every devnet asset, and the hot wallet's funding.
 *
 * @module
 */

import { encodeFunctionData, erc20Abi, type Hex, maxUint256 } from "viem";
import { InputError } from "../../core/errors.ts";
import type {
  ChainDevnet,
  DevnetModule,
  FaucetRequest,
  Json,
  RunningDevnet,
} from "../../core/plugin.ts";
import type { EvmSection } from "./config.ts";
import { EVM_HOT_WALLET_INDEX, evmAccountKey, newEvmMnemonic } from "./derivation.ts";
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
      const via = request.via ?? null;
      if (via !== null && via !== "contract") {
        throw new InputError("via", 'the EVM faucet pays directly or via "contract"');
      }
      const known = request.currency === devnet.native ||
        devnet.tokens.some((t) => t.code === request.currency);
      if (!known) throw new InputError("currency", `the EVM faucet has no ${request.currency}`);
      if (via === "contract") {
        // Native coin through the batch contract: it arrives as an internal transfer.
        if (request.currency !== devnet.native) {
          throw new InputError("via", "only the native coin can be paid through a contract");
        }
        return await devnet.faucetViaContract(request.to, request.amount);
      }
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

/**
 * Has `hot` (funded with gas) approve the devnet's batch contract for every token, as an
 * operator does once before enabling batches. Through the node's own account impersonation, a
 * devnet lever: call it before the processor watches, or it sees a hot wallet transaction it
 * did not sign (a foreign spend).
 */
export async function approveBatchContract(devnet: EvmDevnet, hot: string): Promise<void> {
  if (!devnet.batchContract) return;
  await devnet.call("hardhat_impersonateAccount", [hot]);
  try {
    for (const t of devnet.tokens) {
      await devnet.call("eth_sendTransaction", [{
        from: hot,
        to: t.contract,
        data: encodeFunctionData({
          abi: erc20Abi,
          functionName: "approve",
          args: [devnet.batchContract as Hex, maxUint256],
        }),
      }]);
    }
  } finally {
    await devnet.call("hardhat_stopImpersonatingAccount", [hot]);
  }
  await devnet.mine();
}

/** What dev mode funds the hot wallet with: 1000 of the native coin, 1000000 of each token. */
const DEV_NATIVE = 1_000n * 10n ** 18n;
const DEV_TOKEN_UNITS = 1_000_000n;

/**
 * A running EVM devnet as the host's devnet contract sees it, with the test levers the
 * conformance suite drives. `manualBlocks`: started without a block timer, so funding seals
 * its own block.
 */
export function runningEvmDevnet(
  devnet: EvmDevnet,
  manualBlocks = false,
): RunningDevnet<EvmSection> {
  const sealed = async () => {
    if (manualBlocks) await devnet.mine();
    else await devnet.waitForBlock();
  };
  return {
    endpoint: devnet.endpoint,
    controls: evmDevnetControls(devnet),
    newSecret: () => Promise.resolve(newEvmMnemonic()),
    section: (secret, options = {}) => ({
      endpoint: devnet.endpoint,
      chainId: devnet.chainId,
      // An EVM transaction never expires: `shortValidity` has nothing to shorten.
      confirmations: options.confirmations ?? 2,
      ...(options.requestTimeoutMs === undefined
        ? {}
        : { requestTimeoutMs: options.requestTimeoutMs }),
      ...(secret === undefined ? {} : { mnemonic: secret }),
      ...(devnet.batchContract ? { batch: { contract: devnet.batchContract } } : {}),
      assets: devnetEvmAssets(devnet),
    }),
    async prepare(_section, secret) {
      // Gas, then the batch contract's allowances, before the processor watches.
      const hot = evmAccountKey(secret).address(EVM_HOT_WALLET_INDEX).address;
      await devnet.faucet(hot, devnet.native, 10n ** 18n);
      await sealed();
      await approveBatchContract(devnet, hot);
    },
    async fundHotWallet(plugin) {
      const hot = plugin.derivation.hotWallet;
      await devnet.faucet(hot.address, devnet.native, DEV_NATIVE);
      for (const t of devnet.tokens) {
        await devnet.faucet(hot.address, t.code, DEV_TOKEN_UNITS * 10n ** BigInt(t.decimals));
      }
      await sealed();
      const codes = devnet.tokens.map((t) => t.code).join(", ");
      return `${hot.display} (funded with 1000 ${devnet.native} and 1000000 of ${codes})`;
    },
    describe: () => ({
      "JSON-RPC": devnet.endpoint,
      "chain id": devnet.chainId,
      "faucet account": devnet.faucetAccount.address,
      "faucet private key": devnet.faucetAccount.privateKey,
    }),
    balanceOf: (currency, address) => devnet.balanceOf(currency, address),
    faults: devnet.faults,
    reorg: (depth, drop = []) => devnet.reorg(depth, { drop: [...drop] }),
    async mine() {
      await devnet.mine();
    },
    stop: () => devnet.close(),
  };
}

/** The EVM devnet module: an in-process EVM node (Hardhat's EDR) speaking JSON-RPC. */
export const evmDevnet: DevnetModule<EvmSection> = {
  defaultPort: 18545,
  async start(options) {
    const { faultHoldMs, ...rest } = options;
    const devnet = await startEvmDevnet({ ...rest, faultTimeoutMs: faultHoldMs });
    return runningEvmDevnet(devnet, options.blockIntervalMs === 0);
  },
};
