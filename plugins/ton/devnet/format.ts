/**
 * Renders devnet blocks, transactions, messages and TVM stacks in the JSON
 * shapes toncenter API v2 returns.
 *
 * @module
 */
import {
  Address,
  beginCell,
  Cell,
  Dictionary,
  ExternalAddress,
  loadMessage,
  type Message,
  storeStateInit,
  type TupleItem,
} from "@ton/core";
import type { BlockRef, ChainBlock, ChainTx } from "./blocks.ts";

/** toncenter's `ton.blockIdExt`. */
export interface BlockIdJson {
  /** Always "ton.blockIdExt". */
  "@type": "ton.blockIdExt";
  /** Workchain id. */
  workchain: number;
  /** Signed int64 shard as a decimal string. */
  shard: string;
  /** Block seqno. */
  seqno: number;
  /** Base64 root hash. */
  root_hash: string;
  /** Base64 file hash. */
  file_hash: string;
}

/** A JSON value as produced by the renderers. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Renders a block id. */
export function blockIdJson(id: BlockRef): BlockIdJson {
  return {
    "@type": "ton.blockIdExt",
    workchain: id.workchain,
    shard: id.shard.toString(),
    seqno: id.seqno,
    root_hash: id.rootHash.toString("base64"),
    file_hash: id.fileHash.toString("base64"),
  };
}

/**
 * Renders a `blocks.header` for getBlockHeader. ton-http-api-cpp passes tonlib's header
 * through (`src/converters/blocks.hpp`): the split and merge flags as booleans, and
 * `prev_blocks` with both predecessors after a merge (block.tlb `prev_blks_info`) and the
 * parent after a split. Field types follow the recorded mainnet answers in
 * `tests/fixtures/ton/toncenter_v2/*` `getBlockHeader*.json`.
 */
export function blockHeaderJson(block: ChainBlock, globalId: number): Json {
  return {
    "@type": "blocks.header",
    id: blockIdJson(block.id) as unknown as Json,
    global_id: globalId,
    version: 0,
    flags: 1,
    after_merge: block.afterMerge,
    after_split: block.afterSplit,
    before_split: block.beforeSplit,
    want_merge: false,
    want_split: false,
    validator_list_hash_short: 0,
    catchain_seqno: 0,
    min_ref_mc_seqno: block.mcSeqno,
    is_key_block: false,
    prev_key_block_seqno: 0,
    start_lt: block.startLt.toString(),
    end_lt: block.endLt.toString(),
    gen_utime: block.genUtime,
    vert_seqno: 0,
    prev_blocks: block.prev.map((p) => blockIdJson(p) as unknown as Json),
  };
}

/** toncenter's user-friendly form: bounceable, url-safe, mainnet flag. */
export function friendlyAddress(address: Address | ExternalAddress | null | undefined): string {
  if (!address || !Address.isAddress(address)) return "";
  return address.toString({ urlSafe: true, bounceable: true, testOnly: false });
}

function accountAddressJson(address: string): Json {
  return { "@type": "accountAddress", account_address: address };
}

/** Decodes a TEP-74 text comment body (op 0 + UTF-8 snake string), or null. */
function textComment(body: Cell): string | null {
  try {
    const s = body.beginParse();
    if (s.remainingBits < 32 || s.loadUint(32) !== 0) return null;
    const bytes = Buffer.from(s.loadStringTail(), "utf8");
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** Python's `base64.encodebytes` of the body's root bits, which is what toncenter prints. */
function bodyBitsBase64(body: Cell): string {
  if (body.bits.length === 0) return "";
  const s = body.beginParse();
  const bytes = s.loadBuffer(Math.floor(body.bits.length / 8));
  const b64 = bytes.toString("base64");
  return (b64.match(/.{1,76}/g) ?? []).join("\n") + "\n";
}

/** Renders one message; `objects` selects the getBlockTransactionsExt address style. */
function messageJson(cell: Cell | null, objects: boolean): Json {
  if (!cell) {
    const empty: Record<string, Json> = {
      "@type": "raw.message",
      hash: Buffer.alloc(32).toString("base64"),
      source: objects ? accountAddressJson("") : "",
      destination: objects ? accountAddressJson("") : "",
      value: "0",
      extra_currencies: [],
      fwd_fee: "0",
      ihr_fee: "0",
      created_lt: "0",
      body_hash: Cell.EMPTY.hash().toString("base64"),
      msg_data: {
        "@type": "msg.dataRaw",
        body: Cell.EMPTY.toBoc().toString("base64"),
        init_state: "",
      },
    };
    if (!objects) empty.message = "";
    return empty;
  }
  const msg: Message = loadMessage(cell.beginParse());
  const info = msg.info;
  const source = info.type === "external-in" ? "" : friendlyAddress(info.src);
  const destination = info.type === "external-out" ? "" : friendlyAddress(info.dest);
  const text = textComment(msg.body);
  const initState = msg.init
    ? beginCell().store(storeStateInit(msg.init)).endCell().toBoc().toString("base64")
    : "";
  const out: Record<string, Json> = {
    "@type": "raw.message",
    hash: cell.hash().toString("base64"),
    source: objects ? accountAddressJson(source) : source,
    destination: objects ? accountAddressJson(destination) : destination,
    value: info.type === "internal" ? info.value.coins.toString() : "0",
    extra_currencies: [],
    fwd_fee: info.type === "internal" ? info.forwardFee.toString() : "0",
    ihr_fee: info.type === "internal" ? info.ihrFee.toString() : "0",
    created_lt: info.type === "external-in" ? "0" : info.createdLt.toString(),
    body_hash: msg.body.hash().toString("base64"),
    msg_data: text !== null
      ? { "@type": "msg.dataText", text: Buffer.from(text, "utf8").toString("base64") }
      : {
        "@type": "msg.dataRaw",
        body: msg.body.toBoc().toString("base64"),
        init_state: initState,
      },
  };
  if (!objects) out.message = text ?? bodyBitsBase64(msg.body);
  return out;
}

/**
 * Message cells exactly as stored in the transaction, so message hashes are the
 * real ones rather than those of a re-serialization.
 */
function messageCells(raw: Cell): { inMsg: Cell | null; outMsgs: Cell[] } {
  const s = raw.refs[0].beginParse();
  const inMsg = s.loadMaybeRef();
  const outs = s.loadDict(Dictionary.Keys.Uint(15), Dictionary.Values.Cell());
  const outMsgs = outs.keys().sort((a, b) => a - b).map((k) => outs.get(k) as Cell);
  return { inMsg, outMsgs };
}

function storageFee(ctx: ChainTx): bigint {
  const d = ctx.tx.description;
  if ("storagePhase" in d && d.storagePhase) return d.storagePhase.storageFeesCollected;
  return 0n;
}

/**
 * Renders a transaction. `list` is the getTransactions shape (string
 * addresses, `message` field); `ext` is getBlockTransactionsExt's (address
 * objects, trailing raw `account`). Results are memoized on the transaction.
 */
export function transactionJson(ctx: ChainTx, style: "list" | "ext"): Json {
  const cached = ctx.cache.get(style);
  if (cached !== undefined) return cached as Json;
  const objects = style === "ext";
  const { inMsg, outMsgs } = messageCells(ctx.tx.raw);
  const fee = ctx.tx.totalFees.coins;
  const storage = storageFee(ctx);
  const out: Record<string, Json> = {
    "@type": "raw.transaction",
    address: accountAddressJson(friendlyAddress(ctx.address)),
    utime: ctx.tx.now,
    data: boc(ctx),
    transaction_id: {
      "@type": "internal.transactionId",
      lt: ctx.lt.toString(),
      hash: ctx.hash.toString("base64"),
    },
    fee: fee.toString(),
    storage_fee: storage.toString(),
    other_fee: (fee - storage).toString(),
    in_msg: messageJson(inMsg, objects),
    out_msgs: outMsgs.map((c) => messageJson(c, objects)),
  };
  if (objects) out.account = ctx.address.toRawString();
  ctx.cache.set(style, out);
  return out;
}

/** Base64 BOC of the real transaction cell (memoized). */
export function boc(ctx: ChainTx): string {
  let v = ctx.cache.get("boc") as string | undefined;
  if (v === undefined) {
    v = ctx.tx.raw.toBoc().toString("base64");
    ctx.cache.set("boc", v);
  }
  return v;
}

/** `blocks.shortTxId` for getBlockTransactions. */
export function shortTxJson(ctx: ChainTx): Json {
  return {
    "@type": "blocks.shortTxId",
    mode: 135,
    account: ctx.address.toRawString(),
    lt: ctx.lt.toString(),
    hash: ctx.hash.toString("base64"),
  };
}

/** Python-style hex of an integer ("0x1f", "-0x1"), as toncenter prints numbers. */
function hexInt(v: bigint): string {
  return v < 0n ? "-0x" + (-v).toString(16) : "0x" + v.toString(16);
}

/** tonlib's nested stack entry form used inside tuples/lists. */
function tonlibEntry(item: TupleItem): Json {
  switch (item.type) {
    case "int":
      return {
        "@type": "tvm.stackEntryNumber",
        number: { "@type": "tvm.numberDecimal", number: item.value.toString() },
      };
    case "cell":
      return {
        "@type": "tvm.stackEntryCell",
        cell: { "@type": "tvm.cell", bytes: item.cell.toBoc().toString("base64") },
      };
    case "slice":
    case "builder":
      return {
        "@type": "tvm.stackEntrySlice",
        slice: { "@type": "tvm.slice", bytes: item.cell.toBoc().toString("base64") },
      };
    case "tuple":
      return {
        "@type": "tvm.stackEntryTuple",
        tuple: { "@type": "tvm.tuple", elements: item.items.map(tonlibEntry) },
      };
    case "null":
      // tonlib treats null as the empty list.
      return { "@type": "tvm.stackEntryList", list: { "@type": "tvm.list", elements: [] } };
    case "nan":
      return {
        "@type": "tvm.stackEntryNumber",
        number: { "@type": "tvm.numberDecimal", number: "NaN" },
      };
  }
}

/**
 * Renders a get-method result stack the way toncenter does: numbers as hex,
 * cells and slices both as `["cell", {bytes}]`, null as an empty list.
 */
export function stackJson(stack: TupleItem[]): Json[] {
  return stack.map((item): Json => {
    switch (item.type) {
      case "int":
        return ["num", hexInt(item.value)];
      case "nan":
        return ["num", "NaN"];
      case "cell":
      case "slice":
      case "builder":
        return ["cell", { bytes: item.cell.toBoc().toString("base64") }];
      case "tuple":
        return ["tuple", { "@type": "tvm.tuple", elements: item.items.map(tonlibEntry) }];
      case "null":
        return ["list", { "@type": "tvm.list", elements: [] }];
    }
  });
}

function parseIntLike(v: unknown): bigint {
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  if (typeof v === "bigint") return v;
  if (typeof v !== "string") throw new Error("stack number must be a string or integer");
  const t = v.trim();
  const neg = t.startsWith("-");
  const body = neg ? t.slice(1) : t;
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(body)) throw new Error(`bad stack number ${v}`);
  const n = BigInt(body);
  return neg ? -n : n;
}

function parseCellLike(v: unknown): Cell {
  const b64 = typeof v === "string"
    ? v
    : v && typeof v === "object" && typeof (v as { bytes?: unknown }).bytes === "string"
    ? (v as { bytes: string }).bytes
    : null;
  if (b64 === null) throw new Error("stack cell must be base64 BOC or {bytes}");
  return Cell.fromBase64(b64);
}

/**
 * Parses a toncenter request stack: `["num", "0x.."|"123"]`,
 * `["cell"|"tvm.Cell", b64|{bytes}]`, `["slice"|"tvm.Slice", ...]`,
 * `["builder"|"tvm.Builder", ...]`, `["null"]`.
 */
export function parseStack(stack: unknown): TupleItem[] {
  if (stack === undefined || stack === null || stack === "") return [];
  if (!Array.isArray(stack)) throw new Error("stack must be an array");
  return stack.map((entry): TupleItem => {
    if (!Array.isArray(entry) || typeof entry[0] !== "string") {
      throw new Error("stack entries must be [type, value] pairs");
    }
    const [type, value] = entry;
    switch (type) {
      case "num":
      case "number":
      case "int":
        return { type: "int", value: parseIntLike(value) };
      case "cell":
      case "tvm.Cell":
        return { type: "cell", cell: parseCellLike(value) };
      case "slice":
      case "tvm.Slice":
        return { type: "slice", cell: parseCellLike(value) };
      case "builder":
      case "tvm.Builder":
        return { type: "builder", cell: parseCellLike(value) };
      case "null":
        return { type: "null" };
      default:
        throw new Error(`unsupported stack entry type ${type}`);
    }
  });
}
