/**
 * Minimal protobuf codec for TRON's `Transaction.raw` and `BlockHeader.raw`,
 * enough for the devnet to build transactions the way a node does and to
 * decode what clients broadcast.
 *
 * Field numbers are java-tron's `core/Tron.proto` and `core/contract/*.proto`:
 * - `Transaction.raw`: 1 ref_block_bytes, 3 ref_block_num, 4 ref_block_hash,
 *   8 expiration, 10 data, 11 contract (repeated), 14 timestamp, 18 fee_limit;
 * - `Transaction.Contract`: 1 type (enum), 2 parameter (`google.protobuf.Any`:
 *   1 type_url, 2 value), 5 Permission_id;
 * - contracts: see {@link CONTRACT_SCHEMAS}.
 *
 * Serialization is canonical (fields in number order, defaults omitted), which
 * is what java-tron emits, so encoding the node JSON reproduces `raw_data_hex`
 * byte for byte.
 *
 * @module
 */
import { hex as hexCodec, sha256 } from "../deps.ts";
import { parseTronAddress } from "../address.ts";

/**
 * Field kinds the devnet understands in contract messages. `name` is a bytes field java-tron's
 * `JsonFormat` prints as UTF-8 text with `visible` and as hex without (its
 * `HttpSelfFormatFieldName` name list, e.g. `TransferAssetContract.asset_name`).
 */
type FieldKind = "address" | "bytes" | "name" | "int" | "resource";

/** One field of a contract message: number, JSON name, kind. */
type FieldSpec = readonly [number, string, FieldKind];

/** A contract type the codec knows: enum value and message fields. */
interface ContractSchema {
  readonly type: number;
  readonly fields: readonly FieldSpec[];
}

/** Contract types the codec encodes and decodes, by JSON type name. */
export const CONTRACT_SCHEMAS: Readonly<Record<string, ContractSchema>> = {
  TransferContract: {
    type: 1,
    fields: [[1, "owner_address", "address"], [2, "to_address", "address"], [3, "amount", "int"]],
  },
  TransferAssetContract: {
    type: 2,
    fields: [
      [1, "asset_name", "name"],
      [2, "owner_address", "address"],
      [3, "to_address", "address"],
      [4, "amount", "int"],
    ],
  },
  TriggerSmartContract: {
    type: 31,
    fields: [
      [1, "owner_address", "address"],
      [2, "contract_address", "address"],
      [3, "call_value", "int"],
      [4, "data", "bytes"],
      [5, "call_token_value", "int"],
      [6, "token_id", "int"],
    ],
  },
  FreezeBalanceV2Contract: {
    type: 54,
    fields: [
      [1, "owner_address", "address"],
      [2, "frozen_balance", "int"],
      [3, "resource", "resource"],
    ],
  },
  DelegateResourceContract: {
    type: 57,
    fields: [
      [1, "owner_address", "address"],
      [2, "resource", "resource"],
      [3, "balance", "int"],
      [4, "receiver_address", "address"],
      [5, "lock", "int"],
      [6, "lock_period", "int"],
    ],
  },
  UnDelegateResourceContract: {
    type: 58,
    fields: [
      [1, "owner_address", "address"],
      [2, "resource", "resource"],
      [3, "balance", "int"],
      [4, "receiver_address", "address"],
    ],
  },
};

const RESOURCES = ["BANDWIDTH", "ENERGY", "TRON_POWER"] as const;

/** JSON value of a contract field (numbers as node JSON prints them; `lock` as boolean). */
export type ContractValue = Record<string, string | number | boolean>;

/** One contract of `raw_data.contract`, node JSON shape. */
export interface ContractJson {
  /** Message body and its `type_url`. */
  parameter: { value: ContractValue; type_url: string };
  /** Contract type name, e.g. `TransferContract`. */
  type: string;
  /** Permission id (multisig); absent when 0. */
  Permission_id?: number;
}

/** `raw_data` of a transaction, node JSON shape. */
export interface RawDataJson {
  /** Contracts (exactly one in practice). */
  contract: ContractJson[];
  /** Bytes 6..8 of the reference block number, hex. */
  ref_block_bytes: string;
  /** Reference block number (rarely set). */
  ref_block_num?: number;
  /** Bytes 8..16 of the reference block id, hex. */
  ref_block_hash: string;
  /** Expiration, ms since epoch. */
  expiration: number;
  /** Memo bytes, hex. */
  data?: string;
  /** Creation time, ms. */
  timestamp?: number;
  /** Max sun burnt for energy. */
  fee_limit?: number;
}

// ---------------------------------------------------------------------------
// Wire primitives

class Writer {
  private parts: number[] = [];

  varint(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.parts.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.parts.push(Number(v));
  }

  tag(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }

  intField(field: number, value: bigint | number | undefined): void {
    if (value === undefined) return;
    const v = BigInt(value);
    if (v === 0n) return;
    this.tag(field, 0);
    this.varint(v);
  }

  bytesField(field: number, value: Uint8Array | undefined): void {
    if (value === undefined || value.length === 0) return;
    this.tag(field, 2);
    this.varint(BigInt(value.length));
    for (const b of value) this.parts.push(b);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** A decoded wire field: varint value or length-delimited bytes. */
type WireField = { field: number; varint: bigint } | { field: number; bytes: Uint8Array };

function readFields(buf: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  function varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new TypeError("protobuf: truncated varint");
      const b = buf[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new TypeError("protobuf: varint too long");
    }
  }
  while (pos < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 0) throw new TypeError("protobuf: field number 0");
    if (wire === 0) {
      out.push({ field, varint: varint() });
    } else if (wire === 2) {
      const len = Number(varint());
      if (pos + len > buf.length) throw new TypeError("protobuf: truncated bytes");
      out.push({ field, bytes: buf.subarray(pos, pos + len) });
      pos += len;
    } else {
      throw new TypeError(`protobuf: unsupported wire type ${wire}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Helpers

function hexBytes(value: string | undefined, what: string): Uint8Array {
  if (value === undefined || value === "") return new Uint8Array();
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(value)) throw new TypeError(`${what} must be hex`);
  return hexCodec.decode(value.toLowerCase());
}

function addressBytes(value: unknown, what: string): Uint8Array {
  if (typeof value !== "string") throw new TypeError(`${what} must be an address`);
  const parsed = parseTronAddress(value);
  if ("error" in parsed) throw new TypeError(`${what}: ${parsed.error}`);
  return hexCodec.decode(parsed.hex);
}

function int64(value: bigint): number {
  const signed = BigInt.asIntN(64, value);
  return Number(signed);
}

/** Encodes a contract message body from its JSON value (`visible`: names are text, not hex). */
function encodeContractValue(
  schema: ContractSchema,
  value: ContractValue,
  visible: boolean,
): Uint8Array {
  const w = new Writer();
  for (const [num, name, kind] of schema.fields) {
    const v = value[name];
    if (v === undefined || v === null) continue;
    switch (kind) {
      case "address":
        w.bytesField(num, addressBytes(v, name));
        break;
      case "bytes":
        w.bytesField(num, hexBytes(String(v), name));
        break;
      case "name":
        w.bytesField(
          num,
          visible ? new TextEncoder().encode(String(v)) : hexBytes(String(v), name),
        );
        break;
      case "int":
        w.intField(num, typeof v === "boolean" ? (v ? 1 : 0) : BigInt(v));
        break;
      case "resource": {
        // Protobuf JSON allows an enum by name or by number.
        const i = typeof v === "number" ? v : RESOURCES.indexOf(v as typeof RESOURCES[number]);
        if (!Number.isSafeInteger(i) || i < 0) throw new TypeError(`unknown resource ${String(v)}`);
        w.intField(num, i);
        break;
      }
    }
  }
  return w.finish();
}

function decodeContractValue(
  schema: ContractSchema,
  bytes: Uint8Array,
  visible: boolean,
): ContractValue {
  const out: ContractValue = {};
  for (const f of readFields(bytes)) {
    const spec = schema.fields.find(([n]) => n === f.field);
    if (!spec) throw new TypeError(`protobuf: unknown contract field ${f.field}`);
    const [, name, kind] = spec;
    if ("bytes" in f) {
      if (kind === "address") {
        const h = hexCodec.encode(f.bytes);
        const parsed = parseTronAddress(h);
        out[name] = visible && !("error" in parsed) ? parsed.address : h;
      } else if (kind === "name") {
        const text = new TextDecoder("utf-8", { fatal: false }).decode(f.bytes);
        // java-tron falls back to hex when the text would not survive as a JSON string.
        const printable = !text.includes("\ufffd") &&
          ![...text].some((ch) => ch.charCodeAt(0) < 0x20);
        out[name] = visible && printable ? text : hexCodec.encode(f.bytes);
      } else if (kind === "bytes") {
        out[name] = hexCodec.encode(f.bytes);
      } else {
        throw new TypeError(`protobuf: field ${name} has the wrong wire type`);
      }
    } else {
      if (kind === "resource") out[name] = RESOURCES[Number(f.varint)] ?? Number(f.varint);
      else if (name === "lock") out[name] = f.varint !== 0n;
      else if (kind === "int") out[name] = int64(f.varint);
      else throw new TypeError(`protobuf: field ${name} has the wrong wire type`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Transaction.raw

/**
 * Serializes `raw_data` JSON (hex or base58 addresses) to protobuf bytes.
 *
 * @param visible whether the JSON is in `visible` form, where names (`asset_name`) are text
 * @throws TypeError on an unknown contract type or malformed field
 */
export function encodeRawData(raw: RawDataJson, visible = false): Uint8Array {
  const w = new Writer();
  w.bytesField(1, hexBytes(raw.ref_block_bytes, "ref_block_bytes"));
  w.intField(3, raw.ref_block_num);
  w.bytesField(4, hexBytes(raw.ref_block_hash, "ref_block_hash"));
  w.intField(8, raw.expiration);
  w.bytesField(10, hexBytes(raw.data, "data"));
  for (const c of raw.contract ?? []) {
    const schema = CONTRACT_SCHEMAS[c.type];
    if (!schema) throw new TypeError(`unsupported contract type ${c.type}`);
    const any = new Writer();
    any.bytesField(1, new TextEncoder().encode(c.parameter.type_url));
    any.bytesField(2, encodeContractValue(schema, c.parameter.value, visible));
    const cw = new Writer();
    cw.intField(1, schema.type);
    cw.bytesField(2, any.finish());
    cw.intField(5, c.Permission_id);
    w.bytesField(11, cw.finish());
  }
  w.intField(14, raw.timestamp);
  w.intField(18, raw.fee_limit);
  return w.finish();
}

/**
 * Parses protobuf `raw_data` bytes back into node JSON.
 *
 * @param visible print addresses in base58 (as the node does for `visible: true`)
 * @throws TypeError on malformed bytes or an unknown contract type
 */
export function decodeRawData(bytes: Uint8Array, visible = false): RawDataJson {
  const raw: RawDataJson = { contract: [], ref_block_bytes: "", ref_block_hash: "", expiration: 0 };
  for (const f of readFields(bytes)) {
    if ("bytes" in f) {
      if (f.field === 1) raw.ref_block_bytes = hexCodec.encode(f.bytes);
      else if (f.field === 4) raw.ref_block_hash = hexCodec.encode(f.bytes);
      else if (f.field === 10) raw.data = hexCodec.encode(f.bytes);
      else if (f.field === 11) raw.contract.push(decodeContract(f.bytes, visible));
      else throw new TypeError(`protobuf: unsupported raw_data field ${f.field}`);
    } else {
      if (f.field === 3) raw.ref_block_num = int64(f.varint);
      else if (f.field === 8) raw.expiration = int64(f.varint);
      else if (f.field === 14) raw.timestamp = int64(f.varint);
      else if (f.field === 18) raw.fee_limit = int64(f.varint);
      else throw new TypeError(`protobuf: unsupported raw_data field ${f.field}`);
    }
  }
  return raw;
}

function decodeContract(bytes: Uint8Array, visible: boolean): ContractJson {
  let typeNum = 0;
  let any: Uint8Array = new Uint8Array();
  let permission = 0;
  for (const f of readFields(bytes)) {
    if (f.field === 1 && "varint" in f) typeNum = Number(f.varint);
    else if (f.field === 2 && "bytes" in f) any = f.bytes;
    else if (f.field === 5 && "varint" in f) permission = Number(f.varint);
    else throw new TypeError(`protobuf: unsupported contract field ${f.field}`);
  }
  const entry = Object.entries(CONTRACT_SCHEMAS).find(([, s]) => s.type === typeNum);
  if (!entry) throw new TypeError(`unsupported contract type ${typeNum}`);
  const [type, schema] = entry;
  let typeUrl = "";
  let value: Uint8Array = new Uint8Array();
  for (const f of readFields(any)) {
    if (f.field === 1 && "bytes" in f) typeUrl = new TextDecoder().decode(f.bytes);
    else if (f.field === 2 && "bytes" in f) value = f.bytes;
  }
  const out: ContractJson = {
    parameter: { value: decodeContractValue(schema, value, visible), type_url: typeUrl },
    type,
  };
  if (permission !== 0) out.Permission_id = permission;
  return out;
}

/** `type.googleapis.com/protocol.<type>`, the `type_url` nodes use. */
export function typeUrl(type: string): string {
  return `type.googleapis.com/protocol.${type}`;
}

// ---------------------------------------------------------------------------
// BlockHeader.raw

/** `block_header.raw_data` fields the devnet fills. */
export interface BlockHeaderRaw {
  /** Block time, ms. */
  timestamp: number;
  /** Merkle root of the transactions, 32 bytes hex. */
  txTrieRoot: string;
  /** Parent block id, 32 bytes hex. */
  parentHash: string;
  /** Height. */
  number: number;
  /** Producer address, `41…` hex. */
  witness_address: string;
  /** Block version. */
  version: number;
}

/** Serializes a block header's raw data (`BlockHeader.raw`). */
export function encodeBlockHeaderRaw(h: BlockHeaderRaw): Uint8Array {
  const w = new Writer();
  w.intField(1, h.timestamp);
  w.bytesField(2, hexBytes(h.txTrieRoot, "txTrieRoot"));
  w.bytesField(3, hexBytes(h.parentHash, "parentHash"));
  w.intField(7, h.number);
  w.bytesField(9, hexBytes(h.witness_address, "witness_address"));
  w.intField(10, h.version);
  return w.finish();
}

/** Block id as java-tron computes it: 8-byte big-endian number ‖ sha256(header raw)[8..32]. */
export function blockId(h: BlockHeaderRaw): string {
  const digest = sha256(encodeBlockHeaderRaw(h));
  const out = new Uint8Array(32);
  out.set(digest);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.number));
  return hexCodec.encode(out);
}
