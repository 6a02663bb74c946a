// Opening a SQLite database: the native addon, encryption key, and the pragmas every
// connection needs for several processes to share one file (WAL, busy timeout, foreign keys).
import Database from "better-sqlite3-multiple-ciphers";
import { MemoryError } from "../../core/errors.ts";

/** A better-sqlite3 connection. */
export type SqliteDb = InstanceType<typeof Database>;

function prebuildName(): string {
  const os = Deno.build.os === "windows" ? "win32" : Deno.build.os;
  const arch = Deno.build.arch === "aarch64" ? "arm64" : "x64";
  return `${os}-${arch}.node`;
}

/** Path of the native SQLite addon this process loads (the only file it needs FFI for). */
export function nativeAddonPath(): string {
  const url = new URL(
    `../../../node_modules/better-sqlite3-multiple-ciphers/prebuilds/${prebuildName()}`,
    import.meta.url,
  );
  return decodeURIComponent(url.pathname);
}

function quoteSqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * The pragmas every connection to the file runs first, in order: the busy timeout (every later
 * pragma may need a lock another process holds), then the key of an encrypted database.
 */
export function connectionPragmas(options: { passphrase?: string; busyTimeoutMs?: number } = {}): string[] {
  const { passphrase, busyTimeoutMs = 5000 } = options;
  const pragmas = [`busy_timeout = ${busyTimeoutMs}`];
  if (passphrase) pragmas.push("cipher = 'sqlcipher'", "legacy = 4", `key = ${quoteSqlString(passphrase)}`);
  return pragmas;
}

/**
 * Open (creating if needed) a database file with the shared-access pragmas.
 * @throws {MemoryError} unavailable when the file cannot be opened or the key is wrong
 */
export function openSqlite(
  path: string,
  options: { passphrase?: string; busyTimeoutMs?: number } = {},
): SqliteDb {
  let db: SqliteDb;
  try {
    db = new Database(path, { nativeBinding: nativeAddonPath() });
  } catch (err) {
    throw new MemoryError("unavailable", `Cannot open database "${path}": ${describe(err)}`, {
      cause: err,
    });
  }
  try {
    for (const pragma of connectionPragmas(options)) db.pragma(pragma);
    db.prepare("SELECT count(*) FROM sqlite_master").get();
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
  } catch (err) {
    db.close();
    const code = (err as { code?: string }).code;
    if (code === "SQLITE_NOTADB") {
      throw new MemoryError(
        "unavailable",
        options.passphrase
          ? `Cannot open database "${path}": the key is wrong or the file is not an ai-memory database`
          : `Cannot open database "${path}": the file is encrypted (configure its key) or is not a database`,
        { cause: err },
      );
    }
    throw new MemoryError("unavailable", `Cannot open database "${path}": ${describe(err)}`, {
      cause: err,
    });
  }
  return db;
}

function describe(err: unknown): string {
  if (err instanceof Deno.errors.NotCapable) {
    return "this process's permission set does not allow it (the deno.json sets allow only ./data)";
  }
  return err instanceof Error ? err.message : String(err);
}
