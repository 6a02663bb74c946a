// Schema v16: links replicate. Every memory_links row has a version (kind 'link') kept by triggers,
// and replica_links holds each link version's fields, also while the row cannot exist locally.

export const name = "link_replication";

// The next stamp after the clock row's, at SQLite's wall clock: the same expression as 0015's.
const NEXT_HLC = `(SELECT CASE
    WHEN n > m THEN printf('%015d-%06d', n, 0)
    WHEN c < 999999 THEN printf('%015d-%06d', m, c + 1)
    ELSE printf('%015d-%06d', m + 1, 0) END
  FROM (SELECT CAST(round(unixepoch('subsec') * 1000) AS INTEGER) AS n,
    CAST(substr(clock, 1, 15) AS INTEGER) AS m, CAST(substr(clock, 17) AS INTEGER) AS c
    FROM replica_node WHERE id = 1))`;

// The replication key of a link (replication_store.ts: linkKey).
const KEY = (row: string) =>
  `('link:' || ${row}.relation || ':' || length(${row}.source_id) || ':' || ${row}.source_id || ':' || ${row}.target_id)`;

// A link's namespace is its source memory's; in a purge's cascade the row is already gone, and the
// memory's tombstone version still has it.
const NAMESPACE = (row: string) =>
  `coalesce((SELECT namespace FROM memories WHERE id = ${row}.source_id),
    (SELECT namespace FROM replica_versions WHERE id = ${row}.source_id),
    (SELECT namespace FROM replica_versions WHERE id = ${KEY(row)}), '')`;

const STATE = (row: string) => `CASE WHEN ${row}.deleted_at IS NULL THEN 'live' ELSE 'deleted' END`;

const FIELDS = [
  "source_id",
  "target_id",
  "relation",
  "created_at",
  "valid_from",
  "valid_until",
  "observed_by",
];

// Stamp one link: advance the clock, then write its version with the new stamp and a new feed position.
const STAMP = (row: string, state: string) => `
  UPDATE replica_node SET clock = ${NEXT_HLC} WHERE id = 1;
  INSERT INTO replica_versions (id, kind, hlc, origin, state, seq, namespace)
  VALUES (${KEY(row)}, 'link', (SELECT clock FROM replica_node WHERE id = 1),
    (SELECT node_id FROM replica_node WHERE id = 1), ${state},
    (SELECT coalesce(max(seq), 0) + 1 FROM replica_versions), ${NAMESPACE(row)})
  ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, hlc = excluded.hlc, origin = excluded.origin,
    state = excluded.state, seq = excluded.seq, namespace = excluded.namespace;`;

// The version's fields are the row's, as written.
const KEEP_FIELDS = (row: string) => `
  INSERT INTO replica_links (key, ${FIELDS.join(", ")}, deleted_at)
  VALUES (${KEY(row)}, ${FIELDS.map((c) => `${row}.${c}`).join(", ")}, ${row}.deleted_at)
  ON CONFLICT (key) DO UPDATE SET ${
  [...FIELDS, "deleted_at"].map((c) => `${c} = excluded.${c}`).join(", ")
};`;

const NOT_APPLYING = "(SELECT applying FROM replica_node WHERE id = 1) = 0";

// A link's stamp at backfill: its deletion, else its creation.
const BACKFILL_MS = `CAST(round(coalesce(
    max(unixepoch(l.created_at, 'subsec'), coalesce(unixepoch(l.deleted_at, 'subsec'), 0)),
    unixepoch('subsec')) * 1000) AS INTEGER)`;

export const sql = `
-- kind may now be 'link'. A CHECK cannot be altered: rebuild the table. legacy_alter_table keeps
-- the rename from checking the memories triggers, which name replica_versions and still will.
PRAGMA legacy_alter_table = ON;
CREATE TABLE replica_versions_v16 (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('memory', 'link')),
  hlc TEXT NOT NULL,
  origin TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('live', 'archived', 'deleted')),
  seq INTEGER NOT NULL UNIQUE,
  namespace TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO replica_versions_v16 (id, kind, hlc, origin, state, seq, namespace)
SELECT id, kind, hlc, origin, state, seq, namespace FROM replica_versions;
DROP TABLE replica_versions;
ALTER TABLE replica_versions_v16 RENAME TO replica_versions;
PRAGMA legacy_alter_table = OFF;
CREATE INDEX replica_versions_namespace ON replica_versions (namespace, id);

-- Each link version's fields (none for a purged tombstone). The memory_links row is derived from
-- them and from its two memories (src/store/sqlite/link_replication.ts); without its memories on
-- this node the row cannot exist (foreign keys), and the fields wait here until they arrive.
CREATE TABLE replica_links (
  key TEXT PRIMARY KEY,
  source_id TEXT NOT NULL,
  target_id TEXT NOT NULL,
  relation TEXT NOT NULL,
  created_at TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_until TEXT,
  observed_by TEXT,
  deleted_at TEXT
) WITHOUT ROWID;
CREATE INDEX replica_links_source ON replica_links (source_id);
CREATE INDEX replica_links_target ON replica_links (target_id);

-- Existing links get versions, after the memories' in the feed, so a new peer pulls everything.
INSERT INTO replica_versions (id, kind, hlc, origin, state, seq, namespace)
SELECT ${KEY("l")}, 'link', printf('%015d-%06d', ${BACKFILL_MS}, 0), (SELECT node_id FROM replica_node),
  ${STATE("l")},
  (SELECT coalesce(max(seq), 0) FROM replica_versions)
    + row_number() OVER (ORDER BY l.source_id, l.target_id, l.relation),
  (SELECT namespace FROM memories WHERE id = l.source_id)
FROM memory_links l;
INSERT INTO replica_links (key, ${FIELDS.join(", ")}, deleted_at)
SELECT ${KEY("l")}, ${FIELDS.map((c) => `l.${c}`).join(", ")}, l.deleted_at FROM memory_links l;
UPDATE replica_node SET clock = max(clock, coalesce((SELECT max(hlc) FROM replica_versions), ''))
WHERE id = 1;

CREATE TRIGGER memory_links_replica_insert AFTER INSERT ON memory_links WHEN ${NOT_APPLYING} BEGIN
${STAMP("new", STATE("new"))}
${KEEP_FIELDS("new")}
END;

CREATE TRIGGER memory_links_replica_update AFTER UPDATE ON memory_links
WHEN ${NOT_APPLYING} AND (${
  [...FIELDS, "deleted_at"].map((c) => `old.${c} IS NOT new.${c}`).join(" OR ")
}) BEGIN
${STAMP("new", STATE("new"))}
${KEEP_FIELDS("new")}
END;

-- A hard delete (a purged memory's cascade) leaves a purged tombstone: a version, no fields.
CREATE TRIGGER memory_links_replica_delete AFTER DELETE ON memory_links WHEN ${NOT_APPLYING} BEGIN
${STAMP("old", "'deleted'")}
  DELETE FROM replica_links WHERE key = ${KEY("old")};
END;
`;
