// The archive in SQLite: archived memories are rows of `memories` with removal = 'archived', so
// their ids and links survive; restore clears the mark, purge deletes the rows for good.
import { MemoryError, notFound } from "../../core/errors.ts";
import type { Memory } from "../../core/memory.ts";
import type { ArchivedMemory, ArchiveStats, ArchiveStore } from "../archive_store.ts";
import type { MemoryDraft, MemoryFilter } from "../store.ts";
import { filterClause, ftsMatch } from "./filters.ts";
import { INSERT_MEMORY_SQL, type MemoryRow, newMemoryParams, rowToMemory } from "./rows.ts";
import type { SqliteSession } from "./session.ts";
import { rowsChange } from "./audit.ts";
import { namespacesOf } from "../../core/audit_chain.ts";

const ARCHIVE_SQL = `UPDATE memories SET deleted_at = @now, deleted_by = @actor, removal = 'archived',
  archive_reason = @reason WHERE id IN (SELECT value FROM json_each(@ids)) AND deleted_at IS NULL`;

type ArchivedRow = MemoryRow & { archive_reason: string };

function toArchived(row: ArchivedRow): ArchivedMemory {
  return {
    ...rowToMemory(row),
    archived_at: row.deleted_at!,
    archive_reason: row.archive_reason,
    archived_by: row.deleted_by,
  };
}

/** ArchiveStore on SQLite. */
export class SqliteArchive implements ArchiveStore {
  readonly #s: SqliteSession;

  constructor(session: SqliteSession) {
    this.#s = session;
  }

  #archive(rows: MemoryRow[], options: { now: string; actor: string; reason: string }): void {
    this.#s.stmt(ARCHIVE_SQL).run({ ...options, ids: JSON.stringify(rows.map((r) => r.id)) });
  }

  archiveExpired(options: { now: string; actor: string; dryRun: boolean; limit: number }): Promise<Memory[]> {
    return this.#s.write(() => {
      const rows = this.#s.stmt(
        `SELECT * FROM memories WHERE deleted_at IS NULL AND expires_at IS NOT NULL AND expires_at <= ?
         ORDER BY expires_at LIMIT ?`,
      ).all(options.now, options.limit) as MemoryRow[];
      if (!options.dryRun) this.#archive(rows, { ...options, reason: "ttl_expired" });
      return rows.map(rowToMemory);
    }, (rows) => (options.dryRun ? null : rowsChange("memory.archive", rows)));
  }

  archiveMatching(
    options: {
      filter: MemoryFilter;
      terms?: string[] | undefined;
      now: string;
      actor: string;
      reason: string;
      dryRun: boolean;
    },
  ): Promise<Memory[]> {
    const where = filterClause(options.filter, options.now);
    const match = options.terms
      ? "AND m.seq IN (SELECT rowid FROM memories_fts WHERE memories_fts MATCH @match)"
      : "";
    const sql = `SELECT m.* FROM memories m WHERE ${where.sql} ${match} ORDER BY m.seq`;
    return this.#s.write(() => {
      const rows = this.#s.stmt(sql).all({
        ...where.params,
        ...(options.terms ? { match: ftsMatch(options.terms, "all") } : {}),
      }) as MemoryRow[];
      if (!options.dryRun) this.#archive(rows, options);
      return rows.map(rowToMemory);
    }, (rows) => (options.dryRun ? null : rowsChange("memory.archive", rows)));
  }

  list(
    options: { namespace?: string | undefined; limit: number; offset: number },
  ): Promise<ArchivedMemory[]> {
    return this.#s.read(() =>
      (this.#s.stmt(
        `SELECT * FROM memories WHERE removal = 'archived' AND (@namespace IS NULL OR namespace = @namespace)
         ORDER BY deleted_at DESC, seq DESC LIMIT @limit OFFSET @offset`,
      ).all({
        namespace: options.namespace ?? null,
        limit: options.limit,
        offset: options.offset,
      }) as ArchivedRow[])
        .map(toArchived)
    );
  }

  restore(id: string, options: { now: string; expiresAt: (m: Memory) => string | null }): Promise<Memory> {
    return this.#s.write(() => {
      const row = this.#s.stmt("SELECT * FROM memories WHERE id = ? AND removal = 'archived'").get(id) as
        | MemoryRow
        | undefined;
      if (!row) throw notFound("archived memory", id);
      const clash = this.#s.stmt(
        "SELECT id FROM memories WHERE namespace = ? AND title = ? AND deleted_at IS NULL",
      )
        .get(row.namespace, row.title) as { id: string } | undefined;
      if (clash) {
        throw new MemoryError(
          "conflict",
          `Cannot restore "${id}": memory ${clash.id} now has its title in namespace "${row.namespace}"`,
          { details: { id: clash.id } },
        );
      }
      this.#s.stmt(
        `UPDATE memories SET deleted_at = NULL, deleted_by = NULL, removal = NULL, archive_reason = NULL,
           expires_at = ?, updated_at = ? WHERE seq = ?`,
      ).run(options.expiresAt(rowToMemory(row)), options.now, row.seq);
      return rowToMemory(this.#s.stmt("SELECT * FROM memories WHERE seq = ?").get(row.seq) as MemoryRow);
    }, (m) => rowsChange("archive.restore", [m]));
  }

  purge(options: { before?: string | undefined }): Promise<number> {
    return this.#s.write(
      () =>
        this.#s.stmt(
          `DELETE FROM memories WHERE removal = 'archived' AND (@before IS NULL OR deleted_at <= @before)
           RETURNING id, namespace`,
        ).all({ before: options.before ?? null }) as { id: string; namespace: string }[],
      (rows) => rowsChange("archive.purge", rows),
    ).then((rows) => rows.length);
  }

  stats(): Promise<ArchiveStats> {
    return this.#s.read(() => {
      const group = (column: string) =>
        Object.fromEntries(
          (this.#s.stmt(
            `SELECT ${column} AS k, count(*) AS n FROM memories WHERE removal = 'archived' GROUP BY ${column} ORDER BY k`,
          ).all() as { k: string; n: number }[]).map((r) => [r.k, r.n]),
        );
      const byNamespace = group("namespace");
      return {
        total: Object.values(byNamespace).reduce((a, b) => a + b, 0),
        byNamespace,
        byReason: group("archive_reason"),
      };
    });
  }

  consolidate(
    draft: MemoryDraft,
    options: { id: string; sourceIds: string[]; now: string; actor: string },
  ): Promise<{ memory: Memory; sources: Memory[] }> {
    return this.#s.write(() => {
      const sources = options.sourceIds.map((id) => {
        const row = this.#s.stmt("SELECT * FROM memories WHERE id = ? AND deleted_at IS NULL").get(id) as
          | MemoryRow
          | undefined;
        if (!row) throw notFound("memory", id);
        return row;
      });
      // The sources leave the live set first, so the result may take one of their titles.
      this.#archive(sources, { now: options.now, actor: options.actor, reason: "consolidated" });
      const clash = this.#s.stmt(
        "SELECT id FROM memories WHERE namespace = ? AND title = ? AND deleted_at IS NULL",
      )
        .get(draft.namespace, draft.title) as { id: string } | undefined;
      if (clash) {
        throw new MemoryError(
          "conflict",
          `Memory ${clash.id} already has this title in namespace "${draft.namespace}"`,
          { details: { id: clash.id } },
        );
      }
      this.#s.stmt(INSERT_MEMORY_SQL).run(newMemoryParams(draft, options));
      const link = this.#s.stmt(
        `INSERT INTO memory_links (source_id, target_id, relation, created_at, valid_from, valid_until, observed_by)
         VALUES (?, ?, 'derived_from', ?, ?, NULL, ?)`,
      );
      for (const source of sources) link.run(options.id, source.id, options.now, options.now, options.actor);
      const memory = rowToMemory(
        this.#s.stmt("SELECT * FROM memories WHERE id = ?").get(options.id) as MemoryRow,
      );
      return { memory, sources: sources.map(rowToMemory) };
    }, (r) => ({
      action: "memory.consolidate",
      ids: [r.memory.id, ...r.sources.map((m) => m.id)],
      namespaces: namespacesOf([r.memory, ...r.sources]),
    }));
  }
}
