/**
 * The TRON plugin factory: config it refuses (naming the field, never echoing a secret) and
 * the chain facts it gives the core.
 */

import assert from "node:assert/strict";
import { parseConfig } from "../../../core/config.ts";
import { createTronPlugin } from "../../../plugins/tron/plugin.ts";
import { tronHexFromAddress } from "../../../plugins/tron/address.ts";
import { TRON_TEST_MNEMONIC } from "../../support/harness.ts";

const USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";
const config = (tron: Record<string, unknown>) =>
  parseConfig({
    network: "devnet",
    tron: { endpoint: "http://127.0.0.1:9", mnemonic: TRON_TEST_MNEMONIC, ...tron },
  });

Deno.test("the factory refuses unusable TRON config, naming the field", async () => {
  await assert.rejects(() => createTronPlugin(config({ endpoint: undefined })), /tron\.endpoint/);
  await assert.rejects(
    () => createTronPlugin(config({ mnemonic: undefined })),
    /tron\.mnemonic: set TRON_MNEMONIC/,
  );
  await assert.rejects(
    () => createTronPlugin(config({ assets: { TRX: { decimals: 6, contract: USDT } } })),
    /tron\.assets\.TRX\.contract/,
  );
  await assert.rejects(
    () => createTronPlugin(config({ assets: { USDT_TRC20: { decimals: 6 } } })),
    /tron\.assets\.USDT_TRC20\.contract/,
  );
  await assert.rejects(
    () => createTronPlugin(config({ assets: { USDT_TRC20: { decimals: 6, contract: "Tnope" } } })),
    /tron\.assets\.USDT_TRC20\.contract/,
  );
  await assert.rejects(
    () => createTronPlugin(config({ coldWallet: "0:abc" })),
    /tron\.coldWallet/,
  );
});

Deno.test("a wrong mnemonic is refused without echoing any of its words", async () => {
  const words = "zebra ".repeat(11) + "secretword";
  const error = await createTronPlugin(config({ mnemonic: words })).then(
    () => null,
    (e: Error) => e,
  );
  assert.ok(error);
  assert.match(error.message, /^tron\.mnemonic/);
  assert.ok(!error.message.includes("secretword") && !error.message.includes("zebra"));
});

Deno.test("addresses: base58 and 41… hex in, base58 out; deposits are the BIP44 vectors", async () => {
  const plugin = await createTronPlugin(config({}));
  assert.equal(plugin.chain, "tron");
  assert.equal(plugin.requiredConfirmations, 19);
  // abandon…about, m/44'/195'/0'/0/0 and /1 (TronLink's path).
  assert.equal(plugin.derivation.hotWallet.address, "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH");
  const first = await plugin.derivation.deposit(1n, "TRX");
  assert.deepEqual(first, {
    address: "TSeJkUh4Qv67VNFwY8LaAxERygNdy6NQZK",
    display: "TSeJkUh4Qv67VNFwY8LaAxERygNdy6NQZK",
    watch: null,
  });
  assert.deepEqual(plugin.derivation.parseAddress(tronHexFromAddress(USDT)), {
    address: USDT,
    display: USDT,
  });
  for (const bad of ["", "T", USDT.slice(0, -1) + "u", "0x" + tronHexFromAddress(USDT).slice(2)]) {
    assert.ok("error" in plugin.derivation.parseAddress(bad), bad);
  }
  assert.deepEqual(plugin.validateMemo("hi", null), {
    field: "comment",
    message: "TRON transfers carry no memo",
  });
  assert.equal(plugin.validateMemo(null, null), null);
  await plugin.close();
});
