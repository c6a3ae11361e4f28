/**
 * The TRON plugin: TRX and TRC20 deposits, withdrawals and sweeps through a java-tron full
 * node's HTTP API (TronGrid or your own node).
 *
 * @module
 */
import { TronWeb } from "tronweb";
import { type Asset, DEFAULT_MAX_WITHDRAWAL } from "../../core/asset.ts";
import { fromNode } from "../../core/errors.ts";
import { readSectionMnemonic } from "../../core/config.ts";
import { pollIntervalWithin } from "../../core/ingest.ts";
import type { ChainPlugin, ChainSender, PluginContext } from "../../core/plugin.ts";
import type { TronSection } from "./config.ts";
import { parseTronAddress } from "./address.ts";
import { TRON_HOT_WALLET_INDEX, tronAccountKey } from "./derivation.ts";
import { createTronNode } from "./node.ts";
import { createTronScanner, FORK_WINDOW } from "./scanner.ts";
import { createTronSender, type TronSenderToken } from "./sender.ts";
import { tronPaymentUri } from "./payment_uri.ts";

/** Largest TRX amount a transaction can carry: protobuf int64. */
const TRX_MAX_AMOUNT = (1n << 63n) - 1n;
/** What the factory needs beside its section: the host's context. */
export type TronPluginOptions = PluginContext;

function assetsOf(tron: TronSection, name: string): Asset[] {
  return Object.entries(tron.assets).map(([code, a]) => {
    if ((code === "TRX") !== (a.contract === undefined)) {
      throw new Error(
        `${name}.assets.${code}.contract: TRX is the native coin; every other asset is a TRC20 ` +
          "token and needs its contract address",
      );
    }
    let contract: string | null = null;
    if (a.contract !== undefined) {
      const parsed = parseTronAddress(a.contract);
      if ("error" in parsed) {
        throw new Error(`${name}.assets.${code}.contract: ${parsed.error}`);
      }
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
      // TRX amounts are protobuf int64 on chain.
      maxWithdrawal: a.maxWithdrawal ?? (code === "TRX" ? TRX_MAX_AMOUNT : DEFAULT_MAX_WITHDRAWAL),
      overtake: a.overtake ?? false,
    };
  });
}

/**
 * Builds a TRON instance from its section; throws with the field name (`<instance>.<field>`)
 * when the section is unusable.
 */
export async function createTronPlugin(
  tron: TronSection,
  options: TronPluginOptions,
): Promise<ChainPlugin> {
  const name = options.instance;
  if (!tron.endpoint) {
    throw new Error(`${name}.endpoint: set ${name.toUpperCase()}_ENDPOINT`);
  }
  const assets = assetsOf(tron, name);
  const unpriced = Object.entries(tron.assets)
    .filter(([, a]) => a.contract !== undefined && a.trxPrice === undefined).map(([code]) => code);
  if (unpriced.length) {
    options.log?.warn(`${name} sweep fee guard is off for tokens without trxPrice`, {
      tokens: unpriced,
    });
  }
  let key;
  try {
    key = tronAccountKey(await readSectionMnemonic(tron, name));
  } catch (error) {
    throw new Error(`${name}.mnemonic: ${(error as Error).message}`);
  }
  const hot = key.deriveAddress(TRON_HOT_WALLET_INDEX).address;
  const node = createTronNode({
    endpoint: tron.endpoint,
    apiKey: tron.apiKey,
    timeoutMs: tron.requestTimeoutMs,
    observer: options.observer,
  });
  const tronWeb = new TronWeb({
    fullHost: tron.endpoint,
    headers: tron.apiKey ? { "TRON-PRO-API-KEY": tron.apiKey } : {},
  });

  const parse = (input: string) => {
    const parsed = parseTronAddress(input);
    if ("error" in parsed) return parsed;
    return { address: parsed.address, display: parsed.address };
  };
  let coldWallet = null;
  if (tron.coldWallet) {
    const parsed = parse(tron.coldWallet);
    if ("error" in parsed) throw new Error(`${name}.coldWallet: ${parsed.error}`);
    coldWallet = parsed;
  }

  const tokens = new Map<string, TronSenderToken>();
  for (const asset of assets) {
    if (asset.contract === null) continue;
    tokens.set(asset.code, {
      code: asset.code,
      contract: asset.contract,
      trxPrice: tron.assets[asset.code].trxPrice ?? null,
    });
  }
  const trx = assets.some((a) => a.code === "TRX") ? "TRX" : null;
  const sender = createTronSender({
    tronWeb,
    node,
    key,
    hot,
    trx,
    tokens,
    feeLimit: tron.feeLimit,
    validitySeconds: tron.validitySeconds,
    // java-tron checks expiration against the time of the block that would include the
    // transaction, so an ingested block past it is proof, once that block is final: a fork
    // shallower than finality could still bring a branch that holds the transaction. Blocks
    // come every 3 s; one more covers clocks.
    expiryMarginSeconds: 3 * (tron.confirmations + 1),
    strategy: tron.sweep.strategy,
    maxFeeBps: tron.sweep.maxFeeBps,
  });
  const apiSender: ChainSender = {
    ...sender,
    balance: (currency, address) =>
      fromNode("TRON", "balance", () => sender.balance(currency, address)),
  };

  return {
    chain: name,
    assets,
    requiredConfirmations: tron.confirmations,
    sharedDepositAddresses: false,
    paymentUri(request) {
      const asset = assets.find((a) => a.code === request.assetCode);
      return asset ? tronPaymentUri(request, asset.contract, asset.decimals) : null;
    },
    coldWallet,
    derivation: {
      hotWallet: { address: hot, display: hot },
      deposit(index: bigint) {
        const { address } = key.deriveAddress(index);
        return Promise.resolve({ address, display: address, watch: null });
      },
      parseAddress: parse,
      display: (address: string) => address,
    },
    scanner: {
      ...createTronScanner(node, {
        assets: assets.map((a) => ({ code: a.code, contract: a.contract })),
        // A fork as deep as finality must still find its shared block.
        forkWindow: Math.max(FORK_WINDOW, tron.confirmations + 2),
      }),
      // A caught-up poll is one head request (getblock, or getnowblock on old nodes).
      pollIntervalMs: pollIntervalWithin(tron.rps),
    },
    sender: apiSender,
    validateMemo(comment, binaryComment) {
      // TRON transfers carry no memo (TRC20 has no field for one).
      if (comment) return { field: "comment", message: "TRON transfers carry no memo" };
      if (binaryComment) {
        return { field: "binary_comment", message: "TRON transfers carry no memo" };
      }
      return null;
    },
    devnet: options.devnet,
    close: () => Promise.resolve(),
  };
}
