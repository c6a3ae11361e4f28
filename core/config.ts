/**
 * Configuration: one zod schema, read from an optional JSON file and overridden by
 * environment variables. Invalid config stops the start with a message naming the field.
 */

import { z } from "zod";
import { parseBaseUnits } from "./amount.ts";
import type { EnvBinding } from "./plugin.ts";

/** A whole number of base units, from a JSON string or integer. */
export const baseUnits: z.ZodType<bigint, string | number> = z.union([
  z.string(),
  z.number().int().nonnegative(),
]).transform((v, ctx) => {
  const parsed = parseBaseUnits(String(v));
  if (parsed === null) {
    ctx.addIssue({ code: "custom", message: "must be a whole number of base units" });
    return z.NEVER;
  }
  return parsed;
});

/**
 * The asset fields every chain shares; a plugin extends it for its own (`assetSchema.extend`).
 */
export const assetSchema = z.object({
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
}).strict() satisfies z.ZodType<AssetConfig>;

/**
 * The fields every chain section starts with: whether it runs, its node, its keys and its cold
 * wallet. A plugin spreads them into its section schema, and {@linkcode NODE_SECTION_ENV} into
 * its env names, so these read the same on every chain.
 */
export const nodeSectionFields = {
  enabled: z.boolean().default(true),
  /** The node's URL; absent in devnet mode. */
  endpoint: z.string().url().optional(),
  /** The node's API key, when it wants one. */
  apiKey: z.string().min(1).optional(),
  /** Mnemonic of the hot wallet and deposits; prefer `mnemonicFile`. */
  mnemonic: z.string().min(1).optional(),
  mnemonicFile: z.string().min(1).optional(),
  coldWallet: z.string().min(1).optional(),
};

/** What {@linkcode nodeSectionFields} parse to. */
export interface NodeSection {
  /** `false`: configured but not started. */
  enabled: boolean;
  /** The node's URL; absent in devnet mode. */
  endpoint?: string;
  /** The node's API key, when it wants one. */
  apiKey?: string;
  /** Mnemonic of the hot wallet and deposits; prefer `mnemonicFile`. */
  mnemonic?: string;
  /** File holding the mnemonic. */
  mnemonicFile?: string;
  /** Where the hot wallet's excess goes; absent: nowhere. */
  coldWallet?: string;
}

/** Env names of {@linkcode nodeSectionFields}, by suffix (`<INSTANCE>_ENDPOINT`, ...). */
export const NODE_SECTION_ENV: Readonly<Record<string, EnvBinding>> = {
  ENDPOINT: { path: ["endpoint"], type: "string" },
  API_KEY: { path: ["apiKey"], type: "string" },
  MNEMONIC: { path: ["mnemonic"], type: "string" },
  MNEMONIC_FILE: { path: ["mnemonicFile"], type: "string" },
  COLD_WALLET: { path: ["coldWallet"], type: "string" },
};

/**
 * The mnemonic of instance `name`'s section: `mnemonic`, else the contents of `mnemonicFile`,
 * trimmed. Errors name the field and never quote the secret or the file's contents.
 */
export async function readSectionMnemonic(
  section: Pick<NodeSection, "mnemonic" | "mnemonicFile">,
  name: string,
): Promise<string> {
  let text = section.mnemonic;
  if (!text && section.mnemonicFile) {
    try {
      text = await Deno.readTextFile(section.mnemonicFile);
    } catch (error) {
      throw new Error(`${name}.mnemonicFile: cannot read (${(error as Error).name})`);
    }
  }
  text = text?.trim();
  if (!text) {
    const env = name.toUpperCase();
    throw new Error(`${name}.mnemonic: set ${env}_MNEMONIC or ${env}_MNEMONIC_FILE`);
  }
  return text;
}

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

/**
 * The chain-agnostic part of the configuration schema. The host's registry adds one optional
 * section per chain instance (`host/registry.ts`).
 */
export const coreConfigSchema = z.object({
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
    /** Postgres connections of the pool (default: two per core, `defaultPoolSize`). */
    poolSize: z.number().int().min(1).max(1000).optional(),
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

/** Validated chain-agnostic configuration: what the core reads. */
export type Config = z.infer<typeof coreConfigSchema>;
/** One asset of a chain section, validated (what {@linkcode assetSchema} parses to). */
export interface AssetConfig {
  /** Decimal places of one whole unit. */
  decimals: number;
  /** Token contract; absent for the chain's native coin. */
  contract?: string;
  /** Deposits at or above this are swept to the hot wallet, base units. */
  minSweep: bigint;
  /** Hot wallet balance above which the excess goes to the cold wallet, base units. */
  hotMax?: bigint;
  /** What stays in the hot wallet when the excess goes cold, base units. */
  hotResidual: bigint;
  /** Largest withdrawal accepted, base units (default: the chain's 64-bit amount limit). */
  maxWithdrawal?: bigint;
  /** Later withdrawals that fit may pass one the hot wallet cannot pay (default false). */
  overtake?: boolean;
}

/** The issues of a failed schema parse, as zod reports them. */
export interface ConfigIssues {
  /** Each issue: where (path within the parsed value) and why. */
  readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[];
}
/** Metrics section of the configuration. */
export type MetricsConfig = z.infer<typeof metricsSchema>;

/** Raised when config is invalid; the message names the field. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Raw configuration as read from JSON, before validation. */
export type RawConfig = Record<string, unknown>;
type Raw = RawConfig;

/**
 * The object at `raw[key]`, created when absent; a present non-object is a ConfigError naming
 * `label` (default `key`).
 */
export function rawSection(raw: Raw, key: string, label: string = key): Raw {
  const value = raw[key];
  if (value === undefined || value === null) {
    raw[key] = {};
  } else if (typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigError(`${label}: must be an object`);
  }
  return raw[key] as Raw;
}

/** Reads a whole number from environment variable `name`, or throws a ConfigError naming it. */
export function envInteger(name: string, value: string): number {
  if (!/^[0-9]+$/.test(value)) throw new ConfigError(`${name}: must be a whole number`);
  return Number(value);
}

/**
 * Applies the chain-agnostic environment overrides. Names follow the seed's reference processor
 * where one exists (`API_TOKEN`, `API_PORT`, `DATABASE_URL`); the rest are ours. Chain
 * sections' names are the registry's.
 */
export function applyCoreEnv(raw: Raw, env: Record<string, string | undefined>): Raw {
  const out: Raw = structuredClone(raw);
  const section = (r: Raw, key: string) => rawSection(r, key);
  const integer = envInteger;
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
  if (env.DATABASE_POOL_SIZE) {
    section(out, "database").poolSize = integer("DATABASE_POOL_SIZE", env.DATABASE_POOL_SIZE);
  }
  if (env.SYNC_LAG_SECONDS) out.syncLagSeconds = integer("SYNC_LAG_SECONDS", env.SYNC_LAG_SECONDS);
  if (env.COUNTING_SIDE) out.countingSide = env.COUNTING_SIDE;
  if (env.PUBLIC_BASE_URL) section(out, "public").baseUrl = env.PUBLIC_BASE_URL;
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
  return out;
}

/** The lines of a failed zod parse, each `path: message`, paths prefixed with `prefix`. */
export function issueLines(error: ConfigIssues, prefix: readonly PropertyKey[] = []): string[] {
  return error.issues.map((issue) =>
    `${[...prefix, ...issue.path].map(String).join(".") || "(root)"}: ${issue.message}`
  );
}

/**
 * Reads a JSON config file into a raw object (empty without a path); a missing, unreadable or
 * non-object file is a ConfigError naming the path.
 */
export async function readConfigFile(path: string | undefined): Promise<Raw> {
  if (!path) return {};
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new ConfigError(`--config ${path}: cannot read (${(error as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigError(`--config ${path}: not valid JSON`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`--config ${path}: must hold a JSON object`);
  }
  return raw as Raw;
}

/** The refusal of a config that does not say which network it is for. */
export function requireNetwork(raw: Raw): void {
  if (raw.network === undefined) {
    throw new ConfigError(
      "network: is required (mainnet, testnet or devnet); set it in the config file or NETWORK",
    );
  }
}
