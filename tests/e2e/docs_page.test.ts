/**
 * The API reference page as an integrator opens it, in real headless Chromium: `/docs` renders
 * every API's operations from `/openapi.json`, and every request the browser makes stays on
 * the processor's origin (the page works offline: no CDN, no outside validator). Skipped,
 * saying so, when Debian's Chromium is not at /usr/bin/chromium (`apt-get install -y chromium`).
 */

import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { startApi, stubPlugin } from "../support/api_client.ts";
import { CHROMIUM, haveChromium } from "../support/chromium.ts";

const haveBrowser = haveChromium("docs_page.test.ts");

Deno.test({
  name: "the reference page renders the document in headless Chromium from the processor alone",
  ignore: !haveBrowser,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const api = await startApi({ plugins: [stubPlugin()] });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    try {
      const page = await browser.newPage();
      const requested: string[] = [];
      page.on("request", (r) => requested.push(r.url()));
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(`${m.text()} (${m.location().url})`);
      });
      const response = await page.goto(`${api.url}/docs`);
      assert.equal(response?.status(), 200);

      // One operation of each API, rendered from the document.
      for (
        const summary of [
          "Request a withdrawal",
          "Create a deposit",
          "Resolve an alarm with a note",
          "Readiness, with the reasons when not ready",
        ]
      ) {
        await page.getByText(summary, { exact: true }).waitFor({ timeout: 30_000 });
      }
      await page.getByText("Payment processor API", { exact: false }).first().waitFor();
      // The security schemes are offered: bearer and the merchant's headers.
      await page.getByRole("button", { name: /Authorize/ }).click();
      for (const name of ["bearer", "siteId", "timestamp", "signature"]) {
        await page.getByText(`${name} (`, { exact: false }).first().waitFor();
      }

      const foreign = requested.filter((u) => !u.startsWith(api.url) && !u.startsWith("data:"));
      assert.deepEqual(foreign, [], "every request stays on the processor's origin");
      assert.ok(requested.includes(`${api.url}/openapi.json`), requested.join("\n"));
      assert.deepEqual(errors, [], "no script or CSP error");
    } finally {
      await browser.close();
      await api.close();
    }
  },
});
