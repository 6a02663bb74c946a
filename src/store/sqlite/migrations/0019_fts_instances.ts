// Schema v19: a read-only view of every occurrence of every term in the FTS index (term, memory,
// column, offset), so keyword recall can compute bm25() itself for the matches of a few terms
// (bm25_terms.ts). Like the v2 vocabulary view it stores nothing: FTS5 reads its own index.

export const name = "fts_instances";

export const sql = `
CREATE VIRTUAL TABLE memories_fts_instance USING fts5vocab (memories_fts, 'instance');
`;
