// Namespace standards and per-namespace counts in SQLite.
import { notFound } from "../../core/errors.ts";
import type { StoredPolicy } from "../../core/governance_policy.ts";
import type { NamespaceMeta, NamespaceStore } from "../graph_store.ts";
import type { MemoryFilter } from "../store.ts";
import { filterClause } from "./filters.ts";
import type { SqliteSession } from "./session.ts";

type MetaRow = Omit<NamespaceMeta, "governance"> & { governance: string | null };

function toMeta(row: MetaRow): NamespaceMeta {
  return { ...row, governance: row.governance === null ? null : JSON.parse(row.governance) };
}

// A standard whose memory was deleted reads as no standard.
const META_SQL = `SELECT n.namespace, CASE WHEN m.id IS NULL THEN NULL ELSE n.standard_id END AS standard_id,
    n.parent_namespace, n.updated_at, n.governance
  FROM namespace_meta n LEFT JOIN memories m ON m.id = n.standard_id AND m.deleted_at IS NULL
  WHERE n.namespace = ?`;

/** NamespaceStore on SQLite. */
export class SqliteNamespaces implements NamespaceStore {
  readonly #s: SqliteSession;

  constructor(session: SqliteSession) {
    this.#s = session;
  }

  setStandard(
    namespace: string,
    options: {
      id: string;
      parent?: string | undefined;
      now: string;
      governance?: StoredPolicy | null | undefined;
    },
  ): Promise<NamespaceMeta> {
    return this.#s.write(() => {
      if (!this.#s.stmt("SELECT 1 FROM memories WHERE id = ? AND deleted_at IS NULL").get(options.id)) {
        throw notFound("memory", options.id);
      }
      this.#s.stmt(
        `INSERT INTO namespace_meta (namespace, standard_id, parent_namespace, updated_at)
         VALUES (@namespace, @id, @parent, @now)
         ON CONFLICT (namespace) DO UPDATE SET standard_id = excluded.standard_id,
           parent_namespace = COALESCE(excluded.parent_namespace, namespace_meta.parent_namespace),
           updated_at = excluded.updated_at`,
      ).run({ namespace, id: options.id, parent: options.parent ?? null, now: options.now });
      if (options.governance !== undefined) {
        this.#s.stmt("UPDATE namespace_meta SET governance = ? WHERE namespace = ?").run(
          options.governance === null ? null : JSON.stringify(options.governance),
          namespace,
        );
      }
      return toMeta(this.#s.stmt(META_SQL).get(namespace) as MetaRow);
    }, () => ({ action: "standard.set", ids: [options.id], namespaces: [namespace] }));
  }

  meta(namespace: string): Promise<NamespaceMeta | null> {
    return this.#s.read(() => {
      const row = this.#s.stmt(META_SQL).get(namespace) as MetaRow | undefined;
      return row ? toMeta(row) : null;
    });
  }

  clearStandard(namespace: string, options: { now: string }): Promise<string | null> {
    return this.#s.write(
      () => {
        const before = this.#s.stmt(META_SQL).get(namespace) as MetaRow | undefined;
        this.#s.stmt(
          "UPDATE namespace_meta SET standard_id = NULL, governance = NULL, updated_at = ? WHERE namespace = ?",
        ).run(options.now, namespace);
        return before?.standard_id ?? null;
      },
      (
        cleared,
      ) => (cleared === null ? null : { action: "standard.clear", ids: [cleared], namespaces: [namespace] }),
    );
  }

  governedCount(): Promise<number> {
    return this.#s.read(() =>
      (this.#s.stmt("SELECT count(*) AS n FROM namespace_meta WHERE governance IS NOT NULL").get() as {
        n: number;
      }).n
    );
  }

  counts(options: { prefix?: string; filter: MemoryFilter; now: string }): Promise<Map<string, number>> {
    const where = filterClause(options.filter, options.now);
    const prefix = options.prefix === undefined
      ? ""
      : "AND (m.namespace = @prefix OR substr(m.namespace, 1, length(@prefix) + 1) = @prefix || '/')";
    // The (namespace, expires_at) index covers the unfiltered count: 10 ms at 100k memories, where
    // the planner's own choice (the namespace/seq index plus a row read each) takes 180 ms.
    const sql = `SELECT m.namespace, count(*) AS n FROM memories m INDEXED BY memories_live_ns_expiry
      WHERE ${where.sql} ${prefix}
      GROUP BY m.namespace ORDER BY m.namespace`;
    return this.#s.read(() => {
      const rows = this.#s.stmt(sql).all({
        ...where.params,
        ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
      }) as { namespace: string; n: number }[];
      return new Map(rows.map((r) => [r.namespace, r.n]));
    });
  }
}
