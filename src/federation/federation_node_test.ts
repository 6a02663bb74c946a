// Two federation nodes in one process over real mutual TLS on loopback: catch-up pulls from a
// saved cursor (a second pull takes only what is new, a replaced peer's feed is pulled again),
// anti-entropy heals what the feed cannot, pushes wait for quorum and count acks.
import assert from "node:assert/strict";
import { memoryDraft } from "../../test/support/memory_drafts.ts";
import { tempDataDir } from "../../test/support/processes.ts";
import { sequentialId } from "../../test/support/replica_fixtures.ts";
import { silentLogger } from "../core/log.ts";
import { resolveConfig } from "../core/config.ts";
import { mergeOnUpsert } from "../lifecycle/upsert_merge.ts";
import { SqliteStore } from "../store/sqlite/sqlite_store.ts";
import { type FederationNode, startFederation } from "./federation_node.ts";
import { pullFrom } from "./catch_up.ts";
import { createNodeIdentity, loadNodeTls } from "./node_identity.ts";
import { PeerClient } from "./peer_client.ts";
import { peerKey } from "./peer_pusher.ts";

const NOW = "2026-06-01T12:00:00.000Z";
// Loops that never fire during a test: every exchange is started by syncNow or a write.
const QUIET = 3_600_000;

interface TestNode {
  store: SqliteStore;
  node: FederationNode | null;
  port: number;
  dir: string;
  fingerprint: string;
}

async function makeNodes(n: number): Promise<TestNode[]> {
  const out: TestNode[] = [];
  for (let i = 0; i < n; i++) {
    const dir = await tempDataDir();
    const id = await createNodeIdentity({ commonName: `node-${i}`, san: ["127.0.0.1"], days: 2 });
    await Deno.writeTextFile(`${dir}/node.crt`, id.certPem);
    await Deno.writeTextFile(`${dir}/node.key`, id.keyPem);
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    out.push({
      store: await SqliteStore.open(`${dir}/n.db`, { now: NOW }),
      node: null,
      port,
      dir,
      fingerprint: id.fingerprint,
    });
  }
  return out;
}

async function start(
  me: TestNode,
  peers: readonly TestNode[],
  options: { quorum?: number; listen?: boolean } = {},
) {
  const config = resolveConfig({
    flags: {
      federation: {
        cert: `${me.dir}/node.crt`,
        key: `${me.dir}/node.key`,
        listen: { host: "127.0.0.1", port: me.port },
        peers: peers.map((p) => ({ url: `https://127.0.0.1:${p.port}`, fingerprint: p.fingerprint })),
        quorum: options.quorum ?? 1,
        timeoutMs: 1500,
        retryBackoffMs: 50,
        catchupIntervalMs: QUIET,
        antiEntropyIntervalMs: QUIET,
        pageSize: 7,
      },
    },
  }).federation!;
  me.node = await startFederation(me.store.replication, {
    config,
    log: silentLogger,
    listen: options.listen ?? true,
  });
}

let counter = 0;
async function put(store: SqliteStore, title: string): Promise<string> {
  const id = sequentialId(++counter);
  await store.upsert(
    memoryDraft({
      tier: "long",
      namespace: counter % 2 ? "fed/x" : "fed/y",
      title,
      content: `content of ${title}`,
      agent_id: "t",
    }),
    { id, now: NOW, merge: mergeOnUpsert },
  );
  return id;
}

async function digestsOf(store: SqliteStore): Promise<string> {
  return JSON.stringify(await store.replication.digest());
}

async function closeAll(nodes: readonly TestNode[]): Promise<void> {
  for (const n of nodes) {
    await n.node?.close();
    n.store.close();
  }
}

Deno.test("catch-up pulls in pages from the saved cursor: a second pull takes only what is new", async () => {
  const nodes = await makeNodes(2);
  const [x, y] = nodes as [TestNode, TestNode];
  try {
    // y does not listen, so x's pushes cannot land: everything y gets, it pulls.
    await start(x, [y]);
    await start(y, [x], { listen: false });
    for (let i = 0; i < 20; i++) await put(x.store, `fact ${i}`);
    await y.node!.syncNow();
    assert.equal(await digestsOf(y.store), await digestsOf(x.store));
    const cursor = await y.store.replication.cursor(x.fingerprint, "pull");
    assert.equal(cursor, await x.store.replication.head(), "the cursor is saved at x's head");
    for (let i = 20; i < 23; i++) await put(x.store, `fact ${i}`);
    const auditBefore = (await y.store.audit.page({ afterSeq: 0, limit: 10_000 })).length;
    await y.node!.syncNow();
    const applied = (await y.store.audit.page({ afterSeq: 0, limit: 10_000 })).slice(auditBefore);
    assert.deepEqual(applied.map((r) => r.ids.length), [3], "one apply of the three new versions");
    assert.equal(await digestsOf(y.store), await digestsOf(x.store));
  } finally {
    await closeAll(nodes);
  }
});

Deno.test("anti-entropy heals what the feed cannot: cursors past undelivered changes", async () => {
  const nodes = await makeNodes(2);
  const [x, y] = nodes as [TestNode, TestNode];
  try {
    for (let i = 0; i < 15; i++) await put(x.store, `x only ${i}`);
    for (let i = 0; i < 4; i++) await put(y.store, `y only ${i}`);
    // Cursors claim everything was exchanged (as after a restored backup): catch-up finds nothing.
    await y.store.replication.advanceCursor(peerKey({ url: "", fingerprint: x.fingerprint }), "pull", 10_000);
    await x.store.replication.advanceCursor(peerKey({ url: "", fingerprint: y.fingerprint }), "pull", 10_000);
    await x.store.replication.advanceCursor(peerKey({ url: "", fingerprint: y.fingerprint }), "push", 10_000);
    await y.store.replication.advanceCursor(peerKey({ url: "", fingerprint: x.fingerprint }), "push", 10_000);
    await start(x, [y]);
    await start(y, [x]);
    assert.notEqual(await digestsOf(y.store), await digestsOf(x.store));
    await y.node!.syncNow();
    assert.equal(await digestsOf(y.store), await digestsOf(x.store), "both directions healed");
    assert.equal((await y.store.replication.digest()).reduce((n, d) => n + d.count, 0), 19);
  } finally {
    await closeAll(nodes);
  }
});

Deno.test("a write's quorum: met when a peer acknowledges, not met (and kept) when the peer is down", async () => {
  const nodes = await makeNodes(2);
  const [x, y] = nodes as [TestNode, TestNode];
  try {
    await start(y, [x]);
    await start(x, [y], { quorum: 2 });
    await put(x.store, "acknowledged");
    const met = await x.node!.replicate(await x.store.replication.head());
    assert.deepEqual([met.met, met.acks, met.required], [true, 2, 2]);
    assert.equal(await digestsOf(y.store), await digestsOf(x.store));
    await y.node!.close();
    y.node = null;
    const id = await put(x.store, "while y is down");
    const missed = await x.node!.replicate(await x.store.replication.head());
    assert.deepEqual([missed.met, missed.acks, missed.pending], [false, 1, [`https://127.0.0.1:${y.port}`]]);
    // The outbox keeps it: once y listens again, x's pusher delivers without another write.
    await start(y, [x]);
    const deadline = Date.now() + 15_000;
    while ((await y.store.replication.changesFor([id])).length === 0) {
      assert.ok(Date.now() < deadline, "the kept write reached y");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await closeAll(nodes);
  }
});

Deno.test("a peer back from an outage acknowledges a new write at once: the write wakes a pusher waiting out its backoff", async () => {
  const nodes = await makeNodes(2);
  const [x, y] = nodes as [TestNode, TestNode];
  try {
    await start(x, [y], { quorum: 2 });
    // y is down: x's pusher fails and backs off (50, 100, ... 1 600 ms: 3.15 s in all, then 3 200 ms).
    await put(x.store, "while y is down");
    const missed = await x.node!.replicate(await x.store.replication.head());
    assert.equal(missed.met, false);
    await new Promise((resolve) => setTimeout(resolve, 4_000 - 1_500));
    // About 4 s in, the pusher is in a pause of 3.2 s, longer than the 1.5 s quorum timeout.
    await start(y, [x]);
    await put(x.store, "after y is back");
    const met = await x.node!.replicate(await x.store.replication.head());
    assert.deepEqual([met.met, met.acks], [true, 2], "the write's quorum did not wait out the backoff");
    assert.equal(await digestsOf(y.store), await digestsOf(x.store));
  } finally {
    await closeAll(nodes);
  }
});

Deno.test("catch-up notices a peer whose database was replaced and pulls its new feed from the start", async () => {
  const nodes = await makeNodes(2);
  const [x, y] = nodes as [TestNode, TestNode];
  try {
    await start(x, [y]);
    for (let i = 0; i < 20; i++) await put(x.store, `old fact ${i}`);
    const tls = await loadNodeTls({ cert: `${y.dir}/node.crt`, key: `${y.dir}/node.key` });
    const link = {
      peer: { url: `https://127.0.0.1:${x.port}`, fingerprint: x.fingerprint },
      client: new PeerClient({ url: `https://127.0.0.1:${x.port}`, fingerprint: x.fingerprint }, {
        tls,
        timeoutMs: 2000,
      }),
    };
    try {
      const signal = new AbortController().signal;
      await pullFrom(link, y.store.replication, { pageSize: 7, signal });
      assert.equal(await y.store.replication.cursor(x.fingerprint, "pull"), 20);
      // x comes back on a new, empty database (same identity and address) and takes three writes.
      await x.node!.close();
      x.store.close();
      x.store = await SqliteStore.open(`${x.dir}/replaced.db`, { now: NOW });
      await start(x, [y]);
      const fresh = [
        await put(x.store, "new fact 1"),
        await put(x.store, "new fact 2"),
        await put(x.store, "new 3"),
      ];
      const { applied } = await pullFrom(link, y.store.replication, { pageSize: 7, signal });
      assert.equal(applied, 3, "the new feed's three changes, though its positions are below the old cursor");
      assert.equal((await y.store.replication.changesFor(fresh)).length, 3);
      assert.equal(await y.store.replication.cursor(x.fingerprint, "pull"), await x.store.replication.head());
    } finally {
      link.client.close();
    }
  } finally {
    await closeAll(nodes);
  }
});
