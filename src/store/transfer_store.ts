// Storage interface for moving a whole database out and in: export rows, all-or-nothing import,
// and online snapshots.
import type { Memory } from "../core/memory.ts";
import type { Agent, Link, NamespaceMeta } from "./graph_store.ts";

/** A memory row with its lifecycle state, as exported. */
export interface ExportedMemory extends Memory {
  deleted_at: string | null;
  deleted_by: string | null;
  removal: "deleted" | "archived" | null;
  archive_reason: string | null;
}

/** A link row with its tombstone, as exported. */
export interface ExportedLink extends Link {
  deleted_at: string | null;
}

/** An entity alias row. */
export interface ExportedAlias {
  entity_id: string;
  alias: string;
  alias_key: string;
  created_at: string;
}

/** Everything a database holds, in a stable order. */
export interface ExportData {
  memories: ExportedMemory[];
  links: ExportedLink[];
  aliases: ExportedAlias[];
  agents: Agent[];
  namespaces: NamespaceMeta[];
}

/** What an import did. */
export interface ImportOutcome {
  added: Record<keyof ExportData, number>;
  unchanged: Record<keyof ExportData, number>;
}

/** Bulk transfer. */
export interface TransferStore {
  exportAll(): Promise<ExportData>;
  /**
   * Apply `data` in one transaction: rows whose key exists are left as they are. A row that
   * cannot be applied fails the whole import with a MemoryError whose details name its kind and index.
   */
  importAll(data: ExportData): Promise<ImportOutcome>;
  /** A consistent, online snapshot of the database at `path` (encrypted like the database). */
  snapshot(path: string): Promise<{ bytes: number }>;
}
