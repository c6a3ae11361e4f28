/**
 * The EVM node in a child process of its own. EDR keeps process-wide state (one `EdrContext`
 * per process, callbacks bound to the JavaScript runtime that made them), while Deno runs
 * `deno test --parallel` modules as runtimes of one process: two devnets there, or one
 * outliving its module, crashed the process (SIGSEGV). A child per node has one context and
 * one runtime for its life. A standalone binary (`deno compile`) cannot run this script, and
 * runs only the one devnet of dev mode, so it keeps the node in process.
 *
 * The child reads its options as one JSON line on stdin, creates the node, serves its calls
 * as `POST {method, params}` → `RpcAnswer` on 127.0.0.1, prints `{port, info}` as one line on
 * stdout, and exits when its stdin closes: when the parent lets it go or dies, however.
 *
 * @module
 */

import {
  type EvmNode,
  type EvmNodeInfo,
  type EvmNodeOptions,
  evmNodeOver,
  type RpcAnswer,
} from "./node.ts";

/** Options as they cross the pipe: bigints as decimal strings. */
type WireOptions =
  & Omit<EvmNodeOptions, "chainId" | "blockGasLimit" | "initialBaseFeePerGas" | "accounts">
  & {
    chainId: string;
    blockGasLimit?: string;
    initialBaseFeePerGas?: string;
    accounts: { address: string; privateKey: string; balance: string }[];
  };

function toWire(options: EvmNodeOptions): WireOptions {
  return {
    hardfork: options.hardfork,
    chainId: options.chainId.toString(),
    blockGasLimit: options.blockGasLimit?.toString(),
    initialBaseFeePerGas: options.initialBaseFeePerGas?.toString(),
    chainType: options.chainType,
    accounts: options.accounts.map((a) => ({ ...a, balance: a.balance.toString() })),
  };
}

function fromWire(wire: WireOptions): EvmNodeOptions {
  const big = (v: string | undefined) => v === undefined ? undefined : BigInt(v);
  return {
    hardfork: wire.hardfork,
    chainId: BigInt(wire.chainId),
    blockGasLimit: big(wire.blockGasLimit),
    initialBaseFeePerGas: big(wire.initialBaseFeePerGas),
    chainType: wire.chainType,
    accounts: wire.accounts.map((a) => ({ ...a, balance: BigInt(a.balance) })),
  };
}

/** Reads one line of `stream`; the reader stays locked to the caller. */
async function firstLine(
  reader: ReadableStreamDefaultReader<string>,
): Promise<string> {
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  return text.split("\n")[0];
}

/**
 * Starts a node: in a child process, or in this one when this is a standalone binary (see the
 * module notes).
 */
export async function startEvmNode(options: EvmNodeOptions): Promise<EvmNode> {
  if (Deno.build.standalone) return await (await import("./edr_node.ts")).createEvmNode(options);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-env",
      "--allow-net=127.0.0.1",
      "--allow-ffi",
      import.meta.url,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const stdin = child.stdin.getWriter();
  await stdin.write(new TextEncoder().encode(JSON.stringify(toWire(options)) + "\n"));
  const stdout = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const line = await firstLine(stdout);
  if (!line) {
    const status = await child.status;
    throw new Error(`the EVM node process exited before it listened (${JSON.stringify(status)})`);
  }
  stdout.releaseLock();
  child.stdout.cancel().catch(() => {});
  const { port, info } = JSON.parse(line) as {
    port: number;
    info: EvmNodeInfo & { chainId: string };
  };
  const url = `http://127.0.0.1:${port}/`;
  let closed: Promise<void> | null = null;
  return evmNodeOver(
    { ...info, chainId: BigInt(info.chainId) },
    async (method, params) => {
      const response = await fetch(url, {
        method: "POST",
        body: JSON.stringify({ method, params }),
      });
      if (!response.ok) throw new Error(`the EVM node process answered ${response.status}`);
      return await response.json() as RpcAnswer;
    },
    () =>
      closed ??= (async () => {
        await stdin.close().catch(() => {});
        await child.status;
      })(),
  );
}

/** The child's side: one node, served until stdin closes. */
async function serveNode(): Promise<void> {
  const input = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
  const { createEvmNode } = await import("./edr_node.ts");
  const node = await createEvmNode(fromWire(JSON.parse(await firstLine(input))));
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const { method, params } = await req.json() as { method: string; params: unknown[] };
    return Response.json(await node.send(method, params));
  });
  const info = { chainId: node.chainId.toString(), hardfork: node.hardfork, eip1559: node.eip1559 };
  console.log(JSON.stringify({ port: server.addr.port, info }));
  while (!(await input.read()).done) { /* the parent writes nothing more */ }
  Deno.exit(0);
}

if (import.meta.main) await serveNode();
