// W-of-N quorum over the peer pushers: this node counts as one, each peer that acknowledges the
// change before the deadline as another. Pushes that miss the deadline go on in the background.
import type { PeerPusher } from "./peer_pusher.ts";

/** How a quorum wait ended. */
export interface QuorumOutcome {
  /** Nodes that have the change, this one included. */
  acks: number;
  required: number;
  met: boolean;
  timeoutMs: number;
  /** URLs of the peers that had not acknowledged it when the wait ended. */
  pending: string[];
}

/** Wait until `required` nodes (this one included) have every change up to feed position `target`. */
export function awaitQuorum(
  pushers: readonly PeerPusher[],
  target: number,
  options: { required: number; timeoutMs: number },
): Promise<QuorumOutcome> {
  const landed = new Set<PeerPusher>();
  const outcome = (met: boolean): QuorumOutcome => ({
    acks: 1 + landed.size,
    required: options.required,
    met,
    timeoutMs: options.timeoutMs,
    pending: pushers.filter((p) => !landed.has(p)).map((p) => p.link.peer.url),
  });
  // Every peer gets the change, whatever W is; only the wait depends on it.
  const waits = pushers.map((p) => p.until(target).then((ok) => ok && landed.add(p)));
  if (1 >= options.required) return Promise.resolve(outcome(true));
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(outcome(1 + landed.size >= options.required)), options.timeoutMs);
    for (const wait of waits) {
      void wait.then(() => {
        if (1 + landed.size >= options.required) {
          clearTimeout(timer);
          resolve(outcome(true));
        }
      });
    }
  });
}
