/**
 * `main.ts devnet`: every plugin's devnet alone, on fixed ports, until SIGINT/SIGTERM, so a
 * processor on Postgres (or a second instance, or any client) can use them and be restarted
 * while the chains go on. Prints each endpoint, the faucets' keys (devnet-only keys, fixed in
 * the source: they guard nothing) and the processor config section that points at them.
 *
 * Ports: `--<plugin>-port` / `<PLUGIN>_DEVNET_PORT` (default: each devnet module's own, e.g.
 * 18081 and 18090), listening on `--host` / `DEVNET_HOST` (default 127.0.0.1).
 */

import type { InstanceSection, RunningDevnet } from "../core/plugin.ts";
import { registry } from "./registry.ts";
import { waitForSignal } from "./runtime.ts";

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
  const ports = new Map<string, number>();
  try {
    for (const module of registry.modules) {
      if (!module.devnet) continue;
      const flag = `--${module.name}-port`;
      const envName = `${module.name.toUpperCase()}_DEVNET_PORT`;
      ports.set(
        module.name,
        port(flag, options.get(flag) ?? env[envName], module.devnet.defaultPort),
      );
    }
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const hostname = options.get("--host") ?? env.DEVNET_HOST ?? "127.0.0.1";
  const devnets = new Map<string, RunningDevnet<InstanceSection>>();
  for (const module of registry.modules) {
    if (!module.devnet) continue;
    devnets.set(
      module.name,
      await module.devnet.start({ port: ports.get(module.name), hostname, blockIntervalMs: 1000 }),
    );
  }
  const config: Record<string, unknown> = { network: "devnet" };
  const lines: string[] = [];
  for (const [name, devnet] of devnets) {
    config[name] = devnet.section();
    const facts = Object.entries(devnet.describe());
    for (const [i, [what, value]] of facts.entries()) {
      lines.push(`  ${i === 0 ? name.toUpperCase().padEnd(5) : "     "}${what}: ${value}`);
    }
  }
  console.log([
    "",
    "Devnets running (state in memory, as long as this process; a block every second).",
    ...lines,
    "",
    "The faucet keys are fixed devnet keys, printed for clients to fund from; never use them",
    "elsewhere. Processor config for these devnets (add mnemonics and api.tokens):",
    JSON.stringify(config, null, 2),
    "",
  ].join("\n"));
  await waitForSignal();
  for (const devnet of devnets.values()) await devnet.stop();
  return 0;
}
