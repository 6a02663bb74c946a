// Small FTS corpora for the keyword-scoring unit tests: a migrated database file with memories
// inserted as given, a session on it, and FTS5's own ranking to compare with.
import Database from "better-sqlite3-multiple-ciphers";
import type { Match, TermDocs } from "../../src/store/sqlite/bm25_budget.ts";
import { DocLengths, ftsTotals } from "../../src/store/sqlite/bm25_terms.ts";
import { migrate } from "../../src/store/sqlite/migrate.ts";
import { MIGRATIONS } from "../../src/store/sqlite/migrations/mod.ts";
import { nativeAddonPath } from "../../src/store/sqlite/open.ts";
import type { SqliteSession } from "../../src/store/sqlite/session.ts";
import { tempDataDir } from "./processes.ts";

export const NOW = "2026-06-01T12:00:00.000Z";

/** One memory's indexed text: a string is its content (title `t<i>`, no tags). */
export type CorpusEntry = string | { title: string; content: string; tags: string[] };

const INSERT_SQL = `INSERT INTO memories (id, tier, namespace, title, content, tags, priority, confidence,
    source, created_at, updated_at, metadata, scope)
  VALUES (?, 'long', 'global', ?, ?, ?, 5, 1, 'api', ?, ?, '{}', 'collective')`;

/** Insert `entries` as memories `id-<first>`, `id-<first + 1>`, ... in one transaction. */
export function insertMemories(db: Database.Database, entries: CorpusEntry[], first = 0): void {
  const insert = db.prepare(INSERT_SQL);
  db.transaction(() => {
    entries.forEach((entry, k) => {
      const i = first + k;
      const e = typeof entry === "string" ? { title: `t${i}`, content: entry, tags: [] } : entry;
      insert.run(`id-${i}`, e.title, e.content, JSON.stringify(e.tags), NOW, NOW);
    });
  })();
}

/** A migrated database file with `entries` stored in order (seq 1, 2, ...), and a session on it. */
export async function corpus(
  entries: CorpusEntry[],
): Promise<{ db: Database.Database; session: SqliteSession; path: string }> {
  const path = `${await tempDataDir()}/t.db`;
  const db = new Database(path, { nativeBinding: nativeAddonPath() });
  db.pragma("journal_mode = WAL");
  await migrate(db, MIGRATIONS, { now: NOW, retryMs: 1000 });
  insertMemories(db, entries);
  const session: SqliteSession = {
    stmt: (sql) => db.prepare(sql),
    read: (fn) => Promise.resolve(fn()),
    write: (fn) => Promise.resolve(fn()),
  };
  return { db, session, path };
}

/** `terms` with the number of memories containing each, from the FTS vocabulary. */
export function docsOf(db: Database.Database, terms: string[]): TermDocs[] {
  const vocab = db.prepare("SELECT doc FROM memories_fts_vocab WHERE term = ?");
  return terms.map((term) => ({ term, docs: (vocab.get(term) as { doc: number } | undefined)?.doc ?? 0 }));
}

/** What scoreAny() needs of the index: its totals and a new cache of lengths. */
export function indexOf(session: SqliteSession): { rows: number; tokens: number; lengths: DocLengths } {
  return { ...ftsTotals(session), lengths: new DocLengths() };
}

/** Every match of the query with FTS5's own rank: the reference the budgeted scores must equal. */
export function exhaustive(db: Database.Database, match: string): Map<number, number> {
  return new Map(
    db.prepare("SELECT rowid, rank FROM memories_fts WHERE memories_fts MATCH ?").raw(true).all(
      match,
    ) as Match[],
  );
}
