import assert from "node:assert/strict";
import { hex } from "../../../../plugins/tron/deps.ts";
import { tronTxId } from "../../../../plugins/tron/transaction.ts";
import {
  decodeRawData,
  encodeRawData,
  type RawDataJson,
} from "../../../../plugins/tron/devnet/protobuf.ts";
import { tronWebUtils } from "./tronweb.ts";

const fixtures = new URL("../../../fixtures/tron/", import.meta.url);

interface FixtureTx {
  txID: string;
  raw_data: RawDataJson;
  raw_data_hex: string;
}

async function load(path: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(new URL(path, fixtures)));
}

async function fixtureTxs(): Promise<FixtureTx[]> {
  const out: FixtureTx[] = [];
  out.push(
    (await load("signed_transactions/createtransaction_unsigned_transfer_nile.json")) as FixtureTx,
  );
  out.push(
    (await load("signed_transactions/gettransactionbyid_trc20_transfer_nile.json")) as FixtureTx,
  );
  // TronGrid's v1 API prints TRC10 names as text where java-tron's HTTP API prints hex (without
  // `visible`): turned into java-tron's form here.
  const v1 = (await load("trongrid_v1/account_transactions_selected_mainnet.json")) as FixtureTx[];
  out.push(...v1.map((tx) => ({ ...tx, raw_data: nodeNames(tx.raw_data) })));
  return out;
}

/** `raw_data` with TRC10 `asset_name`s as java-tron prints them without `visible`: hex. */
function nodeNames(raw: RawDataJson): RawDataJson {
  return {
    ...raw,
    contract: raw.contract.map((c) => {
      const name = c.parameter.value.asset_name;
      if (typeof name !== "string") return c;
      const value = {
        ...c.parameter.value,
        asset_name: hex.encode(new TextEncoder().encode(name)),
      };
      return { ...c, parameter: { ...c.parameter, value } };
    }),
  };
}

Deno.test("protobuf: encoding fixture raw_data reproduces raw_data_hex and txID", async () => {
  const txs = await fixtureTxs();
  assert.equal(txs.length, 9);
  for (const tx of txs) {
    const bytes = encodeRawData(tx.raw_data);
    assert.equal(hex.encode(bytes), tx.raw_data_hex, tx.txID);
    assert.equal(tronTxId(hex.encode(bytes)), tx.txID);
  }
});

Deno.test("protobuf: decoding fixture raw_data_hex gives the node JSON back", async () => {
  for (const tx of await fixtureTxs()) {
    const decoded = decodeRawData(hex.decode(tx.raw_data_hex));
    assert.deepEqual(decoded, tx.raw_data, tx.txID);
  }
});

Deno.test("protobuf: tronpy shasta transfer (data memo) round-trips", async () => {
  const f = (await load("signed_transactions/tronpy_test_keys_shasta_transfer.json")) as {
    txID: string;
    raw_data_hex: string;
  };
  const decoded = decodeRawData(hex.decode(f.raw_data_hex));
  assert.equal(decoded.data, "02c75f");
  assert.equal(hex.encode(encodeRawData(decoded)), f.raw_data_hex);
  assert.equal(tronTxId(f.raw_data_hex), f.txID);
});

Deno.test("protobuf: visible decoding prints base58 addresses", async () => {
  const [tx] = await fixtureTxs();
  const decoded = decodeRawData(hex.decode(tx.raw_data_hex), true);
  const value = decoded.contract[0].parameter.value;
  assert.match(String(value.owner_address), /^T[1-9A-HJ-NP-Za-km-z]{33}$/);
  assert.equal(hex.encode(encodeRawData(decoded)), tx.raw_data_hex);
});

Deno.test("protobuf: Stake 2.0 contracts encode as tronweb's generated java-tron protobuf does", () => {
  const owner = "4105cc125604448afeb6867eb688efb7e80411d57a";
  const receiver = "41a2ff80f95ce3740235dc46a4dffe00d9f9b91f37";
  const values: [string, Record<string, string | number | boolean>][] = [
    ["FreezeBalanceV2Contract", { owner_address: owner, frozen_balance: 1_000_000 }],
    ["FreezeBalanceV2Contract", {
      owner_address: owner,
      frozen_balance: 2_000_000_000_000,
      resource: "ENERGY",
    }],
    ["DelegateResourceContract", {
      owner_address: owner,
      resource: "ENERGY",
      balance: 1_500_000_000,
      receiver_address: receiver,
    }],
    ["DelegateResourceContract", {
      owner_address: owner,
      balance: 1_000_000,
      receiver_address: receiver,
      lock: true,
      lock_period: 86_400,
    }],
    ["UnDelegateResourceContract", {
      owner_address: owner,
      resource: "ENERGY",
      balance: 1_500_000_000,
      receiver_address: receiver,
    }],
    ["UnDelegateResourceContract", {
      owner_address: owner,
      balance: 7,
      receiver_address: receiver,
    }],
  ];
  for (const [type, value] of values) {
    const raw: RawDataJson = {
      contract: [{
        parameter: { value, type_url: `type.googleapis.com/protocol.${type}` },
        type,
      }],
      ref_block_bytes: "a343",
      ref_block_hash: "92d31415885cc680",
      expiration: 1_733_761_442_497,
      timestamp: 1_733_675_342_497,
    };
    const reference = String(
      tronWebUtils.transaction.txPbToRawDataHex(
        tronWebUtils.transaction.txJsonToPb({ visible: false, raw_data: raw }),
      ),
    ).toLowerCase();
    const ours = hex.encode(encodeRawData(raw));
    assert.equal(ours, reference, `${type} ${JSON.stringify(value)}`);
    assert.deepEqual(decodeRawData(hex.decode(ours)), raw);
  }
});

Deno.test("protobuf: a java-tron TRC10 transfer has its asset_name in hex, as text with visible", async () => {
  // Verbatim java-tron answer (getblockbylimitnext, no `visible`): names are hex there, and
  // `visible` prints them as text (HttpSelfFormatFieldName's name list in java-tron).
  const answer = (await load(
    "fullnode_http/drpc_docs_mainnet/getblockbylimitnext_84940008_TRIMMED_TransferContract_TransferAssetContract.json",
  )) as { block: { transactions: FixtureTx[] }[] };
  const trc10 = answer.block[0].transactions.find((t) =>
    t.raw_data.contract[0].type === "TransferAssetContract"
  )!;
  assert.equal(trc10.raw_data.contract[0].parameter.value.asset_name, "31303035313235");
  assert.deepEqual(decodeRawData(hex.decode(trc10.raw_data_hex)), trc10.raw_data);
  assert.equal(hex.encode(encodeRawData(trc10.raw_data)), trc10.raw_data_hex);
  const visible = decodeRawData(hex.decode(trc10.raw_data_hex), true);
  assert.equal(visible.contract[0].parameter.value.asset_name, "1005125");
  assert.equal(hex.encode(encodeRawData(visible, true)), trc10.raw_data_hex);
  for (const tx of answer.block[0].transactions) {
    assert.deepEqual(decodeRawData(hex.decode(tx.raw_data_hex)), tx.raw_data, tx.txID);
    assert.equal(tronTxId(tx.raw_data_hex), tx.txID);
  }
});
