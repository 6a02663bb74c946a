// The embedded SQLite backend of MemoryStore: every write in one BEGIN IMMEDIATE transaction,
// every call retried while another process holds the lock.
import { MemoryError, notFound } from "../../core/errors.ts";
import type { Memory } from "../../core/memory.ts";
import type {
  BackgroundCheckpoints,
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
import { filterClause } from "./filters.ts";
import { Checkpointer } from "./checkpointer.ts";
import { bestVisible, keywordWithContext } from "./keyword_context.ts";
import { isWeighted, SCORE_BUDGET, scoreAll, scoreAny, type TermDocs } from "./bm25_budget.ts";
import { DocLengths, ftsTotals } from "./bm25_terms.ts";
import { SqliteGraph } from "./graph.ts";
import { SqliteNamespaces } from "./namespaces.ts";
import { SqlitePending } from "./pending.ts";
import { SqliteCurator } from "./curator.ts";
import { SqliteTransfer } from "./transfer.ts";
import { SqliteVectors } from "./vectors.ts";
import { SqliteReplication } from "./replication.ts";
import type { SqliteSession } from "./session.ts";
import { migrate } from "./migrate.ts";
import { MIGRATIONS } from "./migrations/mod.ts";
import type Database from "better-sqlite3-multiple-ciphers";
import { connectionPragmas, openSqlite, type SqliteDb } from "./open.ts";
import { draftParams, INSERT_MEMORY_SQL, type MemoryRow, newMemoryParams, rowToMemory } from "./rows.ts";
import { indexTerm } from "./stemming.ts";
import { isBusyError, retryWhileBusy, withWriteTx } from "./tx.ts";
import { appendAudit, rowsChange, SqliteAudit } from "./audit.ts";
import { enqueueEvents, SqliteWebhooks } from "./webhooks.ts";
import { type Attribution, type AuditChange, namespacesOf } from "../../core/audit_chain.ts";

type Statement = Database.Statement<unknown[]>;

const UPDATE_SQL = `UPDATE memories SET tier = @tier, namespace = @namespace, title = @title,
  content = @content, tags = @tags, priority = @priority, confidence = @confidence,
  source = @source, expires_at = @expires_at, metadata = @metadata, agent_id = @agent_id,
  scope = @scope, updated_at = @updated_at
  WHERE seq = @seq`;

// Document counts of common terms (more than the scoring budget) are reused for up to an hour,
// until the index has grown or shrunk by 1 %, by every process (table fts_term_counts); at most
// this many are kept in memory. Within those bounds a common term's IDF hardly moves: one in 5,000
// of 100,000 memories that gains 500 more changes its IDF by 3 %.
const COMMON_TERM_TTL_MS = 3_600_000;
const COMMON_TERMS_KEPT = 10_000;
const STORED_COUNT_SQL = "SELECT docs, rows, counted_at AS at FROM fts_term_counts WHERE term = ?";
const STORE_COUNT_SQL = `INSERT INTO fts_term_counts (term, docs, rows, counted_at) VALUES (?, ?, ?, ?)
  ON CONFLICT (term) DO UPDATE SET docs = excluded.docs, rows = excluded.rows, counted_at = excluded.counted_at`;
const FORGET_COUNT_SQL = "DELETE FROM fts_term_counts WHERE term = ?";

// The reference caps the counter; a runaway loop must not overflow it.
const MAX_ACCESS_COUNT = 1_000_000;

// A touch is three statements, each setting only the columns that change, because SQLite rewrites
// every index on a column an UPDATE sets, changed or not: the expiry and the priority are each in
// two indexes, and each index entry rewritten is a page more in the WAL (and in the next
// checkpoint). The access counter goes last, so the first two see the values before the touch,
// exactly as one statement would. Column references on the right are the values before the update.
const TOUCH_WHERE = "deleted_at IS NULL AND id IN (SELECT value FROM json_each(@ids))";
const TOUCH_TIER = "CASE WHEN tier = 'mid' AND access_count + 1 >= @promote_at THEN 'long' ELSE tier END";
const TOUCH_EXPIRY = `CASE
      WHEN tier = 'mid' AND access_count + 1 >= @promote_at THEN NULL
      WHEN expires_at IS NULL THEN NULL
      WHEN tier = 'short' AND @short_until IS NOT NULL AND expires_at < @short_if_before THEN @short_until
      WHEN tier = 'mid' AND @mid_until IS NOT NULL AND expires_at < @mid_if_before THEN @mid_until
      ELSE expires_at END`;
/**
 * Promotion and a longer life: only the rows whose tier or expiry changes. An expiry is pushed only
 * when it is earlier than the rule's "if before" (itself at most the new expiry), so never earlier.
 */
const TOUCH_LIFETIME_SQL = `UPDATE memories SET tier = ${TOUCH_TIER}, expires_at = ${TOUCH_EXPIRY}
  WHERE ${TOUCH_WHERE} AND (${TOUCH_TIER} IS NOT tier OR ${TOUCH_EXPIRY} IS NOT expires_at)`;
/** Priority +1 on every 10th access, capped at 10: only the rows it raises. */
const TOUCH_PRIORITY_SQL = `UPDATE memories SET priority = min(priority + 1, 10)
  WHERE ${TOUCH_WHERE} AND (access_count + 1) % 10 = 0 AND priority < 10`;
/** The access itself, on every row; last, so the statements above saw the count before it. */
const TOUCH_ACCESS_SQL = `UPDATE memories SET
    access_count = min(access_count + 1, ${MAX_ACCESS_COUNT}),
    last_accessed_at = @now
  WHERE ${TOUCH_WHERE} RETURNING id, namespace`;

/**
 * The least string above every string that starts with `prefix`, in SQLite's BINARY order (UTF-8
 * bytes, which is code point order): the prefix with its last code point raised by one. Undefined
 * when no such bound exists (an empty prefix, or one ending in U+10FFFF).
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = [...prefix];
  const last = points.pop()?.codePointAt(0);
  if (last === undefined || last >= 0x10ffff) return undefined;
  // The surrogate range holds no code points: the next one after U+D7FF is U+E000.
  return points.join("") + String.fromCodePoint(last === 0xd7ff ? 0xe000 : last + 1);
}

/** How far into the federation feed a view's writes went, passed up to the view it was made from. */
interface FeedReach {
  through: number;
  parent: FeedReach | undefined;
}

/** A common term's document count, the index's rows then and when it was counted (ms). */
interface CommonTerm {
  docs: number;
  rows: number;
  at: number;
}

/** What every attributed view of one open database shares. */
interface SharedDb {
  db: SqliteDb;
  retryMs: number;
  /** How many matches a keyword query scores at most (bm25_budget.ts). */
  scoreBudget: number;
  /** Document counts of common terms, by stem (see #termDocs). */
  commonTerms: Map<string, CommonTerm>;
  /** Indexed memories' lengths in tokens, for keyword scoring (bm25_terms.ts). */
  lengths: DocLengths;
  statements: Map<string, Statement>;
  schemaVersion: number;
  /** Recall's access bookkeeping not yet written (see touch()), oldest first. */
  touches: (() => void)[];
  touchTimer: ReturnType<typeof setTimeout> | undefined;
  /** When this process last used the database (performance.now()), for the idle checkpoint. */
  lastUse: number;
  /** Whether this process has committed since its last checkpoint. */
  walDirty: boolean;
  checkpointTimer: ReturnType<typeof setTimeout> | undefined;
  /** The file and the pragmas a second connection to it needs (the background checkpointer's). */
  path: string;
  pragmas: string[];
  checkpointer: Checkpointer | undefined;
}

// Recall's touches are written this long after the answer (the touches of recalls answered
// meanwhile in the same transaction); any other use of the store writes them first, and close()
// too. Short, so that a server writes them while the answer travels and the client reads it, not
// at the start of the client's next request; long enough for the answer's I/O to go first.
const TOUCH_DELAY_MS = 1;
// Waiting for another process's lock, pending touches are tried again after this long.
const TOUCH_RETRY_MS = 100;
// Touches waiting for a lock another process holds are kept, up to this many.
const MAX_PENDING_TOUCHES = 10_000;

// WAL checkpoints copy the pages written since the last one back into the database file and sync
// it: tens of milliseconds on a busy disk. SQLite runs one inside the commit that takes the WAL past
// its threshold (1000 pages by default), i.e. inside some request, every 20-30 recalls. Here the
// threshold is ten times that, and this process checkpoints once it has left the database alone
// for CHECKPOINT_IDLE_MS after writing; under sustained load the threshold still bounds the WAL
// (about 40 MB).
const WAL_AUTOCHECKPOINT_PAGES = 10_000;
// A long-running server checkpoints on a worker thread instead (startBackgroundCheckpoints), this
// long after a commit, whether or not requests keep coming: the event loop never waits for it, and
// the threshold's checkpoint then finds only what came in since the worker's last one.
const BACKGROUND_CHECKPOINT_MS = 100;
const CHECKPOINT_IDLE_MS = 200;

// Writes made outside any operation (e.g. by a test or a maintenance script) are still recorded.
const UNATTRIBUTED: Attribution = { actor: "system", operation: "direct" };

/** A MemoryStore on one SQLite file. */
export class SqliteStore implements MemoryStore {
  readonly backend = "sqlite";
  readonly #shared: SharedDb;
  readonly #db: SqliteDb;
  readonly #by: Attribution & { now: () => string };
  readonly graph: SqliteGraph;
  readonly agents: SqliteAgents;
  readonly namespaces: SqliteNamespaces;
  readonly entities: SqliteEntities;
  readonly archive: SqliteArchive;
  readonly transfer: SqliteTransfer;
  readonly vectors: SqliteVectors;
  readonly audit: SqliteAudit;
  readonly webhooks: SqliteWebhooks;
  readonly keys: SqliteKeys;
  readonly messages: SqliteMessages;
  readonly pending: SqlitePending;
  readonly curator: SqliteCurator;
  readonly replication: SqliteReplication;
  readonly #session: SqliteSession;
  /**
   * The highest feed position this view's own writes produced (see replicatedThrough()); a view
   * made from it (an approved action replayed as its requester) reports its writes here too.
   */
  readonly #feed: FeedReach;

  private constructor(shared: SharedDb, by: Attribution & { now: () => string }, parent?: FeedReach) {
    this.#shared = shared;
    this.#feed = { through: 0, parent };
    this.#db = shared.db;
    this.#by = by;
    const session: SqliteSession = {
      stmt: (sql) => this.#stmt(sql),
      read: (fn) => this.#read(fn),
      write: (fn, change, options) => this.#write(fn, change, options),
    };
    this.graph = new SqliteGraph(session);
    this.agents = new SqliteAgents(session);
    this.namespaces = new SqliteNamespaces(session);
    this.entities = new SqliteEntities(session);
    this.archive = new SqliteArchive(session);
    this.transfer = new SqliteTransfer(session);
    this.vectors = new SqliteVectors(session);
    this.audit = new SqliteAudit(session);
    this.webhooks = new SqliteWebhooks(session);
    this.keys = new SqliteKeys(session);
    this.messages = new SqliteMessages(session);
    this.pending = new SqlitePending(session);
    this.curator = new SqliteCurator(session);
    this.replication = new SqliteReplication(session);
    this.#session = session;
  }

  /** The same database, with writes recorded in the audit trail as made by `by`. */
  attributed(by: Attribution & { now: () => string }): SqliteStore {
    return new SqliteStore(
      this.#shared,
      { actor: by.actor, operation: by.operation, now: by.now },
      this.#feed,
    );
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
      /** How many matches a keyword query scores at most (bm25_budget.ts; tests set small ones). */
      scoreBudget?: number;
    },
  ): Promise<SqliteStore> {
    const retryMs = options.retryMs ?? 30_000;
    // Another process may hold a lock while this one opens (e.g. two opening a new file at once,
    // one switching it to WAL): wait and open again rather than fail.
    const db = await retryWhileBusy(() => {
      try {
        return openSqlite(path, { ...options });
      } catch (err) {
        if (err instanceof MemoryError && isBusyError(err.cause)) throw err.cause;
        throw err;
      }
    }, { retryMs });
    const shared: SharedDb = {
      db,
      retryMs,
      scoreBudget: options.scoreBudget ?? SCORE_BUDGET,
      commonTerms: new Map(),
      lengths: new DocLengths(),
      statements: new Map(),
      schemaVersion: 0,
      touches: [],
      touchTimer: undefined,
      lastUse: 0,
      walDirty: false,
      checkpointTimer: undefined,
      path,
      pragmas: connectionPragmas(options),
      checkpointer: undefined,
    };
    const store = new SqliteStore(shared, { ...UNATTRIBUTED, now: () => new Date().toISOString() });
    try {
      shared.schemaVersion = await migrate(db, MIGRATIONS, { now: options.now, retryMs });
      db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    } catch (err) {
      db.close();
      throw err;
    }
    return store;
  }

  get schemaVersion(): number {
    return this.#shared.schemaVersion;
  }

  #stmt(sql: string): Statement {
    let s = this.#shared.statements.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#shared.statements.set(sql, s);
    }
    return s;
  }

  #read<T>(fn: () => T): Promise<T> {
    this.#shared.lastUse = performance.now();
    if (this.#shared.touches.length > 0) this.#flushTouches();
    return retryWhileBusy(fn, { retryMs: this.#shared.retryMs });
  }

  #write<T>(
    fn: () => T,
    change: (result: T) => AuditChange | null,
    options: { by?: Attribution } = {},
  ): Promise<T> {
    this.#shared.lastUse = performance.now();
    if (this.#shared.touches.length > 0) this.#flushTouches();
    this.#committed();
    const by = options.by ?? this.#by;
    return withWriteTx(this.#db, () => {
      const feedBefore = this.#feedHead();
      const result = fn();
      this.#record(change(result), {
        actor: by.actor,
        operation: by.operation,
        at: this.#by.now(),
      });
      // The replication triggers put every replicated change at the head of the feed.
      const feedAfter = this.#feedHead();
      for (
        let reach: FeedReach | undefined = this.#feed;
        feedAfter > feedBefore && reach;
        reach = reach.parent
      ) {
        reach.through = Math.max(reach.through, feedAfter);
      }
      return result;
    }, { retryMs: this.#shared.retryMs });
  }

  #feedHead(): number {
    return (this.#stmt("SELECT coalesce(max(seq), 0) AS head FROM replica_versions").get() as {
      head: number;
    })
      .head;
  }

  replicatedThrough(): number {
    return this.#feed.through;
  }

  /** Append the audit record of a change (and queue its webhook events), inside its transaction. */
  #record(changed: AuditChange | null, by: { actor: string; operation: string; at: string }): void {
    if (!changed) return;
    const record = appendAudit((sql) => this.#stmt(sql), changed, by);
    enqueueEvents((sql) => this.#stmt(sql), record);
  }

  /**
   * Write the pending touches in one transaction. Waiting on another process's lock, they stay
   * pending and are tried again shortly; any other failure drops them (they are bookkeeping: the
   * recall that made them has answered).
   */
  #flushTouches(): void {
    const shared = this.#shared;
    if (shared.touchTimer !== undefined) clearTimeout(shared.touchTimer);
    shared.touchTimer = undefined;
    const pending = shared.touches.splice(0);
    if (pending.length === 0) return;
    try {
      this.#db.transaction(() => {
        for (const apply of pending) apply();
      }).immediate();
      this.#committed();
    } catch (err) {
      if (!isBusyError(err) || pending.length + shared.touches.length > MAX_PENDING_TOUCHES) return;
      shared.touches.unshift(...pending);
      shared.touchTimer = setTimeout(() => this.#flushTouches(), TOUCH_RETRY_MS);
    }
  }

  /**
   * Checkpoint on a worker thread from now on (see checkpointer.ts): for a long-running server, whose
   * requests should never wait for the disk. `onFailure` is told if the worker cannot run; this
   * process then checkpoints on its own connection again, when idle. `onCheckpoint` is told what
   * each checkpoint did.
   */
  startBackgroundCheckpoints(options: BackgroundCheckpoints = {}): void {
    const shared = this.#shared;
    if (shared.checkpointer?.active || !this.#db.open) return;
    const onFailure = options.onFailure ?? (() => {});
    try {
      shared.checkpointer = Checkpointer.start(shared.path, shared.pragmas, onFailure);
    } catch (err) {
      // No worker at all (a runtime without them): checkpoint when idle, as without this call.
      return onFailure(err instanceof Error ? err.message : String(err));
    }
    shared.checkpointer.onCheckpoint = options.onCheckpoint;
  }

  /** Note a commit (or one about to happen): checkpoint soon on the worker, or once left idle. */
  #committed(): void {
    const shared = this.#shared;
    shared.walDirty = true;
    if (shared.checkpointTimer !== undefined) return;
    this.#armCheckpoint(shared.checkpointer?.active ? BACKGROUND_CHECKPOINT_MS : CHECKPOINT_IDLE_MS);
  }

  #armCheckpoint(ms: number): void {
    const shared = this.#shared;
    shared.checkpointTimer = setTimeout(() => {
      shared.checkpointTimer = undefined;
      if (shared.checkpointer?.active) {
        shared.walDirty = false;
        return shared.checkpointer.request();
      }
      const idle = performance.now() - shared.lastUse;
      if (idle < CHECKPOINT_IDLE_MS) return this.#armCheckpoint(CHECKPOINT_IDLE_MS - idle);
      this.#checkpoint();
    }, ms);
    // Maintenance only: never the reason a process stays alive.
    Deno.unrefTimer(shared.checkpointTimer);
  }

  /** A passive checkpoint: copies what no reader still needs, waits for no lock, fails harmlessly. */
  #checkpoint(): void {
    const shared = this.#shared;
    if (!shared.walDirty || !this.#db.open) return;
    shared.walDirty = false;
    try {
      this.#db.pragma("wal_checkpoint(PASSIVE)");
    } catch {
      // Busy or interrupted: the next idle moment, or SQLite's own threshold, checkpoints instead.
    }
  }

  #findRow(idOrPrefix: string): MemoryRow {
    const exact = this.#stmt("SELECT * FROM memories WHERE id = ? AND deleted_at IS NULL")
      .get(idOrPrefix) as MemoryRow | undefined;
    if (exact) return exact;
    // A prefix is a range of the id index (a LIKE would read every row: 180 ms at 100k memories).
    // Ids are UUIDs, case-insensitive on input (RFC 4122), so a prefix in capitals finds them too.
    const byId = new Map<string, MemoryRow>();
    for (const prefix of new Set([idOrPrefix, idOrPrefix.toLowerCase()])) {
      const end = prefixEnd(prefix);
      const rows = end === undefined
        ? this.#stmt("SELECT * FROM memories WHERE id >= ? AND deleted_at IS NULL LIMIT 2").all(prefix)
        : this.#stmt("SELECT * FROM memories WHERE id >= ? AND id < ? AND deleted_at IS NULL LIMIT 2")
          .all(prefix, end);
      for (const row of rows as MemoryRow[]) if (row.id.startsWith(prefix)) byId.set(row.id, row);
    }
    const rows = [...byId.values()];
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
    }, (r) => ({
      action: r.action === "created" ? "memory.create" : "memory.update",
      ids: [r.memory.id],
      namespaces: [r.memory.namespace],
    }));
  }

  get(idOrPrefix: string): Promise<Memory> {
    return this.#read(() => rowToMemory(this.#findRow(idOrPrefix)));
  }

  update(
    idOrPrefix: string,
    options: { now: string; patch: (existing: Memory) => MemoryDraft },
  ): Promise<Memory> {
    let before = "";
    return this.#write(() => {
      const row = this.#findRow(idOrPrefix);
      before = row.namespace;
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
    }, (m) => ({
      action: "memory.update",
      ids: [m.id],
      namespaces: namespacesOf([m, { namespace: before }]),
    }));
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
    }, (m) => ({ action: "memory.delete", ids: [m.id], namespaces: [m.namespace] }));
  }

  purgeDeleted(before: string): Promise<number> {
    return this.#write(
      () =>
        this.#stmt(
          "DELETE FROM memories WHERE removal = 'deleted' AND deleted_at <= ? RETURNING id, namespace",
        )
          .all(before) as { id: string; namespace: string }[],
      (rows) => rowsChange("memory.purge", rows),
    ).then((rows) => rows.length);
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
    const budget = this.#shared.scoreBudget;
    // One read transaction: the term counts that bound the scoring and the scoring see one snapshot.
    return this.#read(() =>
      this.#db.transaction(() => {
        const { rows, tokens } = ftsTotals(this.#session);
        const known = this.#termDocs(terms, rows);
        const score = (complete: boolean) => {
          if (options.mode === "all") return scoreAll(this.#session, known, { rows, budget });
          // OR: a term in half of all memories or more has no BM25 weight, so it cannot change the
          // ranking, only make every memory match; such terms are dropped unless no other term has
          // weight. Unknown terms match nothing.
          const weighted = known.filter((t) => isWeighted(rows, t.docs));
          return scoreAny(this.#session, weighted.length > 0 ? weighted : known.filter((t) => t.docs > 0), {
            rows,
            tokens,
            lengths: this.#shared.lengths,
            need: options.limit,
            budget,
            weighted: weighted.length > 0,
            complete,
          });
        };
        if (options.mode === "any" && options.context !== undefined && options.context > 0) {
          return keywordWithContext(this.#session, score, { ...options, where, span: options.context });
        }
        const { best } = bestVisible(this.#session, score, where, options.limit);
        const byId = new Map(
          (this.#stmt("SELECT m.* FROM memories m WHERE m.seq IN (SELECT value FROM json_each(?))")
            .all(JSON.stringify(best.map(([seq]) => seq))) as MemoryRow[]).map((r) => [r.seq, r]),
        );
        // bm25() is lower-is-better and negative; relevance is its magnitude.
        return best.flatMap(([seq, rank]) => {
          const row = byId.get(seq);
          return row ? [{ memory: rowToMemory(row), relevance: -rank }] : [];
        });
      })()
    );
  }

  /**
   * Each query term with the number of indexed memories containing its stem. The vocabulary table
   * counts by reading the term's whole posting list (5 ms for a word in every one of 100k memories),
   * so counts above the scoring budget are kept for a while, in memory and in the database for
   * other processes: they serve only to bound and weight common terms, whose IDF hardly moves
   * (COMMON_TERM_TTL_MS). One look-up per term: the vocabulary table answers "term = ?" from its
   * index but scans itself for "term IN (...)". A count to keep is written with the next touches.
   */
  #termDocs(terms: string[], rows: number): TermDocs[] {
    const vocab = this.#stmt("SELECT doc FROM memories_fts_vocab WHERE term = ?");
    const stored = this.#stmt(STORED_COUNT_SQL);
    const now = Date.now();
    const usable = (count: CommonTerm | undefined): count is CommonTerm =>
      count !== undefined && now - count.at < COMMON_TERM_TTL_MS && count.at <= now &&
      Math.abs(rows - count.rows) * 100 <= count.rows;
    // A term once: "paint painting" is one stem, and a repeated word would count twice in bm25().
    const byStem = new Map<string, string>();
    for (const term of terms) {
      const stem = indexTerm(term);
      if (!byStem.has(stem)) byStem.set(stem, term);
    }
    return [...byStem].map(([stem, term]) => {
      const known = this.#shared.commonTerms.get(stem);
      if (usable(known)) return { term, docs: known.docs };
      const kept = stored.get(stem) as CommonTerm | undefined;
      if (usable(kept)) {
        this.#rememberCommon(stem, kept);
        return { term, docs: kept.docs };
      }
      const docs = (vocab.get(stem) as { doc: number } | undefined)?.doc ?? 0;
      if (docs > this.#shared.scoreBudget) {
        this.#rememberCommon(stem, { docs, rows, at: now });
        this.#defer(() => this.#stmt(STORE_COUNT_SQL).run(stem, docs, rows, now));
      } else {
        this.#shared.commonTerms.delete(stem);
        if (kept) this.#defer(() => this.#stmt(FORGET_COUNT_SQL).run(stem));
      }
      return { term, docs };
    });
  }

  #rememberCommon(stem: string, count: CommonTerm): void {
    if (this.#shared.commonTerms.size >= COMMON_TERMS_KEPT) this.#shared.commonTerms.clear();
    this.#shared.commonTerms.set(stem, count);
  }

  /** Queue a bookkeeping write for the next flush of the touches (see touch()). */
  #defer(write: () => void): void {
    this.#shared.touches.push(write);
    this.#shared.touchTimer ??= setTimeout(() => this.#flushTouches(), TOUCH_DELAY_MS);
  }

  /**
   * Queued, not written at once: the write (a transaction and an audit record) would delay the
   * recall's answer by about a millisecond. It is written TOUCH_DELAY_MS later with whatever else
   * is pending, or before the next use of this database by this process, or at close().
   */
  touch(ids: string[], options: TouchRules & { now: string }): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    const by = { actor: this.#by.actor, operation: this.#by.operation, at: this.#by.now() };
    const idList = JSON.stringify(ids);
    const lifetime = {
      ids: idList,
      promote_at: options.promoteAt,
      short_until: options.shortUntil,
      short_if_before: options.shortIfBefore,
      mid_until: options.midUntil,
      mid_if_before: options.midIfBefore,
    };
    this.#defer(() => {
      this.#stmt(TOUCH_LIFETIME_SQL).run(lifetime);
      this.#stmt(TOUCH_PRIORITY_SQL).run({ ids: idList });
      const rows = this.#stmt(TOUCH_ACCESS_SQL).all({ ids: idList, now: options.now }) as {
        id: string;
        namespace: string;
      }[];
      // Access counts, expiry and promotion change with every recall: recorded so that a tier or
      // expiry change is never unexplained, but not a webhook event (see docs/audit.md).
      this.#record(rowsChange("memory.touch", rows), by);
    });
    return Promise.resolve();
  }

  stats(options: { now: string; soonSeconds: number }): Promise<StoreStats> {
    return this.#read(() => {
      const live = "deleted_at IS NULL AND (expires_at IS NULL OR expires_at > @now)";
      // Live by tier: every undeleted memory by tier (an index), less the expired ones not yet
      // collected (the expiry index): a count over the table's rows would read every one.
      const byTier = this.#stmt(
        "SELECT tier, count(*) AS n FROM memories WHERE deleted_at IS NULL GROUP BY tier",
      )
        .all() as { tier: string; n: number }[];
      const expired = new Map(
        (this.#stmt(
          `SELECT tier, count(*) AS n FROM memories
            WHERE expires_at IS NOT NULL AND expires_at <= @now AND deleted_at IS NULL GROUP BY tier`,
        ).all({ now: options.now }) as { tier: string; n: number }[]).map((r) => [r.tier, r.n]),
      );
      for (const row of byTier) row.n -= expired.get(row.tier) ?? 0;
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
        byTier: Object.fromEntries(byTier.filter((r) => r.n > 0).map((r) => [r.tier, r.n])),
        byNamespace: Object.fromEntries(byNs.map((r) => [r.namespace, r.n])),
        expiringSoon: expiring.n,
        deleted: deleted.n,
        dbSizeBytes: pages * pageSize,
        schemaVersion: this.#shared.schemaVersion,
      };
    });
  }

  ping(): Promise<void> {
    return this.#read(() => void this.#stmt("SELECT 1").get());
  }

  close(): void {
    this.#flushTouches();
    if (this.#shared.checkpointTimer !== undefined) clearTimeout(this.#shared.checkpointTimer);
    this.#shared.checkpointTimer = undefined;
    this.#shared.checkpointer?.close();
    this.#db.close();
  }
}
