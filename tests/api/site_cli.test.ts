/**
 * `main.ts site ...` as an operator runs it: a subprocess on a real database (an embedded
 * PGlite data directory, and the Postgres of DATABASE_URL in a schema of its own when set).
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import { type Db, openPglite, openPostgres } from "../../core/db.ts";
import { SITE_ID_PATTERN, siteSecret } from "../../core/store/sites.ts";
import { engines } from "../support/db.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed, when it is JSON. */
  json: unknown;
}

/** Where a CLI run keeps its data, and how to look at it afterwards. */
interface Target {
  env: Record<string, string>;
  configPath: string;
  open(): Promise<Db>;
  cleanup(): Promise<void>;
}

async function target(engine: "pglite" | "postgres"): Promise<Target> {
  const dir = await Deno.makeTempDir({ prefix: "site_cli_" });
  const configPath = `${dir}/config.json`;
  if (engine === "pglite") {
    const dataDir = `${dir}/pglite`;
    // The data directory comes from the config file; the environment must not point elsewhere.
    await Deno.writeTextFile(configPath, JSON.stringify({ database: { dataDir } }));
    return {
      env: { DATABASE_URL: "", DATA_DIR: "" },
      configPath,
      open: () => openPglite(dataDir),
      cleanup: () => Deno.remove(dir, { recursive: true }),
    };
  }
  const url = Deno.env.get("DATABASE_URL")!;
  const schema = `t_${crypto.randomUUID().replaceAll("-", "")}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create schema ${schema}`);
  await Deno.writeTextFile(configPath, JSON.stringify({ database: { schema } }));
  return {
    env: { DATABASE_URL: url },
    configPath,
    open: () => Promise.resolve(openPostgres(url, { max: 1, schema })),
    async cleanup() {
      await admin.unsafe(`drop schema ${schema} cascade`);
      await admin.end();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "site", ...args],
    env: { LOG_LEVEL: "debug", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { code: output.code, stdout, stderr, json };
}

function assertOk(run: Run): void {
  assert.equal(run.code, 0, `exit ${run.code}\n${run.stdout}\n${run.stderr}`);
  assert.equal(run.stdout.trim().split("\n").length, 1, "one JSON line");
}

for (const engine of engines()) {
  Deno.test(`[${engine}] main.ts site: create, list, rotate, webhook, disable`, async () => {
    const t = await target(engine);
    const run = (...args: string[]) => cli([...args, "--config", t.configPath], t.env);
    const everything: Run[] = [];
    const keep = async (promise: Promise<Run>) => {
      const r = await promise;
      everything.push(r);
      return r;
    };
    try {
      const created = await keep(
        run(
          "create",
          "--name",
          "My Shop",
          "--webhook-url",
          "https://shop.example/hook",
          "--strong",
        ),
      );
      assertOk(created);
      const site = created.json as Record<string, unknown>;
      assert.deepEqual(Object.keys(site), [
        "siteId",
        "name",
        "apiSecret",
        "webhookUrl",
        "requireStrongSignature",
        "createdAt",
      ]);
      const siteId = String(site.siteId);
      const firstSecret = String(site.apiSecret);
      assert.match(siteId, SITE_ID_PATTERN);
      assert.match(firstSecret, /^[0-9a-f]{64}$/);
      assert.equal(site.name, "My Shop");
      assert.equal(site.webhookUrl, "https://shop.example/hook");
      assert.equal(site.requireStrongSignature, true);
      assert.match(String(site.createdAt), ISO);

      // New sites require the strong scheme unless --seed says otherwise.
      const plain = await keep(run("create", "--name=Plain"));
      assertOk(plain);
      assert.equal((plain.json as { webhookUrl: unknown }).webhookUrl, null);
      assert.equal(
        (plain.json as { requireStrongSignature: unknown }).requireStrongSignature,
        true,
      );
      const legacy = await keep(run("create", "--name=Legacy", "--seed"));
      assertOk(legacy);
      assert.equal(
        (legacy.json as { requireStrongSignature: unknown }).requireStrongSignature,
        false,
      );

      const list = await keep(run("list"));
      assertOk(list);
      const sites = (list.json as { sites: { siteId: string; name: string }[] }).sites;
      assert.deepEqual(sites.map((s) => s.name).sort(), ["Legacy", "My Shop", "Plain"]);
      for (const s of sites) assert.ok(!("apiSecret" in s));

      const rotated = await keep(run("rotate", siteId));
      assertOk(rotated);
      const { apiSecret: newSecret } = rotated.json as { apiSecret: string };
      assert.deepEqual(Object.keys(rotated.json as object), ["siteId", "apiSecret"]);
      assert.match(newSecret, /^[0-9a-f]{64}$/);
      assert.notEqual(newSecret, firstSecret);

      const cleared = await keep(run("webhook", siteId, "none"));
      assertOk(cleared);
      assert.equal((cleared.json as { webhookUrl: unknown }).webhookUrl, null);
      const hooked = await keep(run("webhook", siteId, "http://other.example/h"));
      assertOk(hooked);
      assert.equal((hooked.json as { webhookUrl: unknown }).webhookUrl, "http://other.example/h");

      const seed = await keep(run("signature", siteId, "seed"));
      assertOk(seed);
      assert.equal(
        (seed.json as { requireStrongSignature: unknown }).requireStrongSignature,
        false,
      );

      const disabled = await keep(run("disable", siteId));
      assertOk(disabled);
      assert.match(String((disabled.json as { disabledAt: unknown }).disabledAt), ISO);
      const shown = await keep(run("get", siteId));
      assertOk(shown);
      assert.equal(
        (shown.json as { disabledAt: unknown }).disabledAt,
        (disabled.json as { disabledAt: unknown }).disabledAt,
      );

      const unknown = await keep(run("rotate", "site_aaaaaaaaaaaaaaaaaaaa"));
      assert.equal(unknown.code, 1, unknown.stderr);
      assert.equal(unknown.stdout, "");
      assert.match(unknown.stderr, /siteId: no site site_aaaaaaaaaaaaaaaaaaaa/);
      const badUrl = await keep(run("webhook", siteId, "ftp://x.example"));
      assert.equal(badUrl.code, 2, badUrl.stderr);
      assert.match(badUrl.stderr, /^webhookUrl: must be an absolute http or https URL/);

      // The secret is printed by create and rotate only, and never to stderr.
      for (const r of everything) {
        assert.ok(!r.stderr.includes(firstSecret) && !r.stderr.includes(newSecret));
        if (r === created || r === rotated) continue;
        assert.ok(!r.stdout.includes(firstSecret) && !r.stdout.includes(newSecret));
      }

      // The same store as the API: the rotated secret is the one verification will use.
      const db = await t.open();
      try {
        assert.equal(await siteSecret(db, siteId), newSecret);
      } finally {
        await db.close();
      }
    } finally {
      await t.cleanup();
    }
  });
}

Deno.test("main.ts site: usage errors exit 2 with a message and touch no database", async () => {
  const dir = await Deno.makeTempDir({ prefix: "site_cli_usage_" });
  // A database nobody listens on: reaching it would fail with 1, so 2 proves usage came first.
  const env = { DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" };
  try {
    const cases: [string[], RegExp][] = [
      [[], /^site: missing command/],
      [["frobnicate"], /^site: unknown command frobnicate/],
      [["create"], /^--name: is required/],
      [["create", "--name"], /^--name: needs a value/],
      [["create", "--name", ""], /^name: must not be empty/],
      [["create", "--name", "a", "--name", "b"], /^--name: given twice/],
      [["create", "--name", "a", "--webhook-url", "nope"], /^webhookUrl: must be an absolute/],
      [["create", "--name", "a", "--strong=yes"], /^--strong=yes: unknown option/],
      [["create", "--name", "a", "--color"], /^--color: unknown option/],
      [["create", "--name", "a", "extra"], /^site create: expects --name NAME/],
      [["rotate"], /^site rotate: expects SITE_ID/],
      [["rotate", "a", "b"], /^site rotate: expects SITE_ID/],
      [["webhook", "site_x"], /^site webhook: expects SITE_ID URL\|none/],
      [["signature", "site_x", "maybe"], /^site signature: maybe is neither strong nor seed/],
      [["disable"], /^site disable: expects SITE_ID/],
      [["list", "extra"], /^site list: expects no arguments/],
      [["list", "--config"], /^--config: needs a path/],
    ];
    for (const [args, pattern] of cases) {
      const r = await cli(args, env);
      assert.equal(r.code, 2, `${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
      assert.equal(r.stdout, "", args.join(" "));
      assert.match(r.stderr, pattern, args.join(" "));
      assert.match(r.stderr, /usage: main\.ts site <command>/);
    }
    const badConfig = await cli(["list", "--config", `${dir}/absent.json`], env);
    assert.equal(badConfig.code, 2, badConfig.stderr);
    assert.match(badConfig.stderr, /^--config .*absent\.json: cannot read/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
