/**
 * Method by method, the devnet answers as the real toncenter answered in the recordings of
 * `tests/fixtures/ton/toncenter_v2/` (keys, JSON types, and the written form of every string:
 * decimal or hex, raw or friendly address, base64 or hex hash), and honours the parameter
 * semantics the real server documents. Where nothing was recorded, the server source that the
 * expectation comes from is named.
 */

import assert from "node:assert/strict";
import { Address, Cell } from "@ton/core";
import { startTonDevnet, type TonDevnet } from "../../../../plugins/ton/devnet/server.ts";
import { assertSameForms, assertSameShape, call, fixture, rpc } from "./helpers.ts";

const FULL = "-9223372036854775808";

/** Shape and forms at once. */
function assertLike(actual: unknown, expected: unknown): void {
  assertSameShape(actual, expected);
  assertSameForms(actual, expected);
}

/** Reads a recorded body whole (`ok`, `error`, `code` too). */
async function recordedBody(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(
    await Deno.readTextFile(
      new URL(`../../../fixtures/ton/toncenter_v2/${name}.json`, import.meta.url),
    ),
  );
}

/** A devnet with one block of `n` faucet transfers (2n transactions, n+1 accounts). */
async function devnetWithBlock(n: number): Promise<{ devnet: TonDevnet; seqno: number }> {
  const devnet = await startTonDevnet({ blockIntervalMs: 0, jettons: [] });
  const sent = Array.from(
    { length: n },
    (_, i) => devnet.faucet(new Address(0, Buffer.alloc(32, 0x20 + i)), 1_000_000n),
  );
  await devnet.produceBlock();
  await Promise.all(sent);
  return { devnet, seqno: devnet.heights().shard };
}

Deno.test("getMasterchainInfo, shards and getBlockHeader answer like the recorded mainnet ones", async () => {
  const { devnet, seqno } = await devnetWithBlock(1);
  try {
    const info = await call(devnet.endpoint, "getMasterchainInfo");
    assertLike(info, await fixture("getMasterchainInfo_sample1"));
    const mc = devnet.heights().masterchain;
    assertLike(
      await call(devnet.endpoint, "shards", { seqno: mc }),
      await fixture("getblock_io_docs_mainnet_mc30497145/shards"),
    );
    for (
      const recorded of [
        "blockpi_docs_mainnet_mc39984096/getBlockHeader",
        "getblock_io_docs_mainnet_mc30497145/getBlockHeader",
        "tonorg_docs_openapi_mainnet/getBlockHeader_mc1",
      ]
    ) {
      const expected = await fixture(recorded);
      assertLike(
        await call(devnet.endpoint, "getBlockHeader", { workchain: -1, shard: FULL, seqno: mc }),
        expected,
      );
      // No basechain header was recorded; tonlib's blocks.header has the same fields for
      // every workchain (ton-http-api-cpp src/converters/blocks.hpp).
      assertLike(
        await call(devnet.endpoint, "getBlockHeader", { workchain: 0, shard: FULL, seqno }),
        expected,
      );
    }
  } finally {
    await devnet.close();
  }
});

Deno.test("shards during a split lists each basechain shard like the recorded four-shard answer", async () => {
  const devnet = await startTonDevnet({ blockIntervalMs: 0, jettons: [] });
  try {
    devnet.splitShards();
    await devnet.produceBlock();
    await devnet.produceBlock();
    const answer = await call<{ shards: { shard: string }[] }>(devnet.endpoint, "shards", {
      seqno: devnet.heights().masterchain,
    });
    const shards = answer.shards;
    const recorded = await fixture("testnet_aiotx_vcr/shards_4_basechain_shards_mc19563127");
    assertLike(answer, recorded);
    // Shard ids are signed 64-bit decimals, the upper half negative, in shard order as recorded.
    assert.deepEqual(shards.map((s) => s.shard), ["4611686018427387904", "-4611686018427387904"]);
    const order = (recorded as { shards: { shard: string }[] }).shards.map((s) =>
      BigInt.asUintN(64, BigInt(s.shard))
    );
    assert.deepEqual(order, [...order].sort((a, b) => (a < b ? -1 : 1)));
  } finally {
    await devnet.close();
  }
});

Deno.test("getBlockTransactions(Ext) answer like the recorded mainnet and testnet pages", async () => {
  const { devnet, seqno } = await devnetWithBlock(3);
  try {
    const block = { workchain: 0, shard: FULL, seqno };
    const short = await call(devnet.endpoint, "getBlockTransactions", block);
    assertLike(short, await fixture("blockpi_docs_mainnet_mc39984096/getBlockTransactions"));
    assertLike(short, await fixture("getblock_io_docs_mainnet_mc30497145/getBlockTransactions"));
    const ext = await call(devnet.endpoint, "getBlockTransactionsExt", block);
    assertLike(ext, await fixture("blockpi_docs_mainnet_mc39984096/getBlockTransactionsExt"));

    // count 2 of 6: two transactions, incomplete, req_count echoed (recorded on testnet).
    const page = await call(devnet.endpoint, "getBlockTransactions", { ...block, count: 2 });
    assertLike(
      page,
      await fixture("testnet_aiotx_vcr/getBlockTransactions_count2_incomplete_true_B"),
    );
    assert.equal(page.req_count, 2);
    assert.equal(page.incomplete, true);
    assert.equal((page.transactions as unknown[]).length, 2);
  } finally {
    await devnet.close();
  }
});

Deno.test("a block with fewer transactions than count is answered whole, not incomplete", async () => {
  const devnet = await startTonDevnet({ blockIntervalMs: 0, jettons: [] });
  try {
    // The block sealed at start holds no transaction; the recorded one held one of count 2.
    const page = await call(devnet.endpoint, "getBlockTransactions", {
      workchain: 0,
      shard: FULL,
      seqno: devnet.heights().shard,
      count: 2,
    });
    const recorded = await fixture(
      "testnet_aiotx_vcr/getBlockTransactions_count2_incomplete_false",
    );
    assertSameShape({ ...page, transactions: [] }, { ...recorded as object, transactions: [] });
    assert.equal(page.incomplete, false);
  } finally {
    await devnet.close();
  }
});

Deno.test("an unknown block is HTTP 500 with toncenter's recorded error body", async () => {
  const devnet = await startTonDevnet({ blockIntervalMs: 0, jettons: [] });
  try {
    const recorded = await recordedBody(
      "testnet_aiotx_vcr/getBlockTransactions_error_500_block_not_found",
    );
    // The very request that was recorded: a shard that does not exist, seqno 0.
    const res = await rpc(devnet.endpoint, "getBlockTransactions", {
      workchain: 0,
      shard: 78568658568,
      seqno: 0,
      count: 2,
    });
    assert.equal(res.status, 500);
    assert.deepEqual(
      { ok: res.body.ok, error: res.body.error, code: res.body.code },
      recorded,
    );
    for (const method of ["getBlockTransactionsExt", "getBlockHeader"]) {
      const missing = await rpc(devnet.endpoint, method, {
        workchain: 0,
        shard: FULL,
        seqno: 9999,
      });
      assert.equal(missing.status, 500);
      assert.match(
        String(missing.body.error),
        /^LITE_SERVER_NOTREADY: cannot find block \(0,8000000000000000\) seqno=9999/,
      );
    }
    const shards = await rpc(devnet.endpoint, "shards", { seqno: 9999 });
    assert.equal(shards.status, 500);
  } finally {
    await devnet.close();
  }
});

Deno.test("paging parameters are validated as ton-http-api-cpp does, with HTTP 422", async () => {
  const { devnet, seqno } = await devnetWithBlock(1);
  try {
    const block = { workchain: 0, shard: FULL, seqno };
    // ton-http-api-cpp src/handlers/transactions/GetBlockTransactionsExtHandler.cpp, ValidateRequest.
    for (
      const [params, error] of [
        [{ count: 0 }, "count should be positive"],
        [{ count: 10001 }, "count should be less or equal 10000"],
        [{ after_lt: "1" }, "after_lt and after_hash should be used together"],
        [{ after_hash: "0".repeat(64) }, "after_lt and after_hash should be used together"],
        [{ after_lt: "-1", after_hash: "0".repeat(64) }, "after_lt should be non-negative"],
        [{ after_lt: "1", after_hash: "not a hash" }, "failed to parse after_hash"],
      ] as const
    ) {
      for (const method of ["getBlockTransactions", "getBlockTransactionsExt"]) {
        const res = await rpc(devnet.endpoint, method, { ...block, ...params });
        assert.equal(res.status, 422, `${method} ${JSON.stringify(params)}`);
        assert.deepEqual([res.body.ok, res.body.code, res.body.error], [false, 422, error]);
      }
    }
    // count defaults to 40 (schemas/v2.yaml countOptional).
    assert.equal((await call(devnet.endpoint, "getBlockTransactions", block)).req_count, 40);
    assert.equal(
      (await call(devnet.endpoint, "getBlockTransactions", { ...block, count: 10000 })).req_count,
      10000,
    );
  } finally {
    await devnet.close();
  }
});

Deno.test("after_hash names an account in every form toncenter accepts, and a transaction hash is read as one too", async () => {
  const { devnet, seqno } = await devnetWithBlock(6);
  try {
    const block = { workchain: 0, shard: FULL, seqno };
    type Short = { account: string; lt: string; hash: string };
    const all = (await call<{ transactions: Short[] }>(devnet.endpoint, "getBlockTransactions", {
      ...block,
      count: 100,
    })).transactions;
    const pivot = all[4];
    const id = pivot.account.split(":")[1];
    const after = all.slice(5).map((t) => t.hash);
    // ton-http-api-cpp ton_addr_without_workchain.cpp: an address in any form, or 32 bytes in
    // hex, base64 or base64url; the Python ton-http-api (prepare_hash) takes hex and base64.
    const forms = [
      id,
      Buffer.from(id, "hex").toString("base64"),
      Buffer.from(id, "hex").toString("base64url"),
      pivot.account,
      Address.parse(pivot.account).toString(),
    ];
    for (const form of forms) {
      const page = await call<{ transactions: Short[] }>(devnet.endpoint, "getBlockTransactions", {
        ...block,
        count: 100,
        after_lt: pivot.lt,
        after_hash: form,
      });
      assert.deepEqual(page.transactions.map((t) => t.hash), after, form);
    }
    // The recorded docs request passed a transaction hash and got the transactions of the
    // accounts after that value, whatever their lt (pagination_tonorg_docs_mainnet_mc57442406).
    const txHash = Buffer.from(pivot.hash, "base64").toString("hex");
    const page = await call<{ transactions: Short[] }>(devnet.endpoint, "getBlockTransactions", {
      ...block,
      count: 100,
      after_lt: pivot.lt,
      after_hash: pivot.hash,
    });
    assert.deepEqual(
      page.transactions.map((t) => t.hash),
      all.filter((t) => {
        const account = t.account.split(":")[1];
        return account > txHash || (account === txHash && BigInt(t.lt) > BigInt(pivot.lt));
      }).map((t) => t.hash),
    );
  } finally {
    await devnet.close();
  }
});

Deno.test("the recorded mainnet pages are ordered by account then lt, as the devnet pages", async () => {
  for (
    const name of [
      "getBlockTransactions_page1_incomplete",
      "getBlockTransactions_page2_after_cursor",
    ]
  ) {
    const page = await fixture(`pagination_tonorg_docs_mainnet_mc57442406/${name}`) as {
      transactions: { account: string; lt: string }[];
    };
    const keys = page.transactions.map((t) => [t.account.split(":")[1], BigInt(t.lt)] as const);
    for (let i = 1; i < keys.length; i++) {
      const [[a, x], [b, y]] = [keys[i - 1], keys[i]];
      assert.ok(b > a || (a === b && y > x), `${name}: ${i}`);
    }
  }
  const { devnet, seqno } = await devnetWithBlock(6);
  try {
    const page = await call<{ transactions: { account: string; lt: string }[] }>(
      devnet.endpoint,
      "getBlockTransactions",
      { workchain: 0, shard: FULL, seqno, count: 100 },
    );
    const keys = page.transactions.map((t) =>
      `${t.account.split(":")[1]}:${t.lt.padStart(20, "0")}`
    );
    assert.deepEqual(keys, [...keys].sort());
  } finally {
    await devnet.close();
  }
});

Deno.test("a devnet with a small page size answers short incomplete pages whatever count asks", async () => {
  const devnet = await startTonDevnet({ blockIntervalMs: 0, jettons: [], blockPageSize: 2 });
  try {
    const sent = [1, 2, 3].map((i) =>
      devnet.faucet(new Address(0, Buffer.alloc(32, i)), 1_000_000n)
    );
    await devnet.produceBlock();
    await Promise.all(sent);
    const page = await call<{ req_count: number; incomplete: boolean; transactions: unknown[] }>(
      devnet.endpoint,
      "getBlockTransactionsExt",
      { workchain: 0, shard: FULL, seqno: devnet.heights().shard, count: 256 },
    );
    assert.deepEqual([page.req_count, page.incomplete, page.transactions.length], [256, true, 2]);
  } finally {
    await devnet.close();
  }
});

Deno.test("getConfigParam answers the recorded mainnet parameters", async () => {
  const devnet = await startTonDevnet({ blockIntervalMs: 0, jettons: [] });
  try {
    for (
      const [id, recorded] of [
        [0, "tonorg_docs_openapi_mainnet/getConfigParam_0_sample1"],
        [1, "blockpi_docs_mainnet_mc39984096/getConfigParam_1"],
      ] as const
    ) {
      const answer = await call<{ config: { bytes: string } }>(devnet.endpoint, "getConfigParam", {
        config_id: id,
      });
      const expected = await fixture(recorded) as { config: { bytes: string } };
      assertLike(answer, expected);
      // The sandbox's config is mainnet's: the config and elector addresses are the same cells.
      assert.equal(
        Cell.fromBase64(answer.config.bytes).hash().toString("hex"),
        Cell.fromBase64(expected.config.bytes).hash().toString("hex"),
      );
    }
    assertLike(
      await call(devnet.endpoint, "getConfigParam", { config_id: 17 }),
      await fixture("tonorg_docs_openapi_mainnet/getConfigParam_17_sample2"),
    );
  } finally {
    await devnet.close();
  }
});

Deno.test("runGetMethod and getAddressInformation answer like the recorded mainnet ones", async () => {
  const devnet = await startTonDevnet({ blockIntervalMs: 0, jettons: [] });
  try {
    const address = devnet.faucetAddress.toString();
    const run = await call(devnet.endpoint, "runGetMethod", {
      address,
      method: "seqno",
      stack: [],
    });
    assertLike(run, await fixture("runGetMethod_get_nft_data"));
    assertLike(
      await call(devnet.endpoint, "getAddressInformation", { address }),
      await fixture("getAddressInformation"),
    );
  } finally {
    await devnet.close();
  }
});

Deno.test("sendBoc answers ok, and a rate-limited call is HTTP 429 with toncenter's error body", async () => {
  const devnet = await startTonDevnet({ blockIntervalMs: 0, jettons: [] });
  try {
    // No recording of either: ton-http-api-cpp schemas/v2.yaml answers sendBoc with a
    // TonlibResponse ({"ok": true, "result": {"@type": "ok"}}), and documents 429 as
    // {"ok": false, "code": 429, "error": ...} (components/responses/default).
    const bad = await rpc(devnet.endpoint, "sendBoc", { boc: "te6cc" });
    assert.equal(bad.body.ok, false);
    devnet.faults.failNext("getMasterchainInfo", 1, "ratelimit");
    const limited = await rpc(devnet.endpoint, "getMasterchainInfo");
    assert.equal(limited.status, 429);
    assert.deepEqual([limited.body.ok, limited.body.code, typeof limited.body.error], [
      false,
      429,
      "string",
    ]);
  } finally {
    await devnet.close();
  }
});
