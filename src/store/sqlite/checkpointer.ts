// WAL checkpoints on a thread of their own. A checkpoint copies the pages written since the last one
// back into the database file and syncs it: 5 ms for 100 pages here, 30 ms for 1 000, and in
// proportion for the 10 000 a busy server reaches. Run on the connection that serves requests, that time is a stall of
// the event loop, so a long-running server hands it to a worker with its own connection to the file;
// SQLite lets any connection checkpoint, and a PASSIVE one never blocks readers or the writer.
//
// The worker's code is a module made here from text: a Deno worker loaded from a file needs read
// permission on its whole module graph, which the server's permission set does not grant (it reads
// only ./data and ./models), while a blob module may import the npm package the main graph already
// has, pinned to the exact version in package.json.
import pkg from "../../../package.json" with { type: "json" };
import type { CheckpointResult } from "../store.ts";
import { nativeAddonPath } from "./open.ts";
import { isBusyError } from "./tx.ts";

const SQLITE_PACKAGE = "better-sqlite3-multiple-ciphers";

/** The worker: open the file with the given pragmas, then checkpoint on request. */
function workerSource(): string {
  const version = (pkg as { dependencies: Record<string, string> }).dependencies[SQLITE_PACKAGE];
  return `import Database from "npm:${SQLITE_PACKAGE}@${version}";
let db;
let closed;
self.onmessage = (event) => {
  const message = event.data;
  try {
    if (message.type === "open") {
      closed = new Int32Array(message.closed);
      db = new Database(message.path, { nativeBinding: message.addon });
      for (const pragma of message.pragmas) db.pragma(pragma);
      self.postMessage({ type: "opened" });
    } else if (message.type === "checkpoint") {
      const [result] = db.pragma("wal_checkpoint(PASSIVE)");
      self.postMessage({ type: "checkpointed", result });
    } else if (message.type === "close") {
      try {
        db?.close();
      } finally {
        Atomics.store(closed, 0, 1);
        Atomics.notify(closed, 0);
      }
    }
  } catch (error) {
    self.postMessage({ type: "failed", op: message.type, code: error?.code, error: String(error?.message ?? error) });
  }
};`;
}

// How long close() waits for the worker to close its connection (the last one to close removes the
// WAL file); a checkpoint it is running finishes first.
const CLOSE_WAIT_MS = 2_000;

/**
 * A worker thread that checkpoints one database file on request. At most one checkpoint runs at a
 * time; requests made meanwhile are folded into one that follows it.
 */
export class Checkpointer {
  readonly #worker: Worker;
  /** Set to 1 by the worker once its connection is closed. */
  readonly #closed = new Int32Array(new SharedArrayBuffer(4));
  #state: "opening" | "idle" | "running" | "failed" | "closed" = "opening";
  #again = false;
  #onFailure: (error: string) => void;
  /** Told each checkpoint's result (tests watch it). */
  onCheckpoint: ((result: CheckpointResult) => void) | undefined;

  private constructor(worker: Worker, onFailure: (error: string) => void) {
    this.#worker = worker;
    this.#onFailure = onFailure;
  }

  /**
   * Start a worker on `path`; `pragmas` (the key, the busy timeout) run on its connection first.
   * `onFailure` is told once when the worker cannot open the file or a checkpoint fails: the caller
   * then checkpoints as it did before.
   */
  static start(path: string, pragmas: string[], onFailure: (error: string) => void): Checkpointer {
    const url = URL.createObjectURL(new Blob([workerSource()], { type: "text/javascript" }));
    let worker: Worker;
    try {
      worker = new Worker(url, { type: "module" });
    } finally {
      // The worker has its source once constructed (Deno reads a blob URL's contents right away).
      URL.revokeObjectURL(url);
    }
    const checkpointer = new Checkpointer(worker, onFailure);
    worker.onmessage = (event: MessageEvent) => checkpointer.#receive(event.data);
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      checkpointer.#fail(event.message);
    };
    worker.postMessage({
      type: "open",
      path,
      addon: nativeAddonPath(),
      pragmas,
      closed: checkpointer.#closed.buffer,
    });
    return checkpointer;
  }

  /** Whether checkpoints still go to the worker. */
  get active(): boolean {
    return this.#state !== "failed" && this.#state !== "closed";
  }

  /** Ask for a checkpoint (now, or right after the running one). */
  request(): void {
    if (this.#state === "idle") {
      this.#state = "running";
      this.#worker.postMessage({ type: "checkpoint" });
    } else if (this.#state === "running" || this.#state === "opening") {
      this.#again = true;
    }
  }

  /**
   * Close the worker's connection, waiting for it (at most CLOSE_WAIT_MS), so that the caller's own
   * connection, closed next, is the last one and removes the WAL; then stop the worker.
   */
  close(): void {
    if (this.#state === "closed") return;
    const wasActive = this.active;
    this.#state = "closed";
    if (wasActive) {
      this.#worker.postMessage({ type: "close" });
      Atomics.wait(this.#closed, 0, 0, CLOSE_WAIT_MS);
    }
    this.#worker.terminate();
  }

  #receive(
    message: { type: string; op?: string; code?: string; result?: CheckpointResult; error?: string },
  ): void {
    if (this.#state === "closed" || this.#state === "failed") return;
    if (message.type === "failed") {
      // Another connection held what a checkpoint needs: the next request tries again.
      if (message.op !== "checkpoint" || !isBusyError(message)) {
        return this.#fail(message.error ?? "unknown error");
      }
      message = { type: "checkpointed", result: { busy: 1, log: -1, checkpointed: -1 } };
    }
    this.#state = "idle";
    if (message.type === "checkpointed") this.onCheckpoint?.(message.result!);
    if (this.#again) {
      this.#again = false;
      this.request();
    }
  }

  #fail(error: string): void {
    if (!this.active) return;
    this.#state = "failed";
    this.#worker.terminate();
    this.#onFailure(error);
  }
}
