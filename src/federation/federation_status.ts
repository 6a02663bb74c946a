// What an operator asks of a node: its id and feed head, and for each configured peer how far it
// has acknowledged this node's feed (the replication outbox's backlog) and how far this node pulled.
import type { ReplicationStore } from "../store/replication_store.ts";
import type { FederationConfig } from "./federation_node.ts";
import { peerKey } from "./peer_pusher.ts";

/** One peer's replication state as this database records it. */
export interface PeerStatus {
  url: string;
  fingerprint: string;
  /** The highest position of this node's feed the peer has acknowledged. */
  acknowledged: number;
  /** Versions the peer has not acknowledged yet (the outbox toward it). */
  backlog: number;
  /** The position of the peer's feed this node has pulled up to. */
  pulled: number;
}

/** A node's federation state, read from its database alone (no peer is contacted). */
export interface FederationStatus {
  node: string;
  head: number;
  configured: boolean;
  quorum: number | null;
  peers: PeerStatus[];
}

/** Read the federation state of the database behind `replication` for the configured peers. */
export async function federationStatus(
  replication: ReplicationStore,
  config: FederationConfig | undefined,
): Promise<FederationStatus> {
  const peers: PeerStatus[] = [];
  for (const peer of config?.peers ?? []) {
    const acknowledged = await replication.cursor(peerKey(peer), "push");
    peers.push({
      url: peer.url,
      fingerprint: peer.fingerprint,
      acknowledged,
      backlog: await replication.countAfter(acknowledged),
      pulled: await replication.cursor(peerKey(peer), "pull"),
    });
  }
  return {
    node: await replication.nodeId(),
    head: await replication.head(),
    configured: config !== undefined,
    quorum: config?.quorum ?? null,
    peers,
  };
}
