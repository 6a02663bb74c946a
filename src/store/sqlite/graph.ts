// The knowledge graph in SQLite: links with validity intervals, multi-hop traversal by a
// recursive CTE with a cycle guard, timelines and invalidation.
import { MemoryError, notFound } from "../../core/errors.ts";
import type { GraphStore, KgRow, Link, Relation } from "../graph_store.ts";
import type { Reader } from "../../core/visibility.ts";
import { readerClause } from "./filters.ts";
import type { SqliteSession } from "./session.ts";
import type { AuditChange } from "../../core/audit_chain.ts";

const LINK_COLUMNS = "source_id, target_id, relation, created_at, valid_from, valid_until, observed_by";

/** GraphStore on SQLite. */
export class SqliteGraph implements GraphStore {
  readonly #s: SqliteSession;

  constructor(session: SqliteSession) {
    this.#s = session;
  }

  #liveId(id: string): boolean {
    return this.#s.stmt("SELECT 1 FROM memories WHERE id = ? AND deleted_at IS NULL").get(id) !== undefined;
  }

  #find(triple: { source_id: string; target_id: string; relation: Relation }): Link | undefined {
    return this.#s.stmt(
      `SELECT ${LINK_COLUMNS} FROM memory_links
       WHERE source_id = ? AND target_id = ? AND relation = ? AND deleted_at IS NULL`,
    ).get(triple.source_id, triple.target_id, triple.relation) as Link | undefined;
  }

  /** The audit change of a write to the link between these two memories. */
  #linkChange(action: string, link: { source_id: string; target_id: string }): AuditChange {
    const rows = this.#s.stmt(
      "SELECT DISTINCT namespace FROM memories WHERE id IN (?, ?) ORDER BY namespace",
    ).all(link.source_id, link.target_id) as { namespace: string }[];
    return { action, ids: [link.source_id, link.target_id], namespaces: rows.map((r) => r.namespace) };
  }

  link(link: Link): Promise<{ link: Link; created: boolean }> {
    return this.#s.write(() => {
      for (const id of [link.source_id, link.target_id]) {
        if (!this.#liveId(id)) throw notFound("memory", id);
      }
      const existing = this.#find(link);
      if (existing) return { link: existing, created: false };
      // A tombstoned row with two live ends can remain from replication (a peer deleted the link,
      // or one end was deleted there and restored by a newer version): the new link replaces it.
      this.#s.stmt(
        `INSERT INTO memory_links (${LINK_COLUMNS})
         VALUES (@source_id, @target_id, @relation, @created_at, @valid_from, @valid_until, @observed_by)
         ON CONFLICT (source_id, target_id, relation) DO UPDATE SET created_at = excluded.created_at,
           valid_from = excluded.valid_from, valid_until = excluded.valid_until,
           observed_by = excluded.observed_by, deleted_at = NULL`,
      ).run({ ...link });
      return { link: this.#find(link)!, created: true };
    }, (r) => (r.created ? this.#linkChange("link.create", r.link) : null));
  }

  linksOf(id: string): Promise<Link[]> {
    return this.#s.read(() =>
      // Two indexed lookups: an OR across the two columns would scan the whole table.
      this.#s.stmt(
        `SELECT ${LINK_COLUMNS} FROM memory_links WHERE source_id = @id AND deleted_at IS NULL
         UNION ALL
         SELECT ${LINK_COLUMNS} FROM memory_links WHERE target_id = @id AND source_id <> @id AND deleted_at IS NULL
         ORDER BY valid_from, source_id, target_id, relation`,
      ).all({ id }) as Link[]
    );
  }

  supersededBy(id: string, now: string): Promise<string[]> {
    return this.#s.read(() =>
      (this.#s.stmt(
        `SELECT source_id FROM memory_links
         WHERE target_id = @id AND relation = 'supersedes' AND deleted_at IS NULL
           AND valid_from <= @now AND (valid_until IS NULL OR valid_until > @now)
         ORDER BY valid_from DESC`,
      ).all({ id, now }) as { source_id: string }[]).map((r) => r.source_id)
    );
  }

  query(
    sourceId: string,
    options: { maxDepth: number; validAt?: string; allowedAgents?: string[]; limit: number; reader?: Reader },
  ): Promise<KgRow[]> {
    const visible = options.reader ? readerClause(options.reader, "t") : undefined;
    // Hop filters apply on every hop; the JSON path is the cycle guard.
    const hop = [
      "l.deleted_at IS NULL",
      "(@valid_at IS NULL OR (l.valid_from <= @valid_at AND (l.valid_until IS NULL OR l.valid_until > @valid_at)))",
      "(@agents IS NULL OR l.observed_by IN (SELECT value FROM json_each(@agents)))",
      ...(visible ? [`EXISTS (SELECT 1 FROM memories t WHERE t.id = l.target_id AND ${visible.sql})`] : []),
    ].join(" AND ");
    const sql =
      `WITH RECURSIVE walk (target_id, relation, valid_from, valid_until, observed_by, depth, path) AS (
        SELECT l.target_id, l.relation, l.valid_from, l.valid_until, l.observed_by, 1,
               json_array(l.source_id, l.target_id)
        FROM memory_links l WHERE l.source_id = @source AND ${hop}
        UNION ALL
        SELECT l.target_id, l.relation, l.valid_from, l.valid_until, l.observed_by, w.depth + 1,
               json_insert(w.path, '$[#]', l.target_id)
        FROM walk w JOIN memory_links l ON l.source_id = w.target_id
        WHERE w.depth < @max_depth AND ${hop}
          AND NOT EXISTS (SELECT 1 FROM json_each(w.path) WHERE value = l.target_id)
        -- The queue is breadth-first, so the first @limit rows are the nearest; stop there.
        LIMIT @limit
      )
      SELECT w.target_id, w.relation, w.valid_from, w.valid_until, w.observed_by, w.depth, w.path,
             m.title, m.namespace AS target_namespace
      -- CROSS JOIN keeps the walk as the outer loop (the planner would otherwise scan memories).
      FROM walk w CROSS JOIN memories m ON m.id = w.target_id AND m.deleted_at IS NULL
      ORDER BY w.depth, w.valid_from, w.target_id
      LIMIT @limit`;
    return this.#s.read(() => {
      if (!this.#liveId(sourceId)) throw notFound("memory", sourceId);
      const rows = this.#s.stmt(sql).all({
        source: sourceId,
        max_depth: options.maxDepth,
        valid_at: options.validAt ?? null,
        agents: options.allowedAgents ? JSON.stringify(options.allowedAgents) : null,
        limit: options.limit,
        ...visible?.params,
      }) as (Omit<KgRow, "path"> & { path: string })[];
      return rows.map((r) => ({ ...r, path: JSON.parse(r.path) as string[] }));
    });
  }

  timeline(
    sourceId: string,
    options: { since?: string; until?: string; limit: number; reader?: Reader },
  ): Promise<Link[]> {
    const visible = options.reader ? readerClause(options.reader, "t") : undefined;
    const onlyVisible = visible
      ? `AND EXISTS (SELECT 1 FROM memories t WHERE t.id = target_id AND ${visible.sql})`
      : "";
    return this.#s.read(() => {
      if (!this.#liveId(sourceId)) throw notFound("memory", sourceId);
      return this.#s.stmt(
        `SELECT ${LINK_COLUMNS} FROM memory_links
         WHERE source_id = @source AND deleted_at IS NULL
           AND (@since IS NULL OR valid_from >= @since) AND (@until IS NULL OR valid_from <= @until)
           ${onlyVisible}
         ORDER BY valid_from, target_id, relation LIMIT @limit`,
      ).all({
        ...visible?.params,
        source: sourceId,
        since: options.since ?? null,
        until: options.until ?? null,
        limit: options.limit,
      }) as Link[];
    });
  }

  invalidate(
    triple: { source_id: string; target_id: string; relation: Relation },
    options: { validUntil: string; keepExisting?: boolean },
  ): Promise<{ link: Link; previous: string | null }> {
    let changed = false;
    return this.#s.write(() => {
      const existing = this.#find(triple);
      if (existing && options.keepExisting && existing.valid_until !== null) {
        return { link: existing, previous: existing.valid_until };
      }
      changed = true;
      if (!existing) {
        throw new MemoryError(
          "not_found",
          `Cannot find a live ${triple.relation} link from "${triple.source_id}" to "${triple.target_id}"`,
          { details: { ...triple } },
        );
      }
      if (options.validUntil < existing.valid_from) {
        throw new MemoryError(
          "invalid_input",
          `Invalid input: valid_until: must not be before the link's valid_from (${existing.valid_from})`,
          { details: { issues: [{ field: "valid_until", message: "must not be before valid_from" }] } },
        );
      }
      this.#s.stmt(
        `UPDATE memory_links SET valid_until = ?
         WHERE source_id = ? AND target_id = ? AND relation = ? AND deleted_at IS NULL`,
      ).run(options.validUntil, triple.source_id, triple.target_id, triple.relation);
      return { link: this.#find(triple)!, previous: existing.valid_until };
    }, (r) => (changed ? this.#linkChange("link.invalidate", r.link) : null));
  }
}
