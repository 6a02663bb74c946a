// Structured logs: one JSON object per line on stderr, because stdout belongs to MCP on stdio.
// Callers pass fields, never memory text or secrets.

/** Log levels in increasing severity. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A structured logger. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** A logger writing JSON lines to stderr at or above `level`. */
export function createLogger(options: { level?: LogLevel; clock?: () => Date } = {}): Logger {
  const { level = "info", clock = () => new Date() } = options;
  const encoder = new TextEncoder();
  const emit = (lvl: LogLevel) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (LEVELS[lvl] < LEVELS[level]) return;
    const line = JSON.stringify({ ts: clock().toISOString(), level: lvl, msg, ...fields });
    Deno.stderr.writeSync(encoder.encode(line + "\n"));
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

/** A logger that drops everything; for tests and benchmarks. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
