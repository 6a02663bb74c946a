// Transactions that survive other processes holding the lock: BEGIN IMMEDIATE, and an
// async retry with backoff when SQLite still reports busy, so no caller ever sees "database is locked".
import { MemoryError } from "../../core/errors.ts";
import type { SqliteDb } from "./open.ts";

const BUSY_CODES = new Set(["SQLITE_BUSY", "SQLITE_LOCKED"]);

/** True for SQLite's lock-contention errors (any BUSY or LOCKED extended code). */
export function isBusyError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== "string") return false;
  return BUSY_CODES.has(code) || code.startsWith("SQLITE_BUSY_") || code.startsWith("SQLITE_LOCKED_");
}

/**
 * Run `fn` with retries while the database is busy, up to `retryMs` in total.
 * `fn` must be safe to run again: a transaction that failed was rolled back.
 * @throws {MemoryError} unavailable when the database stays busy past the deadline
 */
export async function retryWhileBusy<T>(fn: () => T, options: { retryMs: number }): Promise<T> {
  const deadline = Date.now() + options.retryMs;
  let wait = 2;
  for (;;) {
    try {
      return fn();
    } catch (err) {
      if (!isBusyError(err)) throw err;
      if (Date.now() >= deadline) {
        throw new MemoryError(
          "unavailable",
          `Database is busy: another process held the lock for more than ${options.retryMs} ms`,
          { cause: err },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, wait + Math.random() * wait));
      wait = Math.min(wait * 2, 100);
    }
  }
}

/** Run `fn` in one BEGIN IMMEDIATE transaction, retrying while another process holds the lock. */
export function withWriteTx<T>(db: SqliteDb, fn: () => T, options: { retryMs: number }): Promise<T> {
  const tx = db.transaction(fn);
  return retryWhileBusy(() => tx.immediate(), options);
}
