import assert from "node:assert/strict";
import {
  createSite,
  disableSite,
  getSite,
  listSites,
  newApiSecret,
  newSiteId,
  rotateSiteSecret,
  setSiteStrongSignature,
  setSiteWebhook,
  SITE_ID_PATTERN,
  siteCredentials,
  siteSecret,
} from "../../core/store/sites.ts";
import { testOnEngines } from "../support/db.ts";

const SITE_KEYS = [
  "createdAt",
  "disabledAt",
  "id",
  "name",
  "requireStrongSignature",
  "secretRotatedAt",
  "webhookUrl",
];

Deno.test("site ids are site_ and 20 base32 characters; secrets are 32 random bytes in hex", () => {
  const ids = new Set<string>();
  const secrets = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const id = newSiteId();
    assert.match(id, SITE_ID_PATTERN);
    ids.add(id);
    const secret = newApiSecret();
    assert.match(secret, /^[0-9a-f]{64}$/);
    secrets.add(secret);
  }
  assert.equal(ids.size, 200);
  assert.equal(secrets.size, 200);
});

testOnEngines("createSite stores a site and shows its secret only in its answer", async (db) => {
  const { site, apiSecret } = await createSite(db, { name: "Shop" });
  assert.match(site.id, SITE_ID_PATTERN);
  assert.match(apiSecret, /^[0-9a-f]{64}$/);
  assert.deepEqual(Object.keys(site).sort(), SITE_KEYS);
  assert.equal(site.name, "Shop");
  assert.equal(site.webhookUrl, null);
  assert.equal(site.requireStrongSignature, true, "new sites require the strong scheme");
  assert.equal(site.disabledAt, null);
  assert.equal(site.secretRotatedAt, null);
  assert.ok(site.createdAt instanceof Date && !Number.isNaN(site.createdAt.getTime()));
  assert.ok(!JSON.stringify(site).includes(apiSecret));

  const other = await createSite(db, {
    name: "Other",
    webhookUrl: "https://shop.example/hook",
    requireStrongSignature: true,
  });
  assert.notEqual(other.site.id, site.id);
  assert.notEqual(other.apiSecret, apiSecret);
  assert.equal(other.site.webhookUrl, "https://shop.example/hook");
  assert.equal(other.site.requireStrongSignature, true);
});

testOnEngines("getSite and listSites return sites without secrets", async (db) => {
  assert.deepEqual(await listSites(db), []);
  const a = await createSite(db, { name: "A" });
  const b = await createSite(db, { name: "B", webhookUrl: "http://b.example/" });
  assert.deepEqual(await getSite(db, a.site.id), a.site);
  assert.equal(await getSite(db, "site_aaaaaaaaaaaaaaaaaaaa"), null);
  assert.equal(await getSite(db, ""), null);
  const list = await listSites(db);
  assert.deepEqual(list.map((s) => s.id).sort(), [a.site.id, b.site.id].sort());
  const text = JSON.stringify(list);
  assert.ok(!text.includes(a.apiSecret) && !text.includes(b.apiSecret));
  for (const site of list) assert.deepEqual(Object.keys(site).sort(), SITE_KEYS);
});

testOnEngines("siteSecret and siteCredentials read the current secret", async (db) => {
  const { site, apiSecret } = await createSite(db, { name: "Shop" });
  assert.equal(await siteSecret(db, site.id), apiSecret);
  assert.deepEqual(await siteCredentials(db, site.id), { site, secret: apiSecret });
  assert.equal(await siteSecret(db, "site_unknown"), null);
  assert.equal(await siteCredentials(db, "site_unknown"), null);
});

testOnEngines("rotateSiteSecret replaces the secret and records when", async (db) => {
  const { site, apiSecret } = await createSite(db, { name: "Shop" });
  const rotated = await rotateSiteSecret(db, site.id);
  assert.ok(rotated !== null);
  assert.match(rotated, /^[0-9a-f]{64}$/);
  assert.notEqual(rotated, apiSecret);
  assert.equal(await siteSecret(db, site.id), rotated);
  const after = await getSite(db, site.id);
  assert.ok(after?.secretRotatedAt instanceof Date);
  assert.equal(await rotateSiteSecret(db, "site_unknown"), null);
});

testOnEngines("webhook URL, strong signature and disabling", async (db) => {
  const { site } = await createSite(db, { name: "Shop" });

  const withHook = await setSiteWebhook(db, site.id, "https://shop.example/hook?x=1");
  assert.equal(withHook?.webhookUrl, "https://shop.example/hook?x=1");
  assert.equal((await getSite(db, site.id))?.webhookUrl, "https://shop.example/hook?x=1");
  assert.equal((await setSiteWebhook(db, site.id, null))?.webhookUrl, null);
  assert.equal(await setSiteWebhook(db, "site_unknown", null), null);

  assert.equal((await setSiteStrongSignature(db, site.id, true))?.requireStrongSignature, true);
  assert.equal((await getSite(db, site.id))?.requireStrongSignature, true);
  assert.equal((await setSiteStrongSignature(db, site.id, false))?.requireStrongSignature, false);
  assert.equal(await setSiteStrongSignature(db, "site_unknown", true), null);

  const disabled = await disableSite(db, site.id);
  assert.ok(disabled?.disabledAt instanceof Date);
  // Disabling again keeps the first moment.
  await new Promise((resolve) => setTimeout(resolve, 10));
  const again = await disableSite(db, site.id);
  assert.equal(again?.disabledAt?.getTime(), disabled.disabledAt.getTime());
  assert.equal(await disableSite(db, "site_unknown"), null);
});
