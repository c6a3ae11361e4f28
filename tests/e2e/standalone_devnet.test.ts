/**
 * `main.ts devnet` and a processor as separate processes, as an operator runs them: the
 * processor started from `config.devnet.example.json` (endpoints, mnemonic files and data
 * directory from the environment) serves the exchange and the merchant API against the
 * standalone devnets, is ready once both chains are synced, and keeps its addresses and its
 * place on the chains across a restart while the devnets run on.
 */

import assert from "node:assert/strict";
import { mnemonicNew } from "@ton/crypto";
import { englishWordlist, generateMnemonic } from "../../plugins/tron/deps.ts";
import { signedFetch } from "../support/merchant_client.ts";
import { until } from "../support/waiting.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const TOKEN = "standalone-token-0123456789";

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A child process whose output is collected, with a way to wait for a line. */
function spawn(args: string[], env: Record<string, string>) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, ...args],
    cwd: ROOT,
    env: { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) output += chunk;
  };
  const done = Promise.all([collect(child.stdout), collect(child.stderr)]);
  return {
    output: () => output,
    async stop(): Promise<Deno.CommandStatus> {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      const status = await child.status;
      await done;
      return status;
    },
  };
}

async function get(url: string, token: string | null = TOKEN): Promise<Response> {
  return await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
}

Deno.test({
  name:
    "a processor started from the devnet example config serves both APIs against main.ts devnet, across a restart",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "standalone-" });
    const tonPort = freePort();
    const tronPort = freePort();
    const devnet = spawn(
      ["devnet", "--ton-port", String(tonPort), "--tron-port", String(tronPort)],
      {},
    );
    let processor: ReturnType<typeof spawn> | null = null;
    try {
      await until(
        "the devnets",
        () =>
          Promise.resolve(
            devnet.output().includes("Processor config for these devnets") &&
              devnet.output().trimEnd().endsWith("}")
              ? true
              : null,
          ),
        120_000,
      );
      // The printed section points at these devnets and holds what the example holds.
      const printed = JSON.parse(devnet.output().slice(devnet.output().indexOf("\n{") + 1));
      const example = JSON.parse(await Deno.readTextFile(`${ROOT}config.devnet.example.json`));
      assert.equal(printed.ton.endpoint, `http://127.0.0.1:${tonPort}/jsonRPC`);
      assert.equal(printed.tron.endpoint, `http://127.0.0.1:${tronPort}`);
      assert.equal(printed.ton.dnsRoot, example.ton.dnsRoot);
      for (const code of ["USDT_TON", "TGR"]) {
        assert.equal(printed.ton.assets[code].contract, example.ton.assets[code].contract, code);
      }
      assert.equal(
        printed.tron.assets.USDT_TRC20.contract,
        example.tron.assets.USDT_TRC20.contract,
      );
      assert.match(devnet.output(), /faucet mnemonic: (\w+ ){23}\w+/);
      assert.match(devnet.output(), /faucet private key: [0-9a-f]{64}/);

      await Deno.writeTextFile(`${dir}/ton`, (await mnemonicNew()).join(" "));
      await Deno.writeTextFile(`${dir}/tron`, generateMnemonic(englishWordlist, 256));
      const apiPort = freePort();
      const env = {
        API_TOKEN: TOKEN,
        API_PORT: String(apiPort),
        DATA_DIR: `${dir}/db`,
        TON_ENDPOINT: printed.ton.endpoint,
        TRON_ENDPOINT: printed.tron.endpoint,
        TON_MNEMONIC_FILE: `${dir}/ton`,
        TRON_MNEMONIC_FILE: `${dir}/tron`,
      };
      const api = `http://127.0.0.1:${apiPort}`;
      const start = async () => {
        processor = spawn(["--config", "config.devnet.example.json"], env);
        await until("the processor ready", async () => {
          const r = await get(`${api}/readyz`, null).catch(() => null);
          if (!r) return null;
          await r.body?.cancel();
          return r.status === 200 ? true : null;
        }, 120_000);
      };
      await start();

      const address = await (await fetch(`${api}/v1/address/new`, {
        method: "POST",
        headers: { Authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ user_id: "42", currency: "USDT_TRC20" }),
      })).json();
      assert.match(address.address, /^T[1-9A-HJ-NP-Za-km-z]{33}$/);
      const site = await (await fetch(`${api}/v1/admin/sites`, {
        method: "POST",
        headers: { Authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ name: "Shop" }),
      })).json();
      const created = await signedFetch(
        api,
        site,
        "POST",
        "/v1/public/deposits",
        JSON.stringify({ orderId: "o-1", assetCode: "TON", expectedAmount: "1.5" }),
      );
      assert.equal(created.status, 201, created.text);
      const sync = await (await get(`${api}/v1/system/sync`, null)).json();
      assert.equal(sync.is_synced, true);
      const chains = (s: { chains: Record<string, { last_block_height: string }> }) =>
        Object.fromEntries(
          Object.entries(s.chains).map(([chain, c]) => [chain, BigInt(c.last_block_height)]),
        );
      const heights = chains(sync);
      assert.deepEqual(Object.keys(heights).sort(), ["ton", "tron"]);

      // Restarted on the same database while the devnets run on: the same addresses and
      // deposits, and synced again on chains that only moved forward.
      const stopped = await processor!.stop();
      assert.equal(stopped.code, 0, processor!.output());
      await start();
      const all = await (await get(`${api}/v1/address/all?user_id=42`)).json();
      assert.deepEqual(all.addresses.map((a: { address: string }) => a.address), [
        address.address,
      ]);
      const again = await signedFetch(
        api,
        site,
        "GET",
        `/v1/public/deposits/${(created.json as { uuid: string }).uuid}`,
      );
      assert.equal(again.status, 200, again.text);
      const later = await (await get(`${api}/v1/system/sync`, null)).json();
      for (const [chain, height] of Object.entries(chains(later))) {
        assert.ok(height >= heights[chain], chain);
      }
    } finally {
      if (processor) await (processor as ReturnType<typeof spawn>).stop();
      await devnet.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
