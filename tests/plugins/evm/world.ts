/**
 * An EVM plugin on the EVM devnet for the plugin's own tests: the module's factory on a devnet
 * section (the host's path through the one config), a funded hot wallet, a lookup over a map
 * of owned accounts that counts its calls, and the faucet account as a wallet for the levers a
 * test pulls on chain (blacklisting, contract calls).
 */

import assert from "node:assert/strict";
import { type Abi, createWalletClient, encodeFunctionData, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { AccountLookup, ChainPlugin, OwnedAccount } from "../../../core/plugin.ts";
import { parseConfig } from "../../../host/registry.ts";
import { newEvmMnemonic } from "../../../plugins/evm/derivation.ts";
import { devnetEvmAssets, evmDevnetControls, runningEvmDevnet } from "../../../plugins/evm/dev.ts";
import artifacts from "../../../plugins/evm/devnet/artifacts.json" with { type: "json" };
import {
  type EvmDevnet,
  type EvmDevnetOptions,
  startEvmDevnet,
} from "../../../plugins/evm/devnet/server.ts";
import { evmPlugin, type EvmSection } from "../../../plugins/evm/module.ts";
import type { Processor, SuiteDevnet } from "../../conformance/processor.ts";

/** A devnet, a plugin on it and the faucet as a wallet. */
export interface EvmWorld {
  devnet: EvmDevnet;
  plugin: ChainPlugin;
  /** Sends a transaction from the faucet account (owner of the tokens); resolves with its hash. */
  send(tx: { to: string; data?: Hex; value?: bigint; gas?: bigint }): Promise<string>;
  close(): Promise<void>;
}

/** Starts a devnet and builds a plugin with a fresh funded hot wallet. */
export async function startWorld(
  section: Record<string, unknown> = {},
  options: EvmDevnetOptions = {},
): Promise<EvmWorld> {
  const devnet = await startEvmDevnet({ blockIntervalMs: 0, ...options });
  try {
    const raw = {
      endpoint: devnet.endpoint,
      chainId: devnet.chainId,
      mnemonic: newEvmMnemonic(),
      confirmations: 1,
      assets: devnetEvmAssets(devnet),
      ...section,
    };
    const config = parseConfig({ network: "devnet", evm: raw });
    const plugin = await evmPlugin.create(config.evm!, {
      instance: "evm",
      network: "devnet",
      devnet: evmDevnetControls(devnet),
    });
    const hot = plugin.derivation.hotWallet.address;
    await devnet.faucet(hot, devnet.native, 100n * 10n ** 18n);
    for (const t of devnet.tokens) await devnet.faucet(hot, t.code, 1_000_000_000_000n);
    await devnet.mine();
    return {
      devnet,
      plugin,
      send: faucetSender(devnet),
      async close() {
        await plugin.close();
        await devnet.close();
      },
    };
  } catch (error) {
    await devnet.close();
    throw error;
  }
}

/** Sends transactions from the devnet's faucet account (owner of the tokens). */
export function faucetSender(
  devnet: EvmDevnet,
): (tx: { to: string; data?: Hex; value?: bigint; gas?: bigint }) => Promise<string> {
  const wallet = createWalletClient({
    account: privateKeyToAccount(devnet.faucetAccount.privateKey as Hex),
    transport: http(devnet.endpoint),
  });
  return (tx) =>
    wallet.sendTransaction({
      chain: null,
      to: tx.to as Hex,
      data: tx.data,
      value: tx.value,
      gas: tx.gas,
    });
}

/**
 * Deploys the devnet contract `name` (of `artifacts.json`, no constructor arguments) from the
 * faucet account, seals its block and resolves with its address, lowercase.
 */
export async function deployFromFaucet(
  devnet: EvmDevnet,
  name: keyof typeof artifacts.contracts,
): Promise<string> {
  const wallet = createWalletClient({
    account: privateKeyToAccount(devnet.faucetAccount.privateKey as Hex),
    transport: http(devnet.endpoint),
  });
  const { abi, bytecode } = artifacts.contracts[name];
  const hash = await wallet.deployContract({
    chain: null,
    abi: abi as Abi,
    bytecode: bytecode as Hex,
  });
  await devnet.mine();
  const receipt = await devnet.call("eth_getTransactionReceipt", [hash]) as {
    status: string;
    contractAddress: string;
  };
  if (receipt.status !== "0x1") throw new Error(`deploying ${name} failed: ${hash}`);
  return receipt.contractAddress.toLowerCase();
}

/** Call data of Tether's `addBlackList(evil)`: the owner (the faucet) freezes an account. */
export function blacklistCall(evil: string): Hex {
  return encodeFunctionData({
    abi: [{
      type: "function",
      name: "addBlackList",
      stateMutability: "nonpayable",
      inputs: [{ name: "evil", type: "address" }],
      outputs: [],
    }],
    args: [evil as Hex],
  });
}

/** A lookup over `owned` (the hot wallet included) that records every call's addresses. */
export function mapLookup(
  plugin: ChainPlugin,
  owned: Map<string, OwnedAccount>,
): { lookup: AccountLookup; calls: string[][] } {
  const calls: string[][] = [];
  const hot = plugin.derivation.hotWallet;
  return {
    calls,
    lookup(addresses) {
      calls.push([...addresses]);
      const out = new Map<string, OwnedAccount>();
      for (const a of addresses) {
        const account = a === hot.address
          ? { ...hot, kind: "hot" as const, currency: null, owner: null, watch: null }
          : owned.get(a);
        if (account) out.set(a, account);
      }
      return Promise.resolve(out);
    },
  };
}

/** A deposit account of `plugin` at `index` for `currency`, as the store would return it. */
export async function depositAccount(
  plugin: ChainPlugin,
  index: bigint,
  currency: string,
): Promise<OwnedAccount> {
  const d = await plugin.derivation.deposit(index, currency);
  return {
    address: d.address,
    display: d.display,
    kind: "deposit",
    currency,
    owner: null,
    watch: null,
  };
}

/**
 * `evm` as the conformance suite's devnet (manual blocks), its sections with `fields` on top
 * (e.g. `{ batch: undefined }`: one withdrawal per transaction), for the suite's processor.
 */
export function suiteDevnet(
  evm: EvmDevnet,
  fields: Record<string, unknown> = {},
): SuiteDevnet<EvmSection> {
  const running = runningEvmDevnet(evm, true);
  return {
    ...running,
    section: (secret, options) => ({ ...running.section(secret, options), ...fields }),
  } as SuiteDevnet<EvmSection>;
}

/** Ticks the processor and seals blocks until `count` sweeps are there, each of them done. */
export async function sweepsDone(p: Processor, count = 1): Promise<void> {
  for (let i = 0; i < 12; i++) {
    const rows = await p.ctx.db.query("select status from sweeps");
    if (rows.length === count && rows.every((r) => r.status === "done")) return;
    await p.tick({ rebroadcastMs: 0 });
    await p.block();
  }
  assert.fail("the sweeps did not finish");
}
