// API keys in SQLite: the secret's SHA-256 is kept for verification and never read back out.
import { notFound } from "../../core/errors.ts";
import type { ApiKey, KeyStore } from "../key_store.ts";
import type { SqliteSession } from "./session.ts";

interface KeyRow {
  id: string;
  secret_sha256: string;
  agent_id: string;
  read_namespaces: string;
  write_namespaces: string;
  label: string | null;
  created_at: string;
  revoked_at: string | null;
}

function toKey(row: KeyRow): ApiKey {
  return {
    id: row.id,
    agent_id: row.agent_id,
    read: JSON.parse(row.read_namespaces),
    write: JSON.parse(row.write_namespaces),
    label: row.label,
    created_at: row.created_at,
    revoked_at: row.revoked_at,
  };
}

/** KeyStore on SQLite. */
export class SqliteKeys implements KeyStore {
  readonly #s: SqliteSession;

  constructor(session: SqliteSession) {
    this.#s = session;
  }

  create(key: Omit<ApiKey, "revoked_at">, options: { secretSha256: string }): Promise<ApiKey> {
    return this.#s.write(() => {
      this.#s.stmt(
        `INSERT INTO api_keys (id, secret_sha256, agent_id, read_namespaces, write_namespaces, label, created_at)
         VALUES (@id, @secret, @agent_id, @read, @write, @label, @created_at)`,
      ).run({
        id: key.id,
        secret: options.secretSha256,
        agent_id: key.agent_id,
        read: JSON.stringify(key.read),
        write: JSON.stringify(key.write),
        label: key.label,
        created_at: key.created_at,
      });
      return { ...key, revoked_at: null };
    }, (created) => ({ action: "key.create", ids: [created.id], namespaces: [] }));
  }

  list(options: { includeRevoked: boolean }): Promise<ApiKey[]> {
    return this.#s.read(() =>
      (this.#s.stmt(
        `SELECT * FROM api_keys WHERE @all OR revoked_at IS NULL ORDER BY created_at, id`,
      ).all({ all: options.includeRevoked ? 1 : 0 }) as KeyRow[]).map(toKey)
    );
  }

  revoke(id: string, options: { now: string }): Promise<ApiKey> {
    let revoked = 0;
    return this.#s.write(() => {
      revoked = this.#s.stmt("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").run(
        options.now,
        id,
      ).changes;
      const row = this.#s.stmt("SELECT * FROM api_keys WHERE id = ?").get(id) as KeyRow | undefined;
      if (!row) throw notFound("API key", id);
      return toKey(row);
    }, (key) => (revoked > 0 ? { action: "key.revoke", ids: [key.id], namespaces: [] } : null));
  }

  active(id: string): Promise<{ key: ApiKey; secretSha256: string } | null> {
    return this.#s.read(() => {
      const row = this.#s.stmt("SELECT * FROM api_keys WHERE id = ? AND revoked_at IS NULL").get(id) as
        | KeyRow
        | undefined;
      return row ? { key: toKey(row), secretSha256: row.secret_sha256 } : null;
    });
  }

  anyActive(): Promise<boolean> {
    return this.#s.read(() =>
      this.#s.stmt("SELECT 1 FROM api_keys WHERE revoked_at IS NULL LIMIT 1").get() !== undefined
    );
  }
}
