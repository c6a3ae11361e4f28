/**
 * The seed's chain-named endpoints serve whichever plugin declares the capability: the
 * service withdrawal routes (`ServiceWithdrawals`) and name resolution (`resolve`). The core
 * and the API know no chain by name.
 */

import assert from "node:assert/strict";
import { startApi, stubPlugin } from "../support/api_client.ts";

/** The stub chain renamed, serving `code` as its native coin, with or without the routes. */
function chain(name: string, code: string, routes: boolean) {
  const base = stubPlugin();
  const { serviceWithdrawals: _routes, resolve: _resolve, ...rest } = base;
  return {
    ...rest,
    chain: name,
    assets: base.assets.map((a) => ({ ...a, code, chain: name })),
    ...(routes
      ? { serviceWithdrawals: { native: "ton", token: null }, resolve: base.resolve }
      : {}),
  };
}

Deno.test("the service route sweeps the native coin of the plugin that declares it", async () => {
  const api = await startApi({
    plugins: [chain("plain", "PLAIN", false), chain("memo", "COIN", true)],
  });
  try {
    const address = await api.request("POST", "/v1/address/new", {
      body: { user_id: "u1", currency: "COIN" },
    });
    const from = (address.json as { address: string }).address;
    const r = await api.request("POST", "/v1/withdrawal/service/ton", { body: { from } });
    assert.equal(r.status, 200, r.text);
    const [sweep] = await api.ctx.db.query("select chain, currency, kind, memo from sweeps");
    assert.deepEqual({ ...sweep }, {
      chain: "memo",
      currency: "COIN",
      kind: "service",
      memo: (r.json as { memo: string }).memo,
    });
    const resolved = await api.request("GET", "/v1/resolve?domain=wallet.ton");
    assert.deepEqual(resolved.json, { address: "RESOLVED1" });
  } finally {
    await api.close();
  }
});

Deno.test("without a plugin that declares them, the routes refuse and resolve nothing", async () => {
  const api = await startApi({ plugins: [chain("plain", "PLAIN", false)] });
  try {
    const r = await api.request("POST", "/v1/withdrawal/service/ton", { body: { from: "DEP1" } });
    assert.equal(r.status, 400);
    assert.match((r.json as { error: string }).error, /^currency: /);
    const jetton = await api.request("POST", "/v1/withdrawal/service/jetton", {
      body: { owner: "DEP1", jetton_master: "MASTER1" },
    });
    assert.deepEqual(jetton.json, { error: "jetton_master: no configured jetton has this master" });
    const resolved = await api.request("GET", "/v1/resolve?domain=wallet.ton");
    assert.equal(resolved.status, 404);
    assert.equal((await api.ctx.db.query("select id from sweeps")).length, 0);
  } finally {
    await api.close();
  }
});
