// Storage interface for HTTP API keys: who a key acts as and which namespaces it may read and
// write. Only a SHA-256 of each secret is stored; the secret itself is shown once, at creation.

/** An API key as listed: never the secret, never its hash. */
export interface ApiKey {
  /** Public key id (also the first part of the token). */
  id: string;
  /** The agent every request with this key acts as. */
  agent_id: string;
  /** Namespace patterns the key may read. */
  read: string[];
  /** Namespace patterns the key may write. */
  write: string[];
  label: string | null;
  created_at: string;
  revoked_at: string | null;
}

/** API keys. */
export interface KeyStore {
  /** Store a new key with the SHA-256 (hex) of its secret. */
  create(key: Omit<ApiKey, "revoked_at">, options: { secretSha256: string }): Promise<ApiKey>;
  /** Keys, oldest first; revoked ones only when asked. */
  list(options: { includeRevoked: boolean }): Promise<ApiKey[]>;
  /** Revoke a key (idempotent; the first revocation time is kept). @throws {MemoryError} not_found */
  revoke(id: string, options: { now: string }): Promise<ApiKey>;
  /** The unrevoked key with this id and its secret's hash, or null. */
  active(id: string): Promise<{ key: ApiKey; secretSha256: string } | null>;
  /** True when at least one unrevoked key exists. */
  anyActive(): Promise<boolean>;
}
