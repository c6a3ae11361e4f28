/**
 * `main.ts devnet`: the TON and TRON devnets alone, on fixed ports, until SIGINT/SIGTERM, so a
 * processor on Postgres (or a second instance, or any client) can use them and be restarted
 * while the chains go on. Prints each endpoint, the faucets' keys (devnet-only keys, fixed in
 * the source: they guard nothing) and the processor config section that points at them.
 *
 * Ports: `--ton-port` / `TON_DEVNET_PORT` (default 18081), `--tron-port` / `TRON_DEVNET_PORT`
 * (default 18090), listening on `--host` / `DEVNET_HOST` (default 127.0.0.1).
 */

import { formatTonAddress } from "../plugins/ton/address.ts";
import { devnetJettonAssets } from "../plugins/ton/dev.ts";
import { DEFAULT_FAUCET_MNEMONIC, startTonDevnet } from "../plugins/ton/devnet/server.ts";
import { devnetTrc20Assets } from "../plugins/tron/dev.ts";
import { startTronDevnet } from "../plugins/tron/devnet/server.ts";
import { waitForSignal } from "./runtime.ts";

/** Default TON devnet port (toncenter v2 JSON-RPC at `/jsonRPC`). */
export const DEFAULT_TON_DEVNET_PORT = 18081;
/** Default TRON devnet port (java-tron HTTP API). */
export const DEFAULT_TRON_DEVNET_PORT = 18090;

function port(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[0-9]{1,5}$/.test(value) || Number(value) > 65535) {
    throw new Error(`${name}: must be a port number`);
  }
  return Number(value);
}

/** Runs the devnets until a signal; resolves to the exit status. */
export async function runStandaloneDevnets(
  options: ReadonlyMap<string, string>,
  env: Record<string, string | undefined>,
): Promise<number> {
  let tonPort: number;
  let tronPort: number;
  try {
    tonPort = port(
      "--ton-port",
      options.get("--ton-port") ?? env.TON_DEVNET_PORT,
      DEFAULT_TON_DEVNET_PORT,
    );
    tronPort = port(
      "--tron-port",
      options.get("--tron-port") ?? env.TRON_DEVNET_PORT,
      DEFAULT_TRON_DEVNET_PORT,
    );
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const hostname = options.get("--host") ?? env.DEVNET_HOST ?? "127.0.0.1";
  const ton = await startTonDevnet({ port: tonPort, hostname, blockIntervalMs: 1000 });
  const tron = await startTronDevnet({ port: tronPort, hostname, blockIntervalMs: 1000 });
  const config = {
    network: "devnet",
    ton: {
      endpoint: ton.endpoint,
      dnsRoot: formatTonAddress(ton.dnsRoot, "devnet", true),
      rps: 1000,
      assets: { TON: { decimals: 9 }, ...devnetJettonAssets(ton) },
    },
    tron: {
      endpoint: tron.endpoint,
      assets: { TRX: { decimals: 6 }, ...devnetTrc20Assets(tron) },
    },
  };
  console.log([
    "",
    "Devnets running (state in memory, as long as this process; a block every second).",
    `  TON  toncenter v2: ${ton.endpoint}`,
    `       faucet wallet: ${formatTonAddress(ton.faucetAddress, "devnet", false)}`,
    `       faucet mnemonic: ${DEFAULT_FAUCET_MNEMONIC.join(" ")}`,
    `  TRON java-tron HTTP: ${tron.endpoint}`,
    `       faucet account: ${tron.faucet.address}`,
    `       faucet private key: ${tron.faucet.privateKey}`,
    "",
    "The faucet keys are fixed devnet keys, printed for clients to fund from; never use them",
    "elsewhere. Processor config for these devnets (add mnemonics and api.tokens):",
    JSON.stringify(config, null, 2),
    "",
  ].join("\n"));
  await waitForSignal();
  await ton.close();
  await tron.close();
  return 0;
}
