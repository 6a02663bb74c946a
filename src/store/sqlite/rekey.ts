// Changing a database's encryption key (or adding or removing encryption) in place: only with
// no other process attached, in rollback-journal mode so a crash leaves the old key intact.
import { MemoryError } from "../../core/errors.ts";
import { openSqlite } from "./open.ts";

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * Re-encrypt the database at `path` from `currentKey` to `newKey` (undefined = plaintext).
 * Returns the number of memories, read back with the new key.
 * @throws {MemoryError} unavailable when the current key is wrong or another process has the file open
 */
export function rekeySqlite(
  path: string,
  options: { currentKey?: string | undefined; newKey?: string | undefined },
): number {
  const db = openSqlite(path, {
    ...(options.currentKey ? { passphrase: options.currentKey } : {}),
    busyTimeoutMs: 0,
  });
  try {
    const before = (db.prepare("SELECT count(*) AS n FROM memories").get() as { n: number }).n;
    // Leaving WAL mode needs the only connection; it also folds the WAL into the main file.
    let mode: unknown;
    try {
      mode = db.pragma("journal_mode = DELETE", { simple: true });
    } catch (err) {
      mode = (err as Error).message;
    }
    if (mode !== "delete") {
      throw new MemoryError(
        "unavailable",
        `Cannot rekey "${path}" while another process has it open; stop the servers using it first`,
      );
    }
    if (options.newKey) {
      if (!options.currentKey) {
        db.pragma("cipher = 'sqlcipher'");
        db.pragma("legacy = 4");
      }
      db.pragma(`rekey = ${quote(options.newKey)}`);
    } else {
      db.pragma("rekey = ''");
    }
    db.pragma("journal_mode = WAL");
    db.close();
    const check = openSqlite(path, options.newKey ? { passphrase: options.newKey } : {});
    try {
      const after = (check.prepare("SELECT count(*) AS n FROM memories").get() as { n: number }).n;
      if (after !== before) {
        throw new MemoryError("internal", `Rekey check failed: ${before} memories before, ${after} after`);
      }
      return after;
    } finally {
      check.close();
    }
  } finally {
    if (db.open) db.close();
  }
}
