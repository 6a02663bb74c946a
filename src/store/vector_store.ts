// Storage interface for embeddings: the durable queue of memories waiting for a vector, the
// vectors themselves, and the change feed the in-process vector indexes catch up from.
import type { Memory } from "../core/memory.ts";
import type { MemoryFilter } from "./store.ts";

/** A queued memory leased to one worker: the text to embed and the queue generation it had. */
export interface EmbedJob {
  /** The memory's stable row number: the label it has in vector indexes. */
  seq: number;
  /** Queue generation; the vector is saved only if the text has not been rewritten since. */
  gen: number;
  text: string;
}

/** A vector computed for a leased job. */
export interface EmbedResult {
  seq: number;
  gen: number;
  vector: Float32Array;
}

/** A stored vector in change order. */
export interface StoredVector {
  seq: number;
  change: number;
  vector: Float32Array;
}

/** A live memory with its row number. */
export interface LabelledMemory {
  seq: number;
  memory: Memory;
}

/** Counts for doctor and capabilities. */
export interface VectorStats {
  /** Vectors made by the given model. */
  vectors: number;
  /** Vectors made by another model (re-embedded when that model is no longer configured). */
  otherModel: number;
  /** Memories waiting for a vector. */
  pending: number;
  /** Queued memories whose embedding failed at least once, with the last error. */
  failing: number;
  /** The newest change number. */
  head: number;
  /** This database's vector history id. */
  epoch: string;
}

/** Embeddings in the store. */
export interface VectorStore {
  /**
   * Lease up to `limit` queued memories until `leaseUntil`. Tombstoned memories leave the queue.
   * Jobs that failed `maxAttempts` times are not leased again until their text changes.
   */
  claim(
    options: { now: string; leaseUntil: string; limit: number; maxAttempts: number },
  ): Promise<EmbedJob[]>;
  /** Save vectors for leased jobs; a job whose text changed since it was leased stays queued. Returns how many were saved. */
  save(results: EmbedResult[], options: { model: string; now: string }): Promise<number>;
  /** Record a failed embedding; the job is retried after its lease runs out. */
  fail(seqs: number[], options: { error: string }): Promise<void>;
  /** Vectors of `model` written after `change`, oldest change first. */
  changedSince(change: number, options: { model: string; limit: number }): Promise<StoredVector[]>;
  /** The stored vectors of these memories (by id) for `model`. */
  vectorsOf(ids: string[], options: { model: string }): Promise<Map<string, Float32Array>>;
  /**
   * The live memories among `seqs` that pass the filter and have a vector of `model` (a row number
   * freed by a purge and taken by a memory not embedded yet is not answered for the old vector).
   */
  liveBySeq(
    seqs: number[],
    options: { filter: MemoryFilter; now: string; model: string },
  ): Promise<LabelledMemory[]>;
  /** Up to `limit` stored vectors of `model` whose live memories pass the filter (for exact search). */
  vectorsMatching(
    options: { filter: MemoryFilter; now: string; model: string; limit: number },
  ): Promise<StoredVector[]>;
  /** The vector that holds change number `change`, with its memory's row number; null if none does. */
  vectorAt(change: number): Promise<{ seq: number; vector: Float32Array } | null>;
  /** Queue every memory whose vector was made by another model than `model`; returns how many. */
  requeueOtherModels(options: { model: string; dimensions: number }): Promise<number>;
  stats(options: { model: string | null }): Promise<VectorStats>;
}
