import assert from "node:assert/strict";
import Database from "better-sqlite3-multiple-ciphers";
import { memoryDraft } from "../../../test/support/memory_drafts.ts";
import { resolveConfig } from "../../core/config.ts";
import { MemoryError } from "../../core/errors.ts";
import { tierExpiry } from "../../lifecycle/expiry.ts";
import { mergeOnUpsert } from "../../lifecycle/upsert_merge.ts";
import { queryTerms } from "../../recall/query_terms.ts";
import type { MemoryDraft } from "../store.ts";
import { MIGRATIONS } from "./migrations/mod.ts";
import { nativeAddonPath } from "./open.ts";
import { prefixEnd, SqliteStore } from "./sqlite_store.ts";
import { tempDataDir } from "../../../test/support/processes.ts";

const NOW = "2026-06-01T12:00:00.000Z";
const config = resolveConfig({});
const LATEST = MIGRATIONS.at(-1)!.version;

async function tempDb(): Promise<string> {
  return `${await tempDataDir()}/t.db`;
}

/** A draft in "global" that expires as a mid-tier memory stored at NOW would. */
function draft(overrides: Partial<MemoryDraft> = {}): MemoryDraft {
  return memoryDraft({
    namespace: "global",
    expires_at: tierExpiry("mid", new Date(NOW), config),
    ...overrides,
  });
}

let seq = 0;
function upsert(store: SqliteStore, d: MemoryDraft, now = NOW) {
  seq++;
  return store.upsert(d, {
    id: `0000${seq.toString(16).padStart(4, "0")}-0000-4000-8000-000000000000`,
    now,
    merge: mergeOnUpsert,
  });
}

async function rejects(p: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof MemoryError, `expected MemoryError, got ${err}`);
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  });
}

Deno.test("SqliteStore.open() migrates a new file to the current schema once", async () => {
  const path = await tempDb();
  const a = await SqliteStore.open(path, { now: NOW });
  assert.equal(a.schemaVersion, LATEST);
  a.close();
  const b = await SqliteStore.open(path, { now: NOW });
  assert.equal(b.schemaVersion, LATEST);
  b.close();
  const raw = new Database(path, { nativeBinding: nativeAddonPath() });
  const rows = raw.prepare("SELECT version, name FROM schema_migrations").all();
  raw.close();
  assert.deepEqual(rows, MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
});

Deno.test("SqliteStore.open() refuses a database whose schema is newer than it knows", async () => {
  const path = await tempDb();
  (await SqliteStore.open(path, { now: NOW })).close();
  const raw = new Database(path, { nativeBinding: nativeAddonPath() });
  raw.prepare("INSERT INTO schema_migrations VALUES (99, 'future', 'x', ?)").run(NOW);
  raw.close();
  await rejects(
    SqliteStore.open(path, { now: NOW }),
    "unavailable",
    new RegExp(`schema version 99 is newer.*\\(${LATEST}\\)`),
  );
});

Deno.test("SqliteStore.open() refuses a database whose applied migration was edited", async () => {
  const path = await tempDb();
  (await SqliteStore.open(path, { now: NOW })).close();
  const raw = new Database(path, { nativeBinding: nativeAddonPath() });
  raw.prepare("UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 1").run();
  raw.close();
  await rejects(SqliteStore.open(path, { now: NOW }), "unavailable", /Migration 1 \(initial\) differs/);
});

Deno.test("SqliteStore with a key writes no plaintext and refuses a missing or wrong key", async () => {
  const path = await tempDb();
  const store = await SqliteStore.open(path, { now: NOW, passphrase: "correct horse" });
  await upsert(store, draft({ content: "PLAINTEXT-MARKER-7731" }));
  store.close();
  const bytes = await Deno.readFile(path);
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 15)) === "SQLite format 3", false);
  assert.equal(new TextDecoder("latin1").decode(bytes).includes("PLAINTEXT-MARKER-7731"), false);
  await rejects(SqliteStore.open(path, { now: NOW }), "unavailable", /encrypted/);
  await rejects(SqliteStore.open(path, { now: NOW, passphrase: "wrong" }), "unavailable", /key is wrong/);
  const again = await SqliteStore.open(path, { now: NOW, passphrase: "correct horse" });
  assert.equal((await again.list({}, { now: NOW, limit: 10 }))[0]?.content, "PLAINTEXT-MARKER-7731");
  again.close();
});

Deno.test("SqliteStore.upsert() merges on title and namespace with the reference's rules", async () => {
  const store = await SqliteStore.open(await tempDb(), { now: NOW });
  try {
    const first = await upsert(
      store,
      draft({ priority: 8, confidence: 0.9, tier: "long", expires_at: null, tags: ["x"] }),
    );
    const second = await upsert(
      store,
      draft({
        priority: 3,
        confidence: 0.5,
        tier: "short",
        content: "new content",
        tags: ["y"],
        agent_id: "agent-b",
      }),
      "2026-06-02T00:00:00.000Z",
    );
    assert.equal(first.action, "created");
    assert.equal(second.action, "updated");
    assert.equal(second.memory.id, first.memory.id);
    assert.equal(second.memory.content, "new content");
    assert.deepEqual(second.memory.tags, ["y"]);
    assert.equal(second.memory.priority, 8);
    assert.equal(second.memory.confidence, 0.9);
    assert.equal(second.memory.tier, "long");
    assert.equal(second.memory.expires_at, null);
    assert.equal(second.memory.agent_id, "agent-a");
    assert.equal(second.memory.created_at, NOW);
    assert.equal(second.memory.updated_at, "2026-06-02T00:00:00.000Z");
    const other = await upsert(store, draft({ namespace: "elsewhere" }));
    assert.notEqual(other.memory.id, first.memory.id);
  } finally {
    store.close();
  }
});

Deno.test("SqliteStore.softDelete() hides a memory from every read and purge removes only old tombstones", async () => {
  const store = await SqliteStore.open(await tempDb(), { now: NOW });
  try {
    const gone = (await upsert(store, draft({ title: "gone", content: "zebra stripes" }))).memory;
    const kept = (await upsert(store, draft({ title: "kept", content: "zebra crossing" }))).memory;
    await store.softDelete(gone.id, { now: NOW, actor: "agent-z" });
    await rejects(store.get(gone.id), "not_found", /Cannot find memory/);
    await rejects(store.softDelete(gone.id, { now: NOW, actor: "agent-z" }), "not_found", /Cannot find/);
    assert.deepEqual((await store.list({}, { now: NOW, limit: 10 })).map((m) => m.id), [kept.id]);
    const hits = await store.keyword(["zebra"], { mode: "any", filter: {}, now: NOW, limit: 10 });
    assert.deepEqual(hits.map((h) => h.memory.id), [kept.id]);
    assert.equal((await store.stats({ now: NOW, soonSeconds: 0 })).deleted, 1);
    // A new memory may take the deleted one's title.
    const reborn = await upsert(store, draft({ title: "gone" }));
    assert.equal(reborn.action, "created");
    assert.notEqual(reborn.memory.id, gone.id);
    assert.equal(await store.purgeDeleted("2026-06-01T00:00:00.000Z"), 0, "a newer tombstone stays");
    assert.equal(await store.purgeDeleted("2026-06-02T00:00:00.000Z"), 1);
    assert.equal((await store.stats({ now: NOW, soonSeconds: 0 })).deleted, 0);
    assert.equal((await store.stats({ now: NOW, soonSeconds: 0 })).total, 2);
  } finally {
    store.close();
  }
});

Deno.test("SqliteStore.get() accepts a unique id prefix and refuses an ambiguous one", async () => {
  const store = await SqliteStore.open(await tempDb(), { now: NOW });
  try {
    const a = await store.upsert(draft({ title: "a" }), { id: "abc11111-x", now: NOW, merge: mergeOnUpsert });
    await store.upsert(draft({ title: "b" }), { id: "abc22222-x", now: NOW, merge: mergeOnUpsert });
    assert.equal((await store.get("abc1")).id, a.memory.id);
    await rejects(store.get("abc"), "conflict", /matches more than one/);
    await rejects(store.get("abd"), "not_found", /"abd"/);
    await rejects(store.get("%"), "not_found", /"%"/);
    // UUIDs are case-insensitive on input; LIKE's wildcards are plain characters in a prefix.
    assert.equal((await store.get("ABC1")).id, a.memory.id);
    await rejects(store.get("abc_"), "not_found", /"abc_"/);
    await rejects(store.get("abc1111%"), "not_found", /"abc1111%"/);
  } finally {
    store.close();
  }
});

Deno.test("prefixEnd() bounds exactly the strings that start with a prefix, in code point order", () => {
  assert.equal(prefixEnd("abc"), "abd");
  assert.equal(prefixEnd("a9"), "a:");
  assert.equal(prefixEnd("x\u{D7FF}"), "x\u{E000}");
  assert.equal(prefixEnd("é"), "ê");
  assert.equal(prefixEnd("z\u{10FFFF}"), undefined);
  assert.equal(prefixEnd(""), undefined);
  // Every string with the prefix is below the bound, and the first string above them is not.
  for (const s of ["abc", "abc\u{10FFFF}", "abc~~", "abcé"]) assert.ok(s >= "abc" && s < prefixEnd("abc")!);
  assert.ok(!("abd" < prefixEnd("abc")!));
});

Deno.test("SqliteStore keeps the FTS index in step with updates and leaves expired memories out", async () => {
  const path = await tempDb();
  const store = await SqliteStore.open(path, { now: NOW });
  try {
    const m = (await upsert(store, draft({ title: "t", content: "original walrus" }))).memory;
    await upsert(
      store,
      draft({ title: "old", content: "expired walrus", expires_at: "2026-06-01T11:00:00.000Z" }),
    );
    await store.update(m.id, { now: NOW, patch: (e) => ({ ...e, content: "renamed narwhal" }) });
    const find = async (w: string) =>
      (await store.keyword([w], { mode: "any", filter: {}, now: NOW, limit: 10 })).map((h) =>
        h.memory.content
      );
    assert.deepEqual(await find("walrus"), []);
    assert.deepEqual(await find("narwhal"), ["renamed narwhal"]);
    await store.softDelete(m.id, { now: NOW, actor: "x" });
    await upsert(store, draft({ title: "t", content: "third walrus" }));
    assert.deepEqual(await find("walrus"), ["third walrus"]);
  } finally {
    store.close();
  }
  // FTS5's own consistency check of the index (tombstones are deliberately not indexed).
  const raw = new Database(path, { nativeBinding: nativeAddonPath() });
  raw.prepare("INSERT INTO memories_fts (memories_fts) VALUES ('integrity-check')").run();
  raw.close();
});

Deno.test("SqliteStore.keyword() never fails on terms made from hostile text", async () => {
  const store = await SqliteStore.open(await tempDb(), { now: NOW });
  try {
    await upsert(store, draft({ content: "café naïve 東京 مرحبا emoji 🚀 data" }));
    const samples = [
      '"unbalanced',
      "foo*",
      "NEAR(a b)",
      "a AND OR NOT",
      "(((",
      "title:x",
      "^start",
      "-x +y",
      "{a b}",
      "'; DROP TABLE memories; --",
      "\u0000\u0001",
      "🚀🚀",
      "東京",
      "cafe",
      "NAIVE",
    ];
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 300; i++) {
      samples.push(
        Array.from(
          { length: 1 + Math.floor(rand() * 12) },
          () => String.fromCodePoint(Math.floor(rand() * 0x3000)),
        ).join(""),
      );
    }
    for (const text of samples) {
      for (const mode of ["any", "all"] as const) {
        await store.keyword(queryTerms(text), { mode, filter: {}, now: NOW, limit: 5 });
      }
    }
    const accent = await store.keyword(queryTerms("cafe NAIVE"), {
      mode: "all",
      filter: {},
      now: NOW,
      limit: 5,
    });
    assert.equal(accent.length, 1, "diacritics and case are folded");
    const cjk = await store.keyword(queryTerms("東京"), { mode: "any", filter: {}, now: NOW, limit: 5 });
    assert.equal(cjk.length, 1);
  } finally {
    store.close();
  }
});

Deno.test("SqliteStore.keyword() in OR mode ignores terms in half of all memories unless nothing else is left", async () => {
  const store = await SqliteStore.open(await tempDb(), { now: NOW });
  try {
    for (let i = 0; i < 6; i++) {
      await upsert(store, draft({ title: `filler ${i}`, content: "the common words" }));
    }
    const target = (await upsert(store, draft({ title: "target", content: "the rare ocelot" }))).memory;
    const any = (terms: string[]) =>
      store.keyword(terms, { mode: "any", filter: {}, now: NOW, limit: 50 }).then((h) =>
        h.map((x) => x.memory.id)
      );
    assert.deepEqual(await any(["the", "ocelot"]), [target.id], "'the' adds no weight, only matches");
    assert.equal((await any(["the"])).length, 7, "a query of only common terms still matches");
    assert.equal((await any(["the", "unknownword"])).length, 7, "an unknown term does not replace them");
    const all = await store.keyword(["the", "ocelot"], { mode: "all", filter: {}, now: NOW, limit: 50 });
    assert.deepEqual(all.map((h) => h.memory.id), [target.id]);
  } finally {
    store.close();
  }
});

Deno.test("SqliteStore.get() of an archived memory says it is archived and how to bring it back", async () => {
  const store = await SqliteStore.open(await tempDb(), { now: NOW });
  try {
    const m = (await upsert(store, draft({ title: "old news" }))).memory;
    await store.archive.archiveMatching({
      filter: { ids: [m.id] },
      now: NOW,
      actor: "x",
      reason: "forget",
      dryRun: false,
    });
    await rejects(store.get(m.id), "not_found", /is archived; memory_archive_restore brings it back/);
    await rejects(store.get("ffffffff"), "not_found", /Cannot find memory "ffffffff"/);
  } finally {
    store.close();
  }
});

Deno.test("keyword queries score at most the budget: rare terms in full, common ones' most recent matches", async () => {
  const path = await tempDb();
  const store = await SqliteStore.open(path, { now: NOW, scoreBudget: 10 });
  const wide = await SqliteStore.open(path, { now: NOW });
  try {
    // The oldest memory is the best heron match (three times) and the only kingfisher one; 30 newer
    // ones mention heron once; 40 mention neither (so heron, in 31 of 71, keeps a BM25 weight).
    const oldest =
      (await upsert(store, draft({ title: "Heron heron", content: "heron and a kingfisher" }))).memory;
    for (let i = 0; i < 30; i++) {
      await upsert(store, draft({ title: `Walk ${i}`, content: `saw a heron near pond ${i} today` }));
    }
    for (let i = 0; i < 40; i++) {
      await upsert(store, draft({ title: `Bus ${i}`, content: `took the bus to town ${i}` }));
    }
    const search = (s: SqliteStore, terms: string[], mode: "any" | "all", limit: number, context?: number) =>
      s.keyword(terms, { mode, filter: {}, now: NOW, limit, ...(context ? { context } : {}) });
    for (const mode of ["any", "all"] as const) {
      // 31 matches > 10: only the 10 most recent are scored, so the oldest is not among them.
      const windowed = await search(store, ["heron"], mode, 5);
      assert.equal(windowed.length, 5);
      assert.ok(!windowed.some((h) => h.memory.id === oldest.id), `${mode}: the old best match is outside`);
      // Within the budget (the default is 2 500 matches) it ranks first.
      const full = await search(wide, ["heron"], mode, 5);
      assert.equal(full[0]?.memory.id, oldest.id, `${mode}: unbounded ranking puts it first`);
    }
    const recalled = await search(store, ["heron"], "any", 5, 1);
    assert.ok(!recalled.some((h) => h.memory.id === oldest.id), "recall's path is bounded too");

    // A rare term decides: kingfisher's one match outranks anything heron alone can score, so it is
    // found although heron matches more than the budget, with heron counted in as one occurrence
    // (over the budget a common term's occurrences are not counted: it has three).
    const exact = (await search(wide, ["heron", "kingfisher"], "any", 1))[0]!;
    const kingfisher = (await search(wide, ["kingfisher"], "any", 1))[0]!;
    for (const context of [undefined, 1]) {
      const [best] = await search(store, ["heron", "kingfisher"], "any", 1, context);
      assert.equal(best?.memory.id, oldest.id, `context ${context}`);
      assert.ok(
        best!.relevance < exact.relevance,
        `context ${context}: ${best!.relevance} < ${exact.relevance}`,
      );
      assert.ok(best!.relevance > kingfisher.relevance, `context ${context}: heron counted in`);
    }
    // Wanting more than the rare term's matches, the rest come from heron's most recent ones.
    const five = await search(store, ["heron", "kingfisher"], "any", 5);
    assert.equal(five[0]?.memory.id, oldest.id);
    assert.deepEqual(five.slice(1).map((h) => h.memory.title).sort(), [
      "Walk 26",
      "Walk 27",
      "Walk 28",
      "Walk 29",
    ]);
  } finally {
    store.close();
    wide.close();
  }
});

Deno.test("a common term's count is kept in the database for other processes, for an hour and 1 % of rows", async () => {
  const path = await tempDb();
  const seed = await SqliteStore.open(path, { now: NOW, scoreBudget: 10 });
  // heron in 31 of 71 memories (common: over the budget of 10), kingfisher in one (rare).
  await upsert(seed, draft({ title: "Heron heron", content: "heron and a kingfisher" }));
  for (let i = 0; i < 30; i++) {
    await upsert(seed, draft({ title: `Walk ${i}`, content: `a heron at pond ${i}` }));
  }
  for (let i = 0; i < 40; i++) {
    await upsert(seed, draft({ title: `Bus ${i}`, content: `the bus to town ${i}` }));
  }
  const ask = (s: SqliteStore) =>
    s.keyword(["heron", "kingfisher"], { mode: "any", filter: {}, now: NOW, limit: 5 });
  assert.equal((await ask(seed)).length, 5, "kingfisher's match, then heron's");
  seed.close(); // writes what the recall queued
  const db = new Database(path, { nativeBinding: nativeAddonPath() });
  const stored = () => db.prepare("SELECT term, docs, rows FROM fts_term_counts ORDER BY term").all();
  try {
    assert.deepEqual(stored(), [{ term: "heron", docs: 31, rows: 71 }], "the common term only");
    // Another process believes the stored count: heron in 70 of 71 has no weight, so the query is
    // kingfisher alone.
    db.prepare("UPDATE fts_term_counts SET docs = 70").run();
    const other = await SqliteStore.open(path, { now: NOW, scoreBudget: 10 });
    assert.deepEqual((await ask(other)).map((h) => h.memory.title), ["Heron heron"]);
    other.close();
    // Counted over an hour ago, or when the index had more than 1 % more or fewer rows: counted again.
    for (const stale of ["counted_at = counted_at - 3600001", "rows = 73"]) {
      db.prepare(`UPDATE fts_term_counts SET docs = 70, ${stale}`).run();
      const next = await SqliteStore.open(path, { now: NOW, scoreBudget: 10 });
      assert.equal((await ask(next)).length, 5, stale);
      next.close();
      assert.deepEqual(stored(), [{ term: "heron", docs: 31, rows: 71 }], `${stale}: the new count is kept`);
    }
    // Counted again where the budget is wider, heron is no longer common: its stored count goes.
    db.prepare("UPDATE fts_term_counts SET counted_at = counted_at - 3600001").run();
    const wide = await SqliteStore.open(path, { now: NOW, scoreBudget: 100 });
    assert.equal((await ask(wide)).length, 5);
    wide.close();
    assert.deepEqual(stored(), []);
  } finally {
    db.close();
  }
});

Deno.test("keyword queries on a database that never held a memory find nothing (no error)", async () => {
  const store = await SqliteStore.open(await tempDb(), { now: NOW });
  try {
    for (const mode of ["any", "all"] as const) {
      assert.deepEqual(
        await store.keyword(["nightly", "build"], { mode, filter: {}, now: NOW, limit: 5 }),
        [],
      );
    }
    const recall = await store.keyword(["nightly"], {
      mode: "any",
      filter: {},
      now: NOW,
      limit: 5,
      context: 2,
    });
    assert.deepEqual(recall, []);
  } finally {
    store.close();
  }
});

Deno.test("SqliteStore.open() waits out another connection's lock on a new file instead of failing", async () => {
  const path = await tempDb();
  // A file another process is still creating: not yet in WAL mode, and exclusively locked.
  const other = new Database(path, { nativeBinding: nativeAddonPath() });
  other.exec("CREATE TABLE creating (x INTEGER)");
  other.exec("BEGIN EXCLUSIVE");
  other.exec("INSERT INTO creating VALUES (1)");
  const release = setTimeout(() => {
    other.exec("COMMIT");
    other.close();
  }, 300);
  try {
    const started = Date.now();
    const store = await SqliteStore.open(path, { now: NOW, busyTimeoutMs: 0, retryMs: 10_000 });
    try {
      assert.ok(Date.now() - started >= 250, "it waited for the lock");
      assert.equal((await upsert(store, draft({ title: "after the lock" }))).memory.title, "after the lock");
    } finally {
      store.close();
    }
  } finally {
    clearTimeout(release);
    if (other.open) other.close();
  }
});

Deno.test("stats() counts live memories by tier without the expired, deleted or archived ones", async () => {
  const store = await SqliteStore.open(await tempDb(), { now: NOW });
  try {
    // Archived first (expired at 10:30, collected at 10:45), so that the later ones stay.
    await upsert(
      store,
      draft({ title: "short, archived", tier: "short", expires_at: "2026-06-01T10:30:00.000Z" }),
    );
    const archived = await store.archive.archiveExpired({
      now: "2026-06-01T10:45:00.000Z",
      actor: "t",
      dryRun: false,
      limit: 10,
    });
    assert.deepEqual(archived.map((m) => m.title), ["short, archived"]);
    const past = "2026-06-01T11:00:00.000Z";
    await upsert(store, draft({ title: "long", tier: "long", expires_at: null }));
    await upsert(store, draft({ title: "mid" }));
    await upsert(store, draft({ title: "mid, expired", expires_at: past }));
    await upsert(store, draft({ title: "short, expired", tier: "short", expires_at: past }));
    const gone = (await upsert(store, draft({ title: "mid, deleted" }))).memory;
    await store.softDelete(gone.id, { now: NOW, actor: "t" });
    const stats = await store.stats({ now: NOW, soonSeconds: 86_400 });
    // The short tier has only expired or archived memories: it is not listed.
    assert.deepEqual(stats.byTier, { long: 1, mid: 1 });
    assert.equal(stats.total, 2);
    assert.deepEqual(stats.byNamespace, { global: 2 });
    assert.equal(stats.deleted, 1, "archived memories are not counted as deleted");
    assert.equal(stats.expiringSoon, 0, "the live mid-tier memory expires in 7 days");
  } finally {
    store.close();
  }
});
