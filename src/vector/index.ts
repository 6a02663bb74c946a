// The vector index contract the rest of the code depends on (cosine similarity over labelled
// vectors), and the argument checks every implementation shares so they fail the same way.

/** One search result: a label and its cosine similarity to the query (1 = same direction). */
export interface VectorHit {
  label: number;
  similarity: number;
}

/**
 * A cosine-similarity index over vectors keyed by non-negative integer labels (the caller maps its
 * row ids). Vectors need not be unit length: implementations normalise them.
 */
export interface VectorIndex {
  readonly dimensions: number;
  /** Live entries: upserted and not removed. */
  readonly size: number;
  /** Add a vector, or replace the one already stored under the label. */
  upsert(label: number, vector: Float32Array): void;
  /** Drop a label; a no-op when it is absent. */
  remove(label: number): void;
  has(label: number): boolean;
  /**
   * Up to k live labels most similar to the query, best first. `filter` restricts the candidates
   * (e.g. to rows the caller may see); an approximate index may return fewer than k when it rejects
   * most of them.
   */
  search(query: Float32Array, k: number, filter?: (label: number) => boolean): VectorHit[];
  /** The whole index as bytes, for the caller to persist; reopen it with the same implementation. */
  serialize(): Promise<Uint8Array>;
}

/** The largest label: labels are stored as unsigned 32-bit integers. */
export const MAX_LABEL = 0xffff_ffff;

/** Throws a RangeError unless `label` is an integer in [0, MAX_LABEL]. */
export function checkLabel(label: number): void {
  if (!Number.isInteger(label) || label < 0 || label > MAX_LABEL) {
    throw new RangeError(`vector label must be an integer from 0 to ${MAX_LABEL}, got ${label}`);
  }
}

/** Throws a RangeError unless `vector` has `dimensions` finite components. */
export function checkVector(dimensions: number, vector: Float32Array): void {
  if (vector.length !== dimensions) {
    throw new RangeError(
      `vector has ${vector.length} dimensions, the index expects ${dimensions}`,
    );
  }
  for (let i = 0; i < vector.length; i++) {
    if (!Number.isFinite(vector[i]!)) {
      throw new RangeError(`vector component ${i} is not a finite number`);
    }
  }
}

/** Throws a RangeError unless `k` is a non-negative integer. */
export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 0) {
    throw new RangeError(`k must be a non-negative integer, got ${k}`);
  }
}
