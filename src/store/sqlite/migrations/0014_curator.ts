// Schema v14: the curator's place in the stream of memories (the last one a cycle finished, by
// creation time then id), so a cycle stopped by its budget or a crash resumes there.

export const name = "curator";

export const sql = `
CREATE TABLE curator_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  cursor_created_at TEXT,
  cursor_id TEXT,
  cycles INTEGER NOT NULL DEFAULT 0,
  last_run_at TEXT,
  last_report TEXT
);
INSERT INTO curator_state (id) VALUES (1);
CREATE INDEX memories_created_id ON memories (created_at, id);
`;
