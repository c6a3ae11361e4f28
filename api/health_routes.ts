/**
 * Probes, open like `/v1/system/sync` (no token: orchestrators and load balancers call them):
 * `/healthz` says the process serves HTTP and touches nothing else, so a database outage never
 * gets the process restarted; `/readyz` runs the readiness checks of `core/health.ts` and is
 * 503 with the reasons while any fails.
 *
 * @module
 */

import type { ProcessorContext } from "../core/context.ts";
import { readiness } from "../core/health.ts";
import type { Register } from "./processor_routes.ts";
import { healthResponse, readinessResponse, reply } from "./responses.ts";

/** Registers `/healthz` and `/readyz`. */
export function registerHealthRoutes(register: Register, ctx: ProcessorContext): void {
  register(
    "GET",
    "/healthz",
    [],
    (c) => Promise.resolve(reply(c, healthResponse, { status: "ok" })),
  );
  register("GET", "/readyz", [], async (c) => {
    const report = await readiness(ctx);
    c.header("Cache-Control", "no-store");
    return reply(c, readinessResponse, report, report.ready ? 200 : 503);
  });
}
