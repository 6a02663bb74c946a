// Restoring a backup over the configured database: the backup must open with the key and pass
// integrity_check, an existing database is replaced only with force and only when nobody has it open.
import { MemoryError } from "../../core/errors.ts";
import { openSqlite } from "./open.ts";

/**
 * Replace the database at `target` with the snapshot at `backup`; returns its memory count.
 * @throws {MemoryError} invalid_input for a bad backup; conflict without force; unavailable when in use
 */
export function restoreSqlite(
  backup: string,
  target: string,
  options: { passphrase?: string | undefined; force: boolean },
): number {
  const key = options.passphrase ? { passphrase: options.passphrase } : {};
  if (!statOrNull(backup)?.isFile) {
    throw new MemoryError("invalid_input", `Invalid input: backup "${backup}" is not a file`);
  }
  let source: ReturnType<typeof openSqlite>;
  try {
    source = openSqlite(backup, { ...key, busyTimeoutMs: 0 });
  } catch (err) {
    throw new MemoryError(
      "invalid_input",
      `Invalid input: "${backup}" is not an ai-memory backup (or the key differs)`,
      {
        cause: err,
      },
    );
  }
  let memories: number;
  try {
    const check = source.pragma("integrity_check", { simple: true });
    if (check !== "ok") {
      throw new MemoryError(
        "invalid_input",
        `Invalid input: backup "${backup}" fails integrity_check: ${check}`,
      );
    }
    memories = (source.prepare("SELECT count(*) AS n FROM memories").get() as { n: number }).n;
  } catch (err) {
    source.close();
    if (err instanceof MemoryError) throw err;
    throw new MemoryError("invalid_input", `Invalid input: "${backup}" is not an ai-memory backup`, {
      cause: err,
    });
  }
  if (statOrNull(target)?.isFile) {
    if (!options.force) {
      source.close();
      throw new MemoryError(
        "conflict",
        `Refusing to overwrite the existing database "${target}"; pass --force to replace it`,
      );
    }
    const live = openSqlite(target, { ...key, busyTimeoutMs: 0 });
    let mode: unknown;
    try {
      mode = live.pragma("journal_mode = DELETE", { simple: true });
    } catch (err) {
      mode = String(err);
    } finally {
      live.close();
    }
    if (mode !== "delete") {
      source.close();
      throw new MemoryError(
        "unavailable",
        `Cannot restore over "${target}" while another process has it open`,
      );
    }
  }
  const staging = `${target}.restoring`;
  try {
    Deno.removeSync(staging);
  } catch { /* none */ }
  try {
    source.prepare("VACUUM INTO ?").run(staging);
  } finally {
    source.close();
  }
  // A restored database starts a new vector history: an index file built from the old one (or from
  // the database the backup came from) must not be trusted, so it is rebuilt at the next start.
  const restored = openSqlite(staging, { ...key, busyTimeoutMs: 0 });
  try {
    const hasMeta = restored.prepare(
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'vector_meta'",
    ).get();
    if (hasMeta) {
      restored.prepare("UPDATE vector_meta SET value = lower(hex(randomblob(16))) WHERE key = 'epoch'").run();
    }
  } finally {
    restored.close();
  }
  for (const suffix of ["-wal", "-shm"]) {
    try {
      Deno.removeSync(target + suffix);
    } catch { /* none */ }
  }
  Deno.renameSync(staging, target);
  return memories;
}

function statOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.statSync(path);
  } catch {
    return null;
  }
}
