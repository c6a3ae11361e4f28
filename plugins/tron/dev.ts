/** Devnet mode for TRON: the faucet and chain facts behind the API's `/devnet` routes. */

import { TronWeb } from "tronweb";
import { InputError } from "../../core/errors.ts";
import type {
  ChainDevnet,
  DevnetModule,
  FaucetRequest,
  Json,
  RunningDevnet,
} from "../../core/plugin.ts";
import { tronHexFromAddress } from "./address.ts";
import type { TronSection } from "./config.ts";
import { englishWordlist, generateMnemonic, hex } from "./deps.ts";
import { TRON_HOT_WALLET_INDEX, tronAccountKey } from "./derivation.ts";
import { startTronDevnet, type TronDevnet } from "./devnet/server.ts";

/** Exposes a running TRON devnet through the chain-agnostic devnet contract. */
export function tronDevnetControls(devnet: TronDevnet): ChainDevnet {
  return {
    info(): Promise<Record<string, Json>> {
      return Promise.resolve({
        faucet: devnet.faucet.address,
        endpoint: devnet.endpoint,
        height: devnet.height(),
        tokens: { ...devnet.tokens },
        forwarder: devnet.forwarder,
        trc10: devnet.trc10,
      });
    },
    async faucet(request: FaucetRequest): Promise<string> {
      if (request.comment) throw new InputError("comment", "TRON transfers carry no memo");
      const via = request.via ?? null;
      if (via !== null && via !== "contract") {
        throw new InputError("via", 'the TRON faucet pays directly or via "contract"');
      }
      if (via === "contract") {
        // TRX through the devnet's forwarder contract: it arrives as an internal transaction.
        if (request.currency !== "TRX") {
          throw new InputError("via", "only TRX can be paid through the forwarder contract");
        }
        return await devnet.faucetViaContract(request.to, request.amount);
      }
      if (request.currency === "TRX") return await devnet.faucetTrx(request.to, request.amount);
      if (!devnet.tokens[request.currency]) {
        throw new InputError("currency", `the TRON faucet has no ${request.currency}`);
      }
      return await devnet.faucetToken(request.currency, request.to, request.amount);
    },
  };
}

/** The devnet's TRC20 tokens as processor assets (symbol → contract), e.g. USDT_TRC20. */
export function devnetTrc20Assets(
  devnet: TronDevnet,
): Record<string, { decimals: number; contract: string }> {
  return Object.fromEntries(
    [...devnet.chain.tokens].map(([symbol, t]) => [symbol, {
      decimals: t.decimals,
      contract: t.address,
    }]),
  );
}

/**
 * Funds the hot wallet with `sun` TRX from the faucet and stakes it for energy (Stake 2.0), as
 * an operator does before choosing the `delegate` sweep strategy. Call it before the processor
 * starts: its scanner starts at the head, so it never sees this hot-wallet transaction that it
 * did not sign, which it would rightly take for a foreign spend and halt the sender.
 */
export async function stakeDevnetHotWallet(
  devnet: TronDevnet,
  mnemonic: string,
  sun: bigint,
): Promise<void> {
  const key = tronAccountKey(mnemonic).derivePrivateKey(TRON_HOT_WALLET_INDEX);
  const tronWeb = new TronWeb({ fullHost: devnet.endpoint });
  const hot = tronWeb.address.fromPrivateKey(hex.encode(key));
  if (!hot) throw new Error("hot wallet key gives no address");
  await devnet.faucetTrx(hot, sun);
  await devnet.waitForBlock();
  const unsigned = await tronWeb.transactionBuilder.freezeBalanceV2(Number(sun), "ENERGY", hot);
  const signed = await tronWeb.trx.sign(unsigned, hex.encode(key));
  key.fill(0);
  const result = await tronWeb.trx.sendRawTransaction(signed);
  if (!result.result) throw new Error(`freeze refused: ${JSON.stringify(result)}`);
  await devnet.waitForBlock();
}

/** What the hot wallet is funded with, sun and base units of each TRC20. */
const HOT_FUNDING = 1_000_000_000_000n;
/** What dev mode stakes for energy when the section lends it to sweeps, sun. */
const DEV_STAKE = 250_000_000_000n;

/**
 * The devnet's own ledger: `currency`'s balance of the base58 address `address`, read from the
 * chain's state, not through the node API.
 */
export function tronLedgerBalance(devnet: TronDevnet, currency: string, address: string): bigint {
  const owner = tronHexFromAddress(address);
  if (currency === "TRX") return devnet.chain.account(owner)?.balance ?? 0n;
  const token = devnet.chain.tokens.get(currency);
  if (!token) throw new Error(`the TRON devnet has no ${currency}`);
  return token.balances.get(owner) ?? 0n;
}

/**
 * A running TRON devnet as the host's devnet contract sees it; `manualBlocks`: started with
 * `blockIntervalMs: 0`, so the blocks that take what the faucet sent are sealed here.
 */
export function runningTronDevnet(
  devnet: TronDevnet,
  manualBlocks = false,
): RunningDevnet<TronSection> {
  return {
    endpoint: devnet.endpoint,
    controls: tronDevnetControls(devnet),
    newSecret: () => Promise.resolve(generateMnemonic(englishWordlist, 256)),
    section: (secret, options = {}) => ({
      endpoint: devnet.endpoint,
      ...(secret === undefined ? {} : { mnemonic: secret }),
      // The shortest validity the section allows (config.ts), when asked for.
      ...(options.shortValidity ? { validitySeconds: 3 } : {}),
      ...(options.confirmations === undefined ? {} : { confirmations: options.confirmations }),
      ...(options.requestTimeoutMs === undefined
        ? {}
        : { requestTimeoutMs: options.requestTimeoutMs }),
      rps: 1000,
      assets: { TRX: { decimals: 6, minSweep: "10000000" }, ...devnetTrc20Assets(devnet) },
    }),
    async prepare(section, secret) {
      // Energy to lend deposits for their sweeps, staked before the processor watches.
      if (section.sweep.strategy === "delegate") {
        await stakeDevnetHotWallet(devnet, secret, DEV_STAKE);
      }
    },
    async fundHotWallet(plugin) {
      const hot = plugin.derivation.hotWallet;
      await devnet.faucetTrx(hot.address, HOT_FUNDING);
      for (const symbol of Object.keys(devnet.tokens)) {
        await devnet.faucetToken(symbol, hot.address, HOT_FUNDING);
      }
      // Accepted transactions land in the next block.
      if (manualBlocks) devnet.produceBlock();
      else await devnet.waitForBlock();
      return `${hot.display} (funded with 1000000 TRX and 1000000 of each TRC20)`;
    },
    describe: () => ({
      "java-tron HTTP": devnet.endpoint,
      "faucet account": devnet.faucet.address,
      "faucet private key": devnet.faucet.privateKey,
    }),
    balanceOf: (currency, address) => Promise.resolve(tronLedgerBalance(devnet, currency, address)),
    faults: devnet.faults,
    // A depth the devnet cannot replace rejects, as every other lever's failure does.
    reorg: (depth, drop = []) =>
      Promise.resolve().then(() => devnet.reorg(depth, { drop: [...drop] })),
    mine() {
      devnet.produceBlock();
      return Promise.resolve();
    },
    stop: () => devnet.close(),
  };
}

/** The TRON devnet module: an in-process java-tron-like HTTP node. */
export const tronDevnet: DevnetModule<TronSection> = {
  defaultPort: 18090,
  async start(options) {
    const { faultHoldMs, ...rest } = options;
    const devnet = await startTronDevnet({ ...rest, faultTimeoutMs: faultHoldMs });
    return runningTronDevnet(devnet, options.blockIntervalMs === 0);
  },
};
