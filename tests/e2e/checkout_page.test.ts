/**
 * The hosted checkout page as a customer uses it, in real headless Chromium on a phone-sized
 * screen, against the whole processor on both devnets: open the `paymentUrl` a merchant got,
 * read the QR code back from a screenshot, pay through the devnet faucet and watch the page
 * turn paid without a reload; a USDT_TRC20 deposit through its confirmations; an expired and
 * an underpaid deposit; the page in Russian; a processor restart under an open page; unknown
 * links. Every request the browser makes must stay on the processor's origin.
 *
 * Screenshots of each state go to `data/screenshots/` (gitignored). Skipped, saying so, when
 * Debian's Chromium is not at /usr/bin/chromium (`apt-get install -y chromium`).
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { toNano } from "@ton/core";
import jsQRModule from "jsqr";
import { type BrowserContext, chromium, type Page } from "playwright-core";
// @ts-types="@types/pngjs"
import { PNG } from "pngjs";
import type { Running } from "../../host/runtime.ts";
import { CHROMIUM, haveChromium } from "../support/chromium.ts";
import { bearerCaller, startE2e } from "../support/e2e.ts";
import { signedHeaders } from "../support/merchant_client.ts";
import { until } from "../support/waiting.ts";

// jsqr is CommonJS whose typings declare an ES default export: at run time the module itself
// is the function.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;

/** One block a second, as in dev mode. */
const BLOCK_MS = 1000;
/** The page's stated weight budget: document, stylesheet, script and QR code together. */
const PAGE_BUDGET_BYTES = 30 * 1024;
const SCREENSHOTS = new URL("../../data/screenshots/", import.meta.url);

const haveBrowser = haveChromium("checkout_page.test.ts");

interface Deposit {
  uuid: string;
  address: string;
  memo: string | null;
  status: string;
  paymentUrl: string;
  transaction: { txhash: string } | null;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Decodes the QR code shown by `#qr` from a screenshot of it. */
async function readQr(page: Page): Promise<string> {
  const png = PNG.sync.read(Buffer.from(await page.locator("#qr").screenshot()));
  const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  assert.ok(code, "the QR code on screen decodes");
  return code.data;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname, fullPage: true });
}

async function noHorizontalScroll(page: Page): Promise<void> {
  // Runs in the page, where these globals exist; Deno's type library has no DOM.
  const [scrollWidth, innerWidth] = await page.evaluate(`[
    document.documentElement.scrollWidth,
    window.innerWidth,
  ]`) as [number, number];
  assert.ok(scrollWidth <= innerWidth, `page is ${scrollWidth}px wide on a ${innerWidth}px screen`);
}

/**
 * The WCAG contrast ratio of each visible text element matched by `selectors` against the
 * first opaque background behind it, as the browser computed them.
 */
async function contrasts(page: Page, selectors: string[]): Promise<[string, number][]> {
  return await page.evaluate(`(() => {
    const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el) => {
      for (; el; el = el.parentElement) {
        const c = rgb(getComputedStyle(el).backgroundColor);
        if (c.length < 4 || c[3] === 1) return c;
      }
      return [255, 255, 255];
    };
    return ${JSON.stringify(selectors)}.flatMap((sel) =>
      [...document.querySelectorAll(sel)].filter((el) => el.offsetParent).map((el) => {
        const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(background(el))];
        return [sel, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
      }));
  })()`) as [string, number][];
}

/** Every text the customer reads meets WCAG AA (4.5:1). */
async function readable(page: Page): Promise<void> {
  const measured = await contrasts(page, [
    "h1",
    ".shop",
    ".network",
    "#status-title",
    "#status-detail",
    "#countdown",
    "dt",
    ".value",
    ".warning",
    "button",
    ".button",
    ".langs a",
  ]);
  assert.ok(measured.length >= 6, `${measured.length} texts measured`);
  for (const [selector, ratio] of measured) {
    assert.ok(ratio >= 4.5, `${selector} has a contrast of ${ratio.toFixed(2)}:1`);
  }
}

/** Waits for the page to reach `state`, and proves it did so without a reload. */
async function waitForState(page: Page, state: string, timeout = 30_000): Promise<void> {
  await page.locator(`main[data-state="${state}"]`).waitFor({ timeout });
  assert.equal(
    await page.evaluate(() => (globalThis as { loadedOnce?: number }).loadedOnce),
    1,
    "the page was not reloaded",
  );
}

async function markLoaded(page: Page): Promise<void> {
  await page.evaluate(() => {
    (globalThis as { loadedOnce?: number }).loadedOnce = 1;
  });
}

Deno.test({
  name: "a customer pays on the checkout page in headless Chromium: TON (then refunded), " +
    "USDT_TRC20, expired, underpaid, Russian, a processor restart, and unknown links, all on the processor's origin",
  ignore: !haveBrowser,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await Deno.mkdir(SCREENSHOTS, { recursive: true });
    // A fixed port and a database on disk (or Postgres), so the processor can be restarted
    // under an open page on the same origin.
    const e2e = await startE2e({
      ton: { blockIntervalMs: BLOCK_MS },
      // Enough blocks to watch the count rise on the page.
      tron: { blockIntervalMs: BLOCK_MS, settings: { confirmations: 4 } },
      port: freePort(),
      restartable: true,
    });
    const start = () => e2e.start();
    let running: Running = await start();
    const origin = running.url;
    const userData = await Deno.makeTempDir({ prefix: "checkout_chromium_" });
    const browser: BrowserContext = await chromium.launchPersistentContext(userData, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 390, height: 844 },
      // No `locale`: it would pin Accept-Language for every page; pages set their own.
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    await browser.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
    const requested: string[] = [];
    browser.on("request", (r) => requested.push(r.url()));

    const bearer = bearerCaller(origin);
    const site = await bearer("POST", "/v1/admin/sites", { name: "Coffee & Co <shop>" });
    assert.equal(site.status, 200, JSON.stringify(site.json));
    const credentials = { siteId: site.json.siteId, apiSecret: site.json.apiSecret };
    const signed = async (method: string, path: string, body = "") => {
      const r = await fetch(`${origin}${path}`, {
        method,
        headers: signedHeaders(credentials, method, path, body),
        body: body === "" ? undefined : body,
      });
      return { status: r.status, json: await r.json() };
    };
    let orders = 0;
    const create = async (fields: Record<string, unknown>): Promise<Deposit> => {
      const r = await signed(
        "POST",
        "/v1/public/deposits",
        JSON.stringify({ orderId: `o-${++orders}`, ...fields }),
      );
      assert.equal(r.status, 201, JSON.stringify(r.json));
      return r.json as Deposit;
    };
    const faucet = async (body: Record<string, unknown>) => {
      const r = await bearer("POST", "/devnet/faucet", body);
      assert.equal(r.status, 200, JSON.stringify(r.json));
    };
    /** When the processor has recorded a payment to `uuid` (the income is in). */
    const incomeSeen = (uuid: string) =>
      until("the income", async () => {
        const r = await signed("GET", `/v1/public/deposits/${uuid}`);
        return r.json.transaction ? Date.now() : null;
      }, 30_000);
    const open = async (d: Deposit, lang = "en-US,en;q=0.9"): Promise<Page> => {
      const page = await browser.newPage();
      await page.setExtraHTTPHeaders({ "Accept-Language": lang });
      assert.ok(d.paymentUrl.startsWith(`${origin}/pay/`), d.paymentUrl);
      const response = await page.goto(d.paymentUrl);
      assert.equal(response?.status(), 200);
      await markLoaded(page);
      return page;
    };

    try {
      await t.step(
        "a TON deposit: QR with amount and memo, paid within two blocks, refunded",
        async () => {
          const d = await create({
            assetCode: "TON",
            expectedAmount: "1.5",
            successUrl: "https://shop.example/thanks?order=1",
            cancelUrl: "https://shop.example/cart",
          });
          const page = await browser.newPage();
          const weights = new Map<string, number>();
          page.on("response", async (r) => {
            if (r.request().resourceType() === "fetch") return;
            weights.set(r.url(), (await r.body().catch(() => new Uint8Array())).length);
          });
          await page.goto(d.paymentUrl);
          await page.waitForLoadState("networkidle");
          await markLoaded(page);
          assert.equal(await page.locator("html").getAttribute("lang"), "en");
          assert.match(await page.locator("h1").innerText(), /Pay 1\.5 TON/);
          assert.match(await page.locator(".shop").innerText(), /Coffee & Co <shop>/);
          assert.match(
            await page.locator(".network").innerText(),
            /TON on the TON \(devnet\) network/,
          );
          assert.equal(await page.locator("#address").innerText(), d.address);
          assert.equal(await page.locator("#memo").innerText(), d.memo);
          assert.match(await page.locator("#memo-warning").innerText(), /cannot be matched/);
          assert.match(await page.locator("#status-title").innerText(), /Waiting for your payment/);
          assert.match(await page.locator("#timer").innerText(), /^(59|60):\d\d$|^0:59:\d\d$/);
          const uri = await readQr(page);
          assert.equal(
            uri,
            `ton://transfer/${d.address}?amount=${toNano("1.5")}&text=${d.memo}`,
          );
          // Copy buttons carry exactly what a wallet takes.
          assert.equal(await page.locator("#amount-copy").getAttribute("data-copy"), "1.5");
          // Every control has an accessible name; the QR code has a text alternative.
          for (const name of ["Copy amount", "Copy address", "Copy comment (memo)"]) {
            assert.equal(await page.getByRole("button", { name }).count(), 1, name);
          }
          assert.match((await page.locator("#qr").getAttribute("alt"))!, /QR code/);
          await noHorizontalScroll(page);
          await readable(page);
          // The keyboard reaches every control in order, and a copy button works from it.
          const focused: string[] = [];
          for (let i = 0; i < 5; i++) {
            await page.keyboard.press("Tab");
            focused.push(
              await page.evaluate(`document.activeElement.getAttribute("aria-label") ||
              document.activeElement.textContent`) as string,
            );
          }
          assert.deepEqual(focused, [
            "Русский",
            "Copy amount",
            "Copy address",
            "Copy comment (memo)",
            "Open in wallet",
          ]);
          await page.keyboard.press("Shift+Tab");
          await page.keyboard.press("Shift+Tab");
          await page.keyboard.press("Enter");
          await until(
            "the copy to be announced",
            async () => (await page.locator("#copied").innerText()) === "Copied" ? true : null,
            5_000,
          );
          assert.equal(await page.evaluate("navigator.clipboard.readText()"), d.address);
          const outline = await page.evaluate(
            `getComputedStyle(document.activeElement).outlineStyle`,
          );
          assert.equal(outline, "solid", "the focused control shows a focus outline");
          const total = [...weights.values()].reduce((s, n) => s + n, 0);
          assert.equal(weights.size, 4, [...weights.keys()].join(", "));
          assert.ok(total <= PAGE_BUDGET_BYTES, `page weighs ${total} bytes`);
          console.log(`checkout page weight: ${total} bytes in ${weights.size} requests`);
          await shot(page, "ton-waiting");

          await faucet({
            currency: "TON",
            to: d.address,
            amount: toNano("1.5").toString(),
            comment: d.memo,
          });
          const income = await incomeSeen(d.uuid);
          await waitForState(page, "paid");
          const lag = Date.now() - income;
          console.log(`paid shown ${lag} ms after the income was recorded`);
          assert.ok(lag <= 2 * BLOCK_MS, `paid shown ${lag} ms after the income`);
          assert.match(await page.locator("#status-title").innerText(), /^Paid$/);
          assert.equal(await page.locator("#pay").isHidden(), true, "nothing more to pay");
          const back = page.getByRole("link", { name: "Back to the shop" });
          assert.equal(await back.getAttribute("href"), "https://shop.example/thanks?order=1");
          const tx = (await signed("GET", `/v1/public/deposits/${d.uuid}`)).json.transaction.txhash;
          assert.match(await page.locator("#tx").innerText(), new RegExp(tx));
          await readable(page);
          await shot(page, "ton-paid");

          // The merchant API reaches paid too, within the matcher's remaining steps.
          await until("the API's paid", async () => {
            const r = await signed("GET", `/v1/public/deposits/${d.uuid}`);
            return r.json.status === "paid" ? true : null;
          }, 5_000);
          // The shop refunds it: the open page follows, still without a reload.
          const info = (await bearer("GET", "/devnet")).json;
          await faucet({
            currency: "TON",
            to: info.chains.ton.hot_wallet,
            amount: toNano("10").toString(),
          });
          const refund = await signed(
            "POST",
            `/v1/public/deposits/${d.uuid}/refund`,
            JSON.stringify({ address: info.chains.ton.faucet }),
          );
          assert.equal(refund.status, 200, JSON.stringify(refund.json));
          await waitForState(page, "refunded", 40_000);
          assert.match(await page.locator("#status-title").innerText(), /^Refunded$/);
          await shot(page, "ton-refunded");
          await page.close();
        },
      );

      await t.step("a USDT_TRC20 deposit: the token in the QR, confirmations, paid", async () => {
        const d = await create({ assetCode: "USDT_TRC20", expectedAmount: "25" });
        const page = await open(d);
        const contract = e2e.config.tron!.assets.USDT_TRC20.contract;
        assert.equal(await readQr(page), `tron:${d.address}?token=${contract}&amount=25`);
        assert.equal(await page.locator("#memo").count(), 0, "TRON has no memo");
        await noHorizontalScroll(page);
        await faucet({ currency: "USDT_TRC20", to: d.address, amount: "25000000" });
        await page.locator('main[data-state="seen"], main[data-state="confirming"]').waitFor();
        assert.match(await page.locator("#status-detail").innerText(), /[123] of 4 confirmations/);
        assert.equal(await page.locator("#pay").isHidden(), true, "no second payment meanwhile");
        await shot(page, "trc20-confirming");
        await waitForState(page, "paid");
        assert.match(await page.locator("#status-detail").innerText(), /Received 25 USDT_TRC20/);
        await shot(page, "trc20-paid");
        await page.close();
      });

      await t.step(
        "an expired deposit: no address to pay to, a link back to the cart",
        async () => {
          const d = await create({
            assetCode: "TON",
            expectedAmount: "3",
            lifetimeSeconds: 60,
            successUrl: "https://shop.example/thanks",
            cancelUrl: "https://shop.example/cart",
          });
          const page = await open(d);
          assert.equal(await page.locator("#pay").isVisible(), true);
          // The window ends (moved into the past rather than waiting for it).
          await running.ctx.db.query(
            "update invoices set expires_at = now() - interval '1 minute' where uuid = $1::uuid",
            [d.uuid],
          );
          await waitForState(page, "expired");
          assert.equal(await page.locator("#pay").isHidden(), true);
          assert.equal(await page.locator("#countdown").isHidden(), true);
          assert.equal(
            await page.getByRole("link", { name: "Back to the shop" }).getAttribute("href"),
            "https://shop.example/cart",
          );
          await readable(page);
          await shot(page, "ton-expired");
          await page.close();
        },
      );

      await t.step("an underpaid deposit shows what is missing, in the QR too", async () => {
        const d = await create({ assetCode: "TON", expectedAmount: "2" });
        const page = await open(d);
        await faucet({
          currency: "TON",
          to: d.address,
          amount: toNano("0.5").toString(),
          comment: d.memo,
        });
        await waitForState(page, "underpaid");
        assert.match(
          await page.locator("#status-detail").innerText(),
          /Received 0\.5 TON\. Send the missing 1\.5 TON/,
        );
        assert.equal(await page.locator("#pay").isVisible(), true, "the rest can still be paid");
        await until("the QR of the rest", async () => {
          const uri = await readQr(page).catch(() => "");
          return uri.includes(`amount=${toNano("1.5")}`) ? uri : null;
        }, 10_000);
        assert.equal(await page.locator("#amount").innerText(), "1.5");
        assert.equal(await page.locator("#amount-label").innerText(), "Still to pay");
        await readable(page);
        await shot(page, "ton-underpaid");
        await faucet({
          currency: "TON",
          to: d.address,
          amount: toNano("1.5").toString(),
          comment: d.memo,
        });
        await waitForState(page, "paid");
        await page.close();
      });

      await t.step("the page in Russian, by Accept-Language, paid", async () => {
        const d = await create({ assetCode: "USDT_TON", expectedAmount: "1234.5" });
        const page = await open(d, "ru-RU,ru;q=0.9,en;q=0.5");
        assert.equal(await page.locator("html").getAttribute("lang"), "ru");
        assert.equal(await page.locator("h1").innerText(), "Оплата 1\u00a0234,5 USDT_TON");
        assert.match(await page.locator("#status-title").innerText(), /Ожидаем ваш платёж/);
        assert.match(await page.locator("#memo-warning").innerText(), /нельзя сопоставить/);
        const uri = await readQr(page);
        const master = e2e.config.ton!.assets.USDT_TON.contract!;
        assert.match(uri, new RegExp(`^ton://transfer/${d.address}\\?jetton=`));
        assert.ok(uri.includes("amount=1234500000"), uri);
        assert.ok(uri.includes(`text=${d.memo}`), uri);
        assert.ok(master.length > 0);
        await noHorizontalScroll(page);
        await shot(page, "ru-waiting");
        await faucet({
          currency: "USDT_TON",
          to: d.address,
          amount: "1234500000",
          comment: d.memo,
        });
        await waitForState(page, "paid");
        assert.equal(await page.locator("#status-title").innerText(), "Оплачено");
        await shot(page, "ru-paid");
        // ?lang= wins over the header.
        await page.goto(`${d.paymentUrl}?lang=en`);
        assert.equal(await page.locator("#status-title").innerText(), "Paid");
        await page.close();
      });

      await t.step("an open page survives a processor restart and still turns paid", async () => {
        const d = await create({ assetCode: "TON", expectedAmount: "0" });
        const page = await open(d);
        assert.match(await page.locator("h1").innerText(), /any amount/);
        assert.equal(await readQr(page), `ton://transfer/${d.address}?text=${d.memo}`);
        await running.stop();
        await page.locator("#offline").waitFor({ state: "visible", timeout: 15_000 });
        await shot(page, "restart-offline");
        running = await start();
        assert.equal(running.url, origin);
        await faucet({
          currency: "TON",
          to: d.address,
          amount: toNano("0.25").toString(),
          comment: d.memo,
        });
        await waitForState(page, "paid", 30_000);
        assert.equal(await page.locator("#offline").isHidden(), true);
        await page.close();
      });

      await t.step("an unknown or malformed link is a plain 404 page", async () => {
        const page = await browser.newPage();
        for (const path of ["/pay/not-a-uuid", `/pay/${crypto.randomUUID()}`, "/pay/%27"]) {
          const r = await page.goto(`${origin}${path}`);
          assert.equal(r?.status(), 404, path);
          assert.equal(await page.locator("h1").innerText(), "Payment not found");
          const text = await page.locator("body").innerText();
          assert.doesNotMatch(text, /error|stack|at .*\.ts/i, text);
        }
        await shot(page, "not-found");
        // A NUL is refused at the edge for every route, before any page: a 400 that names it.
        const nul = await page.goto(`${origin}/pay/%00`);
        assert.equal(nul?.status(), 400);
        assert.match(await page.locator("body").innerText(), /^\{"error":"path: /);
        await page.close();
      });

      await t.step("no request left the processor's origin", () => {
        assert.ok(requested.length > 10, `${requested.length} requests`);
        const foreign = requested.filter((u) => new URL(u).origin !== origin);
        assert.deepEqual(foreign, []);
        return Promise.resolve();
      });
    } finally {
      await browser.close();
      await e2e.close();
      await Deno.remove(userData, { recursive: true }).catch(() => {});
    }
  },
});
