// The storage interface: everything above it (recall/, ops/, surfaces) speaks only this.
// SQLite is the embedded backend; a PostgreSQL backend implements the same promises.
import type { Memory } from "../core/memory.ts";
import type { Reader } from "../core/visibility.ts";
import type { Attribution } from "../core/audit_chain.ts";
import type { ArchiveStore } from "./archive_store.ts";
import type { AuditStore } from "./audit_store.ts";
import type { WebhookStore } from "./webhook_store.ts";
import type { KeyStore } from "./key_store.ts";
import type { MessageStore } from "./message_store.ts";
import type { PendingStore } from "./pending_store.ts";
import type { CuratorStore } from "./curator_store.ts";
import type { ReplicationStore } from "./replication_store.ts";
import type { TransferStore } from "./transfer_store.ts";
import type { VectorStore } from "./vector_store.ts";
import type { AgentStore, EntityStore, GraphStore, NamespaceStore } from "./graph_store.ts";

/** Fields of a memory that a writer supplies; the store adds ids, counters and times. */
export type MemoryDraft = Omit<
  Memory,
  "id" | "access_count" | "created_at" | "updated_at" | "last_accessed_at"
>;

/** The result of an upsert on (title, namespace). */
export interface StoreOutcome {
  memory: Memory;
  action: "created" | "updated";
}

/** Filters shared by list, recall and search. */
export interface MemoryFilter {
  namespace?: string;
  tier?: Memory["tier"];
  agentId?: string;
  /** A memory must carry every one of these tags. */
  tags?: string[];
  /** created_at >= since */
  since?: string;
  /** created_at <= until */
  until?: string;
  minPriority?: number;
  /** Only these ids. */
  ids?: string[];
  /** Any of these namespaces (e.g. a namespace and its ancestors); combined with `namespace` by AND. */
  namespaceIn?: string[];
  /** Only what this reader may see. */
  reader?: Reader;
  /** Leave out memories replaced by a currently valid `supersedes` link. */
  excludeSuperseded?: boolean;
}

/** A keyword match: the memory and its text relevance (higher is better). */
export interface KeywordHit {
  memory: Memory;
  /** BM25 relevance; 0 for a memory returned only as another match's context. */
  relevance: number;
  /** With `context`: relevance of the memories stored just before it in its namespace, nearest first. */
  before?: number[];
  /** With `context`: relevance of the memories stored just after it in its namespace, nearest first. */
  after?: number[];
}

/** How a touch extends and promotes; null extensions leave that tier's expiry as it is. */
export interface TouchRules {
  /** A short memory's expiry earlier than `shortIfBefore` becomes `shortUntil` (null: unchanged). */
  shortUntil: string | null;
  shortIfBefore: string | null;
  /** A mid memory's expiry earlier than `midIfBefore` becomes `midUntil` (null: unchanged). */
  midUntil: string | null;
  midIfBefore: string | null;
  promoteAt: number;
}

/** What one checkpoint did: pages in the WAL, pages copied back, 1 if another connection was busy. */
export interface CheckpointResult {
  log: number;
  checkpointed: number;
  busy: number;
}

/** Callbacks of a backend's background checkpoints. */
export interface BackgroundCheckpoints {
  /** They stopped (the worker could not start or failed); the backend checkpoints when idle again. */
  onFailure?: (error: string) => void;
  /** One finished. */
  onCheckpoint?: (result: CheckpointResult) => void;
}

/** Counts for memory_stats. */
export interface StoreStats {
  total: number;
  byTier: Record<string, number>;
  byNamespace: Record<string, number>;
  expiringSoon: number;
  deleted: number;
  dbSizeBytes: number;
  schemaVersion: number;
}

/** The storage backend. Every method is atomic; writes are durable when the promise resolves. */
export interface MemoryStore {
  /** Backend name, e.g. "sqlite". */
  readonly backend: string;
  /** Schema version of the open database. */
  readonly schemaVersion: number;
  /** The knowledge graph: typed, temporal links between memories. */
  readonly graph: GraphStore;
  /** Registered agents. */
  readonly agents: AgentStore;
  /** Namespace standards and the namespace tree. */
  readonly namespaces: NamespaceStore;
  /** Entity aliases. */
  readonly entities: EntityStore;
  /** Memories that left the live set by expiry, forget or consolidation. */
  readonly archive: ArchiveStore;
  /** Export, import and snapshots. */
  readonly transfer: TransferStore;
  /** Embeddings: the queue of memories to embed and their vectors. */
  readonly vectors: VectorStore;
  /** The audit trail: one hash-chained record per write, appended in the write's transaction. */
  readonly audit: AuditStore;
  /** Webhook subscriptions and the outbox of their events. */
  readonly webhooks: WebhookStore;
  /** The governance queue: actions waiting for approval. */
  readonly pending: PendingStore;
  /** The curator's cursor and last report. */
  readonly curator: CuratorStore;
  /** Federation's change feed, merge, digests and peer cursors. */
  readonly replication: ReplicationStore;

  /**
   * The same database, whose writes the audit trail records as made by `by` at `by.now()`.
   * Writes of a store that was never attributed are recorded as actor "system", operation "direct".
   */
  attributed(by: Attribution & { now: () => string }): MemoryStore;
  /**
   * The highest position in the federation feed that this view's own writes produced (0 when they
   * produced none): what a write's quorum must confirm. Recall's deferred access bookkeeping is
   * written by the shared connection, not by the view that asked for it, so it never counts.
   */
  replicatedThrough(): number;
  /** HTTP API keys (hashed secrets). */
  readonly keys: KeyStore;
  /** Messages between agents. */
  readonly messages: MessageStore;

  /**
   * Insert a memory, or merge it into the live memory with the same title and namespace.
   * `merge` runs inside the write transaction and returns the merged draft.
   */
  upsert(
    draft: MemoryDraft,
    options: { id: string; now: string; merge: (existing: Memory, incoming: MemoryDraft) => MemoryDraft },
  ): Promise<StoreOutcome>;

  /**
   * Get a live memory by id or unique id prefix.
   * @throws {MemoryError} not_found, or conflict when a prefix is ambiguous
   */
  get(idOrPrefix: string): Promise<Memory>;

  /**
   * Replace a live memory's fields with what `patch` returns, in one transaction.
   * @throws {MemoryError} not_found; conflict when the new title+namespace is taken
   */
  update(
    idOrPrefix: string,
    options: { now: string; patch: (existing: Memory) => MemoryDraft },
  ): Promise<Memory>;

  /** The live memory with this title in this namespace, if any. */
  findByTitle(namespace: string, title: string): Promise<Memory | null>;

  /** Soft-delete: leave a tombstone with who and when. @throws {MemoryError} not_found */
  softDelete(idOrPrefix: string, options: { now: string; actor: string }): Promise<Memory>;

  /** Remove tombstones deleted at or before `before`; returns how many. */
  purgeDeleted(before: string): Promise<number>;

  /** Live, unexpired memories ordered by priority then last update. */
  list(filter: MemoryFilter, options: { now: string; limit: number; offset?: number }): Promise<Memory[]>;

  /**
   * Live, unexpired memories matching any (`mode: "any"`) or all of the terms, best first. With
   * `context: n` (any mode), the visible memories stored within n places of each match in its
   * namespace follow the matches, and every hit carries its neighbours' relevance (`before`,
   * `after`; 0 where a neighbour matches nothing, is filtered out or does not exist).
   * A backend may bound the work of very common queries: the SQLite store scores only the most
   * recent matches when the terms together match more memories than its score window allows.
   */
  keyword(
    terms: string[],
    options: { mode: "any" | "all"; filter: MemoryFilter; now: string; limit: number; context?: number },
  ): Promise<KeywordHit[]>;

  /**
   * Record that recall returned these memories: access_count + 1, last_accessed_at = now, an expiry
   * extended (never shortened) to the given times, mid promoted to long at `promoteAt` accesses,
   * and +1 priority every tenth access.
   */
  touch(ids: string[], options: TouchRules & { now: string }): Promise<void>;

  /** Counts and sizes. */
  stats(options: { now: string; soonSeconds: number }): Promise<StoreStats>;

  /** Liveness check: throws when the database cannot be read. */
  ping(): Promise<void>;

  /**
   * For a long-running server: keep disk syncs (WAL checkpoints) off the thread that answers
   * requests, where the backend can.
   */
  startBackgroundCheckpoints?(options?: BackgroundCheckpoints): void;

  close(): void;
}
