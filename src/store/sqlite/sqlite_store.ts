// The embedded SQLite backend of MemoryStore: every write in one BEGIN IMMEDIATE transaction,
// every call retried while another process holds the lock.
import { MemoryError, notFound } from "../../core/errors.ts";
import type { Memory } from "../../core/memory.ts";
import type {
  KeywordHit,
  MemoryDraft,
  MemoryFilter,
  MemoryStore,
  StoreOutcome,
  StoreStats,
  TouchRules,
} from "../store.ts";
import { SqliteAgents } from "./agents.ts";
import { SqliteArchive } from "./archive.ts";
import { SqliteEntities } from "./entities.ts";
import { filterClause, ftsMatch } from "./filters.ts";
import { keywordWithContext } from "./keyword_context.ts";
import { SqliteGraph } from "./graph.ts";
import { SqliteNamespaces } from "./namespaces.ts";
import { SqliteTransfer } from "./transfer.ts";
import { SqliteVectors } from "./vectors.ts";
import type { SqliteSession } from "./session.ts";
import { migrate } from "./migrate.ts";
import { MIGRATIONS } from "./migrations/mod.ts";
import type Database from "better-sqlite3-multiple-ciphers";
import { openSqlite, type SqliteDb } from "./open.ts";
import { draftParams, INSERT_MEMORY_SQL, type MemoryRow, newMemoryParams, rowToMemory } from "./rows.ts";
import { indexTerm } from "./stemming.ts";
import { retryWhileBusy, withWriteTx } from "./tx.ts";

type Statement = Database.Statement<unknown[]>;

const UPDATE_SQL = `UPDATE memories SET tier = @tier, namespace = @namespace, title = @title,
  content = @content, tags = @tags, priority = @priority, confidence = @confidence,
  source = @source, expires_at = @expires_at, metadata = @metadata, agent_id = @agent_id,
  scope = @scope, updated_at = @updated_at
  WHERE seq = @seq`;

// Above this many matches, a query with no weighted term is not scored (see keywordWithContext).
const UNSCORED_ABOVE = 2000;

// The reference caps the counter; a runaway loop must not overflow it.
const MAX_ACCESS_COUNT = 1_000_000;

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => "\\" + c);
}

/** A MemoryStore on one SQLite file. */
export class SqliteStore implements MemoryStore {
  readonly backend = "sqlite";
  readonly #db: SqliteDb;
  readonly #retryMs: number;
  readonly #statements = new Map<string, Statement>();
  #schemaVersion = 0;
  readonly graph: SqliteGraph;
  readonly agents: SqliteAgents;
  readonly namespaces: SqliteNamespaces;
  readonly entities: SqliteEntities;
  readonly archive: SqliteArchive;
  readonly transfer: SqliteTransfer;
  readonly vectors: SqliteVectors;
  readonly #session: SqliteSession;

  private constructor(db: SqliteDb, retryMs: number) {
    this.#db = db;
    this.#retryMs = retryMs;
    const session: SqliteSession = {
      stmt: (sql) => this.#stmt(sql),
      read: (fn) => this.#read(fn),
      write: (fn) => this.#write(fn),
    };
    this.graph = new SqliteGraph(session);
    this.agents = new SqliteAgents(session);
    this.namespaces = new SqliteNamespaces(session);
    this.entities = new SqliteEntities(session);
    this.archive = new SqliteArchive(session);
    this.transfer = new SqliteTransfer(session);
    this.vectors = new SqliteVectors(session);
    this.#session = session;
  }

  /**
   * Open the database at `path` and migrate it to the current schema.
   * @throws {MemoryError} unavailable on a wrong key, a newer schema or an unreadable file
   */
  static async open(
    path: string,
    options: { now: string; passphrase?: string; busyTimeoutMs?: number; retryMs?: number },
  ): Promise<SqliteStore> {
    const retryMs = options.retryMs ?? 30_000;
    const db = await retryWhileBusy(
      () => openSqlite(path, { ...options }),
      { retryMs },
    );
    const store = new SqliteStore(db, retryMs);
    try {
      store.#schemaVersion = await migrate(db, MIGRATIONS, { now: options.now, retryMs });
    } catch (err) {
      db.close();
      throw err;
    }
    return store;
  }

  get schemaVersion(): number {
    return this.#schemaVersion;
  }

  #stmt(sql: string): Statement {
    let s = this.#statements.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  #read<T>(fn: () => T): Promise<T> {
    return retryWhileBusy(fn, { retryMs: this.#retryMs });
  }

  #write<T>(fn: () => T): Promise<T> {
    return withWriteTx(this.#db, fn, { retryMs: this.#retryMs });
  }

  #findRow(idOrPrefix: string): MemoryRow {
    const exact = this.#stmt("SELECT * FROM memories WHERE id = ? AND deleted_at IS NULL")
      .get(idOrPrefix) as MemoryRow | undefined;
    if (exact) return exact;
    const rows = this.#stmt(
      "SELECT * FROM memories WHERE id LIKE ? ESCAPE '\\' AND deleted_at IS NULL LIMIT 2",
    ).all(escapeLike(idOrPrefix) + "%") as MemoryRow[];
    if (rows.length === 0) {
      const archived = this.#stmt("SELECT id FROM memories WHERE id = ? AND removal = 'archived'").get(
        idOrPrefix,
      );
      if (archived) {
        throw new MemoryError(
          "not_found",
          `Memory "${idOrPrefix}" is archived; memory_archive_restore brings it back`,
          { details: { kind: "memory", id: idOrPrefix, archived: true } },
        );
      }
      throw notFound("memory", idOrPrefix);
    }
    if (rows.length > 1) {
      throw new MemoryError(
        "conflict",
        `Id prefix "${idOrPrefix}" matches more than one memory; give more characters`,
        { details: { id: idOrPrefix } },
      );
    }
    return rows[0]!;
  }

  #liveByTitle(namespace: string, title: string): MemoryRow | undefined {
    return this.#stmt(
      "SELECT * FROM memories WHERE namespace = ? AND title = ? AND deleted_at IS NULL",
    ).get(namespace, title) as MemoryRow | undefined;
  }

  upsert(
    draft: MemoryDraft,
    options: {
      id: string;
      now: string;
      merge: (existing: Memory, incoming: MemoryDraft) => MemoryDraft;
    },
  ): Promise<StoreOutcome> {
    return this.#write(() => {
      const existing = this.#liveByTitle(draft.namespace, draft.title);
      if (existing) {
        const merged = options.merge(rowToMemory(existing), draft);
        this.#stmt(UPDATE_SQL).run({
          ...draftParams(merged),
          updated_at: options.now,
          seq: existing.seq,
        });
        const row = this.#stmt("SELECT * FROM memories WHERE seq = ?").get(existing.seq) as MemoryRow;
        return { memory: rowToMemory(row), action: "updated" as const };
      }
      this.#stmt(INSERT_MEMORY_SQL).run(newMemoryParams(draft, options));
      const row = this.#stmt("SELECT * FROM memories WHERE id = ?").get(options.id) as MemoryRow;
      return { memory: rowToMemory(row), action: "created" as const };
    });
  }

  get(idOrPrefix: string): Promise<Memory> {
    return this.#read(() => rowToMemory(this.#findRow(idOrPrefix)));
  }

  update(
    idOrPrefix: string,
    options: { now: string; patch: (existing: Memory) => MemoryDraft },
  ): Promise<Memory> {
    return this.#write(() => {
      const row = this.#findRow(idOrPrefix);
      const next = options.patch(rowToMemory(row));
      const clash = this.#liveByTitle(next.namespace, next.title);
      if (clash && clash.seq !== row.seq) {
        throw new MemoryError(
          "conflict",
          `Another memory (${clash.id}) already has this title in namespace "${next.namespace}"`,
          { details: { id: clash.id, namespace: next.namespace } },
        );
      }
      this.#stmt(UPDATE_SQL).run({ ...draftParams(next), updated_at: options.now, seq: row.seq });
      return rowToMemory(this.#stmt("SELECT * FROM memories WHERE seq = ?").get(row.seq) as MemoryRow);
    });
  }

  findByTitle(namespace: string, title: string): Promise<Memory | null> {
    return this.#read(() => {
      const row = this.#liveByTitle(namespace, title);
      return row ? rowToMemory(row) : null;
    });
  }

  softDelete(idOrPrefix: string, options: { now: string; actor: string }): Promise<Memory> {
    return this.#write(() => {
      const row = this.#findRow(idOrPrefix);
      this.#stmt("UPDATE memories SET deleted_at = ?, deleted_by = ?, removal = 'deleted' WHERE seq = ?")
        .run(options.now, options.actor, row.seq);
      return rowToMemory(row);
    });
  }

  purgeDeleted(before: string): Promise<number> {
    return this.#write(() =>
      this.#stmt("DELETE FROM memories WHERE removal = 'deleted' AND deleted_at <= ?")
        .run(before).changes
    );
  }

  list(
    filter: MemoryFilter,
    options: { now: string; limit: number; offset?: number },
  ): Promise<Memory[]> {
    const where = filterClause(filter, options.now);
    const sql = `SELECT m.* FROM memories m WHERE ${where.sql}
      ORDER BY m.priority DESC, m.updated_at DESC, m.seq DESC LIMIT @limit OFFSET @offset`;
    return this.#read(() =>
      (this.#stmt(sql).all({
        ...where.params,
        limit: options.limit,
        offset: options.offset ?? 0,
      }) as MemoryRow[]).map(rowToMemory)
    );
  }

  keyword(
    terms: string[],
    options: { mode: "any" | "all"; filter: MemoryFilter; now: string; limit: number; context?: number },
  ): Promise<KeywordHit[]> {
    if (terms.length === 0) return Promise.resolve([]);
    const where = filterClause(options.filter, options.now);
    if (options.mode === "any" && options.context !== undefined && options.context > 0) {
      const span = options.context;
      return this.#read(() => {
        const weighted = this.#weightedTerms(terms);
        return keywordWithContext(this.#session, ftsMatch(weighted.terms, "any"), {
          ...options,
          where,
          span,
          // Scoring a few thousand matches is cheap; past that, with no weight to gain, skip it.
          unweighted: !weighted.weighted && weighted.matches > UNSCORED_ABOVE,
        });
      });
    }
    const matchTerms = options.mode === "any" ? this.#weightedTerms(terms).terms : terms;
    // First rank on the FTS index alone (cheap), then join and filter a bounded candidate set;
    // only when filters leave too few of a full candidate set is the exhaustive join needed.
    const candidates = Math.max(options.limit * 4, 200);
    const fast = `SELECT m.*, f.rank AS rank FROM (
        SELECT rowid, rank FROM memories_fts WHERE memories_fts MATCH @match ORDER BY rank LIMIT @candidates
      ) AS f JOIN memories m ON m.seq = f.rowid
      WHERE ${where.sql} ORDER BY f.rank LIMIT @limit`;
    const exhaustive = `SELECT m.*, bm25(memories_fts) AS rank
      FROM memories_fts JOIN memories m ON m.seq = memories_fts.rowid
      WHERE memories_fts MATCH @match AND ${where.sql}
      ORDER BY rank LIMIT @limit`;
    return this.#read(() => {
      const params = { ...where.params, match: ftsMatch(matchTerms, options.mode), limit: options.limit };
      let rows = this.#stmt(fast).all({ ...params, candidates }) as (MemoryRow & { rank: number })[];
      if (rows.length < options.limit) {
        const matched = (this.#stmt(
          "SELECT count(*) AS n FROM (SELECT 1 FROM memories_fts WHERE memories_fts MATCH ? LIMIT ?)",
        ).get(params.match, candidates) as { n: number }).n;
        if (matched >= candidates) {
          rows = this.#stmt(exhaustive).all(params) as (MemoryRow & { rank: number })[];
        }
      }
      // bm25() is lower-is-better and negative; relevance is its magnitude.
      return rows.map((r) => ({ memory: rowToMemory(r), relevance: -r.rank }));
    });
  }

  /**
   * For OR queries: the terms that carry BM25 weight. A term in at least half of all memories has
   * an IDF of zero in FTS5's BM25, so it cannot change the ranking, only make every memory match
   * (and the query slow). Such terms are dropped, unless no other term matches anything.
   */
  #weightedTerms(terms: string[]): { terms: string[]; weighted: boolean; matches: number } {
    const total = (this.#stmt("SELECT count(*) AS n FROM memories WHERE deleted_at IS NULL").get() as {
      n: number;
    }).n;
    // The vocabulary holds stems: "painting" is counted under "paint".
    const stems = terms.map(indexTerm);
    const counts = new Map(
      (this.#stmt(
        "SELECT term, doc FROM memories_fts_vocab WHERE term IN (SELECT value FROM json_each(?))",
      ).all(JSON.stringify(stems)) as { term: string; doc: number }[]).map((c) => [c.term, c.doc]),
    );
    const weighted = terms.filter((_, i) => {
      const docs = counts.get(stems[i]!);
      return docs !== undefined && docs * 2 < total;
    });
    // Unknown terms match nothing, so they cannot stand in for the common ones.
    const matches = Math.max(0, ...counts.values());
    return weighted.length > 0
      ? { terms: weighted, weighted: true, matches }
      : { terms, weighted: false, matches };
  }

  touch(ids: string[], options: TouchRules & { now: string }): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    // Column references on the right are the values before this update.
    const sql = `UPDATE memories SET
        access_count = min(access_count + 1, ${MAX_ACCESS_COUNT}),
        last_accessed_at = @now,
        tier = CASE WHEN tier = 'mid' AND access_count + 1 >= @promote_at THEN 'long' ELSE tier END,
        expires_at = CASE
          WHEN tier = 'mid' AND access_count + 1 >= @promote_at THEN NULL
          WHEN expires_at IS NULL THEN NULL
          WHEN tier = 'short' AND @short_until IS NOT NULL THEN max(expires_at, @short_until)
          WHEN tier = 'mid' AND @mid_until IS NOT NULL THEN max(expires_at, @mid_until)
          ELSE expires_at END,
        priority = CASE WHEN (access_count + 1) % 10 = 0 THEN min(priority + 1, 10) ELSE priority END
      WHERE deleted_at IS NULL AND id IN (SELECT value FROM json_each(@ids))`;
    return this.#write(() =>
      void this.#stmt(sql).run({
        now: options.now,
        ids: JSON.stringify(ids),
        promote_at: options.promoteAt,
        short_until: options.shortUntil,
        mid_until: options.midUntil,
      })
    );
  }

  stats(options: { now: string; soonSeconds: number }): Promise<StoreStats> {
    return this.#read(() => {
      const live = "deleted_at IS NULL AND (expires_at IS NULL OR expires_at > @now)";
      const byTier = this.#stmt(`SELECT tier, count(*) AS n FROM memories WHERE ${live} GROUP BY tier`)
        .all({ now: options.now }) as { tier: string; n: number }[];
      const byNs = this.#stmt(
        `SELECT namespace, count(*) AS n FROM memories WHERE ${live} GROUP BY namespace ORDER BY namespace`,
      ).all({ now: options.now }) as { namespace: string; n: number }[];
      const soon = new Date(Date.parse(options.now) + options.soonSeconds * 1000).toISOString();
      const expiring = this.#stmt(
        `SELECT count(*) AS n FROM memories WHERE ${live} AND expires_at IS NOT NULL AND expires_at <= @soon`,
      ).get({ now: options.now, soon }) as { n: number };
      const deleted = this.#stmt("SELECT count(*) AS n FROM memories WHERE removal = 'deleted'")
        .get() as { n: number };
      const pages = this.#db.pragma("page_count", { simple: true }) as number;
      const pageSize = this.#db.pragma("page_size", { simple: true }) as number;
      return {
        total: byTier.reduce((sum, r) => sum + r.n, 0),
        byTier: Object.fromEntries(byTier.map((r) => [r.tier, r.n])),
        byNamespace: Object.fromEntries(byNs.map((r) => [r.namespace, r.n])),
        expiringSoon: expiring.n,
        deleted: deleted.n,
        dbSizeBytes: pages * pageSize,
        schemaVersion: this.#schemaVersion,
      };
    });
  }

  ping(): Promise<void> {
    return this.#read(() => void this.#stmt("SELECT 1").get());
  }

  close(): void {
    this.#db.close();
  }
}
