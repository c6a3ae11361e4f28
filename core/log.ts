/**
 * Structured logging to stderr. Callers pass data, not preformatted strings, and never pass
 * secrets; `redact` masks anything that looks like one as a last line of defence.
 */

/** Log levels, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** A logger. */
export interface Logger {
  /** Detail for following a flow; off by default. */
  debug(message: string, data?: Record<string, unknown>): void;
  /** A normal event worth recording. */
  info(message: string, data?: Record<string, unknown>): void;
  /** Something a person may need to look at. */
  warn(message: string, data?: Record<string, unknown>): void;
  /** A failure a person must look at. */
  error(message: string, data?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const SECRET_KEYS = /mnemonic|secret|token|password|private|key|authorization/i;

/** Masks values under secret-looking keys, recursively; cycles become "[circular]". */
export function redact(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (seen.has(value)) return "[circular]";
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, seen));
  return Object.fromEntries(
    Object.entries(value).map((
      [k, v],
    ) => [k, SECRET_KEYS.test(k) ? "[redacted]" : redact(v, seen)]),
  );
}

/** A logger that writes one JSON line per entry at or above `level`. */
export function createLogger(level: LogLevel = "info", sink = console.error): Logger {
  const write = (at: LogLevel) => (message: string, data?: Record<string, unknown>) => {
    if (ORDER[at] < ORDER[level]) return;
    // The entry's own fields come last so data can never overwrite them.
    const entry = {
      ...(redact(data ?? {}) as object),
      t: new Date().toISOString(),
      level: at,
      message,
    };
    sink(JSON.stringify(entry));
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = createLogger("error", () => {});
