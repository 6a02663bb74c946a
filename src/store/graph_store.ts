// Storage interfaces for the knowledge graph, agents, namespace standards and entity aliases;
// each backend implements them beside its MemoryStore.
import type { StoredPolicy } from "../core/governance_policy.ts";
import type { Reader } from "../core/visibility.ts";
import type { MemoryFilter } from "./store.ts";

export const RELATIONS = ["related_to", "supersedes", "contradicts", "derived_from"] as const;
/** A link type. */
export type Relation = typeof RELATIONS[number];

/** A typed, time-bounded link from one memory to another. */
export interface Link {
  source_id: string;
  target_id: string;
  relation: Relation;
  created_at: string;
  valid_from: string;
  valid_until: string | null;
  observed_by: string | null;
}

/** One row of a multi-hop traversal. */
export interface KgRow {
  target_id: string;
  relation: Relation;
  valid_from: string;
  valid_until: string | null;
  observed_by: string | null;
  title: string;
  target_namespace: string;
  depth: number;
  /** Ids from the source to the target. */
  path: string[];
}

/** Links between memories. Both ends must be live memories. */
export interface GraphStore {
  /** Create a link, or return the existing one with the same triple. @throws not_found, invalid_input */
  link(link: Link): Promise<{ link: Link; created: boolean }>;
  /** Live links touching a memory, both directions, oldest first. */
  linksOf(id: string): Promise<Link[]>;
  /** Ids of live memories that supersede `id` through a link valid at `now`. */
  supersededBy(id: string, now: string): Promise<string[]>;
  /**
   * Outbound traversal up to `maxDepth` hops, cycle-safe, optionally as of `validAt`; with a reader,
   * never through or to a memory the reader may not see.
   */
  query(
    sourceId: string,
    options: { maxDepth: number; validAt?: string; allowedAgents?: string[]; limit: number; reader?: Reader },
  ): Promise<KgRow[]>;
  /** Outbound links of a memory by valid_from, oldest first (only to memories `reader` may see). */
  timeline(
    sourceId: string,
    options: { since?: string; until?: string; limit: number; reader?: Reader },
  ): Promise<Link[]>;
  /**
   * Set valid_until on one link (with keepExisting, only if it has none); returns the link and the
   * value it had before. @throws not_found
   */
  invalidate(
    triple: { source_id: string; target_id: string; relation: Relation },
    options: { validUntil: string; keepExisting?: boolean },
  ): Promise<{ link: Link; previous: string | null }>;
}

/** A registered agent: claimed, not attested. */
export interface Agent {
  agent_id: string;
  agent_type: string;
  capabilities: string[];
  /** Where the agent stands in the namespace tree, for visibility. */
  namespace: string | null;
  registered_at: string;
  last_seen_at: string;
}

/** Registered agents. */
export interface AgentStore {
  /** Register or refresh an agent (idempotent; registered_at is kept). */
  register(agent: Omit<Agent, "registered_at" | "last_seen_at">, options: { now: string }): Promise<
    { agent: Agent; created: boolean }
  >;
  get(agentId: string): Promise<Agent | null>;
  list(): Promise<Agent[]>;
}

/** A namespace's metadata row. */
export interface NamespaceMeta {
  namespace: string;
  standard_id: string | null;
  parent_namespace: string | null;
  updated_at: string;
  /** The namespace's governance policy; it stays in force until cleared, even if the standard goes. */
  governance: StoredPolicy | null;
}

/** Namespace standards and counts. */
export interface NamespaceStore {
  /** Make a live memory the standard of a namespace. @throws not_found */
  setStandard(
    namespace: string,
    options: {
      id: string;
      parent?: string | undefined;
      now: string;
      /** A policy to set; null removes it; absent keeps the one there is. */
      governance?: StoredPolicy | null | undefined;
    },
  ): Promise<NamespaceMeta>;
  /** The metadata row, or null. Standards pointing at deleted memories read as null. */
  meta(namespace: string): Promise<NamespaceMeta | null>;
  /** Clear a standard and its governance policy; returns the id it had. */
  clearStandard(namespace: string, options: { now: string }): Promise<string | null>;
  /** How many namespaces have a governance policy. */
  governedCount(): Promise<number>;
  /** Live memory counts per namespace under a prefix (all when absent), visible to the filter's reader. */
  counts(options: { prefix?: string; filter: MemoryFilter; now: string }): Promise<Map<string, number>>;
}

/** Entity aliases: normalised keys pointing at entity memories. */
export interface EntityStore {
  /** Add aliases to an entity (existing ones are kept). */
  addAliases(
    entityId: string,
    aliases: { alias: string; key: string }[],
    options: { now: string },
  ): Promise<void>;
  /** Live entity ids with this alias key, newest entity first. */
  byAliasKey(key: string, options: { namespace?: string | undefined }): Promise<string[]>;
  /** The aliases of an entity. */
  aliasesOf(entityId: string): Promise<string[]>;
}
