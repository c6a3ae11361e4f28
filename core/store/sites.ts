/**
 * Merchant sites (the `sites` table): who may call the merchant API, with which secret, and
 * where their webhooks go. The secret never leaves this module inside a {@linkcode Site}: it
 * is returned only by {@linkcode createSite} and {@linkcode rotateSiteSecret} (to be shown
 * once) and by {@linkcode siteSecret} / {@linkcode siteCredentials} (to verify or sign).
 *
 * @module
 */

import type { Queryable, Row } from "../db.ts";
import { textOrNull } from "./rows.ts";

/** A merchant site as everyone but the signature code sees it: no secret. */
export interface Site {
  /** `site_` and 20 base32 characters. */
  id: string;
  name: string;
  /** Where the site's webhooks are POSTed; null when the site wants none. */
  webhookUrl: string | null;
  /** Refuse seed-scheme signatures, which do not bind the method, path and query. */
  requireStrongSignature: boolean;
  /** Set once the site is disabled; its requests are refused from then on. */
  disabledAt: Date | null;
  /** Last secret rotation; null while the site still has its first secret. */
  secretRotatedAt: Date | null;
  createdAt: Date;
}

/** What {@linkcode createSite} needs. */
export interface NewSite {
  name: string;
  webhookUrl?: string | null;
  requireStrongSignature?: boolean;
}

/** Matches every id {@linkcode createSite} makes. */
export const SITE_ID_PATTERN: RegExp = /^site_[a-z2-7]{20}$/;

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** A fresh site id: `site_` and 20 base32 characters (100 random bits). */
export function newSiteId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  // 256 is a multiple of 32, so the low five bits of a random byte are uniform.
  return "site_" + Array.from(bytes, (b) => BASE32[b & 31]).join("");
}

/** A fresh API secret: 32 random bytes as 64 lowercase hex characters. */
export function newApiSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// The secret is deliberately absent: a Site can be logged or rendered without thinking.
const COLUMNS =
  "id, name, webhook_url, require_strong_signature, disabled_at, secret_rotated_at, created_at";

function dateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : new Date(value as string | Date);
}

function siteOf(r: Row): Site {
  return {
    id: String(r.id),
    name: String(r.name),
    webhookUrl: textOrNull(r.webhook_url),
    requireStrongSignature: r.require_strong_signature === true,
    disabledAt: dateOrNull(r.disabled_at),
    secretRotatedAt: dateOrNull(r.secret_rotated_at),
    createdAt: new Date(r.created_at as string | Date),
  };
}

/** Creates a site with a fresh id and secret; the secret is returned here only. */
export async function createSite(
  db: Queryable,
  input: NewSite,
): Promise<{ site: Site; apiSecret: string }> {
  const apiSecret = newApiSecret();
  const [row] = await db.query(
    `insert into sites (id, name, api_secret, webhook_url, require_strong_signature)
     values ($1, $2, $3, $4, $5) returning ${COLUMNS}`,
    [
      newSiteId(),
      input.name,
      apiSecret,
      input.webhookUrl ?? null,
      input.requireStrongSignature ?? true,
    ],
  );
  return { site: siteOf(row), apiSecret };
}

/** The site `id`, disabled or not; null when there is none. */
export async function getSite(db: Queryable, id: string): Promise<Site | null> {
  const [row] = await db.query(`select ${COLUMNS} from sites where id = $1`, [id]);
  return row ? siteOf(row) : null;
}

/** Every site, disabled ones included, oldest first. */
export async function listSites(db: Queryable): Promise<Site[]> {
  const rows = await db.query(`select ${COLUMNS} from sites order by created_at, id`);
  return rows.map(siteOf);
}

/**
 * The site and its secret in one read, for the request signature check. Null when there is
 * no such site.
 */
export async function siteCredentials(
  db: Queryable,
  id: string,
): Promise<{ site: Site; secret: string } | null> {
  const [row] = await db.query(`select ${COLUMNS}, api_secret from sites where id = $1`, [id]);
  return row ? { site: siteOf(row), secret: String(row.api_secret) } : null;
}

/**
 * The current secret of site `id`, to verify a request or sign a webhook; null when there is
 * no such site. Never render or log it.
 */
export async function siteSecret(db: Queryable, id: string): Promise<string | null> {
  const [row] = await db.query("select api_secret from sites where id = $1", [id]);
  return row ? String(row.api_secret) : null;
}

/**
 * Replaces the secret of site `id` with a fresh one, which is returned (to be shown once);
 * the old secret stops working at once. Null when there is no such site.
 */
export async function rotateSiteSecret(db: Queryable, id: string): Promise<string | null> {
  const apiSecret = newApiSecret();
  const rows = await db.query(
    `update sites set api_secret = $2, secret_rotated_at = now(), updated_at = now()
     where id = $1 returning id`,
    [id, apiSecret],
  );
  return rows.length > 0 ? apiSecret : null;
}

async function update(
  db: Queryable,
  id: string,
  assignments: string,
  params: readonly (string | boolean | null)[],
): Promise<Site | null> {
  const [row] = await db.query(
    `update sites set ${assignments}, updated_at = now() where id = $1 returning ${COLUMNS}`,
    [id, ...params],
  );
  return row ? siteOf(row) : null;
}

/** Sets (or, with null, clears) the webhook URL of site `id`; null when there is none. */
export function setSiteWebhook(
  db: Queryable,
  id: string,
  webhookUrl: string | null,
): Promise<Site | null> {
  return update(db, id, "webhook_url = $2", [webhookUrl]);
}

/** Requires (or stops requiring) the strong signature of site `id`; null when there is none. */
export function setSiteStrongSignature(
  db: Queryable,
  id: string,
  required: boolean,
): Promise<Site | null> {
  return update(db, id, "require_strong_signature = $2", [required]);
}

/**
 * Disables site `id`: its signed requests are refused from now on (403). Disabling again
 * keeps the first `disabledAt`. Null when there is no such site.
 */
export function disableSite(db: Queryable, id: string): Promise<Site | null> {
  return update(db, id, "disabled_at = coalesce(disabled_at, now())", []);
}
