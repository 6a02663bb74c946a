// Schema v5: live memories in the order they were stored, per namespace, so recall can read what
// was stored just before and after a match (its conversational context) with index seeks.

export const name = "namespace_order";

export const sql = `
CREATE INDEX memories_live_ns_seq ON memories (namespace, seq) WHERE deleted_at IS NULL;
`;
