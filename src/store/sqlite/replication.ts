// Replication in SQLite: the version feed the 0015/0016 triggers keep, the last-writer-wins merge of
// a peer's changes (title collisions included), per-namespace digests and per-peer cursors.
import { createHash } from "node:crypto";
import { z } from "zod";
import { parseInput } from "../../core/errors.ts";
import { compareVersions, maxHlc, parseHlc } from "../../core/hlc.ts";
import {
  LINK_KEY_MAX_CHARS,
  type MemoryChange,
  type NamespaceDigest,
  type ReplicaChange,
  replicaChangeSchema,
  type ReplicaState,
  type ReplicatedMemory,
  type ReplicationStore,
  type ReplicaVersion,
} from "../replication_store.ts";
import { MEMORY_COLUMNS, type MemoryRow, rowToMemory } from "./rows.ts";
import type { SqliteSession } from "./session.ts";
import { rowsChange } from "./audit.ts";
import {
  keepLinkVersion,
  LINK_FEED_COLUMNS,
  type LinkFeedColumns,
  linkFromFeed,
  materializeLinks,
} from "./link_replication.ts";

/** The most changes one page of the feed (or one apply batch) may hold. */
export const REPLICA_PAGE_MAX = 10_000;

/** Who a title-collision loser is marked deleted by (the same on every node). */
export const COLLISION_DELETER = "sync:title-collision";

type FullRow = MemoryRow & { removal: "deleted" | "archived" | null; archive_reason: string | null };
type VersionRow = ReplicaVersion & { seq: number; namespace: string };
type FeedRow = FullRow & LinkFeedColumns & {
  v_id: string;
  v_kind: "memory" | "link";
  hlc: string;
  origin: string;
  state: ReplicaState;
  v_namespace: string;
  v_seq: number;
};

const STATE_COLUMNS = ["deleted_at", "deleted_by", "removal", "archive_reason"] as const;
const COLUMNS = [...MEMORY_COLUMNS, ...STATE_COLUMNS];
const INSERT_SQL = `INSERT INTO memories (${COLUMNS.join(", ")}) VALUES (${
  COLUMNS.map((c) => "@" + c).join(", ")
})`;
// access_count and last_accessed_at are local bookkeeping: an applied change keeps them.
const UPDATE_SQL = `UPDATE memories SET ${
  COLUMNS.filter((c) => c !== "id" && c !== "access_count" && c !== "last_accessed_at")
    .map((c) => `${c} = @${c}`).join(", ")
} WHERE id = @id`;
const VERSION_SQL = `INSERT INTO replica_versions (id, kind, hlc, origin, state, seq, namespace)
  VALUES (@id, @kind, @hlc, @origin, @state, (SELECT coalesce(max(seq), 0) + 1 FROM replica_versions), @namespace)
  ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, hlc = excluded.hlc, origin = excluded.origin,
    state = excluded.state, seq = excluded.seq, namespace = excluded.namespace`;
const FEED_SQL = `SELECT v.id AS v_id, v.kind AS v_kind, v.hlc, v.origin, v.state, v.seq AS v_seq,
    v.namespace AS v_namespace, m.*, ${LINK_FEED_COLUMNS}
  FROM replica_versions v LEFT JOIN memories m ON v.kind = 'memory' AND m.id = v.id
    LEFT JOIN replica_links p ON v.kind = 'link' AND p.key = v.id`;

const cursorSchema = z.number({ error: "must be a number" }).int({ error: "must be an integer" })
  .min(0, { error: "must be 0 or more" }).describe("A feed position");
const limitSchema = z.number({ error: "must be a number" }).int({ error: "must be an integer" })
  .min(1, { error: `must be between 1 and ${REPLICA_PAGE_MAX}` })
  .max(REPLICA_PAGE_MAX, { error: `must be between 1 and ${REPLICA_PAGE_MAX}` })
  .describe("How many at most");
const peerSchema = z.string({ error: "must be a string" }).min(1, { error: "must not be empty" })
  .max(256, { error: "must be at most 256 characters" }).describe("A peer's node id");
const keySchema = z.string({ error: "must be a string" }).min(1, { error: "must not be empty" })
  .max(LINK_KEY_MAX_CHARS, { error: `must be at most ${LINK_KEY_MAX_CHARS} characters` })
  .describe("A replicated key: a memory id or a link key");
const directionSchema = z.enum(["pull", "push"], { error: "must be pull or push" })
  .describe("Which way a cursor counts");
const batchSchema = z.array(replicaChangeSchema, { error: "must be an array of changes" })
  .max(REPLICA_PAGE_MAX, { error: `must hold at most ${REPLICA_PAGE_MAX} changes` })
  .describe("A batch of changes");

/** RFC 3339 text of a stamp's millisecond part: the deletion time of a title-collision loser. */
function hlcTime(hlc: string): string {
  return new Date(parseHlc(hlc).ms).toISOString();
}

/** The replicated fields of a row: the memory without its local access bookkeeping, and its removal. */
function toWire(row: FullRow): ReplicatedMemory {
  const { access_count: _count, last_accessed_at: _accessed, ...memory } = rowToMemory(row);
  return {
    ...memory,
    archive_reason: row.archive_reason,
    deleted_at: row.deleted_at,
    deleted_by: row.deleted_by,
  };
}

function feedChange(row: FeedRow): ReplicaChange {
  if (row.v_kind === "link") {
    return {
      kind: "link",
      id: row.v_id,
      namespace: row.v_namespace,
      hlc: row.hlc,
      origin: row.origin,
      state: row.state === "deleted" ? "deleted" : "live",
      memory: null,
      link: linkFromFeed(row),
    };
  }
  return {
    kind: "memory",
    id: row.v_id,
    namespace: row.v_namespace,
    hlc: row.hlc,
    origin: row.origin,
    state: row.state,
    memory: row.id === null ? null : toWire(row),
  };
}

function rowParams(memory: ReplicatedMemory, state: ReplicaState): Record<string, unknown> {
  return {
    ...memory,
    tags: JSON.stringify(memory.tags),
    metadata: JSON.stringify(memory.metadata),
    access_count: 0,
    last_accessed_at: null,
    removal: state === "live" ? null : state,
    archive_reason: state === "archived" ? memory.archive_reason : null,
    deleted_at: state === "live" ? null : memory.deleted_at,
    deleted_by: state === "live" ? null : memory.deleted_by,
  };
}

/** ReplicationStore on SQLite. */
export class SqliteReplication implements ReplicationStore {
  readonly #s: SqliteSession;

  constructor(session: SqliteSession) {
    this.#s = session;
  }

  nodeId(): Promise<string> {
    return this.#s.read(() =>
      (this.#s.stmt("SELECT node_id FROM replica_node WHERE id = 1").get() as { node_id: string }).node_id
    );
  }

  head(): Promise<number> {
    return this.#s.read(() =>
      (this.#s.stmt("SELECT coalesce(max(seq), 0) AS head FROM replica_versions").get() as { head: number })
        .head
    );
  }

  countAfter(cursor: number): Promise<number> {
    return this.#s.read(() =>
      (this.#s.stmt("SELECT count(*) AS n FROM replica_versions WHERE seq > ?").get(cursor) as { n: number })
        .n
    );
  }

  async changesSince(
    cursor: number,
    options: { limit: number },
  ): Promise<{ changes: ReplicaChange[]; next: number; more: boolean }> {
    const from = parseInput(cursorSchema, cursor, "cursor");
    const limit = parseInput(limitSchema, options.limit, "limit");
    return await this.#s.read(() => {
      const rows = this.#s.stmt(`${FEED_SQL} WHERE v.seq > ? ORDER BY v.seq LIMIT ?`).all(
        from,
        limit + 1,
      ) as FeedRow[];
      const page = rows.slice(0, limit);
      return { changes: page.map(feedChange), next: page.at(-1)?.v_seq ?? from, more: rows.length > limit };
    });
  }

  async changesFor(ids: readonly string[]): Promise<ReplicaChange[]> {
    const keys = parseInput(
      z.array(keySchema).max(REPLICA_PAGE_MAX, { error: `must hold at most ${REPLICA_PAGE_MAX} ids` }),
      ids,
      "ids",
    );
    return await this.#s.read(() =>
      (this.#s.stmt(`${FEED_SQL} WHERE v.id IN (SELECT value FROM json_each(?)) ORDER BY v.seq`)
        .all(JSON.stringify(keys)) as FeedRow[]).map(feedChange)
    );
  }

  async apply(
    changes: readonly ReplicaChange[],
    options: { from: string },
  ): Promise<{ applied: number; ignored: number }> {
    const batch = parseInput(batchSchema, changes, "changes");
    const from = parseInput(peerSchema, options.from, "from");
    return await this.#s.write(
      () => {
        this.#s.stmt("UPDATE replica_node SET applying = 1 WHERE id = 1").run();
        const touched: { id: string; namespace: string }[] = [];
        const links: string[] = [];
        let ignored = 0;
        let seen = "";
        for (const change of batch) {
          seen = maxHlc(seen, change.hlc);
          const local = this.#version(change.id);
          if (local && compareVersions(change, local) <= 0) {
            ignored++;
            continue;
          }
          if (change.kind === "link") {
            keepLinkVersion(this.#s, change);
            this.#writeVersion(change);
            links.push(change.id);
            touched.push(change);
          } else touched.push(...this.#applyOne(change));
        }
        // Links follow their versions and their memories' (a memory arriving, deleted or losing a
        // title collision here), whatever the order the two came in.
        const linkSet = new Set(links);
        materializeLinks(this.#s, {
          keys: links,
          memoryIds: touched.filter((t) => !linkSet.has(t.id)).map((t) => t.id),
        });
        // A stamp made here after this batch must be newer than every stamp it carried.
        this.#s.stmt("UPDATE replica_node SET clock = max(clock, ?), applying = 0 WHERE id = 1").run(seen);
        return { applied: batch.length - ignored, ignored, touched };
      },
      (r) => rowsChange("memory.replicate", r.touched),
      {
        by: { actor: `peer:${from}`, operation: "sync.apply" },
      },
    ).then((r) => ({ applied: r.applied, ignored: r.ignored }));
  }

  #version(id: string): VersionRow | undefined {
    return this.#s.stmt("SELECT id, hlc, origin, state, seq, namespace FROM replica_versions WHERE id = ?")
      .get(id) as VersionRow | undefined;
  }

  #writeVersion(
    v: {
      id: string;
      kind: "memory" | "link";
      hlc: string;
      origin: string;
      state: ReplicaState;
      namespace: string;
    },
  ): void {
    const { id, kind, hlc, origin, state, namespace } = v;
    this.#s.stmt(VERSION_SQL).run({ id, kind, hlc, origin, state, namespace });
  }

  #writeRow(memory: ReplicatedMemory, state: ReplicaState): void {
    const params = rowParams(memory, state);
    const exists = this.#s.stmt("SELECT 1 FROM memories WHERE id = ?").get(memory.id) !== undefined;
    if (exists) {
      const { access_count: _a, last_accessed_at: _l, ...update } = params;
      this.#s.stmt(UPDATE_SQL).run(update);
    } else this.#s.stmt(INSERT_SQL).run(params);
  }

  /** Apply one change that is newer than the local version; returns the rows it wrote. */
  #applyOne(change: MemoryChange): { id: string; namespace: string }[] {
    if (change.memory === null) {
      this.#s.stmt("DELETE FROM memories WHERE id = ?").run(change.id);
      this.#writeVersion(change);
      return [change];
    }
    const memory = change.memory;
    if (change.state === "live") {
      const clash = this.#s.stmt(
        "SELECT id, namespace FROM memories WHERE namespace = ? AND title = ? AND deleted_at IS NULL AND id <> ?",
      ).get(memory.namespace, memory.title, memory.id) as { id: string; namespace: string } | undefined;
      if (clash) return this.#collide(change, clash);
    }
    this.#writeRow(memory, change.state);
    this.#writeVersion(change);
    return [change];
  }

  /**
   * Two live memories with one (namespace, title): the greater (hlc, origin, id) keeps the title,
   * the other becomes a tombstone stamped with the winner's version, so every node, whatever the
   * order the two arrive in, ends with the same rows and versions.
   */
  #collide(
    change: MemoryChange,
    clash: { id: string; namespace: string },
  ): { id: string; namespace: string }[] {
    const memory = change.memory!;
    const held = this.#version(clash.id) ??
      // A row without a version cannot happen after migration 0015; it loses to any stamp.
      {
        id: clash.id,
        hlc: "000000000000000-000000",
        origin: "",
        state: "live" as const,
        seq: 0,
        namespace: clash.namespace,
      };
    const incomingWins = compareVersions(change, held) > 0 ||
      (compareVersions(change, held) === 0 && change.id > clash.id);
    const winner = incomingWins ? change : held;
    const tombstone = { deleted_at: hlcTime(winner.hlc), deleted_by: COLLISION_DELETER };
    if (incomingWins) {
      this.#s.stmt(
        "UPDATE memories SET deleted_at = ?, deleted_by = ?, removal = 'deleted', archive_reason = NULL WHERE id = ?",
      )
        .run(tombstone.deleted_at, tombstone.deleted_by, clash.id);
      this.#writeVersion({
        ...clash,
        kind: "memory",
        hlc: winner.hlc,
        origin: winner.origin,
        state: "deleted",
      });
      this.#writeRow(memory, "live");
      this.#writeVersion(change);
    } else {
      this.#writeRow({ ...memory, ...tombstone, archive_reason: null }, "deleted");
      this.#writeVersion({ ...change, hlc: winner.hlc, origin: winner.origin, state: "deleted" });
    }
    return [change, clash];
  }

  digest(): Promise<NamespaceDigest[]> {
    return this.#s.read(() => {
      const out: NamespaceDigest[] = [];
      let current: { namespace: string; count: number; hash: ReturnType<typeof createHash> } | undefined;
      const rows = this.#s.stmt(
        "SELECT namespace, id, hlc, origin, state FROM replica_versions ORDER BY namespace, id",
      ).iterate() as IterableIterator<VersionRow>;
      for (const row of rows) {
        if (current?.namespace !== row.namespace) {
          if (current) {
            out.push({
              namespace: current.namespace,
              count: current.count,
              hash: current.hash.digest("hex"),
            });
          }
          current = { namespace: row.namespace, count: 0, hash: createHash("sha256") };
        }
        current.count++;
        current.hash.update(`${row.id} ${row.hlc} ${row.origin} ${row.state}\n`);
      }
      if (current) {
        out.push({ namespace: current.namespace, count: current.count, hash: current.hash.digest("hex") });
      }
      return out;
    });
  }

  async versions(namespace: string, options: { after?: string; limit: number }): Promise<ReplicaVersion[]> {
    const limit = parseInput(limitSchema, options.limit, "limit");
    return await this.#s.read(() =>
      this.#s.stmt(
        `SELECT id, hlc, origin, state FROM replica_versions WHERE namespace = ? AND id > ?
         ORDER BY id LIMIT ?`,
      ).all(namespace, options.after ?? "", limit) as ReplicaVersion[]
    );
  }

  async cursor(peer: string, direction: "pull" | "push"): Promise<number> {
    const key = parseInput(peerSchema, peer, "peer");
    return await this.#s.read(() =>
      (this.#s.stmt("SELECT value FROM replica_cursors WHERE peer = ? AND direction = ?").get(
        key,
        direction,
      ) as
        | { value: number }
        | undefined)?.value ?? 0
    );
  }

  async advanceCursor(peer: string, direction: "pull" | "push", value: number): Promise<void> {
    const key = parseInput(peerSchema, peer, "peer");
    const position = parseInput(cursorSchema, value, "value");
    parseInput(directionSchema, direction, "direction");
    // Bookkeeping, like the curator's cursor: not in the audit trail.
    await this.#s.write(() => {
      this.#s.stmt(
        `INSERT INTO replica_cursors (peer, direction, value) VALUES (?, ?, ?)
         ON CONFLICT (peer, direction) DO UPDATE SET value = max(value, excluded.value)`,
      ).run(key, direction, position);
    }, () => null);
  }

  async resetCursor(peer: string, direction: "pull" | "push"): Promise<void> {
    const key = parseInput(peerSchema, peer, "peer");
    parseInput(directionSchema, direction, "direction");
    await this.#s.write(() => {
      this.#s.stmt("DELETE FROM replica_cursors WHERE peer = ? AND direction = ?").run(key, direction);
    }, () => null);
  }
}
