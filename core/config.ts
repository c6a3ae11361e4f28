/**
 * Configuration: one zod schema, read from an optional JSON file and overridden by
 * environment variables. Invalid config stops the start with a message naming the field.
 */

import { z } from "zod";
import { parseBaseUnits } from "./amount.ts";

const baseUnits = z.union([z.string(), z.number().int().nonnegative()]).transform((v, ctx) => {
  const parsed = parseBaseUnits(String(v));
  if (parsed === null) {
    ctx.addIssue({ code: "custom", message: "must be a whole number of base units" });
    return z.NEVER;
  }
  return parsed;
});

const assetSchema = z.object({
  decimals: z.number().int().min(0).max(36),
  /** Token contract; absent for the chain's native coin. */
  contract: z.string().min(1).optional(),
  minSweep: baseUnits.default(0n),
  hotMax: baseUnits.optional(),
  hotResidual: baseUnits.default(0n),
  /** Largest withdrawal accepted, base units (default: the chain's 64-bit amount limit). */
  maxWithdrawal: baseUnits.optional(),
  /** Later withdrawals that fit may pass one the hot wallet cannot pay (default false). */
  overtake: z.boolean().optional(),
}).strict();

const tonSchema = z.object({
  enabled: z.boolean().default(true),
  /** toncenter v2 JSON-RPC endpoint, e.g. https://toncenter.com/api/v2/jsonRPC. */
  endpoint: z.string().url().optional(),
  apiKey: z.string().min(1).optional(),
  /** Hot wallet mnemonic (24 words); prefer `mnemonicFile`. */
  mnemonic: z.string().min(1).optional(),
  mnemonicFile: z.string().min(1).optional(),
  coldWallet: z.string().min(1).optional(),
  /** Root DNS resolver; defaults to the network's root. */
  dnsRoot: z.string().min(1).optional(),
  /** Messages per hot wallet external message (W5 carries at most 255). */
  batchSize: z.number().int().min(1).max(250).default(250),
  /** Lifetime of a signed external message, seconds. */
  validitySeconds: z.number().int().min(10).max(600).default(60),
  /** How often an unseen payload is broadcast again, seconds. */
  rebroadcastSeconds: z.number().int().min(1).max(600).default(10),
  /** How long one node request may take before it counts as failed, milliseconds. */
  requestTimeoutMs: z.number().int().min(100).max(120_000).default(15_000),
  /** TON sent on with each jetton withdrawal's notification (0: none), nanotons. */
  jettonForwardTon: baseUnits.default(1n),
  /** Requests per second allowed to the node (toncenter without a key allows 1). */
  rps: z.number().positive().default(10),
  assets: z.record(z.string().regex(/^[A-Z0-9_]{2,20}$/), assetSchema).default({
    TON: { decimals: 9, minSweep: 0n, hotResidual: 0n },
  }),
}).strict();

const tronAssetSchema = assetSchema.extend({
  /**
   * What one TRX is worth in this token's base units (e.g. `"300000"` for 0.30 USDT), to
   * weigh a sweep's TRX fee against its amount. Required when `tron.sweep.maxFeeBps` is set;
   * without either, token sweeps skip the check (the start logs a warning).
   */
  trxPrice: baseUnits.optional(),
}).strict();

const tronSchema = z.object({
  enabled: z.boolean().default(true),
  /** Full node HTTP API base URL, e.g. https://api.trongrid.io. */
  endpoint: z.string().url().optional(),
  /** TronGrid key, sent as TRON-PRO-API-KEY. */
  apiKey: z.string().min(1).optional(),
  /** BIP39 mnemonic of the hot wallet and deposits; prefer `mnemonicFile`. */
  mnemonic: z.string().min(1).optional(),
  mnemonicFile: z.string().min(1).optional(),
  coldWallet: z.string().min(1).optional(),
  /** Blocks (the income's own included) before an income is final; TRON solidifies at 19. */
  confirmations: z.number().int().min(1).max(1000).default(19),
  /** Lifetime of a signed transaction (`raw_data.expiration` past its reference block), s. */
  validitySeconds: z.number().int().min(3).max(86_400).default(60),
  /** Most TRX a TRC20 transfer may burn for energy (`fee_limit`), sun. */
  feeLimit: baseUnits.default(100_000_000n),
  /** How long one node request may take before it counts as failed, milliseconds. */
  requestTimeoutMs: z.number().int().min(100).max(120_000).default(15_000),
  sweep: z.object({
    /**
     * How a TRC20 deposit pays for its transfer to the hot wallet: TRX sent from the hot
     * wallet and burnt (`topup`), or energy delegated from the hot wallet's Stake 2.0 stake
     * and reclaimed after (`delegate`).
     */
    strategy: z.enum(["topup", "delegate"]).default("topup"),
    /** A sweep waits while its fee exceeds this share of its amount, basis points. */
    maxFeeBps: z.number().int().min(0).max(10_000).default(1_000),
  }).strict().default({ strategy: "topup", maxFeeBps: 1_000 }),
  assets: z.record(z.string().regex(/^[A-Z0-9_]{2,20}$/), tronAssetSchema).default({
    TRX: { decimals: 6, minSweep: 0n, hotResidual: 0n },
  }),
}).strict();

const explorerTemplates = z.object({
  /** URL of an address; `{address}` is replaced. */
  address: z.string().min(1).includes("{address}"),
  /** URL of a transaction; `{tx}` is replaced. */
  tx: z.string().min(1).includes("{tx}"),
}).strict();

const publicSchema = z.object({
  /** How far `X-Timestamp` may be from now, either way, seconds. */
  signatureWindowSeconds: z.number().int().min(1).max(3600).default(300),
  /** A deposit's monitoring window when the request gives none, seconds. */
  defaultLifetimeSeconds: z.number().int().min(60).max(30 * 86_400).default(3600),
  /** Largest lifetime a request may ask for, seconds. */
  maxLifetimeSeconds: z.number().int().min(60).max(365 * 86_400).default(7 * 86_400),
  /**
   * An underpayment within this share of the expected amount still counts as `paid`, basis
   * points (exchanges deduct withdrawal fees from what the customer sends).
   */
  underpaymentToleranceBps: z.number().int().min(0).max(10_000).default(0),
  /** Explorer URL templates by chain; absent chains get null URLs (devnet). */
  explorers: z.record(z.string(), explorerTemplates).optional(),
  /**
   * The processor's public address, where customers reach `/pay/{uuid}` (e.g.
   * `https://pay.example.com`); deposits' `paymentUrl` starts with it. Defaults to the API's
   * own URL.
   */
  baseUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  /**
   * Origins allowed to frame the checkout page (CSP `frame-ancestors`), e.g. a shop that
   * embeds it; none by default.
   */
  checkoutFrameAncestors: z.array(
    z.url({ protocol: /^https?$/, error: "must be an http(s) origin" }),
  ).optional(),
}).strict();

const exchangeWebhookSchema = z.object({
  /** Where incomes and withdrawal status changes are POSTed. */
  url: z.string().url(),
  /** Signing secret; prefer `secretFile`. */
  secret: z.string().min(16, "must be at least 16 characters").optional(),
  secretFile: z.string().min(1).optional(),
}).strict();

const metricsSchema = z.object({
  /** Serves `/metrics`. */
  enabled: z.boolean().default(true),
  /** Bearer token a scrape must send; prefer `tokenFile`. Without token or user: open. */
  token: z.string().min(16, "must be at least 16 characters").optional(),
  tokenFile: z.string().min(1).optional(),
  /** Basic auth user and password a scrape may send instead (Prometheus `basic_auth`). */
  username: z.string().min(1).regex(/^[^:]+$/, "must not contain ':'").optional(),
  password: z.string().min(16, "must be at least 16 characters").optional(),
  passwordFile: z.string().min(1).optional(),
  /** How long a hot wallet balance read from the node is reused across scrapes, seconds. */
  balanceTtlSeconds: z.number().int().min(1).max(3600).default(30),
}).strict().superRefine((m, ctx) => {
  const hasPassword = m.password !== undefined || m.passwordFile !== undefined;
  if (m.username !== undefined && !hasPassword) {
    ctx.addIssue({ code: "custom", path: ["password"], message: "is required with username" });
  }
  if (m.username === undefined && hasPassword) {
    ctx.addIssue({ code: "custom", path: ["username"], message: "is required with a password" });
  }
});

/** The whole configuration schema. */
export const configSchema = z.object({
  network: z.enum(["mainnet", "testnet", "devnet"]).default("devnet"),
  api: z.object({
    port: z.number().int().min(0).max(65535).default(8080),
    hostname: z.string().default("0.0.0.0"),
    /** Bearer tokens; any of them is accepted. */
    tokens: z.array(z.string().min(16, "must be at least 16 characters")).default([]),
    bodyLimitBytes: z.number().int().min(1024).max(10_000_000).default(65536),
    /** Refused (401) requests one client may make per window before it gets 429; 0: off. */
    authFailureLimit: z.number().int().min(0).max(100_000).default(20),
    authFailureWindowSeconds: z.number().int().min(1).max(86_400).default(60),
    /** Behind a reverse proxy: the client is the last `X-Forwarded-For` entry. */
    trustForwardedFor: z.boolean().default(false),
  }).strict().default({
    port: 8080,
    hostname: "0.0.0.0",
    tokens: [],
    bodyLimitBytes: 65536,
    authFailureLimit: 20,
    authFailureWindowSeconds: 60,
    trustForwardedFor: false,
  }),
  database: z.object({
    /** Postgres URL; PGlite in `dataDir` when absent. */
    url: z.string().min(1).optional(),
    /** Postgres schema to use (must exist); the server's search_path when absent. */
    schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).optional(),
    dataDir: z.string().min(1).default("./data/pglite"),
    /** Postgres `statement_timeout`, ms (default 4000); past it, and 500 ms more, 503. */
    statementTimeoutMs: z.number().int().min(100).max(600_000).optional(),
    /** Time to open a Postgres connection, seconds (default 3). */
    connectTimeoutSeconds: z.number().int().min(1).max(60).optional(),
  }).strict().default({ dataDir: "./data/pglite" }),
  /**
   * How long the head of a withdrawal queue may wait for funds before an alarm is raised
   * (`withdrawal_queue_stalled`, which does not halt the sender), seconds.
   */
  withdrawalStallSeconds: z.number().int().min(0).default(900),
  /** Block time lag beyond which the processor is not synced and holds withdrawals. */
  syncLagSeconds: z.number().int().min(1).default(40),
  /** What `/v1/income` sums: funds received by deposits, or funds swept to the hot wallet. */
  countingSide: z.enum(["deposit", "hot_wallet"]).default("deposit"),
  ton: tonSchema.optional(),
  tron: tronSchema.optional(),
  /** The merchant invoice API (`/v1/public/...`). */
  public: publicSchema.default({
    signatureWindowSeconds: 300,
    defaultLifetimeSeconds: 3600,
    maxLifetimeSeconds: 7 * 86_400,
    underpaymentToleranceBps: 0,
  }),
  /** Optional webhook of the exchange API: incomes and withdrawal status changes. */
  exchangeWebhook: exchangeWebhookSchema.optional(),
  /** Prometheus `/metrics`. */
  metrics: metricsSchema.default({ enabled: true, balanceTtlSeconds: 30 }),
}).strict();

/** Validated configuration. */
export type Config = z.infer<typeof configSchema>;
/** TON section of the configuration. */
export type TonConfig = z.infer<typeof tonSchema>;
/** TRON section of the configuration. */
export type TronConfig = z.infer<typeof tronSchema>;
/** Metrics section of the configuration. */
export type MetricsConfig = z.infer<typeof metricsSchema>;

/** Raised when config is invalid; the message names the field. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

type Raw = Record<string, unknown>;

function section(raw: Raw, key: string): Raw {
  const value = raw[key];
  if (value === undefined || value === null) {
    raw[key] = {};
  } else if (typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigError(`${key}: must be an object`);
  }
  return raw[key] as Raw;
}

function integer(name: string, value: string): number {
  if (!/^[0-9]+$/.test(value)) throw new ConfigError(`${name}: must be a whole number`);
  return Number(value);
}

/**
 * Applies environment overrides. Names follow the reference TON processor where one exists
 * (`API_TOKEN`, `API_PORT`, `DATABASE_URL`); the rest are ours.
 */
export function applyEnv(raw: Raw, env: Record<string, string | undefined>): Raw {
  const out: Raw = structuredClone(raw);
  if (env.NETWORK) out.network = env.NETWORK;
  if (env.API_TOKEN) {
    section(out, "api").tokens = env.API_TOKEN.split(",").map((t) => t.trim()).filter(Boolean);
  }
  if (env.API_PORT) section(out, "api").port = integer("API_PORT", env.API_PORT);
  if (env.API_AUTH_FAILURE_LIMIT) {
    section(out, "api").authFailureLimit = integer(
      "API_AUTH_FAILURE_LIMIT",
      env.API_AUTH_FAILURE_LIMIT,
    );
  }
  if (env.DATABASE_URL) section(out, "database").url = env.DATABASE_URL;
  if (env.DATA_DIR) section(out, "database").dataDir = env.DATA_DIR;
  if (env.SYNC_LAG_SECONDS) out.syncLagSeconds = integer("SYNC_LAG_SECONDS", env.SYNC_LAG_SECONDS);
  if (env.COUNTING_SIDE) out.countingSide = env.COUNTING_SIDE;
  if (env.PUBLIC_BASE_URL) section(out, "public").baseUrl = env.PUBLIC_BASE_URL;
  const chainEnv: [string, string, string][] = [
    ["TON_ENDPOINT", "ton", "endpoint"],
    ["TON_API_KEY", "ton", "apiKey"],
    ["TON_MNEMONIC", "ton", "mnemonic"],
    ["TON_MNEMONIC_FILE", "ton", "mnemonicFile"],
    ["TON_COLD_WALLET", "ton", "coldWallet"],
    ["TRON_ENDPOINT", "tron", "endpoint"],
    ["TRON_API_KEY", "tron", "apiKey"],
    ["TRON_MNEMONIC", "tron", "mnemonic"],
    ["TRON_MNEMONIC_FILE", "tron", "mnemonicFile"],
    ["TRON_COLD_WALLET", "tron", "coldWallet"],
  ];
  for (const [name, chain, key] of chainEnv) {
    if (env[name]) section(out, chain)[key] = env[name];
  }
  if (env.TRON_CONFIRMATIONS) {
    section(out, "tron").confirmations = integer("TRON_CONFIRMATIONS", env.TRON_CONFIRMATIONS);
  }
  if (env.TRON_FEE_LIMIT) section(out, "tron").feeLimit = env.TRON_FEE_LIMIT;
  if (env.EXCHANGE_WEBHOOK_URL) section(out, "exchangeWebhook").url = env.EXCHANGE_WEBHOOK_URL;
  if (env.EXCHANGE_WEBHOOK_SECRET_FILE) {
    section(out, "exchangeWebhook").secretFile = env.EXCHANGE_WEBHOOK_SECRET_FILE;
  }
  const metricsEnv: [string, string][] = [
    ["METRICS_TOKEN", "token"],
    ["METRICS_TOKEN_FILE", "tokenFile"],
    ["METRICS_USERNAME", "username"],
    ["METRICS_PASSWORD", "password"],
    ["METRICS_PASSWORD_FILE", "passwordFile"],
  ];
  for (const [name, key] of metricsEnv) {
    if (env[name]) section(out, "metrics")[key] = env[name];
  }
  if (env.TRON_SWEEP_STRATEGY) {
    section(section(out, "tron"), "sweep").strategy = env.TRON_SWEEP_STRATEGY;
  }
  // Per-asset limits: <TON|TRON>_ASSET_<CODE>_<MIN_SWEEP|HOT_MAX|HOT_RESIDUAL>=base units.
  const natives: Record<string, Raw> = {
    ton: { TON: { decimals: 9 } },
    tron: { TRX: { decimals: 6 } },
  };
  for (const [name, value] of Object.entries(env)) {
    const match = /^(TON|TRON)_ASSET_([A-Z0-9_]+?)_(MIN_SWEEP|HOT_MAX|HOT_RESIDUAL|MAX_WITHDRAWAL)$/
      .exec(name);
    if (!match || value === undefined) continue;
    const chain = match[1].toLowerCase();
    section(out, chain).assets ??= structuredClone(natives[chain]); // keep the default coin
    const assets = section(section(out, chain), "assets");
    const asset = section(assets, match[2]);
    const key = {
      MIN_SWEEP: "minSweep",
      HOT_MAX: "hotMax",
      HOT_RESIDUAL: "hotResidual",
      MAX_WITHDRAWAL: "maxWithdrawal",
    }[match[3] as "MIN_SWEEP" | "HOT_MAX" | "HOT_RESIDUAL" | "MAX_WITHDRAWAL"];
    asset[key] = value;
  }
  return out;
}

/**
 * The TRON sweep fee guard weighs a token sweep's TRX fee against its amount, which needs the
 * token's `trxPrice`. An operator who sets `tron.sweep.maxFeeBps` asks for that guard: a token
 * without a price would make it silently do nothing, so the start is refused instead.
 */
function checkTronFeeGuard(raw: unknown): void {
  const tron = (raw as Raw | null)?.tron as Raw | undefined;
  const sweep = tron?.sweep as Raw | undefined;
  if (sweep?.maxFeeBps === undefined || sweep.maxFeeBps === null) return;
  const assets = (tron?.assets ?? {}) as Record<string, Raw | undefined>;
  for (const [code, asset] of Object.entries(assets)) {
    if (asset?.contract === undefined || asset.trxPrice !== undefined) continue;
    throw new ConfigError(
      `tron.assets.${code}.trxPrice: is required while tron.sweep.maxFeeBps is set (what one ` +
        "TRX is worth in the token's base units, to weigh a sweep's fee against its amount)",
    );
  }
}

/** Validates raw config, throwing a ConfigError that names every bad field. */
export function parseConfig(raw: unknown): Config {
  checkTronFeeGuard(raw);
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) =>
    `${issue.path.join(".") || "(root)"}: ${issue.message}`
  );
  throw new ConfigError(`invalid config: ${lines.join("; ")}`);
}

/**
 * Reads the JSON config file (if any), applies env overrides and validates. With
 * `requireNetwork` (every command but `main.ts dev`), a config that does not say which network
 * it is for is refused rather than taken for a devnet.
 */
export async function loadConfig(
  path: string | undefined,
  env: Record<string, string | undefined>,
  options: { requireNetwork?: boolean } = {},
): Promise<Config> {
  let raw: Raw = {};
  if (path) {
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      throw new ConfigError(`--config ${path}: cannot read (${(error as Error).message})`);
    }
    try {
      raw = JSON.parse(text);
    } catch {
      throw new ConfigError(`--config ${path}: not valid JSON`);
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw new ConfigError(`--config ${path}: must hold a JSON object`);
    }
  }
  const applied = applyEnv(raw, env);
  if (options.requireNetwork && applied.network === undefined) {
    throw new ConfigError(
      "network: is required (mainnet, testnet or devnet); set it in the config file or NETWORK",
    );
  }
  return parseConfig(applied);
}
