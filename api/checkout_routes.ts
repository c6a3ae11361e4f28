/**
 * The hosted checkout page, public: `GET /pay/{uuid}` (HTML), `GET /pay/{uuid}/status` (the
 * live part, JSON), `GET /pay/{uuid}/qr.svg` (the QR code of the wallet payment URI, made
 * here), and the page's own stylesheet and script. The uuid is the capability; an unknown
 * or malformed one is a plain 404 page. Nothing is loaded from another origin, which the CSP
 * enforces.
 */

// @ts-types="@types/qrcode"
import QRCode from "qrcode";
import type { Context } from "hono";
import { checkoutView } from "../core/checkout.ts";
import type { ProcessorContext } from "../core/context.ts";
import { CHECKOUT_CSS, CHECKOUT_JS } from "./checkout/assets.ts";
import { type Lang, pickLang, textsOf } from "./checkout/i18n.ts";
import { checkoutStatusJson, renderCheckoutPage, renderNotFoundPage } from "./checkout/page.ts";
import { jsonError } from "./errors.ts";
import type { Register } from "./processor_routes.ts";

/**
 * The page's security headers: only its own origin's script, style, images and requests;
 * no framing unless `public.checkoutFrameAncestors` names who may.
 */
export function checkoutHeaders(ctx: ProcessorContext): Record<string, string> {
  const ancestors = (ctx.config.public.checkoutFrameAncestors ?? []).map((u) => new URL(u).origin);
  const headers: Record<string, string> = {
    "Content-Security-Policy": [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self'",
      "connect-src 'self'",
      "base-uri 'none'",
      "form-action 'none'",
      `frame-ancestors ${ancestors.length ? ancestors.join(" ") : "'none'"}`,
    ].join("; "),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
  };
  if (!ancestors.length) headers["X-Frame-Options"] = "DENY";
  return headers;
}

function langOf(c: Context): Lang {
  return pickLang(c.req.query("lang"), c.req.header("accept-language"));
}

/** Registers the checkout routes. */
export function registerCheckoutRoutes(register: Register, ctx: ProcessorContext): void {
  const security = checkoutHeaders(ctx);
  const answer = (body: string, status: number, type: string, cache = "no-store") =>
    new Response(body, {
      status,
      headers: { ...security, "Content-Type": type, "Cache-Control": cache },
    });
  const html = "text/html; charset=utf-8";

  register(
    "GET",
    "/pay/assets/checkout.css",
    [],
    () =>
      Promise.resolve(answer(CHECKOUT_CSS, 200, "text/css; charset=utf-8", "public, max-age=300")),
  );
  register("GET", "/pay/assets/checkout.js", [], () =>
    Promise.resolve(
      answer(CHECKOUT_JS, 200, "text/javascript; charset=utf-8", "public, max-age=300"),
    ));

  register("GET", "/pay/:uuid", [], async (c) => {
    const lang = langOf(c);
    const view = await checkoutView(ctx, c.req.param("uuid") ?? "");
    if (!view) return answer(renderNotFoundPage(lang), 404, html);
    const response = answer(renderCheckoutPage(view, lang, ctx.clock.now()), 200, html);
    response.headers.set("Content-Language", lang);
    response.headers.set("Vary", "Accept-Language");
    return response;
  });

  register("GET", "/pay/:uuid/status", [], async (c) => {
    const lang = langOf(c);
    const view = await checkoutView(ctx, c.req.param("uuid") ?? "");
    if (!view) {
      const r = jsonError(c, 404, textsOf(lang).notFoundTitle);
      for (const [k, v] of Object.entries(security)) r.headers.set(k, v);
      return r;
    }
    return answer(
      JSON.stringify(checkoutStatusJson(view, lang, ctx.clock.now())),
      200,
      "application/json",
    );
  });

  register("GET", "/pay/:uuid/qr.svg", [], async (c) => {
    const view = await checkoutView(ctx, c.req.param("uuid") ?? "");
    if (!view) return answer(renderNotFoundPage(langOf(c)), 404, html);
    // Level M and a 4-module quiet zone: what phone cameras read best at this size.
    const svg = await QRCode.toString(view.paymentUri, {
      type: "svg",
      errorCorrectionLevel: "M",
      margin: 4,
    });
    return answer(svg, 200, "image/svg+xml; charset=utf-8");
  });
}
