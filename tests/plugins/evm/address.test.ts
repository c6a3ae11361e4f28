import assert from "node:assert/strict";
import fc from "fast-check";
import { evmDisplay, parseEvmAddress } from "../../../plugins/evm/address.ts";
import { evmAccountKey, newEvmMnemonic } from "../../../plugins/evm/derivation.ts";

/** Hardhat's and Anvil's dev mnemonic: every EVM tool lists its first accounts. */
const HARDHAT = "test test test test test test test test test test test junk";

/** The four examples of the EIP-55 specification. */
const EIP55 = [
  "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
  "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
  "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
  "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
];

Deno.test("m/44'/60'/0'/0/i of the Hardhat mnemonic gives Hardhat's accounts, checksummed", () => {
  const key = evmAccountKey(HARDHAT);
  assert.deepEqual(key.address(0n), {
    address: "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
    display: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  });
  assert.equal(key.address(1n).display, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  assert.equal(key.address(2n).display, "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
  assert.equal(
    key.privateKey(0n),
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  );
  assert.throws(() => key.address(1n << 31n), RangeError);
});

Deno.test("a bad mnemonic is refused without quoting its words", () => {
  for (const bad of ["", "test test test", HARDHAT.replace("junk", "test"), "zzz ".repeat(12)]) {
    assert.throws(() => evmAccountKey(bad), (e: Error) => {
      assert.ok(!/\btest\b|zzz|junk/.test(e.message), e.message);
      return true;
    });
  }
  assert.notEqual(
    evmAccountKey(newEvmMnemonic()).address(0n).address,
    evmAccountKey(HARDHAT).address(0n).address,
  );
});

Deno.test("EIP-55: checksummed output, any case in, a wrong mix refused", () => {
  for (const display of EIP55) {
    const address = display.toLowerCase();
    const upper = "0x" + display.slice(2).toUpperCase();
    for (const input of [display, address, upper]) {
      assert.deepEqual(parseEvmAddress(input), { address, display }, input);
    }
    assert.equal(evmDisplay(address), display);
    // One letter's case flipped: a typo EIP-55 catches.
    const at = display.search(/[a-fA-F]/);
    const c = display[at];
    const typo = display.slice(0, at) +
      (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + display.slice(at + 1);
    assert.ok("error" in parseEvmAddress(typo), typo);
  }
});

Deno.test("other chains' addresses and malformed input are refused", () => {
  for (
    const input of [
      "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", // TRON base58
      "41a614f803b6fd780986a42c78ec9c7f77e6ded13c", // TRON hex
      "a614f803b6fd780986a42c78ec9c7f77e6ded13c", // no 0x
      "EQAs9VlT6S776tq3unJcP5Ogsj-ELLunLXuOb1EKcOQi4wJB", // TON
      "0:2cf55953e92efbeadab7ba725c3f93a0b23f842cbba72d7b8e6f510a70e422e3",
      "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", // Bitcoin
      "0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", // upper-case prefix
      "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", // 39 digits
      "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed0",
      " 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
      "0x" + "0".repeat(40), // the zero address
      "0xgaAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    ]
  ) {
    const parsed = parseEvmAddress(input);
    assert.ok("error" in parsed, input);
  }
});

Deno.test("every 20-byte address round-trips: lowercase in, checksum out, checksum in again", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (bytes) => {
      const address = "0x" + [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
      const parsed = parseEvmAddress(address);
      if (/^0x0{40}$/.test(address)) return "error" in parsed;
      if ("error" in parsed) return false;
      return parsed.address === address &&
        JSON.stringify(parseEvmAddress(parsed.display)) === JSON.stringify(parsed);
    }),
  );
});
