/**
 * The command line as an operator meets it, run as a real subprocess: help, unknown commands,
 * a config without `network`, and `keys check` proving (or refuting) that the configured
 * mnemonics belong to a database, without printing a secret.
 */

import assert from "node:assert/strict";
import { mnemonicNew } from "@ton/crypto";
import { parseConfig } from "../../host/registry.ts";
import { openPglite } from "../../core/db.ts";
import { migrate } from "../../core/migrations.ts";
import { insertAddress } from "../../core/store/addresses.ts";
import { recordHotWallet } from "../../core/store/hot_wallets.ts";
import { loadPlugins } from "../../host/registry.ts";
import { englishWordlist, generateMnemonic } from "../../plugins/tron/deps.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** Runs main.ts with `args`; the environment holds only what the test gives (and PATH/HOME). */
async function main(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test("--help prints the usage and exits 0", async () => {
  for (const flag of ["--help", "-h"]) {
    const r = await main([flag]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^usage: main\.ts/);
    assert.match(r.stdout, /keys check/);
    assert.match(r.stdout, /devnet/);
  }
});

Deno.test("an unknown command or option prints the usage and exits non-zero", async () => {
  for (const args of [["frobnicate"], ["--conifg", "x.json"], ["keys", "rotate"], ["dev", "x"]]) {
    const r = await main(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /^unknown (command|option|argument|keys command)/);
    assert.match(r.stderr, /usage: main\.ts/);
    assert.equal(r.stdout, "");
  }
});

Deno.test("outside dev, a config without network is refused naming the field", async () => {
  const r = await main([], { API_TOKEN: "token-0123456789abcdef" });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^network: is required \(mainnet, testnet or devnet\)/);
});

Deno.test("keys check: the right mnemonics match the database, others are a mismatch exit 1, and no secret is printed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "keys-check-" });
  try {
    const tonMnemonic = (await mnemonicNew()).join(" ");
    const tronMnemonic = generateMnemonic(englishWordlist, 256);
    const raw = (ton: string, tron: string) => ({
      network: "testnet",
      database: { dataDir: `${dir}/db` },
      // Never contacted: deriving addresses needs no node.
      ton: { endpoint: "http://127.0.0.1:9/jsonRPC", mnemonic: ton },
      tron: { endpoint: "http://127.0.0.1:9", mnemonic: tron },
    });
    // The database as a processor on these mnemonics left it: hot wallets and deposits.
    const config = parseConfig(raw(tonMnemonic, tronMnemonic));
    const plugins = await loadPlugins(config);
    const db = await openPglite(`${dir}/db`);
    await migrate(db);
    for (const plugin of plugins.values()) {
      await recordHotWallet(db, plugin.chain, plugin.derivation.hotWallet);
      const currency = plugin.assets[0].code;
      for (const index of [1n, 2n, 3n]) {
        const d = await plugin.derivation.deposit(index, currency);
        await insertAddress(db, {
          chain: plugin.chain,
          currency,
          userId: "u",
          address: d.address,
          display: d.display,
          watchAddress: d.watch,
          derivationIndex: index,
        });
      }
      await plugin.close();
    }
    await db.close();

    const write = async (name: string, value: unknown) => {
      await Deno.writeTextFile(`${dir}/${name}`, JSON.stringify(value));
      return `${dir}/${name}`;
    };
    const right = await main([
      "keys",
      "check",
      "--config",
      await write("right.json", raw(tonMnemonic, tronMnemonic)),
    ]);
    assert.equal(right.code, 0, right.stderr);
    assert.match(right.stdout, /^ton hot wallet: \S+ matches the database$/m);
    assert.match(right.stdout, /^tron hot wallet: T\S+ matches the database$/m);
    assert.match(right.stdout, /^ton deposits: 3 checked .*all match$/m);
    assert.match(right.stdout, /^tron deposits: 3 checked .*all match$/m);
    assert.match(right.stdout, /^keys check: OK$/m);

    const otherTron = generateMnemonic(englishWordlist, 256);
    const wrong = await main([
      "keys",
      "check",
      "--count",
      "2",
      "--config",
      await write("wrong.json", raw(tonMnemonic, otherTron)),
    ]);
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.match(wrong.stdout, /^ton deposits: 2 checked .*all match$/m);
    assert.match(
      wrong.stderr,
      /^tron hot wallet: MISMATCH: the mnemonic derives T\S+, the database recorded T\S+$/m,
    );
    assert.equal(wrong.stderr.match(/^tron deposit \d+: MISMATCH/gm)?.length, 2);
    assert.match(wrong.stdout, /^keys check: 3 mismatch\(es\)$/m);

    for (const output of [right.stdout, right.stderr, wrong.stdout, wrong.stderr]) {
      for (const secret of [tonMnemonic, tronMnemonic, otherTron]) {
        // Any three consecutive words of a phrase; single words occur in prose ("wallet").
        const words = secret.split(" ");
        for (let i = 0; i + 2 < words.length; i++) {
          assert.ok(!output.includes(words.slice(i, i + 3).join(" ")), "a mnemonic was printed");
        }
      }
    }

    // The processor itself refuses to start on the wrong mnemonic for this database.
    const start = await main(["--config", `${dir}/wrong.json`], {
      API_TOKEN: "token-0123456789abcdef",
      API_PORT: "0",
    });
    assert.equal(start.code, 2, start.stderr);
    assert.match(
      start.stderr,
      /^tron\.mnemonic: derives hot wallet T\S+, but this database was used with T\S+/m,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
