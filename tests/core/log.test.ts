/**
 * Logging: JSON lines at or above the configured level, to the given sink only, with secrets
 * masked as a last line of defence.
 */

import assert from "node:assert/strict";
import { createLogger, type LogLevel, redact } from "../../core/log.ts";

const MASK = "[redacted]";

Deno.test("redact masks every secret-looking key, whatever its case", () => {
  const input = {
    mnemonic: "abandon abandon about",
    tonMnemonic: "words",
    secret: "s",
    siteSecret: "s",
    token: "t",
    apiToken: "t",
    tokens: ["t1", "t2"],
    key: "k",
    apiKey: "k",
    privateKey: "k",
    password: "p",
    DB_PASSWORD: "p",
    authorization: "Bearer abc",
    Authorization: "Bearer abc",
    amount: "100",
  };
  assert.deepEqual(redact(input), {
    mnemonic: MASK,
    tonMnemonic: MASK,
    secret: MASK,
    siteSecret: MASK,
    token: MASK,
    apiToken: MASK,
    tokens: MASK,
    key: MASK,
    apiKey: MASK,
    privateKey: MASK,
    password: MASK,
    DB_PASSWORD: MASK,
    authorization: MASK,
    Authorization: MASK,
    amount: "100",
  });
});

Deno.test("redact masks secrets at any depth and inside arrays", () => {
  const input = {
    config: { ton: { mnemonic: "w1 w2", endpoint: "https://x" } },
    headers: [{ authorization: "Bearer abc", accept: "json" }],
    deep: [[{ a: { b: { c: { password: "p", ok: 1 } } } }]],
  };
  assert.deepEqual(redact(input), {
    config: { ton: { mnemonic: MASK, endpoint: "https://x" } },
    headers: [{ authorization: MASK, accept: "json" }],
    deep: [[{ a: { b: { c: { password: MASK, ok: 1 } } } }]],
  });
});

Deno.test("redact masks a secret key whatever its value is, even an object", () => {
  assert.deepEqual(redact({ secret: { nested: "x" }, token: null, key: 0 }), {
    secret: MASK,
    token: MASK,
    key: MASK,
  });
});

Deno.test("redact turns bigints into decimal strings", () => {
  const big = (1n << 256n) - 1n;
  assert.deepEqual(redact({ amount: 5n, list: [1n, big] }), {
    amount: "5",
    list: ["1", big.toString()],
  });
  assert.equal(redact(-7n), "-7");
  // The result is JSON-serialisable, which a raw bigint is not.
  assert.equal(JSON.stringify(redact({ amount: 10n })), '{"amount":"10"}');
});

Deno.test("redact reduces errors to their name and message", () => {
  const error = new TypeError("boom");
  assert.deepEqual(redact(error), { name: "TypeError", message: "boom" });
  assert.deepEqual(redact({ error: new RangeError("r"), errors: [new Error("e")] }), {
    error: { name: "RangeError", message: "r" },
    errors: [{ name: "Error", message: "e" }],
  });
  // The stack never leaks into a log line.
  assert.ok(!JSON.stringify(redact({ error })).includes("at "));
});

Deno.test("redact leaves plain values untouched", () => {
  for (const value of ["text", 1, 0, true, false, null, undefined]) {
    assert.equal(redact(value), value);
  }
  assert.deepEqual(redact({ chain: "ton", height: 12, ok: true, none: null }), {
    chain: "ton",
    height: 12,
    ok: true,
    none: null,
  });
});

Deno.test("redact does not modify its input", () => {
  const input = { password: "p", nested: { token: "t" } };
  redact(input);
  assert.deepEqual(input, { password: "p", nested: { token: "t" } });
});

function capture(level?: LogLevel) {
  const lines: string[] = [];
  const log = createLogger(level, (line: string) => lines.push(line));
  return { log, lines, entries: () => lines.map((l) => JSON.parse(l)) };
}

Deno.test("createLogger writes one JSON line per entry with time, level, message and data", () => {
  const { log, lines, entries } = capture("debug");
  const before = Date.now();
  log.info("block ingested", { chain: "ton", height: 5n });
  assert.equal(lines.length, 1);
  assert.ok(!lines[0].includes("\n"));
  const [entry] = entries();
  assert.equal(entry.level, "info");
  assert.equal(entry.message, "block ingested");
  assert.equal(entry.chain, "ton");
  assert.equal(entry.height, "5");
  assert.ok(Date.parse(entry.t) >= before - 1000 && Date.parse(entry.t) <= Date.now() + 1000);
  assert.deepEqual(Object.keys(entry).sort(), ["chain", "height", "level", "message", "t"]);
});

Deno.test("createLogger drops entries below its level and keeps those at or above", () => {
  const cases: [LogLevel, LogLevel[]][] = [
    ["debug", ["debug", "info", "warn", "error"]],
    ["info", ["info", "warn", "error"]],
    ["warn", ["warn", "error"]],
    ["error", ["error"]],
  ];
  for (const [level, expected] of cases) {
    const { log, entries } = capture(level);
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    assert.deepEqual(entries().map((e) => e.level), expected, `at level ${level}`);
    assert.deepEqual(entries().map((e) => e.message), expected.map((l) => l[0]));
  }
});

Deno.test("createLogger defaults to the info level", () => {
  const { log, entries } = capture();
  log.debug("hidden");
  log.info("shown");
  assert.deepEqual(entries().map((e) => e.message), ["shown"]);
});

Deno.test("createLogger masks secrets in the data it writes", () => {
  const { log, lines } = capture("debug");
  log.warn("config loaded", {
    ton: { mnemonic: "abandon ability able", apiKey: "toncenter-key" },
    headers: { authorization: "Bearer super-secret-token" },
    error: new Error("bad"),
  });
  assert.equal(lines.length, 1);
  for (const secret of ["abandon ability able", "toncenter-key", "super-secret-token"]) {
    assert.ok(!lines[0].includes(secret), `${secret} leaked: ${lines[0]}`);
  }
  const entry = JSON.parse(lines[0]);
  assert.deepEqual(entry.error, { name: "Error", message: "bad" });
});

Deno.test("createLogger writes to its sink only, not to the console", () => {
  const originals = {
    log: console.log,
    info: console.info,
    warn: console.warn,
    error: console.error,
    debug: console.debug,
  };
  const leaked: unknown[] = [];
  for (const name of Object.keys(originals) as (keyof typeof originals)[]) {
    console[name] = (...args: unknown[]) => leaked.push(args);
  }
  try {
    const { log, lines } = capture("debug");
    log.debug("a");
    log.info("b");
    log.warn("c");
    log.error("d");
    assert.equal(lines.length, 4);
  } finally {
    Object.assign(console, originals);
  }
  assert.deepEqual(leaked, []);
});
