// The exact vector index: every stored unit vector is compared with the query (a dot product over
// one dense Float32Array). The reference the HNSW index is measured against, and enough for small sets.
import { checkK, checkLabel, checkVector, type VectorHit, type VectorIndex } from "./index.ts";

const MAGIC = 0x31465642; // "BVF1", little-endian
const HEADER_BYTES = 12;

/** `vector` scaled to unit length (a zero vector stays zero), as a new array. */
export function normalised(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  const out = new Float32Array(vector);
  if (sum === 0) return out;
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! * scale;
  return out;
}

/** Keeps the k best (similarity, label) pairs: a min-heap whose root is the worst kept. */
class TopK {
  readonly sims: Float64Array;
  readonly labels: Float64Array;
  size = 0;

  constructor(readonly k: number) {
    this.sims = new Float64Array(k);
    this.labels = new Float64Array(k);
  }

  /** a ranks below b: lower similarity, or the same similarity and a larger label. */
  #worse(a: number, b: number): boolean {
    const sa = this.sims[a]!, sb = this.sims[b]!;
    return sa < sb || (sa === sb && this.labels[a]! > this.labels[b]!);
  }

  #swap(a: number, b: number): void {
    const s = this.sims[a]!, l = this.labels[a]!;
    this.sims[a] = this.sims[b]!;
    this.labels[a] = this.labels[b]!;
    this.sims[b] = s;
    this.labels[b] = l;
  }

  offer(similarity: number, label: number): void {
    if (this.size < this.k) {
      let i = this.size++;
      this.sims[i] = similarity;
      this.labels[i] = label;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.#worse(i, parent)) break;
        this.#swap(i, parent);
        i = parent;
      }
      return;
    }
    const root = this.sims[0]!;
    if (similarity < root || (similarity === root && label > this.labels[0]!)) return;
    this.sims[0] = similarity;
    this.labels[0] = label;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1, right = left + 1;
      let least = i;
      if (left < this.size && this.#worse(left, least)) least = left;
      if (right < this.size && this.#worse(right, least)) least = right;
      if (least === i) break;
      this.#swap(i, least);
      i = least;
    }
  }

  /** Best first; ties by ascending label. */
  hits(): VectorHit[] {
    const out: VectorHit[] = [];
    for (let i = 0; i < this.size; i++) out.push({ label: this.labels[i]!, similarity: this.sims[i]! });
    return out.sort((a, b) => b.similarity - a.similarity || a.label - b.label);
  }
}

class BruteForceIndex implements VectorIndex {
  /** Row r holds the unit vector of #labels[r]; rows stay dense (removal moves the last row in). */
  #vectors: Float32Array;
  #labels: number[] = [];
  readonly #rows = new Map<number, number>();

  constructor(readonly dimensions: number, capacity: number) {
    this.#vectors = new Float32Array(capacity * dimensions);
  }

  get size(): number {
    return this.#labels.length;
  }

  has(label: number): boolean {
    return this.#rows.has(label);
  }

  upsert(label: number, vector: Float32Array): void {
    checkLabel(label);
    checkVector(this.dimensions, vector);
    let row = this.#rows.get(label);
    if (row === undefined) {
      row = this.#labels.length;
      if ((row + 1) * this.dimensions > this.#vectors.length) {
        const grown = new Float32Array(Math.max(1024, row * 2) * this.dimensions);
        grown.set(this.#vectors);
        this.#vectors = grown;
      }
      this.#labels.push(label);
      this.#rows.set(label, row);
    }
    this.#vectors.set(normalised(vector), row * this.dimensions);
  }

  remove(label: number): void {
    const row = this.#rows.get(label);
    if (row === undefined) return;
    const last = this.#labels.length - 1;
    if (row !== last) {
      const d = this.dimensions;
      this.#vectors.copyWithin(row * d, last * d, (last + 1) * d);
      const moved = this.#labels[last]!;
      this.#labels[row] = moved;
      this.#rows.set(moved, row);
    }
    this.#labels.pop();
    this.#rows.delete(label);
  }

  search(query: Float32Array, k: number, filter?: (label: number) => boolean): VectorHit[] {
    checkVector(this.dimensions, query);
    checkK(k);
    const n = Math.min(k, this.#labels.length);
    if (n === 0) return [];
    const q = normalised(query);
    const d = this.dimensions;
    const v = this.#vectors;
    const top = new TopK(n);
    for (let row = 0; row < this.#labels.length; row++) {
      const label = this.#labels[row]!;
      if (filter && !filter(label)) continue;
      const base = row * d;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let i = 0;
      for (; i + 3 < d; i += 4) {
        s0 += q[i]! * v[base + i]!;
        s1 += q[i + 1]! * v[base + i + 1]!;
        s2 += q[i + 2]! * v[base + i + 2]!;
        s3 += q[i + 3]! * v[base + i + 3]!;
      }
      for (; i < d; i++) s0 += q[i]! * v[base + i]!;
      top.offer(s0 + s1 + s2 + s3, label);
    }
    return top.hits();
  }

  /** Layout: magic, dimensions, count (u32 LE), then count u32 labels, then count unit vectors. */
  serialize(): Promise<Uint8Array> {
    const count = this.#labels.length;
    const bytes = new Uint8Array(HEADER_BYTES + count * 4 + count * this.dimensions * 4);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, MAGIC, true);
    view.setUint32(4, this.dimensions, true);
    view.setUint32(8, count, true);
    this.#labels.forEach((label, i) => view.setUint32(HEADER_BYTES + i * 4, label, true));
    const vectors = new Uint8Array(this.#vectors.buffer, 0, count * this.dimensions * 4);
    bytes.set(vectors, HEADER_BYTES + count * 4);
    return Promise.resolve(bytes);
  }

  load(bytes: Uint8Array): void {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const count = bytes.byteLength >= HEADER_BYTES ? view.getUint32(8, true) : 0;
    if (
      bytes.byteLength < HEADER_BYTES || view.getUint32(0, true) !== MAGIC ||
      bytes.byteLength !== HEADER_BYTES + count * 4 + count * view.getUint32(4, true) * 4
    ) {
      throw new RangeError("not a serialized brute-force index");
    }
    const dims = view.getUint32(4, true);
    if (dims !== this.dimensions) {
      throw new RangeError(`serialized index has ${dims} dimensions, expected ${this.dimensions}`);
    }
    // slice: a copy at offset 0, so the Float32Array view is aligned whatever the input's offset.
    this.#vectors = new Float32Array(bytes.slice(HEADER_BYTES + count * 4).buffer);
    for (let i = 0; i < count; i++) {
      const label = view.getUint32(HEADER_BYTES + i * 4, true);
      this.#labels.push(label);
      this.#rows.set(label, i);
    }
  }
}

/** Open an exact index, empty or from `serialize()` bytes. */
export function openBruteForceIndex(
  opts: { dimensions: number; capacity?: number; bytes?: Uint8Array },
): VectorIndex {
  if (!Number.isInteger(opts.dimensions) || opts.dimensions < 1) {
    throw new RangeError(`dimensions must be a positive integer, got ${opts.dimensions}`);
  }
  const index = new BruteForceIndex(opts.dimensions, Math.max(1, opts.capacity ?? 1024));
  if (opts.bytes) index.load(opts.bytes);
  return index;
}
