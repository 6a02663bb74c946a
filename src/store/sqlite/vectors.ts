// Embeddings in SQLite: the embed_queue table (filled by triggers on every text write), the
// memory_vectors table and its change feed. Vectors are little-endian float32 blobs.
import type {
  EmbedJob,
  EmbedResult,
  LabelledMemory,
  StoredVector,
  VectorStats,
  VectorStore,
} from "../vector_store.ts";
import type { MemoryFilter } from "../store.ts";
import { filterClause } from "./filters.ts";
import { type MemoryRow, rowToMemory } from "./rows.ts";
import type { SqliteSession } from "./session.ts";

// Leases, vectors and embedding errors are derived from audited writes (the text of a memory) and
// can be recomputed from them: they are not part of the audit trail.
const notAudited = () => null;

const CLAIM_SQL = `UPDATE embed_queue SET lease_until = @lease_until, attempts = attempts + 1
WHERE memory_seq IN (
  SELECT memory_seq FROM embed_queue
  WHERE (lease_until IS NULL OR lease_until <= @now) AND attempts < @max_attempts
  ORDER BY memory_seq LIMIT @limit
) RETURNING memory_seq AS seq, gen`;

const SAVE_SQL = `INSERT INTO memory_vectors (memory_seq, model, dimensions, vector, change, embedded_at)
VALUES (@seq, @model, @dimensions, @vector, (SELECT COALESCE(MAX(change), 0) + 1 FROM memory_vectors), @now)
ON CONFLICT (memory_seq) DO UPDATE SET model = excluded.model, dimensions = excluded.dimensions,
  vector = excluded.vector, change = excluded.change, embedded_at = excluded.embedded_at`;

function toBlob(vector: Float32Array): Uint8Array {
  return new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
}

function fromBlob(blob: Uint8Array): Float32Array {
  // Copy: the driver's buffer may not be 4-byte aligned.
  const copy = new Uint8Array(blob.byteLength);
  copy.set(blob);
  return new Float32Array(copy.buffer);
}

/** VectorStore on SQLite. */
export class SqliteVectors implements VectorStore {
  readonly #s: SqliteSession;

  constructor(session: SqliteSession) {
    this.#s = session;
  }

  claim(
    options: { now: string; leaseUntil: string; limit: number; maxAttempts: number },
  ): Promise<EmbedJob[]> {
    return this.#s.write(() => {
      const leased = this.#s.stmt(CLAIM_SQL).all({
        now: options.now,
        lease_until: options.leaseUntil,
        limit: options.limit,
        max_attempts: options.maxAttempts,
      }) as { seq: number; gen: number }[];
      if (leased.length === 0) return [];
      const rows = this.#s.stmt(
        `SELECT seq, title, content, removal FROM memories WHERE seq IN (SELECT value FROM json_each(?))`,
      ).all(JSON.stringify(leased.map((l) => l.seq))) as {
        seq: number;
        title: string;
        content: string;
        removal: string | null;
      }[];
      const bySeq = new Map(rows.map((r) => [r.seq, r]));
      const jobs: EmbedJob[] = [];
      const drop = this.#s.stmt("DELETE FROM embed_queue WHERE memory_seq = ?");
      for (const { seq, gen } of leased) {
        const row = bySeq.get(seq);
        if (!row || row.removal === "deleted") {
          drop.run(seq);
          continue;
        }
        jobs.push({ seq, gen, text: `${row.title} ${row.content}` });
      }
      return jobs;
    }, notAudited);
  }

  save(results: EmbedResult[], options: { model: string; now: string }): Promise<number> {
    if (results.length === 0) return Promise.resolve(0);
    return this.#s.write(() => {
      const done = this.#s.stmt(
        "DELETE FROM embed_queue WHERE memory_seq = ? AND gen = ? RETURNING memory_seq",
      );
      const insert = this.#s.stmt(SAVE_SQL);
      let saved = 0;
      for (const r of results) {
        // A rewrite since the lease moved gen on: that text is queued again, this vector is stale.
        if (!done.get(r.seq, r.gen)) continue;
        insert.run({
          seq: r.seq,
          model: options.model,
          dimensions: r.vector.length,
          vector: toBlob(r.vector),
          now: options.now,
        });
        saved++;
      }
      return saved;
    }, notAudited);
  }

  fail(seqs: number[], options: { error: string }): Promise<void> {
    if (seqs.length === 0) return Promise.resolve();
    return this.#s.write(() => {
      this.#s.stmt(
        "UPDATE embed_queue SET last_error = ? WHERE memory_seq IN (SELECT value FROM json_each(?))",
      )
        .run(options.error.slice(0, 500), JSON.stringify(seqs));
    }, notAudited);
  }

  changedSince(change: number, options: { model: string; limit: number }): Promise<StoredVector[]> {
    return this.#s.read(() => {
      const rows = this.#s.stmt(
        `SELECT memory_seq AS seq, change, vector FROM memory_vectors
         WHERE change > ? AND +model = ? ORDER BY change LIMIT ?`,
      ).all(change, options.model, options.limit) as { seq: number; change: number; vector: Uint8Array }[];
      return rows.map((r) => ({ seq: r.seq, change: r.change, vector: fromBlob(r.vector) }));
    });
  }

  vectorsOf(ids: string[], options: { model: string }): Promise<Map<string, Float32Array>> {
    if (ids.length === 0) return Promise.resolve(new Map());
    return this.#s.read(() => {
      const rows = this.#s.stmt(
        // CROSS JOIN and +v.model keep the planner on the ids: the model index would scan every vector.
        `SELECT m.id, v.vector FROM memories m CROSS JOIN memory_vectors v ON v.memory_seq = m.seq
         WHERE m.id IN (SELECT value FROM json_each(?)) AND +v.model = ?`,
      ).all(JSON.stringify(ids), options.model) as { id: string; vector: Uint8Array }[];
      return new Map(rows.map((r) => [r.id, fromBlob(r.vector)]));
    });
  }

  liveBySeq(
    seqs: number[],
    options: { filter: MemoryFilter; now: string; model: string },
  ): Promise<LabelledMemory[]> {
    if (seqs.length === 0) return Promise.resolve([]);
    return this.#s.read(() => {
      const clause = filterClause(options.filter, options.now);
      const rows = this.#s.stmt(
        `SELECT m.* FROM memories m CROSS JOIN memory_vectors v ON v.memory_seq = m.seq AND +v.model = @vector_model
         WHERE m.seq IN (SELECT value FROM json_each(@seqs)) AND ${clause.sql}`,
      ).all({ ...clause.params, seqs: JSON.stringify(seqs), vector_model: options.model }) as (MemoryRow & {
        seq: number;
      })[];
      return rows.map((r) => ({ seq: r.seq, memory: rowToMemory(r) }));
    });
  }

  vectorsMatching(
    options: { filter: MemoryFilter; now: string; model: string; limit: number },
  ): Promise<StoredVector[]> {
    return this.#s.read(() => {
      const clause = filterClause(options.filter, options.now);
      const rows = this.#s.stmt(
        `SELECT v.memory_seq AS seq, v.change, v.vector FROM memories m
         CROSS JOIN memory_vectors v ON v.memory_seq = m.seq AND +v.model = @vector_model
         WHERE ${clause.sql} LIMIT @vector_limit`,
      ).all({ ...clause.params, vector_model: options.model, vector_limit: options.limit }) as {
        seq: number;
        change: number;
        vector: Uint8Array;
      }[];
      return rows.map((r) => ({ seq: r.seq, change: r.change, vector: fromBlob(r.vector) }));
    });
  }

  vectorAt(change: number): Promise<{ seq: number; vector: Float32Array } | null> {
    return this.#s.read(() => {
      const row = this.#s.stmt("SELECT memory_seq AS seq, vector FROM memory_vectors WHERE change = ?")
        .get(change) as { seq: number; vector: Uint8Array } | undefined;
      return row ? { seq: row.seq, vector: fromBlob(row.vector) } : null;
    });
  }

  requeueOtherModels(options: { model: string; dimensions: number }): Promise<number> {
    return this.#s.write(() => {
      // A queued job needs a generation (a worker's vector is saved only while it is current): the
      // re-queued ones take a new one, as a text write would.
      this.#s.stmt("UPDATE vector_meta SET value = value + 1 WHERE key = 'gen'").run();
      return this.#s.stmt(
        `INSERT INTO embed_queue (memory_seq, gen, queued_at)
         SELECT memory_seq, (SELECT value FROM vector_meta WHERE key = 'gen'),
           strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM memory_vectors
         WHERE model != @model OR dimensions != @dimensions
         ON CONFLICT (memory_seq) DO NOTHING`,
      ).run(options).changes;
    }, notAudited);
  }

  stats(options: { model: string | null }): Promise<VectorStats> {
    return this.#s.read(() => {
      // Three index-only counts; one pass with FILTER would read every vector row.
      const total = this.#s.stmt("SELECT COUNT(*) AS n FROM memory_vectors").get() as { n: number };
      const mine = this.#s.stmt("SELECT COUNT(*) AS n FROM memory_vectors WHERE model = ?")
        .get(options.model) as { n: number };
      const head = this.#s.stmt("SELECT COALESCE(MAX(change), 0) AS n FROM memory_vectors").get() as {
        n: number;
      };
      const v = { vectors: mine.n, other: total.n - mine.n, head: head.n };
      const q = this.#s.stmt(
        "SELECT COUNT(*) AS pending, COUNT(last_error) AS failing FROM embed_queue",
      ).get() as { pending: number; failing: number };
      const epoch = this.#s.stmt("SELECT value FROM vector_meta WHERE key = 'epoch'").get() as {
        value: string;
      };
      return {
        vectors: v.vectors,
        otherModel: v.other,
        pending: q.pending,
        failing: q.failing,
        head: v.head,
        epoch: epoch.value,
      };
    });
  }
}
