// Schema v4: the FTS index stems English words (Porter), so "painting", "painted" and "paints"
// match one another; rebuilt from the live memories, since the index never holds tombstones.

export const name = "porter_stemming";

export const sql = `
DROP TABLE memories_fts_vocab;
DROP TABLE memories_fts;

CREATE VIRTUAL TABLE memories_fts USING fts5 (
  title, content, tags,
  content = 'memories', content_rowid = 'seq',
  tokenize = 'porter unicode61 remove_diacritics 2'
);

-- Not 'rebuild': that would read every row of memories, tombstones included.
INSERT INTO memories_fts (rowid, title, content, tags)
  SELECT seq, title, content, tags FROM memories WHERE deleted_at IS NULL;

CREATE VIRTUAL TABLE memories_fts_vocab USING fts5vocab (memories_fts, 'row');
`;
