/**
 * The checked-in contract artifacts are what solc-js makes of the sources today, so an edited
 * contract cannot be deployed from stale bytecode.
 */
import assert from "node:assert/strict";
import {
  ARTIFACTS_URL,
  artifactsText,
  compileDevnetContracts,
} from "../../../../plugins/evm/devnet/compile.ts";

Deno.test("artifacts.json matches the contract sources (regenerate with compile.ts)", async () => {
  const compiled = compileDevnetContracts();
  assert.deepEqual(Object.keys(compiled.contracts).sort(), [
    "BatchTransfer",
    "DevnetERC20",
    "Forwarder",
    "TetherLikeToken",
  ]);
  assert.equal(await Deno.readTextFile(ARTIFACTS_URL), artifactsText(compiled));
});
