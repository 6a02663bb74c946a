// Webhooks in SQLite: subscriptions, the outbox fan-out run inside every audited write, and the
// lease/settle steps of the dispatchers (several processes may dispatch from one database).
import type { AuditRecord } from "../../core/audit_chain.ts";
import { notFound } from "../../core/errors.ts";
import type { Delivery, Subscription, SubscriptionDraft, WebhookStore } from "../webhook_store.ts";
import type { SqliteSession, Statement } from "./session.ts";

// Outbox bookkeeping is delivery state, not a change of what the database knows: not audited.
const notAudited = () => null;

// Bookkeeping and configuration, not events: recall's touches, subscriptions, API keys, and an
// inbox marked read. Nor is a write queued by governance: it has not happened (its replay, when
// approved, is the event). Nor is a peer's change applied by replication: the event fired on the
// node where the change was made, and subscribers of every node would otherwise get it once per node.
const NOT_EVENTS = new Set([
  "memory.touch",
  "subscription.create",
  "subscription.delete",
  "key.create",
  "key.revoke",
  "message.read",
  "pending.create",
  "memory.replicate",
]);

const VIEW_SQL = `SELECT s.id, s.url, s.events, s.secret_hash IS NOT NULL AS has_secret, s.namespace_filter,
    s.agent_filter, s.created_by, s.created_at, s.last_dispatched_at, s.dispatch_count, s.failure_count,
    (SELECT count(*) FROM webhook_outbox o WHERE o.subscription_id = s.id AND o.state = 'pending') AS pending,
    (SELECT count(*) FROM webhook_outbox o WHERE o.subscription_id = s.id AND o.state = 'dead') AS dead,
    s.last_error
  FROM subscriptions s`;

const FAN_OUT_SQL =
  `INSERT INTO webhook_outbox (subscription_id, audit_seq, event, payload, next_attempt_at, created_at)
  SELECT id, @seq, @event, @payload, @at, @at FROM subscriptions
  WHERE (events = '*' OR instr(',' || events || ',', ',' || @event || ',') > 0)
    AND (namespace_filter IS NULL OR namespace_filter IN (SELECT value FROM json_each(@namespaces)))
    AND (agent_filter IS NULL OR agent_filter = @actor)`;

type ViewRow = Omit<Subscription, "has_secret"> & { has_secret: number };

function toSubscription(row: ViewRow): Subscription {
  return { ...row, has_secret: row.has_secret === 1 };
}

/**
 * Queue the event of an audit record for every matching subscription, in the write's transaction.
 * The event is named after the operation (e.g. `memory_store`, also for the replay of an approved
 * action, whose audit operation adds "(pending …, approved by …)"); the payload is fixed now.
 */
export function enqueueEvents(stmt: (sql: string) => Statement, record: AuditRecord): void {
  if (NOT_EVENTS.has(record.action)) return;
  const event = record.operation.split(" ")[0]!;
  const payload = JSON.stringify({
    event,
    action: record.action,
    memory_id: record.ids[0] ?? null,
    ids: record.ids,
    namespace: record.namespaces[0] ?? null,
    namespaces: record.namespaces,
    agent_id: record.actor,
    audit_seq: record.seq,
    occurred_at: record.at,
  });
  stmt(FAN_OUT_SQL).run({
    seq: record.seq,
    event,
    payload,
    at: record.at,
    namespaces: JSON.stringify(record.namespaces),
    actor: record.actor,
  });
}

/** WebhookStore on SQLite. */
export class SqliteWebhooks implements WebhookStore {
  readonly #s: SqliteSession;

  constructor(session: SqliteSession) {
    this.#s = session;
  }

  #view(id: string): Subscription | undefined {
    const row = this.#s.stmt(`${VIEW_SQL} WHERE s.id = ?`).get(id) as ViewRow | undefined;
    return row ? toSubscription(row) : undefined;
  }

  subscribe(draft: SubscriptionDraft): Promise<Subscription> {
    return this.#s.write(() => {
      this.#s.stmt(
        `INSERT INTO subscriptions (id, url, events, secret_hash, namespace_filter, agent_filter, created_by, created_at)
         VALUES (@id, @url, @events, @secretHash, @namespaceFilter, @agentFilter, @createdBy, @createdAt)`,
      ).run({ ...draft });
      return this.#view(draft.id)!;
    }, (s) => ({
      action: "subscription.create",
      ids: [s.id],
      namespaces: s.namespace_filter === null ? [] : [s.namespace_filter],
    }));
  }

  unsubscribe(id: string): Promise<Subscription> {
    return this.#s.write(() => {
      const existing = this.#view(id);
      if (!existing) throw notFound("subscription", id);
      this.#s.stmt("DELETE FROM subscriptions WHERE id = ?").run(id);
      return existing;
    }, (s) => ({
      action: "subscription.delete",
      ids: [s.id],
      namespaces: s.namespace_filter === null ? [] : [s.namespace_filter],
    }));
  }

  list(): Promise<Subscription[]> {
    return this.#s.read(() =>
      (this.#s.stmt(`${VIEW_SQL} ORDER BY s.created_at, s.id`).all() as ViewRow[]).map(toSubscription)
    );
  }

  claim(options: { now: string; leaseUntil: string; limit: number; skip: string[] }): Promise<Delivery[]> {
    return this.#s.write(() => {
      const leased = this.#s.stmt(
        `UPDATE webhook_outbox SET lease_until = @lease_until, attempts = attempts + 1
         WHERE id IN (
           SELECT id FROM webhook_outbox
           WHERE state = 'pending' AND next_attempt_at <= @now AND (lease_until IS NULL OR lease_until <= @now)
             AND subscription_id NOT IN (SELECT value FROM json_each(@skip))
           ORDER BY next_attempt_at, id LIMIT @limit
         ) RETURNING id`,
      ).all({
        now: options.now,
        lease_until: options.leaseUntil,
        limit: options.limit,
        skip: JSON.stringify(options.skip),
      }) as { id: number }[];
      if (leased.length === 0) return [];
      return this.#s.stmt(
        `SELECT o.id, o.subscription_id, s.url, s.secret_hash, o.event, o.payload, o.attempts
         FROM webhook_outbox o JOIN subscriptions s ON s.id = o.subscription_id
         WHERE o.id IN (SELECT value FROM json_each(?)) ORDER BY o.id`,
      ).all(JSON.stringify(leased.map((l) => l.id))) as Delivery[];
    }, notAudited);
  }

  delivered(id: number, options: { now: string }): Promise<void> {
    return this.#s.write(() => {
      const row = this.#s.stmt("DELETE FROM webhook_outbox WHERE id = ? RETURNING subscription_id").get(id) as
        | { subscription_id: string }
        | undefined;
      if (!row) return;
      this.#s.stmt(
        `UPDATE subscriptions SET dispatch_count = dispatch_count + 1, last_dispatched_at = ?
         WHERE id = ?`,
      ).run(options.now, row.subscription_id);
    }, notAudited);
  }

  failed(id: number, options: { error: string; retryAt: string | null }): Promise<void> {
    const error = options.error.slice(0, 500);
    return this.#s.write(() => {
      const row = this.#s.stmt(
        `UPDATE webhook_outbox SET lease_until = NULL, last_error = @error,
           state = CASE WHEN @retry_at IS NULL THEN 'dead' ELSE 'pending' END,
           next_attempt_at = COALESCE(@retry_at, next_attempt_at)
         WHERE id = @id RETURNING subscription_id`,
      ).get({ id, error, retry_at: options.retryAt }) as { subscription_id: string } | undefined;
      if (!row) return;
      this.#s.stmt("UPDATE subscriptions SET failure_count = failure_count + 1, last_error = ? WHERE id = ?")
        .run(error, row.subscription_id);
    }, notAudited);
  }

  release(id: number, options: { error: string }): Promise<void> {
    return this.#s.write(() => {
      this.#s.stmt(
        "UPDATE webhook_outbox SET lease_until = NULL, attempts = attempts - 1, last_error = ? WHERE id = ?",
      ).run(options.error.slice(0, 500), id);
    }, notAudited);
  }
}
