import assert from "node:assert/strict";
import {
  decodeTrc20Transfers,
  TRANSFER_TOPIC,
  type TronLog,
  type TronTransactionInfo,
} from "../../../plugins/tron/logs.ts";

const fixtures = new URL("../../fixtures/tron/", import.meta.url);
const load = async <T>(path: string): Promise<T> =>
  JSON.parse(await Deno.readTextFile(new URL(path, fixtures))) as T;

type Info = TronTransactionInfo & { log?: TronLog[] };
const success = await load<Info>(
  "fullnode_http/gettransactioninfobyid_usdt_transfer_success_mainnet.json",
);
const outOfEnergy = await load<Info>(
  "fullnode_http/gettransactioninfobyid_usdt_transfer_failed_out_of_energy_mainnet.json",
);
const vectors = await load<{ abi_constants: { trc20_transfer_event_topic0: string } }>(
  "address_vectors.json",
);

const USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";
const USDT_HEX = "41a614f803b6fd780986a42c78ec9c7f77e6ded13c";
const FROM = "TM32aWxTekCu39YWZhh5JcP5mckzqvgDFe";
const TO = "TNSBbAP7srYaFDcHSCG52JadTB7FS9bVyL";
const clone = (info: Info): Info => structuredClone(info);
const word = (hex40: string): string => "0".repeat(24) + hex40;

Deno.test("TRANSFER_TOPIC is keccak256 of the event signature", () => {
  assert.equal(TRANSFER_TOPIC, vectors.abi_constants.trc20_transfer_event_topic0);
  assert.equal(TRANSFER_TOPIC, success.log?.[0].topics?.[0]);
});

Deno.test("success fixture: 1 USDT from TM32aWxT… to TNSBbAP7…", () => {
  const expected = [{ contract: USDT, from: FROM, to: TO, amount: 1_000_000n, logIndex: 0 }];
  assert.deepEqual(decodeTrc20Transfers(success, new Set([USDT])), expected);
  // Configured as hex, upper-case hex, or mixed with others: same result.
  assert.deepEqual(decodeTrc20Transfers(success, new Set([USDT_HEX])), expected);
  assert.deepEqual(
    decodeTrc20Transfers(success, new Set(["TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7", USDT])),
    expected,
  );
});

Deno.test("OUT_OF_ENERGY fixture: nothing, even with a Transfer log grafted on", () => {
  assert.deepEqual(decodeTrc20Transfers(outOfEnergy, new Set([USDT])), []);
  const grafted = clone(outOfEnergy);
  grafted.log = clone(success).log;
  assert.deepEqual(decodeTrc20Transfers(grafted, new Set([USDT])), []);
});

Deno.test("receipt must be SUCCESS and the transaction not FAILED", () => {
  for (const receipt of ["REVERT", "OUT_OF_ENERGY", "UNKNOWN", undefined]) {
    const info = clone(success);
    info.receipt = receipt === undefined ? undefined : { result: receipt };
    assert.deepEqual(decodeTrc20Transfers(info, new Set([USDT])), [], String(receipt));
  }
  const failed = clone(success);
  failed.result = "FAILED";
  assert.deepEqual(decodeTrc20Transfers(failed, new Set([USDT])), []);
  // java-tron's own spelling of the success code.
  const explicit = clone(success);
  explicit.result = "SUCESS";
  assert.equal(decodeTrc20Transfers(explicit, new Set([USDT])).length, 1);
});

Deno.test("nothing when the emitting contract is not configured", () => {
  assert.deepEqual(decodeTrc20Transfers(success, new Set()), []);
  assert.deepEqual(
    decodeTrc20Transfers(success, new Set(["TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"])),
    [],
  );
  // A look-alike token emitting the same Transfer from another address.
  const fake = clone(success);
  fake.log![0].address = "74472e7d35395a6b5add427eecb7f4b62ad2b071";
  assert.deepEqual(decodeTrc20Transfers(fake, new Set([USDT])), []);
});

Deno.test("two Transfer logs in one transaction → two transfers, log indexes 0 and 1", () => {
  const info = clone(success);
  const second: TronLog = {
    ...info.log![0],
    topics: [
      TRANSFER_TOPIC,
      info.log![0].topics![2],
      word("05cc125604448afeb6867eb688efb7e80411d57a"),
    ],
    data: (10n ** 12n).toString(16).padStart(64, "0"),
  };
  info.log = [info.log![0], second];
  assert.deepEqual(decodeTrc20Transfers(info, new Set([USDT])), [
    { contract: USDT, from: FROM, to: TO, amount: 1_000_000n, logIndex: 0 },
    {
      contract: USDT,
      from: TO,
      to: "TAVrrARNdnjHgCGMQYeQV7hv4PSu7mVsMj",
      amount: 1_000_000_000_000n,
      logIndex: 1,
    },
  ]);
});

Deno.test("log index is the position in the whole log array, other logs included", () => {
  const info = clone(success);
  const transfer = info.log![0];
  const approval: TronLog = {
    ...transfer,
    topics: [
      "8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925",
      ...transfer.topics!.slice(1),
    ],
  };
  const foreign: TronLog = { ...transfer, address: "74472e7d35395a6b5add427eecb7f4b62ad2b071" };
  info.log = [approval, foreign, transfer];
  assert.deepEqual(decodeTrc20Transfers(info, new Set([USDT])).map((t) => t.logIndex), [2]);
});

Deno.test("malformed Transfer logs of a configured contract are skipped", () => {
  const base = success.log![0];
  const variants: TronLog[] = [
    { ...base, topics: base.topics!.slice(0, 2) },
    { ...base, topics: [...base.topics!, word("00".repeat(20))] }, // ERC-721 shape
    { ...base, data: "" },
    { ...base, data: base.data + "00" },
    { ...base, topics: [base.topics![0], "ff" + base.topics![1].slice(2), base.topics![2]] },
    { ...base, address: "41" + base.address }, // accepted: 41-prefixed form
  ];
  const results = variants.map((log) =>
    decodeTrc20Transfers({ ...clone(success), log: [log] }, new Set([USDT])).length
  );
  assert.deepEqual(results, [0, 0, 0, 0, 0, 1]);
});

Deno.test("no log field, or a non-contract transaction: nothing", () => {
  const info = clone(success);
  delete info.log;
  assert.deepEqual(decodeTrc20Transfers(info, new Set([USDT])), []);
  assert.deepEqual(decodeTrc20Transfers({ id: "ab" }, new Set([USDT])), []);
});

Deno.test("an invalid configured contract is a configuration error", () => {
  assert.throws(() => decodeTrc20Transfers(success, new Set(["0xa614f803"])), TypeError);
});
