// A federation of real `serve` processes on loopback for end-to-end tests: node identities made by
// the product's own `createNodeIdentity`, one config file per node naming the others as peers,
// nodes started, killed and restarted on the same database, and the databases compared.
import { createNodeIdentity } from "../../src/federation/node_identity.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite_store.ts";
import { type ServerProcess, startServer } from "./processes.ts";

/** One node of a test cluster. */
export interface ClusterNode {
  name: string;
  db: string;
  config: string;
  peerPort: number;
  fingerprint: string;
  certPath: string;
  keyPath: string;
  process: ServerProcess | null;
}

/** A free loopback port (bound and released; fine for tests on one machine). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** A node identity written under `dir`: key, certificate and fingerprint. */
export async function writeIdentity(
  dir: string,
  name: string,
): Promise<{ certPath: string; keyPath: string; fingerprint: string; certPem: string; keyPem: string }> {
  const identity = await createNodeIdentity({ commonName: name, san: ["127.0.0.1"], days: 30 });
  const certPath = `${dir}/${name}.crt`;
  const keyPath = `${dir}/${name}.key`;
  await Deno.writeTextFile(certPath, identity.certPem);
  await Deno.writeTextFile(keyPath, identity.keyPem, { mode: 0o600 });
  return {
    certPath,
    keyPath,
    fingerprint: identity.fingerprint,
    certPem: identity.certPem,
    keyPem: identity.keyPem,
  };
}

/** Settings of every node's federation block beyond identities and peers. */
export interface ClusterSettings {
  quorum: number;
  timeoutMs?: number;
  catchupIntervalMs?: number;
  antiEntropyIntervalMs?: number;
  pageSize?: number;
}

/** Write identities and configs for `names` (every node lists every other as a peer). */
export async function makeCluster(
  dir: string,
  names: readonly string[],
  settings: ClusterSettings,
): Promise<ClusterNode[]> {
  const nodes: ClusterNode[] = [];
  for (const name of names) {
    const id = await writeIdentity(dir, name);
    nodes.push({
      name,
      db: `${dir}/${name}.db`,
      config: `${dir}/${name}.json`,
      peerPort: freePort(),
      fingerprint: id.fingerprint,
      certPath: id.certPath,
      keyPath: id.keyPath,
      process: null,
    });
  }
  for (const node of nodes) {
    await writeNodeConfig(node, nodes.filter((n) => n !== node), settings);
  }
  return nodes;
}

/** (Re)write a node's config with these peers. */
export async function writeNodeConfig(
  node: ClusterNode,
  peers: readonly ClusterNode[],
  settings: ClusterSettings,
): Promise<void> {
  await Deno.writeTextFile(
    node.config,
    JSON.stringify({
      federation: {
        cert: node.certPath,
        key: node.keyPath,
        listen: { host: "127.0.0.1", port: node.peerPort },
        peers: peers.map((p) => ({ url: `https://127.0.0.1:${p.peerPort}`, fingerprint: p.fingerprint })),
        quorum: settings.quorum,
        timeoutMs: settings.timeoutMs ?? 3000,
        retryBackoffMs: 100,
        catchupIntervalMs: settings.catchupIntervalMs ?? 500,
        antiEntropyIntervalMs: settings.antiEntropyIntervalMs ?? 1500,
        pageSize: settings.pageSize ?? 50,
      },
    }),
  );
}

/** Start (or restart) a node's server on its own database. */
export async function startNode(node: ClusterNode): Promise<ServerProcess> {
  node.process = await startServer(node.db, ["--config", node.config]);
  return node.process;
}

/** Stop a node: SIGTERM, or SIGKILL for a crash. */
export async function stopNode(node: ClusterNode, signal: Deno.Signal = "SIGTERM"): Promise<void> {
  await node.process?.stop(signal);
  node.process = null;
}

/** What a node's database holds, in a form equal on nodes that converged (ids, content, state), by id. */
export async function canonicalState(db: string): Promise<string> {
  const store = await SqliteStore.open(db, { now: new Date().toISOString() });
  try {
    const rows: [string, ...unknown[]][] = [];
    for (const ns of await store.replication.digest()) {
      let after: string | undefined;
      for (;;) {
        const page = await store.replication.versions(ns.namespace, {
          limit: 500,
          ...(after === undefined ? {} : { after }),
        });
        // changesFor() answers in this node's feed order, which differs from node to node (a node
        // that catches up applies what it missed in the order it pulls it): ordered by id below.
        const changes = await store.replication.changesFor(page.map((v) => v.id));
        for (const c of changes) rows.push([c.id, c.hlc, c.origin, c.state, c.memory]);
        if (page.length < 500) break;
        after = page.at(-1)!.id;
      }
    }
    rows.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    return JSON.stringify(rows);
  } finally {
    store.close();
  }
}

/**
 * The versions that differ between canonical states (at most 10, each node's view of it), so that a
 * failure to converge says what diverged.
 */
function stateDifferences(dbs: readonly string[], states: readonly string[]): string {
  const byId = states.map((s) =>
    new Map((JSON.parse(s) as unknown[][]).map((row) => [row[0] as string, row]))
  );
  const ids = [...new Set(byId.flatMap((m) => [...m.keys()]))].sort();
  const lines: string[] = [];
  for (const id of ids) {
    const views = byId.map((m) => JSON.stringify(m.get(id) ?? "missing"));
    if (views.every((v) => v === views[0])) continue;
    lines.push(`version ${id}:`, ...views.map((v, i) => `  ${dbs[i]}: ${v}`));
    if (lines.length >= 10 * (dbs.length + 1)) break;
  }
  return lines.join("\n");
}

/** Wait until every database has the same state; returns it, or throws with what differs. */
export async function waitForConvergence(dbs: readonly string[], timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(dbs.map(canonicalState));
    if (states.every((s) => s === states[0])) return states[0]!;
    if (Date.now() > deadline) {
      throw new Error(
        `no convergence within ${timeoutMs} ms: ${
          states.map((s, i) => `${dbs[i]}: ${JSON.parse(s).length} versions`)
        }\n${stateDifferences(dbs, states)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
