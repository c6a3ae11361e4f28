/**
 * A world for processors in child processes: the TON and TRON devnets in the test process
 * (so they outlive every processor kill), a fresh schema of the local Postgres, a config file
 * pointing at both, a bearer client for the processor's API, and readers of the devnets'
 * ledgers, which say what the chains did whatever the processor's database says.
 *
 * @module
 */

import { Address, toNano } from "@ton/core";
import { mnemonicNew } from "@ton/crypto";
import { TonClient } from "@ton/ton";
import postgres from "postgres";
import { devnetJettonAssets } from "../../plugins/ton/dev.ts";
import { jettonWalletAddress } from "../../plugins/ton/devnet/jettons.ts";
import { startTonDevnet, type TonDevnet } from "../../plugins/ton/devnet/server.ts";
import { tronAddressFromPublicKey, tronHexFromAddress } from "../../plugins/tron/address.ts";
import { devnetTrc20Assets } from "../../plugins/tron/dev.ts";
import { englishWordlist, generateMnemonic, secp256k1 } from "../../plugins/tron/deps.ts";
import { startTronDevnet, type TronDevnet } from "../../plugins/tron/devnet/server.ts";
import { freePort } from "./processor_child.ts";
import { Buffer } from "node:buffer";

/** The bearer token every world's processor accepts. */
export const WORLD_TOKEN = "world-token-0123456789abcdef";

/** What a world is built with. */
export interface WorldOptions {
  /** Block interval of both devnets (default 500). */
  blockIntervalMs?: number;
  /** Postgres URL the processor is given (default DATABASE_URL; a proxy's, to cut it). */
  databaseUrl?: string;
  /** Extra top-level config (e.g. `exchangeWebhook`). */
  extra?: Record<string, unknown>;
}

/** An answer of the processor's API; null status when nothing answered (it is down). */
export interface Answer {
  status: number | null;
  json: Record<string, unknown> | null;
}

/** A running world. */
export interface DevnetWorld {
  ton: TonDevnet;
  tron: TronDevnet;
  /** The config file every processor of this world is started with. */
  configPath: string;
  /** The processor API's base URL (a fixed free port, the same for every instance's turn). */
  api: string;
  /** The config written to `configPath`. */
  config: Record<string, unknown>;
  /** The database schema, and a client of it for checks. */
  schema: string;
  sql: postgres.Sql;
  /** Calls the API at `base` (default `api`); never throws on a connection error. */
  call(method: string, path: string, body?: unknown, base?: string): Promise<Answer>;
  /** Hot wallet display addresses by chain, read from `/v1/admin/wallets`. */
  hotWallets(base?: string): Promise<{ ton: string; tron: string }>;
  /** Funds both hot wallets from the faucets: TON and USDT_TON, TRX and USDT_TRC20. */
  fundHotWallets(hot: { ton: string; tron: string }): Promise<void>;
  /** Ledger readers, base units. */
  tonBalance(address: string): Promise<bigint>;
  jettonBalance(symbol: string, owner: string): Promise<bigint>;
  trxBalance(address: string): bigint;
  trc20Balance(symbol: string, address: string): bigint;
  close(): Promise<void>;
}

/** Hot wallet funding of {@link DevnetWorld.fundHotWallets}, base units. */
export const HOT_FUNDS = {
  TON: toNano("5000"),
  USDT_TON: 1_000_000_000n,
  TRX: 500_000_000_000n,
  USDT_TRC20: 1_000_000_000_000n,
} as const;

/** Starts both devnets and writes a processor config for them on a fresh Postgres schema. */
export async function startDevnetWorld(options: WorldOptions = {}): Promise<DevnetWorld> {
  const url = Deno.env.get("DATABASE_URL");
  if (!url) throw new Error("DATABASE_URL is not set");
  const blockIntervalMs = options.blockIntervalMs ?? 500;
  const ton = await startTonDevnet({ blockIntervalMs });
  const tron = await startTronDevnet({ blockIntervalMs });
  const schema = `w_${crypto.randomUUID().replaceAll("-", "")}`;
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  await sql.unsafe(`create schema ${schema}`);
  const dir = await Deno.makeTempDir({ prefix: "world-" });
  const port = freePort();
  const tenUnits = (decimals: number) => (10n ** BigInt(decimals) * 10n).toString();
  const config = {
    network: "devnet",
    api: { port, hostname: "127.0.0.1", tokens: [WORLD_TOKEN] },
    database: { url: options.databaseUrl ?? url, schema },
    ton: {
      endpoint: ton.endpoint,
      mnemonic: (await mnemonicNew()).join(" "),
      dnsRoot: ton.dnsRoot.toString(),
      rps: 1000,
      validitySeconds: 15,
      rebroadcastSeconds: 3,
      assets: {
        TON: { decimals: 9, minSweep: "1000000000" },
        USDT_TON: { ...devnetJettonAssets(ton).USDT_TON, minSweep: tenUnits(6) },
      },
    },
    tron: {
      endpoint: tron.endpoint,
      mnemonic: generateMnemonic(englishWordlist, 256),
      confirmations: 3,
      validitySeconds: 15,
      assets: {
        TRX: { decimals: 6, minSweep: tenUnits(6) },
        USDT_TRC20: {
          ...devnetTrc20Assets(tron).USDT_TRC20,
          minSweep: tenUnits(6),
          trxPrice: "300000",
        },
      },
    },
    ...options.extra,
  };
  const configPath = `${dir}/config.json`;
  await Deno.writeTextFile(configPath, JSON.stringify(config, null, 2));
  const api = `http://127.0.0.1:${port}`;
  const client = new TonClient({ endpoint: ton.endpoint });

  const call = async (
    method: string,
    path: string,
    body?: unknown,
    base = api,
  ): Promise<Answer> => {
    try {
      const r = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${WORLD_TOKEN}` },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await r.text();
      let json: Record<string, unknown> | null = null;
      try {
        json = JSON.parse(text);
      } catch { /* not JSON */ }
      return { status: r.status, json };
    } catch {
      return { status: null, json: null };
    }
  };

  return {
    ton,
    tron,
    configPath,
    api,
    config,
    schema,
    sql,
    call,
    async hotWallets(base = api) {
      const r = await call("GET", "/v1/admin/wallets", undefined, base);
      if (r.status !== 200) throw new Error(`/v1/admin/wallets: ${r.status}`);
      const wallets = r.json!.wallets as { chain: string; address: string }[];
      const of = (chain: string) => wallets.find((w) => w.chain === chain)!.address;
      return { ton: of("ton"), tron: of("tron") };
    },
    async fundHotWallets(hot) {
      const owner = Address.parse(hot.ton);
      await ton.faucet(owner, HOT_FUNDS.TON);
      await ton.faucetJetton("USDT_TON", owner, HOT_FUNDS.USDT_TON, { forwardTonAmount: 0n });
      await tron.faucetTrx(hot.tron, HOT_FUNDS.TRX);
      await tron.faucetToken("USDT_TRC20", hot.tron, HOT_FUNDS.USDT_TRC20);
      await tron.waitForBlock();
    },
    async tonBalance(address) {
      return await client.getBalance(Address.parse(address));
    },
    async jettonBalance(symbol, owner) {
      const wallet = await jettonWalletAddress(ton.jettons[symbol].master, Address.parse(owner));
      const state = await client.getContractState(wallet);
      if (state.state !== "active") return 0n;
      return (await client.runMethod(wallet, "get_wallet_data")).stack.readBigNumber();
    },
    trxBalance(address) {
      return tron.chain.account(tronHexFromAddress(address))?.balance ?? 0n;
    },
    trc20Balance(symbol, address) {
      const token = tron.chain.tokens.get(symbol);
      if (!token) throw new Error(`no devnet token ${symbol}`);
      return token.balances.get(tronHexFromAddress(address)) ?? 0n;
    },
    async close() {
      await ton.close();
      await tron.close();
      await sql.unsafe(`drop schema ${schema} cascade`).catch(() => {});
      await sql.end();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A fresh TON address no one holds the key of (non-bounceable, testnet form). */
export function freshTonAddress(): string {
  return new Address(0, Buffer.from(crypto.getRandomValues(new Uint8Array(32))))
    .toString({ testOnly: true, bounceable: false });
}

/** A fresh TRON address, of a random key. */
export function freshTronAddress(): string {
  return tronAddressFromPublicKey(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey()))
    .address;
}

/** What the ledger holds at `address` of `currency` (one of the world's four assets). */
export async function ledgerBalance(
  world: DevnetWorld,
  currency: string,
  address: string,
): Promise<bigint> {
  switch (currency) {
    case "TON":
      return await world.tonBalance(address);
    case "USDT_TON":
      return await world.jettonBalance("USDT_TON", address);
    case "TRX":
      return world.trxBalance(address);
    case "USDT_TRC20":
      return world.trc20Balance("USDT_TRC20", address);
  }
  throw new Error(`no ledger reader for ${currency}`);
}
