/**
 * `main.ts site ...`: merchant site administration from the shell, on the same database and
 * store functions as the admin API, without starting the processor or loading any chain.
 *
 *   site create --name NAME [--webhook-url URL] [--strong | --seed]
 *   site list
 *   site get SITE_ID
 *   site rotate SITE_ID
 *   site webhook SITE_ID URL|none
 *   site signature SITE_ID strong|seed
 *   site disable SITE_ID
 *
 * `--config PATH` may appear anywhere; the environment (`DATABASE_URL`, `DATA_DIR`, ...)
 * applies as for the processor. Answers are one JSON line on stdout, rendered as the admin API
 * renders them; the secret appears only for `create` and `rotate`. Exit status: 0 done, 1 no
 * such site (or a failure), 2 usage, input or config error.
 *
 * With the embedded database (no `DATABASE_URL`), stop the processor first: PGlite's data
 * directory belongs to one process at a time.
 *
 * @module
 */

import type { z } from "zod";
import { createdSiteJson, siteJson, unknownSite } from "../api/admin_routes.ts";
import { createSiteBody, inputErrorOf, siteWebhookBody } from "../api/schemas.ts";
import { ConfigError, loadConfig } from "./registry.ts";
import { type Db, openDb } from "../core/db.ts";
import { migrate } from "../core/migrations.ts";
import {
  createSite,
  disableSite,
  getSite,
  listSites,
  rotateSiteSecret,
  setSiteStrongSignature,
  setSiteWebhook,
  type Site,
} from "../core/store/sites.ts";

/** Where the CLI writes: answers to `out`, messages to `err`. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** The process's stdout and stderr. */
export const consoleIo: CliIo = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

/** How to call the site commands; printed with every usage error. */
export const SITE_USAGE = `usage: main.ts site <command> [--config PATH]
  create --name NAME [--webhook-url URL] [--strong | --seed]
  list
  get SITE_ID
  rotate SITE_ID
  webhook SITE_ID URL|none
  signature SITE_ID strong|seed
  disable SITE_ID`;

/** A command line the CLI cannot run: exit status 2. */
class UsageError extends Error {}

/** A parsed command, ready to run against the database. */
type Command = (db: Db) => Promise<unknown>;

/** Splits `args` into positionals and `--flag VALUE` / `--flag=VALUE` / bare `--flag`. */
function splitArgs(
  args: string[],
  valued: readonly string[],
  bare: readonly string[],
): { positionals: string[]; flags: Map<string, string | true> } {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (flags.has(name)) throw new UsageError(`--${name}: given twice`);
    if (valued.includes(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined) throw new UsageError(`--${name}: needs a value`);
      flags.set(name, value);
    } else if (bare.includes(name) && eq < 0) {
      flags.set(name, true);
    } else {
      throw new UsageError(`${arg}: unknown option`);
    }
  }
  return { positionals, flags };
}

function validated<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new UsageError(inputErrorOf(result.error, "body").message);
  return result.data;
}

function found(site: Site | null, siteId: string): Site {
  if (site === null) throw unknownSite(siteId);
  return site;
}

/** Parses the command words (no `--config`) into what to run; throws a UsageError. */
function parseCommand(args: string[]): Command {
  const [name, ...rest] = args;
  const withFlags = name === "create";
  const { positionals, flags } = splitArgs(
    rest,
    withFlags ? ["name", "webhook-url"] : [],
    withFlags ? ["strong", "seed"] : [],
  );
  const arity = (n: number, shape: string): string[] => {
    if (positionals.length !== n) throw new UsageError(`site ${name}: expects ${shape}`);
    return positionals;
  };
  switch (name) {
    case "create": {
      arity(0, "--name NAME [--webhook-url URL] [--strong | --seed]");
      // New sites require the strong scheme; --seed accepts seed-scheme clients too.
      if (flags.has("strong") && flags.has("seed")) {
        throw new UsageError("--seed: cannot be given together with --strong");
      }
      const name = flags.get("name");
      if (name === undefined) throw new UsageError("--name: is required");
      const body = validated(createSiteBody, {
        name,
        webhookUrl: flags.get("webhook-url"),
        requireStrongSignature: !flags.has("seed"),
      });
      return async (db) => {
        const { site, apiSecret } = await createSite(db, body);
        return createdSiteJson(site, apiSecret);
      };
    }
    case "list":
      arity(0, "no arguments");
      return async (db) => ({ sites: (await listSites(db)).map(siteJson) });
    case "get": {
      const [siteId] = arity(1, "SITE_ID");
      return async (db) => siteJson(found(await getSite(db, siteId), siteId));
    }
    case "rotate": {
      const [siteId] = arity(1, "SITE_ID");
      return async (db) => {
        const apiSecret = await rotateSiteSecret(db, siteId);
        if (apiSecret === null) throw unknownSite(siteId);
        return { siteId, apiSecret };
      };
    }
    case "webhook": {
      const [siteId, url] = arity(2, "SITE_ID URL|none");
      const { webhookUrl } = validated(siteWebhookBody, {
        webhookUrl: url === "none" ? null : url,
      });
      return async (db) => siteJson(found(await setSiteWebhook(db, siteId, webhookUrl), siteId));
    }
    case "signature": {
      const [siteId, mode] = arity(2, "SITE_ID strong|seed");
      if (mode !== "strong" && mode !== "seed") {
        throw new UsageError(`site signature: ${mode} is neither strong nor seed`);
      }
      return async (db) =>
        siteJson(found(await setSiteStrongSignature(db, siteId, mode === "strong"), siteId));
    }
    case "disable": {
      const [siteId] = arity(1, "SITE_ID");
      return async (db) => siteJson(found(await disableSite(db, siteId), siteId));
    }
    case undefined:
      throw new UsageError("site: missing command");
    default:
      throw new UsageError(`site: unknown command ${name}`);
  }
}

/**
 * Runs `main.ts site <args>` and returns the exit status. `env` is the environment the
 * config is read with.
 */
export async function runSiteCli(
  args: string[],
  env: Record<string, string | undefined>,
  io: CliIo = consoleIo,
): Promise<number> {
  let command: Command;
  let configPath: string | undefined;
  try {
    const rest: string[] = [];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === "--config" || args[i].startsWith("--config=")) {
        if (configPath !== undefined) throw new UsageError("--config: given twice");
        configPath = args[i].startsWith("--config=") ? args[i].slice(9) : args[++i];
        if (!configPath) throw new UsageError("--config: needs a path");
      } else {
        rest.push(args[i]);
      }
    }
    command = parseCommand(rest);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${error.message}\n${SITE_USAGE}`);
    return 2;
  }

  let db: Db;
  try {
    const config = await loadConfig(configPath, env);
    db = await openDb(config.database);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(error.message);
    return 2;
  }
  try {
    // The CLI may be the first to touch a new database.
    await migrate(db);
    io.out(JSON.stringify(await command(db)));
    return 0;
  } catch (error) {
    io.err(`error: ${(error as Error).message}`);
    return 1;
  } finally {
    await db.close();
  }
}
