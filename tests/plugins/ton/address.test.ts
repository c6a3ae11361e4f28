import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import fc from "fast-check";
import { Address } from "@ton/core";
import { formatTonAddress, parseTonAddress } from "../../../plugins/ton/address.ts";

type AllForms = {
  raw: string;
  bounceable: string;
  non_bounceable: string;
  bounceable_testnet: string;
  non_bounceable_testnet: string;
  bounceable_std_base64: string;
  non_bounceable_std_base64: string;
};

const vectors: { vectors: { all_forms_computed: AllForms }[] } = JSON.parse(
  await Deno.readTextFile(new URL("../../fixtures/ton/address_vectors.json", import.meta.url)),
);
const forms = vectors.vectors.map((v) => v.all_forms_computed);

function rawOrFail(input: string, network: "mainnet" | "testnet" | "devnet"): string {
  const result = parseTonAddress(input, network);
  if ("error" in result) throw new Error(`${input}: ${result.error}`);
  return result.raw;
}

Deno.test("fixture vectors: every mainnet form parses to the canonical raw address", () => {
  assert.ok(forms.length >= 5);
  for (const f of forms) {
    for (
      const input of [
        f.raw,
        f.raw.toUpperCase(),
        f.bounceable,
        f.non_bounceable,
        f.bounceable_std_base64,
        f.non_bounceable_std_base64,
      ]
    ) {
      assert.equal(rawOrFail(input, "mainnet"), f.raw, input);
    }
  }
});

Deno.test("fixture vectors: testnet forms parse on testnet and devnet", () => {
  for (const f of forms) {
    for (const input of [f.bounceable_testnet, f.non_bounceable_testnet, f.bounceable]) {
      assert.equal(rawOrFail(input, "testnet"), f.raw);
      assert.equal(rawOrFail(input, "devnet"), f.raw);
    }
  }
});

Deno.test("fixture vectors: formatting reproduces the url-safe friendly forms", () => {
  for (const f of forms) {
    assert.equal(formatTonAddress(f.raw, "mainnet", true), f.bounceable);
    assert.equal(formatTonAddress(f.raw, "mainnet", false), f.non_bounceable);
    assert.equal(formatTonAddress(f.raw, "testnet", true), f.bounceable_testnet);
    assert.equal(formatTonAddress(f.raw, "devnet", false), f.non_bounceable_testnet);
    const parsed = parseTonAddress(f.bounceable, "mainnet");
    assert.ok(!("error" in parsed));
    assert.equal(formatTonAddress(parsed.address, "mainnet", false), f.non_bounceable);
  }
});

Deno.test("friendly form reports the bounceable flag; raw form reports null", () => {
  const f = forms[0];
  const b = parseTonAddress(f.bounceable, "mainnet");
  const nb = parseTonAddress(f.non_bounceable, "mainnet");
  const raw = parseTonAddress(f.raw, "mainnet");
  assert.ok(!("error" in b) && !("error" in nb) && !("error" in raw));
  assert.equal(b.bounceable, true);
  assert.equal(nb.bounceable, false);
  assert.equal(raw.bounceable, null);
});

Deno.test("mainnet rejects test-only friendly forms", () => {
  for (const f of forms) {
    assert.ok("error" in parseTonAddress(f.bounceable_testnet, "mainnet"));
    assert.ok("error" in parseTonAddress(f.non_bounceable_testnet, "mainnet"));
  }
});

Deno.test("rejects garbage, whitespace, wrong lengths, mixed alphabets and other workchains", () => {
  const f = forms[0];
  const bad = [
    "",
    " ",
    `${f.bounceable} `,
    ` ${f.bounceable}`,
    `${f.raw}\n`,
    f.bounceable.slice(0, 47),
    `${f.bounceable}A`,
    "hello world",
    "0:1234",
    `${f.raw}00`,
    `1:${f.raw.slice(2)}`,
    `+0:${f.raw.slice(2)}`,
    `00:${f.raw.slice(2)}`,
    `0:${f.raw.slice(2, 65)}g`,
    `-1:${f.raw.slice(2)}:`,
    // mixes "-" (url-safe) and "+" (standard)
    "EQAs9VlT6S776tq3unJcP5Ogsj-ELLunLXuOb1EKcOQi4+JB",
    `${f.bounceable.slice(0, 44)}====`,
  ];
  for (const input of bad) {
    assert.ok("error" in parseTonAddress(input, "mainnet"), JSON.stringify(input));
  }
  // workchain 1 with a valid checksum is still rejected
  const wc1 = new Address(1, Buffer.alloc(32, 7)).toString({ bounceable: true });
  assert.ok("error" in parseTonAddress(wc1, "mainnet"));
});

Deno.test("property: any hash x workchain x flags round-trips through format and parse", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.constantFrom(0, -1),
      fc.boolean(),
      fc.constantFrom("mainnet" as const, "testnet" as const, "devnet" as const),
      (hash, workchain, bounceable, network) => {
        const raw = `${workchain}:${Buffer.from(hash).toString("hex")}`;
        const friendly = formatTonAddress(raw, network, bounceable);
        const parsed = parseTonAddress(friendly, network);
        assert.ok(!("error" in parsed));
        assert.equal(parsed.raw, raw);
        assert.equal(parsed.bounceable, bounceable);
        const viaRaw = parseTonAddress(raw, network);
        assert.ok(!("error" in viaRaw));
        assert.ok(viaRaw.address.equals(parsed.address));
      },
    ),
  );
});

Deno.test("property: changing any single character of a friendly address is rejected", () => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.boolean(),
      fc.nat({ max: 47 }),
      fc.nat({ max: alphabet.length - 1 }),
      (hash, bounceable, position, replacementIndex) => {
        const friendly = formatTonAddress(
          `0:${Buffer.from(hash).toString("hex")}`,
          "mainnet",
          bounceable,
        );
        const replacement = alphabet[replacementIndex];
        fc.pre(friendly[position] !== replacement);
        const corrupted = friendly.slice(0, position) + replacement + friendly.slice(position + 1);
        assert.ok("error" in parseTonAddress(corrupted, "mainnet"), corrupted);
      },
    ),
    { numRuns: 2000 },
  );
});
