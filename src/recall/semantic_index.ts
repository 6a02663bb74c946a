// The in-process vector index of one model, kept in step with the database: loaded from its file
// beside the database, caught up from the vectors' change feed, rebuilt when the file is foreign.
import { createHash } from "node:crypto";
import { dirname } from "node:path";
import { isSealed, seal, unseal } from "../lifecycle/sealed_file.ts";
import type { VectorStore } from "../store/vector_store.ts";
import type { VectorHit, VectorIndex } from "../vector/index.ts";
import { openHnswIndex } from "../vector/hnsw_wasm.ts";

const MAGIC = "AIMEMVEC1\n";
const CATCH_UP_BATCH = 2000;
const YIELD_AFTER_MS = 4;
// 100 rather than hnswlib's usual 200: at 100k x 384 it builds in 115 s instead of 274 s with
// recall@10 0.9995 instead of 1.000 (bench/vector_index.ts on clustered data).
const EF_CONSTRUCTION = 100;
// 200 rather than 64: on the fixture embedder's crowded vectors (10k) recall@10 against exact search
// rises from 0.91 to 0.98 at no measurable cost to hybrid recall (bench/semantic.ts, side by side).
const EF_SEARCH = 200;

/** What the index file says about the index it holds. */
interface IndexHeader {
  model: string;
  dimensions: number;
  /** The database's vector history id. */
  epoch: string;
  /** The newest change the index holds. */
  change: number;
  /** The vector row of that change as the index saw it: a database whose row differs has another history. */
  at?: { seq: number; sha256: string } | null;
}

/** Where and how the index is persisted. */
export interface IndexFileOptions {
  /** The index file; none keeps the index in memory only. */
  path?: string | undefined;
  /** Seal the file with this key (set when the database is encrypted). */
  passphrase?: string | undefined;
}

function encodeFile(header: IndexHeader, body: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(`${MAGIC}${JSON.stringify(header)}\n`);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

function decodeFile(bytes: Uint8Array): { header: IndexHeader; body: Uint8Array } | null {
  const magic = new TextEncoder().encode(MAGIC);
  if (!magic.every((b, i) => bytes[i] === b)) return null;
  const end = bytes.indexOf(10, magic.length);
  if (end < 0) return null;
  try {
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(magic.length, end))) as IndexHeader;
    return { header, body: bytes.subarray(end + 1) };
  } catch {
    return null;
  }
}

/** True when the database's vector row at the file's newest change is another than the file saw. */
async function divergedAt(store: VectorStore, header: IndexHeader): Promise<boolean> {
  if (header.change === 0 || !header.at) return false;
  const row = await store.vectorAt(header.change);
  // Gone: re-embedded since (same history) or purged; either way the catch-up is sound.
  if (!row) return false;
  return row.seq !== header.at.seq || vectorHash(row.vector) !== header.at.sha256;
}

function vectorHash(vector: Float32Array): string {
  return createHash("sha256").update(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength))
    .digest("hex");
}

/** One model's vector index for this process. */
export class SemanticIndex {
  readonly model: string;
  readonly dimensions: number;
  /** How the index came to be at open: loaded from its file, or rebuilt (and why). */
  readonly origin: string;
  #index: VectorIndex;
  #change: number;
  readonly #store: VectorStore;
  readonly #file: IndexFileOptions;
  readonly #signal: AbortSignal | undefined;
  readonly #epoch: string;
  #catching: Promise<number> | undefined;
  #savedChange: number;

  private constructor(
    init: {
      model: string;
      dimensions: number;
      index: VectorIndex;
      change: number;
      origin: string;
      epoch: string;
      signal?: AbortSignal;
    },
    store: VectorStore,
    file: IndexFileOptions,
  ) {
    this.model = init.model;
    this.dimensions = init.dimensions;
    this.origin = init.origin;
    this.#index = init.index;
    this.#change = init.change;
    this.#savedChange = init.origin === "file" ? init.change : -1;
    this.#epoch = init.epoch;
    this.#store = store;
    this.#file = file;
    this.#signal = init.signal;
  }

  /**
   * Open the index of `model`: from its file when that file belongs to this database and is not
   * ahead of it, else from scratch; then catch up with the stored vectors. Once `signal` is aborted
   * (a process stopping), catching up stops where it is: the index holds the vectors up to
   * `change`, and saved, the next process goes on from there.
   */
  static async open(
    store: VectorStore,
    options: {
      model: string;
      dimensions: number;
      file?: IndexFileOptions;
      fresh?: boolean;
      signal?: AbortSignal;
    },
  ): Promise<SemanticIndex> {
    const file = options.file ?? {};
    const stats = await store.stats({ model: options.model });
    let origin = options.fresh ? "rebuilt: asked to" : "rebuilt: no index file";
    let index: VectorIndex | undefined;
    let change = 0;
    if (file.path && !options.fresh) {
      try {
        let bytes: Uint8Array = await Deno.readFile(file.path);
        if (isSealed(bytes)) {
          bytes = file.passphrase ? unseal(bytes, file.passphrase) : new Uint8Array();
        }
        const decoded = decodeFile(bytes);
        const h = decoded?.header;
        if (!decoded || !h) origin = "rebuilt: the index file is not readable";
        else if (h.epoch !== stats.epoch) origin = "rebuilt: the index file belongs to another database";
        else if (h.model !== options.model || h.dimensions !== options.dimensions) {
          origin = "rebuilt: the index file is for another model";
        } else if (h.change > stats.head) origin = "rebuilt: the index file is ahead of the database";
        else if (await divergedAt(store, h)) {
          origin = "rebuilt: the database's history differs from the index file's";
        } else {
          index = await openHnswIndex({
            dimensions: options.dimensions,
            bytes: decoded.body,
            efSearch: EF_SEARCH,
          });
          change = h.change;
          origin = "file";
        }
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) {
          origin = `rebuilt: the index file could not be read (${(error as Error).message})`;
        }
      }
    }
    index ??= await openHnswIndex({
      dimensions: options.dimensions,
      capacity: Math.max(1024, stats.vectors),
      efConstruction: EF_CONSTRUCTION,
      efSearch: EF_SEARCH,
    });
    const semantic = new SemanticIndex(
      {
        model: options.model,
        dimensions: options.dimensions,
        index,
        change,
        origin,
        epoch: stats.epoch,
        signal: options.signal,
      },
      store,
      file,
    );
    await semantic.catchUp();
    return semantic;
  }

  /** Live entries in the index. */
  get size(): number {
    return this.#index.size;
  }

  /** The newest change the index holds. */
  get change(): number {
    return this.#change;
  }

  /** Changes written since the last save (or since open when never saved). */
  get unsaved(): number {
    return this.#change - Math.max(0, this.#savedChange);
  }

  /** Add the vectors written since the last catch-up (by any process); returns how many. */
  catchUp(): Promise<number> {
    // One catch-up at a time; callers that arrive meanwhile wait for it.
    this.#catching ??= this.#runCatchUp().finally(() => {
      this.#catching = undefined;
    });
    return this.#catching;
  }

  async #runCatchUp(): Promise<number> {
    let added = 0;
    for (;;) {
      if (this.#signal?.aborted) return added;
      const batch = await this.#store.changedSince(this.#change, {
        model: this.model,
        limit: CATCH_UP_BATCH,
      });
      let slice = performance.now();
      for (const v of batch) {
        this.#index.upsert(v.seq, v.vector);
        this.#change = v.change;
        added++;
        // An insert costs 0.5-3 ms of synchronous WebAssembly: give other requests a turn every few ms.
        if (performance.now() - slice > YIELD_AFTER_MS) {
          await new Promise((resolve) => setTimeout(resolve, 0));
          if (this.#signal?.aborted) return added;
          slice = performance.now();
        }
      }
      if (batch.length < CATCH_UP_BATCH) return added;
    }
  }

  /** The k nearest labels to `query` among those `filter` accepts, after catching up. */
  async search(query: Float32Array, k: number, filter?: (label: number) => boolean): Promise<VectorHit[]> {
    await this.catchUp();
    return this.#index.search(query, Math.min(k, this.#index.size), filter);
  }

  /** Write the index to its file (atomically: a temporary file renamed over it). */
  async save(): Promise<void> {
    if (!this.#file.path) return;
    const change = this.#change;
    const row = change === 0 ? null : await this.#store.vectorAt(change);
    const at = row ? { seq: row.seq, sha256: vectorHash(row.vector) } : null;
    const header: IndexHeader = {
      model: this.model,
      dimensions: this.dimensions,
      epoch: this.#epoch,
      change,
      at,
    };
    let bytes = encodeFile(header, await this.#index.serialize());
    if (this.#file.passphrase) bytes = seal(bytes, this.#file.passphrase);
    await Deno.mkdir(dirname(this.#file.path), { recursive: true });
    const temp = `${this.#file.path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
    await Deno.writeFile(temp, bytes);
    await Deno.rename(temp, this.#file.path);
    this.#savedChange = change;
  }
}
