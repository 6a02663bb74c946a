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
import { SqliteKeys } from "./api_keys.ts";
import { SqliteMessages } from "./messages.ts";
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

// Queries of very common words: when their terms' document counts add up to more than `above`, only
// the `size` most recent matches are scored. FTS5 scores every match it visits, and scoring 50k-100k
// matches of "the of" costs 60-150 ms at 100k memories; the window costs 7-14 ms. Below this size
// (e.g. any database under 10k memories) nothing changes.
const SCORE_WINDOW: ScoreWindow = { above: 10_000, size: 5_000 };

/** Above `above` estimated matches, only the `size` most recent matches are scored. */
export interface ScoreWindow {
  above: number;
  size: number;
}

// How long the live-memory count used for term weights may be reused (it moves slowly, and the
// 50 % rule it feeds is not sensitive to a few writes).
const LIVE_COUNT_TTL_MS = 2_000;

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
  readonly keys: SqliteKeys;
  readonly messages: SqliteMessages;
  readonly #session: SqliteSession;
  #live: { n: number; at: number } | undefined;

  readonly #window: ScoreWindow;

  private constructor(db: SqliteDb, retryMs: number, window: ScoreWindow) {
    this.#window = window;
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
    this.keys = new SqliteKeys(session);
    this.messages = new SqliteMessages(session);
    this.#session = session;
  }

  /**
   * Open the database at `path` and migrate it to the current schema.
   * @throws {MemoryError} unavailable on a wrong key, a newer schema or an unreadable file
   */
  static async open(
    path: string,
    options: {
      now: string;
      passphrase?: string;
      busyTimeoutMs?: number;
      retryMs?: number;
      /** The bound on scoring for very common queries (tests set small ones). */
      scoreWindow?: ScoreWindow;
    },
  ): Promise<SqliteStore> {
    const retryMs = options.retryMs ?? 30_000;
    const db = await retryWhileBusy(
      () => openSqlite(path, { ...options }),
      { retryMs },
    );
    const store = new SqliteStore(db, retryMs, options.scoreWindow ?? SCORE_WINDOW);
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
          unweighted: !weighted.weighted && weighted.largest > UNSCORED_ABOVE,
          ...(weighted.total > this.#window.above ? { window: this.#window.size } : {}),
        });
      });
    }
    const weighted = this.#weightedTerms(terms);
    const matchTerms = options.mode === "any" ? weighted.terms : terms;
    // An AND query matches at most as many memories as its rarest term; OR at most the sum.
    const estimate = options.mode === "any" ? weighted.total : weighted.smallest;
    // First rank on the FTS index alone (cheap), then join and filter a bounded candidate set;
    // only when filters leave too few of a full candidate set is the exhaustive join needed.
    const candidates = Math.max(options.limit * 4, 200);
    const scored = estimate > this.#window.above
      ? `SELECT rowid, rank FROM (SELECT rowid, rank FROM memories_fts WHERE memories_fts MATCH @match
          ORDER BY rowid DESC LIMIT ${this.#window.size}) ORDER BY rank LIMIT @candidates`
      : "SELECT rowid, rank FROM memories_fts WHERE memories_fts MATCH @match ORDER BY rank LIMIT @candidates";
    const fast = `SELECT m.*, f.rank AS rank FROM (${scored}) AS f JOIN memories m ON m.seq = f.rowid
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
   * (and the query slow). Such terms are dropped, unless no other term matches anything. Also the
   * kept terms' document counts: the largest, the smallest and their sum (bounds on the matches).
   */
  #weightedTerms(
    terms: string[],
  ): { terms: string[]; weighted: boolean; largest: number; smallest: number; total: number } {
    const live = this.#liveCount();
    // The vocabulary holds stems: "painting" is counted under "paint". One lookup per term: the
    // vocabulary table answers "term = ?" from its index but scans itself for "term IN (...)".
    const vocab = this.#stmt("SELECT doc FROM memories_fts_vocab WHERE term = ?");
    const docsOf = terms.map((t) => (vocab.get(indexTerm(t)) as { doc: number } | undefined)?.doc ?? 0);
    const keep = terms.map((_, i) => docsOf[i]! > 0 && docsOf[i]! * 2 < live);
    const weighted = keep.some(Boolean);
    // Unknown terms match nothing, so they cannot stand in for the common ones.
    const kept = docsOf.filter((d, i) => (weighted ? keep[i] : d > 0));
    return {
      terms: weighted ? terms.filter((_, i) => keep[i]) : terms,
      weighted,
      largest: Math.max(0, ...kept),
      smallest: kept.length === 0 ? 0 : Math.min(...kept),
      total: kept.reduce((a, b) => a + b, 0),
    };
  }

  /** Live memories, counted at most every LIVE_COUNT_TTL_MS. */
  #liveCount(): number {
    const now = Date.now();
    if (!this.#live || now - this.#live.at > LIVE_COUNT_TTL_MS) {
      const row = this.#stmt("SELECT count(*) AS n FROM memories WHERE deleted_at IS NULL").get() as {
        n: number;
      };
      this.#live = { n: row.n, at: now };
    }
    return this.#live.n;
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
