/**
 * Shared helpers for the EVM devnet tests: a viem client on the devnet's HTTP endpoint, test
 * accounts, and signed transactions sent as any wallet would.
 *
 * @module
 */
import {
  createPublicClient,
  defineChain,
  type Hex,
  http,
  keccak256,
  type PublicClient,
  stringToHex,
} from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { type EvmDevnet, startEvmDevnet } from "../../../../plugins/evm/devnet/server.ts";

/** A deterministic test account for a label. */
export function testAccount(label: string): PrivateKeyAccount {
  return privateKeyToAccount(keccak256(stringToHex(`test:${label}`)));
}

/** A viem public client on the devnet's endpoint (no retries, so faults show; no cache). */
export function clientOf(devnet: EvmDevnet): PublicClient {
  const chain = defineChain({
    id: devnet.chainId,
    name: "devnet",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [devnet.endpoint] } },
  });
  return createPublicClient({
    chain,
    cacheTime: 0,
    transport: http(devnet.endpoint, { retryCount: 0 }),
  });
}

/** Starts a devnet without the block timer, runs `fn`, closes it. */
export async function withDevnet(
  fn: (devnet: EvmDevnet, client: PublicClient) => Promise<void>,
  options: Parameters<typeof startEvmDevnet>[0] = {},
): Promise<void> {
  const devnet = await startEvmDevnet({ blockIntervalMs: 0, ...options });
  try {
    await fn(devnet, clientOf(devnet));
  } finally {
    await devnet.close();
  }
}

/**
 * Signs an EIP-1559 transaction of `account` (nonce and fees from the node) and broadcasts it
 * over HTTP with `eth_sendRawTransaction`; resolves with the hash the node answered.
 */
export async function sendSigned(
  client: PublicClient,
  account: PrivateKeyAccount,
  tx: { to: Hex; value?: bigint; data?: Hex; gas?: bigint; nonce?: number },
): Promise<{ hash: Hex; raw: Hex }> {
  const nonce = tx.nonce ??
    await client.getTransactionCount({ address: account.address, blockTag: "pending" });
  const fees = await client.estimateFeesPerGas();
  const gas = tx.gas ??
    await client.estimateGas({
      account: account.address,
      to: tx.to,
      value: tx.value,
      data: tx.data,
    });
  const raw = await account.signTransaction({
    chainId: client.chain!.id,
    type: "eip1559",
    nonce,
    to: tx.to,
    value: tx.value ?? 0n,
    data: tx.data,
    gas,
    maxFeePerGas: fees.maxFeePerGas,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
  });
  const hash = await client.sendRawTransaction({ serializedTransaction: raw });
  return { hash, raw };
}

/** Posts one JSON-RPC call to the endpoint; resolves with the HTTP status and parsed body. */
export async function rpc(
  devnet: EvmDevnet,
  method: string,
  params: unknown[] = [],
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(devnet.endpoint, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return { status: res.status, body: await res.json() };
}
