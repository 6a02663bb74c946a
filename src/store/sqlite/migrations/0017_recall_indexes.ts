// Schema v17: two indexes that keep a recall's per-match checks in a few small, hot pages.
// - A successor check ("is this memory superseded?") runs for every candidate of every filtered
//   read. It looked each one up in memory_links_target, an index over every link (20 MB at 100k
//   memories); an index over the live 'supersedes' links alone is as small as they are few.
// - A match's stored neighbours (keyword_context.ts) are read by namespace and seq, and must be
//   unexpired: with the expiry in the index, the window is read from the index without the rows.
//   deleted_at is always NULL there; it is a column only so that SQLite, which asks that every
//   column a query names be in the index, counts the index as covering.

export const name = "recall_indexes";

export const sql = `
CREATE INDEX memory_links_superseded ON memory_links (target_id)
  WHERE relation = 'supersedes' AND deleted_at IS NULL;
DROP INDEX memories_live_ns_seq;
CREATE INDEX memories_live_ns_seq ON memories (namespace, seq, expires_at, deleted_at)
  WHERE deleted_at IS NULL;
`;
