// Bulk transfer in SQLite: stable-order export of every table the product owns, an import that
// applies all rows or none, and snapshots by VACUUM INTO (a consistent read that keeps the cipher).
import { MemoryError } from "../../core/errors.ts";
import type { Agent, NamespaceMeta } from "../graph_store.ts";
import type {
  ExportData,
  ExportedAlias,
  ExportedLink,
  ExportedMemory,
  ImportOutcome,
  TransferStore,
} from "../transfer_store.ts";
import { draftParams, MEMORY_COLUMNS, type MemoryRow, rowToMemory } from "./rows.ts";
import { LINK_COLUMNS } from "./link_columns.ts";
import type { SqliteSession } from "./session.ts";
import { namespacesOf } from "../../core/audit_chain.ts";

const STATE_COLUMNS = ["deleted_at", "deleted_by", "removal", "archive_reason"];

function insertSql(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map((c) => "@" + c).join(", ")})`;
}

function zero(): Record<keyof ExportData, number> {
  return { memories: 0, links: 0, aliases: 0, agents: 0, namespaces: 0 };
}

/** TransferStore on SQLite. */
export class SqliteTransfer implements TransferStore {
  readonly #s: SqliteSession;

  constructor(session: SqliteSession) {
    this.#s = session;
  }

  exportAll(): Promise<ExportData> {
    return this.#s.read(() => {
      const rows = this.#s.stmt("SELECT * FROM memories ORDER BY id").all() as (MemoryRow & {
        removal: ExportedMemory["removal"];
        archive_reason: string | null;
      })[];
      return {
        memories: rows.map((r) => ({
          ...rowToMemory(r),
          deleted_at: r.deleted_at,
          deleted_by: r.deleted_by,
          removal: r.removal,
          archive_reason: r.archive_reason,
        })),
        links: this.#s.stmt(
          `SELECT ${LINK_COLUMNS.join(", ")} FROM memory_links ORDER BY source_id, target_id, relation`,
        )
          .all() as ExportedLink[],
        aliases: this.#s.stmt("SELECT * FROM entity_aliases ORDER BY entity_id, alias_key")
          .all() as ExportedAlias[],
        agents: (this.#s.stmt("SELECT * FROM agents ORDER BY agent_id")
          .all() as (Agent & { capabilities: string })[])
          .map((a) => ({ ...a, capabilities: JSON.parse(a.capabilities as unknown as string) })),
        namespaces: this.#s.stmt("SELECT * FROM namespace_meta ORDER BY namespace").all() as NamespaceMeta[],
      };
    });
  }

  importAll(data: ExportData): Promise<ImportOutcome> {
    const imported: { id: string; namespace: string }[] = [];
    return this.#s.write(() => {
      imported.length = 0;
      const added = zero();
      const unchanged = zero();
      const apply = <T>(
        kind: keyof ExportData,
        rows: T[],
        exists: (row: T) => boolean,
        insert: (row: T) => void,
      ) => {
        rows.forEach((row, index) => {
          if (exists(row)) {
            unchanged[kind]++;
            return;
          }
          try {
            insert(row);
            added[kind]++;
          } catch (err) {
            throw new MemoryError(
              "conflict",
              `Cannot import ${kind} entry ${index + 1}: ${(err as Error).message}`,
              {
                details: { kind, index },
                cause: err,
              },
            );
          }
        });
      };
      apply(
        "memories",
        data.memories,
        (m) => this.#has("SELECT 1 FROM memories WHERE id = ?", m.id),
        (m) => {
          imported.push(m);
          this.#s.stmt(insertSql("memories", [...MEMORY_COLUMNS, ...STATE_COLUMNS])).run({
            ...draftParams(m),
            id: m.id,
            access_count: m.access_count,
            created_at: m.created_at,
            updated_at: m.updated_at,
            last_accessed_at: m.last_accessed_at,
            deleted_at: m.deleted_at,
            deleted_by: m.deleted_by,
            removal: m.removal,
            archive_reason: m.archive_reason,
          });
        },
      );
      apply(
        "links",
        data.links,
        (l) =>
          this.#has(
            "SELECT 1 FROM memory_links WHERE source_id = ? AND target_id = ? AND relation = ?",
            l.source_id,
            l.target_id,
            l.relation,
          ),
        (l) => this.#s.stmt(insertSql("memory_links", LINK_COLUMNS)).run({ ...l }),
      );
      apply(
        "aliases",
        data.aliases,
        (a) =>
          this.#has(
            "SELECT 1 FROM entity_aliases WHERE entity_id = ? AND alias_key = ?",
            a.entity_id,
            a.alias_key,
          ),
        (a) =>
          this.#s.stmt(insertSql("entity_aliases", ["entity_id", "alias", "alias_key", "created_at"])).run({
            ...a,
          }),
      );
      apply(
        "agents",
        data.agents,
        (a) => this.#has("SELECT 1 FROM agents WHERE agent_id = ?", a.agent_id),
        (a) =>
          this.#s.stmt(
            insertSql("agents", [
              "agent_id",
              "agent_type",
              "capabilities",
              "namespace",
              "registered_at",
              "last_seen_at",
            ]),
          ).run({ ...a, capabilities: JSON.stringify(a.capabilities) }),
      );
      apply(
        "namespaces",
        data.namespaces,
        (n) => this.#has("SELECT 1 FROM namespace_meta WHERE namespace = ?", n.namespace),
        (n) =>
          this.#s.stmt(
            insertSql("namespace_meta", ["namespace", "standard_id", "parent_namespace", "updated_at"]),
          )
            .run({ ...n }),
      );
      return { added, unchanged };
    }, (r) =>
      // The record names the memories added; links, aliases, agents and standards come with them.
      Object.values(r.added).some((n) => n > 0)
        ? { action: "import", ids: imported.map((m) => m.id), namespaces: namespacesOf(imported) }
        : null);
  }

  #has(sql: string, ...params: unknown[]): boolean {
    return this.#s.stmt(sql).get(...params) !== undefined;
  }

  snapshot(path: string): Promise<{ bytes: number }> {
    return this.#s.read(() => {
      this.#s.stmt("VACUUM INTO ?").run(path);
      return { bytes: Deno.statSync(path).size };
    });
  }
}
