// Schema v1: memories with soft-delete tombstones and an FTS5 index kept in sync by triggers.
// `seq` is an explicit INTEGER PRIMARY KEY so FTS rowids survive VACUUM.

export const name = "initial";

export const sql = `
CREATE TABLE memories (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  tier TEXT NOT NULL CHECK (tier IN ('short', 'mid', 'long')),
  namespace TEXT NOT NULL,
  title TEXT NOT NULL,
  content TEXT NOT NULL,
  tags TEXT NOT NULL DEFAULT '[]',
  priority INTEGER NOT NULL DEFAULT 5 CHECK (priority BETWEEN 1 AND 10),
  confidence REAL NOT NULL DEFAULT 1.0 CHECK (confidence BETWEEN 0 AND 1),
  source TEXT NOT NULL DEFAULT 'api',
  access_count INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_accessed_at TEXT,
  expires_at TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  agent_id TEXT,
  scope TEXT NOT NULL DEFAULT 'private',
  deleted_at TEXT,
  deleted_by TEXT
);

CREATE UNIQUE INDEX memories_live_title ON memories (namespace, title) WHERE deleted_at IS NULL;
CREATE INDEX memories_live_rank ON memories (priority DESC, updated_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX memories_live_ns_rank ON memories (namespace, priority DESC, updated_at DESC)
  WHERE deleted_at IS NULL;
CREATE INDEX memories_expires ON memories (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX memories_created ON memories (created_at);
CREATE INDEX memories_deleted ON memories (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE VIRTUAL TABLE memories_fts USING fts5 (
  title, content, tags,
  content = 'memories', content_rowid = 'seq',
  tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories WHEN new.deleted_at IS NULL BEGIN
  INSERT INTO memories_fts (rowid, title, content, tags)
  VALUES (new.seq, new.title, new.content, new.tags);
END;

CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories WHEN old.deleted_at IS NULL BEGIN
  INSERT INTO memories_fts (memories_fts, rowid, title, content, tags)
  VALUES ('delete', old.seq, old.title, old.content, old.tags);
END;

-- One trigger, so the old entry always leaves the index before the new one enters it.
CREATE TRIGGER memories_fts_update AFTER UPDATE OF title, content, tags, deleted_at ON memories BEGIN
  INSERT INTO memories_fts (memories_fts, rowid, title, content, tags)
  SELECT 'delete', old.seq, old.title, old.content, old.tags WHERE old.deleted_at IS NULL;
  INSERT INTO memories_fts (rowid, title, content, tags)
  SELECT new.seq, new.title, new.content, new.tags WHERE new.deleted_at IS NULL;
END;
`;
