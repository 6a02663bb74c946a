// Webhook subscriptions and their outbox as the layers above the store see them. Events are
// queued by the store itself in each write's transaction; dispatchers lease and settle them.

/** A subscription as every surface shows it: never the secret, only whether there is one. */
export interface Subscription {
  id: string;
  url: string;
  /** `*` or a comma list of event names. */
  events: string;
  has_secret: boolean;
  namespace_filter: string | null;
  agent_filter: string | null;
  created_by: string;
  created_at: string;
  last_dispatched_at: string | null;
  /** Deliveries that succeeded. */
  dispatch_count: number;
  /** Attempts that failed (each retry counts). */
  failure_count: number;
  /** Events waiting for a (first or next) attempt. */
  pending: number;
  /** Events that failed every attempt (the dead-letter state). */
  dead: number;
  /** The latest failure, without the response body. */
  last_error: string | null;
}

/** A new subscription; the store keeps only the SHA-256 of the secret. */
export interface SubscriptionDraft {
  id: string;
  url: string;
  events: string;
  secretHash: string | null;
  namespaceFilter: string | null;
  agentFilter: string | null;
  createdBy: string;
  createdAt: string;
}

/** One leased delivery. */
export interface Delivery {
  id: number;
  subscription_id: string;
  url: string;
  /** SHA-256 hex of the secret (the HMAC key), or null for an unsigned subscription. */
  secret_hash: string | null;
  event: string;
  /** The event's JSON object, without delivered_at. */
  payload: string;
  attempts: number;
}

/** Subscriptions and the outbox. */
export interface WebhookStore {
  subscribe(draft: SubscriptionDraft): Promise<Subscription>;
  /** @throws {MemoryError} not_found */
  unsubscribe(id: string): Promise<Subscription>;
  list(): Promise<Subscription[]>;
  /**
   * Lease up to `limit` due events (pending, next attempt due, no live lease), oldest first,
   * leaving out `skip` subscriptions; each lease counts as an attempt.
   */
  claim(options: { now: string; leaseUntil: string; limit: number; skip: string[] }): Promise<Delivery[]>;
  /** The event reached its receiver: remove it and count it on the subscription. */
  delivered(id: number, options: { now: string }): Promise<void>;
  /** The attempt failed: retry at `retryAt`, or dead-letter it when `retryAt` is null. */
  failed(id: number, options: { error: string; retryAt: string | null }): Promise<void>;
  /** Give the lease back without counting an attempt (this process may not deliver it). */
  release(id: number, options: { error: string }): Promise<void>;
}
