// The approximate vector index: hnswlib (HNSW graphs) compiled to WebAssembly by hnswlib-wasm,
// one private Emscripten instance per index, persisted as the bytes of hnswlib's own index file.
import { checkK, checkLabel, checkVector, type VectorHit, type VectorIndex } from "./index.ts";
import { HnswlibRuntime, type HnswNative } from "./hnswlib_runtime.ts";

/** Parameters of a new index; `bytes` reopens a serialized one (its m/efConstruction win). */
export interface HnswOptions {
  dimensions: number;
  /** Initial slots; the index grows by half whenever it is full. */
  capacity?: number;
  /** Graph degree (hnswlib M). */
  m?: number;
  /** Candidate list size while inserting: build time against recall. */
  efConstruction?: number;
  /** Candidate list size while searching (raised to k when k is larger): latency against recall. */
  efSearch?: number;
  /** Seed of hnswlib's level generator. */
  seed?: number;
  /** A serialized index from `serialize()`. */
  bytes?: Uint8Array;
}

const WASM_LABEL_BYTES = 4; // hnswlib's labeltype is size_t: 32 bits in wasm32

/** What the header of an hnswlib index file (wasm32 layout) says. */
interface HnswFileHeader {
  maxElements: number;
  count: number;
  bytesPerElement: number;
  labelOffset: number;
  dimensions: number;
  headerBytes: number;
}

function readHeader(bytes: Uint8Array): HnswFileHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 56) throw new RangeError("not an hnswlib index: too short");
  const u32 = (at: number) => view.getUint32(at, true);
  // offsetLevel0, maxElements, count, bytesPerElement, labelOffset, offsetData, maxLevel,
  // entryPoint, maxM, maxM0, M (4 bytes each), mult (8), efConstruction (4).
  const header = {
    maxElements: u32(4),
    count: u32(8),
    bytesPerElement: u32(12),
    labelOffset: u32(16),
    dimensions: (u32(16) - u32(20)) / 4,
    headerBytes: 56,
  };
  // offsetData is the level-0 link block: a count word plus maxM0 links.
  if (
    u32(0) !== 0 || u32(20) !== 4 + 4 * u32(36) || header.count > header.maxElements ||
    header.labelOffset + WASM_LABEL_BYTES !== header.bytesPerElement ||
    !Number.isInteger(header.dimensions) || header.dimensions < 1 ||
    header.headerBytes + header.count * header.bytesPerElement > bytes.byteLength
  ) {
    throw new RangeError("not an hnswlib index written by this module");
  }
  return header;
}

/** The slots of a serialized index, read from its bytes: hnswlib keeps no label list a caller can ask for. */
interface SlotState {
  live: Set<number>;
  /** Labels whose slot is marked deleted. */
  removed: Set<number>;
  slots: number;
}

function readSlots(bytes: Uint8Array, header: HnswFileHeader): SlotState {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const state: SlotState = { live: new Set(), removed: new Set(), slots: header.count };
  for (let i = 0; i < header.count; i++) {
    const at = header.headerBytes + i * header.bytesPerElement;
    const label = view.getUint32(at + header.labelOffset, true);
    // hnswlib's DELETE_MARK: bit 0 of byte 2 of the element's level-0 link header.
    ((view.getUint8(at + 2) & 1) === 1 ? state.removed : state.live).add(label);
  }
  return state;
}

class HnswWasmIndex implements VectorIndex {
  readonly #live: Set<number>;
  /** Removed labels that may still own their (deleted) slot; a superset, pruned lazily. */
  readonly #removed: Set<number>;
  /** Slots marked deleted. hnswlib-wasm builds with replacement on: new labels reuse them first. */
  #vacant: number;
  /** Slots in use, deleted or not (hnswlib's element count). */
  #slots: number;
  #capacity: number;
  /** The ef hnswlib currently searches with: efSearch, or k when a search asks for more. */
  #ef = 0;
  #busy: Promise<unknown> = Promise.resolve();

  readonly #efSearch: number;
  readonly #runtime: HnswlibRuntime;
  readonly #native: HnswNative;

  constructor(
    readonly dimensions: number,
    graph: { efSearch: number; runtime: HnswlibRuntime; native: HnswNative; capacity: number },
    state: SlotState,
  ) {
    this.#efSearch = graph.efSearch;
    this.#runtime = graph.runtime;
    this.#native = graph.native;
    this.#capacity = graph.capacity;
    this.#live = state.live;
    this.#removed = state.removed;
    this.#vacant = state.removed.size;
    this.#slots = state.slots;
  }

  get size(): number {
    return this.#live.size;
  }

  has(label: number): boolean {
    return this.#live.has(label);
  }

  upsert(label: number, vector: Float32Array): void {
    checkLabel(label);
    checkVector(this.dimensions, vector);
    // hnswlib-wasm refuses every addPoint, even an update, while all slots are in use.
    if (this.#slots >= this.#capacity) this.#grow();
    if (this.#live.has(label)) {
      this.#call("addPoint", () => this.#native.addPoint(vector, label, false)); // update in place
      return;
    }
    if (this.#removed.delete(label) && this.#unmark(label)) {
      this.#call("addPoint", () => this.#native.addPoint(vector, label, false));
      this.#live.add(label);
      return;
    }
    // A new label: into a deleted slot if there is one (hnswlib picks which), else a new slot.
    this.#call("addPoint", () => this.#native.addPoint(vector, label, true));
    this.#live.add(label);
    if (this.#vacant > 0) this.#consumeVacant();
    else this.#slots++;
  }

  remove(label: number): void {
    if (!this.#live.has(label)) return;
    this.#call("markDelete", () => this.#native.markDelete(label));
    this.#live.delete(label);
    this.#removed.add(label);
    this.#vacant++;
  }

  /** Revives a removed label's slot; false when a new label has taken it meanwhile. */
  #unmark(label: number): boolean {
    try {
      this.#call("unmarkDelete", () => this.#native.unmarkDelete(label));
    } catch (error) {
      if (error instanceof Error && error.message.endsWith("Label not found")) return false;
      throw error;
    }
    this.#consumeVacant();
    return true;
  }

  #consumeVacant(): void {
    this.#vacant--;
    if (this.#vacant === 0) this.#removed.clear(); // no deleted slot left: no removed label owns one
  }

  search(query: Float32Array, k: number, filter?: (label: number) => boolean): VectorHit[] {
    checkVector(this.dimensions, query);
    checkK(k);
    const n = Math.min(k, this.#live.size);
    if (n === 0) return [];
    const ef = Math.max(this.#efSearch, n);
    if (ef !== this.#ef) this.#native.setEfSearch(this.#ef = ef);
    // A throw inside the C++ search would leak its visited list: catch here, rethrow after.
    let thrown: { error: unknown } | undefined;
    const guarded = filter &&
      ((label: number) => {
        if (thrown) return false;
        try {
          return filter(label) === true;
        } catch (error) {
          thrown = { error };
          return false;
        }
      });
    const found = this.#call("searchKnn", () => this.#native.searchKnn(query, n, guarded));
    if (thrown) throw thrown.error;
    return found.neighbors.map((label, i) => ({ label, similarity: 1 - found.distances[i]! }));
  }

  serialize(): Promise<Uint8Array> {
    const run = this.#busy.then(() => this.#serialize());
    this.#busy = run.catch(() => {});
    return run;
  }

  async #serialize(): Promise<Uint8Array> {
    return await this.#runtime.saveFile((file) => this.#native.writeIndex(file));
  }

  /** Reads hnswlib's file bytes into the graph. */
  load(bytes: Uint8Array, maxElements: number): Promise<void> {
    return this.#runtime.loadFile(bytes, (file) => this.#native.readIndex(file, maxElements));
  }

  #grow(): void {
    const next = Math.max(this.#capacity + 1024, Math.ceil(this.#capacity * 1.5));
    this.#call("resizeIndex", () => this.#native.resizeIndex(next));
    this.#capacity = next;
  }

  #call<T>(action: string, work: () => T): T {
    return this.#runtime.call(action, work);
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}

/** Open an HNSW index (cosine similarity), empty or from `serialize()` bytes. Needs no permissions. */
export async function openHnswIndex(opts: HnswOptions): Promise<VectorIndex> {
  const dimensions = positiveInteger("dimensions", opts.dimensions);
  const efSearch = positiveInteger("efSearch", opts.efSearch ?? 64);
  const header = opts.bytes && readHeader(opts.bytes);
  if (header && header.dimensions !== dimensions) {
    throw new RangeError(
      `serialized index has ${header.dimensions} dimensions, expected ${dimensions}`,
    );
  }
  const capacity = Math.max(
    positiveInteger("capacity", opts.capacity ?? 1024),
    header ? header.maxElements : 0,
  );
  const runtime = await HnswlibRuntime.load();
  const native = runtime.newGraph(dimensions);
  const state = header
    ? readSlots(opts.bytes!, header)
    : { live: new Set<number>(), removed: new Set<number>(), slots: 0 };
  const index = new HnswWasmIndex(dimensions, { efSearch, runtime, native, capacity }, state);
  if (opts.bytes) {
    await index.load(opts.bytes, capacity);
  } else {
    native.initIndex(
      capacity,
      positiveInteger("m", opts.m ?? 16),
      positiveInteger("efConstruction", opts.efConstruction ?? 200),
      nonNegativeInteger("seed", opts.seed ?? 100),
    );
  }
  return index;
}
