// Schema v20: the document counts of common query terms, kept for every process that opens the
// database. Counting a common term reads its whole posting list in the FTS vocabulary (4 ms for a
// word in most of 100,000 memories); each process kept its counts for itself, so every new MCP
// server (one per client session) paid for every common word again. Derived data: never
// replicated, exported or audited; a row past its use is counted again (sqlite_store.ts).

export const name = "term_counts";

export const sql = `
CREATE TABLE fts_term_counts (
  term TEXT PRIMARY KEY,
  docs INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  counted_at INTEGER NOT NULL
) WITHOUT ROWID;
`;
