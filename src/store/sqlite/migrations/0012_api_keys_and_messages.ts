// Schema v12: API keys for the HTTP surface (only a hash of each secret is kept) and the agent
// messages of memory_notify / memory_inbox, kept apart from memories so recall never returns them.

export const name = "api_keys_and_messages";

export const sql = `
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  secret_sha256 TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  read_namespaces TEXT NOT NULL,
  write_namespaces TEXT NOT NULL,
  label TEXT,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX api_keys_active ON api_keys (revoked_at) WHERE revoked_at IS NULL;

CREATE TABLE agent_messages (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  from_agent TEXT NOT NULL,
  to_agent TEXT NOT NULL,
  title TEXT NOT NULL,
  payload TEXT NOT NULL,
  namespace TEXT,
  priority INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  read_at TEXT
);
CREATE INDEX agent_messages_inbox ON agent_messages (to_agent, seq);
CREATE INDEX agent_messages_unread ON agent_messages (to_agent, seq) WHERE read_at IS NULL;
`;
