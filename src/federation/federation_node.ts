// A federation node in one process: the mutual-TLS listener answering peers (serve only), a pusher
// per peer (the replication outbox), and the catch-up and anti-entropy loops, all stopped by close().
import { MemoryError } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";
import type { Config } from "../core/config.ts";
import type { ReplicationStore } from "../store/replication_store.ts";
import { reconcileWith } from "./anti_entropy.ts";
import { pullFrom } from "./catch_up.ts";
import { loadNodeTls } from "./node_identity.ts";
import { PeerClient } from "./peer_client.ts";
import { pause } from "../core/pause.ts";
import { type PeerLink, PeerPusher, retryDelay } from "./peer_pusher.ts";
import { servePeers } from "./peer_server.ts";
import { awaitQuorum, type QuorumOutcome } from "./quorum.ts";
import { syncHandler } from "./sync_routes.ts";

/** The federation settings of the configuration. */
export type FederationConfig = NonNullable<Config["federation"]>;

// Writes made by other processes on the same database (an MCP instance, the CLI) are noticed by
// polling the feed's head this often, and pushed like this process's own.
const HEAD_POLL_MS = 500;

/** What the operation path needs to make a write wait for its quorum. */
export interface WriteReplication {
  /** Push every change up to `target` to every peer; resolves when the quorum has it or at the deadline. */
  replicate(target: number): Promise<QuorumOutcome>;
}

/** A running federation node. */
export interface FederationNode extends WriteReplication {
  /** This node's feed position now. */
  head(): Promise<number>;
  nodeId: string;
  /** The peer listener's port (null when this process does not listen). */
  port: number | null;
  /** Pull from every peer and reconcile with each once, now (tests and `federation sync`). */
  syncNow(): Promise<void>;
  close(): Promise<void>;
}

/** The error of a write that committed here but did not reach its quorum in time. */
export function quorumNotMet(
  outcome: QuorumOutcome,
  options: { result: Record<string, unknown> },
): MemoryError {
  return new MemoryError(
    "quorum_not_met",
    `Not replicated: the write is committed on this node, but only ${outcome.acks} of the ${outcome.required} ` +
      `nodes required confirmed it within ${outcome.timeoutMs} ms. It stays in this node's replication outbox and ` +
      `is retried until every peer has it; the operation's result is in details.result`,
    {
      details: {
        replicated: false,
        acks: outcome.acks,
        required: outcome.required,
        timeout_ms: outcome.timeoutMs,
        pending_peers: outcome.pending,
        result: options.result,
      },
    },
  );
}

/**
 * Start federation for this process. With `listen`, peers are answered on the mutual-TLS address
 * and the catch-up and anti-entropy loops run; without, the process only pushes (an MCP instance).
 */
export async function startFederation(
  replication: ReplicationStore,
  options: { config: FederationConfig; log: Logger; listen: boolean },
): Promise<FederationNode> {
  const { config, log } = options;
  const tls = await loadNodeTls({ cert: config.cert, key: config.key, ca: config.ca });
  const nodeId = await replication.nodeId();
  const links = config.peers.map((peer) => ({
    peer,
    client: new PeerClient(peer, { tls, timeoutMs: config.timeoutMs, clockSkewMs: config.clockSkewMs }),
  }));
  const pushers = links.map((link) =>
    new PeerPusher(link, replication, {
      nodeId,
      pageSize: config.pageSize,
      retryBackoffMs: config.retryBackoffMs,
      log,
    })
  );
  const stop = new AbortController();
  const listener = options.listen
    ? await servePeers({
      tls,
      peers: config.peers,
      host: config.listen.host,
      port: config.listen.port,
      handler: syncHandler(replication),
      log,
      clockSkewMs: config.clockSkewMs,
    })
    : null;
  if (listener) log.info("federation listening", { node: nodeId, port: listener.port, peers: links.length });

  // One loop per task; each waits out its interval (or a backoff after a failure) and stops on close.
  const loop = (
    name: string,
    intervalMs: number,
    startMs: number,
    task: () => Promise<void>,
  ): Promise<void> =>
    (async () => {
      let failures = 0;
      await pause(startMs, stop.signal);
      while (!stop.signal.aborted) {
        try {
          await task();
          failures = 0;
          await pause(intervalMs, stop.signal);
        } catch (err) {
          if (stop.signal.aborted) return;
          if (++failures === 1) log.warn(`${name} failed; retrying`, { error: (err as Error).message });
          await pause(
            Math.max(retryDelay(failures, config.retryBackoffMs), Math.min(intervalMs, 1000)),
            stop.signal,
          );
        }
      }
    })();

  // Every peer gets its turn even when one fails; the failures are reported together.
  const forEachPeer = async (task: (link: PeerLink) => Promise<void>) => {
    const failed: string[] = [];
    for (const link of links) {
      try {
        await task(link);
      } catch (err) {
        failed.push(`${link.peer.url}: ${(err as Error).message}`);
      }
    }
    if (failed.length > 0) throw new Error(failed.join("; "));
  };
  const pullAll = () =>
    forEachPeer(async (link) => {
      const { applied } = await pullFrom(link, replication, {
        pageSize: config.pageSize,
        signal: stop.signal,
        log,
      });
      if (applied > 0) log.info("caught up from peer", { peer: link.peer.url, applied });
    });
  const reconcileAll = () =>
    forEachPeer(async (link) => {
      const healed = await reconcileWith(link, replication, { nodeId, pageSize: config.pageSize });
      if (healed.pulled + healed.pushed > 0) {
        log.info("anti-entropy healed", { peer: link.peer.url, ...healed });
      }
    });
  const pushHead = async () => {
    const head = await replication.head();
    for (const pusher of pushers) pusher.want(head);
  };

  const loops = [loop("push", HEAD_POLL_MS, 0, pushHead)];
  if (listener) {
    loops.push(loop("catch-up", config.catchupIntervalMs, Math.min(config.catchupIntervalMs, 1000), pullAll));
    loops.push(
      loop("anti-entropy", config.antiEntropyIntervalMs, config.antiEntropyIntervalMs, reconcileAll),
    );
  }

  return {
    nodeId,
    port: listener?.port ?? null,
    head: () => replication.head(),
    replicate: (target) =>
      awaitQuorum(pushers, target, {
        required: Math.min(config.quorum, 1 + links.length),
        timeoutMs: config.timeoutMs,
      }),
    syncNow: async () => {
      await pullAll();
      await reconcileAll();
    },
    close: async () => {
      stop.abort();
      await Promise.all(loops);
      await Promise.all(pushers.map((p) => p.close()));
      for (const link of links) link.client.close();
      await listener?.close();
    },
  };
}
