// The replication layer's interface: a change feed of memory and link versions stamped by a hybrid
// logical clock, tombstones for deletes, a deterministic merge, digests for anti-entropy, peer cursors.
import { z } from "zod";
import {
  agentIdSchema,
  confidenceSchema,
  ID_MAX_BYTES,
  metadataSchema,
  namespaceSchema,
  prioritySchema,
  scopeSchema,
  sourceSchema,
  tagsSchema,
  tierSchema,
} from "../core/fields.ts";
import { HLC_PATTERN } from "../core/hlc.ts";
import { RELATIONS } from "./graph_store.ts";

// Bounds that keep a hostile or broken peer from writing unbounded text; generous next to the
// field limits of the write operations (a peer's data passed those at its origin).
const TEXT_MAX_CHARS = 1_048_576;
const TIMESTAMP_MAX_CHARS = 64;
const NODE_ID_REGEXP = /^[0-9a-f]{16}$/;
const OBSERVER_MAX_CHARS = 512;

/** The longest key a link change may have (two ids of ID_MAX_BYTES characters and the framing). */
export const LINK_KEY_MAX_CHARS = 2 * ID_MAX_BYTES + 32;

/**
 * The replication key of a link: `link:<relation>:<length of source_id>:<source_id>:<target_id>`.
 * The length (in code points, as SQLite's length() counts) makes the key unambiguous whatever the
 * ids hold; the migration 0016 triggers build the same text in SQL.
 */
export function linkKey(link: { source_id: string; target_id: string; relation: string }): string {
  return `link:${link.relation}:${[...link.source_id].length}:${link.source_id}:${link.target_id}`;
}

const idField = z.string({ error: "must be a string" })
  .min(1, { error: "must not be empty" })
  .max(ID_MAX_BYTES, { error: `must be at most ${ID_MAX_BYTES} characters` });
const timestamp = z.string({ error: "must be a string" })
  .min(1, { error: "must not be empty" })
  .max(TIMESTAMP_MAX_CHARS, { error: `must be at most ${TIMESTAMP_MAX_CHARS} characters` });
const text = z.string({ error: "must be a string" })
  .max(TEXT_MAX_CHARS, { error: `must be at most ${TEXT_MAX_CHARS} characters` });

/** Where a replicated key stands: live, in the archive, or deleted (a tombstone). */
export const replicaStateSchema = z.enum(["live", "archived", "deleted"], {
  error: "must be one of live, archived, deleted",
}).describe("live, archived (restorable) or deleted (a tombstone)");

/** A replicated key's state. */
export type ReplicaState = z.infer<typeof replicaStateSchema>;

/** The replicated fields of a memory (no access bookkeeping: that stays local). */
export const replicatedMemorySchema = z.object({
  id: idField.describe("Memory id"),
  tier: tierSchema,
  namespace: namespaceSchema,
  title: text.min(1, { error: "must not be empty" }).describe("Title"),
  content: text.describe("Content"),
  tags: tagsSchema,
  priority: prioritySchema,
  confidence: confidenceSchema,
  source: sourceSchema,
  created_at: timestamp.describe("Creation time (RFC 3339)"),
  updated_at: timestamp.describe("Last change (RFC 3339)"),
  expires_at: timestamp.nullable().describe("Expiry (RFC 3339); null = never"),
  metadata: metadataSchema,
  agent_id: agentIdSchema.nullable().describe("The agent that first stored it"),
  scope: scopeSchema,
  archive_reason: text.nullable().describe("Why it was archived (with state archived), else null"),
  deleted_at: timestamp.nullable().describe("When it was deleted or archived; null while live"),
  deleted_by: text.nullable().describe("Who deleted or archived it; null while live"),
}).strict().describe("A memory's replicated fields");

/** A memory's replicated fields. */
export type ReplicatedMemory = z.infer<typeof replicatedMemorySchema>;

/** The replicated fields of a link (all of memory_links: links carry no local bookkeeping). */
export const replicatedLinkSchema = z.object({
  source_id: idField.describe("The memory the link starts from"),
  target_id: idField.describe("The memory the link points to"),
  relation: z.enum(RELATIONS, { error: `must be one of ${RELATIONS.join(", ")}` }).describe("Link type"),
  created_at: timestamp.describe("When the link was recorded (RFC 3339)"),
  valid_from: timestamp.describe("Start of the link's validity (RFC 3339)"),
  valid_until: timestamp.nullable().describe("End of the link's validity (RFC 3339); null = open"),
  observed_by: z.string({ error: "must be a string" })
    .max(OBSERVER_MAX_CHARS, { error: `must be at most ${OBSERVER_MAX_CHARS} characters` })
    .nullable().describe("Who recorded the link"),
  deleted_at: timestamp.nullable().describe("When the link was deleted; null while live"),
}).strict().describe("A link's replicated fields");

/** A link's replicated fields. */
export type ReplicatedLink = z.infer<typeof replicatedLinkSchema>;

const hlcField = z.string({ error: "must be a string" })
  .regex(HLC_PATTERN, { error: "must be a hybrid logical clock stamp like 001780000000000-000000" })
  .describe("Hybrid logical clock stamp of this version");
const originField = z.string({ error: "must be a string" })
  .regex(NODE_ID_REGEXP, { error: "must be a node id of 16 lowercase hex characters" })
  .describe("Id of the node that made this version");

/** One memory change on the wire: the current version of one memory. */
export const memoryChangeSchema = z.object({
  kind: z.literal("memory", { error: "must be memory" }).describe("What the key names: a memory"),
  id: idField.describe("The key: a memory id"),
  namespace: namespaceSchema.describe("The key's namespace (digests group by it, tombstones too)"),
  hlc: hlcField,
  origin: originField,
  state: replicaStateSchema,
  memory: replicatedMemorySchema.nullable()
    .describe("The memory's fields; null only for a purged tombstone"),
}).strict().superRefine((change, ctx) => {
  if (change.memory === null && change.state !== "deleted") {
    ctx.addIssue({ code: "custom", path: ["memory"], message: `must not be null unless state is deleted` });
  }
  if (change.memory !== null && change.memory.id !== change.id) {
    ctx.addIssue({ code: "custom", path: ["memory", "id"], message: "must equal the change's id" });
  }
  if (change.memory !== null && change.memory.namespace !== change.namespace) {
    ctx.addIssue({
      code: "custom",
      path: ["memory", "namespace"],
      message: "must equal the change's namespace",
    });
  }
  if (change.memory !== null && (change.state === "live") !== (change.memory.deleted_at === null)) {
    ctx.addIssue({
      code: "custom",
      path: ["memory", "deleted_at"],
      message: "must be null exactly when state is live",
    });
  }
}).describe("One replicated memory version: the whole current state of one memory, stamped (hlc, origin)");

/** One link change on the wire: the current version of one link (source, target, relation). */
export const linkChangeSchema = z.object({
  kind: z.literal("link", { error: "must be link" }).describe("What the key names: a link"),
  id: z.string({ error: "must be a string" })
    .startsWith("link:", { error: "must be a link key (link:<relation>:<n>:<source_id>:<target_id>)" })
    .max(LINK_KEY_MAX_CHARS, { error: `must be at most ${LINK_KEY_MAX_CHARS} characters` })
    .describe("The key: link:<relation>:<length of source_id>:<source_id>:<target_id>"),
  namespace: namespaceSchema.describe("The source memory's namespace (digests group by it)"),
  hlc: hlcField,
  origin: originField,
  state: z.enum(["live", "deleted"], { error: "must be live or deleted (a link is never archived)" })
    .describe("live, or deleted (a tombstone)"),
  memory: z.null({ error: "must be null for a link" })
    .describe("Always null: lets a reader of any change test `memory` without narrowing on kind"),
  link: replicatedLinkSchema.nullable().describe("The link's fields; null only for a purged tombstone"),
}).strict().superRefine((change, ctx) => {
  if (change.link === null && change.state !== "deleted") {
    ctx.addIssue({ code: "custom", path: ["link"], message: "must not be null unless state is deleted" });
  }
  if (change.link !== null && linkKey(change.link) !== change.id) {
    ctx.addIssue({
      code: "custom",
      path: ["id"],
      message: "must be the key of the link's (source_id, target_id, relation)",
    });
  }
  if (change.link !== null && (change.state === "live") !== (change.link.deleted_at === null)) {
    ctx.addIssue({
      code: "custom",
      path: ["link", "deleted_at"],
      message: "must be null exactly when state is live",
    });
  }
}).describe("One replicated link version: the whole current state of one link, stamped (hlc, origin)");

/** One change on the wire: the current version of one key, a memory or a link. */
export const replicaChangeSchema = z.discriminatedUnion("kind", [memoryChangeSchema, linkChangeSchema], {
  error: "must be memory or link",
}).describe("One replicated version: the whole current state of one key, stamped (hlc, origin)");

/** One replicated version (discriminated by `kind`). */
export type ReplicaChange = z.infer<typeof replicaChangeSchema>;

/** One replicated memory version. */
export type MemoryChange = z.infer<typeof memoryChangeSchema>;

/** One replicated link version. */
export type LinkChange = z.infer<typeof linkChangeSchema>;

/** A version without its data, for anti-entropy. */
export interface ReplicaVersion {
  id: string;
  hlc: string;
  origin: string;
  state: ReplicaState;
}

/** A namespace's versions summed up: equal digests mean equal versions. */
export interface NamespaceDigest {
  namespace: string;
  count: number;
  /** sha256 hex of the namespace's versions sorted by id, each as `id hlc origin state\n`. */
  hash: string;
}

/** Replication state in the store (operator-only: a key-scoped store refuses it). */
export interface ReplicationStore {
  /** This database's node id (16 hex characters, made once by the migration). */
  nodeId(): Promise<string>;
  /** Highest feed position (0 when the feed is empty). */
  head(): Promise<number>;
  /** How many versions have a feed position after `cursor` (a peer's backlog). */
  countAfter(cursor: number): Promise<number>;
  /** Changes with feed position > cursor, oldest first, at most limit; next = position of the last returned (or cursor). */
  changesSince(
    cursor: number,
    options: { limit: number },
  ): Promise<{ changes: ReplicaChange[]; next: number; more: boolean }>;
  /** The current versions of these keys (for anti-entropy healing and quorum pushes); unknown ids are left out. */
  changesFor(ids: readonly string[]): Promise<ReplicaChange[]>;
  /**
   * Merge a peer's changes (LWW by (hlc, origin)); one transaction.
   * @throws {MemoryError} invalid_input naming the field of the first bad change; nothing is applied
   */
  apply(
    changes: readonly ReplicaChange[],
    options: { from: string },
  ): Promise<{ applied: number; ignored: number }>;
  /** One digest per namespace (count + hash of its versions, tombstones included), by namespace. */
  digest(): Promise<NamespaceDigest[]>;
  /** The versions in one namespace, ordered by id, paged by id (for anti-entropy). */
  versions(namespace: string, options: { after?: string; limit: number }): Promise<ReplicaVersion[]>;
  /** Per-peer cursors: how far we pulled from a peer (its feed), and how far a peer has acknowledged ours. */
  cursor(peer: string, direction: "pull" | "push"): Promise<number>;
  /** Moves a cursor forward only (a smaller value is ignored). */
  advanceCursor(peer: string, direction: "pull" | "push", value: number): Promise<void>;
  /** Sets a cursor back to 0: the peer's feed started again (its database was replaced). */
  resetCursor(peer: string, direction: "pull" | "push"): Promise<void>;
}
