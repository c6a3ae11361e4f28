/**
 * A block made of the real mainnet TRON transactions and transaction infos of the fixtures, and
 * an HTTP server that serves it with java-tron's semantics, for the real scanner to read.
 *
 * The block: the header (and block id) of the real mainnet block 84939539 (drpc's `getnowblock`
 * recording), holding every recorded transaction and every recorded info. Where the fixtures
 * hold only one half of a pair, the other half is derived, and only with what java-tron itself
 * would write (the tests say which are derived):
 * - a transaction without its info: the info java-tron writes for it: `contractResult: [""]`
 *   and a bandwidth receipt for system contracts; for a recorded `transfer(address,uint256)` of
 *   USDT, the receipt of its `ret` and, when it succeeded, the `Transfer` log USDT emits;
 * - an info without its transaction: a transaction with the info's id whose `ret` is the info's
 *   receipt result; a `TriggerSmartContract` of the info's `contract_address` when there is one
 *   (owner: the sender of its first `Transfer` log, else a derived address), otherwise an
 *   `AccountUpdateContract`, which moves no value.
 * Infos keep every recorded field except `blockNumber` / `blockTimeStamp`, set to the block's.
 *
 * The server answers as java-tron's servlets do (framework/src/main/java/org/tron/core/services/
 * http/ in tronprotocol/java-tron): `getblock` without `id_or_num` is the head, without its
 * transactions unless `detail` (Wallet.getBlock); `getnowblock` reads `visible` from the query
 * only; `getblockbynum` answers `{}` for a block it does not have; `visible` prints the
 * address fields of the contracts base58 and `asset_name` as text (HttpSelfFormatFieldName);
 * `gettransactioninfobyblocknum` answers `{}` for num ≤ 0 and `[]` for a block it lacks.
 *
 * @module
 */
import { sha256 } from "../../../plugins/tron/deps.ts";
import { hex } from "../../../plugins/tron/deps.ts";
import { tronAddressFromHex } from "../../../plugins/tron/address.ts";
import { TRANSFER_TOPIC } from "../../../plugins/tron/logs.ts";

/** A node JSON object. */
export type Json = Record<string, unknown>;

const fixtures = new URL("../../fixtures/tron/", import.meta.url);

async function load(path: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(new URL(path, fixtures)));
}

/** USDT on mainnet, the configured token of the fixture tests. */
export const MAINNET_USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";
const USDT_HEX = "41a614f803b6fd780986a42c78ec9c7f77e6ded13c";

/** The block: header as recorded, transactions and infos in the same order. */
export interface FixtureBlock {
  /** `blockID` and `block_header` of the recorded block, node JSON (hex). */
  head: { blockID: string; block_header: Json };
  number: number;
  timestamp: number;
  transactions: Json[];
  infos: Json[];
  /** Txids whose transaction was derived from its info. */
  derivedTransactions: Set<string>;
  /** Txids whose info was derived from its transaction. */
  derivedInfos: Set<string>;
}

/** A recorded transaction as java-tron prints it (TronGrid v1 adds fields of its own). */
function asNodeTransaction(tx: Json): Json {
  const raw = tx.raw_data as { contract: { parameter: { value: Json } }[] };
  const contract = raw.contract.map((c) => {
    const value = { ...c.parameter.value };
    // TronGrid v1 prints TRC10 names as text; java-tron (without visible) prints hex.
    if (typeof value.asset_name === "string" && !/^(?:[0-9a-f]{2})+$/.test(value.asset_name)) {
      value.asset_name = hex.encode(new TextEncoder().encode(value.asset_name));
    }
    return { ...c, parameter: { ...c.parameter, value } };
  });
  const ret = (tx.ret as { contractRet?: string }[] | undefined)?.map((r) => ({
    contractRet: r.contractRet,
  }));
  return {
    ret,
    signature: tx.signature,
    txID: tx.txID,
    raw_data: { ...tx.raw_data as Json, contract },
    raw_data_hex: tx.raw_data_hex,
  };
}

function word(hex41: string): string {
  return "0".repeat(24) + hex41.slice(2);
}

/** The info java-tron writes for a recorded transaction whose info is not recorded. */
function derivedInfo(tx: Json): Json {
  const raw = tx.raw_data as { contract: { type: string; parameter: { value: Json } }[] };
  const c = raw.contract[0];
  const ret = (tx.ret as { contractRet: string }[])[0].contractRet;
  const info: Json = { id: tx.txID };
  if (c.type !== "TriggerSmartContract") {
    return { ...info, contractResult: [""], receipt: { net_usage: 268 } };
  }
  const v = c.parameter.value;
  const data = String(v.data ?? "");
  info.contractResult = [ret === "SUCCESS" ? "0".repeat(63) + "1" : ""];
  info.contract_address = v.contract_address;
  info.receipt = { energy_usage_total: 64285, net_usage: 345, result: ret };
  if (ret === "SUCCESS" && v.contract_address === USDT_HEX && data.startsWith("a9059cbb")) {
    // USDT's Transfer event: from the caller, to the low 20 bytes of the address word (the
    // recorded words carry a 41 prefix that Solidity's address type drops).
    info.log = [{
      address: USDT_HEX.slice(2),
      topics: [
        TRANSFER_TOPIC,
        word(String(v.owner_address)),
        "0".repeat(24) + data.slice(8 + 24, 8 + 64),
      ],
      data: data.slice(8 + 64, 8 + 128),
    }];
  }
  if (ret !== "SUCCESS") info.result = "FAILED";
  return info;
}

/** A transaction standing in for a recorded info whose transaction is not recorded. */
function derivedTransaction(info: Json): Json {
  const receipt = info.receipt as { result?: string } | undefined;
  const ret = [{ contractRet: receipt?.result ?? "SUCCESS" }];
  const id = String(info.id);
  const log = (info.log as { topics?: string[] }[] | undefined)?.find((l) =>
    l.topics?.[0] === TRANSFER_TOPIC
  );
  const owner = log
    ? "41" + log.topics![1].slice(24)
    : "41" + hex.encode(sha256(new TextEncoder().encode(`owner:${id}`))).slice(0, 40);
  const contract = typeof info.contract_address === "string"
    ? {
      parameter: {
        value: { owner_address: owner, contract_address: info.contract_address },
        type_url: "type.googleapis.com/protocol.TriggerSmartContract",
      },
      type: "TriggerSmartContract",
    }
    : {
      parameter: {
        value: { owner_address: owner, account_name: "6669787475726573" },
        type_url: "type.googleapis.com/protocol.AccountUpdateContract",
      },
      type: "AccountUpdateContract",
    };
  return { ret, txID: id, raw_data: { contract: [contract] } };
}

/** Builds the block from the copied fixtures (tests/fixtures/tron). */
export async function fixtureBlock(): Promise<FixtureBlock> {
  const now = (await load(
    "fullnode_http/drpc_docs_mainnet/getnowblock_84939539_TRIMMED_2_TriggerSmartContract.json",
  )) as Json & { transactions: Json[] };
  const transactions: Json[] = [...now.transactions];
  const blocks = [
    "fullnode_http/drpc_docs_mainnet/getblockbylimitnext_84940008_TRIMMED_TransferContract_TransferAssetContract.json",
    "fullnode_http/getblock_io_docs_mainnet/getblockbynum_30864544_TRIMMED.json",
    "fullnode_http/getblock_io_docs_mainnet/getblockbylatestnum_47964391_TRIMMED.json",
    "fullnode_http/getblock_io_docs_mainnet/getblockbylimitnext_30864542_TRIMMED.json",
    "fullnode_http/getblock_io_docs_mainnet/getnowblock_47964392_TRIMMED.json",
  ];
  for (const path of blocks) {
    const answer = (await load(path)) as Json & { block?: Json[]; transactions?: Json[] };
    for (const b of answer.block ?? [answer]) transactions.push(...(b.transactions as Json[]));
  }
  transactions.push(
    ...(await load("trongrid_v1/account_transactions_selected_mainnet.json")) as Json[],
    (await load(
      "trongrid_v1/account_transaction_out_of_energy_trigger_with_call_value_mainnet.json",
    )) as Json,
  );
  const infos = new Map<string, Json>();
  for (
    const capture of [
      "swap_UniversalRouter_internal_TRX_to_owner_c9628c03_mainnet.json",
      "swap_UniversalRouter_internal_TRX_to_owner_e41f064b_mainnet.json",
      "usdt_transfer_09ced888_mainnet.json",
      "usdt_transfer_985e1025_mainnet.json",
    ]
  ) {
    const pair = (await load(`fullnode_http/captures_metamask/${capture}`)) as {
      transaction: Json;
      info: Json;
    };
    transactions.push(pair.transaction);
    infos.set(String(pair.info.id), pair.info);
  }
  const loneInfos: Json[] = [
    (await load("fullnode_http/gettransactioninfobyid_usdt_transfer_success_mainnet.json")) as Json,
    (await load(
      "fullnode_http/gettransactioninfobyid_usdt_transfer_failed_out_of_energy_mainnet.json",
    )) as Json,
    (await load(
      "fullnode_http/gettransactioninfobyid_swap_internal_trx_from_contract_mainnet_mock.json",
    )) as Json,
    (await load(
      "fullnode_http/gettransactioninfobyid_out_of_energy_rejected_internal_transactions_mainnet.json",
    )) as Json,
    (await load(
      "fullnode_http/unattributed/gettransactioninfobyid_REVERT_nile_TESTNET_js_console.json",
    )) as Json,
    ...Object.values(
      (await load(
        "fullnode_http/gettransactioninfobyid_selected_variety_mainnet_ledger.json",
      )) as Record<string, Json>,
    ),
    ...(await load(
      "fullnode_http/getblock_io_docs_mainnet/gettransactioninfobyblocknum_30864600_MAYBE_TRIMMED.json",
    )) as Json[],
    ...(await load(
      "fullnode_http/drpc_docs_mainnet/gettransactioninfobyblocknum_84940364_TRUNCATED_first6.json",
    )) as Json[],
  ];
  const header = now.block_header as { raw_data: { number: number; timestamp: number } };
  const number = header.raw_data.number;
  const timestamp = header.raw_data.timestamp;
  const derivedTransactions = new Set<string>();
  const derivedInfos = new Set<string>();
  const txs = transactions.map(asNodeTransaction);
  for (const info of loneInfos) {
    const id = String(info.id);
    if (txs.some((t) => t.txID === id)) throw new Error(`fixture ${id}: listed twice`);
    txs.push(derivedTransaction(info));
    derivedTransactions.add(id);
    infos.set(id, info);
  }
  const blockInfos = txs.map((tx) => {
    const id = String(tx.txID);
    let info = infos.get(id);
    if (!info) {
      info = derivedInfo(tx);
      derivedInfos.add(id);
    }
    // Field order of TransactionInfo: id, fee, then blockNumber and blockTimeStamp.
    const { id: _, fee, blockNumber: _n, blockTimeStamp: _t, ...rest } = info;
    const out: Json = { id };
    if (fee !== undefined) out.fee = fee;
    return { ...out, blockNumber: number, blockTimeStamp: timestamp, ...rest };
  });
  if (new Set(txs.map((t) => t.txID)).size !== txs.length) throw new Error("duplicate txids");
  return {
    head: { blockID: String(now.blockID), block_header: now.block_header as Json },
    number,
    timestamp,
    transactions: txs,
    infos: blockInfos,
    derivedTransactions,
    derivedInfos,
  };
}

/** Contract fields java-tron prints base58 with `visible` (HttpSelfFormatFieldName). */
const ADDRESS_FIELDS = new Set([
  "owner_address",
  "to_address",
  "contract_address",
  "receiver_address",
]);

/** A transaction as java-tron prints it with `visible`: base58 addresses, text names. */
function visibleTransaction(tx: Json): Json {
  const raw = tx.raw_data as { contract: { parameter: { value: Json } }[] };
  const contract = raw.contract.map((c) => {
    const value: Json = {};
    for (const [k, v] of Object.entries(c.parameter.value)) {
      if (ADDRESS_FIELDS.has(k) && typeof v === "string") value[k] = tronAddressFromHex(v);
      else if (k === "asset_name" && typeof v === "string") {
        value[k] = new TextDecoder().decode(hex.decode(v));
      } else value[k] = v;
    }
    return { ...c, parameter: { ...c.parameter, value } };
  });
  return { ...tx, raw_data: { ...tx.raw_data as Json, contract } };
}

/** The running server and what it was asked. */
export interface FixtureNode {
  readonly endpoint: string;
  /** Requests per path, e.g. `wallet/getblockbynum`. */
  requests(): Record<string, number>;
  close(): Promise<void>;
}

/** Serves `block` as the head of a java-tron node. */
export function startFixtureNode(block: FixtureBlock): FixtureNode {
  const counts = new Map<string, number>();
  const render = (detail: boolean, visible: boolean): Json => {
    const out: Json = { ...block.head };
    if (visible) {
      const h = block.head.block_header as { raw_data: Json; witness_signature: string };
      out.block_header = {
        ...h,
        raw_data: {
          ...h.raw_data,
          witness_address: tronAddressFromHex(String(h.raw_data.witness_address)),
        },
      };
    }
    if (detail) {
      out.transactions = block.transactions.map((t) => visible ? visibleTransaction(t) : t);
    }
    return out;
  };
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    async (req) => {
      const url = new URL(req.url);
      const path = url.pathname.replace(/^\/+/, "");
      counts.set(path, (counts.get(path) ?? 0) + 1);
      const text = await req.text();
      const p = (text.trim() ? JSON.parse(text) : {}) as Json;
      const visible = p.visible === true;
      switch (path) {
        case "wallet/getblock":
          if (p.id_or_num !== undefined) return Response.json({});
          return Response.json(render(p.detail === true, visible));
        case "wallet/getnowblock":
          return Response.json(render(true, url.searchParams.get("visible") === "true"));
        case "wallet/getblockbynum":
          return Response.json(p.num === block.number ? render(true, visible) : {});
        case "wallet/gettransactioninfobyblocknum": {
          const num = Number(p.num ?? 0);
          if (num <= 0) return Response.json({});
          return Response.json(num === block.number ? block.infos : []);
        }
        default:
          return new Response("", { status: 404 });
      }
    },
  );
  return {
    endpoint: `http://127.0.0.1:${server.addr.port}`,
    requests: () => Object.fromEntries(counts),
    close: () => server.shutdown(),
  };
}
