// An in-memory stand-in for the slice of IndexedDB that Emscripten's IDBFS calls, so hnswlib-wasm's
// index file reaches JS as the very Uint8Array MEMFS holds: no structured clone, no second copy.

/** A record as IDBFS stores it: a directory ({timestamp, mode}) or a file (plus contents). */
export interface IdbfsRecord {
  timestamp: Date;
  mode: number;
  contents?: Uint8Array;
}

type Handler = ((event: FakeEvent) => void) | null;

interface FakeEvent {
  target: FakeRequest;
  preventDefault(): void;
}

class FakeRequest {
  result: unknown = undefined;
  error: unknown = null;
  transaction: FakeTransaction | null = null;
  onsuccess: Handler = null;
  onerror: Handler = null;
  onupgradeneeded: Handler = null;
}

function fire(request: FakeRequest, handler: Handler): void {
  handler?.({ target: request, preventDefault() {} });
}

/** Names as IDB lists them (only `contains` is used). */
class NameList {
  constructor(readonly names: Set<string>) {}
  contains(name: string): boolean {
    return this.names.has(name);
  }
}

class FakeTransaction {
  onerror: Handler = null;
  oncomplete: Handler = null;
  #pending = 0;
  #done = false;

  constructor(readonly db: FakeDatabase) {
    // Like IDB, a transaction given no request (IDBFS removing only local files) still completes.
    queueMicrotask(() => this.#complete());
  }

  objectStore(name: string): StoreView {
    const records = this.db.stores.get(name);
    if (!records) throw new Error(`no object store ${name}`);
    return new StoreView(this, records);
  }

  /** Settle a request on a later microtask, then commit once nothing is left in flight. */
  settle(request: FakeRequest, run: () => unknown): FakeRequest {
    this.#pending++;
    queueMicrotask(() => {
      try {
        request.result = run();
        fire(request, request.onsuccess);
      } catch (error) {
        request.error = error;
        fire(request, request.onerror);
        fire(request, this.onerror);
      } finally {
        this.#pending--;
        if (this.#pending === 0) queueMicrotask(() => this.#complete());
      }
    });
    return request;
  }

  #complete(): void {
    if (this.#pending > 0 || this.#done) return;
    this.#done = true;
    fire(new FakeRequest(), this.oncomplete);
  }
}

/** One object store as seen through a transaction. */
class StoreView {
  readonly indexNames: NameList;

  constructor(readonly tx: FakeTransaction, readonly records: Map<string, IdbfsRecord>) {
    this.indexNames = new NameList(tx.db.indexes);
  }

  createIndex(name: string): void {
    this.tx.db.indexes.add(name);
  }

  get(key: string): FakeRequest {
    return this.tx.settle(new FakeRequest(), () => this.records.get(key));
  }

  put(value: IdbfsRecord, key: string): FakeRequest {
    return this.tx.settle(new FakeRequest(), () => void this.records.set(key, value));
  }

  delete(key: string): FakeRequest {
    return this.tx.settle(new FakeRequest(), () => void this.records.delete(key));
  }

  /** Only the `timestamp` index exists; its key cursor yields (timestamp, path) pairs. */
  index(_name: string): { openKeyCursor(): FakeRequest } {
    return {
      openKeyCursor: () => {
        const request = new FakeRequest();
        const keys = [...this.records.keys()];
        const step = (at: number) =>
          this.tx.settle(request, () => {
            const key = keys[at];
            if (key === undefined) return null;
            return { primaryKey: key, key: this.records.get(key)?.timestamp, continue: () => step(at + 1) };
          });
        step(0);
        return request;
      },
    };
  }
}

class FakeDatabase {
  readonly stores = new Map<string, Map<string, IdbfsRecord>>();
  readonly indexes = new Set<string>();
  readonly objectStoreNames = { contains: (name: string) => this.stores.has(name) };

  createObjectStore(name: string): StoreView {
    const records = new Map<string, IdbfsRecord>();
    this.stores.set(name, records);
    return new StoreView(new FakeTransaction(this), records);
  }

  transaction(_names: string[], _mode: string): FakeTransaction {
    return new FakeTransaction(this);
  }

  close(): void {}
}

/**
 * The `indexedDB` object IDBFS asks for. Each factory is private to one Emscripten module, and
 * `records(db, store)` gives its owner direct access to the files IDBFS synced.
 */
export class MemoryIdbFactory {
  readonly #dbs = new Map<string, FakeDatabase>();

  open(name: string, _version: number): FakeRequest {
    const request = new FakeRequest();
    queueMicrotask(() => {
      let db = this.#dbs.get(name);
      request.result = db;
      if (!db) {
        db = new FakeDatabase();
        this.#dbs.set(name, db);
        request.result = db;
        request.transaction = new FakeTransaction(db);
        fire(request, request.onupgradeneeded);
      }
      fire(request, request.onsuccess);
    });
    return request;
  }

  /** The records of one object store; undefined until IDBFS has created it. */
  records(db: string, store: string): Map<string, IdbfsRecord> | undefined {
    return this.#dbs.get(db)?.stores.get(store);
  }
}
