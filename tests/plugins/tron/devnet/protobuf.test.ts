import assert from "node:assert/strict";
import { hex } from "../../../../plugins/tron/deps.ts";
import { tronTxId } from "../../../../plugins/tron/transaction.ts";
import {
  decodeRawData,
  encodeRawData,
  type RawDataJson,
} from "../../../../plugins/tron/devnet/protobuf.ts";

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
