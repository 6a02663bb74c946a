// Schema v2: a read-only view of the FTS vocabulary (documents per term), so recall can skip
// terms so common that BM25 gives them no weight.

export const name = "fts_vocab";

export const sql = `
CREATE VIRTUAL TABLE memories_fts_vocab USING fts5vocab (memories_fts, 'row');
`;
