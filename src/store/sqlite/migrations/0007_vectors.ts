// Schema v7: embeddings. Every write of a memory's text queues it (by trigger, so every write path
// and every process does); a model worker embeds off the write path and stores the vector here.

export const name = "vectors";

export const sql = `
-- One vector per memory, for the model that made it. change orders writes for the in-process
-- indexes, which catch up with "change > what I have"; it is unique and only grows.
CREATE TABLE memory_vectors (
  memory_seq INTEGER PRIMARY KEY REFERENCES memories (seq) ON DELETE CASCADE,
  model TEXT NOT NULL,
  dimensions INTEGER NOT NULL CHECK (dimensions > 0),
  vector BLOB NOT NULL CHECK (length(vector) = 4 * dimensions),
  change INTEGER NOT NULL,
  embedded_at TEXT NOT NULL
);
CREATE UNIQUE INDEX memory_vectors_change ON memory_vectors (change);

-- Memories whose text has no current vector. gen is new on every rewrite (a database-wide counter,
-- so it never repeats even after the row left the queue), and a vector computed from an older
-- text is never saved over a newer one; a lease keeps two workers off one row.
CREATE TABLE embed_queue (
  memory_seq INTEGER PRIMARY KEY REFERENCES memories (seq) ON DELETE CASCADE,
  gen INTEGER NOT NULL,
  queued_at TEXT NOT NULL,
  lease_until TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT
);
CREATE INDEX embed_queue_ready ON embed_queue (lease_until, memory_seq);

-- epoch names this database's vector history; a persisted index built from another database
-- (a restore, a copy) does not carry it and is rebuilt.
-- gen counts text writes across the whole database.
CREATE TABLE vector_meta (key TEXT PRIMARY KEY, value NOT NULL);
INSERT INTO vector_meta (key, value) VALUES ('epoch', lower(hex(randomblob(16))));
INSERT INTO vector_meta (key, value) VALUES ('gen', 0);

INSERT INTO embed_queue (memory_seq, gen, queued_at)
SELECT seq, seq, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM memories WHERE removal IS NOT 'deleted';
UPDATE vector_meta SET value = (SELECT COALESCE(MAX(seq), 0) FROM memories) WHERE key = 'gen';

CREATE TRIGGER memories_embed_insert AFTER INSERT ON memories BEGIN
  UPDATE vector_meta SET value = value + 1 WHERE key = 'gen';
  INSERT INTO embed_queue (memory_seq, gen, queued_at)
  VALUES (new.seq, (SELECT value FROM vector_meta WHERE key = 'gen'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  ON CONFLICT (memory_seq) DO UPDATE SET gen = excluded.gen, lease_until = NULL, attempts = 0,
    last_error = NULL, queued_at = excluded.queued_at;
END;

CREATE TRIGGER memories_embed_update AFTER UPDATE OF title, content ON memories
WHEN old.title IS NOT new.title OR old.content IS NOT new.content BEGIN
  UPDATE vector_meta SET value = value + 1 WHERE key = 'gen';
  INSERT INTO embed_queue (memory_seq, gen, queued_at)
  VALUES (new.seq, (SELECT value FROM vector_meta WHERE key = 'gen'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  ON CONFLICT (memory_seq) DO UPDATE SET gen = excluded.gen, lease_until = NULL, attempts = 0,
    last_error = NULL, queued_at = excluded.queued_at;
END;
`;
