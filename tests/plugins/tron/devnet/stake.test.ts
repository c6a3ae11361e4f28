import assert from "node:assert/strict";
import { hex } from "../../../../plugins/tron/deps.ts";
import { signTronTx } from "../../../../plugins/tron/transaction.ts";
import { tronHexFromAddress } from "../../../../plugins/tron/address.ts";
import { type TronDevnet } from "../../../../plugins/tron/devnet/server.ts";
import {
  NETWORK_ENERGY_WEIGHT,
  TOTAL_ENERGY_LIMIT,
} from "../../../../plugins/tron/devnet/resources.ts";
import { encodeRawData, type RawDataJson } from "../../../../plugins/tron/devnet/protobuf.ts";
import { TronWeb } from "./tronweb.ts";
import { message, post, testKey, type Tx, withDevnet } from "./helpers.ts";

const TRX = 1_000_000;

/** Energy a stake of `trx` whole TRX gives when the devnet's accounts stake `staked` TRX in all. */
function energyOf(trx: number, staked: number): number {
  return Math.trunc(trx * (TOTAL_ENERGY_LIMIT / (NETWORK_ENERGY_WEIGHT + staked)));
}

type Json = Record<string, unknown>;

/** The devnet's protobuf encoding of a transaction's raw_data (tronweb's own is raw_data_hex). */
function ourRawHex(tx: { raw_data: unknown }): string {
  return hex.encode(encodeRawData(tx.raw_data as RawDataJson));
}

async function account(d: TronDevnet, address: string): Promise<Json> {
  return await post(d.endpoint, "/wallet/getaccount", { address, visible: true });
}

async function resources(d: TronDevnet, address: string): Promise<Json> {
  return await post(d.endpoint, "/wallet/getaccountresource", { address, visible: true });
}

async function info(d: TronDevnet, txid: string): Promise<Json> {
  return await post(d.endpoint, "/wallet/gettransactioninfobyid", { value: txid });
}

/**
 * A system contract's info as java-tron gives it: bandwidth only (from stake or
 * the free allowance as `net_usage`, or burnt as `net_fee`, which is then the
 * whole fee), no energy, no logs.
 */
function assertSystemInfo(txInfo: Json): void {
  assert.deepEqual(
    Object.keys(txInfo).filter((k) => k !== "fee").sort(),
    ["blockNumber", "blockTimeStamp", "contractResult", "id", "receipt"],
  );
  assert.deepEqual(txInfo.contractResult, [""]);
  const receipt = txInfo.receipt as Json;
  const keys = Object.keys(receipt);
  assert.ok(
    keys.length === 1 && (keys[0] === "net_usage" || keys[0] === "net_fee"),
    JSON.stringify(receipt),
  );
  assert.equal(Number(txInfo.fee ?? 0), Number(receipt.net_fee ?? 0));
}

type SignInput = Parameters<TronWeb["trx"]["sign"]>[0];
type BroadcastInput = Parameters<TronWeb["trx"]["sendRawTransaction"]>[0];

/** Signs `tx` with tronweb (which re-encodes it and checks txID) and broadcasts it. */
async function signAndSend(web: TronWeb, tx: unknown): Promise<Json> {
  const signed = await web.trx.sign(tx as SignInput);
  return await web.trx.sendRawTransaction(signed as BroadcastInput) as unknown as Json;
}

/** A TRC20 `transfer` built, signed and broadcast by tronweb; resolves with the txid. */
async function trc20(
  web: TronWeb,
  d: TronDevnet,
  from: string,
  to: string,
  amount: number,
): Promise<string> {
  const { transaction } = await web.transactionBuilder.triggerSmartContract(
    d.tokens.USDT_TRC20,
    "transfer(address,uint256)",
    { feeLimit: 100_000_000 },
    [{ type: "address", value: to }, { type: "uint256", value: amount }],
    from,
  );
  const res = await signAndSend(web, transaction);
  assert.equal(res.result, true, JSON.stringify(res));
  return transaction.txID;
}

Deno.test("stake: freeze, delegate, spend delegated energy, undelegate, burn again (tronweb)", async () => {
  await withDevnet(async (d) => {
    const faucet = new TronWeb({ fullHost: d.endpoint, privateKey: d.faucet.privateKey });
    const alice = testKey("alice");
    const bob = testKey("bob");
    const aliceWeb = new TronWeb({ fullHost: d.endpoint, privateKey: alice.privateKey });
    await d.faucetTrx(alice.address, BigInt(50 * TRX));
    await d.faucetToken("USDT_TRC20", alice.address, 10_000_000n);
    await d.faucetToken("USDT_TRC20", bob.address, 1n);
    d.produceBlock();

    // Freeze 2,000 TRX for energy: tronweb builds the contract itself.
    const freeze = await faucet.transactionBuilder.freezeBalanceV2(
      2_000 * TRX,
      "ENERGY",
      d.faucet.address,
    );
    assert.equal(ourRawHex(freeze), freeze.raw_data_hex);
    const faucetBefore = Number((await account(d, d.faucet.address)).balance);
    const frozen = await signAndSend(faucet, freeze);
    assert.equal(frozen.result, true, JSON.stringify(frozen));
    d.produceBlock();
    const freezeInfo = await info(d, freeze.txID);
    assertSystemInfo(freezeInfo);
    const freezeFee = Number(freezeInfo.fee ?? 0);
    const byId = await post(d.endpoint, "/wallet/gettransactionbyid", { value: freeze.txID });
    assert.deepEqual(byId.ret, [{ contractRet: "SUCCESS" }]);
    const faucetAcc = await account(d, d.faucet.address);
    assert.equal(faucetAcc.balance, faucetBefore - 2_000 * TRX - freezeFee);
    assert.deepEqual(faucetAcc.frozenV2, [{}, { type: "ENERGY", amount: 2_000 * TRX }, {
      type: "TRON_POWER",
    }]);
    const faucetRes = await faucet.trx.getAccountResources(d.faucet.address) as unknown as Json;
    assert.equal(faucetRes.TotalEnergyWeight, NETWORK_ENERGY_WEIGHT + 2_000);
    assert.equal(faucetRes.TotalEnergyLimit, TOTAL_ENERGY_LIMIT);
    assert.equal(faucetRes.EnergyLimit, energyOf(2_000, 2_000));
    assert.equal(faucetRes.tronPowerLimit, 2_000);

    // Delegate 1,500 TRX of it to alice: about 150k energy, enough for a 130k transfer.
    const delegate = await faucet.transactionBuilder.delegateResource(
      1_500 * TRX,
      alice.address,
      "ENERGY",
      d.faucet.address,
    );
    assert.equal(ourRawHex(delegate), delegate.raw_data_hex);
    const delegated = await signAndSend(faucet, delegate);
    assert.equal(delegated.result, true, JSON.stringify(delegated));
    d.produceBlock();
    assertSystemInfo(await info(d, delegate.txID));
    const aliceRes = await aliceWeb.trx.getAccountResources(alice.address) as unknown as Json;
    assert.equal(aliceRes.EnergyLimit, energyOf(1_500, 2_000));
    assert.equal(aliceRes.EnergyUsed, undefined);
    const aliceAcc = await account(d, alice.address);
    assert.deepEqual(aliceAcc.account_resource, {
      acquired_delegated_frozenV2_balance_for_energy: 1_500 * TRX,
    });
    const owner = await account(d, d.faucet.address);
    assert.deepEqual(owner.account_resource, {
      delegated_frozenV2_balance_for_energy: 1_500 * TRX,
    });
    assert.deepEqual((owner.frozenV2 as Json[])[1], { type: "ENERGY", amount: 500 * TRX });
    assert.equal((await resources(d, d.faucet.address)).EnergyLimit, energyOf(500, 2_000));
    const records = await faucet.trx.getDelegatedResourceV2(d.faucet.address, alice.address);
    assert.deepEqual(records, {
      delegatedResource: [{
        from: tronHexFromAddress(d.faucet.address),
        to: alice.hex,
        frozen_balance_for_energy: 1_500 * TRX,
      }],
    });
    const max = await faucet.trx.getCanDelegatedMaxSize(d.faucet.address, "ENERGY");
    assert.equal(max.max_size, 500 * TRX);
    const index = await post(d.endpoint, "/wallet/getdelegatedresourceaccountindexv2", {
      value: alice.address,
      visible: true,
    });
    assert.deepEqual(index, { account: alice.address, fromAccounts: [d.faucet.address] });

    // Alice's transfer to a new holder (130k energy) burns no TRX for energy.
    const carol = testKey("carol");
    const aliceTrx = Number(aliceAcc.balance);
    const first = await trc20(aliceWeb, d, alice.address, carol.address, 1_000);
    d.produceBlock();
    const firstInfo = await info(d, first);
    const receipt = firstInfo.receipt as Json;
    assert.equal(receipt.result, "SUCCESS");
    assert.equal(receipt.energy_usage, 130_000);
    assert.equal(receipt.energy_usage_total, 130_000);
    assert.equal(receipt.energy_fee, undefined);
    assert.equal(firstInfo.fee ?? 0, receipt.net_fee ?? 0);
    assert.equal(
      Number((await account(d, alice.address)).balance),
      aliceTrx - Number(firstInfo.fee ?? 0),
    );
    assert.equal((await resources(d, alice.address)).EnergyUsed, 130_000);

    // Undelegating returns the stake to the owner, with the energy alice used.
    const undelegate = await faucet.transactionBuilder.undelegateResource(
      1_500 * TRX,
      alice.address,
      "ENERGY",
      d.faucet.address,
    );
    assert.equal(ourRawHex(undelegate), undelegate.raw_data_hex);
    const undelegated = await signAndSend(faucet, undelegate);
    assert.equal(undelegated.result, true, JSON.stringify(undelegated));
    d.produceBlock();
    assertSystemInfo(await info(d, undelegate.txID));
    const aliceAfter = await resources(d, alice.address);
    assert.equal(aliceAfter.EnergyLimit, undefined);
    assert.equal(aliceAfter.EnergyUsed, undefined);
    assert.deepEqual((await account(d, alice.address)).account_resource, {});
    const ownerAfter = await account(d, d.faucet.address);
    assert.deepEqual((ownerAfter.frozenV2 as Json[])[1], { type: "ENERGY", amount: 2_000 * TRX });
    assert.deepEqual(ownerAfter.account_resource, { energy_usage: 130_000 });
    assert.deepEqual(
      await faucet.trx.getDelegatedResourceV2(d.faucet.address, alice.address),
      {},
    );
    const ownerRes = await resources(d, d.faucet.address);
    assert.equal(ownerRes.EnergyLimit, energyOf(2_000, 2_000));
    assert.equal(ownerRes.EnergyUsed, 130_000);
    // Used energy priced back in stake: about 1,300 of the 2,000 TRX are not delegable today.
    const maxAfter = Number(
      (await faucet.trx.getCanDelegatedMaxSize(d.faucet.address, "ENERGY")).max_size,
    );
    assert.ok(maxAfter > 699 * TRX && maxAfter < 700 * TRX, String(maxAfter));

    // Without the delegation the next transfer burns 420 sun per energy.
    const second = await trc20(aliceWeb, d, alice.address, bob.address, 1_000);
    d.produceBlock();
    const secondInfo = await info(d, second);
    const receipt2 = secondInfo.receipt as Json;
    assert.equal(receipt2.result, "SUCCESS");
    assert.equal(receipt2.energy_usage, undefined);
    assert.equal(receipt2.energy_fee, 65_000 * 420);
    assert.equal(secondInfo.fee, 65_000 * 420 + Number(receipt2.net_fee ?? 0));
  });
});

Deno.test("stake: node-built stake transactions pass tronweb's checks", async () => {
  await withDevnet(async (d) => {
    const faucet = new TronWeb({ fullHost: d.endpoint, privateKey: d.faucet.privateKey });
    const alice = testKey("alice");
    await d.faucetTrx(alice.address, BigInt(5 * TRX));
    d.produceBlock();
    // visible: true answers base58 addresses, visible: false hex; tronweb's sign
    // re-encodes raw_data either way and refuses a mismatch with txID.
    const freeze = await post(d.endpoint, "/wallet/freezebalancev2", {
      owner_address: d.faucet.address,
      frozen_balance: 1_000 * TRX,
      resource: "ENERGY",
      visible: true,
    }) as unknown as Tx & { visible: boolean };
    assert.equal(freeze.visible, true);
    assert.deepEqual(freeze.raw_data.contract[0].parameter.value, {
      owner_address: d.faucet.address,
      frozen_balance: 1_000 * TRX,
      resource: "ENERGY",
    });
    assert.equal((await signAndSend(faucet, freeze)).result, true);
    d.produceBlock();
    const delegate = await post(d.endpoint, "/wallet/delegateresource", {
      owner_address: tronHexFromAddress(d.faucet.address),
      receiver_address: alice.hex,
      balance: 100 * TRX,
      resource: "ENERGY",
      lock: true,
      lock_period: 100,
    }) as unknown as Tx;
    assert.deepEqual(delegate.raw_data.contract[0].parameter.value, {
      owner_address: tronHexFromAddress(d.faucet.address),
      resource: "ENERGY",
      balance: 100 * TRX,
      receiver_address: alice.hex,
      lock: true,
      lock_period: 100,
    });
    assert.equal((await signAndSend(faucet, delegate)).result, true);
    d.produceBlock();
    const [record] = (await post(d.endpoint, "/wallet/getdelegatedresourcev2", {
      fromAddress: d.faucet.address,
      toAddress: alice.address,
      visible: true,
    })).delegatedResource as Json[];
    assert.equal(record.frozen_balance_for_energy, 100 * TRX);
    assert.ok(Number(record.expire_time_for_energy) > Date.now() + 200_000);

    // Locked for 100 blocks (300 s): undelegating now is refused, at build and at broadcast.
    const early = await post(d.endpoint, "/wallet/undelegateresource", {
      owner_address: d.faucet.address,
      receiver_address: alice.address,
      balance: 100 * TRX,
      resource: "ENERGY",
      visible: true,
    });
    assert.match(
      String(early.Error),
      /insufficient delegateFrozenBalance\(Energy\), request=100000000, unlock_balance=0/,
    );
    const undelegate = await faucet.transactionBuilder.undelegateResource(
      100 * TRX,
      alice.address,
      "ENERGY",
      d.faucet.address,
    );
    const refused = await signAndSend(faucet, undelegate);
    assert.equal(refused.code, "CONTRACT_VALIDATE_ERROR");
    assert.match(message(refused.message), /^contract validate error : insufficient/);
  });
});

Deno.test("stake: refused delegations and forged delegate transactions", async () => {
  await withDevnet(async (d) => {
    const faucet = new TronWeb({ fullHost: d.endpoint, privateKey: d.faucet.privateKey });
    const alice = testKey("alice");
    const mallory = testKey("mallory");
    const nobody = testKey("nobody");
    await d.faucetTrx(alice.address, BigInt(5 * TRX));
    await d.faucetTrx(mallory.address, BigInt(5 * TRX));
    const freeze = await faucet.transactionBuilder.freezeBalanceV2(
      1_000 * TRX,
      "ENERGY",
      d.faucet.address,
    );
    assert.equal((await signAndSend(faucet, freeze)).result, true);
    d.produceBlock();
    const faucetHex = tronHexFromAddress(d.faucet.address);

    // To an address that was never activated: java-tron's "not exists".
    const toNobody = await faucet.transactionBuilder.delegateResource(
      10 * TRX,
      nobody.address,
      "ENERGY",
      d.faucet.address,
    );
    const r1 = await signAndSend(faucet, toNobody);
    assert.notEqual(r1.result, true);
    assert.equal(r1.code, "CONTRACT_VALIDATE_ERROR");
    assert.equal(
      message(r1.message),
      `contract validate error : Account[${nobody.hex}] not exists`,
    );

    // More than the undelegated stake.
    const tooMuch = await faucet.transactionBuilder.delegateResource(
      1_001 * TRX,
      alice.address,
      "ENERGY",
      d.faucet.address,
    );
    const r2 = await signAndSend(faucet, tooMuch);
    assert.equal(r2.code, "CONTRACT_VALIDATE_ERROR");
    assert.match(message(r2.message), /delegateBalance must be less than available FreezeEnergyV2/);
    const built = await post(d.endpoint, "/wallet/delegateresource", {
      owner_address: d.faucet.address,
      receiver_address: alice.address,
      balance: 1_001 * TRX,
      resource: "ENERGY",
      visible: true,
    });
    assert.match(String(built.Error), /delegateBalance must be less than available/);
    // Nothing staked for bandwidth at all.
    const bandwidth = await faucet.transactionBuilder.delegateResource(
      10 * TRX,
      alice.address,
      "BANDWIDTH",
      d.faucet.address,
    );
    const r3 = await signAndSend(faucet, bandwidth);
    assert.match(message(r3.message), /available FreezeBandwidthV2 balance/);

    // A good delegation with its amount raised after signing: the signature no longer matches.
    const good = await faucet.transactionBuilder.delegateResource(
      10 * TRX,
      alice.address,
      "ENERGY",
      d.faucet.address,
    );
    const signed = await faucet.trx.sign(good);
    const tampered = structuredClone(signed);
    tampered.raw_data.contract[0].parameter.value.balance = 900 * TRX;
    const r4 = await faucet.trx.sendRawTransaction(tampered);
    assert.equal(r4.code, "SIGERROR");
    // Redirected to mallory, same signature.
    const redirected = structuredClone(signed);
    redirected.raw_data.contract[0].parameter.value.receiver_address = mallory.hex;
    assert.equal((await faucet.trx.sendRawTransaction(redirected)).code, "SIGERROR");
    // Signed by mallory instead of the owner (tronweb itself refuses to, so sign by hand).
    const forged = { ...good, signature: [signTronTx(good.raw_data_hex, mallory.privateKey)] };
    const r5 = await post(d.endpoint, "/wallet/broadcasttransaction", forged);
    assert.equal(r5.code, "SIGERROR");
    assert.match(message(r5.message), new RegExp(`${faucetHex} is signed by ${mallory.hex}`));
    d.produceBlock();
    assert.deepEqual(
      await post(d.endpoint, "/wallet/getdelegatedresourcev2", {
        fromAddress: d.faucet.address,
        toAddress: alice.address,
      }),
      {},
    );
    assert.equal((await resources(d, alice.address)).EnergyLimit, undefined);
    assert.equal((await resources(d, mallory.address)).EnergyLimit, undefined);

    // The untampered one still goes through.
    assert.equal((await faucet.trx.sendRawTransaction(signed)).result, true);
    d.produceBlock();
    assert.equal((await resources(d, alice.address)).EnergyLimit, energyOf(10, 1_000));
  });
});

Deno.test("stake: freeze validation and staked bandwidth", async () => {
  await withDevnet(async (d) => {
    const alice = testKey("alice");
    const bob = testKey("bob");
    await d.faucetTrx(alice.address, BigInt(3 * TRX));
    d.produceBlock();
    const tooMuch = await post(d.endpoint, "/wallet/freezebalancev2", {
      owner_address: alice.address,
      frozen_balance: 4 * TRX,
      visible: true,
    });
    assert.match(String(tooMuch.Error), /frozenBalance must be less than accountBalance/);
    const tooLittle = await post(d.endpoint, "/wallet/freezebalancev2", {
      owner_address: alice.address,
      frozen_balance: 999_999,
      visible: true,
    });
    assert.match(String(tooLittle.Error), /frozenBalance must be more than 1TRX/);
    const power = await post(d.endpoint, "/wallet/freezebalancev2", {
      owner_address: alice.address,
      frozen_balance: TRX,
      resource: "TRON_POWER",
      visible: true,
    });
    assert.match(String(power.Error), /ResourceCode error/);

    // 2,000 TRX for bandwidth (no resource field: BANDWIDTH is the default).
    const web = new TronWeb({ fullHost: d.endpoint, privateKey: d.faucet.privateKey });
    const freeze = await web.transactionBuilder.freezeBalanceV2(2_000 * TRX, "BANDWIDTH");
    assert.equal(freeze.raw_data.contract[0].parameter.value.resource, undefined);
    assert.equal((await signAndSend(web, freeze)).result, true);
    d.produceBlock();
    const res = await resources(d, d.faucet.address);
    assert.equal(res.NetLimit, 1_999);
    assert.equal(res.TotalNetWeight, 43_200_002_000);
    const acc = await account(d, d.faucet.address);
    assert.deepEqual((acc.frozenV2 as Json[])[0], { amount: 2_000 * TRX });
    // Staked bandwidth pays before the free allowance, and pays for an activation.
    const free = Number(res.freeNetUsed ?? 0);
    const sent = await web.trx.sendTransaction(bob.address, TRX);
    assert.equal(sent.result, true);
    d.produceBlock();
    const sentInfo = await info(d, sent.transaction.txID);
    assert.equal(sentInfo.fee, 1_000_000);
    const used = Number((sentInfo.receipt as Json).net_usage);
    assert.ok(used > 100);
    const after = await resources(d, d.faucet.address);
    assert.equal(after.NetUsed, used);
    assert.equal(Number(after.freeNetUsed ?? 0), free);
    assert.equal((await account(d, d.faucet.address)).net_usage, used);
  });
});
