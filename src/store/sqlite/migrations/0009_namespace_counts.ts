// Schema v9: the namespace tree's counts (memory_get_taxonomy) read an index holding each live
// memory's namespace and expiry, in namespace order, instead of every memory row.

export const name = "namespace_counts";

export const sql = `
CREATE INDEX memories_live_ns_expiry ON memories (namespace, expires_at) WHERE deleted_at IS NULL;
`;
