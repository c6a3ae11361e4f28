import assert from "node:assert/strict";
import { ConfigError, loadPlugins, parseConfig, registry } from "../../../host/registry.ts";
import type { Cursor } from "../../../core/plugin.ts";
import { evmLifecycle } from "../../../plugins/evm/sender.ts";

const HARDHAT = "test test test test test test test test test test test junk";
const USDT_ETHEREUM = "0xdAC17F958D2ee523a2206206994597C13D831ec7";
const USDC_BASE = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913";

/** Five networks as an operator writes them: each an instance of the one EVM plugin. */
function fiveNetworks(): Record<string, unknown> {
  const net = (chainId: number, assets: Record<string, unknown>, extra = {}) => ({
    plugin: "evm",
    endpoint: `https://rpc.example/${chainId}`,
    chainId,
    mnemonic: HARDHAT,
    assets,
    ...extra,
  });
  return {
    network: "mainnet",
    ethereum: net(1, {
      ETH: { decimals: 18 },
      USDT_ERC20: { decimals: 6, contract: USDT_ETHEREUM },
    }, { finality: "finalized" }),
    bsc: net(56, { BNB: { decimals: 18 } }, {
      confirmations: 15,
      gas: { type: "legacy", maxFeePerGas: "5000000000" },
    }),
    polygon: net(137, { POL: { decimals: 18 } }, { confirmations: 64 }),
    arbitrum: net(42161, { ETH_ARB: { decimals: 18 } }),
    base: net(8453, {
      ETH_BASE: { decimals: 18 },
      USDC_BASE: { decimals: 6, contract: USDC_BASE },
    }),
  };
}

Deno.test("five EVM networks are instances of one plugin, each with its own section", async () => {
  const config = parseConfig(fiveNetworks()) as unknown as Record<string, Record<string, unknown>>;
  assert.equal(config.ethereum.finality, "finalized");
  assert.deepEqual(config.bsc.gas, {
    type: "legacy",
    maxFeePerGas: 5_000_000_000n,
    bumpPercent: 25,
    replaceAfterBroadcasts: 3,
  });
  const plugins = await loadPlugins(parseConfig(fiveNetworks()));
  try {
    assert.deepEqual([...plugins.keys()], ["ethereum", "bsc", "polygon", "arbitrum", "base"]);
    const explorer = (name: string) => plugins.get(name)!.explorers!.tx.replace("{tx}", "");
    assert.equal(explorer("ethereum"), "https://etherscan.io/tx/");
    assert.equal(explorer("bsc"), "https://bscscan.com/tx/");
    assert.equal(explorer("polygon"), "https://polygonscan.com/tx/");
    assert.equal(explorer("arbitrum"), "https://arbiscan.io/tx/");
    assert.equal(explorer("base"), "https://basescan.org/tx/");
    assert.equal(
      plugins.get("base")!.explorers!.address,
      "https://basescan.org/address/{address}",
    );
    // Finalized blocks only: an income is final when scanned.
    assert.equal(plugins.get("ethereum")!.requiredConfirmations, 1);
    assert.equal(plugins.get("bsc")!.requiredConfirmations, 15);
    const eth = plugins.get("ethereum")!;
    assert.equal(
      eth.assets.find((a) => a.code === "USDT_ERC20")!.contract,
      USDT_ETHEREUM.toLowerCase(),
    );
    assert.equal(eth.derivation.hotWallet.display, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    // The same mnemonic derives the same accounts on every network, as wallets do.
    assert.deepEqual(plugins.get("bsc")!.derivation.hotWallet, eth.derivation.hotWallet);
  } finally {
    for (const p of plugins.values()) await p.close();
  }
});

Deno.test("public.explorers overrides an instance's explorer; an unknown chain id has none", async () => {
  const raw = fiveNetworks();
  raw.public = {
    explorers: {
      bsc: { address: "https://x.example/a/{address}", tx: "https://x.example/t/{tx}" },
    },
  };
  (raw.polygon as Record<string, unknown>).chainId = 31337;
  const plugins = await loadPlugins(parseConfig(raw));
  try {
    assert.equal(plugins.get("bsc")!.explorers!.tx, "https://x.example/t/{tx}");
    assert.equal(plugins.get("polygon")!.explorers, null);
  } finally {
    for (const p of plugins.values()) await p.close();
  }
});

Deno.test("bad EVM sections are refused, naming the field", async () => {
  const refused = (mutate: (raw: Record<string, Record<string, unknown>>) => void) => {
    const raw = fiveNetworks() as Record<string, Record<string, unknown>>;
    mutate(raw);
    return raw;
  };
  const cases: [Record<string, unknown>, RegExp][] = [
    [refused((r) => delete r.bsc.chainId), /bsc\.chainId/],
    [refused((r) => r.bsc.gas = { type: "eip4844" }), /bsc\.gas\.type/],
    [refused((r) => r.polygon.finality = "safe"), /polygon\.finality/],
    [
      refused((r) => r.base.assets = { ETH: { decimals: 18 } }),
      /base\.assets\.ETH: asset code already used by ethereum/,
    ],
    [refused((r) => r.ethereum.gas = { maxFeePerGas: "1.5" }), /ethereum\.gas\.maxFeePerGas/],
    [refused((r) => r.base.l1DataFee = "arbitrum"), /base\.l1DataFee/],
  ];
  for (const [raw, field] of cases) {
    assert.throws(
      () => parseConfig(raw),
      (e: Error) => e instanceof ConfigError && field.test(e.message),
    );
  }
  const starts: [Record<string, unknown>, RegExp][] = [
    [
      refused((r) =>
        (r.ethereum.assets as Record<string, unknown>).USDT_ERC20 = {
          decimals: 6,
          contract: "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
        }
      ),
      /ethereum\.assets\.USDT_ERC20\.contract/,
    ],
    [
      refused((r) => (r.bsc.assets as Record<string, unknown>).WBNB = { decimals: 18 }),
      /bsc\.assets\.WBNB\.contract: only one asset is the native coin/,
    ],
    [
      refused((r) => r.arbitrum.coldWallet = "0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
      /arbitrum\.coldWallet: has an invalid EIP-55 checksum/,
    ],
    [refused((r) => r.base.mnemonic = "test test test"), /base\.mnemonic: is not a valid/],
    [refused((r) => delete r.polygon.endpoint), /polygon\.endpoint: set POLYGON_ENDPOINT/],
  ];
  for (const [raw, field] of starts) {
    await assert.rejects(loadPlugins(parseConfig(raw)), (e: Error) => field.test(e.message));
  }
});

Deno.test("environment names are the instance's: BSC_ENDPOINT, BSC_CHAIN_ID, BSC_GAS_TYPE", () => {
  const raw = registry.applyEnv({ bsc: { plugin: "evm", assets: { BNB: { decimals: 18 } } } }, {
    BSC_ENDPOINT: "https://bsc.example",
    BSC_CHAIN_ID: "56",
    BSC_GAS_TYPE: "legacy",
    BSC_MAX_FEE_PER_GAS: "3000000000",
    BSC_MNEMONIC: HARDHAT,
    BSC_ASSET_BNB_MIN_SWEEP: "1000",
  });
  const bsc = (parseConfig(raw) as unknown as Record<string, Record<string, unknown>>).bsc;
  assert.equal(bsc.endpoint, "https://bsc.example");
  assert.equal(bsc.chainId, 56);
  assert.deepEqual((bsc.gas as Record<string, unknown>).type, "legacy");
  assert.equal((bsc.gas as Record<string, unknown>).maxFeePerGas, 3_000_000_000n);
  assert.equal((bsc.assets as Record<string, Record<string, unknown>>).BNB.minSweep, 1000n);
  assert.equal(bsc.l1DataFee, "auto", "detected from the node unless set");
  const base = registry.applyEnv({
    base: { plugin: "evm", assets: { ETH_BASE: { decimals: 18 } } },
  }, {
    BASE_ENDPOINT: "https://base.example",
    BASE_CHAIN_ID: "8453",
    BASE_L1_DATA_FEE: "op-stack",
    BASE_MNEMONIC: HARDHAT,
  });
  const section = (parseConfig(base) as unknown as Record<string, Record<string, unknown>>).base;
  assert.equal(section.l1DataFee, "op-stack");
});

Deno.test("checkout QR codes are EIP-681 requests that name the chain id", async () => {
  const plugins = await loadPlugins(parseConfig(fiveNetworks()));
  try {
    const eth = plugins.get("ethereum")!;
    const to = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    assert.equal(
      eth.paymentUri!({ assetCode: "ETH", address: to, amount: 10n ** 16n, memo: null }),
      `ethereum:${to}@1?value=10000000000000000`,
    );
    assert.equal(
      eth.paymentUri!({ assetCode: "USDT_ERC20", address: to, amount: 25_000_000n, memo: null }),
      `ethereum:${USDT_ETHEREUM}@1/transfer?address=${to}&uint256=25000000`,
    );
    assert.equal(
      plugins.get("base")!.paymentUri!({
        assetCode: "USDC_BASE",
        address: to,
        amount: 0n,
        memo: null,
      }),
      `ethereum:${USDC_BASE}@8453/transfer?address=${to}`,
    );
    assert.equal(eth.paymentUri!({ assetCode: "BNB", address: to, amount: 1n, memo: null }), null);
    assert.deepEqual(eth.validateMemo("hi", null), {
      field: "comment",
      message: "EVM transfers carry no memo",
    });
  } finally {
    for (const p of plugins.values()) await p.close();
  }
});

Deno.test("a hot wallet payload dies only once its nonce is used at a depth no reorg undoes", () => {
  const hot = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
  // Four confirmations: a nonce used at height h is final once the cursor is at h + 3.
  const lifecycle = evmLifecycle(hot, 3);
  const payload = {
    payloadId: "0x01",
    wallet: hot,
    data: "{}",
    validUntil: null,
    nonce: "7",
    outKeys: ["0x01"],
    broadcasts: 1,
    sinceBroadcastMs: 0,
  };
  // The scanner saw the hot wallet's nonce 7 used (next 8) at height 100.
  const cursor = (height: bigint): Cursor => ({
    height,
    time: 0,
    state: { hash: "0x", recent: [], nonces: [["90", "7"], ["100", "8"]] },
  });
  assert.equal(lifecycle.state(payload, cursor(100n)).state, "pending");
  assert.equal(lifecycle.state(payload, cursor(102n)).state, "pending");
  const dead = lifecycle.state(payload, cursor(103n));
  assert.equal(dead.state, "dead");
  assert.equal(dead.state === "dead" && dead.reason, "superseded");
  // A payload with a later nonce, another wallet's, or none, is not judged by that use.
  assert.equal(lifecycle.state({ ...payload, nonce: "8" }, cursor(200n)).state, "pending");
  assert.equal(lifecycle.state({ ...payload, wallet: "0x02" }, cursor(200n)).state, "pending");
  assert.equal(lifecycle.state({ ...payload, nonce: null }, cursor(200n)).state, "pending");
});
