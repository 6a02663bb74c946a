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
import { MemoryError } from "../../core/errors.ts";
import { formatHlc, parseHlc } from "../../core/hlc.ts";
import { mergeOnUpsert } from "../../lifecycle/upsert_merge.ts";
import type { ReplicaChange } from "../replication_store.ts";
import type { MemoryDraft } from "../store.ts";
import { migrate } from "./migrate.ts";
import { MIGRATIONS } from "./migrations/mod.ts";
import { openSqlite } from "./open.ts";
import { COLLISION_DELETER } from "./replication.ts";
import { SqliteStore } from "./sqlite_store.ts";

const LATER = "2026-06-02T12:00:00.000Z";

let ids = 0;
const nextId = () => sequentialId(++ids);

async function put(store: SqliteStore, d: Partial<MemoryDraft> = {}, now = NOW): Promise<string> {
  const { memory } = await store.upsert(memoryDraft(d), { id: nextId(), now, merge: mergeOnUpsert });
  return memory.id;
}

/** Every replicated column of every row and every version, as text: equal dumps = equal state. */
function dump(path: string | undefined): string {
  const db = openSqlite(path!);
  try {
    const rows = db.prepare(
      `SELECT id, tier, namespace, title, content, tags, priority, confidence, source, created_at, updated_at,
         expires_at, metadata, agent_id, scope, deleted_at, deleted_by, removal, archive_reason
       FROM memories ORDER BY id`,
    ).all();
    const versions = db.prepare(
      "SELECT id, kind, hlc, origin, state, namespace FROM replica_versions ORDER BY id",
    )
      .all();
    return JSON.stringify({ rows, versions }, null, 1);
  } finally {
    db.close();
  }
}

Deno.test("every write path stamps a new version, and recall's access bookkeeping does not", async () => {
  await withStores(1, async ([store]) => {
    const r = store!.replication;
    assert.match(await r.nodeId(), /^[0-9a-f]{16}$/);
    assert.equal(await r.head(), 0);
    const seen: string[] = [];
    // Each step must give the key a newer stamp and the feed a new head holding that key.
    const stamped = async (id: string, state: string, what: string) => {
      const head = await r.head();
      const v = await versionOf(store!, id);
      const page = await r.changesSince(head - 1, { limit: 10 });
      assert.deepEqual(page.changes.map((c) => c.id), [id], `${what}: the head of the feed is ${id}`);
      assert.equal(v.state, state, what);
      assert.ok(seen.every((h) => h < v.hlc), `${what}: a newer stamp than every earlier one`);
      seen.push(v.hlc);
    };
    const a = await put(store!, { title: "a" });
    await stamped(a, "live", "store");
    await store!.upsert(memoryDraft({ title: "a", content: "merged" }), {
      id: nextId(),
      now: LATER,
      merge: mergeOnUpsert,
    });
    await stamped(a, "live", "upsert onto the same title");
    await store!.update(a, { now: LATER, patch: (m) => ({ ...m, tier: "long" }) });
    await stamped(a, "live", "promote (a tier change)");

    const before = await r.head();
    await store!.touch([a], {
      now: LATER,
      promoteAt: 1000,
      shortUntil: null,
      shortIfBefore: null,
      midUntil: null,
      midIfBefore: null,
    });
    await store!.ping();
    assert.equal(await r.head(), before, "an access count and time alone are local bookkeeping");
    const touched = await store!.get(a);
    assert.equal(touched.access_count, 1, "the touch was written");

    const b = await put(store!, { title: "b", tier: "mid" });
    await stamped(b, "live", "store b");
    await store!.touch([b], {
      now: LATER,
      promoteAt: 1,
      shortUntil: null,
      shortIfBefore: null,
      midUntil: null,
      midIfBefore: null,
    });
    await store!.ping();
    await stamped(b, "live", "a touch that promotes mid to long");

    await store!.softDelete(b, { now: LATER, actor: "tester" });
    await stamped(b, "deleted", "delete");
    await store!.purgeDeleted(LATER);
    await stamped(b, "deleted", "purge");
    assert.equal((await versionOf(store!, b)).memory, null, "a purged tombstone carries no memory");

    const c = await put(store!, { title: "c", expires_at: NOW });
    await store!.archive.archiveExpired({ now: LATER, actor: "sweeper", dryRun: false, limit: 10 });
    await stamped(c, "archived", "archive by the sweeper");
    assert.equal((await versionOf(store!, c)).memory?.archive_reason, "ttl_expired");
    await store!.archive.restore(c, { now: LATER, expiresAt: () => null });
    await stamped(c, "live", "restore");

    const d = await put(store!, { title: "d" });
    await store!.archive.archiveMatching({
      filter: { namespace: "ns" },
      terms: ["content"],
      now: LATER,
      actor: "t",
      reason: "forgotten",
      dryRun: false,
    });
    await stamped(d, "archived", "forget");
    await store!.archive.purge({});
    await stamped(d, "deleted", "archive purge");

    const e = await put(store!, { title: "e" });
    const f = await put(store!, { title: "f" });
    const merged = nextId();
    await store!.archive.consolidate(memoryDraft({ title: "ef" }), {
      id: merged,
      sourceIds: [e, f],
      now: LATER,
      actor: "t",
    });
    assert.equal((await versionOf(store!, e)).state, "archived", "consolidate archives its sources");
    assert.equal((await versionOf(store!, f)).state, "archived");
    // Its derived_from links are stamped after it (replication_links_test.ts), so check it directly.
    const consolidated = await versionOf(store!, merged);
    assert.equal(consolidated.state, "live", "consolidate");
    assert.ok(seen.every((h) => h < consolidated.hlc), "consolidate: a newer stamp");
    seen.push(consolidated.hlc);

    const exported = await store!.transfer.exportAll();
    const imported = nextId();
    await store!.transfer.importAll({
      ...exported,
      memories: [{ ...exported.memories.find((m) => m.id === merged)!, id: imported, title: "imported" }],
      links: [],
      aliases: [],
    });
    await stamped(imported, "live", "import");
  });
});

Deno.test("a write by another connection (another process, raw SQL) is stamped too", async () => {
  await withStores(1, async ([store], [path]) => {
    const id = await put(store!, { title: "x" });
    const before = await versionOf(store!, id);
    const raw = openSqlite(path!);
    try {
      raw.prepare("UPDATE memories SET content = 'changed elsewhere' WHERE id = ?").run(id);
    } finally {
      raw.close();
    }
    const after = await versionOf(store!, id);
    assert.ok(after.hlc > before.hlc);
    assert.equal(after.memory?.content, "changed elsewhere");
  });
});

Deno.test("changesSince pages the feed oldest first and a resumed pull loses nothing", async () => {
  await withStores(1, async ([store]) => {
    const r = store!.replication;
    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push(await put(store!, { title: `t${i}` }));
    const first = await r.changesSince(0, { limit: 3 });
    assert.deepEqual(first.changes.map((c) => c.id), created.slice(0, 3));
    assert.equal(first.more, true);
    // Changes made between pages: an already-pulled key moves to the end of the feed.
    await store!.update(created[0]!, { now: LATER, patch: (m) => ({ ...m, content: "edited" }) });
    const pulled = [...first.changes];
    let cursor = first.next;
    for (;;) {
      const page = await r.changesSince(cursor, { limit: 3 });
      pulled.push(...page.changes);
      cursor = page.next;
      if (!page.more) break;
    }
    assert.equal(cursor, await r.head());
    assert.deepEqual(pulled.map((c) => c.id), [...created, created[0]]);
    assert.equal(pulled.at(-1)?.memory?.content, "edited");
    const empty = await r.changesSince(cursor, { limit: 3 });
    assert.deepEqual(empty, { changes: [], next: cursor, more: false });
    await rejectsInvalidInput(r.changesSince(0, { limit: 0 }), /limit: must be between 1 and 10000/);
    await rejectsInvalidInput(r.changesSince(-1, { limit: 5 }), /cursor: must be 0 or more/);
  });
});

Deno.test("apply is idempotent, keeps the remote stamp, is audited as the peer's, and fires no webhook", async () => {
  await withStores(2, async ([a, b], [, pathB]) => {
    await put(a!, { title: "one" });
    const gone = await put(a!, { title: "two" });
    await a!.softDelete(gone, { now: LATER, actor: "t" });
    const changes = await everything(a!);
    await b!.webhooks.subscribe({
      id: "sub-1",
      url: "http://127.0.0.1:9/hook",
      events: "*",
      secretHash: null,
      namespaceFilter: null,
      agentFilter: null,
      createdBy: "t",
      createdAt: NOW,
    });
    const from = await a!.replication.nodeId();
    assert.deepEqual(await b!.replication.apply(changes, { from }), { applied: 2, ignored: 0 });
    const head = await b!.replication.head();
    const once = dump(pathB);
    assert.deepEqual(await b!.replication.apply(changes, { from }), { applied: 0, ignored: 2 });
    assert.equal(await b!.replication.head(), head, "nothing re-stamped");
    assert.equal(dump(pathB), once);
    assert.deepEqual(
      (await everything(b!)).map((c) => [c.id, c.hlc, c.origin, c.state]),
      changes.map((c) => [c.id, c.hlc, c.origin, c.state]),
      "the remote (hlc, origin) is kept",
    );
    const raw = openSqlite(pathB!);
    try {
      const audit = raw.prepare(
        "SELECT actor, operation, action, ids FROM audit_log WHERE action = 'memory.replicate'",
      )
        .all() as { actor: string; operation: string; ids: string }[];
      assert.equal(audit.length, 1, "one record for the batch that changed something");
      assert.equal(audit[0]!.actor, `peer:${from}`);
      assert.equal(audit[0]!.operation, "sync.apply");
      assert.equal(JSON.parse(audit[0]!.ids).length, 2);
      const outbox = raw.prepare("SELECT count(*) AS n FROM webhook_outbox").get() as { n: number };
      assert.equal(outbox.n, 0, "applied changes are not webhook events");
    } finally {
      raw.close();
    }
    await put(b!, { title: "a local write" });
    const check = openSqlite(pathB!);
    try {
      const outbox = check.prepare("SELECT count(*) AS n FROM webhook_outbox").get() as { n: number };
      assert.equal(outbox.n, 1, "the subscription does see local writes");
    } finally {
      check.close();
    }
  });
});

Deno.test("nodes receiving the same changes in any order end with identical rows and digests", async () => {
  await withStores(6, async (stores, paths) => {
    const [a, b, c] = stores as [SqliteStore, SqliteStore, SqliteStore];
    // Three origins making overlapping histories: shared ids edited on several nodes, deletes,
    // archives, a purge, and one title taken on two nodes.
    const shared = await put(a, { title: "shared", content: "from a" });
    const sharedChanges = await a.replication.changesFor([shared]);
    await b.replication.apply(sharedChanges, { from: "a" });
    await c.replication.apply(sharedChanges, { from: "a" });
    await b.update(shared, { now: LATER, patch: (m) => ({ ...m, content: "edited on b" }) });
    await c.update(shared, { now: LATER, patch: (m) => ({ ...m, content: "edited on c", priority: 9 }) });
    await a.softDelete(await put(a, { title: "deleted on a" }), { now: LATER, actor: "t" });
    const purged = await put(b, { title: "purged on b" });
    await b.softDelete(purged, { now: NOW, actor: "t" });
    await b.purgeDeleted(LATER);
    await put(c, { title: "archived on c", expires_at: NOW });
    await c.archive.archiveExpired({ now: LATER, actor: "sweeper", dryRun: false, limit: 10 });
    await put(a, { title: "same title", content: "a's" });
    await put(b, { title: "same title", content: "b's" });
    await put(c, { title: "same title", namespace: "other" });
    for (let i = 0; i < 5; i++) await put(stores[i % 3]!, { title: `plain ${i}`, namespace: `ns/${i % 2}` });

    const all = [...await everything(a), ...await everything(b), ...await everything(c)];
    const targets = stores.slice(3);
    for (const [i, target] of targets.entries()) {
      const order = i === 0 ? all : i === 1 ? [...all].reverse() : shuffled(all, 42);
      // Batches of uneven size, so merges happen both within one transaction and across them.
      for (let at = 0; at < order.length; at += 2 + i) {
        await target.replication.apply(order.slice(at, at + 2 + i), { from: "mixed" });
      }
    }
    const expected = dump(paths[3]!);
    assert.equal(dump(paths[4]!), expected);
    assert.equal(dump(paths[5]!), expected);
    const digest = await targets[0]!.replication.digest();
    assert.deepEqual(await targets[1]!.replication.digest(), digest);
    assert.deepEqual(await targets[2]!.replication.digest(), digest);
    assert.deepEqual(digest.map((d) => d.namespace), ["ns", "ns/0", "ns/1", "other"]);

    // The origins themselves converge to the same state once each has everything.
    for (const origin of [a, b, c]) await origin.replication.apply(all, { from: "mixed" });
    for (const path of paths.slice(0, 3)) assert.equal(dump(path), expected);

    const rows = JSON.parse(expected).rows as { title: string; removal: string | null; content: string }[];
    assert.equal(
      rows.filter((r) => r.title === "same title" && r.removal === null).length,
      2,
      "one per namespace",
    );
    assert.ok(!rows.some((r) => r.title === "purged on b"), "the purge replicated as a purge");
  });
});

Deno.test("concurrent edits of one memory converge to the greater (hlc, origin) on both nodes", async () => {
  await withStores(2, async ([a, b], [pathA, pathB]) => {
    const id = await put(a!, { title: "contested" });
    await b!.replication.apply(await a!.replication.changesFor([id]), { from: "a" });
    await a!.update(id, { now: LATER, patch: (m) => ({ ...m, content: "a wins?" }) });
    await b!.update(id, { now: LATER, patch: (m) => ({ ...m, content: "b wins?" }) });
    const va = await versionOf(a!, id);
    const vb = await versionOf(b!, id);
    const winner = va.hlc > vb.hlc || (va.hlc === vb.hlc && va.origin > vb.origin) ? va : vb;
    await a!.replication.apply([vb], { from: "b" });
    await b!.replication.apply([va], { from: "a" });
    assert.equal((await a!.get(id)).content, winner.memory!.content);
    assert.equal((await b!.get(id)).content, winner.memory!.content);
    assert.equal(dump(pathA), dump(pathB));
  });
});

Deno.test("a delete replicates as a tombstone and a stale live version never resurrects it", async () => {
  await withStores(3, async ([a, b, c], [, pathB, pathC]) => {
    const id = await put(a!, { title: "doomed" });
    const live = await versionOf(a!, id);
    await a!.softDelete(id, { now: LATER, actor: "t" });
    const tombstone = await versionOf(a!, id);
    assert.equal(tombstone.state, "deleted");
    await b!.replication.apply([tombstone], { from: "a" });
    assert.deepEqual(await b!.replication.apply([live], { from: "a" }), { applied: 0, ignored: 1 });
    await assert.rejects(b!.get(id), (e: unknown) => e instanceof MemoryError && e.code === "not_found");

    // A purged tombstone: no memory on the wire; a node holding the row drops it.
    await c!.replication.apply([live], { from: "a" });
    await a!.purgeDeleted(LATER);
    const purged = await versionOf(a!, id);
    assert.equal(purged.memory, null);
    await c!.replication.apply([purged], { from: "a" });
    await b!.replication.apply([purged], { from: "a" });
    assert.equal(dump(pathB), dump(pathC));
    assert.deepEqual(JSON.parse(dump(pathC)).rows, []);
    assert.deepEqual(await c!.replication.apply([live, tombstone], { from: "a" }), {
      applied: 0,
      ignored: 2,
    });
  });
});

Deno.test("a title taken on two nodes: the greater (hlc, origin, id) keeps it, the other is a tombstone with the winner's stamp", async () => {
  await withStores(4, async ([a, b, x, y], paths) => {
    const first = await put(a!, { title: "taken", content: "a's" });
    const second = await put(b!, { title: "taken", content: "b's" });
    const va = await versionOf(a!, first);
    const vb = await versionOf(b!, second);
    const [win, lose] = va.hlc > vb.hlc || (va.hlc === vb.hlc && va.origin > vb.origin) ? [va, vb] : [vb, va];
    await x!.replication.apply([va, vb], { from: "t" });
    await y!.replication.apply([vb, va], { from: "t" });
    await a!.replication.apply([vb], { from: "b" });
    await b!.replication.apply([va], { from: "a" });
    const expected = dump(paths[2]!);
    for (const path of [paths[0]!, paths[1]!, paths[3]!]) assert.equal(dump(path), expected);
    for (const store of [a!, b!, x!, y!]) {
      assert.equal((await store.findByTitle("ns", "taken"))?.id, win.id);
      const loser = await versionOf(store, lose.id);
      assert.equal(loser.state, "deleted");
      assert.equal(loser.hlc, win.hlc);
      assert.equal(loser.origin, win.origin);
      assert.equal(loser.memory?.deleted_by, COLLISION_DELETER);
    }
  });
});

Deno.test("a bad change rejects the whole batch, names the field, and leaves the database unchanged", async () => {
  await withStores(2, async ([a, b], [, pathB]) => {
    await put(b!, { title: "existing" });
    await put(a!, { title: "good" });
    const bad = await put(a!, { title: "bad" });
    const [good, worse] = await everything(a!);
    assert.equal(worse!.id, bad);
    const before = dump(pathB);
    const head = await b!.replication.head();
    const broken = { ...worse!, memory: { ...worse!.memory!, priority: 11 } } as ReplicaChange;
    await rejectsInvalidInput(
      b!.replication.apply([good!, broken], { from: "a" }),
      /changes\.1\.memory\.priority: must be between 1 and 10/,
    );
    await rejectsInvalidInput(
      b!.replication.apply([{ ...good!, hlc: "yesterday" }], { from: "a" }),
      /changes\.0\.hlc: must be a hybrid logical clock stamp/,
    );
    await rejectsInvalidInput(
      b!.replication.apply([
        { ...good!, state: "deleted", memory: null, kind: "thing" } as unknown as ReplicaChange,
      ], { from: "a" }),
      /changes\.0\.kind: must be memory or link/,
    );
    await rejectsInvalidInput(
      b!.replication.apply([{ ...good!, memory: null }], { from: "a" }),
      /changes\.0\.memory: must not be null unless state is deleted/,
    );
    await rejectsInvalidInput(b!.replication.apply([good!], { from: "" }), /from: must not be empty/);
    assert.equal(dump(pathB), before);
    assert.equal(await b!.replication.head(), head);
  });
});

Deno.test("the clock never goes backwards after applying a far-future stamp", async () => {
  await withStores(2, async ([a, b]) => {
    const id = await put(a!, { title: "from the future" });
    const v = await versionOf(a!, id);
    const future = formatHlc({ ms: parseHlc(v.hlc).ms + 10 * 365 * 86_400_000, counter: 7 });
    await b!.replication.apply([{ ...v, hlc: future }], { from: "a" });
    const local = await put(b!, { title: "made after" });
    const stamped = await versionOf(b!, local);
    assert.ok(stamped.hlc > future, `${stamped.hlc} > ${future}`);
    await b!.update(id, { now: LATER, patch: (m) => ({ ...m, content: "edited locally" }) });
    assert.ok((await versionOf(b!, id)).hlc > stamped.hlc);
  });
});

Deno.test("peer cursors only move forward", async () => {
  await withStores(1, async ([store]) => {
    const r = store!.replication;
    assert.equal(await r.cursor("peer-1", "pull"), 0);
    await r.advanceCursor("peer-1", "pull", 10);
    await r.advanceCursor("peer-1", "pull", 4);
    await r.advanceCursor("peer-1", "push", 3);
    assert.equal(await r.cursor("peer-1", "pull"), 10);
    assert.equal(await r.cursor("peer-1", "push"), 3);
    assert.equal(await r.cursor("peer-2", "pull"), 0);
    await rejectsInvalidInput(r.advanceCursor("peer-1", "pull", -1), /value: must be 0 or more/);
  });
});

Deno.test("versions pages one namespace by id, tombstones included", async () => {
  await withStores(1, async ([store]) => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push(await put(store!, { title: `v${i}` }));
    await put(store!, { title: "elsewhere", namespace: "other" });
    await store!.softDelete(made[2]!, { now: LATER, actor: "t" });
    const first = await store!.replication.versions("ns", { limit: 3 });
    const rest = await store!.replication.versions("ns", { after: first.at(-1)!.id, limit: 3 });
    assert.deepEqual([...first, ...rest].map((v) => v.id), [...made].sort());
    assert.equal([...first, ...rest].find((v) => v.id === made[2])?.state, "deleted");
    const digest = await store!.replication.digest();
    assert.deepEqual(digest.map((d) => [d.namespace, d.count]), [["ns", 5], ["other", 1]]);
  });
});

Deno.test("migration 15 gives every existing memory a version, so a new peer can pull everything", async () => {
  const path = `${await tempDataDir()}/v14.db`;
  const db = openSqlite(path);
  await migrate(db, MIGRATIONS.filter((m) => m.version <= 14), { now: NOW, retryMs: 1000 });
  const insert = db.prepare(
    `INSERT INTO memories (id, tier, namespace, title, content, created_at, updated_at, deleted_at, removal,
       archive_reason) VALUES (?, 'mid', 'ns', ?, 'text', ?, ?, ?, ?, ?)`,
  );
  insert.run("live", "Live", NOW, NOW, null, null, null);
  insert.run("gone", "Gone", NOW, NOW, LATER, "deleted", null);
  insert.run("kept", "Kept", NOW, NOW, LATER, "archived", "ttl_expired");
  db.close();
  const store = await SqliteStore.open(path, { now: NOW });
  try {
    await withStores(1, async ([peer]) => {
      const { changes } = await store.replication.changesSince(0, { limit: 10 });
      assert.deepEqual(changes.map((c) => [c.id, c.state]), [["live", "live"], ["gone", "deleted"], [
        "kept",
        "archived",
      ]]);
      // Backfilled stamps are the rows' last change; new stamps are newer than all of them.
      assert.equal(parseHlc(changes[0]!.hlc).ms, Date.parse(NOW));
      assert.equal(parseHlc(changes[1]!.hlc).ms, Date.parse(LATER));
      const id = await put(store, { title: "new" });
      assert.ok((await versionOf(store, id)).hlc > changes[1]!.hlc);
      await peer!.replication.apply(changes, { from: await store.replication.nodeId() });
      assert.equal((await peer!.get("live")).title, "Live");
      assert.equal((await peer!.archive.list({ limit: 10, offset: 0 }))[0]?.id, "kept");
    });
  } finally {
    store.close();
  }
});

Deno.test("a view knows how far into the feed its own writes went; a touch does not count, a child view's writes do", async () => {
  await withStores(1, async ([base]) => {
    const by = (operation: string) => ({ actor: "t", operation, now: () => LATER });
    const writer = base!.attributed(by("memory_store"));
    assert.equal(writer.replicatedThrough(), 0);
    const id = await put(writer, { title: "counted", tier: "mid", expires_at: "2026-06-03T00:00:00.000Z" });
    assert.equal(writer.replicatedThrough(), await base!.replication.head());
    // A recall's touch that moves the expiry is a replicated change, written by the shared connection.
    const reader = base!.attributed(by("memory_recall"));
    const before = await base!.replication.head();
    await reader.touch([id], {
      now: LATER,
      promoteAt: 1000,
      shortUntil: null,
      shortIfBefore: null,
      midUntil: "2026-06-09T00:00:00.000Z",
      midIfBefore: "2026-06-08T17:00:00.000Z",
    });
    assert.ok(await base!.replication.head() > before, "the touch made a version");
    assert.equal(reader.replicatedThrough(), 0);
    // An approved action replayed through a view made from the operation's view reports to it.
    const approve = base!.attributed(by("memory_pending_approve"));
    const replay = approve.attributed(by("memory_store (pending, approved)"));
    await put(replay, { title: "replayed" });
    assert.equal(approve.replicatedThrough(), await base!.replication.head());
  });
});
