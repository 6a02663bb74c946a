// Applies numbered migrations with a checksummed ledger, each with its ledger row in one
// IMMEDIATE transaction; refuses a database whose schema is newer than this program knows.
import { createHash } from "node:crypto";
import { MemoryError } from "../../core/errors.ts";
import type { Migration } from "./migrations/mod.ts";
import type { SqliteDb } from "./open.ts";
import { withWriteTx } from "./tx.ts";

function checksum(sql: string): string {
  return createHash("sha256").update(sql).digest("hex");
}

const LEDGER_SQL = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  checksum TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

/**
 * Bring the database to the newest known schema; returns the resulting version.
 * @throws {MemoryError} unavailable when the schema is newer than known or an applied migration changed
 */
export function migrate(
  db: SqliteDb,
  migrations: readonly Migration[],
  options: { now: string; retryMs: number },
): Promise<number> {
  const known = Math.max(0, ...migrations.map((m) => m.version));
  return withWriteTx(db, () => {
    db.exec(LEDGER_SQL);
    const applied = db.prepare("SELECT version, checksum FROM schema_migrations ORDER BY version")
      .all() as { version: number; checksum: string }[];
    const newest = applied.at(-1)?.version ?? 0;
    if (newest > known) {
      throw new MemoryError(
        "unavailable",
        `Database schema version ${newest} is newer than this program supports (${known}); ` +
          "upgrade ai-memory before opening it",
        { details: { schema_version: newest, supported: known } },
      );
    }
    const byVersion = new Map(applied.map((a) => [a.version, a.checksum]));
    const insert = db.prepare(
      "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
    );
    for (const m of migrations) {
      const sum = checksum(m.sql);
      const recorded = byVersion.get(m.version);
      if (recorded !== undefined) {
        if (recorded !== sum) {
          throw new MemoryError(
            "unavailable",
            `Migration ${m.version} (${m.name}) differs from the one applied to this database`,
          );
        }
        continue;
      }
      db.exec(m.sql);
      insert.run(m.version, m.name, sum, options.now);
    }
    return known;
  }, options);
}
