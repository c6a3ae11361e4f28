/**
 * The processor as operators run it, in a child process (`deno run -A main.ts --config F`),
 * so a test can SIGKILL it at any instant: its JSON log lines (stderr) are parsed as they
 * come, so a test can wait for one (a leadership, a signed batch) and kill right then.
 *
 * @module
 */

const ROOT = new URL("../../", import.meta.url).pathname;

/** A port free now on 127.0.0.1. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** One parsed log line of the child, with when it arrived (ms since spawn). */
export interface ChildLog {
  at: number;
  entry: Record<string, unknown>;
}

/** A processor child process. */
export interface ProcessorChild {
  /** Every log line so far. */
  readonly logs: readonly ChildLog[];
  /** Raw output that was not a JSON log line (start-up errors, panics). */
  readonly other: () => string;
  /**
   * What a failing assertion should show: the exit status if it has exited, the raw output
   * and the last `lines` log lines.
   */
  readonly report: (lines?: number) => string;
  /**
   * Resolves with the first log line matching `match`, among those from index `from` of
   * {@linkcode ProcessorChild.logs} on (default 0: already seen ones count too).
   */
  waitForLog(
    match: (entry: Record<string, unknown>) => boolean,
    ms?: number,
    from?: number,
  ): Promise<ChildLog>;
  /** SIGKILL: no handler runs, no transaction commits, sockets just close. */
  kill(): Promise<Deno.CommandStatus>;
  /** SIGTERM and wait: a graceful stop. */
  stop(): Promise<Deno.CommandStatus>;
  /** Resolves when the process has exited, however. */
  readonly exited: Promise<Deno.CommandStatus>;
}

/** Spawns `main.ts --config <configPath>` with `env` only (plus PATH and HOME). */
export function spawnProcessor(
  configPath: string,
  env: Record<string, string> = {},
): ProcessorChild {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, "--config", configPath],
    cwd: ROOT,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "",
      NO_COLOR: "1",
      ...env,
    },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const started = performance.now();
  const logs: ChildLog[] = [];
  const waiters = new Set<{ match: (e: Record<string, unknown>) => boolean; done: () => void }>();
  let other = "";
  const take = (line: string) => {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line);
    } catch {
      other += line + "\n";
      return;
    }
    logs.push({ at: performance.now() - started, entry });
    for (const w of waiters) if (w.match(entry)) w.done();
  };
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      let nl;
      while ((nl = rest.indexOf("\n")) >= 0) {
        take(rest.slice(0, nl));
        rest = rest.slice(nl + 1);
      }
    }
    if (rest) take(rest);
  };
  const drained = Promise.all([collect(child.stdout), collect(child.stderr)]);
  let exitStatus: Deno.CommandStatus | null = null;
  const exited = child.status.then(async (status) => {
    await drained;
    exitStatus = status;
    return status;
  });
  const signal = async (sig: Deno.Signal) => {
    try {
      child.kill(sig);
    } catch {
      // already gone
    }
    return await exited;
  };
  return {
    logs,
    other: () => other,
    report: (lines = 40) =>
      [
        exitStatus ? `exited: ${JSON.stringify(exitStatus)}` : "running",
        `other output: ${other}`,
        ...logs.slice(-lines).map((l) => `${Math.round(l.at)} ms ${JSON.stringify(l.entry)}`),
      ].join("\n"),
    waitForLog(match, ms = 60_000, from = 0) {
      const seen = logs.slice(from).find((l) => match(l.entry));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching log line within ${ms} ms; other output: ${other}`));
        }, ms);
        const waiter = {
          match,
          done: () => {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(logs[logs.length - 1]);
          },
        };
        waiters.add(waiter);
        exited.then(() => {
          if (!waiters.has(waiter)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          reject(new Error(`the processor exited first; other output: ${other}`));
        });
      });
    },
    kill: () => signal("SIGKILL"),
    stop: () => signal("SIGTERM"),
    exited,
  };
}

/** Whether `entry` says this instance took the lock `lock` (e.g. `sender:ton`). */
export function isLeader(lock: string): (entry: Record<string, unknown>) => boolean {
  return (entry) => entry.message === "leader" && entry.lock === lock;
}
