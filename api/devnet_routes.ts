/**
 * Devnet controls, mounted only in devnet mode: what each chain's devnet looks like, and a
 * faucet to fund addresses in tests and demos.
 */

import type { Json } from "../core/plugin.ts";
import { assetOf, type ProcessorContext } from "../core/context.ts";
import { InputError } from "../core/errors.ts";
import type { Register, RouteGuards } from "./processor_routes.ts";
import { faucetBody, readBody } from "./schemas.ts";

/** Registers `GET /devnet` (open) and `POST /devnet/faucet` (bearer) on `register`. */
export function registerDevnetRoutes(
  register: Register,
  ctx: ProcessorContext,
  guards: RouteGuards,
): void {
  register("GET", "/devnet", [], async (c) => {
    const chains: Record<string, Record<string, Json>> = {};
    for (const plugin of ctx.plugins.values()) {
      if (!plugin.devnet) continue;
      chains[plugin.chain] = {
        ...await plugin.devnet.info(),
        hot_wallet: plugin.derivation.hotWallet.display,
      };
    }
    return c.json({ chains });
  });

  register("POST", "/devnet/faucet", [guards.auth, guards.bodyLimit], async (c) => {
    const body = await readBody(c, faucetBody);
    const found = assetOf(ctx, body.currency);
    if (!found) {
      throw new InputError("currency", `unknown currency ${JSON.stringify(body.currency)}`);
    }
    const { plugin } = found;
    if (!plugin.devnet) throw new InputError("currency", `chain ${plugin.chain} has no devnet`);
    const to = plugin.derivation.parseAddress(body.to);
    if ("error" in to) throw new InputError("to", to.error);
    const txHash = await plugin.devnet.faucet({
      currency: body.currency,
      to: to.address,
      amount: body.amount,
      comment: body.comment,
      forwardAmount: body.forward_amount ?? null,
      ...(body.via === undefined ? {} : { via: body.via }),
    });
    return c.json({ tx_hash: txHash });
  });
}
