/**
 * Compiles the devnet's contracts (`contracts/*.sol`, importing `@openzeppelin/contracts`) with
 * solc-js, the Solidity compiler as wasm from npm. Compiling takes seconds, so the devnet deploys
 * the checked-in `artifacts.json` this produces; `tests/plugins/evm/devnet/artifacts.test.ts`
 * checks that file still matches the sources. Regenerate it after editing a contract:
 *
 * ```sh
 * deno run -A plugins/evm/devnet/compile.ts
 * ```
 *
 * @module
 */
import solc from "solc";
// Importing the package (its package.json) puts it in the module graph, so import.meta.resolve
// gives file URLs of its sources in Deno's npm cache.
import openzeppelin from "@openzeppelin/contracts/package.json" with { type: "json" };

/** ABI and creation bytecode of one contract. */
export interface ContractArtifact {
  /** The contract's ABI as solc prints it. */
  abi: readonly unknown[];
  /** Creation bytecode, `0x`-prefixed hex. */
  bytecode: string;
}

/** What `artifacts.json` holds. */
export interface DevnetArtifacts {
  /** solc's full version string. */
  compiler: string;
  /** Version of `@openzeppelin/contracts` the sources imported. */
  openzeppelin: string;
  /** Artifacts by contract name. */
  contracts: Record<string, ContractArtifact>;
}

/** The devnet's contract sources, file names under `contracts/`. */
export const CONTRACT_SOURCES: readonly string[] = [
  "BatchTransfer.sol",
  "DevnetERC20.sol",
  "Forwarder.sol",
  "TetherLikeToken.sol",
];

/** Where `artifacts.json` lives. */
export const ARTIFACTS_URL: URL = new URL("./artifacts.json", import.meta.url);

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts?: Record<
    string,
    Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>
  >;
}

/**
 * Reads an import of a contract: `@openzeppelin/contracts/...` from the npm package (resolved
 * through the import map, so the pinned version), anything else from `contracts/`.
 */
function readImport(path: string): { contents: string } | { error: string } {
  try {
    const url = path.startsWith("@")
      ? new URL(import.meta.resolve(path))
      : new URL(`./contracts/${path}`, import.meta.url);
    return { contents: Deno.readTextFileSync(url) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Compiles every contract of {@link CONTRACT_SOURCES} (optimizer on, EVM version `paris`, so the
 * bytecode has no PUSH0 and runs on every hardfork from London, which the devnet can be set to).
 *
 * @throws Error listing solc's errors when a source does not compile
 */
export function compileDevnetContracts(): DevnetArtifacts {
  const sources: Record<string, { content: string }> = {};
  for (const file of CONTRACT_SOURCES) {
    sources[file] = {
      content: Deno.readTextFileSync(new URL(`./contracts/${file}`, import.meta.url)),
    };
  }
  const input = {
    language: "Solidity",
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "paris",
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
    },
  };
  const output = JSON.parse(
    solc.compile(JSON.stringify(input), { import: readImport }),
  ) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) {
    throw new Error(`solc: ${errors.map((e) => e.formattedMessage).join("\n")}`);
  }
  const contracts: Record<string, ContractArtifact> = {};
  for (const file of CONTRACT_SOURCES) {
    for (const [name, c] of Object.entries(output.contracts?.[file] ?? {})) {
      contracts[name] = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
    }
  }
  return { compiler: String(solc.version()), openzeppelin: openzeppelin.version, contracts };
}

/** `artifacts.json` as written: the artifacts as indented JSON with a final newline. */
export function artifactsText(artifacts: DevnetArtifacts): string {
  return JSON.stringify(artifacts, null, 2) + "\n";
}

if (import.meta.main) {
  await Deno.writeTextFile(ARTIFACTS_URL, artifactsText(compileDevnetContracts()));
  console.log(`wrote ${ARTIFACTS_URL.pathname}`);
}
