// Mapping between SQL rows (snake_case text columns) and Memory objects: the only place it happens.
import type { Memory } from "../../core/memory.ts";
import type { MemoryDraft } from "../store.ts";

/** A memories row as SQLite returns it. */
export interface MemoryRow {
  seq: number;
  id: string;
  tier: Memory["tier"];
  namespace: string;
  title: string;
  content: string;
  tags: string;
  priority: number;
  confidence: number;
  source: Memory["source"];
  access_count: number;
  created_at: string;
  updated_at: string;
  last_accessed_at: string | null;
  expires_at: string | null;
  metadata: string;
  agent_id: string | null;
  scope: Memory["scope"];
  deleted_at: string | null;
  deleted_by: string | null;
}

/** Memory columns in insert order. */
export const MEMORY_COLUMNS = [
  "id",
  "tier",
  "namespace",
  "title",
  "content",
  "tags",
  "priority",
  "confidence",
  "source",
  "access_count",
  "created_at",
  "updated_at",
  "last_accessed_at",
  "expires_at",
  "metadata",
  "agent_id",
  "scope",
] as const;

/** Row to Memory. */
export function rowToMemory(row: MemoryRow): Memory {
  return {
    id: row.id,
    tier: row.tier,
    namespace: row.namespace,
    title: row.title,
    content: row.content,
    tags: JSON.parse(row.tags),
    priority: row.priority,
    confidence: row.confidence,
    source: row.source,
    access_count: row.access_count,
    created_at: row.created_at,
    updated_at: row.updated_at,
    last_accessed_at: row.last_accessed_at,
    expires_at: row.expires_at,
    metadata: JSON.parse(row.metadata),
    agent_id: row.agent_id,
    scope: row.scope,
  };
}

/** Named parameters for writing a draft's columns. */
export function draftParams(draft: MemoryDraft): Record<string, unknown> {
  return {
    tier: draft.tier,
    namespace: draft.namespace,
    title: draft.title,
    content: draft.content,
    tags: JSON.stringify(draft.tags),
    priority: draft.priority,
    confidence: draft.confidence,
    source: draft.source,
    expires_at: draft.expires_at,
    metadata: JSON.stringify(draft.metadata),
    agent_id: draft.agent_id,
    scope: draft.scope,
  };
}

/** The statement inserting a new memory row, with named parameters. */
export const INSERT_MEMORY_SQL = `INSERT INTO memories (${MEMORY_COLUMNS.join(", ")})
  VALUES (${MEMORY_COLUMNS.map((c) => "@" + c).join(", ")})`;

/** Parameters of INSERT_MEMORY_SQL for a new memory: never accessed, created and updated now. */
export function newMemoryParams(
  draft: MemoryDraft,
  options: { id: string; now: string },
): Record<string, unknown> {
  return {
    ...draftParams(draft),
    id: options.id,
    access_count: 0,
    created_at: options.now,
    updated_at: options.now,
    last_accessed_at: null,
  };
}
