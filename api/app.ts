/**
 * The HTTP application: the exchange API of `shared/seeds/processor-api.txt`, the admin API of
 * merchant sites, the merchant API and its hosted checkout page (`/pay/{uuid}`, HTML), plus
 * devnet controls in devnet mode, and the API's OpenAPI document (`/openapi.json`) with its
 * reference page (`/docs`). Every API answer, including 401, 404, 405, 413 and 500, is
 * JSON with an `error` field when it is a refusal; the checkout page's own 404 is a page.
 */

import { Hono } from "hono";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ProcessorContext } from "../core/context.ts";
import { createMetrics } from "../core/metrics.ts";
import { registerAdminOpsRoutes } from "./admin_ops_routes.ts";
import { registerAdminRoutes } from "./admin_routes.ts";
import { registerCheckoutRoutes } from "./checkout_routes.ts";
import { bearerAuth } from "./auth.ts";
import { urlGuard } from "./url_guard.ts";
import { authThrottle } from "./auth_throttle.ts";
import { registerDevnetRoutes } from "./devnet_routes.ts";
import { registerDocsRoutes } from "./docs_routes.ts";
import { registerHealthRoutes } from "./health_routes.ts";
import { httpMetrics, registerMetricsRoute } from "./metrics_routes.ts";
import { registerPublicRoutes } from "./public_routes.ts";
import { errorResponse, jsonError } from "./errors.ts";
import { type Register, registerProcessorRoutes, type RouteGuards } from "./processor_routes.ts";

/** Options of {@linkcode createApp}. */
export interface AppOptions {
  /** Mounts `/devnet` and `/devnet/faucet`. */
  devnet?: boolean;
}

/** Builds the Hono app serving the exchange API over `ctx`. */
export function createApp(ctx: ProcessorContext, options: AppOptions = {}): Hono {
  const app = new Hono();
  const tokens = ctx.config.api.tokens;
  if (tokens.length === 0) {
    ctx.log.warn("api: no API tokens configured; every authenticated route answers 401");
  }
  const maxSize = ctx.config.api.bodyLimitBytes;
  const guards: RouteGuards = {
    auth: bearerAuth(tokens, { clock: ctx.clock }),
    bodyLimit: bodyLimit({
      maxSize,
      onError: (c) => jsonError(c, 413, `body: must be at most ${maxSize} bytes`),
    }),
  };

  // Before every route: a URL no route could safely use (NUL, overlong) is a JSON 4xx.
  app.use("*", urlGuard());

  // Methods by path, so a known path asked with another method answers 405, not 404.
  const allowed = new Map<string, string[]>();
  const register: Register = (method, path, middlewares, handler) => {
    allowed.set(path, [...(allowed.get(path) ?? []), method]);
    const chain: MiddlewareHandler[] = [...middlewares, (c) => handler(c)];
    // Hono types a variable-length handler list only through fixed-arity overloads.
    app.on(method, path, ...(chain as [MiddlewareHandler]));
  };

  // Without the processor's metrics (tests, tools), requests are still counted, in an own set.
  const metrics = ctx.metrics ?? createMetrics();
  app.use("*", httpMetrics(metrics));
  app.use(
    "*",
    authThrottle({
      limit: ctx.config.api.authFailureLimit,
      windowSeconds: ctx.config.api.authFailureWindowSeconds,
      trustForwardedFor: ctx.config.api.trustForwardedFor,
      clock: ctx.clock,
    }),
  );
  registerHealthRoutes(register, ctx);
  registerMetricsRoute(register, ctx, metrics);
  registerProcessorRoutes(register, ctx, guards);
  registerAdminRoutes(register, ctx, guards);
  registerAdminOpsRoutes(register, ctx, guards);
  registerPublicRoutes(register, ctx, guards);
  registerCheckoutRoutes(register, ctx);
  registerDocsRoutes(register);
  if (options.devnet) registerDevnetRoutes(register, ctx, guards);

  for (const [path, methods] of allowed) {
    app.all(path, (c: Context) => {
      c.header("Allow", methods.join(", "));
      return jsonError(c, 405, `method ${c.req.method} is not allowed; use ${methods.join(", ")}`);
    });
  }

  app.notFound((c) => jsonError(c, 404, `no route ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => errorResponse(c, error, ctx.log));
  return app;
}
