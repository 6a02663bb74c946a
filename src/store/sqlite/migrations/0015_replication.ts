// Schema v15: replication. Every memory has one version (hybrid logical clock stamp, origin node,
// state) kept by triggers on every write path; `seq` orders the versions into this node's feed.

export const name = "replication";

// The next stamp after the clock row's, at SQLite's wall clock (src/core/hlc.ts: nextHlc).
// 'now' is one instant per statement; the counter orders the rows one statement changes.
const NEXT_HLC = `(SELECT CASE
    WHEN n > m THEN printf('%015d-%06d', n, 0)
    WHEN c < 999999 THEN printf('%015d-%06d', m, c + 1)
    ELSE printf('%015d-%06d', m + 1, 0) END
  FROM (SELECT CAST(round(unixepoch('subsec') * 1000) AS INTEGER) AS n,
    CAST(substr(clock, 1, 15) AS INTEGER) AS m, CAST(substr(clock, 17) AS INTEGER) AS c
    FROM replica_node WHERE id = 1))`;

// A memory row's replicated state.
const STATE = (row: string) =>
  `CASE WHEN ${row}.removal = 'archived' THEN 'archived' WHEN ${row}.deleted_at IS NOT NULL THEN 'deleted' ELSE 'live' END`;

// Stamp one key: advance the clock, then write its version with the new stamp and a new feed position.
const STAMP = (row: string, state: string) => `
  UPDATE replica_node SET clock = ${NEXT_HLC} WHERE id = 1;
  INSERT INTO replica_versions (id, kind, hlc, origin, state, seq, namespace)
  VALUES (${row}.id, 'memory', (SELECT clock FROM replica_node WHERE id = 1),
    (SELECT node_id FROM replica_node WHERE id = 1), ${state},
    (SELECT coalesce(max(seq), 0) + 1 FROM replica_versions), ${row}.namespace)
  ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, hlc = excluded.hlc, origin = excluded.origin,
    state = excluded.state, seq = excluded.seq, namespace = excluded.namespace;`;

// Applying a peer's change writes its version itself: the triggers stand aside while applying = 1.
const NOT_APPLYING = "(SELECT applying FROM replica_node WHERE id = 1) = 0";

// The columns whose change is a new version; access_count and last_accessed_at are local.
const REPLICATED = [
  "tier",
  "namespace",
  "title",
  "content",
  "tags",
  "priority",
  "confidence",
  "source",
  "created_at",
  "updated_at",
  "expires_at",
  "metadata",
  "agent_id",
  "scope",
  "deleted_at",
  "deleted_by",
  "removal",
  "archive_reason",
];

// A row's stamp at backfill: its last change (update, delete or archive), else the migration's time.
const BACKFILL_MS = `CAST(round(coalesce(
    max(unixepoch(updated_at, 'subsec'), coalesce(unixepoch(deleted_at, 'subsec'), 0)),
    unixepoch('subsec')) * 1000) AS INTEGER)`;

export const sql = `
CREATE TABLE replica_node (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  node_id TEXT NOT NULL,
  clock TEXT NOT NULL,
  applying INTEGER NOT NULL DEFAULT 0
);
INSERT INTO replica_node (id, node_id, clock) VALUES (1, lower(hex(randomblob(8))), '000000000000000-000000');

CREATE TABLE replica_versions (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('memory')),
  hlc TEXT NOT NULL,
  origin TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('live', 'archived', 'deleted')),
  seq INTEGER NOT NULL UNIQUE,
  namespace TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX replica_versions_namespace ON replica_versions (namespace, id);

CREATE TABLE replica_cursors (
  peer TEXT NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('pull', 'push')),
  value INTEGER NOT NULL,
  PRIMARY KEY (peer, direction)
) WITHOUT ROWID;

-- Existing memories get versions, so a new peer can pull everything.
INSERT INTO replica_versions (id, kind, hlc, origin, state, seq, namespace)
SELECT id, 'memory', printf('%015d-%06d', ${BACKFILL_MS}, 0), (SELECT node_id FROM replica_node),
  ${STATE("memories")}, row_number() OVER (ORDER BY seq), namespace
FROM memories;
UPDATE replica_node SET clock = max(
  printf('%015d-%06d', CAST(round(unixepoch('subsec') * 1000) AS INTEGER), 0),
  coalesce((SELECT max(hlc) FROM replica_versions), '')) WHERE id = 1;

CREATE TRIGGER memories_replica_insert AFTER INSERT ON memories WHEN ${NOT_APPLYING} BEGIN
${STAMP("new", STATE("new"))}
END;

CREATE TRIGGER memories_replica_update AFTER UPDATE ON memories
WHEN ${NOT_APPLYING} AND (${REPLICATED.map((c) => `old.${c} IS NOT new.${c}`).join(" OR ")}) BEGIN
${STAMP("new", STATE("new"))}
END;

-- A purge leaves the version as a tombstone (no GC of tombstones yet: docs/federation.md).
CREATE TRIGGER memories_replica_delete AFTER DELETE ON memories WHEN ${NOT_APPLYING} BEGIN
${STAMP("old", "'deleted'")}
END;
`;
