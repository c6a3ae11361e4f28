/**
 * `core/` and `api/` speak no chain's words: every chain-specific term lives in a plugin. The
 * only exceptions are the seed's own chain-named endpoints and fields, which are a contract,
 * and historical SQL in released migrations, which must never change.
 */

import assert from "node:assert/strict";

const ROOTS = ["core", "api"] as const;

/** Chain words, matched as whole words (as `grep -w` does: letters, digits and `_` join). */
const CHAIN_WORDS =
  /(?<![A-Za-z0-9_])(ton|tron|jettons?|trc20|trc10|usdt\w*|trx|boc|tronscan|tonviewer|toncenter|energy|bandwidth|evm|erc20|eth|ether|wei|gwei|viem|etherscan|bscscan|polygonscan|arbiscan|basescan|eip1559)(?![A-Za-z0-9_])/i;

/** Text allowed where it stands, removed from a line before it is checked. */
const ALLOWED: readonly { file: string | null; text: string; why: string }[] = [
  { file: null, text: "/v1/withdrawal/service/ton", why: "seed endpoint" },
  { file: null, text: "/v1/withdrawal/service/jetton", why: "seed endpoint" },
  { file: null, text: "jetton_master", why: "seed field" },
  { file: "api/schemas.ts", text: "wallet.ton", why: "the seed's /v1/resolve example" },
  {
    file: "api/processor_routes.ts",
    text: "no configured jetton has this master",
    why: "the refusal of the seed's jetton_master field",
  },
  { file: "core/migrations.ts", text: "boc text not null", why: "released migration 1" },
  { file: "core/migrations.ts", text: "rename column boc to data", why: "released migration 13" },
];

/** Every `file:line: text` in `source` (a file named `file`) that uses a chain word. */
export function chainWordsIn(file: string, source: string): string[] {
  const found: string[] = [];
  source.split("\n").forEach((line, i) => {
    let rest = line;
    for (const allowed of ALLOWED) {
      if (allowed.file === null || allowed.file === file) rest = rest.replaceAll(allowed.text, "");
    }
    if (CHAIN_WORDS.test(rest)) found.push(`${file}:${i + 1}: ${line.trim()}`);
  });
  return found;
}

async function* tsFiles(dir: string): AsyncGenerator<string> {
  const root = new URL(`../../${dir}/`, import.meta.url);
  for await (const entry of Deno.readDir(root)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* tsFiles(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

Deno.test("the check finds chain words as whole words, and skips the seed's own names", () => {
  assert.deepEqual(chainWordsIn("core/x.ts", "// TON jettons bounce\nconst a = 1;"), [
    "core/x.ts:1: // TON jettons bounce",
  ]);
  assert.deepEqual(chainWordsIn("core/x.ts", "// USDT_TRC20 and Energy"), [
    "core/x.ts:1: // USDT_TRC20 and Energy",
  ]);
  assert.deepEqual(chainWordsIn("core/x.ts", "const buttonText = tonnage; // Boston"), []);
  assert.deepEqual(chainWordsIn("api/x.ts", `path: "/v1/withdrawal/service/ton",`), []);
  assert.deepEqual(chainWordsIn("api/x.ts", `"wallet.ton"`), ['api/x.ts:1: "wallet.ton"']);
});

Deno.test("core/ and api/ use no chain's words beyond the seed's names", async () => {
  const found: string[] = [];
  for (const root of ROOTS) {
    for await (const file of tsFiles(root)) {
      const source = await Deno.readTextFile(new URL(`../../${file}`, import.meta.url));
      found.push(...chainWordsIn(file, source));
    }
  }
  assert.deepEqual(found, [], `chain words in core/ or api/:\n${found.join("\n")}`);
});
