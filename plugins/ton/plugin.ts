/** The TON plugin: native TON deposits, withdrawals and sweeps through a toncenter v2 node. */

import { Address, Cell } from "@ton/core";
import { TonClient } from "@ton/ton";
import { type Asset, DEFAULT_MAX_WITHDRAWAL } from "../../core/asset.ts";
import { fromNode } from "../../core/errors.ts";
import { readSectionMnemonic } from "../../core/config.ts";
import { pollIntervalWithin } from "../../core/ingest.ts";
import type { ChainPlugin, PluginContext } from "../../core/plugin.ts";
import { formatTonAddress, parseTonAddress, type TonNetwork } from "./address.ts";
import { parseBinaryComment, validateWithdrawalMemo } from "./comment.ts";
import type { TonSection } from "./config.ts";
import { dnsRootFromConfig, resolveWallet } from "./dns.ts";
import { JETTON_OPS, jettonWalletOf } from "./jetton.ts";
import { tonPaymentUri } from "./payment_uri.ts";
import { createTonScanner } from "./scanner.ts";
import { createTonSender } from "./sender.ts";
import { createToncenter } from "./toncenter.ts";
import { depositWallet, hotWallet, tonKeyPair } from "./wallets.ts";

/** Root DNS resolver of mainnet (config parameter 4). */
const MAINNET_DNS_ROOT = "Ef_lZ1T4NCb2mwkme9h2rJfESCE0W34ma9lWp7-_uY3zXDvq";

/**
 * A binary comment that starts with a jetton opcode would make a TON withdrawal look like a
 * jetton message to anyone reading the chain; it is refused.
 */
function jettonShaped(binaryComment: string | null): string | null {
  if (binaryComment === null) return null;
  const body = parseBinaryComment(binaryComment);
  if ("error" in body || body.bits.length < 32) return null;
  const op = body.beginParse().preloadUint(32);
  return (Object.values(JETTON_OPS) as number[]).includes(op)
    ? "binary_comment: must not start with a jetton opcode"
    : null;
}

/** What the factory needs beside its section: the host's context, and a clock for tests. */
export interface TonPluginOptions extends PluginContext {
  /** Unix seconds now; defaults to the wall clock. */
  readonly now?: () => number;
}

/** The code of the section's native TON: its one asset without a master (`TON` if none). */
function nativeCodeOf(ton: TonSection): string {
  return Object.entries(ton.assets).find(([, a]) => a.contract === undefined)?.[0] ?? "TON";
}

function assetsOf(ton: TonSection, name: string): Asset[] {
  const native = nativeCodeOf(ton);
  return Object.entries(ton.assets).map(([code, a]) => {
    if (a.contract === undefined && code !== native) {
      throw new Error(
        `${name}.assets.${code}.contract: ${native} is the native coin; every other asset is a ` +
          "jetton and needs its master address",
      );
    }
    return {
      code,
      chain: name,
      decimals: a.decimals,
      contract: a.contract ?? null,
      minSweep: a.minSweep,
      hotMax: a.contract === undefined ? a.hotMax ?? null : null,
      hotResidual: a.hotResidual,
      maxWithdrawal: a.maxWithdrawal ?? DEFAULT_MAX_WITHDRAWAL,
      overtake: a.overtake ?? false,
    };
  });
}

/**
 * Builds a TON instance from its section; throws with the field name (`<instance>.<field>`)
 * when the section is unusable.
 */
export async function createTonPlugin(
  ton: TonSection,
  options: TonPluginOptions,
): Promise<ChainPlugin> {
  const name = options.instance;
  if (!ton.endpoint) {
    throw new Error(`${name}.endpoint: set ${name.toUpperCase()}_ENDPOINT`);
  }
  const network: TonNetwork = options.network;
  const assets = assetsOf(ton, name);
  const masters = new Map<string, Address>();
  for (const asset of assets) {
    if (asset.contract === null) continue;
    const parsed = parseTonAddress(asset.contract, network);
    if ("error" in parsed) {
      throw new Error(`${name}.assets.${asset.code}.contract: ${parsed.error}`);
    }
    masters.set(asset.code, parsed.address);
  }
  const keys = await tonKeyPair((await readSectionMnemonic(ton, name)).split(/\s+/)).catch(
    (error) => {
      throw new Error(`${name}.mnemonic: ${(error as Error).message}`);
    },
  );
  const hot = hotWallet(keys.publicKey, network);
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const node = createToncenter({
    endpoint: ton.endpoint,
    apiKey: ton.apiKey,
    rps: ton.rps,
    timeoutMs: ton.requestTimeoutMs,
    observer: options.observer,
  });
  const client = new TonClient({
    endpoint: ton.endpoint,
    apiKey: ton.apiKey,
    timeout: ton.requestTimeoutMs,
  });

  const parse = (input: string) => {
    const parsed = parseTonAddress(input, network);
    if ("error" in parsed) return parsed;
    return { address: parsed.raw, display: formatTonAddress(parsed.address, network, false) };
  };
  let coldWallet = null;
  if (ton.coldWallet) {
    const parsed = parse(ton.coldWallet);
    if ("error" in parsed) throw new Error(`${name}.coldWallet: ${parsed.error}`);
    coldWallet = parsed;
  }
  const hotRaw = hot.address.toRawString();

  let dnsRoot: Address | null = ton.dnsRoot ? Address.parse(ton.dnsRoot) : null;
  async function root(): Promise<Address> {
    if (dnsRoot) return dnsRoot;
    dnsRoot = network === "mainnet"
      ? Address.parse(MAINNET_DNS_ROOT)
      : dnsRootFromConfig(Cell.fromBase64(await node.configParam(4)));
    return dnsRoot;
  }

  // The hot wallet's jetton wallet per master never changes: ask each master once.
  const hotJettonWallets = new Map<string, Promise<Address>>();
  const hotJettonWallet = (master: Address): Promise<Address> => {
    const key = master.toRawString();
    let wallet = hotJettonWallets.get(key);
    if (!wallet) {
      wallet = jettonWalletOf(client, master, hot.address);
      wallet.catch(() => hotJettonWallets.delete(key));
      hotJettonWallets.set(key, wallet);
    }
    return wallet;
  };
  const allHotJettonWallets = async (): Promise<ReadonlySet<string>> =>
    new Set(
      (await Promise.all([...masters.values()].map(hotJettonWallet))).map((a) => a.toRawString()),
    );

  const sender = createTonSender({
    nativeCode: nativeCodeOf(ton),
    client,
    keys,
    hot,
    deposit: (index) => depositWallet(keys.publicKey, index, network),
    masters,
    hotJettonWallet,
    jettonForwardTon: ton.jettonForwardTon,
    maxBatch: ton.batchSize,
    validitySeconds: ton.validitySeconds,
    // A shard block is committed to the masterchain within seconds; the devnet seals both at
    // once, so there the masterchain time alone is proof.
    expiryMarginSeconds: network === "devnet" ? 0 : 30,
    now,
  });

  return {
    chain: name,
    assets,
    requiredConfirmations: 1,
    sharedDepositAddresses: true,
    paymentUri(request) {
      const asset = assets.find((a) => a.code === request.assetCode);
      if (!asset) return null;
      const master = masters.get(asset.code);
      return tonPaymentUri(request, master ? formatTonAddress(master, network, true) : null);
    },
    coldWallet,
    // The exchange API's service withdrawals of TON and of jettons by master.
    serviceWithdrawals: { native: "ton", token: "jetton" },
    derivation: {
      hotWallet: { address: hotRaw, display: formatTonAddress(hot.address, network, false) },
      async deposit(index: bigint, currency: string) {
        const wallet = depositWallet(keys.publicKey, index, network);
        const master = masters.get(currency);
        // A jetton deposit is an owner address; what the scanner follows is the jetton
        // wallet that the configured master derives for it, asked of the master itself.
        const watch = master
          ? (await fromNode(
            "TON",
            "jetton wallet",
            () => jettonWalletOf(client, master, wallet.address),
          ))
            .toRawString()
          : null;
        return {
          address: wallet.address.toRawString(),
          display: formatTonAddress(wallet.address, network, false),
          watch,
        };
      },
      parseAddress: parse,
      display: (raw: string) => formatTonAddress(raw, network, false),
    },
    scanner: {
      ...createTonScanner(node, network, allHotJettonWallets, nativeCodeOf(ton)),
      // A caught-up poll is one getMasterchainInfo.
      pollIntervalMs: pollIntervalWithin(ton.rps),
    },
    sender: {
      ...sender,
      balance: (currency, address) =>
        fromNode("TON", "balance", () => sender.balance(currency, address)),
    },
    validateMemo(comment, binaryComment) {
      const message = validateWithdrawalMemo(comment, binaryComment) ??
        jettonShaped(binaryComment);
      if (!message) return null;
      const field = message.startsWith("binary_comment") ? "binary_comment" : "comment";
      // The messages open with the field's name; the API adds it once.
      return { field, message: message.replace(/^(binary_comment|comment):? /, "") };
    },
    async resolve(domain: string): Promise<string | null> {
      const address = await fromNode(
        "TON",
        "resolve",
        async () => resolveWallet(client, await root(), domain),
      );
      return address
        ? address.toString({ urlSafe: true, bounceable: true, testOnly: network !== "mainnet" })
        : null;
    },
    devnet: options.devnet,
    close: () => Promise.resolve(),
  };
}
