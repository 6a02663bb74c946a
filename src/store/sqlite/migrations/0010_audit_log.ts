// Schema v10: the audit trail. One row per write transaction, appended in that transaction and
// chained by SHA-256 to the row before it; no statement of the program updates or deletes a row.

export const name = "audit_log";

export const sql = `
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  operation TEXT NOT NULL,
  action TEXT NOT NULL,
  ids TEXT NOT NULL,
  namespaces TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);

-- The chain detects an edit; these make an accidental one fail loudly. Anyone who can write the
-- file can drop them, which is why verification recomputes the chain instead of trusting them.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
`;
