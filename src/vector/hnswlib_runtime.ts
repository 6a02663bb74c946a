// Runs hnswlib-wasm's Emscripten build under Deno: a private instance per index, an in-memory
// IDBFS in place of IndexedDB, a quiet stdout, and index files handed in and out as bytes.
import { type IdbfsRecord, MemoryIdbFactory } from "./idbfs_memory.ts";

// The slice of the Emscripten module this file uses (the package ships no types for it).
export interface HnswNative {
  initIndex(maxElements: number, m: number, efConstruction: number, seed: number): void;
  readIndex(filename: string, maxElements: number): void;
  writeIndex(filename: string): void;
  resizeIndex(maxElements: number): void;
  addPoint(point: Float32Array, label: number, replaceDeleted: boolean): void;
  markDelete(label: number): void;
  unmarkDelete(label: number): void;
  searchKnn(
    query: Float32Array,
    k: number,
    filter: ((label: number) => boolean) | undefined,
  ): { distances: number[]; neighbors: number[] };
  setEfSearch(ef: number): void;
}

interface HnswModule {
  HierarchicalNSW: new (space: string, dimensions: number, autoSaveFile: string) => HnswNative;
  EmscriptenFileSystemManager: {
    initializeFileSystem(type: "IDBFS"): void;
    isSynced(): boolean;
    syncFS(read: boolean, done: () => void): void;
  };
  getExceptionMessage(error: unknown): [string, string | undefined];
}

type HnswFactory = (overrides: Record<string, unknown>) => Promise<HnswModule>;

// IDBFS mounts hnswlib-wasm's directory under this name and keeps files in this object store.
const MOUNT = "/hnswlib-index";
const STORE = "FILE_DATA";
const FILE = "index.bin";
const PATH = `${MOUNT}/${FILE}`;
const REGULAR_FILE_MODE = 0o100644;
const QUIET = ["b. jsFS synced successfully", "EmscriptenFileSystemManager: Mounting IDBFS"];

/**
 * A fresh Emscripten instance with an in-memory IDBFS. The build refuses to start unless `window`
 * is an object, and IDBFS looks `indexedDB` up on it once, when the mount's first sync opens the
 * database. Both happen synchronously, so `window` exists only inside those two calls: no other code
 * can observe it, and concurrent opens cannot collide.
 */
async function loadModule(): Promise<{ module: HnswModule; idb: MemoryIdbFactory }> {
  // The factory itself, not the package's loadHnswlib(): that one cannot pass `print` (its printf
  // would reach stdout), shares one instance per process and polls the mount every 100 ms.
  const { default: factory } = await import("hnswlib-wasm/dist/hnswlib-317962d7.js") as {
    default: HnswFactory;
  };
  const idb = new MemoryIdbFactory();
  const scope = globalThis as { window?: unknown; indexedDB?: unknown };
  if (scope.indexedDB !== undefined || scope.window !== undefined) {
    throw new Error("hnswlib-wasm would use this runtime's window/indexedDB: refusing to load it");
  }
  const withWindow = <T>(work: () => T): T => {
    scope.window = { indexedDB: idb };
    try {
      return work();
    } finally {
      delete scope.window;
    }
  };
  // stdout belongs to MCP: the module's printf output goes nowhere.
  const module = await withWindow(() => factory({ print() {}, printErr() {} }));
  await quietly(() => {
    withWindow(() => module.EmscriptenFileSystemManager.initializeFileSystem("IDBFS"));
    return untilSynced(module);
  });
  return { module, idb };
}

/** Waits for a sync that the module started on its own (mount, writeIndex). */
async function untilSynced(module: HnswModule): Promise<void> {
  while (!module.EmscriptenFileSystemManager.isSynced()) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** MEMFS <-> the in-memory IDB: read = IDB to MEMFS (and unlink what IDB lacks). */
function sync(module: HnswModule, read: boolean): Promise<void> {
  return quietly(() =>
    new Promise<void>((resolve) => module.EmscriptenFileSystemManager.syncFS(read, () => resolve()))
  );
}

// The module's EM_JS code calls console.log itself after every sync. console is process-wide, so
// the filter is installed once for all syncs in flight (counted) and removed after the last one.
let syncsInFlight = 0;
// deno-lint-ignore no-console -- the original, restored when no sync is in flight
let originalLog = console.log;

/** Runs `work` with the module's two hard-coded console.log chats filtered out of stdout. */
async function quietly<T>(work: () => Promise<T>): Promise<T> {
  if (syncsInFlight++ === 0) {
    // deno-lint-ignore no-console -- see above
    originalLog = console.log;
    const log = originalLog;
    // deno-lint-ignore no-console -- see above
    console.log = (...args: unknown[]) => {
      if (!QUIET.some((q) => String(args[0]).startsWith(q))) log(...args);
    };
  }
  try {
    return await work();
  } finally {
    // deno-lint-ignore no-console -- see above
    if (--syncsInFlight === 0) console.log = originalLog;
  }
}

/** A C++ exception from the module as an Error with its message. */
function nativeError(module: HnswModule, error: unknown, action: string): Error {
  if (error instanceof Error) return error;
  try {
    const [type, message] = module.getExceptionMessage(error);
    return new Error(`hnswlib ${action} failed: ${message ?? type}`);
  } catch {
    return new Error(`hnswlib ${action} failed`);
  }
}

/** One Emscripten instance of hnswlib-wasm and the in-memory IDB behind its file system. */
export class HnswlibRuntime {
  readonly #module: HnswModule;
  readonly #idb: MemoryIdbFactory;

  private constructor(module: HnswModule, idb: MemoryIdbFactory) {
    this.#module = module;
    this.#idb = idb;
  }

  /** A fresh instance (about 0.1 s: the wasm is decoded and compiled each time). */
  static async load(): Promise<HnswlibRuntime> {
    const { module, idb } = await loadModule();
    return new HnswlibRuntime(module, idb);
  }

  /** A new, uninitialised cosine-space HNSW graph in this instance. */
  newGraph(dimensions: number): HnswNative {
    return new this.#module.HierarchicalNSW("cosine", dimensions, "");
  }

  /**
   * The bytes `write(file)` saves (it must call writeIndex(file)). writeIndex writes MEMFS
   * synchronously, a consistent snapshot, then syncs it to the IDB: the record's contents are
   * MEMFS's own array, handed over without a copy once the MEMFS file is unlinked.
   */
  async saveFile(write: (file: string) => void): Promise<Uint8Array> {
    this.call("writeIndex", () => write(FILE));
    await quietly(() => untilSynced(this.#module));
    const records = this.#idb.records(MOUNT, STORE)!;
    const bytes = records.get(PATH)?.contents;
    if (!bytes) throw new Error("hnswlib-wasm wrote no index file");
    records.clear();
    await sync(this.#module, true); // IDB empty, so MEMFS drops the file too
    return bytes;
  }

  /** Puts `bytes` in MEMFS as a file (MEMFS owns the array, no copy), runs `read(file)`, unlinks it. */
  async loadFile(bytes: Uint8Array, read: (file: string) => void): Promise<void> {
    const records = this.#idb.records(MOUNT, STORE)!;
    const record: IdbfsRecord = { timestamp: new Date(), mode: REGULAR_FILE_MODE, contents: bytes };
    records.set(PATH, record);
    await sync(this.#module, true);
    try {
      this.call("readIndex", () => read(FILE));
    } finally {
      records.clear();
      await sync(this.#module, true);
    }
  }

  /** Runs a native call, turning a C++ exception into an Error with its message. */
  call<T>(action: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw nativeError(this.#module, error, action);
    }
  }
}
