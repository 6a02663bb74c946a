// Schema v13: governance. A namespace's policy (with the owner fixed when it was set) beside its
// standard, and the queue of actions a policy sent for approval, with the votes and the replay.
// (v12 is taken by work on another branch; the runner applies missing versions in list order.)

export const name = "governance";

export const sql = `
ALTER TABLE namespace_meta ADD COLUMN governance TEXT;

-- One queued action: the operation and its full validated input, replayed once when approved.
-- status moves pending -> approved | rejected once, in a write transaction (the claim).
CREATE TABLE pending_actions (
  id TEXT PRIMARY KEY,
  action_type TEXT NOT NULL,
  operation TEXT NOT NULL,
  memory_id TEXT,
  namespace TEXT NOT NULL,
  payload TEXT NOT NULL,
  reason TEXT NOT NULL,
  approver TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  decided_by TEXT,
  decided_at TEXT,
  approvals TEXT NOT NULL DEFAULT '[]',
  executed_at TEXT,
  outcome TEXT
);
CREATE INDEX pending_actions_status ON pending_actions (status, requested_at);
CREATE INDEX pending_actions_namespace ON pending_actions (namespace);
`;
