/**
 * Real mainnet TRON data through the real scanner: one block made of every recorded
 * transaction and transaction info of the fixtures (see `fixture_node.ts` for what is
 * recorded and what is derived), served with java-tron's semantics, every address in it
 * treated as one of our deposits. Every transaction is read exactly once, and the incomes and
 * unrecognized transfers are exactly those below, worked out by hand from the recordings
 * (amounts as the fixtures' own `.source.json` checks state them where they give them: the
 * UniversalRouter swaps' internal TRX of 3,111,255 and 105,375 sun, the 1 USDT transfers).
 * Nothing comes from the failed ones: the OUT_OF_ENERGY USDT transfer, the out-of-energy swap
 * whose 11 internal transactions are all rejected (one carries 6,357,085 sun), the REVERT,
 * the OUT_OF_ENERGY call with call value.
 */

import assert from "node:assert/strict";
import type { AccountLookup, OwnedAccount, ScannedBlock } from "../../../core/plugin.ts";
import { createTronNode } from "../../../plugins/tron/node.ts";
import { createTronScanner } from "../../../plugins/tron/scanner.ts";
import { fixtureBlock, MAINNET_USDT, startFixtureNode } from "./fixture_node.ts";

/** currency or token, to, from, amount, txid, event index. */
type Row = [string, string, string | null, bigint, string, number];

const EXPECTED_INCOMES: Row[] = [
  [
    "USDT_TRC20",
    "TXVj38D1XR3TPgSHTCZGC8wkLDAGqF1oqx",
    "TL24LCps5FKwp3PoU1MvrYrwhi5LU1tHre",
    41677389n,
    "0130dfde9281a48378109039ef512229d5359fbee2a8adbb17ad73aebc67ea99",
    0,
  ],
  [
    "USDT_TRC20",
    "TLPMDDSEH7g12TRrNT6VXS5CfrWNMkNpJf",
    "TPoQq65NQYpYTBcxCUozQPUDKSHHdXuTLi",
    2000000n,
    "09ced8884304c13fed8642595593f6c3724173d6848e64a3f27849b055249429",
    0,
  ],
  [
    "USDT_TRC20",
    "TBA6CypYJizwA9XdC7Ubgc5F1bxrQ7SqPt",
    "TWpZXLfsvVuQuJZLkdWNY7XY2teePqPpz7",
    532079999n,
    "0af79242191c6728b79e858a36a4b5c65e4e52b9fcee4dc5af30eac57b6d0953",
    0,
  ],
  [
    "TRX",
    "TWpVFREEP5XU8UvPnVTbHmwPjDktcmE6kR",
    "TAZcctLszpNSHeb15mGHiGJ2BSyhqSTFgC",
    8n,
    "122576c4aada13b821678903af504f016dacb367bb4c32bc0e4303d1bb481bde",
    0,
  ],
  [
    "USDT_TRC20",
    "TCB8H6cKtfLZJyt3tXkbN1a8Nxrh2x14RB",
    "TL24LCps5FKwp3PoU1MvrYrwhi5LU1tHre",
    300000n,
    "225e55c40beaba52e7843b5d314ba830457824c8cd80a24f45dd3729d75c6263",
    0,
  ],
  [
    "TRX",
    "TJyhD7vrPqBBGFtvCMuN1KrDthsR4ZdALs",
    "TRFzaUewpFdYWzABNH1246wfuY2PcabsQX",
    1n,
    "30232b8c605f7a3651390ac5fd69d2f8d244791624e9f03d190f5d6cb465bb5e",
    0,
  ],
  [
    "TRX",
    "TR7ZnKdDYXBe2Wr3t27tXXL1hj3kq19FzG",
    "TPyac3ttj1a66m86RaJfrL8iGht1XUvPqw",
    8n,
    "3ec07911c77dcbdf7a75ae0e0486960add2993ac606c6e33fa92011f9f2665cb",
    0,
  ],
  [
    "USDT_TRC20",
    "TCB8H6cKtfLZJyt3tXkbN1a8Nxrh2x14RB",
    "TL24LCps5FKwp3PoU1MvrYrwhi5LU1tHre",
    1000n,
    "46710419b68bd4a87ad3227011874f34602d986a61c264676dfb70a06b5d24ed",
    0,
  ],
  [
    "TRX",
    "TAVrrARNdnjHgCGMQYeQV7hv4PSu7mVsMj",
    "TQ7pF3NTDL2Tjz5rdJ6ECjQWjaWHpLZJMH",
    5n,
    "47086db397eac45d2fe7dacedcb6f77267d6895dce645210e495e64f8a2a7910",
    0,
  ],
  [
    "TRX",
    "THHzp3qM3BD6fNWAbfiS9kesWZLZ6Sryvq",
    "TS6dxrcGzvfAaZAJ5is4VYz9sM7KwCcccc",
    20000000n,
    "59352daf0d6fa1d9ea4eb4c1eb6a6e664c7a1f3ffdbe51842eaa7e675b7ca1df",
    0,
  ],
  [
    "USDT_TRC20",
    "TFjnN2PQacnjeX4CGJYNuFdoVdbLN89NsV",
    "TNpnSnQoRV7E95MsiyQoUnSW3nxPm871w4",
    40000000n,
    "72be8976354fa98c3e753aad8ee2753d0e7c9a5bc99c45a08a79c19160b5d0cd",
    0,
  ],
  [
    "TRX",
    "TQcia2H2TU3WrFk9sKtdK9qCfkW8XirfPQ",
    "TCFNp179Lg46D16zKoumd4Poa2WFFdtqYj",
    9912500n,
    "7b6589b22ca801e35fd5d98186e019757875d3fb52c0bdc38a7cf4b2f24d9808",
    -7,
  ],
  [
    "TRX",
    "TCFNp179Lg46D16zKoumd4Poa2WFFdtqYj",
    "TYWc7X6YHpp2YrFXwLRsofdiL78JRvDd6u",
    9912500n,
    "7b6589b22ca801e35fd5d98186e019757875d3fb52c0bdc38a7cf4b2f24d9808",
    -5,
  ],
  [
    "TRX",
    "TLF4f5VMoaNWo2R5Bd4QPVuBoLMghF1XZs",
    "TYWc7X6YHpp2YrFXwLRsofdiL78JRvDd6u",
    87500n,
    "7b6589b22ca801e35fd5d98186e019757875d3fb52c0bdc38a7cf4b2f24d9808",
    -4,
  ],
  [
    "USDT_TRC20",
    "TYWc7X6YHpp2YrFXwLRsofdiL78JRvDd6u",
    "TW7pbp4pD38qv6kSaw44i4uVzthz2bBpYc",
    2916449n,
    "7b6589b22ca801e35fd5d98186e019757875d3fb52c0bdc38a7cf4b2f24d9808",
    12,
  ],
  [
    "USDT_TRC20",
    "TSjRgk9kUDiAykRVC3EodS3U8cK8gRHkPQ",
    "TYWc7X6YHpp2YrFXwLRsofdiL78JRvDd6u",
    2916449n,
    "7b6589b22ca801e35fd5d98186e019757875d3fb52c0bdc38a7cf4b2f24d9808",
    20,
  ],
  [
    "USDT_TRC20",
    "TD7kfvnJnXYkxEgcPgPzmxXVMqACJP1Tja",
    "TXFQoyP3ZnsbygNzeyfcJLrUveX5jp7vzQ",
    20000000n,
    "90e42a06a34eeb53fc511e789033090285fbcbc575a35981c60dc3540c904dbb",
    0,
  ],
  [
    "TRX",
    "TJ4eV1hnVAiFmeArBsuL6GkgTGVnWBe7eV",
    "TTmaAAbFPtACn1amP3FBkmmUygFh8udAvA",
    50000000n,
    "979e0823f455f3b67d65b351052f0265233f422792d31d5dbeb7c24737dd5556",
    0,
  ],
  [
    "TRX",
    "TQkWLomxXNTyR93GzDkG5UATKnVuyDKYQi",
    "TXjswp12gznGUb8TDo7d5xgdNpro6Esr7T",
    4n,
    "982ff80258533daaa3a64545d4b8b1424d8516439ad930c97f527c9624fe96f0",
    0,
  ],
  [
    "USDT_TRC20",
    "TDii6vao7xyWg2rKPbCPWVRpSmne8xcqYx",
    "TQ8bAk4kyqL3L9pKzQCvbTqzLz4ZiWjV57",
    3358015n,
    "985e1025996d272399ee5dab76dcbb1ff19ea14112b747c3c2fc0510b6018d2e",
    0,
  ],
  [
    "USDT_TRC20",
    "TCdPe5kXhR84cKwyUGyyCuUEcakXD4Hq6j",
    "TYk23v68EVZb1SN8yp6gVsguPwicKx79x5",
    100000000n,
    "a1af302e7cc604b06f4b3daf0ce7df357beb7c56e416757924d8eeee543522e7",
    0,
  ],
  [
    "TRX",
    "TAVrrARNdnjHgCGMQYeQV7hv4PSu7mVsMj",
    "TE3SHEMRxobkvK4z3Px5i5UUufHXpPxEEE",
    9n,
    "adc45283df2742b7699fdcbf3f3755ac6cf36926ef731282b9ad147036107ca5",
    0,
  ],
  [
    "TRX",
    "TXsTVwrkJ8UGYtWY1Xk6MrzyCekw8TzJMH",
    "TAVrrARNdnjHgCGMQYeQV7hv4PSu7mVsMj",
    100000000n,
    "b0b68ea41e7b46f06196ea0ff47837afe821f985eb966a4915eb3809ac893461",
    0,
  ],
  [
    "TRX",
    "TPoQq65NQYpYTBcxCUozQPUDKSHHdXuTLi",
    "TQqgNg13s2DjvXhW1ky4v6TsR8wZGvb7Y4",
    105375n,
    "c9628c039de74951fd8f71305b517aefa5e2c9f1c4b201c0497007ae8a9a9d61",
    -15,
  ],
  [
    "TRX",
    "TQqgNg13s2DjvXhW1ky4v6TsR8wZGvb7Y4",
    "TVjuTE3V5bMVdpfNhid8kD2v35T2k1u1Br",
    105375n,
    "c9628c039de74951fd8f71305b517aefa5e2c9f1c4b201c0497007ae8a9a9d61",
    -13,
  ],
  [
    "TRX",
    "TG47Gk1kLi2vmPT3WGgXDFfaChFABFtoZ8",
    "TBzkhqmvUGJ5N7k9mPdiN2LRf7mW5RkfSY",
    4n,
    "db1bbe02b79e619bd77399accc0f8d7b22845be46cb2815d18f3a2ce6927bb8e",
    0,
  ],
  [
    "USDT_TRC20",
    "TQMXevvCisESgK479N4mG8TTkps1LCNiyb",
    "TUsiiA8jqAEagjV78T1NvjQjLbME5pWCMA",
    23111110000n,
    "e32493469c2ab6f31684c0e5a88cf409329fd9d7176baed4763d294d1c99b1f0",
    0,
  ],
  [
    "TRX",
    "TPoQq65NQYpYTBcxCUozQPUDKSHHdXuTLi",
    "TQqgNg13s2DjvXhW1ky4v6TsR8wZGvb7Y4",
    3111255n,
    "e41f064b2a06b08d4b27c1bc03f2e38bf9e417a768dfdb4afa8b568c5ddd97fc",
    -11,
  ],
  [
    "TRX",
    "TQqgNg13s2DjvXhW1ky4v6TsR8wZGvb7Y4",
    "TNUC9Qb1rRpS5CbWLmNMxXBjyFoydXjWFR",
    3111255n,
    "e41f064b2a06b08d4b27c1bc03f2e38bf9e417a768dfdb4afa8b568c5ddd97fc",
    -10,
  ],
  [
    "USDT_TRC20",
    "TSUUVjysXV8YqHytSNjfkNXnnB49QDvZpx",
    "TPoQq65NQYpYTBcxCUozQPUDKSHHdXuTLi",
    1000000n,
    "e41f064b2a06b08d4b27c1bc03f2e38bf9e417a768dfdb4afa8b568c5ddd97fc",
    1,
  ],
  [
    "USDT_TRC20",
    "TNSBbAP7srYaFDcHSCG52JadTB7FS9bVyL",
    "TM32aWxTekCu39YWZhh5JcP5mckzqvgDFe",
    1000000n,
    "efde2ab4d7522f67c5bd3c5bf546d2112a4004fe76d45db2d5b94334b8077878",
    0,
  ],
  [
    "USDT_TRC20",
    "TBa4Nb96tj4jUx85tcqvyWYyFi7mowHVLJ",
    "TWrCqzeJMWvfEGyGVrRPTTERkWQLSgmMoY",
    500000000n,
    "f52df87da4991d1cd8333f48526b2f55375a22e2705e9eaf7edce2a12e53827b",
    0,
  ],
  [
    "USDT_TRC20",
    "TJwzFM5gyU15uqWNeqGfyX7jEdvabNph7t",
    "TY2p6ZaZvc1vbniAUndjCwDsBSD7HngE2h",
    270550000n,
    "fa59d11e48a268cfe1f57889f7e54ecb316a3c0aa12b56989c312395bab83cd3",
    0,
  ],
];

const EXPECTED_UNRECOGNIZED: Row[] = [
  [
    "TRC10:1004083",
    "THPC6jX3TP6tUfTAn3RJJjppcQtP895kkf",
    "TCjSSqU95q97NQvLnyWkgrHEYpJESH5AHw",
    468000n,
    "1097be146079d55633bcc1d6ddabb696797140474182d1ac8eced4b6e9aed8f1",
    0,
  ],
  [
    "TRC10:1005125",
    "TSz7L1CmojrPqS83U14ofs9Tuhx9e8eRu9",
    "TNiNiarGhhZubczEBoei88KYrbByM2QmNd",
    2000n,
    "357da69180f69b651a4a5a41c628e7969391a81823fb46c57a39bd617dd504f5",
    0,
  ],
  [
    "TRC10:1002000",
    "TAVrrARNdnjHgCGMQYeQV7hv4PSu7mVsMj",
    "TL24LCps5FKwp3PoU1MvrYrwhi5LU1tHre",
    100000n,
    "59a153b8ee2a19b3d5ff56b6180bf87cb02575afb8541c2434b0ed1125a591f8",
    0,
  ],
  [
    "TMwFHYXLJaRUPeW6421aqXL4ZEzPRFGkGT",
    "TCFNp179Lg46D16zKoumd4Poa2WFFdtqYj",
    "TQcia2H2TU3WrFk9sKtdK9qCfkW8XirfPQ",
    4597013054384709136n,
    "7b6589b22ca801e35fd5d98186e019757875d3fb52c0bdc38a7cf4b2f24d9808",
    2,
  ],
  [
    "TMwFHYXLJaRUPeW6421aqXL4ZEzPRFGkGT",
    "TKBqNLyGJRQbpuMhaT49qG7adcxxmFaVxd",
    "TCFNp179Lg46D16zKoumd4Poa2WFFdtqYj",
    4597013054384709136n,
    "7b6589b22ca801e35fd5d98186e019757875d3fb52c0bdc38a7cf4b2f24d9808",
    5,
  ],
  [
    "TW1UvgYQZdZmHaT3UeWiJ9owNw2xffVnA5",
    "T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb",
    "TKBqNLyGJRQbpuMhaT49qG7adcxxmFaVxd",
    2921602460397038646n,
    "7b6589b22ca801e35fd5d98186e019757875d3fb52c0bdc38a7cf4b2f24d9808",
    6,
  ],
  [
    "TUpMhErZL2fhh4sVNULAbNKLokS4GjC1F4",
    "TKBqNLyGJRQbpuMhaT49qG7adcxxmFaVxd",
    "TS8d3ZrSxiGZkqhJqMzFKHEC1pjaowFMBJ",
    2927523512701199388n,
    "7b6589b22ca801e35fd5d98186e019757875d3fb52c0bdc38a7cf4b2f24d9808",
    8,
  ],
  [
    "TUpMhErZL2fhh4sVNULAbNKLokS4GjC1F4",
    "TCFNp179Lg46D16zKoumd4Poa2WFFdtqYj",
    "TKBqNLyGJRQbpuMhaT49qG7adcxxmFaVxd",
    2927523512701199388n,
    "7b6589b22ca801e35fd5d98186e019757875d3fb52c0bdc38a7cf4b2f24d9808",
    10,
  ],
  [
    "TUpMhErZL2fhh4sVNULAbNKLokS4GjC1F4",
    "TW7pbp4pD38qv6kSaw44i4uVzthz2bBpYc",
    "TCFNp179Lg46D16zKoumd4Poa2WFFdtqYj",
    2927523512701199388n,
    "7b6589b22ca801e35fd5d98186e019757875d3fb52c0bdc38a7cf4b2f24d9808",
    13,
  ],
  [
    "TSSMHYeV2uE9qYH95DqyoCuNCzEL1NvU3S",
    "TVjuTE3V5bMVdpfNhid8kD2v35T2k1u1Br",
    "TPoQq65NQYpYTBcxCUozQPUDKSHHdXuTLi",
    2000000000000000000n,
    "c9628c039de74951fd8f71305b517aefa5e2c9f1c4b201c0497007ae8a9a9d61",
    0,
  ],
  [
    "TNUC9Qb1rRpS5CbWLmNMxXBjyFoydXjWFR",
    "TQqgNg13s2DjvXhW1ky4v6TsR8wZGvb7Y4",
    "TSUUVjysXV8YqHytSNjfkNXnnB49QDvZpx",
    3111255n,
    "e41f064b2a06b08d4b27c1bc03f2e38bf9e417a768dfdb4afa8b568c5ddd97fc",
    0,
  ],
];

const USDT_DEPOSITS = new Set([
  "TBA6CypYJizwA9XdC7Ubgc5F1bxrQ7SqPt",
  "TBa4Nb96tj4jUx85tcqvyWYyFi7mowHVLJ",
  "TCB8H6cKtfLZJyt3tXkbN1a8Nxrh2x14RB",
  "TCdPe5kXhR84cKwyUGyyCuUEcakXD4Hq6j",
  "TD7kfvnJnXYkxEgcPgPzmxXVMqACJP1Tja",
  "TDii6vao7xyWg2rKPbCPWVRpSmne8xcqYx",
  "TFjnN2PQacnjeX4CGJYNuFdoVdbLN89NsV",
  "TJwzFM5gyU15uqWNeqGfyX7jEdvabNph7t",
  "TLPMDDSEH7g12TRrNT6VXS5CfrWNMkNpJf",
  "TNSBbAP7srYaFDcHSCG52JadTB7FS9bVyL",
  "TQMXevvCisESgK479N4mG8TTkps1LCNiyb",
  "TSUUVjysXV8YqHytSNjfkNXnnB49QDvZpx",
  "TSjRgk9kUDiAykRVC3EodS3U8cK8gRHkPQ",
  "TXVj38D1XR3TPgSHTCZGC8wkLDAGqF1oqx",
  "TYWc7X6YHpp2YrFXwLRsofdiL78JRvDd6u",
]);

function byTx(a: Row, b: Row): number {
  return a[4] < b[4] ? -1 : a[4] > b[4] ? 1 : a[5] - b[5];
}

Deno.test("real mainnet transactions and infos: each read once; incomes, unrecognized and ignored exactly right", async () => {
  const block = await fixtureBlock();
  const node = startFixtureNode(block);
  try {
    const scanner = createTronScanner(createTronNode({ endpoint: node.endpoint }), {
      assets: [{ code: "TRX", contract: null }, { code: "USDT_TRC20", contract: MAINNET_USDT }],
    });
    const asked: string[][] = [];
    const lookup: AccountLookup = (addresses) => {
      asked.push([...addresses]);
      return Promise.resolve(
        new Map(addresses.map((a): [string, OwnedAccount] => [a, {
          address: a,
          display: a,
          kind: "deposit",
          currency: USDT_DEPOSITS.has(a) ? "USDT_TRC20" : "TRX",
          owner: null,
          watch: null,
        }])),
      );
    };
    const parent = (block.head.block_header as { raw_data: { parentHash: string } }).raw_data
      .parentHash;
    const cursor = {
      height: BigInt(block.number - 1),
      time: 0,
      state: { blockId: parent, recent: [parent] },
    };
    const got = await scanner.next(cursor, lookup) as ScannedBlock;
    assert.ok(got && "incomes" in got, "the block is scanned");
    assert.equal(got.cursor.height, BigInt(block.number));
    assert.deepEqual(got.cursor.state, {
      blockId: block.head.blockID,
      recent: [parent, block.head.blockID],
    });

    assert.equal(block.transactions.length, 45);
    assert.equal(asked.length, 1, "one lookup for the block");
    // Every owner is ours, so every transaction is sighted: each exactly once.
    const sighted = got.sightings.map((s) => s.txHash).sort();
    assert.deepEqual(sighted, block.transactions.map((t) => String(t.txID)).sort());

    const incomes = got.incomes.map((i): Row => [
      i.currency,
      i.to,
      i.from,
      i.amount,
      i.txHash,
      i.eventIndex,
    ]);
    assert.deepEqual(incomes.sort(byTx), EXPECTED_INCOMES);
    const unrecognized = (got.unrecognized ?? []).map((u): Row => [
      u.token,
      u.to,
      u.from,
      u.amount,
      u.txHash,
      u.eventIndex ?? 0,
    ]);
    assert.deepEqual(unrecognized.sort(byTx), EXPECTED_UNRECOGNIZED);
    const ids = [...got.incomes, ...got.unrecognized!].map((e) => `${e.txHash}:${e.eventIndex}`);
    assert.equal(new Set(ids).size, ids.length, "no two share (txid, event index)");
    for (const i of got.incomes) assert.equal(i.blockHeight, BigInt(block.number));

    // One head request (a header), the block and its infos once each; then, caught up, one
    // more header and nothing else.
    assert.deepEqual(node.requests(), {
      "wallet/getblock": 1,
      "wallet/getblockbynum": 1,
      "wallet/gettransactioninfobyblocknum": 1,
    });
    assert.equal(await scanner.next(got.cursor, lookup), null);
    assert.deepEqual(node.requests(), {
      "wallet/getblock": 2,
      "wallet/getblockbynum": 1,
      "wallet/gettransactioninfobyblocknum": 1,
    });
  } finally {
    await node.close();
  }
});
