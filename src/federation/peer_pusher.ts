// The replication outbox toward one peer: the peer's acknowledged position in this node's feed is
// kept in the database, and everything after it is pushed, in pages, until the peer has it all.
import type { Logger } from "../core/log.ts";
import { pause } from "../core/pause.ts";
import type { ReplicationStore } from "../store/replication_store.ts";
import type { PeerClient } from "./peer_client.ts";
import type { PeerConfig } from "./peer_server.ts";

// Retries of an unreachable peer back off from retryBackoffMs up to this.
const MAX_BACKOFF_MS = 5_000;
// The acknowledged position is saved at most this often (and on close): losing the last few saves
// in a crash only means pushing those changes again, which the peer ignores.
const CURSOR_SAVE_MS = 250;

/** A configured peer and the client that reaches it. */
export interface PeerLink {
  peer: PeerConfig;
  client: PeerClient;
}

/** The key a peer's cursors are stored under: its certificate fingerprint, which stays with it. */
export function peerKey(peer: PeerConfig): string {
  return peer.fingerprint;
}

/** Delay before retry `failures` (1, 2, ...) of a push or pull. */
export function retryDelay(failures: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, failures - 1), MAX_BACKOFF_MS);
}

/** Pushes this node's feed to one peer; one push in flight at a time; retried until it lands. */
export class PeerPusher {
  readonly link: PeerLink;
  readonly #replication: ReplicationStore;
  readonly #options: { nodeId: string; pageSize: number; retryBackoffMs: number; log: Logger };
  readonly #stop = new AbortController();
  #acked = -1;
  #wanted = 0;
  #running: Promise<void> | null = null;
  #waiters: { target: number; resolve: (landed: boolean) => void }[] = [];
  #failures = 0;
  /** The pause after a failed push, and when it began: a new write may cut it short (want()). */
  #retryWait: { wake: AbortController; since: number } | undefined;
  #saved = -1;
  #saveTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    link: PeerLink,
    replication: ReplicationStore,
    options: { nodeId: string; pageSize: number; retryBackoffMs: number; log: Logger },
  ) {
    this.link = link;
    this.#replication = replication;
    this.#options = options;
  }

  /** The highest feed position the peer has acknowledged (-1 before the first push). */
  get acked(): number {
    return this.#acked;
  }

  /** Resolves true once the peer has every change up to `target`, false if the pusher stops first. */
  until(target: number): Promise<boolean> {
    if (this.#acked >= target) return Promise.resolve(true);
    if (this.#stop.signal.aborted) return Promise.resolve(false);
    const landed = new Promise<boolean>((resolve) => this.#waiters.push({ target, resolve }));
    this.want(target);
    return landed;
  }

  /**
   * Push everything up to `target` in the background. New changes wake a pusher waiting out its
   * backoff after failed pushes (at most once per `retryBackoffMs`): the peer may be back, and a write
   * waiting for its quorum would otherwise sit out up to MAX_BACKOFF_MS after the peer had returned.
   */
  want(target: number): void {
    const more = target > this.#wanted;
    this.#wanted = Math.max(this.#wanted, target);
    const waiting = this.#retryWait;
    if (more && waiting && performance.now() - waiting.since >= this.#options.retryBackoffMs) {
      waiting.wake.abort();
    }
    if (this.#running || this.#stop.signal.aborted) return;
    this.#running = this.#run().finally(() => {
      this.#running = null;
      // A want() that came in while the last page was in flight starts the next run.
      if (!this.#stop.signal.aborted && this.#wanted > this.#acked) {
        this.want(this.#wanted);
      }
    });
  }

  /** Stop pushing; pending waiters get false. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.#running;
    for (const w of this.#waiters.splice(0)) w.resolve(false);
    clearTimeout(this.#saveTimer);
    await this.#save();
  }

  async #save(): Promise<void> {
    this.#saveTimer = undefined;
    if (this.#acked <= this.#saved) return;
    const value = this.#acked;
    await this.#replication.advanceCursor(peerKey(this.link.peer), "push", value);
    this.#saved = Math.max(this.#saved, value);
  }

  #scheduleSave(): void {
    if (this.#saveTimer !== undefined || this.#stop.signal.aborted) return;
    this.#saveTimer = setTimeout(() => {
      this.#save().catch((err) =>
        this.#options.log.warn("saving a peer's push cursor failed", { error: (err as Error).message })
      );
    }, CURSOR_SAVE_MS);
  }

  #settle(): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (w.target > this.#acked) return true;
      w.resolve(true);
      return false;
    });
  }

  async #run(): Promise<void> {
    const key = peerKey(this.link.peer);
    while (!this.#stop.signal.aborted) {
      try {
        if (this.#acked < 0) this.#acked = this.#saved = await this.#replication.cursor(key, "push");
        this.#settle();
        if (this.#acked >= this.#wanted) return;
        const page = await this.#replication.changesSince(this.#acked, { limit: this.#options.pageSize });
        if (page.changes.length > 0) {
          const res = await this.link.client.request("POST", "/api/v1/sync/push", {
            body: { node: this.#options.nodeId, changes: page.changes },
            signal: this.#stop.signal,
          });
          if (res.status !== 200) {
            throw new Error(`peer answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
          }
        }
        // Nothing after the cursor means the peer already has everything up to what was wanted.
        const reached = page.changes.length > 0 ? page.next : Math.max(this.#acked, this.#wanted);
        this.#acked = Math.max(this.#acked, reached);
        this.#scheduleSave();
        if (this.#failures > 0) this.#options.log.info("peer reachable again", { peer: this.link.peer.url });
        this.#failures = 0;
        this.#settle();
      } catch (err) {
        if (this.#stop.signal.aborted) return;
        this.#failures++;
        if (this.#failures === 1) {
          this.#options.log.warn("push to peer failed; retrying", {
            peer: this.link.peer.url,
            error: (err as Error).message,
          });
        }
        const wake = new AbortController();
        this.#retryWait = { wake, since: performance.now() };
        await pause(
          retryDelay(this.#failures, this.#options.retryBackoffMs),
          AbortSignal.any([this.#stop.signal, wake.signal]),
        );
        this.#retryWait = undefined;
      }
    }
  }
}
