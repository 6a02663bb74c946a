// Anti-entropy: compare per-namespace digests with a peer, and for each namespace that differs,
// compare the versions id by id and move the newer side's version across, in both directions.
import { z } from "zod";
import { replicaChangeSchema, type ReplicationStore } from "../store/replication_store.ts";
import { peerAnswer } from "./catch_up.ts";
import type { PeerLink } from "./peer_pusher.ts";

type Version = { id: string; hlc: string; origin: string; state: string };

const digestAnswer = z.object({
  node: z.string(),
  namespaces: z.array(z.object({ namespace: z.string(), count: z.number(), hash: z.string() })),
});
const versionsAnswer = z.object({
  versions: z.array(z.object({ id: z.string(), hlc: z.string(), origin: z.string(), state: z.string() })),
});
const fetchAnswer = z.object({ changes: z.array(replicaChangeSchema) });

/** True when version `a` wins over `b` under the merge rule: greater (hlc, origin). */
export function newer(a: Version, b: Version): boolean {
  return a.hlc > b.hlc || (a.hlc === b.hlc && a.origin > b.origin);
}

/** Every version of a namespace, read page by page (ordered by id) until a short page ends it. */
async function allVersions(
  page: (after: string | undefined) => Promise<readonly Version[]>,
  pageSize: number,
): Promise<Map<string, Version>> {
  const out = new Map<string, Version>();
  let after: string | undefined;
  for (;;) {
    const versions = await page(after);
    for (const v of versions) out.set(v.id, v);
    if (versions.length < pageSize) return out;
    after = versions.at(-1)!.id;
  }
}

function remoteVersions(link: PeerLink, namespace: string, pageSize: number): Promise<Map<string, Version>> {
  const path = "/api/v1/sync/versions";
  return allVersions(async (after) => {
    const query: Record<string, string> = { namespace, limit: String(pageSize) };
    if (after !== undefined) query.after = after;
    return peerAnswer(link, await link.client.request("GET", path, { query }), {
      path,
      schema: versionsAnswer,
    }).versions;
  }, pageSize);
}

function localVersions(
  replication: ReplicationStore,
  namespace: string,
  pageSize: number,
): Promise<Map<string, Version>> {
  return allVersions(
    (after) =>
      replication.versions(namespace, { limit: pageSize, ...(after === undefined ? {} : { after }) }),
    pageSize,
  );
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Heal every difference with one peer; returns how many versions moved each way. */
export async function reconcileWith(
  link: PeerLink,
  replication: ReplicationStore,
  options: { nodeId: string; pageSize: number },
): Promise<{ namespaces: number; pulled: number; pushed: number }> {
  const path = "/api/v1/sync/digest";
  const remote = peerAnswer(link, await link.client.request("GET", path), { path, schema: digestAnswer });
  const theirs = new Map(remote.namespaces.map((d) => [d.namespace, d.hash]));
  const mine = new Map((await replication.digest()).map((d) => [d.namespace, d.hash]));
  const differing = [...new Set([...theirs.keys(), ...mine.keys()])].filter((ns) =>
    theirs.get(ns) !== mine.get(ns)
  );
  let pulled = 0;
  let pushed = 0;
  for (const namespace of differing) {
    const [local, far] = [
      await localVersions(replication, namespace, options.pageSize),
      await remoteVersions(link, namespace, options.pageSize),
    ];
    const want: string[] = [];
    const give: string[] = [];
    for (const id of new Set([...local.keys(), ...far.keys()])) {
      const [l, f] = [local.get(id), far.get(id)];
      if (f && (!l || newer(f, l))) want.push(id);
      else if (l && (!f || newer(l, f))) give.push(id);
    }
    for (const ids of chunks(want, options.pageSize)) {
      const fetchPath = "/api/v1/sync/fetch";
      const res = await link.client.request("POST", fetchPath, { body: { ids } });
      const { changes } = peerAnswer(link, res, { path: fetchPath, schema: fetchAnswer });
      pulled += (await replication.apply(changes, { from: remote.node })).applied;
    }
    for (const ids of chunks(give, options.pageSize)) {
      const changes = await replication.changesFor(ids);
      const pushPath = "/api/v1/sync/push";
      const res = await link.client.request("POST", pushPath, { body: { node: options.nodeId, changes } });
      peerAnswer(link, res, { path: pushPath, schema: z.object({ applied: z.number() }) });
      pushed += changes.length;
    }
  }
  return { namespaces: differing.length, pulled, pushed };
}
