/**
 * Structured logging to stderr. Callers pass data, not preformatted strings, and never pass
 * secrets; `redact` masks anything that looks like one as a last line of defence.
 */

/** Log levels, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** A logger. */
export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const SECRET_KEYS = /mnemonic|secret|token|password|private|key|authorization/i;

/** Masks values under secret-looking keys, recursively. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.test(k) ? "[redacted]" : redact(v)]),
    );
  }
  return typeof value === "bigint" ? value.toString() : value;
}

/** A logger that writes one JSON line per entry at or above `level`. */
export function createLogger(level: LogLevel = "info", sink = console.error): Logger {
  const write = (at: LogLevel) => (message: string, data?: Record<string, unknown>) => {
    if (ORDER[at] < ORDER[level]) return;
    const entry = {
      t: new Date().toISOString(),
      level: at,
      message,
      ...(redact(data ?? {}) as object),
    };
    sink(JSON.stringify(entry));
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = createLogger("error", () => {});
