/**
 * The operator's API for merchant sites, behind the same bearer token as the exchange API.
 * A site's secret appears in exactly two answers, creation and rotation; every other answer
 * renders a site through {@linkcode siteJson}, which has no secret to show.
 *
 * @module
 */

import type { Context } from "hono";
import type { ProcessorContext } from "../core/context.ts";
import { NotFoundError } from "../core/errors.ts";
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
import type { Register, RouteGuards } from "./processor_routes.ts";
import {
  createSiteBody,
  noQuery,
  readBody,
  readQuery,
  siteSignatureBody,
  siteWebhookBody,
} from "./schemas.ts";
import {
  createdSiteResponse,
  reply,
  rotatedSecretResponse,
  siteSchema,
  sitesResponse,
} from "./responses.ts";

/** A site as the admin API and the CLI render it. */
export interface SiteJson {
  siteId: string;
  name: string;
  webhookUrl: string | null;
  requireStrongSignature: boolean;
  /** ISO-8601 UTC, null while the site is enabled. */
  disabledAt: string | null;
  /** ISO-8601 UTC of the last rotation, null while the first secret is in use. */
  secretRotatedAt: string | null;
  /** ISO-8601 UTC. */
  createdAt: string;
}

/** The answer to a site's creation: the one time, with rotation, its secret is shown. */
export interface CreatedSiteJson {
  siteId: string;
  name: string;
  apiSecret: string;
  webhookUrl: string | null;
  requireStrongSignature: boolean;
  createdAt: string;
}

/** ISO-8601 UTC to the second, as the merchant API's seed writes times. */
function isoTime(date: Date): string {
  return date.toISOString().replace(/\.[0-9]{3}Z$/, "Z");
}

/** Renders a site, without its secret. */
export function siteJson(site: Site): SiteJson {
  return {
    siteId: site.id,
    name: site.name,
    webhookUrl: site.webhookUrl,
    requireStrongSignature: site.requireStrongSignature,
    disabledAt: site.disabledAt === null ? null : isoTime(site.disabledAt),
    secretRotatedAt: site.secretRotatedAt === null ? null : isoTime(site.secretRotatedAt),
    createdAt: isoTime(site.createdAt),
  };
}

/** Renders a freshly created site with its secret. */
export function createdSiteJson(site: Site, apiSecret: string): CreatedSiteJson {
  return {
    siteId: site.id,
    name: site.name,
    apiSecret,
    webhookUrl: site.webhookUrl,
    requireStrongSignature: site.requireStrongSignature,
    createdAt: isoTime(site.createdAt),
  };
}

/** The 404 of a site id that names no site. */
export function unknownSite(siteId: string): NotFoundError {
  return new NotFoundError(`siteId: no site ${siteId}`);
}

function found(site: Site | null, siteId: string): Site {
  if (site === null) throw unknownSite(siteId);
  return site;
}

function siteIdOf(c: Context): string {
  return c.req.param("siteId") ?? "";
}

/** Registers the site admin API on `register`, behind `guards`. */
export function registerAdminRoutes(
  register: Register,
  ctx: ProcessorContext,
  guards: RouteGuards,
): void {
  const authed = [guards.auth];
  const authedBody = [guards.auth, guards.bodyLimit];

  register("POST", "/v1/admin/sites", authedBody, async (c) => {
    const body = await readBody(c, createSiteBody);
    const { site, apiSecret } = await createSite(ctx.db, {
      name: body.name,
      webhookUrl: body.webhookUrl ?? null,
      requireStrongSignature: body.requireStrongSignature ?? true,
    });
    ctx.log.info("site created", { siteId: site.id });
    return reply(c, createdSiteResponse, createdSiteJson(site, apiSecret));
  });

  register("GET", "/v1/admin/sites", authed, async (c) => {
    readQuery(c, noQuery);
    return reply(c, sitesResponse, { sites: (await listSites(ctx.db)).map(siteJson) });
  });

  register("GET", "/v1/admin/sites/:siteId", authed, async (c) => {
    const siteId = siteIdOf(c);
    return reply(c, siteSchema, siteJson(found(await getSite(ctx.db, siteId), siteId)));
  });

  register("POST", "/v1/admin/sites/:siteId/rotate-secret", authed, async (c) => {
    const siteId = siteIdOf(c);
    const apiSecret = await rotateSiteSecret(ctx.db, siteId);
    if (apiSecret === null) throw unknownSite(siteId);
    ctx.log.info("site secret rotated", { siteId });
    return reply(c, rotatedSecretResponse, { siteId, apiSecret });
  });

  register("PUT", "/v1/admin/sites/:siteId/webhook", authedBody, async (c) => {
    const siteId = siteIdOf(c);
    const body = await readBody(c, siteWebhookBody);
    const site = await setSiteWebhook(ctx.db, siteId, body.webhookUrl);
    return reply(c, siteSchema, siteJson(found(site, siteId)));
  });

  register("PUT", "/v1/admin/sites/:siteId/signature", authedBody, async (c) => {
    const siteId = siteIdOf(c);
    const body = await readBody(c, siteSignatureBody);
    const site = await setSiteStrongSignature(ctx.db, siteId, body.requireStrongSignature);
    return reply(c, siteSchema, siteJson(found(site, siteId)));
  });

  register("POST", "/v1/admin/sites/:siteId/disable", authed, async (c) => {
    const siteId = siteIdOf(c);
    const site = found(await disableSite(ctx.db, siteId), siteId);
    ctx.log.info("site disabled", { siteId });
    return reply(c, siteSchema, siteJson(site));
  });
}
