/**
 * Bandwidth, energy and Stake 2.0, as java-tron accounts for them (numbers are mainnet's
 * defaults):
 *
 * - Bandwidth: a transaction uses `serialized size + 64` bytes. Each account has 600 free
 *   bytes per UTC day; beyond that it burns 1,000 sun per byte (`net_fee`).
 * - Energy comes first from the account's energy limit (its stake, below), the rest is burnt
 *   at 420 sun each, capped by `fee_limit` and the balance; when that is not enough the call
 *   fails with `OUT_OF_ENERGY` and burns the whole allowance.
 * - Stake 2.0: `FreezeBalanceV2Contract`, `DelegateResourceContract` and
 *   `UnDelegateResourceContract` execute as in java-tron (same validation messages, lock
 *   periods included). An account's daily energy is
 *   `trunc(stakeTrx × TotalEnergyLimit / TotalEnergyWeight)`, where `stakeTrx` is the whole
 *   TRX of its own undelegated energy stake plus the stake delegated to it,
 *   {@link TOTAL_ENERGY_LIMIT} is mainnet's and TotalEnergyWeight is
 *   {@link NETWORK_ENERGY_WEIGHT} plus every devnet account's energy stake: about 100 energy
 *   per staked TRX, so ~650 TRX cover a 65k transfer and ~1,300 TRX a 130k one (mainnet gives
 *   roughly 10–15 per TRX; the devnet is cheaper so tests stake little). Bandwidth works the
 *   same with {@link TOTAL_NET_LIMIT} and {@link NETWORK_NET_WEIGHT} (1 byte per staked TRX);
 *   staked bandwidth is used before the 600 free bytes, as java-tron does. Unstaking
 *   (`UnfreezeBalanceV2`, withdrawals) is not implemented.
 *
 * @module
 */
import type { ContractJson, ContractValue } from "./protobuf.ts";
import {
  type Account,
  accountOf,
  type Delegation,
  type Ledger,
  type StakeResource,
  type StoredTx,
  TRX_SUN,
  type TxInfo,
} from "./ledger.ts";
import { refuse } from "./node_error.ts";
import { tronBandwidthBytes } from "../transaction.ts";

/** Sun burnt per unit of energy. */
export const ENERGY_PRICE_SUN = 420n;
/** Sun burnt per byte of bandwidth beyond the free allowance. */
export const BANDWIDTH_PRICE_SUN = 1000n;
/** Free bandwidth bytes per account per day. */
export const FREE_NET_LIMIT = 600;
/** Network-wide energy per day (java-tron's `TotalEnergyLimit`, mainnet's value). */
export const TOTAL_ENERGY_LIMIT = 180_000_000_000;
/**
 * Whole TRX staked for energy by the rest of an imagined network, the base of
 * `TotalEnergyWeight`: with {@link TOTAL_ENERGY_LIMIT} it makes 1 staked TRX worth
 * about 100 energy a day, and keeps that rate nearly constant however much the
 * few devnet accounts stake (alone they would share the whole daily limit).
 */
export const NETWORK_ENERGY_WEIGHT = 1_800_000_000;
/** Network-wide staked bandwidth per day (java-tron's `TotalNetLimit`, mainnet's value). */
export const TOTAL_NET_LIMIT = 43_200_000_000;
/** Base of `TotalNetWeight` (whole TRX): 1 staked TRX gives about 1 byte a day. */
export const NETWORK_NET_WEIGHT = 43_200_000_000;
/** Longest delegation lock, in 3-second blocks (mainnet's `getMaxDelegateLockPeriod`). */
export const MAX_DELEGATE_LOCK_PERIOD = 864_000;
/** Lock of a locked delegation that names no period: 3 days in blocks, as java-tron. */
const DEFAULT_DELEGATE_LOCK_PERIOD = 86_400;
/** Block interval java-tron's lock periods count in. */
const LOCK_BLOCK_MS = 3_000;

/** The Stake 2.0 contracts the devnet executes. */
export const STAKE_CONTRACTS: ReadonlySet<string> = new Set([
  "FreezeBalanceV2Contract",
  "DelegateResourceContract",
  "UnDelegateResourceContract",
]);

/** The network weights before any devnet account stakes. */
export function initialWeights(): Record<StakeResource, number> {
  return { ENERGY: NETWORK_ENERGY_WEIGHT, BANDWIDTH: NETWORK_NET_WEIGHT };
}

/** Bandwidth bytes `tx` uses: its serialized size with signatures, plus the result's room. */
export function txSize(tx: StoredTx): number {
  return tronBandwidthBytes(tx.raw_data_hex, tx.signature.length);
}

/** `TotalEnergyLimit` or `TotalNetLimit`: the resource the whole network gets per day. */
export function totalLimit(resource: StakeResource): number {
  return resource === "ENERGY" ? TOTAL_ENERGY_LIMIT : TOTAL_NET_LIMIT;
}

/** Daily amount of `resource` a stake of `sun` gives, as java-tron's processors compute it. */
function capacity(ledger: Ledger, resource: StakeResource, sun: bigint): number {
  if (sun < TRX_SUN) return 0;
  // Same double arithmetic as java-tron, so limits match it to the unit.
  return Math.trunc(
    Number(sun / TRX_SUN) * (totalLimit(resource) / ledger.weights[resource]),
  );
}

/** `EnergyLimit`: daily energy from own undelegated stake plus stake delegated to the account. */
export function energyLimit(ledger: Ledger, acc: Account): number {
  return capacity(ledger, "ENERGY", acc.frozen.ENERGY + acc.acquired.ENERGY);
}

/** `NetLimit`: daily staked bandwidth, bytes. */
export function netLimit(ledger: Ledger, acc: Account): number {
  return capacity(ledger, "BANDWIDTH", acc.frozen.BANDWIDTH + acc.acquired.BANDWIDTH);
}

/** `tronPowerLimit`: whole TRX the account has staked, delegated or not. */
export function tronPower(acc: Account): number {
  const staked = acc.frozen.BANDWIDTH + acc.frozen.ENERGY + acc.delegatedOut.BANDWIDTH +
    acc.delegatedOut.ENERGY;
  return Number(staked / TRX_SUN);
}

function used(acc: Account, resource: StakeResource): number {
  return resource === "ENERGY" ? acc.energyUsed : acc.netUsed;
}

/**
 * Own stake the account can still delegate (`getcandelegatedmaxsize`): its
 * undelegated stake less what today's usage, priced at the current rate, takes
 * beyond the stake delegated to it (java-tron's DelegateResource check).
 */
export function canDelegate(ledger: Ledger, acc: Account, resource: StakeResource): bigint {
  const usage = BigInt(Math.trunc(
    used(acc, resource) * Number(TRX_SUN) *
      (ledger.weights[resource] / totalLimit(resource)),
  ));
  const remain = usage - acc.acquired[resource];
  const available = acc.frozen[resource] - (remain > 0n ? remain : 0n);
  return available > 0n ? available : 0n;
}

function delegationKey(from: string, to: string, locked: boolean): string {
  return `${from}${to}${locked ? "1" : "0"}`;
}

/** Delegation records from `from` to `to` (`41…` hex): the unlocked one first, then the locked one. */
export function delegationsBetween(ledger: Ledger, from: string, to: string): Delegation[] {
  const out: Delegation[] = [];
  for (const locked of [false, true]) {
    const d = ledger.delegations.get(delegationKey(from, to, locked));
    if (d) out.push(d);
  }
  return out;
}

/** Accounts that delegated to `hex`, and accounts `hex` delegated to, in first-delegation order. */
export function delegationIndex(ledger: Ledger, hex: string): { from: string[]; to: string[] } {
  const from = new Set<string>();
  const to = new Set<string>();
  for (const d of ledger.delegations.values()) {
    if (d.to === hex) from.add(d.from);
    if (d.from === hex) to.add(d.to);
  }
  return { from: [...from], to: [...to] };
}

/** The resource a contract value names; absent is BANDWIDTH, the protobuf default. */
function stakeResource(value: ContractValue): StakeResource {
  const r = value.resource ?? "BANDWIDTH";
  if (r === "BANDWIDTH" || r === 0) return "BANDWIDTH";
  if (r === "ENERGY" || r === 1) return "ENERGY";
  return refuse("ResourceCode error, valid ResourceCode[BANDWIDTH、ENERGY]");
}

/** Optional address field of a contract value, or undefined when absent. */
function optionalAddress(value: ContractValue, name: string): string | undefined {
  const v = value[name];
  return typeof v === "string" && v !== "" ? v.toLowerCase() : undefined;
}

/** Java-tron's validation of the Stake 2.0 contracts; throws NodeError. */
export function validateStake(ledger: Ledger, c: ContractJson, bandwidthBurnt = 0n): void {
  const v = c.parameter.value;
  const owner = String(v.owner_address);
  const acc = accountOf(ledger, owner);
  const amount = BigInt(
    c.type === "FreezeBalanceV2Contract" ? v.frozen_balance ?? 0 : v.balance ?? 0,
  );
  if (c.type === "FreezeBalanceV2Contract") {
    if (!acc) return refuse(`Account[${owner}] not exists`);
    if (amount <= 0n) refuse("frozenBalance must be positive");
    if (amount < TRX_SUN) refuse("frozenBalance must be more than 1TRX");
    // java-tron burns the bandwidth before the contract runs, so the stake
    // must fit in what is left.
    if (amount > acc.balance - bandwidthBurnt) {
      refuse("frozenBalance must be less than accountBalance");
    }
    stakeResource(v);
    return;
  }
  const receiver = optionalAddress(v, "receiver_address");
  const now = ledger.time;
  if (c.type === "DelegateResourceContract") {
    if (!acc) return refuse(`Account[${owner}] not exists`);
    if (amount < TRX_SUN) refuse("delegateBalance must be more than 1TRX");
    const resource = stakeResource(v);
    if (canDelegate(ledger, acc, resource) < amount) {
      refuse(
        `delegateBalance must be less than available ${
          resource === "ENERGY" ? "FreezeEnergyV2" : "FreezeBandwidthV2"
        } balance`,
      );
    }
    if (!receiver) return refuse("Invalid receiverAddress");
    if (receiver === owner) refuse("receiverAddress must not be the same as ownerAddress");
    if (!accountOf(ledger, receiver)) refuse(`Account[${receiver}] not exists`);
    if (v.lock === true) {
      const period = Number(v.lock_period ?? 0) || DEFAULT_DELEGATE_LOCK_PERIOD;
      if (period < 0 || period > MAX_DELEGATE_LOCK_PERIOD) {
        refuse(
          `The lock period of delegate resource cannot be less than 0 and cannot exceed ${MAX_DELEGATE_LOCK_PERIOD}!`,
        );
      }
      const locked = ledger.delegations.get(delegationKey(owner, receiver, true));
      const remain = locked ? locked.expire[resource] - now : 0;
      if (locked && period * LOCK_BLOCK_MS < remain) {
        refuse(
          `The lock period for ${resource} this time cannot be less than the remaining time[${remain}ms] of the last lock period for ${resource}!`,
        );
      }
    }
    if (ledger.tokens.has(receiver)) {
      refuse("Do not allow delegate resources to contract addresses");
    }
    return;
  }
  // UnDelegateResourceContract
  if (!acc) return refuse(`Account[${owner}] does not exist`);
  if (!receiver) return refuse("Invalid receiverAddress");
  if (receiver === owner) refuse("receiverAddress must not be the same as ownerAddress");
  const unlocked = ledger.delegations.get(delegationKey(owner, receiver, false));
  const locked = ledger.delegations.get(delegationKey(owner, receiver, true));
  if (!unlocked && !locked) refuse("delegated Resource does not exist");
  if (amount <= 0n) refuse("unDelegateBalance must be more than 0 TRX");
  const resource = stakeResource(v);
  let available = unlocked?.balance[resource] ?? 0n;
  if (locked && locked.expire[resource] < now) available += locked.balance[resource];
  if (available < amount) {
    refuse(
      resource === "ENERGY"
        ? `insufficient delegateFrozenBalance(Energy), request=${amount}, unlock_balance=${available}`
        : `insufficient delegatedFrozenBalance(BANDWIDTH), request=${amount}, unlock_balance=${available}`,
    );
  }
}

/** Applies a validated Stake 2.0 contract of `owner`, as java-tron's actuators do. */
export function executeStake(ledger: Ledger, c: ContractJson, owner: Account): void {
  const v = c.parameter.value;
  const resource = stakeResource(v);
  if (c.type === "FreezeBalanceV2Contract") {
    const amount = BigInt(v.frozen_balance);
    const before = (owner.frozen[resource] + owner.delegatedOut[resource]) / TRX_SUN;
    owner.frozen[resource] += amount;
    owner.balance -= amount;
    const after = (owner.frozen[resource] + owner.delegatedOut[resource]) / TRX_SUN;
    ledger.weights[resource] += Number(after - before);
    return;
  }
  const ownerHex = String(v.owner_address).toLowerCase();
  const receiverHex = String(v.receiver_address).toLowerCase();
  const amount = BigInt(v.balance);
  const now = ledger.time;
  unlockExpired(ledger, ownerHex, receiverHex, now);
  if (c.type === "DelegateResourceContract") {
    const lock = v.lock === true;
    const period = Number(v.lock_period ?? 0) || DEFAULT_DELEGATE_LOCK_PERIOD;
    const record = delegationRecord(ledger, ownerHex, receiverHex, lock);
    record.balance[resource] += amount;
    record.expire[resource] = lock ? now + period * LOCK_BLOCK_MS : 0;
    accountOf(ledger, receiverHex)!.acquired[resource] += amount;
    owner.delegatedOut[resource] += amount;
    owner.frozen[resource] -= amount;
    return;
  }
  // UnDelegateResourceContract: the receiver gives back the stake and the
  // share of today's usage it stood for, which the owner takes over.
  const receiver = accountOf(ledger, receiverHex);
  let transferred = 0;
  if (receiver) {
    if (receiver.acquired[resource] < amount) {
      receiver.acquired[resource] = 0n;
    } else {
      const all = receiver.frozen[resource] + receiver.acquired[resource];
      const cap = Math.trunc(
        Number(amount) / Number(TRX_SUN) *
          (totalLimit(resource) / ledger.weights[resource]),
      );
      const share = Math.trunc(used(receiver, resource) * (Number(amount) / Number(all)));
      transferred = Math.min(cap, share);
      receiver.acquired[resource] -= amount;
    }
    if (resource === "ENERGY") receiver.energyUsed -= transferred;
    else receiver.netUsed -= transferred;
  }
  const key = delegationKey(ownerHex, receiverHex, false);
  const record = ledger.delegations.get(key)!;
  record.balance[resource] -= amount;
  if (record.balance.BANDWIDTH === 0n && record.balance.ENERGY === 0n) {
    ledger.delegations.delete(key);
  }
  owner.delegatedOut[resource] -= amount;
  owner.frozen[resource] += amount;
  if (resource === "ENERGY") owner.energyUsed += transferred;
  else owner.netUsed += transferred;
}

function delegationRecord(ledger: Ledger, from: string, to: string, locked: boolean): Delegation {
  const key = delegationKey(from, to, locked);
  let record = ledger.delegations.get(key);
  if (!record) {
    record = {
      from,
      to,
      locked,
      balance: { BANDWIDTH: 0n, ENERGY: 0n },
      expire: { BANDWIDTH: 0, ENERGY: 0 },
    };
    ledger.delegations.set(key, record);
  }
  return record;
}

/** Moves locked delegations whose lock has ended to the unlocked record, as java-tron does. */
function unlockExpired(ledger: Ledger, from: string, to: string, now: number): void {
  const lockedKey = delegationKey(from, to, true);
  const locked = ledger.delegations.get(lockedKey);
  if (!locked) return;
  for (const r of ["BANDWIDTH", "ENERGY"] as const) {
    if (locked.expire[r] < now && locked.balance[r] > 0n) {
      delegationRecord(ledger, from, to, false).balance[r] += locked.balance[r];
      locked.balance[r] = 0n;
      locked.expire[r] = 0;
    }
  }
  if (locked.balance.BANDWIDTH === 0n && locked.balance.ENERGY === 0n) {
    ledger.delegations.delete(lockedKey);
  }
}

/** Sun that bandwidth for `tx` would burn: none when staked or free bandwidth covers it. */
export function bandwidthBurn(ledger: Ledger, acc: Account, tx: StoredTx): bigint {
  const size = txSize(tx);
  if (netLimit(ledger, acc) - acc.netUsed >= size) return 0n;
  if (acc.freeNetUsed + size <= FREE_NET_LIMIT) return 0n;
  return BigInt(size) * BANDWIDTH_PRICE_SUN;
}

/** Bandwidth charged for a transaction: its receipt fields and the sun burnt. */
export interface BandwidthCharge {
  /** `net_usage` or `net_fee`. */
  receipt: TxInfo;
  /** Sun burnt. */
  fee: bigint;
}

/**
 * Charges bandwidth for `tx` in java-tron's order: staked bandwidth, then the
 * free allowance, then burning; returns receipt fields and the sun burnt.
 */
export function chargeBandwidth(ledger: Ledger, acc: Account, tx: StoredTx): BandwidthCharge {
  const size = txSize(tx);
  if (netLimit(ledger, acc) - acc.netUsed >= size) {
    acc.netUsed += size;
    return { receipt: { net_usage: size }, fee: 0n };
  }
  if (acc.freeNetUsed + size <= FREE_NET_LIMIT) {
    acc.freeNetUsed += size;
    return { receipt: { net_usage: size }, fee: 0n };
  }
  const fee = BigInt(size) * BANDWIDTH_PRICE_SUN;
  acc.balance -= fee;
  return { receipt: { net_fee: Number(fee) }, fee };
}

/** Energy charged for a contract call (see {@linkcode chargeEnergy}). */
export interface EnergyCharge {
  /** Whether the allowance covered the call (else OUT_OF_ENERGY). */
  enough: boolean;
  /** Energy used in all. */
  total: number;
  /** Receipt fields, bandwidth's included, `result` left to the caller. */
  receipt: TxInfo;
  /** Sun burnt in all. */
  fee: bigint;
}

/**
 * Pays `needed` energy of a contract call as java-tron does: from the account's stake first,
 * then by burning TRX within `allowance` sun. Charges the account and returns the receipt
 * fields (bandwidth's included, `result` left to the caller) and the whole fee. When the
 * allowance falls short, all of it is burnt and `enough` is false (OUT_OF_ENERGY).
 */
export function chargeEnergy(
  ledger: Ledger,
  acc: Account,
  needed: number,
  allowance: bigint,
  bandwidth: BandwidthCharge,
): EnergyCharge {
  const staked = Math.max(0, energyLimit(ledger, acc) - acc.energyUsed);
  const burnable = Number(allowance / ENERGY_PRICE_SUN);
  const enough = needed <= staked + burnable;
  const fromStake = enough ? Math.min(staked, needed) : staked;
  const total = enough ? needed : staked + burnable;
  const energyFee = BigInt(total - fromStake) * ENERGY_PRICE_SUN;
  acc.energyUsed += fromStake;
  acc.balance -= energyFee;
  const receipt: TxInfo = {};
  if (fromStake > 0) receipt.energy_usage = fromStake;
  if (energyFee > 0n) receipt.energy_fee = Number(energyFee);
  receipt.energy_usage_total = total;
  Object.assign(receipt, bandwidth.receipt);
  return { enough, total, receipt, fee: energyFee + bandwidth.fee };
}
