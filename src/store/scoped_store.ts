// The store as an API key sees it: reads limited to the key's read patterns (a hidden memory is
// "not found"), writes outside its write patterns refused, operator-wide methods refused.
import type { Clock } from "../core/clock.ts";
import { forbidden, MemoryError, notFound } from "../core/errors.ts";
import { coversAll, type Grant, grantCovers, isFullGrant } from "../core/grant.ts";
import type { Memory } from "../core/memory.ts";
import type { Reader } from "../core/visibility.ts";
import type { Attribution } from "../core/audit_chain.ts";
import type { ArchiveStore } from "./archive_store.ts";
import type { AuditStore } from "./audit_store.ts";
import type { AgentStore, EntityStore, GraphStore, NamespaceStore } from "./graph_store.ts";
import type { KeyStore } from "./key_store.ts";
import type { MessageStore } from "./message_store.ts";
import type { PendingStore } from "./pending_store.ts";
import type { CuratorStore } from "./curator_store.ts";
import type { ReplicationStore } from "./replication_store.ts";
import type { MemoryFilter, MemoryStore } from "./store.ts";
import type { TransferStore } from "./transfer_store.ts";
import type { VectorStore } from "./vector_store.ts";
import type { WebhookStore } from "./webhook_store.ts";

/** Who is calling, what its key allows, and the clock that says which memories are live. */
export interface Access {
  grant: Grant;
  actor: string;
  clock: Clock;
}

/**
 * `store` limited to `access`; a key that reads and writes every namespace gets `store` itself.
 * Every method of every sub-store is decided here explicitly (the interfaces make a new method a
 * compile error until it is), so nothing reaches the database around the grant.
 */
export function scopeStore(store: MemoryStore, access: Access): MemoryStore {
  if (isFullGrant(access.grant)) return store;
  return new ScopedStore(store, access);
}

function operatorOnly(what: string): MemoryError {
  return forbidden(
    `${what} needs an API key that reads and writes every namespace ("*"); use the CLI or an operator key`,
    { required: "*" },
  );
}

class ScopedStore implements MemoryStore {
  readonly #store: MemoryStore;
  readonly #grant: Grant;
  readonly #actor: string;
  readonly #clock: Clock;
  readonly graph: GraphStore;
  readonly agents: AgentStore;
  readonly namespaces: NamespaceStore;
  readonly entities: EntityStore;
  readonly archive: ArchiveStore;
  readonly transfer: TransferStore;
  readonly vectors: VectorStore;
  readonly keys: KeyStore;
  readonly messages: MessageStore;
  readonly audit: AuditStore;
  readonly webhooks: WebhookStore;
  readonly pending: PendingStore;
  readonly curator: CuratorStore;
  readonly replication: ReplicationStore;

  constructor(store: MemoryStore, access: Access) {
    this.#store = store;
    this.#grant = access.grant;
    this.#actor = access.actor;
    this.#clock = access.clock;
    this.graph = this.#scopedGraph();
    this.agents = this.#scopedAgents();
    this.namespaces = this.#scopedNamespaces();
    this.entities = this.#scopedEntities();
    this.archive = this.#scopedArchive();
    this.transfer = {
      exportAll: () => Promise.reject(operatorOnly("Exporting the database")),
      importAll: () => Promise.reject(operatorOnly("Importing into the database")),
      snapshot: () => Promise.reject(operatorOnly("A backup")),
    };
    this.vectors = this.#scopedVectors();
    this.keys = {
      create: () => Promise.reject(operatorOnly("Managing API keys")),
      list: () => Promise.reject(operatorOnly("Managing API keys")),
      revoke: () => Promise.reject(operatorOnly("Managing API keys")),
      active: () => Promise.reject(operatorOnly("Managing API keys")),
      anyActive: () => Promise.reject(operatorOnly("Managing API keys")),
    };
    this.messages = this.#scopedMessages();
    // The audit trail names every actor, id and namespace; subscriptions send events of every
    // namespace to any allowlisted host: both are the operator's.
    this.audit = { page: () => Promise.reject(operatorOnly("Reading the audit trail")) };
    const webhooks = () => Promise.reject(operatorOnly("Managing webhooks"));
    this.webhooks = {
      subscribe: webhooks,
      unsubscribe: webhooks,
      list: webhooks,
      claim: webhooks,
      delivered: webhooks,
      failed: webhooks,
      release: webhooks,
    };
    this.pending = this.#scopedPending();
    const curator = () => Promise.reject(operatorOnly("Running the curator"));
    this.curator = { state: curator, after: curator, advance: curator, finish: curator };
    // Peers authenticate by certificate, not API key; the feed carries every namespace.
    const replication = () => Promise.reject(operatorOnly("Replication"));
    this.replication = {
      nodeId: replication,
      head: replication,
      countAfter: replication,
      changesSince: replication,
      changesFor: replication,
      apply: replication,
      digest: replication,
      versions: replication,
      cursor: replication,
      advanceCursor: replication,
      resetCursor: replication,
    };
  }

  /**
   * The governance queue as the key sees it: actions of namespaces it may read; queuing, approving
   * and rejecting only in namespaces it may write. Counts are aggregates and pass through.
   */
  #scopedPending(): PendingStore {
    const pending = this.#store.pending;
    const readable = async (id: string) => {
      const action = await pending.get(id);
      if (!this.#canRead(action.namespace)) throw notFound("pending action", id);
      return action;
    };
    return {
      create: (draft) => {
        this.#requireWrite(draft.namespace);
        return pending.create(draft);
      },
      get: readable,
      list: async (options) => {
        const all = await pending.list({ ...options, limit: options.limit * 4 });
        return all.filter((a) => this.#canRead(a.namespace)).slice(0, options.limit);
      },
      counts: () => pending.counts(),
      approve: async (id, options) => {
        this.#requireWrite((await readable(id)).namespace);
        return pending.approve(id, options);
      },
      reject: async (id, options) => {
        this.#requireWrite((await readable(id)).namespace);
        return pending.reject(id, options);
      },
      settle: (id, options) => pending.settle(id, options),
    };
  }

  /** The same grant over the store whose writes the audit trail records as made by `by`. */
  attributed(by: Attribution & { now: () => string }): MemoryStore {
    return new ScopedStore(this.#store.attributed(by), {
      grant: this.#grant,
      actor: this.#actor,
      clock: this.#clock,
    });
  }

  replicatedThrough(): number {
    return this.#store.replicatedThrough();
  }

  get backend(): string {
    return this.#store.backend;
  }

  get schemaVersion(): number {
    return this.#store.schemaVersion;
  }

  #now(): string {
    return this.#clock.now().toISOString();
  }

  #canRead(namespace: string): boolean {
    return grantCovers(this.#grant.read, namespace);
  }

  /** Refuse a write into `namespace` unless the key may write it. */
  #requireWrite(namespace: string, field = "namespace"): void {
    if (grantCovers(this.#grant.write, namespace)) return;
    throw forbidden(
      `${field}: this API key may not write namespace "${namespace}" (it may write: ` +
        `${this.#grant.write.join(", ") || "nothing"})`,
      { field, namespace, allowed: this.#grant.write },
    );
  }

  /** A memory the key may read; anything else reads as not found, so existence never leaks. */
  #readable(memory: Memory, id: string): Memory {
    if (!this.#canRead(memory.namespace)) throw notFound("memory", id);
    return memory;
  }

  /** A memory the key may read and write. */
  async #writable(id: string): Promise<Memory> {
    const memory = this.#readable(await this.#store.get(id), id);
    this.#requireWrite(memory.namespace);
    return memory;
  }

  #reader(reader: Reader | undefined): Reader | undefined {
    if (coversAll(this.#grant.read)) return reader;
    return { ...reader, namespaces: this.#grant.read };
  }

  #filter(filter: MemoryFilter): MemoryFilter {
    const reader = this.#reader(filter.reader);
    return reader ? { ...filter, reader } : filter;
  }

  /** The subset of `ids` that are live memories the key may read. */
  async #readableIds(ids: string[], now: string): Promise<Set<string>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Set();
    const live = await this.#store.list(this.#filter({ ids: unique }), { now, limit: unique.length });
    return new Set(live.map((m) => m.id));
  }

  // --- memories ---

  upsert(...args: Parameters<MemoryStore["upsert"]>): ReturnType<MemoryStore["upsert"]> {
    this.#requireWrite(args[0].namespace);
    return this.#store.upsert(...args);
  }

  async get(idOrPrefix: string): Promise<Memory> {
    return this.#readable(await this.#store.get(idOrPrefix), idOrPrefix);
  }

  update(idOrPrefix: string, options: Parameters<MemoryStore["update"]>[1]): Promise<Memory> {
    return this.#store.update(idOrPrefix, {
      now: options.now,
      // Checked inside the write transaction: a refusal rolls everything back.
      patch: (existing) => {
        this.#readable(existing, idOrPrefix);
        this.#requireWrite(existing.namespace);
        const next = options.patch(existing);
        this.#requireWrite(next.namespace);
        return next;
      },
    });
  }

  findByTitle(namespace: string, title: string): Promise<Memory | null> {
    return this.#canRead(namespace) ? this.#store.findByTitle(namespace, title) : Promise.resolve(null);
  }

  async softDelete(idOrPrefix: string, options: { now: string; actor: string }): Promise<Memory> {
    const memory = await this.#writable(idOrPrefix);
    return await this.#store.softDelete(memory.id, options);
  }

  purgeDeleted(): Promise<number> {
    return Promise.reject(operatorOnly("Purging tombstones"));
  }

  list(...args: Parameters<MemoryStore["list"]>): ReturnType<MemoryStore["list"]> {
    return this.#store.list(this.#filter(args[0]), args[1]);
  }

  keyword(...args: Parameters<MemoryStore["keyword"]>): ReturnType<MemoryStore["keyword"]> {
    return this.#store.keyword(args[0], { ...args[1], filter: this.#filter(args[1].filter) });
  }

  touch(...args: Parameters<MemoryStore["touch"]>): ReturnType<MemoryStore["touch"]> {
    // Only ever called with what a read just returned through this store.
    return this.#store.touch(...args);
  }

  stats(): ReturnType<MemoryStore["stats"]> {
    return Promise.reject(operatorOnly("Database statistics"));
  }

  ping(): Promise<void> {
    return this.#store.ping();
  }

  close(): void {
    this.#store.close();
  }

  // --- the rest of the database ---

  #scopedGraph(): GraphStore {
    const graph = this.#store.graph;
    return {
      link: async (link) => {
        await this.#writable(link.source_id);
        await this.get(link.target_id);
        return await graph.link(link);
      },
      linksOf: async (id) => {
        await this.get(id);
        const links = await graph.linksOf(id);
        const ok = await this.#readableIds(links.flatMap((l) => [l.source_id, l.target_id]), this.#now());
        return links.filter((l) => ok.has(l.source_id) && ok.has(l.target_id));
      },
      supersededBy: async (id, now) => {
        const ids = await graph.supersededBy(id, now);
        const ok = await this.#readableIds(ids, now);
        return ids.filter((i) => ok.has(i));
      },
      query: async (sourceId, options) => {
        await this.get(sourceId);
        const reader = this.#reader(options.reader);
        return await graph.query(sourceId, { ...options, ...(reader ? { reader } : {}) });
      },
      timeline: async (sourceId, options) => {
        await this.get(sourceId);
        const reader = this.#reader(options.reader);
        return await graph.timeline(sourceId, { ...options, ...(reader ? { reader } : {}) });
      },
      invalidate: async (triple, options) => {
        await this.#writable(triple.source_id);
        await this.get(triple.target_id);
        return await graph.invalidate(triple, options);
      },
    };
  }

  #scopedAgents(): AgentStore {
    const agents = this.#store.agents;
    return {
      register: (agent, options) => {
        if (agent.agent_id !== this.#actor) {
          return Promise.reject(forbidden(
            `agent_id: this API key acts as "${this.#actor}" and may register only itself`,
            { field: "agent_id" },
          ));
        }
        return agents.register(agent, options);
      },
      get: (agentId) => agents.get(agentId),
      // Only agents standing in a namespace the key may read, and the key's own agent.
      list: async () =>
        (await agents.list()).filter((a) =>
          a.agent_id === this.#actor || (a.namespace !== null && this.#canRead(a.namespace))
        ),
    };
  }

  #scopedNamespaces(): NamespaceStore {
    const namespaces = this.#store.namespaces;
    return {
      setStandard: async (namespace, options) => {
        this.#requireWrite(namespace);
        await this.get(options.id);
        return await namespaces.setStandard(namespace, options);
      },
      // A standard the key may not read is absent. A namespace's parent and governance policy stay
      // visible even when the key may not read it: the policy governs the key's writes below it.
      meta: async (namespace) => {
        const meta = await namespaces.meta(namespace);
        if (namespace !== "*" && !this.#canRead(namespace)) return meta && { ...meta, standard_id: null };
        if (!meta?.standard_id) return meta;
        const ok = await this.#readableIds([meta.standard_id], this.#now());
        return ok.has(meta.standard_id) ? meta : { ...meta, standard_id: null };
      },
      clearStandard: (namespace, options) => {
        this.#requireWrite(namespace);
        return namespaces.clearStandard(namespace, options);
      },
      governedCount: () => namespaces.governedCount(),
      counts: (options) => namespaces.counts({ ...options, filter: this.#filter(options.filter) }),
    };
  }

  #scopedEntities(): EntityStore {
    const entities = this.#store.entities;
    return {
      addAliases: async (entityId, aliases, options) => {
        await this.#writable(entityId);
        return await entities.addAliases(entityId, aliases, options);
      },
      byAliasKey: async (key, options) => {
        const ids = await entities.byAliasKey(key, options);
        const ok = await this.#readableIds(ids, this.#now());
        return ids.filter((i) => ok.has(i));
      },
      aliasesOf: async (entityId) => {
        await this.get(entityId);
        return await entities.aliasesOf(entityId);
      },
    };
  }

  #scopedArchive(): ArchiveStore {
    const archive = this.#store.archive;
    return {
      archiveExpired: () => Promise.reject(operatorOnly("Collecting expired memories (gc)")),
      archiveMatching: (options) => {
        const namespace = options.filter.namespace;
        if (namespace === undefined) {
          return Promise.reject(forbidden(
            "namespace: with this API key, forget needs a namespace it may read and write",
            { field: "namespace" },
          ));
        }
        if (!this.#canRead(namespace)) {
          return Promise.reject(forbidden(
            `namespace: this API key may not read namespace "${namespace}"`,
            { field: "namespace", namespace, allowed: this.#grant.read },
          ));
        }
        this.#requireWrite(namespace);
        return archive.archiveMatching({ ...options, filter: this.#filter(options.filter) });
      },
      list: () => Promise.reject(operatorOnly("The archive")),
      restore: () => Promise.reject(operatorOnly("Restoring from the archive")),
      purge: () => Promise.reject(operatorOnly("Purging the archive")),
      stats: () => Promise.reject(operatorOnly("Archive statistics")),
      consolidate: async (draft, options) => {
        this.#requireWrite(draft.namespace);
        for (const id of options.sourceIds) await this.#writable(id);
        return await archive.consolidate(draft, options);
      },
    };
  }

  #scopedVectors(): VectorStore {
    const vectors = this.#store.vectors;
    const background = (what: string) => () => Promise.reject(operatorOnly(what));
    return {
      claim: background("Embedding work"),
      save: background("Embedding work"),
      fail: background("Embedding work"),
      changedSince: background("Reading the vector feed"),
      vectorAt: background("Reading the vector feed"),
      requeueOtherModels: background("Embedding work"),
      vectorsOf: async (ids, options) => {
        const ok = await this.#readableIds(ids, this.#now());
        return await vectors.vectorsOf(ids.filter((i) => ok.has(i)), options);
      },
      liveBySeq: (seqs, options) =>
        vectors.liveBySeq(seqs, { ...options, filter: this.#filter(options.filter) }),
      vectorsMatching: (options) =>
        vectors.vectorsMatching({ ...options, filter: this.#filter(options.filter) }),
      stats: (options) => vectors.stats(options),
    };
  }

  #scopedMessages(): MessageStore {
    const messages = this.#store.messages;
    return {
      send: (message) => {
        if (message.from_agent !== this.#actor) {
          return Promise.reject(forbidden(`this API key acts as "${this.#actor}"`, { field: "from_agent" }));
        }
        if (message.namespace !== null) this.#requireWrite(message.namespace);
        return messages.send(message);
      },
      inbox: (agentId, options) => {
        if (agentId !== this.#actor) {
          return Promise.reject(forbidden(
            `agent_id: an agent reads only its own inbox (this API key acts as "${this.#actor}")`,
            { field: "agent_id" },
          ));
        }
        return messages.inbox(agentId, options);
      },
    };
  }
}
