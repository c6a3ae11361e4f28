/**
 * How alarms and unrecognized transfers are rendered, the same in the admin API and in the
 * exchange webhook's events, so an operator's tooling parses one shape.
 */

import type { AlarmRecord, AlarmState } from "./store/alarms.ts";
import type { UnrecognizedRecord } from "./store/unrecognized.ts";

/** An alarm as the admin API and the exchange webhook render it. */
export interface AlarmJson {
  id: number;
  chain: string;
  kind: string;
  state: AlarmState;
  /** True while the alarm stops its chain's sender (open or acknowledged). */
  haltsSender: boolean;
  detail: string;
  context: Record<string, unknown> | null;
  createdAt: string;
  acknowledgedAt: string | null;
  acknowledgedNote: string | null;
  resolvedAt: string | null;
  resolvedNote: string | null;
}

/** An unrecognized transfer as the admin API and the exchange webhook render it. */
export interface UnrecognizedJson {
  id: number;
  chain: string;
  depositAddress: string;
  depositCurrency: string;
  token: string;
  sourceAddress: string | null;
  /**
   * Claimed amount, base units of the (unknown) token (of the native coin when `token` is its
   * asset code: value a sweep found no record of), as a decimal string.
   */
  amount: string;
  comment: string | null;
  binaryComment: string | null;
  txHash: string;
  blockHeight: string | null;
  blockTime: number;
  createdAt: string;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Renders an alarm. */
export function alarmJson(a: AlarmRecord): AlarmJson {
  return {
    id: Number(a.id),
    chain: a.chain,
    kind: a.kind,
    state: a.state,
    haltsSender: a.state !== "resolved",
    detail: a.detail,
    context: a.context,
    createdAt: iso(a.createdAt)!,
    acknowledgedAt: iso(a.acknowledgedAt),
    acknowledgedNote: a.acknowledgedNote,
    resolvedAt: iso(a.resolvedAt),
    resolvedNote: a.resolvedNote,
  };
}

/** Renders an unrecognized transfer. */
export function unrecognizedJson(u: UnrecognizedRecord): UnrecognizedJson {
  return {
    id: Number(u.id),
    chain: u.chain,
    depositAddress: u.depositAddress,
    depositCurrency: u.depositCurrency,
    token: u.token,
    sourceAddress: u.sourceAddress,
    amount: u.amount.toString(),
    comment: u.comment,
    binaryComment: u.binaryComment,
    txHash: u.txHash,
    blockHeight: u.blockHeight === null ? null : u.blockHeight.toString(),
    blockTime: u.blockTime,
    createdAt: iso(u.createdAt)!,
  };
}
