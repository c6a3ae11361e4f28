/**
 * Dev mode's config: every devnet asset with sweeps, jettons included, and the environment's
 * exchange webhook settings honoured (a generated signing secret when no file is given).
 */

import assert from "node:assert/strict";
import { devConfig } from "../../host/dev_mode.ts";
import { startTonDevnet } from "../../plugins/ton/devnet/server.ts";
import { startTronDevnet } from "../../plugins/tron/devnet/server.ts";
import { TRON_TEST_MNEMONIC } from "../support/harness.ts";

const SECRETS = {
  token: "dev-token-0123456789abcdef",
  tonMnemonic: "unused by devConfig",
  tronMnemonic: TRON_TEST_MNEMONIC,
  exchangeWebhookSecret: "generated-secret-0123456789",
};

Deno.test("dev mode sweeps jettons and TRC20 tokens, and honours the exchange webhook settings", async () => {
  const ton = await startTonDevnet({ blockIntervalMs: 0 });
  const tron = await startTronDevnet({ blockIntervalMs: 0 });
  try {
    const plain = devConfig(ton, tron, { API_PORT: "9911" }, {
      ...SECRETS,
      exchangeWebhookSecret: null,
    });
    assert.equal(plain.api.port, 9911);
    assert.equal(plain.exchangeWebhook, undefined);
    assert.equal(plain.ton?.assets.USDT_TON.minSweep, 10_000_000n);
    assert.equal(plain.ton?.assets.TGR.minSweep, 10_000_000_000n);
    assert.equal(plain.tron?.assets.USDT_TRC20.minSweep, 10_000_000n);

    const hooked = devConfig(
      ton,
      tron,
      { EXCHANGE_WEBHOOK_URL: "http://127.0.0.1:9/hooks" },
      SECRETS,
    );
    assert.deepEqual(hooked.exchangeWebhook, {
      url: "http://127.0.0.1:9/hooks",
      secret: "generated-secret-0123456789",
    });
    const filed = devConfig(ton, tron, {
      EXCHANGE_WEBHOOK_URL: "http://127.0.0.1:9/hooks",
      EXCHANGE_WEBHOOK_SECRET_FILE: "/run/secrets/hook",
    }, { ...SECRETS, exchangeWebhookSecret: null });
    assert.deepEqual(filed.exchangeWebhook, {
      url: "http://127.0.0.1:9/hooks",
      secretFile: "/run/secrets/hook",
    });
  } finally {
    await ton.close();
    await tron.close();
  }
});
