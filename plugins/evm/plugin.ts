/**
 * The EVM plugin: native coin and ERC-20 deposits, withdrawals and sweeps on any chain with a
 * standard Ethereum JSON-RPC node (Ethereum, BSC, Polygon, Arbitrum, Base, …), one instance per
 * network.
 *
 * @module
 */

import { type Asset, DEFAULT_MAX_WITHDRAWAL } from "../../core/asset.ts";
import { fromNode } from "../../core/errors.ts";
import { readSectionMnemonic } from "../../core/config.ts";
import type { ChainPlugin, ChainSender, PluginContext } from "../../core/plugin.ts";
import { evmDisplay, parseEvmAddress } from "./address.ts";
import type { EvmSection } from "./config.ts";
import { EVM_HOT_WALLET_INDEX, evmAccountKey } from "./derivation.ts";
import { evmExplorer } from "./explorers.ts";
import { createL1DataFee } from "./l1_fee.ts";
import { createEvmNode } from "./node.ts";
import { evmPaymentUri } from "./payment_uri.ts";
import { createEvmScanner } from "./scanner.ts";
import { createEvmSender, type EvmSenderToken } from "./sender.ts";

/** Block hashes the scanner keeps to resolve a reorg, at the least. */
const FORK_WINDOW = 64;

function assetsOf(section: EvmSection, name: string): Asset[] {
  const natives = Object.entries(section.assets).filter(([, a]) => a.contract === undefined);
  if (natives.length > 1) {
    throw new Error(
      `${name}.assets.${natives[1][0]}.contract: only one asset is the native coin; ` +
        "an ERC-20 token needs its contract address",
    );
  }
  const contracts = new Map<string, string>();
  return Object.entries(section.assets).map(([code, a]) => {
    let contract: string | null = null;
    if (a.contract !== undefined) {
      const parsed = parseEvmAddress(a.contract);
      if ("error" in parsed) throw new Error(`${name}.assets.${code}.contract: ${parsed.error}`);
      const other = contracts.get(parsed.address);
      if (other) throw new Error(`${name}.assets.${code}.contract: ${other} has the same one`);
      contracts.set(parsed.address, code);
      contract = parsed.address;
    }
    return {
      code,
      chain: name,
      decimals: a.decimals,
      contract,
      minSweep: a.minSweep,
      hotMax: a.hotMax ?? null,
      hotResidual: a.hotResidual,
      maxWithdrawal: a.maxWithdrawal ?? DEFAULT_MAX_WITHDRAWAL,
      overtake: a.overtake ?? false,
    };
  });
}

/**
 * Builds an EVM instance from its section; throws with the field name (`<instance>.<field>`)
 * when the section is unusable.
 */
export async function createEvmPlugin(
  section: EvmSection,
  context: PluginContext,
): Promise<ChainPlugin> {
  const name = context.instance;
  if (!section.endpoint) throw new Error(`${name}.endpoint: set ${name.toUpperCase()}_ENDPOINT`);
  const assets = assetsOf(section, name);
  let key;
  try {
    key = evmAccountKey(await readSectionMnemonic(section, name));
  } catch (error) {
    const message = (error as Error).message;
    throw new Error(message.startsWith(name) ? message : `${name}.mnemonic: ${message}`);
  }
  const hot = key.address(EVM_HOT_WALLET_INDEX);
  let coldWallet = null;
  if (section.coldWallet) {
    const parsed = parseEvmAddress(section.coldWallet);
    if ("error" in parsed) throw new Error(`${name}.coldWallet: ${parsed.error}`);
    coldWallet = parsed;
  }
  let batch = null;
  if (section.batch) {
    const parsed = parseEvmAddress(section.batch.contract);
    if ("error" in parsed) throw new Error(`${name}.batch.contract: ${parsed.error}`);
    batch = { contract: parsed.address, maxBatch: section.batch.maxBatch };
  }
  const node = createEvmNode({
    endpoint: section.endpoint,
    apiKey: section.apiKey,
    timeoutMs: section.requestTimeoutMs,
    observer: context.observer,
  });

  const finalized = section.finality === "finalized";
  const native = assets.find((a) => a.contract === null) ?? null;
  const tokens = new Map<string, EvmSenderToken>();
  for (const asset of assets) {
    if (asset.contract === null) continue;
    const gasLimit = section.assets[asset.code].gasLimit;
    tokens.set(asset.code, {
      code: asset.code,
      contract: asset.contract,
      gasLimit: gasLimit === undefined ? null : BigInt(gasLimit),
    });
  }
  const nativeGas = native ? section.assets[native.code].gasLimit : undefined;
  const sender = createEvmSender({
    node,
    key,
    hot: hot.address,
    chainId: section.chainId,
    gas: section.gas,
    native: native?.code ?? null,
    nativeGasLimit: nativeGas === undefined ? null : BigInt(nativeGas),
    tokens,
    // A nonce used in a block that a reorg may still replace is not final yet.
    reorgDepth: finalized ? 0 : section.confirmations - 1,
    batch,
    l1: createL1DataFee(node, section.l1DataFee),
  });
  const apiSender: ChainSender = {
    ...sender,
    balance: (currency, address) =>
      fromNode("EVM", "balance", () => sender.balance(currency, address)),
  };

  return {
    chain: name,
    assets,
    requiredConfirmations: finalized ? 1 : section.confirmations,
    sharedDepositAddresses: false,
    explorers: evmExplorer(section.chainId),
    paymentUri(request) {
      const asset = assets.find((a) => a.code === request.assetCode);
      if (!asset) return null;
      const contract = asset.contract === null ? null : evmDisplay(asset.contract);
      return evmPaymentUri(request, contract, section.chainId);
    },
    coldWallet,
    derivation: {
      hotWallet: hot,
      deposit(index: bigint) {
        return Promise.resolve({ ...key.address(index), watch: null });
      },
      parseAddress: parseEvmAddress,
      display: evmDisplay,
    },
    scanner: createEvmScanner(node, {
      assets: assets.map((a) => ({ code: a.code, contract: a.contract })),
      hot: hot.address,
      head: finalized ? "finalized" : "latest",
      // A reorg as deep as finality must still find its shared block.
      forkWindow: Math.max(FORK_WINDOW, section.confirmations + 2),
      trace: section.traceInternal,
      chainId: section.chainId,
      batchContract: batch?.contract ?? null,
      observer: context.observer,
    }),
    sender: apiSender,
    validateMemo(comment, binaryComment) {
      // A transfer to an account carries no memo: each deposit has its own address.
      if (comment) return { field: "comment", message: "EVM transfers carry no memo" };
      if (binaryComment) return { field: "binary_comment", message: "EVM transfers carry no memo" };
      return null;
    },
    devnet: context.devnet,
    close: () => Promise.resolve(),
  };
}
