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
  out.push(
    ...(await load("trongrid_v1/account_transactions_selected_mainnet.json")) as FixtureTx[],
  );
  return out;
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
