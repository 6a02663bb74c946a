// Schema v3: the temporal knowledge graph (links with validity intervals, tombstoned with their
// memories), agents, namespace standards, entity aliases, and each memory's visibility root.

export const name = "graph_and_namespaces";

export const sql = `
-- The subtree a team/unit/org-scoped memory is visible in: its namespace's parent, grandparent or
-- great-grandparent (a top-level namespace is its own root). Derived, so it can never disagree.
ALTER TABLE memories ADD COLUMN scope_root TEXT GENERATED ALWAYS AS (
  CASE scope
    WHEN 'team' THEN (CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END)
    WHEN 'unit' THEN (CASE WHEN instr((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), '/') = 0 THEN (CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END) ELSE substr((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), 1, length(rtrim((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), replace((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), '/', ''))) - 1) END)
    WHEN 'org' THEN (CASE WHEN instr((CASE WHEN instr((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), '/') = 0 THEN (CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END) ELSE substr((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), 1, length(rtrim((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), replace((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), '/', ''))) - 1) END), '/') = 0 THEN (CASE WHEN instr((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), '/') = 0 THEN (CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END) ELSE substr((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), 1, length(rtrim((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), replace((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), '/', ''))) - 1) END) ELSE substr((CASE WHEN instr((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), '/') = 0 THEN (CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END) ELSE substr((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), 1, length(rtrim((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), replace((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), '/', ''))) - 1) END), 1, length(rtrim((CASE WHEN instr((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), '/') = 0 THEN (CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END) ELSE substr((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), 1, length(rtrim((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), replace((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), '/', ''))) - 1) END), replace((CASE WHEN instr((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), '/') = 0 THEN (CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END) ELSE substr((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), 1, length(rtrim((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), replace((CASE WHEN instr(namespace, '/') = 0 THEN namespace ELSE substr(namespace, 1, length(rtrim(namespace, replace(namespace, '/', ''))) - 1) END), '/', ''))) - 1) END), '/', ''))) - 1) END)
  END
) VIRTUAL;
CREATE INDEX memories_scope_root ON memories (scope_root) WHERE scope_root IS NOT NULL;

CREATE TABLE memory_links (
  source_id TEXT NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
  target_id TEXT NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
  relation TEXT NOT NULL CHECK (relation IN ('related_to', 'supersedes', 'contradicts', 'derived_from')),
  created_at TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_until TEXT,
  observed_by TEXT,
  deleted_at TEXT,
  PRIMARY KEY (source_id, target_id, relation)
) WITHOUT ROWID;
CREATE INDEX memory_links_source ON memory_links (source_id, valid_from) WHERE deleted_at IS NULL;
CREATE INDEX memory_links_target ON memory_links (target_id, relation) WHERE deleted_at IS NULL;

-- A link never outlives either end: deleting a memory tombstones its links in the same transaction.
CREATE TRIGGER memory_links_follow_delete AFTER UPDATE OF deleted_at ON memories
WHEN old.deleted_at IS NULL AND new.deleted_at IS NOT NULL BEGIN
  UPDATE memory_links SET deleted_at = new.deleted_at
  WHERE deleted_at IS NULL AND (source_id = new.id OR target_id = new.id);
END;

CREATE TABLE agents (
  agent_id TEXT PRIMARY KEY,
  agent_type TEXT NOT NULL,
  capabilities TEXT NOT NULL DEFAULT '[]',
  namespace TEXT,
  registered_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL
);

CREATE TABLE namespace_meta (
  namespace TEXT PRIMARY KEY,
  standard_id TEXT REFERENCES memories (id) ON DELETE SET NULL,
  parent_namespace TEXT,
  updated_at TEXT NOT NULL
);

CREATE TABLE entity_aliases (
  entity_id TEXT NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
  alias TEXT NOT NULL,
  alias_key TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (entity_id, alias_key)
) WITHOUT ROWID;
CREATE INDEX entity_aliases_key ON entity_aliases (alias_key);
`;
