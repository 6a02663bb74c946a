// Links in the replication feed: their wire form, a peer's link version kept in replica_links, and
// the memory_links row derived from that version and its two memories (the same on every node).
import type { LinkChange, ReplicatedLink } from "../replication_store.ts";
import { LINK_COLUMNS } from "./link_columns.ts";
import type { SqliteSession } from "./session.ts";

/** Columns a feed query selects from replica_links (alias `p`), prefixed `l_` beside the memory's. */
export const LINK_FEED_COLUMNS = LINK_COLUMNS.map((c) => `p.${c} AS l_${c}`).join(", ");

/** A feed row's link columns (all null for a purged tombstone). */
export type LinkFeedColumns = { [K in typeof LINK_COLUMNS[number] as `l_${K}`]: string | null };

/** The wire fields of a feed row's link, or null when the version has none (a purged tombstone). */
export function linkFromFeed(row: LinkFeedColumns): ReplicatedLink | null {
  if (row.l_source_id === null) return null;
  return {
    source_id: row.l_source_id,
    target_id: row.l_target_id!,
    relation: row.l_relation as ReplicatedLink["relation"],
    created_at: row.l_created_at!,
    valid_from: row.l_valid_from!,
    valid_until: row.l_valid_until,
    observed_by: row.l_observed_by,
    deleted_at: row.l_deleted_at,
  };
}

type Triple = Pick<ReplicatedLink, "source_id" | "target_id" | "relation">;

const UPSERT_FIELDS_SQL = `INSERT INTO replica_links (key, ${LINK_COLUMNS.join(", ")})
  VALUES (@key, ${LINK_COLUMNS.map((c) => "@" + c).join(", ")})
  ON CONFLICT (key) DO UPDATE SET ${LINK_COLUMNS.map((c) => `${c} = excluded.${c}`).join(", ")}`;
const UPSERT_ROW_SQL = `INSERT INTO memory_links (${LINK_COLUMNS.join(", ")})
  VALUES (${LINK_COLUMNS.map((c) => "@" + c).join(", ")})
  ON CONFLICT (source_id, target_id, relation) DO UPDATE SET ${
  LINK_COLUMNS.slice(3).map((c) => `${c} = excluded.${c}`).join(", ")
}`;
const DELETE_ROW_SQL = "DELETE FROM memory_links WHERE source_id = ? AND target_id = ? AND relation = ?";

/**
 * Keep a peer's link version's fields (must run while the triggers stand aside). A purged
 * tombstone drops the fields and the row; the version itself is the caller's to write.
 */
export function keepLinkVersion(s: SqliteSession, change: LinkChange): void {
  if (change.link === null) {
    const held = s.stmt("SELECT source_id, target_id, relation FROM replica_links WHERE key = ?")
      .get(change.id) as Triple | undefined;
    if (held) s.stmt(DELETE_ROW_SQL).run(held.source_id, held.target_id, held.relation);
    s.stmt("DELETE FROM replica_links WHERE key = ?").run(change.id);
    return;
  }
  s.stmt(UPSERT_FIELDS_SQL).run({ key: change.id, ...change.link });
}

/**
 * Rebuild the memory_links rows of these link keys and of every link touching these memories
 * from their versions. The row is a function of replicated state only, so every node holding the
 * same versions and memories holds the same rows, whatever the order they arrived in:
 * - no fields (a purged tombstone) or a memory missing here: no row (the fields wait in
 *   replica_links until the memory arrives);
 * - a deleted version: the row with the version's deleted_at;
 * - a live version with a deleted memory at either end: the row deleted at that memory's
 *   deleted_at (the earlier of two), as the memory_links_follow_delete trigger does locally
 *   (a title-collision loser's links, or a live version from a node that had not seen the delete);
 * - otherwise the live row.
 * Must run while the triggers stand aside: these rows are derived, not new versions.
 */
export function materializeLinks(
  s: SqliteSession,
  options: { keys: readonly string[]; memoryIds: readonly string[] },
): void {
  const rows = s.stmt(
    `SELECT p.key, p.${LINK_COLUMNS.join(", p.")}, v.state FROM replica_links p
     JOIN replica_versions v ON v.id = p.key
     WHERE p.key IN (SELECT value FROM json_each(@keys))
       OR p.source_id IN (SELECT value FROM json_each(@ids))
       OR p.target_id IN (SELECT value FROM json_each(@ids))`,
  ).all({ keys: JSON.stringify(options.keys), ids: JSON.stringify(options.memoryIds) }) as (
    ReplicatedLink & { key: string; state: "live" | "deleted" }
  )[];
  const end = s.stmt("SELECT removal, deleted_at FROM memories WHERE id = ?");
  for (const { key: _key, state, ...link } of rows) {
    const ends = [...new Set([link.source_id, link.target_id])].map((id) =>
      end.get(id) as { removal: string | null; deleted_at: string | null } | undefined
    );
    if (ends.some((e) => e === undefined)) {
      s.stmt(DELETE_ROW_SQL).run(link.source_id, link.target_id, link.relation);
      continue;
    }
    const endDeleted = ends.filter((e) => e!.removal === "deleted").map((e) => e!.deleted_at!).sort()[0];
    const deleted_at = state === "deleted" ? link.deleted_at : endDeleted ?? null;
    s.stmt(UPSERT_ROW_SQL).run({ ...link, deleted_at });
  }
}
