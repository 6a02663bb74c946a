// Schema v11: webhooks. Subscriptions (the secret only as its SHA-256, which is the signing key),
// and a durable outbox filled in each write's transaction and drained after commit by dispatchers.

export const name = "webhooks";

export const sql = `
CREATE TABLE subscriptions (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  events TEXT NOT NULL DEFAULT '*',
  secret_hash TEXT,
  namespace_filter TEXT,
  agent_filter TEXT,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_dispatched_at TEXT,
  dispatch_count INTEGER NOT NULL DEFAULT 0,
  failure_count INTEGER NOT NULL DEFAULT 0,
  last_error TEXT
);
CREATE INDEX subscriptions_url ON subscriptions (url);

-- One row per (event, subscription). A delivered row is removed (the subscription counts it); a row
-- that failed max attempts stays as 'dead' (the dead-letter state) until its subscription goes.
-- A lease keeps two dispatchers (in two processes) off one row.
CREATE TABLE webhook_outbox (
  id INTEGER PRIMARY KEY,
  subscription_id TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
  audit_seq INTEGER NOT NULL,
  event TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  lease_until TEXT,
  last_error TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX webhook_outbox_ready ON webhook_outbox (state, next_attempt_at);
CREATE INDEX webhook_outbox_subscription ON webhook_outbox (subscription_id, state);
`;
