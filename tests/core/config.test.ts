/**
 * Configuration: defaults, a JSON file, environment overrides on top, and a ConfigError that
 * names the offending field whenever anything is invalid.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  applyEnv,
  type Config,
  ConfigError,
  loadConfig,
  parseConfig,
} from "../../host/registry.ts";
import { readSectionMnemonic } from "../../core/config.ts";

/** Asserts `fn` throws a ConfigError whose message mentions every one of `fields`. */
async function rejectsNaming(fn: () => unknown, ...fields: string[]): Promise<ConfigError> {
  let caught: unknown;
  try {
    await fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  assert.equal(caught.name, "ConfigError");
  for (const field of fields) {
    assert.ok(caught.message.includes(field), `"${caught.message}" should name ${field}`);
  }
  return caught;
}

async function withTempFile(text: string, fn: (path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "config-test-" });
  try {
    const path = join(dir, "config.json");
    await Deno.writeTextFile(path, text);
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const env = (vars: Record<string, string>) => loadConfig(undefined, vars);
const TOKEN_A = "aaaaaaaaaaaaaaaa1";
const TOKEN_B = "bbbbbbbbbbbbbbbb2";

Deno.test("an empty config takes every default and leaves TON disabled", async () => {
  const expected: Config = {
    network: "devnet",
    api: {
      port: 8080,
      hostname: "0.0.0.0",
      tokens: [],
      bodyLimitBytes: 65536,
      authFailureLimit: 20,
      authFailureWindowSeconds: 60,
      trustForwardedFor: false,
    },
    database: { dataDir: "./data/pglite" },
    withdrawalStallSeconds: 900,
    syncLagSeconds: 40,
    countingSide: "deposit",
    public: {
      signatureWindowSeconds: 300,
      defaultLifetimeSeconds: 3600,
      maxLifetimeSeconds: 604_800,
      underpaymentToleranceBps: 0,
    },
    metrics: { enabled: true, balanceTtlSeconds: 30 },
  };
  assert.deepEqual(parseConfig({}), expected);
  assert.deepEqual(await loadConfig(undefined, {}), expected);
});

Deno.test("an empty TON section gets its defaults and the native TON asset", () => {
  const config = parseConfig({ ton: {} });
  assert.deepEqual(config.ton, {
    enabled: true,
    batchSize: 250,
    validitySeconds: 60,
    rebroadcastSeconds: 10,
    requestTimeoutMs: 15_000,
    jettonForwardTon: 1n,
    rps: 10,
    assets: { TON: { decimals: 9, minSweep: 0n, hotResidual: 0n } },
  });
});

Deno.test("asset limits are parsed to bigint base units from strings or integers", () => {
  const config = parseConfig({
    ton: {
      assets: {
        USDT_TON: { decimals: 6, contract: "EQmaster", minSweep: "1000000", hotMax: 5 },
        TON: {
          decimals: 9,
          hotResidual:
            "115792089237316195423570985008687907853269984665640564039457584007913129639935",
        },
      },
    },
  });
  assert.equal(config.ton?.assets.USDT_TON.minSweep, 1_000_000n);
  assert.equal(config.ton?.assets.USDT_TON.hotMax, 5n);
  assert.equal(config.ton?.assets.USDT_TON.hotResidual, 0n);
  assert.equal(config.ton?.assets.TON.hotResidual, (1n << 256n) - 1n);
});

Deno.test("API_TOKEN is a comma list; spaces and empty items are dropped", async () => {
  const config = await env({ API_TOKEN: ` ${TOKEN_A} ,${TOKEN_B} , ,` });
  assert.deepEqual(config.api.tokens, [TOKEN_A, TOKEN_B]);
});

Deno.test("environment variables override the file and the defaults", async () => {
  const config = await env({
    API_TOKEN: TOKEN_A,
    API_PORT: "9090",
    DATABASE_URL: "postgres://u@db:5432/p",
    DATA_DIR: "/var/lib/processor",
    DATABASE_POOL_SIZE: "6",
    SYNC_LAG_SECONDS: "120",
    COUNTING_SIDE: "hot_wallet",
    NETWORK: "testnet",
    TON_ENDPOINT: "https://testnet.toncenter.com/api/v2/jsonRPC",
    TON_API_KEY: "k",
    TON_MNEMONIC_FILE: "/run/secrets/mnemonic",
    TON_COLD_WALLET: "EQcold",
  });
  assert.equal(config.network, "testnet");
  assert.deepEqual(config.api.tokens, [TOKEN_A]);
  assert.equal(config.api.port, 9090);
  assert.equal(config.database.url, "postgres://u@db:5432/p");
  assert.equal(config.database.dataDir, "/var/lib/processor");
  assert.equal(config.database.poolSize, 6);
  assert.equal(config.syncLagSeconds, 120);
  assert.equal(config.countingSide, "hot_wallet");
  assert.equal(config.ton?.endpoint, "https://testnet.toncenter.com/api/v2/jsonRPC");
  assert.equal(config.ton?.apiKey, "k");
  assert.equal(config.ton?.mnemonicFile, "/run/secrets/mnemonic");
  assert.equal(config.ton?.coldWallet, "EQcold");
});

Deno.test("per-asset env limits override the configured asset and keep its other fields", async () => {
  await withTempFile(
    JSON.stringify({
      ton: { assets: { USDT_TON: { decimals: 6, contract: "EQmaster", minSweep: "7" } } },
    }),
    async (path) => {
      const config = await loadConfig(path, {
        TON_ASSET_USDT_TON_MIN_SWEEP: "1000",
        TON_ASSET_USDT_TON_HOT_MAX: "2000",
        TON_ASSET_USDT_TON_HOT_RESIDUAL: "3",
      });
      assert.deepEqual(config.ton?.assets.USDT_TON, {
        decimals: 6,
        contract: "EQmaster",
        minSweep: 1000n,
        hotMax: 2000n,
        hotResidual: 3n,
      });
    },
  );
});

Deno.test("TON_ASSET_TON_MIN_SWEEP alone sets the default TON asset's minimum sweep", async () => {
  const config = await env({ TON_ASSET_TON_MIN_SWEEP: "500000000" });
  assert.equal(config.ton?.assets.TON.decimals, 9);
  assert.equal(config.ton?.assets.TON.minSweep, 500_000_000n);
});

Deno.test("applyEnv does not modify the raw config it is given", () => {
  const raw = { api: { port: 1 } };
  const out = applyEnv(raw, { API_PORT: "2", NETWORK: "mainnet" });
  assert.deepEqual(raw, { api: { port: 1 } });
  assert.deepEqual(out, { api: { port: 2 }, network: "mainnet" });
});

Deno.test("an invalid port names api.port; a non-numeric API_PORT names API_PORT", async () => {
  await rejectsNaming(() => env({ API_PORT: "65536" }), "api.port");
  await rejectsNaming(() => parseConfig({ api: { port: -1 } }), "api.port");
  await rejectsNaming(() => parseConfig({ api: { port: "8080" } }), "api.port");
  for (const bad of ["80a", "-1", "8.5", " 80", "0x50"]) {
    await rejectsNaming(() => env({ API_PORT: bad }), "API_PORT");
  }
  await rejectsNaming(() => env({ SYNC_LAG_SECONDS: "soon" }), "SYNC_LAG_SECONDS");
  await rejectsNaming(() => env({ DATABASE_POOL_SIZE: "many" }), "DATABASE_POOL_SIZE");
  await rejectsNaming(() => env({ DATABASE_POOL_SIZE: "0" }), "database.poolSize");
});

Deno.test("an unknown network names network", async () => {
  await rejectsNaming(() => env({ NETWORK: "regtest" }), "network");
  await rejectsNaming(() => parseConfig({ network: "Mainnet" }), "network");
});

Deno.test("an invalid asset amount names its path", async () => {
  for (const bad of ["-1", "1.5", "1e9", "abc", " 1", (1n << 256n).toString()]) {
    await rejectsNaming(
      () => env({ TON_ASSET_TON_MIN_SWEEP: bad }),
      "ton.assets.TON.minSweep",
    );
  }
  await rejectsNaming(
    () => parseConfig({ ton: { assets: { TON: { decimals: 9, hotMax: 1.5 } } } }),
    "ton.assets.TON.hotMax",
  );
  await rejectsNaming(
    () => parseConfig({ ton: { assets: { TON: { decimals: 37 } } } }),
    "ton.assets.TON.decimals",
  );
});

Deno.test("an invalid TON endpoint, batch size or asset code names its field", async () => {
  await rejectsNaming(() => env({ TON_ENDPOINT: "not a url" }), "ton.endpoint");
  await rejectsNaming(() => parseConfig({ ton: { batchSize: 251 } }), "ton.batchSize");
  await rejectsNaming(() => parseConfig({ ton: { validitySeconds: 5 } }), "ton.validitySeconds");
  await rejectsNaming(
    () => parseConfig({ ton: { assets: { "usdt": { decimals: 6 } } } }),
    "ton.assets",
  );
});

Deno.test("every invalid field is named in one error", async () => {
  await rejectsNaming(
    () => parseConfig({ network: "x", api: { port: 70000 }, syncLagSeconds: 0 }),
    "network",
    "api.port",
    "syncLagSeconds",
  );
});

Deno.test("a token shorter than 16 characters is refused", async () => {
  await rejectsNaming(() => env({ API_TOKEN: "fifteen-chars!!" }), "api.tokens.0");
  await rejectsNaming(() => env({ API_TOKEN: `${TOKEN_A},short` }), "api.tokens.1");
  assert.deepEqual((await env({ API_TOKEN: "sixteen-chars!!!" })).api.tokens, [
    "sixteen-chars!!!",
  ]);
});

Deno.test("unknown keys are refused at every level", async () => {
  await rejectsNaming(() => parseConfig({ bogus: 1 }), "bogus");
  await rejectsNaming(() => parseConfig({ api: { prot: 80 } }), "api", "prot");
  await rejectsNaming(() => parseConfig({ database: { uri: "x" } }), "database", "uri");
  await rejectsNaming(() => parseConfig({ ton: { mnemonicfile: "x" } }), "ton", "mnemonicfile");
  await rejectsNaming(
    () => parseConfig({ ton: { assets: { TON: { decimals: 9, minsweep: "1" } } } }),
    "ton.assets.TON",
    "minsweep",
  );
});

Deno.test("a non-object section is refused naming the section", async () => {
  await rejectsNaming(() => applyEnv({ api: "x" }, { API_PORT: "1" }), "api");
  await rejectsNaming(() => parseConfig({ api: [] }), "api");
});

Deno.test("loadConfig reads a JSON file and applies env on top", async () => {
  await withTempFile(
    JSON.stringify({
      network: "mainnet",
      api: { port: 7000, tokens: [TOKEN_A] },
      ton: { endpoint: "https://toncenter.com/api/v2/jsonRPC", rps: 1 },
    }),
    async (path) => {
      const config = await loadConfig(path, { API_PORT: "7001" });
      assert.equal(config.network, "mainnet");
      assert.equal(config.api.port, 7001);
      assert.deepEqual(config.api.tokens, [TOKEN_A]);
      assert.equal(config.api.hostname, "0.0.0.0");
      assert.equal(config.ton?.endpoint, "https://toncenter.com/api/v2/jsonRPC");
      assert.equal(config.ton?.rps, 1);
    },
  );
});

Deno.test("a missing config file is a ConfigError naming the path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "config-test-" });
  try {
    const path = join(dir, "absent.json");
    await rejectsNaming(() => loadConfig(path, {}), path, "cannot read");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a config file with invalid JSON is a ConfigError naming the path", async () => {
  await withTempFile("{ network: mainnet", async (path) => {
    await rejectsNaming(() => loadConfig(path, {}), path, "not valid JSON");
  });
});

Deno.test("a config file that is not a JSON object is refused", async () => {
  for (const text of ["[]", "null", "42", '"x"']) {
    await withTempFile(text, async (path) => {
      await rejectsNaming(() => loadConfig(path, {}), path, "JSON object");
    });
  }
});

Deno.test("an invalid value in the file names its field path", async () => {
  await withTempFile(JSON.stringify({ api: { port: 1e6 } }), async (path) => {
    await rejectsNaming(() => loadConfig(path, {}), "api.port");
  });
});

Deno.test("TRON env overrides fill the tron section; TRX stays the default asset", async () => {
  const config = await env({
    TRON_ENDPOINT: "https://api.trongrid.io",
    TRON_API_KEY: "key",
    TRON_MNEMONIC_FILE: "/run/secrets/tron",
    TRON_CONFIRMATIONS: "25",
    TRON_FEE_LIMIT: "40000000",
    TRON_SWEEP_STRATEGY: "delegate",
    TRON_ASSET_TRX_MIN_SWEEP: "100000000",
  });
  const tron = config.tron!;
  assert.equal(tron.endpoint, "https://api.trongrid.io");
  assert.equal(tron.apiKey, "key");
  assert.equal(tron.mnemonicFile, "/run/secrets/tron");
  assert.equal(tron.confirmations, 25);
  assert.equal(tron.feeLimit, 40_000_000n);
  assert.deepEqual(tron.sweep, { strategy: "delegate", maxFeeBps: 1000 });
  assert.equal(tron.assets.TRX.decimals, 6);
  assert.equal(tron.assets.TRX.minSweep, 100_000_000n);
  assert.equal(config.ton, undefined);
});

Deno.test("TRON defaults: 19 confirmations, 100 TRX fee limit, top-up sweeps at most 10% fee", () => {
  const tron = parseConfig({ tron: {} }).tron!;
  assert.equal(tron.confirmations, 19);
  assert.equal(tron.feeLimit, 100_000_000n);
  assert.equal(tron.validitySeconds, 60);
  assert.deepEqual(tron.sweep, { strategy: "topup", maxFeeBps: 1000 });
});

Deno.test("bad TRON settings name their field", async () => {
  await rejectsNaming(() => env({ TRON_CONFIRMATIONS: "many" }), "TRON_CONFIRMATIONS");
  await rejectsNaming(() => env({ TRON_SWEEP_STRATEGY: "burn" }), "tron.sweep.strategy");
  await rejectsNaming(() => env({ TRON_FEE_LIMIT: "1.5" }), "tron.feeLimit");
  await rejectsNaming(
    () => parseConfig({ tron: { sweep: { maxFeeBps: 10_001 } } }),
    "tron.sweep.maxFeeBps",
  );
  await rejectsNaming(
    () => parseConfig({ tron: { assets: { USDT_TRC20: { decimals: 6, trxPrice: "0.3" } } } }),
    "tron.assets.USDT_TRC20.trxPrice",
  );
});

Deno.test("public.baseUrl and the checkout's frame ancestors must be http(s); PUBLIC_BASE_URL sets the base", () => {
  const config = parseConfig(applyEnv({}, { PUBLIC_BASE_URL: "https://pay.example.com" }));
  assert.equal(config.public.baseUrl, "https://pay.example.com");
  for (const bad of ["javascript:alert(1)", "ftp://pay.example.com", "pay.example.com"]) {
    assert.throws(() => parseConfig({ public: { baseUrl: bad } }), /public\.baseUrl/, bad);
    assert.throws(
      () => parseConfig({ public: { checkoutFrameAncestors: [bad] } }),
      /public\.checkoutFrameAncestors\.0/,
      bad,
    );
  }
  assert.deepEqual(
    parseConfig({ public: { checkoutFrameAncestors: ["https://shop.example"] } }).public
      .checkoutFrameAncestors,
    ["https://shop.example"],
  );
});

Deno.test("a section's mnemonic comes from mnemonic, else its file, trimmed; errors name the field and not the secret", async () => {
  const words = "abandon ".repeat(23) + "art";
  assert.equal(await readSectionMnemonic({ mnemonic: ` ${words}\n` }, "tron"), words);
  const file = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(file, `${words}\n`);
    assert.equal(await readSectionMnemonic({ mnemonicFile: file }, "base"), words);
    await Deno.writeTextFile(file, "  \n");
    await assert.rejects(
      readSectionMnemonic({ mnemonicFile: file }, "base"),
      { message: "base.mnemonic: set BASE_MNEMONIC or BASE_MNEMONIC_FILE" },
    );
  } finally {
    await Deno.remove(file);
  }
  await assert.rejects(readSectionMnemonic({ mnemonicFile: `${file}.absent` }, "ton"), {
    message: "ton.mnemonicFile: cannot read (NotFound)",
  });
  await assert.rejects(readSectionMnemonic({}, "ton"), {
    message: "ton.mnemonic: set TON_MNEMONIC or TON_MNEMONIC_FILE",
  });
});
