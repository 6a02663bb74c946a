import assert from "node:assert/strict";
import { memoryDraft } from "../../../test/support/memory_drafts.ts";
import { tempDataDir } from "../../../test/support/processes.ts";
import {
  everything,
  FIXTURE_NOW as NOW,
  rejectsInvalidInput,
  sequentialId,
  shuffled,
  versionOf,
  withStores,
} from "../../../test/support/replica_fixtures.ts";
import { mergeOnUpsert } from "../../lifecycle/upsert_merge.ts";
import type { Relation } from "../graph_store.ts";
import { type LinkChange, linkKey, type ReplicaChange } from "../replication_store.ts";
import type { MemoryDraft } from "../store.ts";
import { migrate } from "./migrate.ts";
import { MIGRATIONS } from "./migrations/mod.ts";
import { openSqlite } from "./open.ts";
import { SqliteStore } from "./sqlite_store.ts";

const LATER = "2026-06-02T12:00:00.000Z";
const END = "2026-07-01T00:00:00.000Z";

let ids = 0;
const nextId = () => sequentialId(++ids, { suffix: "000000000001" });

async function put(store: SqliteStore, d: Partial<MemoryDraft> = {}): Promise<string> {
  const { memory } = await store.upsert(memoryDraft(d), { id: nextId(), now: NOW, merge: mergeOnUpsert });
  return memory.id;
}

async function link(
  store: SqliteStore,
  source_id: string,
  target_id: string,
  relation: Relation = "related_to",
): Promise<string> {
  await store.graph.link({
    source_id,
    target_id,
    relation,
    created_at: NOW,
    valid_from: NOW,
    valid_until: null,
    observed_by: "agent-a",
  });
  return linkKey({ source_id, target_id, relation });
}

/** Every memory row, link row, link version's fields and version, as text: equal dumps = equal state. */
function dump(path: string): string {
  const db = openSqlite(path);
  try {
    const all = (sql: string) => db.prepare(sql).all();
    return JSON.stringify(
      {
        memories: all(
          `SELECT id, namespace, title, content, priority, deleted_at, deleted_by, removal, archive_reason
         FROM memories ORDER BY id`,
        ),
        links: all("SELECT * FROM memory_links ORDER BY source_id, target_id, relation"),
        fields: all("SELECT * FROM replica_links ORDER BY key"),
        versions: all("SELECT id, kind, hlc, origin, state, namespace FROM replica_versions ORDER BY id"),
      },
      null,
      1,
    );
  } finally {
    db.close();
  }
}

function linkRows(path: string): { source_id: string; target_id: string; deleted_at: string | null }[] {
  return JSON.parse(dump(path)).links;
}

async function linkVersion(store: SqliteStore, key: string): Promise<LinkChange> {
  const change = await versionOf(store, key);
  assert.equal(change.kind, "link");
  return change as LinkChange;
}

Deno.test("every link write path stamps a link version in the feed, keyed by the triple, in the source's namespace", async () => {
  await withStores(1, async ([store], [path]) => {
    const r = store!.replication;
    const seen: string[] = [];
    // Each step must put these link keys (in this order) at the head of the feed with newer stamps.
    const stamped = async (keys: string[], state: string, what: string) => {
      const head = await r.head();
      const page = await r.changesSince(head - keys.length, { limit: 10 });
      assert.deepEqual(page.changes.map((c) => c.id), keys, `${what}: the head of the feed`);
      for (const c of page.changes) {
        assert.equal(c.kind, c.id.startsWith("link:") ? "link" : "memory", what);
        assert.equal(c.state, state, what);
        assert.ok(seen.every((h) => h < c.hlc), `${what}: a newer stamp than every earlier one`);
        seen.push(c.hlc);
      }
      return page.changes as LinkChange[];
    };
    const a = await put(store!, { title: "a", namespace: "src" });
    const b = await put(store!, { title: "b", namespace: "dst" });
    const c = await put(store!, { title: "c", namespace: "dst" });

    const ab = await link(store!, a, b);
    assert.equal(ab, `link:related_to:${a.length}:${a}:${b}`);
    const [created] = await stamped([ab], "live", "link");
    assert.equal(created!.namespace, "src", "a link's namespace is its source memory's");
    assert.equal(created!.memory, null);
    assert.deepEqual(created!.link, {
      source_id: a,
      target_id: b,
      relation: "related_to",
      created_at: NOW,
      valid_from: NOW,
      valid_until: null,
      observed_by: "agent-a",
      deleted_at: null,
    });
    const head = await r.head();
    await link(store!, a, b);
    assert.equal(await r.head(), head, "linking an existing triple again changes nothing");

    await store!.graph.invalidate({ source_id: a, target_id: b, relation: "related_to" }, {
      validUntil: END,
    });
    const [invalidated] = await stamped([ab], "live", "invalidate");
    assert.equal(invalidated!.link?.valid_until, END);

    const ac = await link(store!, a, c, "supersedes");
    await stamped([ac], "live", "link (supersedes)");
    // Archiving an end keeps its links (provenance): no link version.
    const before = await r.head();
    await store!.archive.archiveMatching({
      filter: { namespace: "dst" },
      terms: ["content"],
      now: LATER,
      actor: "t",
      reason: "forgotten",
      dryRun: false,
    });
    const archived = (await r.changesSince(before, { limit: 10 })).changes;
    assert.ok(archived.every((ch) => ch.kind === "memory"), "archive stamps the memories only");
    await store!.archive.restore(c, { now: LATER, expiresAt: () => null });
    await store!.archive.restore(b, { now: LATER, expiresAt: () => null });

    await store!.softDelete(c, { now: LATER, actor: "t" });
    const [followed] = await stamped([ac], "deleted", "an end's delete tombstones its link");
    assert.equal(followed!.link?.deleted_at, LATER);
    await store!.purgeDeleted(LATER);
    // The foreign key's cascade runs before the memory's trigger: the link is stamped first.
    const [purged] = (await stamped([ac, c], "deleted", "an end's purge")) as unknown as LinkChange[];
    assert.equal(purged!.link, null, "a purged link carries no fields");
    assert.equal(purged!.namespace, "src");

    const e = await put(store!, { title: "e" });
    const f = await put(store!, { title: "f" });
    const merged = nextId();
    await store!.archive.consolidate(memoryDraft({ title: "ef" }), {
      id: merged,
      sourceIds: [e, f],
      now: LATER,
      actor: "t",
    });
    await stamped(
      [
        linkKey({ source_id: merged, target_id: e, relation: "derived_from" }),
        linkKey({
          source_id: merged,
          target_id: f,
          relation: "derived_from",
        }),
      ],
      "live",
      "consolidate",
    );

    const exported = await store!.transfer.exportAll();
    const g = await put(store!, { title: "g" });
    await store!.transfer.importAll({
      ...exported,
      memories: [],
      links: [{ ...exported.links.find((l) => l.source_id === a)!, target_id: g }],
      aliases: [],
      agents: [],
      namespaces: [],
    });
    await stamped([linkKey({ source_id: a, target_id: g, relation: "related_to" })], "live", "import");

    const raw = openSqlite(path!);
    try {
      raw.prepare(
        "UPDATE memory_links SET observed_by = 'someone else' WHERE source_id = ? AND target_id = ?",
      )
        .run(a, b);
    } finally {
      raw.close();
    }
    const [rawWrite] = await stamped([ab], "live", "raw SQL by another connection");
    assert.equal(rawWrite!.link?.observed_by, "someone else");
  });
});

Deno.test("nodes receiving memories and links in any order end with identical rows, links and digests", async () => {
  await withStores(6, async (stores, paths) => {
    const [a, b, c] = stores as [SqliteStore, SqliteStore, SqliteStore];
    const share = async (from: SqliteStore, to: SqliteStore[]) => {
      const changes = await everything(from);
      for (const s of to) await s.replication.apply(changes, { from: "x" });
    };
    // Shared memories, then links made on different nodes between them, concurrent invalidations of
    // one link, the same triple linked on two nodes, deletes and a purge of ends, a title collision
    // whose loser has links, and an archived end.
    const hub = await put(a, { title: "hub" });
    const left = await put(a, { title: "left" });
    const right = await put(b, { title: "right", namespace: "other" });
    const gone = await put(c, { title: "gone" });
    const purged = await put(c, { title: "purged" });
    const kept = await put(b, { title: "kept", expires_at: NOW });
    await share(a, [b, c]);
    await share(b, [a, c]);
    await share(c, [a, b]);
    await link(a, hub, left);
    await link(b, hub, right);
    await link(c, hub, right); // the same triple on two nodes: one key, the greater version wins
    await link(b, right, hub, "contradicts");
    await link(c, gone, hub);
    await link(c, hub, purged, "supersedes");
    await link(b, kept, hub, "derived_from");
    await share(b, [a, c]);
    await share(c, [a, b]);
    await a.graph.invalidate({ source_id: hub, target_id: right, relation: "related_to" }, {
      validUntil: END,
    });
    await c.graph.invalidate({ source_id: hub, target_id: right, relation: "related_to" }, {
      validUntil: LATER,
    });
    await c.softDelete(purged, { now: LATER, actor: "t" });
    await c.purgeDeleted(LATER);
    await c.softDelete(gone, { now: LATER, actor: "t" });
    await b.archive.archiveExpired({ now: LATER, actor: "sweeper", dryRun: false, limit: 10 });
    const mine = await put(a, { title: "taken" });
    const theirs = await put(b, { title: "taken" });
    await link(a, mine, hub);
    await link(b, theirs, hub);

    const all = [...await everything(a), ...await everything(b), ...await everything(c)];
    assert.ok(all.filter((ch) => ch.kind === "link").length >= 10, "links are in the feeds");
    const targets = stores.slice(3);
    for (const [i, target] of targets.entries()) {
      const order = i === 0 ? all : i === 1 ? [...all].reverse() : shuffled(all, 7);
      for (let at = 0; at < order.length; at += 2 + i) {
        await target.replication.apply(order.slice(at, at + 2 + i), { from: "mixed" });
      }
    }
    const expected = dump(paths[3]!);
    assert.equal(dump(paths[4]!), expected, "reverse order (links before their memories)");
    assert.equal(dump(paths[5]!), expected, "shuffled order");
    const digest = await targets[0]!.replication.digest();
    assert.deepEqual(await targets[1]!.replication.digest(), digest);
    assert.deepEqual(await targets[2]!.replication.digest(), digest);
    for (const origin of [a, b, c]) await origin.replication.apply(all, { from: "mixed" });
    for (const path of paths.slice(0, 3)) assert.equal(dump(path), expected, "the origins converge too");

    const state = JSON.parse(expected) as {
      memories: { id: string; removal: string | null; deleted_at: string | null }[];
      links: { source_id: string; target_id: string; relation: string; deleted_at: string | null }[];
    };
    const row = (s: string, t: string) => state.links.find((l) => l.source_id === s && l.target_id === t);
    assert.equal(row(hub, left)?.deleted_at, null, "a plain link is live everywhere");
    assert.equal(row(gone, hub)?.deleted_at, LATER, "a deleted end's link is a tombstone");
    assert.equal(row(hub, purged), undefined, "a purged end's link is gone");
    assert.equal(row(kept, hub)?.deleted_at, null, "an archived end keeps its link");
    const loser = state.memories.find((m) => (m.id === mine || m.id === theirs) && m.removal === "deleted")!;
    assert.ok(loser, "one of the two titles lost");
    assert.equal(row(loser.id, hub)?.deleted_at, loser.deleted_at, "the collision loser's link follows it");
    const winner = loser.id === mine ? theirs : mine;
    assert.equal(row(winner, hub)?.deleted_at, null);
  });
});

Deno.test("a link arriving before its memories is kept and appears when they arrive, as if in order", async () => {
  await withStores(3, async ([a, early, inOrder], [, pathEarly, pathInOrder]) => {
    const x = await put(a!, { title: "x" });
    const y = await put(a!, { title: "y" });
    const key = await link(a!, x, y, "supersedes");
    const memories = [await versionOf(a!, x), await versionOf(a!, y)];
    const theLink = await linkVersion(a!, key);
    const from = await a!.replication.nodeId();

    assert.deepEqual(await early!.replication.apply([theLink], { from }), { applied: 1, ignored: 0 });
    assert.deepEqual(linkRows(pathEarly!), [], "no row without its memories (foreign keys)");
    assert.deepEqual(
      await linkVersion(early!, key),
      theLink,
      "the version and its fields are kept and served",
    );
    assert.deepEqual(await early!.replication.apply([memories[0]!], { from }), { applied: 1, ignored: 0 });
    assert.deepEqual(linkRows(pathEarly!), [], "one end is not enough");
    await early!.replication.apply([memories[1]!], { from });
    assert.equal(linkRows(pathEarly!).length, 1);
    assert.deepEqual(await early!.graph.supersededBy(y, LATER), [x], "the graph sees it");

    await inOrder!.replication.apply([...memories, theLink], { from });
    assert.equal(dump(pathEarly!), dump(pathInOrder!));
  });
});

Deno.test("links of a deleted memory end the same on every node, with no version of their own there", async () => {
  await withStores(3, async ([a, b, c], paths) => {
    const m = await put(a!, { title: "m" });
    const n = await put(a!, { title: "n" });
    const key = await link(a!, m, n);
    for (const s of [b!, c!]) await s.replication.apply(await everything(a!), { from: "a" });
    const live = await linkVersion(a!, key);

    await a!.softDelete(m, { now: LATER, actor: "t" });
    const memoryTombstone = await versionOf(a!, m);
    const linkTombstone = await linkVersion(a!, key);
    assert.equal(linkTombstone.state, "deleted");
    assert.ok(linkTombstone.hlc > memoryTombstone.hlc, "the origin stamps the link after the memory");

    // b gets the memory's delete alone: its trigger tombstones the row, and stamps nothing.
    const head = await b!.replication.head();
    await b!.replication.apply([memoryTombstone], { from: "a" });
    assert.equal(await b!.replication.head(), head + 1, "one new feed position: the memory's");
    assert.deepEqual(await linkVersion(b!, key), live, "the link's version is still the origin's");
    assert.equal(linkRows(paths[1]!)[0]?.deleted_at, LATER);
    // c gets them the other way round.
    await c!.replication.apply([linkTombstone], { from: "a" });
    await c!.replication.apply([memoryTombstone], { from: "a" });
    await b!.replication.apply([linkTombstone], { from: "a" });
    assert.equal(dump(paths[1]!), dump(paths[0]!));
    assert.equal(dump(paths[2]!), dump(paths[0]!));
  });
});

Deno.test("a link changed on a node that had not seen its memory's delete still ends deleted everywhere", async () => {
  await withStores(3, async ([a, b, c], paths) => {
    const m = await put(a!, { title: "m" });
    const n = await put(a!, { title: "n" });
    const key = await link(a!, m, n);
    for (const s of [b!, c!]) await s.replication.apply(await everything(a!), { from: "a" });
    await a!.softDelete(m, { now: LATER, actor: "t" });
    // b invalidates the link afterwards: its live version is newer than a's tombstone of the link.
    // Stamps come from SQLite's wall clock; within one millisecond a's counter could still be ahead
    // of b's, so the later change waits for the clock to move on.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await b!.graph.invalidate({ source_id: m, target_id: n, relation: "related_to" }, { validUntil: END });
    const fromA = await everything(a!);
    const fromB = await everything(b!);
    assert.ok((await linkVersion(b!, key)).hlc > (await linkVersion(a!, key)).hlc);
    await a!.replication.apply(fromB, { from: "b" });
    await b!.replication.apply(fromA, { from: "a" });
    await c!.replication.apply([...fromB].reverse(), { from: "b" });
    await c!.replication.apply(fromA, { from: "a" });
    for (const path of paths) {
      const [row] = linkRows(path);
      assert.equal(row?.deleted_at, LATER, "a link never outlives its deleted memory");
    }
    assert.equal(dump(paths[1]!), dump(paths[0]!));
    assert.equal(dump(paths[2]!), dump(paths[0]!));
    assert.equal((await linkVersion(c!, key)).state, "live", "the winning version is b's live one");
  });
});

Deno.test("a link tombstone is never resurrected by a stale live version, and a new link replaces it", async () => {
  await withStores(2, async ([a, b], [pathA, pathB]) => {
    const m = await put(a!, { title: "m" });
    const n = await put(a!, { title: "n" });
    const key = await link(a!, m, n);
    await b!.replication.apply(await everything(a!), { from: "a" });
    const live = await linkVersion(a!, key);
    // A link's tombstone with both ends live: its memory's delete lost to a newer edit elsewhere.
    const tombstone: LinkChange = {
      ...live,
      hlc: `${live.hlc.slice(0, 15)}-999999`,
      state: "deleted",
      link: { ...live.link!, deleted_at: LATER },
    };
    await b!.replication.apply([tombstone], { from: "a" });
    assert.deepEqual(await b!.replication.apply([live], { from: "a" }), { applied: 0, ignored: 1 });
    assert.equal(linkRows(pathB!)[0]?.deleted_at, LATER);
    assert.deepEqual(await b!.graph.linksOf(m), []);

    // Linking the two again on b makes a newer live version that wins on a too.
    const again = await link(b!, m, n);
    assert.equal(again, key);
    const relinked = await linkVersion(b!, key);
    assert.equal(relinked.state, "live");
    assert.ok(relinked.hlc > tombstone.hlc);
    await a!.replication.apply([tombstone, relinked], { from: "b" });
    assert.equal((await a!.graph.linksOf(m)).length, 1);
    assert.equal(dump(pathA!), dump(pathB!));
  });
});

Deno.test("a bad link change rejects the whole batch, names the field, and leaves the database unchanged", async () => {
  await withStores(2, async ([a, b], [, pathB]) => {
    const m = await put(a!, { title: "m" });
    const n = await put(a!, { title: "n" });
    const key = await link(a!, m, n);
    const good = await versionOf(a!, m);
    const l = await linkVersion(a!, key);
    await put(b!, { title: "existing" });
    const before = dump(pathB!);
    const head = await b!.replication.head();
    const bad = (change: Record<string, unknown>) => change as unknown as ReplicaChange;
    await rejectsInvalidInput(
      b!.replication.apply([good, bad({ ...l, link: { ...l.link!, relation: "likes" } })], { from: "a" }),
      /changes\.1\.link\.relation: must be one of related_to, supersedes, contradicts, derived_from/,
    );
    await rejectsInvalidInput(
      b!.replication.apply([good, bad({ ...l, link: { ...l.link!, target_id: m } })], { from: "a" }),
      /changes\.1\.id: must be the key of the link's \(source_id, target_id, relation\)/,
    );
    await rejectsInvalidInput(
      b!.replication.apply([bad({ ...l, state: "archived" })], { from: "a" }),
      /changes\.0\.state: must be live or deleted/,
    );
    await rejectsInvalidInput(
      b!.replication.apply([bad({ ...l, link: null })], { from: "a" }),
      /changes\.0\.link: must not be null unless state is deleted/,
    );
    await rejectsInvalidInput(
      b!.replication.apply([bad({ ...l, memory: good.memory })], { from: "a" }),
      /changes\.0\.memory: must be null for a link/,
    );
    await rejectsInvalidInput(
      b!.replication.apply([bad({ ...l, id: "x".repeat(400) })], { from: "a" }),
      /changes\.0\.id: must be a link key/,
    );
    await rejectsInvalidInput(
      b!.replication.apply([bad({ ...l, link: { ...l.link!, deleted_at: LATER } })], { from: "a" }),
      /changes\.0\.link\.deleted_at: must be null exactly when state is live/,
    );
    await rejectsInvalidInput(
      b!.replication.apply([bad({ ...l, link: { ...l.link!, colour: "red" } })], { from: "a" }),
      /changes\.0\.link: Unrecognized key: "colour"/,
    );
    assert.equal(dump(pathB!), before);
    assert.equal(await b!.replication.head(), head);
  });
});

Deno.test("migration 16 gives every existing link a version, so a new peer pulls the graph", async () => {
  const path = `${await tempDataDir()}/v15.db`;
  const db = openSqlite(path);
  await migrate(db, MIGRATIONS.filter((m) => m.version <= 15), { now: NOW, retryMs: 1000 });
  const insert = db.prepare(
    `INSERT INTO memories (id, tier, namespace, title, content, created_at, updated_at) VALUES (?, 'mid', ?, ?, 'text', ?, ?)`,
  );
  insert.run("one", "ns", "One", NOW, NOW);
  insert.run("two", "other", "Two", NOW, NOW);
  insert.run("three", "ns", "Three", NOW, NOW);
  const addLink = db.prepare(
    `INSERT INTO memory_links (source_id, target_id, relation, created_at, valid_from, observed_by)
     VALUES (?, ?, 'related_to', ?, ?, 'old')`,
  );
  addLink.run("one", "two", NOW, NOW);
  addLink.run("two", "three", NOW, NOW);
  db.prepare("UPDATE memories SET deleted_at = ?, deleted_by = 't', removal = 'deleted' WHERE id = 'three'")
    .run(LATER);
  db.close();
  const store = await SqliteStore.open(path, { now: NOW });
  const peerPath = `${await tempDataDir()}/peer.db`;
  const peer = await SqliteStore.open(peerPath, { now: NOW });
  try {
    const { changes } = await store.replication.changesSince(0, { limit: 10 });
    const links = changes.filter((c) => c.kind === "link");
    assert.deepEqual(links.map((c) => [c.id, c.state, c.namespace]), [
      [linkKey({ source_id: "one", target_id: "two", relation: "related_to" }), "live", "ns"],
      [linkKey({ source_id: "two", target_id: "three", relation: "related_to" }), "deleted", "other"],
    ]);
    assert.deepEqual(changes.slice(-2), links, "after the memories in the feed");
    const key = await link(store, "one", "two", "contradicts");
    assert.ok((await versionOf(store, key)).hlc > links[1]!.hlc, "new stamps are newer than the backfill");
    await peer.replication.apply(changes, { from: await store.replication.nodeId() });
    assert.deepEqual((await peer.graph.linksOf("one")).map((l) => l.target_id), ["two"]);
    assert.equal(linkRows(peerPath).find((l) => l.target_id === "three")?.deleted_at, LATER);
  } finally {
    store.close();
    peer.close();
  }
});
