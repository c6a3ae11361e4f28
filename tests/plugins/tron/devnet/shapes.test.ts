/**
 * The devnet's answers, method by method, against real java-tron answers recorded on mainnet
 * (tests/fixtures/tron/fullnode_http): same keys, same JSON types (numbers as numbers, hex as
 * hex), same forms with and without `visible`; and the parameter semantics java-tron's servlets
 * implement where no recording shows them (framework/src/main/java/org/tron/core/services/http/
 * in tronprotocol/java-tron, cited per test). The scanner reads `getblock`, `getnowblock`,
 * `getblockbynum` and `gettransactioninfobyblocknum`; `gettransactioninfobyid` and
 * `gettransactionbyid` are the reads wallets (and tronweb) make.
 */

import assert from "node:assert/strict";
import { createTronNode, TronNodeError } from "../../../../plugins/tron/node.ts";
import { post, testKey, withDevnet } from "./helpers.ts";

type Json = Record<string, unknown>;

const fixtures = new URL("../../../fixtures/tron/fullnode_http/", import.meta.url);

async function load<T = Json>(path: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(new URL(path, fixtures))) as T;
}

/** JSON type of a value, with the forms java-tron's strings take. */
function kind(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  if (typeof value === "string") {
    if (/^41[0-9a-f]{40}$/.test(value)) return "hex41";
    if (/^T[1-9A-HJ-NP-Za-km-z]{33}$/.test(value)) return "base58";
    if (/^[0-9a-f]{64}$/.test(value)) return "hex32";
    if (/^(?:[0-9a-f]{2})*$/.test(value)) return "hex";
    return "text";
  }
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  return typeof value;
}

/**
 * Asserts that every key of `ours` is one the recording has, with the same kind, recursing
 * into objects and the first element of arrays; `required` keys of the recording must be
 * present too.
 */
function sameShape(ours: unknown, real: unknown, where: string, required: string[] = []): void {
  assert.equal(kind(ours), kind(real), `${where}: ${JSON.stringify(ours)?.slice(0, 80)}`);
  if (Array.isArray(ours) && Array.isArray(real) && ours.length && real.length) {
    sameShape(ours[0], real[0], `${where}[0]`);
  } else if (kind(ours) === "object") {
    const o = ours as Json;
    const r = real as Json;
    for (const key of Object.keys(o)) {
      assert.ok(key in r, `${where}.${key}: a key the recording does not have`);
      sameShape(o[key], r[key], `${where}.${key}`);
    }
    for (const key of required) assert.ok(key in o, `${where}.${key}: missing`);
  }
}

/**
 * Every receipt field the recorded infos show: which ones a receipt has depends on how the
 * transaction paid (burnt, staked or free bandwidth and energy), so ours are checked against all.
 */
async function recordedReceipt(): Promise<Json> {
  const infos: Json[] = [
    ...await load<Json[]>(
      "drpc_docs_mainnet/gettransactioninfobyblocknum_84940364_TRUNCATED_first6.json",
    ),
    ...Object.values(
      await load<Record<string, Json>>(
        "gettransactioninfobyid_selected_variety_mainnet_ledger.json",
      ),
    ),
    (await load<{ info: Json }>(
      "captures_metamask/swap_UniversalRouter_internal_TRX_to_owner_e41f064b_mainnet.json",
    )).info,
    await load("gettransactioninfobyid_out_of_energy_rejected_internal_transactions_mainnet.json"),
  ];
  return Object.assign({}, ...infos.map((i) => i.receipt));
}

/** `real` with its receipt's fields widened to every recorded receipt field. */
async function withAnyReceipt(real: Json): Promise<Json> {
  return { ...real, receipt: await recordedReceipt() };
}

/** Keys in order: java-tron's JsonFormat prints fields in field-number order. */
function keyOrder(value: Json, of: string[]): string[] {
  return Object.keys(value).filter((k) => of.includes(k));
}

Deno.test("shape: getblockbynum with a TransferContract is the recorded mainnet getblockbynum", async () => {
  const real = await load("getblock_io_docs_mainnet/getblockbynum_30864544_TRIMMED.json");
  await withDevnet(async (d) => {
    await d.faucetTrx(testKey("to").address, 5_000_000n);
    const n = d.produceBlock();
    const ours = await post(d.endpoint, "/wallet/getblockbynum", { num: n });
    sameShape(ours, real, "block", ["blockID", "block_header", "transactions"]);
    const raw = (ours.block_header as { raw_data: Json }).raw_data;
    sameShape(raw, (real.block_header as { raw_data: Json }).raw_data, "raw_data", [
      "number",
      "txTrieRoot",
      "witness_address",
      "parentHash",
      "version",
      "timestamp",
    ]);
    const tx = (ours.transactions as Json[])[0];
    sameShape(tx, (real.transactions as Json[])[0], "tx", [
      "ret",
      "signature",
      "txID",
      "raw_data",
      "raw_data_hex",
    ]);
  });
});

Deno.test("shape: TRC20 and TRC10 transactions are the recorded mainnet ones (asset_name hex without visible)", async () => {
  const now = await load(
    "drpc_docs_mainnet/getnowblock_84939539_TRIMMED_2_TriggerSmartContract.json",
  );
  const next = await load<{ block: Json[] }>(
    "drpc_docs_mainnet/getblockbylimitnext_84940008_TRIMMED_TransferContract_TransferAssetContract.json",
  );
  const realTrc10 = (next.block[0].transactions as Json[]).find((t) =>
    JSON.stringify(t).includes("TransferAssetContract")
  )!;
  await withDevnet(async (d) => {
    const to = testKey("to").address;
    await d.faucetToken("USDT_TRC20", to, 1_000n);
    await d.faucetTrc10(to, 2_000n);
    const n = d.produceBlock();
    const ours = (await post(d.endpoint, "/wallet/getblockbynum", { num: n }))
      .transactions as Json[];
    sameShape(ours[0], (now.transactions as Json[])[0], "trc20");
    sameShape(ours[1], realTrc10, "trc10");
    const value = (t: Json): Json =>
      (t.raw_data as { contract: { parameter: { value: Json } }[] }).contract[0].parameter.value;
    assert.deepEqual(Object.keys(value(ours[1])), Object.keys(value(realTrc10)));
    assert.equal(value(ours[1]).asset_name, "31303030303031");
    const visible = (await post(d.endpoint, "/wallet/getblockbynum", { num: n, visible: true }))
      .transactions as Json[];
    assert.equal(value(visible[1]).asset_name, d.trc10);
    assert.equal(value(visible[1]).to_address, to);
  });
});

Deno.test("shape: gettransactioninfobyblocknum entries are the recorded mainnet infos", async () => {
  const real = await load<Json[]>(
    "drpc_docs_mainnet/gettransactioninfobyblocknum_84940364_TRUNCATED_first6.json",
  );
  const trc20 = real[0];
  const trx = real[3]; // a TRX transfer that burnt bandwidth: `fee` and a receipt
  await withDevnet(async (d) => {
    const to = testKey("to").address;
    await d.faucetTrx(to, 5_000_000n);
    d.produceBlock();
    await d.faucetToken("USDT_TRC20", to, 1_000n);
    await d.faucetTrx(to, 1n);
    const n = d.produceBlock();
    const infos = await post(d.endpoint, "/wallet/gettransactioninfobyblocknum", {
      num: n,
    }) as unknown as Json[];
    assert.ok(Array.isArray(infos));
    sameShape(infos[0], await withAnyReceipt(trc20), "trc20 info", [
      "id",
      "blockNumber",
      "blockTimeStamp",
      "contractResult",
      "contract_address",
      "receipt",
      "log",
    ]);
    sameShape(infos[1], await withAnyReceipt(trx), "trx info", [
      "id",
      "blockNumber",
      "blockTimeStamp",
      "receipt",
    ]);
    const order = ["id", "fee", "blockNumber", "blockTimeStamp", "contractResult"]
      .concat(["contract_address", "receipt", "log", "result", "resMessage"]);
    assert.deepEqual(keyOrder(infos[0], order), keyOrder(trc20, order));
  });
});

Deno.test("shape: a contract's TRX forward is reported as mainnet reports internal transactions", async () => {
  const capture = await load<{ info: Json & { internal_transactions: Json[] } }>(
    "captures_metamask/swap_UniversalRouter_internal_TRX_to_owner_e41f064b_mainnet.json",
  );
  const rejected = await load<Json & { internal_transactions: Json[] }>(
    "gettransactioninfobyid_out_of_energy_rejected_internal_transactions_mainnet.json",
  );
  const realPaying = capture.info.internal_transactions.find((it) =>
    JSON.stringify(it.callValueInfo) !== "[{}]"
  )!;
  await withDevnet(async (d) => {
    const to = testKey("to").address;
    const paid = await d.faucetViaContract(to, 3_111_255n);
    const failed = await d.faucetViaContract(to, 6_357_085n, { feeLimit: 420 });
    d.produceBlock();
    const ok = await post(d.endpoint, "/wallet/gettransactioninfobyid", { value: paid });
    const bad = await post(d.endpoint, "/wallet/gettransactioninfobyid", { value: failed });
    const [internal] = ok.internal_transactions as Json[];
    // Same fields, in InternalTransaction's field order, `rejected` omitted when false.
    assert.deepEqual(Object.keys(internal), Object.keys(realPaying));
    sameShape(internal, realPaying, "internal");
    assert.equal(internal.note, "63616c6c");
    assert.deepEqual(internal.callValueInfo, [{ callValue: 3_111_255 }]);
    assert.equal(internal.caller_address, "41" + d.chain.forwarder.hex.slice(2));
    const order = ["id", "fee", "blockNumber", "blockTimeStamp", "contractResult"]
      .concat(["contract_address", "receipt", "log", "result", "resMessage"])
      .concat(["internal_transactions"]);
    assert.deepEqual(keyOrder(ok, order), keyOrder(capture.info, order).filter((k) => k !== "log"));
    // Arrays are compared by their first element: the paying entry stands for the list.
    sameShape(
      ok,
      await withAnyReceipt({ ...capture.info, internal_transactions: [realPaying] }),
      "info",
    );
    // Out of energy: FAILED with resMessage, the internal transaction kept and rejected.
    const [rejectedOurs] = bad.internal_transactions as Json[];
    const realRejected = rejected.internal_transactions.find((it) =>
      JSON.stringify(it.callValueInfo) !== "[{}]"
    )!;
    assert.deepEqual(Object.keys(rejectedOurs), Object.keys(realRejected));
    assert.equal(rejectedOurs.rejected, true);
    assert.deepEqual(keyOrder(bad, order), keyOrder(rejected, order));
    sameShape(
      bad,
      await withAnyReceipt({ ...rejected, internal_transactions: [realRejected] }),
      "failed info",
    );
    // visible: every address of the info base58 (HttpSelfFormatFieldName,
    // Util.convertLogAddressToTronAddress).
    const vis = await post(d.endpoint, "/wallet/gettransactioninfobyid", {
      value: paid,
      visible: true,
    });
    const [visInternal] = vis.internal_transactions as Json[];
    assert.equal(visInternal.transferTo_address, to);
    assert.equal(visInternal.caller_address, d.forwarder);
    assert.equal(vis.contract_address, d.forwarder);
  });
});

Deno.test("semantics: the head as a header only, and getnowblock's visible comes from the query", async () => {
  // java-tron Wallet.getBlock: no id_or_num is the head; transactions are cleared unless
  // `detail`. GetNowBlockServlet.doPost calls doGet, which reads `visible` from the query.
  const realNow = await load("getblock_io_docs_mainnet/getnowblock_47964392_TRIMMED.json");
  await withDevnet(async (d) => {
    await d.faucetTrx(testKey("to").address, 5_000_000n);
    d.produceBlock();
    const header = await post(d.endpoint, "/wallet/getblock", { detail: false });
    assert.deepEqual(Object.keys(header).sort(), ["blockID", "block_header"]);
    const full = await post(d.endpoint, "/wallet/getblock", { detail: true });
    const now = await post(d.endpoint, "/wallet/getnowblock");
    sameShape(now, realNow, "getnowblock", ["blockID", "block_header", "transactions"]);
    assert.equal(header.blockID, now.blockID);
    assert.deepEqual(full, now);
    const bodyVisible = await post(d.endpoint, "/wallet/getnowblock", { visible: true });
    const raw = (b: Json) => (b.block_header as { raw_data: Json }).raw_data;
    assert.match(String(raw(bodyVisible).witness_address), /^41/);
    const queryVisible = await fetch(`${d.endpoint}/wallet/getnowblock?visible=true`, {
      method: "POST",
    }).then((r) => r.json());
    assert.match(String(raw(queryVisible).witness_address), /^T/);
  });
});

Deno.test("semantics: unknown blocks and txids answer as java-tron does; errors are 200 with Error; 429 is a node error", async () => {
  await withDevnet(async (d) => {
    const beyond = d.height() + 5;
    // GetBlockByNumServlet / GetBlockServlet / GetTransactionBy(Info)IdServlet print "{}".
    assert.deepEqual(await post(d.endpoint, "/wallet/getblockbynum", { num: beyond }), {});
    assert.deepEqual(await post(d.endpoint, "/wallet/getblock", { id_or_num: String(beyond) }), {});
    const unknown = "ab".repeat(32);
    assert.deepEqual(await post(d.endpoint, "/wallet/gettransactionbyid", { value: unknown }), {});
    assert.deepEqual(
      await post(d.endpoint, "/wallet/gettransactioninfobyid", { value: unknown }),
      {},
    );
    // GetTransactionInfoByBlockNumServlet: [] for a block it lacks, {} for num ≤ 0.
    assert.deepEqual(
      await post(d.endpoint, "/wallet/gettransactioninfobyblocknum", { num: beyond }),
      [],
    );
    assert.deepEqual(
      await post(d.endpoint, "/wallet/gettransactioninfobyblocknum", { num: 0 }),
      {},
    );
    // Util.processError: HTTP 200, {"Error": "<exception class> : <message>"}.
    const bad = await fetch(`${d.endpoint}/wallet/getblockbynum`, {
      method: "POST",
      body: JSON.stringify({ num: "x" }),
    });
    assert.equal(bad.status, 200);
    assert.match(String((await bad.json()).Error), /^class [\w.]+ : /);
    const node = createTronNode({ endpoint: d.endpoint });
    assert.equal(await node.blockByNum(beyond), null);
    assert.deepEqual(await node.transactionInfoByBlockNum(beyond), []);
    d.faults.failNext("getblock", 1, "ratelimit");
    await assert.rejects(() => node.nowBlock(), (e) => {
      assert.ok(e instanceof TronNodeError);
      assert.match(e.message, /getblock: HTTP 429$/);
      return true;
    });
    assert.equal((await node.nowBlock()).number, d.height(), "the next poll succeeds");
  });
});
