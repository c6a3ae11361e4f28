/**
 * Harness for the API tests: a real database (tests/support/db.ts: PGlite, or Postgres when
 * DATABASE_URL is set) with the migrations applied, the real Hono app served over real HTTP
 * on a free port, and a small client. Also a stub chain plugin
 * that exercises the API layer's rendering (ID casing, amounts as strings, idempotency,
 * history fields) until the TON plugin's own harness replaces it for end-to-end flows.
 */

import { createApp } from "../../api/app.ts";
import { type Asset, DEFAULT_MAX_WITHDRAWAL } from "../../core/asset.ts";
import { systemClock } from "../../core/clock.ts";
import { parseConfig } from "../../core/config.ts";
import type { ProcessorContext } from "../../core/context.ts";
import { UnavailableError } from "../../core/errors.ts";
import { createLogger } from "../../core/log.ts";
import { expiresOnChain } from "../../core/payload_lifecycle.ts";
import type { ChainPlugin, FaucetRequest } from "../../core/plugin.ts";
import { openTestDb } from "./db.ts";
import { checkAgainstDocument } from "./openapi_check.ts";

/** The token the harness configures by default. */
export const TEST_TOKEN = "test-token-0123456789";

/** An HTTP answer, body already read (so no response body leaks). */
export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
}

/** Request options of {@linkcode ApiHarness.request}. */
export interface RequestOptions {
  /** Bearer token; defaults to TEST_TOKEN, `null` sends no Authorization header. */
  token?: string | null;
  /** JSON-serialised unless it is already a string (sent raw). */
  body?: unknown;
  headers?: Record<string, string>;
}

/** The app served over HTTP, with a client. */
export interface ApiServer {
  url: string;
  request(method: string, path: string, options?: RequestOptions): Promise<ApiResponse>;
  /** Stops the server (not the context's database). */
  close(): Promise<void>;
}

/** A running app over a fresh database. */
export interface ApiHarness extends ApiServer {
  ctx: ProcessorContext;
  /** Every log line written, as parsed JSON. */
  logs: Record<string, unknown>[];
}

/**
 * Serves `createApp(ctx)` on 127.0.0.1 and returns a client whose requests carry
 * `defaultToken` unless told otherwise.
 */
export function serveApi(
  ctx: ProcessorContext,
  options: { devnet?: boolean; defaultToken?: string } = {},
): ApiServer {
  const app = createApp(ctx, { devnet: options.devnet });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
  const url = `http://127.0.0.1:${server.addr.port}`;
  const defaultToken = options.defaultToken ?? TEST_TOKEN;
  return {
    url,
    async request(method, path, opts = {}) {
      const headers = new Headers(opts.headers);
      const token = opts.token === undefined ? defaultToken : opts.token;
      if (token !== null) headers.set("Authorization", `Bearer ${token}`);
      let body: string | undefined;
      if (opts.body !== undefined) {
        body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
        if (!headers.has("Content-Type")) headers.set("Content-Type", "application/json");
      }
      const response = await fetch(url + path, { method, headers, body });
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      const answer = { status: response.status, headers: response.headers, text, json };
      // Every answer of every API test is also checked against the OpenAPI document.
      checkAgainstDocument(method, path, answer);
      return answer;
    },
    close: () => server.shutdown(),
  };
}

/** Options of {@linkcode startApi}. */
export interface HarnessOptions {
  tokens?: string[];
  bodyLimitBytes?: number;
  plugins?: ChainPlugin[];
  devnet?: boolean;
  /**
   * Refused requests per minute before 429; off (0) by default, as these suites refuse
   * hundreds of requests on purpose (tests/api/auth_throttle.test.ts turns it on).
   */
  authFailureLimit?: number;
}

/** Starts the app on 127.0.0.1 over a fresh migrated database. */
export async function startApi(options: HarnessOptions = {}): Promise<ApiHarness> {
  const testDb = await openTestDb();
  const db = testDb.db;
  const logs: Record<string, unknown>[] = [];
  const ctx: ProcessorContext = {
    db,
    config: parseConfig({
      api: {
        tokens: options.tokens ?? [TEST_TOKEN],
        authFailureLimit: options.authFailureLimit ?? 0,
        ...(options.bodyLimitBytes ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
      },
    }),
    plugins: new Map((options.plugins ?? []).map((p) => [p.chain, p])),
    clock: systemClock,
    log: createLogger("debug", (line: string) => logs.push(JSON.parse(line))),
  };
  const server = serveApi(ctx, { devnet: options.devnet });
  return {
    ...server,
    ctx,
    logs,
    async close() {
      await server.close();
      await testDb.close();
    },
  };
}

/** Chain name of {@linkcode stubPlugin}. */
export const STUB_CHAIN = "stub";

/**
 * A stub chain plugin serving currency `TON` on chain `stub`, with toy addresses: any
 * 4–48 upper-case letters or digits is a valid address, canonical form `stub:<lower-case>`.
 * Deposit `n` is `DEP<n>`, the hot wallet `HOTWALLET`. Only what the API calls is real;
 * scanner and payload building throw. Special addresses drive error paths: `DOWN0` makes
 * `balance` throw UnavailableError, `BOOM0` a plain Error carrying a fake secret.
 */
export function stubPlugin(): ChainPlugin & { faucetCalls: FaucetRequest[] } {
  const asset: Asset = {
    code: "TON",
    chain: STUB_CHAIN,
    decimals: 9,
    contract: null,
    minSweep: 0n,
    hotMax: null,
    hotResidual: 0n,
    maxWithdrawal: DEFAULT_MAX_WITHDRAWAL,
    overtake: false,
  };
  const canonical = (display: string) => `stub:${display.toLowerCase()}`;
  const unused = () => Promise.reject(new Error("not used by the API"));
  const faucetCalls: FaucetRequest[] = [];
  return {
    chain: STUB_CHAIN,
    assets: [asset],
    faucetCalls,
    derivation: {
      hotWallet: { address: canonical("HOTWALLET"), display: "HOTWALLET" },
      deposit: (index) =>
        Promise.resolve({ address: canonical(`DEP${index}`), display: `DEP${index}`, watch: null }),
      parseAddress: (input) =>
        /^[A-Z0-9]{4,48}$/.test(input)
          ? { address: canonical(input), display: input }
          : { error: "not a stub address" },
      display: (address) => address.slice("stub:".length).toUpperCase(),
    },
    scanner: { initialCursor: unused, next: unused },
    sender: {
      maxBatch: 4,
      maxInFlight: 1,
      tokenBalanceLagSeconds: 0,
      withdrawable: () => true,
      nativeCost: () => 0n,
      spendable: unused,
      buildTransfers: unused,
      buildSweep: unused,
      broadcast: unused,
      lifecycle: expiresOnChain(0),
      balance(_currency, address) {
        if (address === undefined) return Promise.resolve({ balance: 1000n, status: "active" });
        if (address === canonical("DOWN0")) {
          return Promise.reject(new UnavailableError("stub node is down"));
        }
        if (address === canonical("BOOM0")) {
          return Promise.reject(new Error("mnemonic word1 word2 leaked into a message"));
        }
        return Promise.resolve({ balance: 5n, status: "uninit" });
      },
    },
    coldWallet: null,
    requiredConfirmations: 1,
    sharedDepositAddresses: false,
    validateMemo(comment) {
      if (comment !== null && comment.length > 20) {
        return { field: "comment", message: "longer than 20 characters" };
      }
      return null;
    },
    serviceWithdrawals: { native: "ton", token: null },
    resolve: (domain) => Promise.resolve(domain === "wallet.ton" ? "RESOLVED1" : null),
    devnet: {
      info: () => Promise.resolve({ faucet: "FAUCET", height: 7 }),
      faucet(request) {
        faucetCalls.push(request);
        return Promise.resolve("ab".repeat(32));
      },
    },
    close: () => Promise.resolve(),
  };
}
