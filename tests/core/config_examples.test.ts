/**
 * The example configs in the repository parse as `main.ts` reads them (network required),
 * their token contracts are valid addresses of their network, and the TRON sweep fee guard
 * refuses a token without `trxPrice` once `maxFeeBps` is set.
 */

import assert from "node:assert/strict";
import { ConfigError, loadConfig, MODULES, parseConfig } from "../../host/registry.ts";
import { parseTonAddress } from "../../plugins/ton/address.ts";
import { parseTronAddress } from "../../plugins/tron/address.ts";

const EXAMPLES = {
  mainnet: "config.example.json",
  testnet: "config.testnet.example.json",
  devnet: "config.devnet.example.json",
} as const;

for (const [network, file] of Object.entries(EXAMPLES)) {
  Deno.test(`${file} parses for ${network}, with valid token contracts`, async () => {
    const path = new URL(`../../${file}`, import.meta.url).pathname;
    const config = await loadConfig(path, {}, { requireNetwork: true });
    assert.equal(config.network, network);
    assert.ok(config.ton && config.tron, "both chains are configured");
    for (const [code, asset] of Object.entries(config.ton.assets)) {
      if (!asset.contract) continue;
      const parsed = parseTonAddress(asset.contract, config.network);
      assert.ok(!("error" in parsed), `ton.assets.${code}.contract`);
    }
    for (const [code, asset] of Object.entries(config.tron.assets)) {
      if (!asset.contract) continue;
      assert.ok(!("error" in parseTronAddress(asset.contract)), `tron.assets.${code}.contract`);
      assert.ok(asset.trxPrice !== undefined, `tron.assets.${code}.trxPrice`);
    }
  });
}

Deno.test("the TRON fee guard refuses a token without trxPrice once maxFeeBps is set", () => {
  const tron = (sweep: Record<string, unknown> | undefined, trxPrice?: string) => ({
    network: "mainnet",
    tron: {
      ...(sweep ? { sweep } : {}),
      assets: {
        TRX: { decimals: 6 },
        USDT_TRC20: {
          decimals: 6,
          contract: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
          ...(trxPrice ? { trxPrice } : {}),
        },
      },
    },
  });
  assert.throws(
    () => parseConfig(tron({ maxFeeBps: 500 })),
    (e: unknown) =>
      e instanceof ConfigError &&
      /^tron\.assets\.USDT_TRC20\.trxPrice: is required while tron\.sweep\.maxFeeBps is set/
        .test(e.message),
  );
  assert.equal(parseConfig(tron({ maxFeeBps: 500 }, "300000")).tron?.sweep.maxFeeBps, 500);
  // Left at its default the guard stays as before (the start logs a warning).
  assert.equal(parseConfig(tron(undefined)).tron?.sweep.maxFeeBps, 1000);
});

Deno.test("a config without network is refused where main.ts requires it, devnet elsewhere", async () => {
  await assert.rejects(
    () => loadConfig(undefined, {}, { requireNetwork: true }),
    /^ConfigError: network: is required/,
  );
  assert.equal(
    (await loadConfig(undefined, { NETWORK: "testnet" }, { requireNetwork: true })).network,
    "testnet",
  );
  assert.equal((await loadConfig(undefined, {})).network, "devnet");
});

Deno.test("the README documents every environment variable the config reads", async () => {
  const source = await Deno.readTextFile(new URL("../../core/config.ts", import.meta.url));
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const names = new Set(
    [...source.matchAll(/env\.([A-Z][A-Z0-9_]+)|\["([A-Z][A-Z0-9_]+)",/g)].map((m) => m[1] ?? m[2]),
  );
  // Each plugin's names, under its own instance name (`TON_ENDPOINT`, `TRON_FEE_LIMIT`).
  for (const module of MODULES) {
    for (const suffix of Object.keys(module.env)) {
      names.add(`${module.name.toUpperCase()}_${suffix}`);
    }
  }
  assert.ok(names.size >= 20, `found only ${[...names].join(", ")}`);
  for (const name of names) assert.ok(readme.includes(`\`${name}`), `${name} is not in the README`);
});
