// The semantic side of one process: its models (loaded once, on first use), the vector index of
// its embedder, and nearest-neighbour lookups resolved to live, visible memories.
import { basename, dirname } from "node:path";
import type { Config } from "../core/config.ts";
import { invalidInput } from "../core/errors.ts";
import type { Memory } from "../core/memory.ts";
import { loadModelSet, MODE_OF_TIER, type ModelSet, type RecallMode, TIERS } from "../models/model_set.ts";
import type { Embedder, Reranker } from "../models/onnx.ts";
import type { MemoryFilter, MemoryStore } from "../store/store.ts";
import { dot } from "./query_vector.ts";
import { SemanticIndex } from "./semantic_index.ts";

/** A live memory near a query vector. */
export interface Neighbour {
  seq: number;
  memory: Memory;
  similarity: number;
}

/** The most filtered vectors an exact comparison reads. */
const EXACT_SCAN_LIMIT = 200_000;

function clampCosine(similarity: number): number {
  return Math.max(-1, Math.min(1, similarity));
}

/** Where a process keeps the vector index of its database. */
export function indexFilePath(config: Config): string {
  return `${dirname(config.db)}/${basename(config.db)}.vectors`;
}

/** Models, index and vector lookups for one process; everything loads lazily and once. */
export class SemanticEngine {
  readonly #config: Config;
  readonly #store: MemoryStore;
  #models: Promise<ModelSet> | undefined;
  #index: Promise<SemanticIndex> | undefined;
  /** True while warmUp() is building the index in the background. */
  #warming = false;
  /** Aborted by stop(): building or catching up the index ends where it is. */
  readonly #stopping = new AbortController();

  constructor(config: Config, store: MemoryStore) {
    this.#config = config;
    this.#store = store;
  }

  /** The models of this process (loaded on the first call). */
  models(): Promise<ModelSet> {
    this.#models ??= loadModelSet(this.#config);
    return this.#models;
  }

  /** The recall modes this process can answer, lowest first. */
  async modes(): Promise<RecallMode[]> {
    const set = await this.models();
    return TIERS.slice(0, TIERS.indexOf(set.tier) + 1).map((t) => MODE_OF_TIER[t]);
  }

  /**
   * The mode to answer with: the requested one, or the best this process has.
   * @throws {MemoryError} invalid_input naming `field` when the requested mode needs a missing model
   */
  async resolveMode(requested: RecallMode | undefined, field = "mode"): Promise<RecallMode> {
    const set = await this.models();
    const best = MODE_OF_TIER[set.tier];
    // While a server builds its index, an unspecified mode is answered by keyword (and the response
    // says so in `mode`); a request that names a semantic mode waits for the index.
    if (requested === undefined) return this.#warming ? "keyword" : best;
    const modes = await this.modes();
    if (modes.includes(requested)) return requested;
    const tier = TIERS.find((t) => MODE_OF_TIER[t] === requested)!;
    const reason = set.unavailable.find((u) => u.tier === tier)?.reason ?? "not available";
    throw invalidInput([{
      field,
      message: `"${requested}" needs the ${tier} tier; this server runs the ${set.tier} tier (${reason})`,
    }]);
  }

  /**
   * The embedder, or an error naming `field` and why there is none.
   * @throws {MemoryError} invalid_input when no embedder is loaded
   */
  async embedder(field: string): Promise<Embedder> {
    const set = await this.models();
    if (set.embedder) return set.embedder;
    const reason = set.unavailable.find((u) => u.tier === "semantic")?.reason ??
      "the keyword tier was configured";
    throw invalidInput([{
      field,
      message: `needs an embedding model; this server runs the keyword tier (${reason})`,
    }]);
  }

  /** The cross-encoder, when loaded. */
  async reranker(): Promise<Reranker | null> {
    return (await this.models()).reranker;
  }

  /** The embedder's vector index (opened and caught up on the first call). */
  async index(field = "mode"): Promise<SemanticIndex> {
    const embedder = await this.embedder(field);
    this.#index ??= this.#store.vectors.requeueOtherModels({
      model: embedder.model,
      dimensions: embedder.dimensions,
    }).then(() =>
      SemanticIndex.open(this.#store.vectors, {
        model: embedder.model,
        dimensions: embedder.dimensions,
        file: { path: indexFilePath(this.#config), passphrase: this.#config.passphrase },
        signal: this.#stopping.signal,
      })
    ).catch((error) => {
      // A failed open (e.g. the database briefly unreadable) is tried again by the next caller.
      this.#index = undefined;
      throw error;
    });
    return await this.#index;
  }

  /**
   * The live memories passing `filter` nearest to `vector`, best first, at least `minSimilarity`.
   * When too few of the approximate neighbours pass the filter (a selective filter), the filtered
   * memories' stored vectors are compared exactly instead.
   */
  async nearest(
    vector: Float32Array,
    options: { k: number; filter: MemoryFilter; now: string; minSimilarity: number },
  ): Promise<Neighbour[]> {
    const index = await this.index();
    const fetch = Math.min(Math.max(options.k * 2, 50), index.size);
    const hits = (await index.search(vector, fetch)).filter((h) => h.similarity >= options.minSimilarity);
    // The best k first; the rest of the hits only when filters hid some of those.
    const resolve = (labels: number[]) =>
      this.#store.vectors.liveBySeq(labels, { filter: options.filter, now: options.now, model: index.model });
    const live = await resolve(hits.slice(0, options.k).map((h) => h.label));
    if (live.length < options.k && hits.length > options.k) {
      live.push(...await resolve(hits.slice(options.k).map((h) => h.label)));
    }
    const bySeq = new Map(live.map((l) => [l.seq, l.memory]));
    const out: Neighbour[] = [];
    for (const h of hits) {
      const memory = bySeq.get(h.label);
      if (memory) out.push({ seq: h.label, memory, similarity: clampCosine(h.similarity) });
      if (out.length === options.k) return out;
    }
    // Fewer than k passed. Done when the search returned everything above the floor; otherwise the
    // filter is selective, and its few memories' vectors are compared exactly.
    if (hits.length < fetch) return out;
    return await this.#exactNearest(vector, { ...options, model: index.model });
  }

  async #exactNearest(
    vector: Float32Array,
    options: { k: number; filter: MemoryFilter; now: string; minSimilarity: number; model: string },
  ): Promise<Neighbour[]> {
    const stored = await this.#store.vectors.vectorsMatching({ ...options, limit: EXACT_SCAN_LIMIT });
    const best = stored.map((v) => ({ seq: v.seq, similarity: clampCosine(dot(vector, v.vector)) }))
      .filter((s) => s.similarity >= options.minSimilarity)
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, options.k);
    const live = await this.#store.vectors.liveBySeq(best.map((b) => b.seq), options);
    const bySeq = new Map(live.map((l) => [l.seq, l.memory]));
    return best.flatMap((b) => {
      const memory = bySeq.get(b.seq);
      return memory ? [{ seq: b.seq, memory, similarity: b.similarity }] : [];
    });
  }

  /**
   * Open (or build) the index in the background, so a server answers at once: until it is ready,
   * recall without a mode answers by keyword. Resolves when the index is ready.
   */
  warmUp(): Promise<SemanticIndex> {
    this.#warming = true;
    return this.index().finally(() => {
      this.#warming = false;
    });
  }

  /** `ready` once the index is open, `building` while warmUp() builds it, `none` before either. */
  indexState(): "ready" | "building" | "none" {
    if (this.#warming) return "building";
    return this.#index ? "ready" : "none";
  }

  /** Build the index afresh from the stored vectors and save it; returns it. */
  async rebuildIndex(): Promise<SemanticIndex> {
    const embedder = await this.embedder("index");
    await this.#store.vectors.requeueOtherModels({ model: embedder.model, dimensions: embedder.dimensions });
    const index = await SemanticIndex.open(this.#store.vectors, {
      model: embedder.model,
      dimensions: embedder.dimensions,
      file: { path: indexFilePath(this.#config), passphrase: this.#config.passphrase },
      fresh: true,
      signal: this.#stopping.signal,
    });
    await index.save();
    this.#index = Promise.resolve(index);
    return index;
  }

  /**
   * A process stopping: building or catching up the index ends where it is, so that nothing waits
   * for a build of minutes. saveIndex() then saves what was built; the next process goes on from it.
   */
  stop(): void {
    this.#stopping.abort();
  }

  /** Whether stop() was called. */
  get stopped(): boolean {
    return this.#stopping.signal.aborted;
  }

  /** Save the index file if it has unsaved changes. */
  async saveIndex(minUnsaved = 1): Promise<void> {
    if (!this.#index) return;
    const index = await this.#index;
    if (index.unsaved >= minUnsaved) await index.save();
  }
}
