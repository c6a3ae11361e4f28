/**
 * The plugin registry: the static list of plugin modules (static imports let `deno compile`
 * see every plugin), and what the host does with it: one config schema (the core's settings
 * plus one section per chain instance), the instances' environment names, and starting them.
 *
 * Instances: every top-level config key that is not a core setting is a chain instance. Its
 * plugin is the key itself (`ton`) or, for a key that is not a plugin name, the section's
 * `plugin` field (`"ton_b": {"plugin": "ton", ...}`): the same plugin can run several times,
 * each instance with its own cursor, leader locks, hot wallet and assets.
 */

import {
  applyCoreEnv,
  type Config as CoreConfig,
  ConfigError,
  coreConfigSchema,
  envInteger,
  issueLines,
  type RawConfig,
  rawSection,
  readConfigFile,
  requireNetwork,
} from "../core/config.ts";
import type { Logger } from "../core/log.ts";
import type { NodeObserver } from "../core/node_observer.ts";
import type { ChainDevnet, ChainPlugin, InstanceSection, PluginModule } from "../core/plugin.ts";
import { tonPlugin } from "../plugins/ton/module.ts";
import { tronPlugin } from "../plugins/tron/module.ts";
import { evmPlugin } from "../plugins/evm/module.ts";

export { ConfigError } from "../core/config.ts";

/** Every plugin module this build knows, one line each. */
export const MODULES = [
  tonPlugin,
  tronPlugin,
  evmPlugin,
] as const;

/** Any plugin module, whatever its section. */
// deno-lint-ignore no-explicit-any -- a module's create() takes its own section type
export type AnyModule = PluginModule<any, string>;

type SectionOf<M> = M extends PluginModule<infer S, string> ? S : never;

/** The instance sections of plugins run under their own name, typed by the modules `M`. */
export type SectionsOf<M extends readonly AnyModule[]> = {
  readonly [K in M[number] as K["name"]]?: SectionOf<K>;
};

/** Validated configuration: the core's settings and each configured instance's section. */
export type Config = CoreConfig & SectionsOf<typeof MODULES>;

/** One configured chain instance. */
export interface Instance {
  /** Its config key: the chain name in storage, cursors, locks and the API. */
  readonly name: string;
  /** The module it runs. */
  readonly module: AnyModule;
  /** Its validated section. */
  readonly section: InstanceSection;
}

/** How to start instances. */
export interface LoadOptions {
  /** Devnet controls by instance name, in devnet mode. */
  readonly devnets?: Readonly<Record<string, ChainDevnet>>;
  /** Each instance's node observer (metrics). */
  readonly observe?: (instance: string) => NodeObserver;
  /** Where the instances' start-time warnings go. */
  readonly log?: Logger;
}

/** What the host does with a list of plugin modules. */
export interface Registry<C extends CoreConfig = CoreConfig> {
  /** The modules, in the order instances start. */
  readonly modules: readonly AnyModule[];
  /** Applies the core's and every instance's environment names to raw config. */
  applyEnv(raw: RawConfig, env: Record<string, string | undefined>): RawConfig;
  /** Validates raw config, throwing a ConfigError that names every bad field. */
  parseConfig(raw: unknown): C;
  /**
   * Reads the JSON config file (if any), applies env overrides and validates. With
   * `requireNetwork` (every command but `main.ts dev`), a config that does not say which
   * network it is for is refused rather than taken for a devnet.
   */
  loadConfig(
    path: string | undefined,
    env: Record<string, string | undefined>,
    options?: { requireNetwork?: boolean },
  ): Promise<C>;
  /** The configured instances of validated config, enabled or not. */
  instances(config: CoreConfig): Instance[];
  /** Starts every enabled instance, by instance name. */
  loadPlugins(config: CoreConfig, options?: LoadOptions): Promise<Map<string, ChainPlugin>>;
}

const CORE_KEYS: ReadonlySet<string> = new Set(Object.keys(coreConfigSchema.shape));
const ASSET_ENV =
  /^([A-Z0-9_]+?)_ASSET_([A-Z0-9_]+?)_(MIN_SWEEP|HOT_MAX|HOT_RESIDUAL|MAX_WITHDRAWAL)$/;
const ASSET_FIELDS = {
  MIN_SWEEP: "minSweep",
  HOT_MAX: "hotMax",
  HOT_RESIDUAL: "hotResidual",
  MAX_WITHDRAWAL: "maxWithdrawal",
} as const;

function isObject(value: unknown): value is RawConfig {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Builds the registry of `modules`; production uses {@linkcode MODULES}, tests add stubs. */
export function createRegistry<M extends readonly AnyModule[]>(
  modules: M,
): Registry<CoreConfig & SectionsOf<M>> {
  type C = CoreConfig & SectionsOf<M>;
  const byName = new Map<string, AnyModule>(modules.map((m) => [m.name, m]));
  if (byName.size !== modules.length) throw new Error("two plugin modules share a name");

  /** The module of raw section `key`, or a ConfigError naming the key. */
  function moduleOf(key: string, value: unknown): AnyModule {
    const named = isObject(value) && typeof value.plugin === "string" ? value.plugin : key;
    const module = byName.get(named);
    if (module) return module;
    if (named !== key) {
      throw new ConfigError(
        `${key}.plugin: no plugin named ${JSON.stringify(named)} (known: ${[...byName.keys()]})`,
      );
    }
    throw new ConfigError(
      `invalid config: ${key}: Unrecognized key: not a setting, and no plugin is named ` +
        `${JSON.stringify(key)}; a chain instance names its plugin in a "plugin" field ` +
        `(known plugins: ${[...byName.keys()].join(", ")})`,
    );
  }

  /** Instance keys of raw config: the plugins' own names and every non-core key. */
  function rawInstances(raw: RawConfig): [string, AnyModule][] {
    const keys = new Set<string>(byName.keys());
    for (const key of Object.keys(raw)) if (!CORE_KEYS.has(key)) keys.add(key);
    return [...keys].map((key) => [key, moduleOf(key, raw[key])]);
  }

  /** Default asset table of a module's section, as raw config, to keep when env adds one. */
  function defaultAssets(module: AnyModule): RawConfig {
    const parsed = module.configSchema.safeParse({});
    if (!parsed.success) return {};
    const assets = (parsed.data as InstanceSection).assets;
    return Object.fromEntries(
      Object.entries(assets).map(([code, a]) => [code, { decimals: a.decimals }]),
    );
  }

  function applyEnv(raw: RawConfig, env: Record<string, string | undefined>): RawConfig {
    const out = applyCoreEnv(raw, env);
    for (const [key, module] of rawInstances(out)) {
      const prefix = key.toUpperCase();
      for (const [suffix, binding] of Object.entries(module.env)) {
        const name = `${prefix}_${suffix}`;
        const value = env[name];
        if (!value) continue;
        let target = rawSection(out, key);
        for (const [i, part] of binding.path.slice(0, -1).entries()) {
          target = rawSection(target, part, [key, ...binding.path.slice(0, i + 1)].join("."));
        }
        const field = binding.path[binding.path.length - 1];
        if (binding.type === "integer") target[field] = envInteger(name, value);
        else if (binding.type === "boolean") {
          if (value !== "true" && value !== "false") {
            throw new ConfigError(`${name}: must be true or false`);
          }
          target[field] = value === "true";
        } else target[field] = value;
      }
      // Per-asset limits: <INSTANCE>_ASSET_<CODE>_<MIN_SWEEP|HOT_MAX|HOT_RESIDUAL|...>.
      for (const [name, value] of Object.entries(env)) {
        const match = ASSET_ENV.exec(name);
        if (!match || match[1] !== prefix || value === undefined) continue;
        const section = rawSection(out, key);
        section.assets ??= defaultAssets(module); // keep the default coin
        const asset = rawSection(rawSection(section, "assets", `${key}.assets`), match[2]);
        asset[ASSET_FIELDS[match[3] as keyof typeof ASSET_FIELDS]] = value;
      }
    }
    return out;
  }

  function parseConfig(raw: unknown): C {
    if (!isObject(raw)) throw new ConfigError("invalid config: (root): must be an object");
    const core: RawConfig = {};
    const sections: RawConfig = {};
    const lines: string[] = [];
    for (const [key, value] of Object.entries(raw)) {
      if (CORE_KEYS.has(key)) {
        core[key] = value;
        continue;
      }
      const module = moduleOf(key, value);
      if (value === undefined) continue;
      if (!isObject(value)) {
        lines.push(`${key}: must be an object`);
        continue;
      }
      const { plugin, ...rest } = value;
      module.precheck?.(rest, key);
      const parsed = module.configSchema.safeParse(rest);
      // The plugin name stays on the parsed section, so `instances` finds the instance's module.
      if (parsed.success) {
        sections[key] = plugin === undefined ? parsed.data : { ...parsed.data as object, plugin };
      } else lines.push(...issueLines(parsed.error, [key]));
    }
    const parsedCore = coreConfigSchema.safeParse(core);
    if (!parsedCore.success) lines.unshift(...issueLines(parsedCore.error));
    if (lines.length) throw new ConfigError(`invalid config: ${lines.join("; ")}`);
    const owners = new Map<string, string>();
    for (const [key, section] of Object.entries(sections)) {
      for (const code of Object.keys((section as InstanceSection).assets)) {
        const other = owners.get(code);
        if (other !== undefined) {
          throw new ConfigError(
            `${key}.assets.${code}: asset code already used by ${other}; codes are unique ` +
              "across all chain instances",
          );
        }
        owners.set(code, key);
      }
    }
    return { ...parsedCore.data, ...sections } as C;
  }

  function instances(config: CoreConfig): Instance[] {
    const out: Instance[] = [];
    const record = config as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(record)) {
      if (CORE_KEYS.has(key) || !isObject(value)) continue;
      const module = moduleOf(key, value);
      out.push({ name: key, module, section: value as unknown as InstanceSection });
    }
    // Plugins' own instances first, in module order; then the others, in config order.
    const rank = (i: Instance) => {
      const at = modules.findIndex((m) => m.name === i.name);
      return at === -1 ? modules.length : at;
    };
    return out.sort((a, b) => rank(a) - rank(b));
  }

  async function loadPlugins(
    config: CoreConfig,
    options: LoadOptions = {},
  ): Promise<Map<string, ChainPlugin>> {
    const plugins = new Map<string, ChainPlugin>();
    for (const instance of instances(config)) {
      if (instance.section.enabled === false) continue;
      let plugin: ChainPlugin;
      try {
        plugin = await instance.module.create(instance.section, {
          instance: instance.name,
          network: config.network,
          devnet: options.devnets?.[instance.name],
          observer: options.observe?.(instance.name),
          log: options.log,
        });
      } catch (error) {
        for (const p of plugins.values()) await p.close();
        // Factories fail on unusable config; their messages name the field.
        throw new ConfigError((error as Error).message);
      }
      // An instance may know its network's explorer better than the module's per-network
      // table (one plugin serving several networks, told apart by its section).
      const explorers = config.public.explorers?.[instance.name] ?? plugin.explorers ??
        instance.module.explorers[config.network] ?? null;
      plugins.set(instance.name, { ...plugin, explorers });
    }
    if (plugins.size === 0) {
      const hints = [...byName.keys()].map((n) => n.toUpperCase())
        .map((p) => `${p}_ENDPOINT and ${p}_MNEMONIC_FILE`);
      throw new ConfigError(`no chain is enabled: set ${hints.join(", or ")}`);
    }
    return plugins;
  }

  return {
    modules,
    applyEnv,
    parseConfig,
    async loadConfig(path, env, options = {}) {
      const applied = applyEnv(await readConfigFile(path), env);
      if (options.requireNetwork) requireNetwork(applied);
      return parseConfig(applied);
    },
    instances,
    loadPlugins,
  };
}

/** The registry of this build's plugins. */
export const registry: Registry<Config> = createRegistry(MODULES);

/** Applies environment overrides (core names and every instance's) to raw config. */
export const applyEnv: Registry<Config>["applyEnv"] = registry.applyEnv;
/** Validates raw config against the core's and every plugin's schema. */
export const parseConfig: Registry<Config>["parseConfig"] = registry.parseConfig;
/** Reads, overrides from env and validates the configuration. */
export const loadConfig: Registry<Config>["loadConfig"] = registry.loadConfig;
/** Starts every enabled instance of this build's plugins. */
export const loadPlugins: Registry<Config>["loadPlugins"] = registry.loadPlugins;
