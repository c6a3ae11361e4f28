/**
 * A tiny chain added the way an integrator adds one: a plugin module (config section, env
 * names, explorers, factory, devnet) registered through `createRegistry` alone, with nothing
 * in `core/` or `api/` knowing it. Its devnet is an in-memory ledger: a faucet payment is a
 * block with one transfer; addresses are 4–48 upper-case letters or digits (canonical form
 * `stub:<lower case>`), deposit `n` is `DEP<n>` of the secret, the hot wallet `HOT<secret>`.
 * It pays no withdrawals: its sender refuses to build, so they wait in the queue.
 *
 * @module
 */

import { z } from "zod";
import { DEFAULT_MAX_WITHDRAWAL } from "../../../core/asset.ts";
import { assetSchema } from "../../../core/config.ts";
import { expiresOnChain } from "../../../core/payload_lifecycle.ts";
import type {
  ChainPlugin,
  DevnetModule,
  IncomeEvent,
  InstanceSection,
  PluginModule,
  RunningDevnet,
} from "../../../core/plugin.ts";

/** A validated stub section. */
export interface StubSection extends InstanceSection {
  readonly enabled: boolean;
  /** Which in-memory ledger: `stub://<n>`, as its devnet gives it. */
  readonly endpoint?: string;
  /** The hot wallet's secret: any upper-case word. */
  readonly mnemonic?: string;
}

const stubSchema: z.ZodType<StubSection> = z.object({
  enabled: z.boolean().default(true),
  endpoint: z.string().startsWith("stub://").optional(),
  mnemonic: z.string().regex(/^[A-Z0-9]{1,20}$/).optional(),
  assets: z.record(z.string().regex(/^[A-Z0-9_]{2,20}$/), assetSchema).default({
    STUB: { decimals: 6, minSweep: 0n, hotResidual: 0n },
  }),
}).strict();

interface Transfer {
  readonly to: string;
  readonly currency: string;
  readonly amount: bigint;
  readonly txHash: string;
  readonly time: number;
}

/** The ledgers of running stub devnets, by endpoint: blocks of one transfer each. */
const ledgers = new Map<string, Transfer[]>();
let nextLedger = 0;

const canonical = (display: string) => `stub:${display.toLowerCase()}`;

function ledgerOf(endpoint: string, instance: string): Transfer[] {
  const ledger = ledgers.get(endpoint);
  if (!ledger) throw new Error(`${instance}.endpoint: no stub devnet at ${endpoint}`);
  return ledger;
}

async function createStubPlugin(section: StubSection, context: {
  instance: string;
  devnet?: ChainPlugin["devnet"];
}): Promise<ChainPlugin> {
  const name = context.instance;
  if (!section.endpoint) throw new Error(`${name}.endpoint: set ${name.toUpperCase()}_ENDPOINT`);
  if (!section.mnemonic) throw new Error(`${name}.mnemonic: set ${name.toUpperCase()}_MNEMONIC`);
  const ledger = ledgerOf(section.endpoint, name);
  const secret = section.mnemonic;
  const assets = Object.entries(section.assets).map(([code, a]) => ({
    code,
    chain: name,
    decimals: a.decimals,
    contract: a.contract ?? null,
    minSweep: a.minSweep,
    hotMax: a.hotMax ?? null,
    hotResidual: a.hotResidual,
    maxWithdrawal: a.maxWithdrawal ?? DEFAULT_MAX_WITHDRAWAL,
    overtake: a.overtake ?? false,
  }));
  const refuse = () => Promise.reject(new Error("the stub chain sends nothing"));
  const parseAddress = (input: string) =>
    /^[A-Z0-9]{4,48}$/.test(input)
      ? { address: canonical(input), display: input }
      : { error: "not a stub address" };
  return await Promise.resolve(
    {
      chain: name,
      assets,
      derivation: {
        hotWallet: { address: canonical(`HOT${secret}`), display: `HOT${secret}` },
        deposit: (index) =>
          Promise.resolve({
            address: canonical(`DEP${secret}${index}`),
            display: `DEP${secret}${index}`,
            watch: null,
          }),
        parseAddress,
        display: (address) => address.slice("stub:".length).toUpperCase(),
      },
      scanner: {
        initialCursor: () =>
          Promise.resolve({ height: BigInt(ledger.length), time: 0, state: null }),
        async next(cursor, lookup) {
          const transfer = ledger[Number(cursor.height)];
          if (!transfer) return null;
          const height = cursor.height + 1n;
          const owned = await lookup([transfer.to]);
          const incomes: IncomeEvent[] = owned.has(transfer.to)
            ? [{
              currency: transfer.currency,
              to: transfer.to,
              from: null,
              amount: transfer.amount,
              comment: null,
              binaryComment: null,
              txHash: transfer.txHash,
              eventIndex: 0,
              blockHeight: height,
              time: transfer.time,
            }]
            : [];
          return { cursor: { height, time: transfer.time, state: null }, incomes, sightings: [] };
        },
      },
      sender: {
        maxBatch: 1,
        maxInFlight: 1,
        tokenBalanceLagSeconds: 0,
        // Nothing is ever signed here; the rule only has to exist.
        lifecycle: expiresOnChain(0),
        withdrawable: () => true,
        nativeCost: () => 0n,
        spendable: refuse,
        buildTransfers: refuse,
        buildSweep: refuse,
        broadcast: refuse,
        balance: () => Promise.resolve({ balance: 0n, status: "active" }),
      },
      coldWallet: null,
      requiredConfirmations: 1,
      sharedDepositAddresses: false,
      validateMemo: () => null,
      ...(context.devnet ? { devnet: context.devnet } : {}),
      close: () => Promise.resolve(),
    } satisfies ChainPlugin,
  );
}

function runningStubDevnet(endpoint: string, ledger: Transfer[]): RunningDevnet<StubSection> {
  return {
    endpoint,
    controls: {
      info: () => Promise.resolve({ endpoint, height: ledger.length }),
      faucet(request) {
        const txHash = (ledger.length + 1).toString(16).padStart(64, "0");
        ledger.push({
          to: request.to,
          currency: request.currency,
          amount: request.amount,
          txHash,
          time: Math.floor(Date.now() / 1000),
        });
        return Promise.resolve(txHash);
      },
    },
    newSecret: () => Promise.resolve(`S${crypto.getRandomValues(new Uint32Array(1))[0]}`),
    section: (secret) => ({ endpoint, ...(secret === undefined ? {} : { mnemonic: secret }) }),
    fundHotWallet: (plugin) => Promise.resolve(`${plugin.derivation.hotWallet.display} (unfunded)`),
    describe: () => ({ ledger: endpoint }),
    stop() {
      ledgers.delete(endpoint);
      return Promise.resolve();
    },
  };
}

const stubDevnet: DevnetModule<StubSection> = {
  defaultPort: 0,
  start() {
    const endpoint = `stub://${nextLedger++}`;
    const ledger: Transfer[] = [];
    ledgers.set(endpoint, ledger);
    return Promise.resolve(runningStubDevnet(endpoint, ledger));
  },
};

/** The stub chain's plugin module. */
export const stubChain: PluginModule<StubSection, "stub"> = {
  name: "stub",
  configSchema: stubSchema,
  env: {
    ENDPOINT: { path: ["endpoint"], type: "string" },
    MNEMONIC: { path: ["mnemonic"], type: "string" },
  },
  explorers: {
    devnet: {
      address: "https://explorer.stub.example/address/{address}",
      tx: "https://explorer.stub.example/tx/{tx}",
    },
  },
  create: createStubPlugin,
  devnet: stubDevnet,
};
