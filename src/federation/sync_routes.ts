// The peer protocol's endpoints (/api/v1/sync/*), served only on the mutual-TLS listener: a peer's
// feed page, a push of changes, namespace digests, and versions and changes by id for anti-entropy.
import { z } from "zod";
import { MemoryError, parseInput } from "../core/errors.ts";
import { replicaChangeSchema, type ReplicationStore } from "../store/replication_store.ts";
import type { PeerRequest, PeerResponse } from "./peer_server.ts";

/** The largest page a peer may ask for (the reference's cap on /sync/since). */
export const MAX_PAGE = 10_000;

const count = (max: number) => z.coerce.number().int().min(1).max(max);

const sinceQuery = z.object({
  cursor: z.coerce.number().int().min(0).default(0).describe("Feed position already seen"),
  limit: count(MAX_PAGE).default(500).describe("Most changes in the page"),
});
const pushBody = z.object({
  node: z.string().min(1).max(64).describe("The sending node's id"),
  changes: z.array(replicaChangeSchema).max(MAX_PAGE).describe("Changes to merge"),
});
const versionsQuery = z.object({
  namespace: z.string().min(1).describe("Namespace whose versions are listed"),
  after: z.string().optional().describe("List ids greater than this one"),
  limit: count(MAX_PAGE).default(1000).describe("Most versions in the page"),
});
const fetchBody = z.object({
  ids: z.array(z.string().min(1)).max(MAX_PAGE).describe("Ids whose current versions are wanted"),
});

/** The handler of a node's peer listener, answering from its replication store. */
export function syncHandler(replication: ReplicationStore): (req: PeerRequest) => Promise<PeerResponse> {
  const routes: Record<string, (req: PeerRequest) => Promise<unknown>> = {
    "GET /api/v1/sync/since": async (req) => {
      const q = parseInput(sinceQuery, Object.fromEntries(req.query), "query");
      const page = await replication.changesSince(q.cursor, { limit: q.limit });
      // The head lets a puller notice a feed that started again (a replaced database).
      return { node: await replication.nodeId(), head: await replication.head(), ...page };
    },
    "POST /api/v1/sync/push": async (req) => {
      const body = parseInput(pushBody, req.body, "body");
      const outcome = await replication.apply(body.changes, { from: body.node });
      return { node: await replication.nodeId(), ...outcome };
    },
    "GET /api/v1/sync/digest": async () => ({
      node: await replication.nodeId(),
      namespaces: await replication.digest(),
    }),
    "GET /api/v1/sync/versions": async (req) => {
      const q = parseInput(versionsQuery, Object.fromEntries(req.query), "query");
      return {
        versions: await replication.versions(q.namespace, {
          limit: q.limit,
          ...(q.after === undefined ? {} : { after: q.after }),
        }),
      };
    },
    "POST /api/v1/sync/fetch": async (req) => {
      const body = parseInput(fetchBody, req.body, "body");
      return { changes: await replication.changesFor(body.ids) };
    },
  };
  return (req) => {
    const route = routes[`${req.method} ${req.path}`];
    if (!route) {
      return Promise.reject(
        new MemoryError("not_found", `No peer route ${req.method} ${req.path}`, {
          details: { path: req.path },
        }),
      );
    }
    // The listener maps a MemoryError to its status; anything else is a 500 without internals.
    return route(req).then((body) => ({ status: 200, body }));
  };
}
