// The memory lifecycle in process, with time driven by a fixed clock: touch on recall, promotion,
// gc and the sweeper, forget, promote, the archive, consolidation, and export / import (plain and
// sealed). Every operation runs through invokeOperation with the catalog's own definition.
import assert from "node:assert/strict";
import { catalogOp } from "../../test/support/catalog_ops.ts";
import { HEADER_LINE, memoryLine } from "../../test/support/export_lines.ts";
import { ids, sameSet } from "../../test/support/id_sets.ts";
import { tempDataDir } from "../../test/support/processes.ts";
import type {
  ArchiveList,
  ArchivePurgeResult,
  ArchiveStats,
  ConsolidateResult,
  ExportResult,
  ForgetResult,
  GcResult,
  ImportResult,
  LinksResult,
  PromoteResult,
  RecallResult,
  Stats,
  StoreResult,
} from "../../test/support/results.ts";
import { sha256Hex } from "../../test/support/sha256.ts";
import { iso } from "../../test/support/time.ts";
import { fixedClock } from "../core/clock.ts";
import type { ConfigFlags } from "../core/config.ts";
import { type FieldIssue, MemoryError } from "../core/errors.ts";
import type { Memory } from "../core/memory.ts";
import { invokeOperation } from "../ops/invoke.ts";
import type { Deps } from "../ops/operation.ts";
import { loadConfig, openDeps, restoreDatabase } from "../runtime.ts";
import { openSqlite } from "../store/sqlite/open.ts";
import { sweepExpired } from "./sweeper.ts";

const T0 = Date.parse("2026-03-01T00:00:00.000Z");
const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const ACTOR = "agent:lifecycle";

interface Harness {
  deps: Deps;
  clock: ReturnType<typeof fixedClock>;
  dir: string;
  now(): number;
  call<T = Record<string, unknown>>(
    name: string,
    input?: Record<string, unknown>,
    actor?: string,
  ): Promise<T>;
  store(fields: Record<string, unknown>): Promise<Memory>;
  get(id: string): Promise<Memory>;
  exportText(): Promise<string>;
  close(): void;
}

/** A fresh database under ./data/tmp with a fixed clock at T0. */
async function harness(flags: ConfigFlags = {}, dir?: string): Promise<Harness> {
  const where = dir ?? await tempDataDir();
  const deps = await openDeps(
    loadConfig({ db: `${where}/${crypto.randomUUID().slice(0, 8)}.db`, logLevel: "error", ...flags }),
  );
  const clock = fixedClock(new Date(T0));
  deps.clock = clock;
  deps.log = { debug() {}, info() {}, warn() {}, error() {} };
  const call = async <T = Record<string, unknown>>(
    name: string,
    input: Record<string, unknown> = {},
    actor = ACTOR,
  ): Promise<T> => await invokeOperation(catalogOp(name), input, { ctx: { ...deps, actor } }) as T;
  return {
    deps,
    clock,
    dir: where,
    now: () => clock.now().getTime(),
    call,
    store: async (fields) => (await call<StoreResult>("memory_store", fields)).memory,
    get: async (id) => (await call<{ memory: Memory }>("memory_get", { id })).memory,
    exportText: async () => (await call<ExportResult>("memory_export")).jsonl!,
    close: () => deps.store.close(),
  };
}

/** The promise must reject with a MemoryError of `code` whose message matches `pattern`. */
async function fails(p: Promise<unknown>, code: string, pattern?: RegExp): Promise<MemoryError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof MemoryError, `expected a MemoryError ${code}, got ${caught}`);
  assert.equal(caught.code, code, caught.message);
  if (pattern) assert.match(caught.message, pattern);
  return caught;
}

function issueFields(err: MemoryError): string[] {
  return ((err.details.issues ?? []) as FieldIssue[]).map((i) => i.field);
}

function sortedLines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "").sort();
}

// ---------------------------------------------------------------------------------------------
// Touch, promotion, priority feedback, tiers
// ---------------------------------------------------------------------------------------------

Deno.test("recall extends an expiry to the tier's lifetime from now, unless it is within 1/24 of that, and never shortens it", async () => {
  const h = await harness();
  try {
    const short = await h.store({ title: "Kestrel short", content: "kestrel note one", tier: "short" });
    const far = await h.store({
      title: "Kestrel far",
      content: "kestrel note two",
      tier: "short",
      expires_at: iso(T0 + 30 * DAY),
    });
    const mid = await h.store({ title: "Kestrel mid", content: "kestrel note three", tier: "mid" });
    const long = await h.store({ title: "Kestrel long", content: "kestrel note four", tier: "long" });
    assert.equal(short.expires_at, iso(T0 + 6 * HOUR), "short lives 6 h");
    assert.equal(far.expires_at, iso(T0 + 30 * DAY), "an explicit expiry is kept");
    assert.equal(mid.expires_at, iso(T0 + 7 * DAY), "mid lives 7 d");
    assert.equal(long.expires_at, null, "long never expires");

    h.clock.advance(5 * HOUR);
    const recalled = await h.call<RecallResult>("memory_recall", { context: "kestrel" });
    sameSet(ids(recalled.memories), ids([short, far, mid, long]), { what: "recall returns all four" });

    const s = await h.get(short.id);
    assert.equal(s.expires_at, iso(T0 + 5 * HOUR + 6 * HOUR), "short: now + 6 h, not the old T0 + 6 h");
    assert.equal(s.access_count, 1);
    assert.equal(s.last_accessed_at, iso(T0 + 5 * HOUR));
    assert.equal(s.tier, "short");
    assert.equal(s.content, short.content, "a touch changes no content");
    const f = await h.get(far.id);
    assert.equal(f.expires_at, iso(T0 + 30 * DAY), "the far expiry is not shortened to now + 6 h");
    assert.equal(f.access_count, 1);
    const m = await h.get(mid.id);
    assert.equal(m.expires_at, iso(T0 + 7 * DAY), "mid: now + 7 d is only 5 h later, within the 7 h slack");
    assert.equal(m.access_count, 1, "the access counts all the same");
    const l = await h.get(long.id);
    assert.equal(l.expires_at, null, "long stays without expiry");
    assert.equal(l.access_count, 1);

    // A second recall later extends again from the new now.
    h.clock.advance(4 * HOUR);
    await h.call("memory_recall", { context: "kestrel" });
    assert.equal((await h.get(short.id)).expires_at, iso(T0 + 9 * HOUR + 6 * HOUR));
    assert.equal((await h.get(far.id)).expires_at, iso(T0 + 30 * DAY));
    assert.equal((await h.get(short.id)).access_count, 2);
    assert.equal((await h.get(mid.id)).expires_at, iso(T0 + 9 * HOUR + 7 * DAY), "mid: 9 h later, pushed");

    // Ten minutes on, the short expiry is within 15 min (1/24 of 6 h) of now + 6 h: left as it is.
    h.clock.advance(10 * MIN);
    await h.call("memory_recall", { context: "kestrel" });
    const again = await h.get(short.id);
    assert.equal(again.expires_at, iso(T0 + 9 * HOUR + 6 * HOUR));
    assert.equal(again.access_count, 3);
    // Twenty minutes on it is not: pushed to now + 6 h.
    h.clock.advance(10 * MIN);
    await h.call("memory_recall", { context: "kestrel" });
    assert.equal((await h.get(short.id)).expires_at, iso(T0 + 9 * HOUR + 20 * MIN + 6 * HOUR));

    // Only what recall returns is touched.
    const other = await h.store({ title: "Unrelated", content: "osprey", tier: "short" });
    await h.call("memory_recall", { context: "kestrel" });
    const untouched = await h.get(other.id);
    assert.equal(untouched.access_count, 0);
    assert.equal(untouched.last_accessed_at, null);
    assert.equal(untouched.expires_at, other.expires_at);
  } finally {
    h.close();
  }
});

Deno.test("tier lifetimes and the promotion threshold come from the configuration", async () => {
  const h = await harness({ shortTtlSecs: 600, midTtlSecs: 3600, promoteAfterAccesses: 2 });
  try {
    const short = await h.store({ title: "Heron short", content: "heron one", tier: "short" });
    const mid = await h.store({ title: "Heron mid", content: "heron two", tier: "mid" });
    assert.equal(short.expires_at, iso(T0 + 600 * SEC));
    assert.equal(mid.expires_at, iso(T0 + 3600 * SEC));
    h.clock.advance(300 * SEC);
    await h.call("memory_recall", { context: "heron" });
    assert.equal((await h.get(short.id)).expires_at, iso(T0 + 900 * SEC));
    const m1 = await h.get(mid.id);
    assert.equal(m1.tier, "mid");
    assert.equal(m1.expires_at, iso(T0 + 3900 * SEC));
    await h.call("memory_recall", { context: "heron" });
    const m2 = await h.get(mid.id);
    assert.equal(m2.tier, "long", "promoted at the configured 2nd access");
    assert.equal(m2.expires_at, null);
    assert.equal((await h.get(short.id)).tier, "short", "short is never promoted by recall");
  } finally {
    h.close();
  }
});

Deno.test("mid becomes long at exactly the 5th recall; priority +1 every 10th, capped at 10", async () => {
  const h = await harness();
  try {
    const mid = await h.store({ title: "Osprey mid", content: "osprey nest", tier: "mid", priority: 5 });
    const short = await h.store({
      title: "Osprey short",
      content: "osprey wing",
      tier: "short",
      priority: 4,
    });
    const top = await h.store({ title: "Osprey top", content: "osprey beak", tier: "long", priority: 10 });
    for (let i = 1; i <= 20; i++) {
      h.clock.advance(MIN);
      const r = await h.call<RecallResult>("memory_recall", { context: "osprey" });
      assert.equal(r.count, 3, `recall ${i} returns all three`);
      const m = await h.get(mid.id);
      assert.equal(m.access_count, i);
      if (i < 5) {
        assert.equal(m.tier, "mid", `still mid after ${i} recalls`);
        assert.equal(m.expires_at, iso(T0 + 7 * DAY), "minutes are within the 7 h slack: not pushed");
      } else {
        assert.equal(m.tier, "long", `long after ${i} recalls`);
        assert.equal(m.expires_at, null);
      }
      assert.equal(m.priority, i < 10 ? 5 : i < 20 ? 6 : 7, `mid priority after ${i} recalls`);
      const s = await h.get(short.id);
      assert.equal(s.tier, "short", `short stays short after ${i} recalls`);
      assert.equal(s.priority, i < 10 ? 4 : i < 20 ? 5 : 6, `short priority after ${i} recalls`);
      // Pushed once now + 6 h is more than 15 min (1/24 of 6 h) past it: at the 16th minute.
      assert.equal(
        s.expires_at,
        iso((i < 16 ? T0 : T0 + 16 * MIN) + 6 * HOUR),
        `short expiry after ${i} recalls`,
      );
      assert.equal((await h.get(top.id)).priority, 10, "priority is capped at 10");
    }
  } finally {
    h.close();
  }
});

Deno.test("tiers never downgrade implicitly: upsert keeps the higher tier, update refuses a lower one", async () => {
  const h = await harness();
  try {
    const long = await h.store({ title: "Sticky", content: "v1", tier: "long" });
    const again = await h.call<StoreResult>("memory_store", {
      title: "Sticky",
      content: "v2",
      tier: "short",
    });
    assert.equal(again.action, "updated");
    assert.equal(again.memory.id, long.id);
    assert.equal(again.memory.tier, "long");
    assert.equal(again.memory.expires_at, null);
    assert.equal(again.memory.content, "v2");

    const mid = await h.store({ title: "Middle", content: "m1", tier: "mid" });
    h.clock.advance(HOUR);
    const down =
      (await h.call<StoreResult>("memory_store", { title: "Middle", content: "m2", tier: "short" }))
        .memory;
    assert.equal(down.tier, "mid");
    assert.equal(down.expires_at, mid.expires_at, "the later expiry (mid's) is kept, not now + 6 h");

    const err = await fails(h.call("memory_update", { id: long.id, tier: "mid" }), "invalid_input", /tier/);
    assert.deepEqual(issueFields(err), ["tier"]);
    assert.equal((await h.get(long.id)).tier, "long");

    // A memory promoted by recall keeps long when stored again as mid.
    const rec = await h.store({ title: "Recalled", content: "plover", tier: "mid" });
    for (let i = 0; i < 5; i++) await h.call("memory_recall", { context: "plover" });
    assert.equal((await h.get(rec.id)).tier, "long");
    const restored = await h.call<StoreResult>("memory_store", { title: "Recalled", content: "plover 2" });
    assert.equal(restored.memory.tier, "long");
    assert.equal(restored.memory.expires_at, null);
  } finally {
    h.close();
  }
});

// ---------------------------------------------------------------------------------------------
// GC and the sweeper
// ---------------------------------------------------------------------------------------------

Deno.test("memory_gc archives exactly the expired memories; dry_run changes nothing", async () => {
  const h = await harness();
  try {
    const shortA = await h.store({ title: "Short A", content: "a", tier: "short" }); // T0 + 6 h
    const hourly = await h.store({ title: "Hourly", content: "b", tier: "mid", ttl_secs: 3600 }); // T0 + 1 h
    const mid = await h.store({ title: "Mid", content: "c", tier: "mid" }); // T0 + 7 d
    const long = await h.store({ title: "Long", content: "d", tier: "long" });
    const gone = await h.store({ title: "Deleted", content: "e", tier: "short" });
    await h.call("memory_delete", { id: gone.id });

    const before = await h.exportText();
    const none = await h.call<GcResult>("memory_gc");
    assert.equal(none.archived, 0, "nothing has expired at T0");

    h.clock.advance(6 * HOUR - 1);
    const dry = await h.call<GcResult>("memory_gc", { dry_run: true });
    assert.equal(dry.dry_run, true);
    assert.equal(dry.archived, 1);
    assert.deepEqual(dry.memories, [{ id: hourly.id, title: "Hourly", namespace: "global" }]);
    assert.equal(await h.exportText(), before, "a dry run changes nothing at all");

    const first = await h.call<GcResult>("memory_gc");
    assert.equal(first.dry_run, false);
    assert.deepEqual(ids(first.memories), [hourly.id], "1 ms before Short A expires only Hourly goes");

    h.clock.advance(1);
    const second = await h.call<GcResult>("memory_gc");
    assert.deepEqual(ids(second.memories), [shortA.id], "at its expiry Short A goes");
    assert.equal((await h.call<GcResult>("memory_gc")).archived, 0, "gc again finds nothing");

    const archive = await h.call<ArchiveList>("memory_archive_list");
    sameSet(ids(archive.memories), [hourly.id, shortA.id], {
      what: "the archive holds exactly the expired two",
    });
    for (const a of archive.memories) {
      assert.equal(a.archive_reason, "ttl_expired");
      assert.equal(a.archived_by, ACTOR);
    }
    assert.equal(archive.memories.find((a) => a.id === shortA.id)!.archived_at, iso(T0 + 6 * HOUR));
    assert.equal(archive.memories[0]!.id, shortA.id, "newest archived first");
    for (const live of [mid, long]) assert.equal((await h.get(live.id)).id, live.id, "still live");
    await fails(h.get(shortA.id), "not_found");
    const stats = await h.call<Stats>("memory_stats");
    assert.equal(stats.deleted, 1, "the tombstone is not archived by gc");
    assert.equal(stats.total, 2);
  } finally {
    h.close();
  }
});

Deno.test("sweepExpired archives every expired memory in batches and reports how many", async () => {
  const h = await harness();
  try {
    const N = 1205; // more than one batch of 1000
    for (let i = 0; i < N; i++) {
      await h.call("memory_store", { title: `sweep ${i}`, content: `expiring ${i}`, tier: "short" });
    }
    const keep = await h.store({ title: "keeper", content: "kept", tier: "long" });
    const keepMid = await h.store({ title: "keeper mid", content: "kept", tier: "mid" });
    assert.equal(await sweepExpired(h.deps.store, { clock: h.clock, actor: "system:sweeper" }), 0);
    h.clock.advance(7 * HOUR);
    const moved = await sweepExpired(h.deps.store, { clock: h.clock, actor: "system:sweeper" });
    assert.equal(moved, N);
    const stats = await h.call<ArchiveStats>("memory_archive_stats");
    assert.equal(stats.total, N);
    assert.deepEqual(stats.by_reason, { ttl_expired: N });
    const listed = await h.call<ArchiveList>("memory_archive_list", { limit: 5 });
    for (const m of listed.memories) assert.equal(m.archived_by, "system:sweeper");
    assert.equal(await sweepExpired(h.deps.store, { clock: h.clock, actor: "system:sweeper" }), 0);
    const live = await h.call<Stats>("memory_stats");
    assert.equal(live.total, 2);
    assert.equal((await h.get(keep.id)).tier, "long");
    assert.equal((await h.get(keepMid.id)).tier, "mid");
  } finally {
    h.close();
  }
});

// ---------------------------------------------------------------------------------------------
// Forget and promote
// ---------------------------------------------------------------------------------------------

Deno.test("memory_forget archives what matches every filter, dry_run reports only, no filter is refused", async () => {
  const h = await harness();
  try {
    const a1 = await h.store({ title: "Deploy heron pipeline", content: "steps", namespace: "proj/a" });
    const a2 = await h.store({ title: "Heron cache", content: "ttl", namespace: "proj/a", tier: "short" });
    const a3 = await h.store({ title: "Unrelated", content: "x", namespace: "proj/a", tier: "long" });
    const b1 = await h.store({
      title: "Pipeline notes",
      content: "deploy the heron",
      namespace: "proj/b",
      tier: "short",
    });
    const b2 = await h.store({ title: "Deploy only", content: "no bird", namespace: "proj/b" });
    const before = await h.exportText();

    const empty = await fails(h.call("memory_forget", {}), "invalid_input", /at least one of/);
    assert.ok(empty.message.includes("namespace"), empty.message);
    await fails(h.call("memory_forget", { pattern: "  !! " }), "invalid_input", /at least one of/);
    await fails(h.call("memory_forget", { dry_run: true }), "invalid_input", /at least one of/);
    const badTier = await fails(h.call("memory_forget", { tier: "huge" }), "invalid_input");
    assert.deepEqual(issueFields(badTier), ["tier"]);

    const dry = await h.call<ForgetResult>("memory_forget", { namespace: "proj/a", dry_run: true });
    assert.equal(dry.dry_run, true);
    assert.equal(dry.archived, 3);
    sameSet(ids(dry.memories), ids([a1, a2, a3]), { what: "dry run lists proj/a" });
    assert.equal(await h.exportText(), before, "refusals and dry runs change nothing");

    const byPattern = await h.call<ForgetResult>("memory_forget", { pattern: "deploy heron" });
    sameSet(ids(byPattern.memories), ids([a1, b1]), { what: "every word must appear (title or content)" });
    const byBoth = await h.call<ForgetResult>("memory_forget", { namespace: "proj/a", tier: "short" });
    sameSet(ids(byBoth.memories), ids([a2]), { what: "namespace AND tier" });
    const byTier = await h.call<ForgetResult>("memory_forget", { tier: "short" });
    assert.equal(byTier.archived, 0, "already archived memories are not forgotten twice");

    for (const live of [a3, b2]) assert.equal((await h.get(live.id)).id, live.id);
    const archive = await h.call<ArchiveList>("memory_archive_list");
    sameSet(ids(archive.memories), ids([a1, a2, b1]), { what: "the archive holds the forgotten three" });
    for (const m of archive.memories) assert.equal(m.archive_reason, "forget");
  } finally {
    h.close();
  }
});

Deno.test("memory_promote makes a memory long, or copies it into a proper ancestor with derived_from", async () => {
  const h = await harness();
  try {
    const mid = await h.store({ title: "Promote me", content: "p", namespace: "org/team/proj" });
    const up = await h.call<PromoteResult>("memory_promote", { id: mid.id });
    assert.equal(up.copied, false);
    assert.equal(up.source_id, mid.id);
    assert.equal(up.memory.id, mid.id);
    assert.equal(up.memory.tier, "long");
    assert.equal(up.memory.expires_at, null);
    assert.equal((await h.get(mid.id)).tier, "long");

    const src = await h.store({
      title: "Team rule",
      content: "always pin versions",
      namespace: "org/team/proj",
      tier: "short",
      tags: ["rule"],
      priority: 8,
    });
    const before = await h.exportText();
    for (const bad of ["other", "org/team/proj", "org/team/proj/sub", "org/te"]) {
      const err = await fails(
        h.call("memory_promote", { id: src.id, to_namespace: bad }),
        "invalid_input",
        /proper ancestor/,
      );
      assert.deepEqual(issueFields(err), ["to_namespace"], bad);
    }
    await fails(h.call("memory_promote", { id: "no-such-memory" }), "not_found");
    assert.equal(await h.exportText(), before, "refused promotions change nothing");

    const copy = await h.call<PromoteResult>("memory_promote", { id: src.id, to_namespace: "org" });
    assert.equal(copy.copied, true);
    assert.equal(copy.source_id, src.id);
    assert.notEqual(copy.memory.id, src.id);
    assert.equal(copy.memory.namespace, "org");
    assert.equal(copy.memory.tier, "long");
    assert.equal(copy.memory.expires_at, null);
    assert.equal(copy.memory.title, src.title);
    assert.equal(copy.memory.content, src.content);
    assert.deepEqual(copy.memory.tags, ["rule"]);
    assert.equal(copy.memory.priority, 8);
    assert.equal(copy.memory.metadata.promoted_from, src.id);
    const links = await h.call<LinksResult>("memory_get_links", { id: copy.memory.id });
    assert.deepEqual(
      links.links.map((l) => [l.source_id, l.target_id, l.relation]),
      [[copy.memory.id, src.id, "derived_from"]],
    );
    const original = await h.get(src.id);
    assert.equal(original.tier, "short", "the original is left as it was");
    assert.equal(original.namespace, "org/team/proj");

    const mid2 = await h.call<PromoteResult>("memory_promote", { id: src.id, to_namespace: "org/team" });
    assert.equal(mid2.memory.namespace, "org/team", "any proper ancestor will do");
  } finally {
    h.close();
  }
});

// ---------------------------------------------------------------------------------------------
// The archive
// ---------------------------------------------------------------------------------------------

Deno.test("archive restore brings a memory back with its id, tier and links; expiry fresh only if passed", async () => {
  const h = await harness();
  try {
    const partner = await h.store({ title: "Partner", content: "long lived", tier: "long" });
    const a = await h.store({
      title: "Restorable",
      content: "alpha",
      tier: "mid",
      tags: ["x"],
      namespace: "ns/r",
    });
    await h.call("memory_link", { source_id: a.id, target_id: partner.id, relation: "related_to" });
    h.clock.advance(8 * DAY);
    assert.deepEqual(ids((await h.call<GcResult>("memory_gc")).memories), [a.id]);
    await fails(h.get(a.id), "not_found");
    // The archived memory's link is kept (seen from the live side).
    const partnerLinks = await h.call<LinksResult>("memory_get_links", { id: partner.id });
    assert.deepEqual(partnerLinks.links.map((l) => l.source_id), [a.id]);

    h.clock.advance(HOUR);
    const restored = (await h.call<{ memory: Memory }>("memory_archive_restore", { id: a.id })).memory;
    assert.equal(restored.id, a.id);
    assert.equal(restored.tier, "mid");
    assert.equal(restored.content, "alpha");
    assert.deepEqual(restored.tags, ["x"]);
    assert.equal(restored.namespace, "ns/r");
    assert.equal(restored.expires_at, iso(h.now() + 7 * DAY), "a passed expiry starts afresh from now");
    const links = await h.call<LinksResult>("memory_get_links", { id: a.id });
    assert.deepEqual(links.links.map((l) => [l.source_id, l.target_id, l.relation]), [[
      a.id,
      partner.id,
      "related_to",
    ]]);
    assert.equal((await h.call<ArchiveStats>("memory_archive_stats")).total, 0);
    await fails(h.call("memory_archive_restore", { id: a.id }), "not_found", /archived memory/);

    // Forgotten before it expired: its expiry is still ahead and is kept.
    const f = await h.store({ title: "Forgotten early", content: "beta", tier: "short" });
    await h.call("memory_forget", { pattern: "beta" });
    h.clock.advance(HOUR);
    const back = (await h.call<{ memory: Memory }>("memory_archive_restore", { id: f.id })).memory;
    assert.equal(back.expires_at, f.expires_at, "an expiry still ahead is kept");
    assert.equal(back.tier, "short");

    // Its title was taken meanwhile: conflict, and it stays archived.
    const c = await h.store({ title: "Taken title", content: "first", namespace: "ns/c" });
    await h.call("memory_forget", { namespace: "ns/c" });
    const taker = await h.store({ title: "Taken title", content: "second", namespace: "ns/c" });
    assert.notEqual(taker.id, c.id);
    const err = await fails(h.call("memory_archive_restore", { id: c.id }), "conflict", /Taken|title/);
    assert.ok(err.message.includes(taker.id), err.message);
    assert.deepEqual(ids((await h.call<ArchiveList>("memory_archive_list")).memories), [c.id]);
    assert.equal((await h.get(taker.id)).content, "second");
    await fails(h.call("memory_archive_restore", { id: partner.id }), "not_found", /archived memory/);
  } finally {
    h.close();
  }
});

Deno.test("archive list, stats and purge by age; a delete is a tombstone that only memory_purge removes", async () => {
  const h = await harness();
  try {
    const partner = await h.store({ title: "Partner", content: "stays", tier: "long" });
    const p1 = await h.store({ title: "Old one", content: "wren", namespace: "ns/a" });
    const p2 = await h.store({ title: "Old two", content: "wren", namespace: "ns/b" });
    await h.call("memory_link", { source_id: p1.id, target_id: partner.id });
    await h.call("memory_forget", { pattern: "wren" }); // archived at T0
    h.clock.advance(10 * DAY);
    const n1 = await h.store({ title: "New one", content: "finch", namespace: "ns/a", tier: "short" });
    h.clock.advance(7 * HOUR);
    await h.call("memory_gc"); // archived at T0 + 10 d + 7 h
    const del = await h.store({ title: "Deleted", content: "tombstone", namespace: "ns/a" });
    await h.call("memory_delete", { id: del.id });

    const stats = await h.call<ArchiveStats>("memory_archive_stats");
    assert.deepEqual(stats, {
      total: 3,
      by_namespace: { "ns/a": 2, "ns/b": 1 },
      by_reason: { forget: 2, ttl_expired: 1 },
    });
    assert.equal((await h.call<Stats>("memory_stats")).deleted, 1, "the delete is a tombstone");

    const all = await h.call<ArchiveList>("memory_archive_list");
    assert.equal(all.count, 3);
    assert.equal(all.memories[0]!.id, n1.id, "most recently archived first");
    sameSet(ids((await h.call<ArchiveList>("memory_archive_list", { namespace: "ns/a" })).memories), [
      p1.id,
      n1.id,
    ], { what: "namespace filter" });
    const page = await h.call<ArchiveList>("memory_archive_list", { limit: 1, offset: 1 });
    assert.equal(page.count, 1);
    assert.notEqual(page.memories[0]!.id, n1.id, "offset skips the first");
    const badLimit = await fails(h.call("memory_archive_list", { limit: 0 }), "invalid_input");
    assert.deepEqual(issueFields(badLimit), ["limit"]);

    // memory_purge removes tombstones and never touches the archive.
    const tomb = await h.call<{ purged: number }>("memory_purge", { older_than_days: 0 });
    assert.equal(tomb.purged, 1);
    assert.equal((await h.call<Stats>("memory_stats")).deleted, 0);
    assert.equal((await h.call<ArchiveStats>("memory_archive_stats")).total, 3, "the archive is intact");

    const badAge = await fails(h.call("memory_archive_purge", { older_than_days: -1 }), "invalid_input");
    assert.deepEqual(issueFields(badAge), ["older_than_days"]);

    const some = await h.call<ArchivePurgeResult>("memory_archive_purge", { older_than_days: 5 });
    assert.equal(some.purged, 2, "the two archived 10 days ago go");
    assert.equal(some.before, iso(h.now() - 5 * DAY));
    assert.deepEqual(ids((await h.call<ArchiveList>("memory_archive_list")).memories), [n1.id]);
    const partnerLinks = await h.call<LinksResult>("memory_get_links", { id: partner.id });
    assert.equal(partnerLinks.count, 0, "a purged memory's links go with it");
    const exported = await h.exportText();
    assert.ok(!exported.includes(p1.id), "a purged memory is gone from the database");
    assert.ok(!exported.includes(p2.id), "both of them");
    assert.ok(!exported.includes(del.id), "memory_purge removed the tombstone");

    const rest = await h.call<ArchivePurgeResult>("memory_archive_purge", {});
    assert.deepEqual(rest, { purged: 1, before: null });
    assert.deepEqual(await h.call<ArchiveStats>("memory_archive_stats"), {
      total: 0,
      by_namespace: {},
      by_reason: {},
    });
    assert.equal((await h.get(partner.id)).id, partner.id, "live memories are never purged");
  } finally {
    h.close();
  }
});

// ---------------------------------------------------------------------------------------------
// Consolidation
// ---------------------------------------------------------------------------------------------

Deno.test("memory_consolidate merges into one, archives the sources and links derived_from", async () => {
  const h = await harness();
  try {
    const s1 = await h.store({
      title: "Fact one",
      content: "c1",
      tier: "short",
      tags: ["a", "b"],
      priority: 3,
      namespace: "team",
    });
    const s2 = await h.store({
      title: "Fact two",
      content: "c2",
      tier: "mid",
      tags: ["b", "c"],
      priority: 7,
      namespace: "team",
    });
    const s3 = await h.store({ title: "Fact three", content: "c3", tier: "short", tags: ["d"], priority: 5 });
    const watcher = await h.store({ title: "Watcher", content: "w", tier: "long" });
    await h.call("memory_link", { source_id: watcher.id, target_id: s1.id });
    h.clock.advance(MIN);

    const out = await h.call<ConsolidateResult>("memory_consolidate", {
      ids: [s1.id, s2.id, s3.id],
      title: "All facts",
      summary: "c1 c2 c3 merged",
      namespace: "team",
    });
    const m = out.memory;
    assert.equal(m.title, "All facts");
    assert.equal(m.content, "c1 c2 c3 merged");
    assert.equal(m.namespace, "team");
    assert.equal(m.tier, "mid", "the highest tier of the sources");
    assert.equal(m.expires_at, iso(h.now() + 7 * DAY));
    assert.equal(m.priority, 7, "the highest priority");
    assert.deepEqual([...m.tags].sort(), ["a", "b", "c", "d"], "the union of the tags");
    assert.equal(m.source, "consolidation");
    assert.deepEqual(m.metadata.derived_from, [s1.id, s2.id, s3.id]);
    sameSet(ids(out.archived), [s1.id, s2.id, s3.id], { what: "the sources are reported archived" });

    const links = await h.call<LinksResult>("memory_get_links", { id: m.id });
    sameSet(
      links.links.filter((l) => l.source_id === m.id && l.relation === "derived_from").map((l) =>
        l.target_id
      ),
      [s1.id, s2.id, s3.id],
      { what: "derived_from each source" },
    );
    const archive = await h.call<ArchiveList>("memory_archive_list");
    sameSet(ids(archive.memories), [s1.id, s2.id, s3.id], { what: "the sources are in the archive" });
    for (const a of archive.memories) {
      assert.equal(a.archive_reason, "consolidated");
      assert.equal(a.archived_by, ACTOR);
    }
    for (const s of [s1, s2, s3]) await fails(h.get(s.id), "not_found");
    const watcherLinks = await h.call<LinksResult>("memory_get_links", { id: watcher.id });
    assert.deepEqual(watcherLinks.links.map((l) => l.target_id), [s1.id], "links to a source survive");

    // Restoring a source works and leaves the provenance link.
    await h.call("memory_archive_restore", { id: s1.id });
    assert.equal((await h.get(s1.id)).title, "Fact one");

    const long = await h.call<ConsolidateResult>("memory_consolidate", {
      ids: [s1.id, watcher.id],
      title: "Fact one",
      summary: "may reuse a source's title",
      tier: "long",
      namespace: "team",
    });
    assert.equal(long.memory.tier, "long");
    assert.equal(long.memory.expires_at, null);
  } finally {
    h.close();
  }
});

Deno.test("memory_consolidate refuses bad id lists and a failure leaves everything as it was", async () => {
  const h = await harness();
  try {
    const t1 = await h.store({ title: "T1", content: "one", namespace: "n" });
    const t2 = await h.store({ title: "T2", content: "two", namespace: "n" });
    await h.store({ title: "Occupied", content: "live", namespace: "n" });
    const before = await h.exportText();

    for (const list of [[t1.id], [], Array.from({ length: 101 }, (_, i) => `id-${i}`)]) {
      const err = await fails(
        h.call("memory_consolidate", { ids: list, title: "X", summary: "s" }),
        "invalid_input",
        /2 to 100/,
      );
      assert.deepEqual(issueFields(err), ["ids"], `${list.length} ids`);
    }
    const dup = await fails(
      h.call("memory_consolidate", { ids: [t1.id, t1.id], title: "X", summary: "s" }),
      "invalid_input",
    );
    assert.deepEqual(issueFields(dup), ["ids"]);
    const noSummary = await fails(
      h.call("memory_consolidate", { ids: [t1.id, t2.id], title: "X" }),
      "invalid_input",
    );
    assert.deepEqual(issueFields(noSummary), ["summary"]);
    await fails(
      h.call("memory_consolidate", { ids: [t1.id, t2.id, "does-not-exist"], title: "X", summary: "s" }),
      "not_found",
      /does-not-exist/,
    );
    // The title clash is found inside the transaction, after the sources were archived: rolled back.
    await fails(
      h.call("memory_consolidate", { ids: [t1.id, t2.id], title: "Occupied", summary: "s", namespace: "n" }),
      "conflict",
    );
    assert.equal(await h.exportText(), before, "every refusal and failure changed nothing");
    assert.equal((await h.get(t1.id)).content, "one");
    assert.equal((await h.call<ArchiveStats>("memory_archive_stats")).total, 0);

    // 100 ids is the limit and is accepted.
    const many: string[] = [];
    for (let i = 0; i < 100; i++) many.push((await h.store({ title: `m${i}`, content: "x" })).id);
    const ok = await h.call<ConsolidateResult>("memory_consolidate", {
      ids: many,
      title: "Hundred",
      summary: "all",
    });
    assert.equal(ok.archived.length, 100);
  } finally {
    h.close();
  }
});

// ---------------------------------------------------------------------------------------------
// Export and import
// ---------------------------------------------------------------------------------------------

/** A database holding every kind of row: live, archived, tombstones, links, aliases, agents, standards. */
async function populate(h: Harness): Promise<Record<string, string>> {
  const std = await h.store({
    title: "House rules",
    content: "tests first",
    tier: "long",
    namespace: "acme",
  });
  const child = await h.store({
    title: "Child rules",
    content: "small commits",
    tier: "long",
    namespace: "acme/app",
    metadata: { nested: { deep: [1, 2, { x: 'ü ✓ "quoted"\nline' }] } },
  });
  await h.call("memory_namespace_set_standard", { namespace: "acme", id: std.id });
  await h.call("memory_namespace_set_standard", { namespace: "acme/app", id: child.id, parent: "acme" });
  const a = await h.store({
    title: "Alpha",
    content: "alpha text",
    tier: "mid",
    tags: ["t1", "t2"],
    priority: 9,
    confidence: 0.25,
    scope: "team",
    namespace: "acme/app",
  });
  const b = await h.store({ title: "Beta", content: "beta text", tier: "short", agent_id: "agent:other" });
  const c = await h.store({ title: "Gamma", content: "gamma text", tier: "short" });
  const d = await h.store({ title: "Delta", content: "delta text", tier: "mid" });
  const e = await h.store({ title: "Epsilon", content: "epsilon text", tier: "mid" });
  const f = await h.store({ title: "Zeta", content: "zeta text", tier: "long" });
  await h.call("memory_link", { source_id: a.id, target_id: b.id, relation: "supersedes" });
  await h.call("memory_link", {
    source_id: a.id,
    target_id: f.id,
    relation: "contradicts",
    valid_from: iso(T0 - DAY),
    valid_until: iso(T0 + DAY),
  });
  await h.call("memory_link", { source_id: f.id, target_id: c.id });
  await h.call("memory_link", { source_id: e.id, target_id: a.id, relation: "derived_from" });
  await h.call("memory_entity_register", {
    canonical_name: "José Núñez",
    namespace: "people",
    aliases: ["Pepe", "El Jefe"],
  });
  await h.call("memory_agent_register", {
    agent_id: "agent:other",
    agent_type: "ai:claude",
    capabilities: ["recall", "store"],
    namespace: "acme/app",
  });
  await h.call("memory_agent_register", { agent_id: "human:ana", agent_type: "human" });
  await h.call("memory_recall", { context: "alpha zeta" }); // access counts and times
  h.clock.advance(HOUR);
  await h.call("memory_delete", { id: e.id }); // a tombstone (its links, if any, are tombstoned)
  await h.call("memory_forget", { pattern: "gamma" }); // archived, reason forget
  await h.call("memory_consolidate", { ids: [d.id, f.id], title: "Merged", summary: "delta zeta" });
  h.clock.advance(7 * HOUR);
  await h.call("memory_gc"); // Beta expires: archived, reason ttl_expired
  return { a: a.id, b: b.id, c: c.id, d: d.id, e: e.id, f: f.id };
}

function countsOf(text: string): Record<string, number> {
  const counts: Record<string, number> = { memories: 0, links: 0, aliases: 0, agents: 0, namespaces: 0 };
  const kind: Record<string, string> = {
    memory: "memories",
    link: "links",
    alias: "aliases",
    agent: "agents",
    namespace: "namespaces",
  };
  for (const line of text.split("\n").filter(Boolean)) {
    const type = JSON.parse(line).type as string;
    if (type !== "header") counts[kind[type]!]!++;
  }
  return counts;
}

Deno.test("export, import into an empty database, export again: the same lines; re-import changes nothing", async () => {
  const dir = await tempDataDir();
  const h1 = await harness({}, dir);
  const h2 = await harness({}, dir);
  try {
    const made = await populate(h1);
    const exported = await h1.call<ExportResult>("memory_export");
    const text = exported.jsonl!;
    const header = JSON.parse(text.split("\n")[0]!);
    assert.deepEqual(header, { type: "header", format: "ai-memory-export", version: 1 });
    assert.deepEqual(exported.counts, countsOf(text), "the counts describe the text");
    const lines = text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const memLine = (id: string) => lines.find((l) => l.type === "memory" && l.id === id);
    assert.equal(memLine(made.e!).removal, "deleted", "the tombstone is exported");
    assert.equal(memLine(made.c!).archive_reason, "forget");
    assert.equal(memLine(made.b!).archive_reason, "ttl_expired");
    assert.equal(memLine(made.d!).archive_reason, "consolidated");
    assert.equal(exported.counts.links, 6, "supersedes, contradicts, related_to and 3 derived_from");
    const tombstoned = lines.find((l) => l.type === "link" && l.source_id === made.e);
    assert.ok(tombstoned?.deleted_at, "the deleted memory's link is exported as a tombstone");
    assert.equal(exported.counts.aliases, 3);
    assert.equal(exported.counts.agents, 2);
    assert.equal(exported.counts.namespaces, 2);
    assert.ok(memLine(made.a!).access_count >= 1);

    const imported = await h2.call<ImportResult>("memory_import", { jsonl: text });
    assert.deepEqual(imported.added, exported.counts, "everything is added");
    assert.deepEqual(imported.unchanged, { memories: 0, links: 0, aliases: 0, agents: 0, namespaces: 0 });
    const again = await h2.exportText();
    assert.deepEqual(sortedLines(again), sortedLines(text), "the round trip is lossless");

    const twice = await h2.call<ImportResult>("memory_import", { jsonl: text });
    assert.deepEqual(twice.added, { memories: 0, links: 0, aliases: 0, agents: 0, namespaces: 0 });
    assert.deepEqual(twice.unchanged, exported.counts, "re-importing reports everything unchanged");
    assert.equal(await h2.exportText(), again, "and changes nothing");

    // The imported database behaves like the original, not only its text.
    const archive = await h2.call<ArchiveStats>("memory_archive_stats");
    assert.deepEqual(archive, await h1.call<ArchiveStats>("memory_archive_stats"));
    assert.deepEqual(await h2.call("memory_stats"), {
      ...(await h1.call<Stats>("memory_stats")),
      db_size_bytes: (await h2.call<Stats>("memory_stats")).db_size_bytes,
    });
    const alias = await h2.call<{ canonical_name: string }>("memory_entity_get_by_alias", { alias: "pepe" });
    assert.equal(alias.canonical_name, "José Núñez");
    const chain = await h2.call<{ chain: { namespace: string }[] }>("memory_namespace_get_standard", {
      namespace: "acme/app",
      inherit: true,
    });
    assert.deepEqual(chain.chain.map((s) => s.namespace), ["acme", "acme/app"]);
    const recalled = await h2.call<RecallResult>("memory_recall", { context: "alpha" });
    assert.deepEqual(ids(recalled.memories), [made.a], "FTS works on imported rows");
    const restored = await h2.call<{ memory: Memory }>("memory_archive_restore", { id: made.c! });
    assert.equal(restored.memory.content, "gamma text");

    // Through a file: plaintext without a database key.
    const path = `${dir}/export.jsonl`;
    const written = await h1.call<ExportResult>("memory_export", { path });
    assert.equal(written.encrypted, false);
    assert.equal(written.jsonl, undefined);
    const bytes = await Deno.readFile(path);
    assert.equal(written.bytes, bytes.length);
    assert.deepEqual(sortedLines(new TextDecoder().decode(bytes)), sortedLines(text));
    await fails(h1.call("memory_export", { path }), "conflict", /exists/);
    const h3 = await harness({}, dir);
    try {
      const fromFile = await h3.call<ImportResult>("memory_import", { path });
      assert.deepEqual(fromFile.added, exported.counts);
      assert.deepEqual(sortedLines(await h3.exportText()), sortedLines(text));
    } finally {
      h3.close();
    }
    const neither = await fails(h1.call("memory_import", {}), "invalid_input", /exactly one of/);
    assert.deepEqual(issueFields(neither), ["path"]);
    await fails(h1.call("memory_import", { path, jsonl: text }), "invalid_input", /exactly one of/);
    await fails(h1.call("memory_import", { path: `${dir}/missing.jsonl` }), "not_found");
  } finally {
    h1.close();
    h2.close();
  }
});

Deno.test("import validates every line first: a bad line is reported by number and nothing is written", async () => {
  const dir = await tempDataDir();
  const src = await harness({}, dir);
  const dst = await harness({}, dir);
  try {
    await populate(src);
    const text = await src.exportText();
    const lines = text.split("\n").filter(Boolean);
    // The middle memory line (memories come first, then links, aliases, agents, namespaces).
    const memoryIndexes = lines.flatMap((l, i) => JSON.parse(l).type === "memory" ? [i] : []);
    const mid = memoryIndexes[Math.floor(memoryIndexes.length / 2)]!;
    assert.ok(mid > 1 && mid < lines.length - 1, "the bad line is in the middle");
    const lineNo = mid + 1;
    const empty = await dst.exportText();

    const variants: [string, string, RegExp][] = [
      ["an out-of-range priority", JSON.stringify({ ...JSON.parse(lines[mid]!), priority: 42 }), /priority/],
      ["a line that is not JSON", "{not json", /not valid JSON/],
      ["an unknown type", JSON.stringify({ type: "wizard" }), /type/],
      [
        "a bad timestamp",
        JSON.stringify({ ...JSON.parse(lines[mid]!), created_at: "yesterday" }),
        /timestamp/,
      ],
    ];
    for (const [what, bad, pattern] of variants) {
      const broken = [...lines.slice(0, mid), bad, ...lines.slice(mid + 1)].join("\n") + "\n";
      const err = await fails(dst.call("memory_import", { jsonl: broken }), "invalid_input", pattern);
      assert.ok(err.message.includes(`line ${lineNo}`), `${what}: ${err.message}`);
      const fields = issueFields(err);
      assert.ok(
        fields.length > 0 && fields.every((f) => f.startsWith(`line ${lineNo}`)),
        `${what}: ${fields}`,
      );
      assert.equal(await dst.exportText(), empty, `${what}: nothing was written`);
    }

    // Valid lines that cannot be applied: the whole import is rolled back, the line is named.
    const memLines = lines.map((l, i) => [l, i] as const).filter(([l]) => JSON.parse(l).type === "memory");
    const [firstLine] = memLines[0]!;
    const clone = { ...JSON.parse(firstLine), id: "ffffffff-clone-of-a-live-memory", removal: null };
    clone.deleted_at = null;
    clone.deleted_by = null;
    clone.archive_reason = null;
    const original = { ...JSON.parse(firstLine), deleted_at: null, deleted_by: null, removal: null };
    original.archive_reason = null;
    const conflicting = [
      lines[0]!,
      JSON.stringify(original),
      ...lines.slice(1).filter((l) => l !== firstLine),
      JSON.stringify(clone),
    ];
    const cloneLine = conflicting.length; // the clone is the last line
    const err = await fails(dst.call("memory_import", { jsonl: conflicting.join("\n") }), "conflict");
    assert.ok(err.message.includes(`line ${cloneLine}`), err.message);
    assert.equal(err.details.line, cloneLine);
    assert.equal(await dst.exportText(), empty, "an import that fails while applying writes nothing");

    await fails(dst.call("memory_import", { jsonl: lines.slice(1).join("\n") }), "invalid_input", /header/);
    const future = [
      JSON.stringify({ type: "header", format: "ai-memory-export", version: 2 }),
      ...lines.slice(1),
    ];
    await fails(
      dst.call("memory_import", { jsonl: future.join("\n") }),
      "invalid_input",
      /line 1.*version 1/,
    );
    assert.equal(await dst.exportText(), empty);

    // And the untouched text still imports.
    const ok = await dst.call<ImportResult>("memory_import", { jsonl: text });
    assert.equal(ok.added.memories, countsOf(text).memories);
  } finally {
    src.close();
    dst.close();
  }
});

/** A memory line of the export format, exported a day before T0 with the content "imported". */
function importedLine(fields: { id: string; title: string } & Record<string, unknown>): string {
  return memoryLine({ content: "imported", ...fields }, { createdMs: T0 - DAY });
}

Deno.test("import refuses a memory line whose lifecycle state is inconsistent, naming the line", async () => {
  const h = await harness();
  try {
    const empty = await h.exportText();
    const cases: [string, Record<string, unknown>][] = [
      ["archived but not removed", { removal: "archived", archive_reason: "forget" }],
      ["removed without saying how", { deleted_at: iso(T0 - HOUR), deleted_by: "x" }],
      ["a tombstone without a time", { removal: "deleted" }],
    ];
    for (const [what, state] of cases) {
      const text = [
        HEADER_LINE,
        importedLine({ id: "00000000-0000-4000-8000-000000000001", title: "Fine" }),
        importedLine({ id: "00000000-0000-4000-8000-000000000002", title: "Odd", ...state }),
      ].join("\n");
      let outcome: unknown;
      try {
        outcome = await h.call("memory_import", { jsonl: text });
      } catch (err) {
        outcome = err;
      }
      // Accepted, such a row breaks the archive: memory_archive_list fails with an internal error
      // and the row is live and archived at once (or neither live, nor a tombstone, nor archived).
      assert.ok(outcome instanceof MemoryError, `${what}: import accepted it: ${JSON.stringify(outcome)}`);
      assert.equal(outcome.code, "invalid_input", `${what}: ${outcome.message}`);
      assert.match(outcome.message, /line 3/, what);
      assert.equal(await h.exportText(), empty, `${what}: nothing was written`);
    }
    await h.call("memory_archive_list"); // still works
  } finally {
    h.close();
  }
});

Deno.test("import stores timestamps as RFC 3339 UTC (normalised or refused), so expiry still works", async () => {
  const h = await harness();
  try {
    // Date.parse accepts this HTTP date; stored verbatim it would compare wrongly as text.
    const text = [
      HEADER_LINE,
      importedLine({
        id: "00000000-0000-4000-8000-0000000000d1",
        title: "Old expiry",
        expires_at: "Wed, 01 Jan 2020 00:00:00 GMT",
      }),
    ].join("\n");
    let refused: MemoryError | undefined;
    try {
      await h.call("memory_import", { jsonl: text });
    } catch (err) {
      assert.ok(err instanceof MemoryError, String(err));
      refused = err;
    }
    if (refused) {
      assert.equal(refused.code, "invalid_input");
      assert.match(refused.message, /line 2\.expires_at/);
      assert.equal((await h.call<Stats>("memory_stats")).total, 0);
    } else {
      const line = (await h.exportText()).split("\n").find((l) => l.includes("Old expiry"))!;
      assert.equal(JSON.parse(line).expires_at, "2020-01-01T00:00:00.000Z", "normalised on import");
      const gc = await h.call<GcResult>("memory_gc");
      assert.deepEqual(ids(gc.memories), ["00000000-0000-4000-8000-0000000000d1"], "and gc sees it expired");
      const list = await h.call<{ memories: Memory[] }>("memory_list", { format: "json" });
      assert.equal(list.memories.length, 0, "an expired memory is not listed as live");
    }
  } finally {
    h.close();
  }
});

Deno.test("export files are sealed with the database key unless plaintext; a wrong key fails clearly", async () => {
  const dir = await tempDataDir();
  const KEY = "correct horse battery staple";
  const MARKER = "PLAINTEXT-MARKER-7f3a9c";
  const h = await harness({ passphrase: KEY }, dir);
  try {
    const m = await h.store({
      title: `Secret ${MARKER}`,
      content: `the vault code is ${MARKER}`,
      tier: "long",
    });
    const sealedPath = `${dir}/sealed.jsonl`;
    const sealed = await h.call<ExportResult>("memory_export", { path: sealedPath });
    assert.equal(sealed.encrypted, true);
    const bytes = await Deno.readFile(sealedPath);
    assert.equal(sealed.bytes, bytes.length);
    const asText = new TextDecoder("latin1").decode(bytes);
    assert.ok(asText.startsWith("AIMEMSEALED1"), "the sealed magic comes first");
    assert.ok(!asText.includes(MARKER), "no plaintext marker in the sealed file");
    assert.ok(!asText.includes("ai-memory-export"), "not even the header is in clear");
    assert.ok(!asText.includes(m.id), "nor the ids");
    assert.equal(sealed.sha256, await sha256Hex(bytes));

    const plainPath = `${dir}/plain.jsonl`;
    const plain = await h.call<ExportResult>("memory_export", { path: plainPath, plaintext: true });
    assert.equal(plain.encrypted, false);
    assert.ok((await Deno.readTextFile(plainPath)).includes(MARKER), "plaintext was asked for");

    const same = await harness({ passphrase: KEY }, dir);
    try {
      const r = await same.call<ImportResult>("memory_import", { path: sealedPath });
      assert.equal(r.added.memories, 1);
      assert.equal((await same.get(m.id)).content, `the vault code is ${MARKER}`);
      assert.deepEqual(sortedLines(await same.exportText()), sortedLines(await h.exportText()));
    } finally {
      same.close();
    }

    const wrong = await harness({ passphrase: "not the key" }, dir);
    try {
      await fails(wrong.call("memory_import", { path: sealedPath }), "invalid_input", /key does not match/);
      assert.equal((await wrong.call<Stats>("memory_stats")).total, 0, "nothing imported");
    } finally {
      wrong.close();
    }
    const keyless = await harness({}, dir);
    try {
      await fails(keyless.call("memory_import", { path: sealedPath }), "invalid_input", /sealed/);
      // A plaintext export imports anywhere.
      assert.equal(
        (await keyless.call<ImportResult>("memory_import", { path: plainPath })).added.memories,
        1,
      );
    } finally {
      keyless.close();
    }

    // A tampered sealed file is refused, not half-read.
    const tampered = new Uint8Array(bytes);
    const last = tampered.length - 1;
    tampered[last] = tampered[last]! ^ 0xff;
    await Deno.writeFile(`${dir}/tampered.jsonl`, tampered);
    await fails(h.call("memory_import", { path: `${dir}/tampered.jsonl` }), "invalid_input", /altered/);
  } finally {
    h.close();
  }
});

// ---------------------------------------------------------------------------------------------
// Backup and restore (in process; the CLI and the online case are in test/e2e)
// ---------------------------------------------------------------------------------------------

Deno.test("memory_backup keeps the database key; restoreDatabase checks the backup and refuses to overwrite", async () => {
  const dir = await tempDataDir();
  const KEY = "backup passphrase";
  const MARKER = "BACKUP-MARKER-41d2";
  const h = await harness({ passphrase: KEY }, dir);
  try {
    const m = await h.store({ title: "Backed up", content: MARKER, tier: "long" });
    const path = `${dir}/snapshot.db`;
    const out = await h.call<{ path: string; bytes: number; sha256: string }>("memory_backup", { path });
    const bytes = await Deno.readFile(path);
    assert.equal(out.path, path);
    assert.equal(out.bytes, bytes.length);
    const text = new TextDecoder("latin1").decode(bytes);
    assert.ok(!text.startsWith("SQLite format 3"), "the snapshot is encrypted like the database");
    assert.ok(!text.includes(MARKER), "no memory text in clear");
    const snap = openSqlite(path, { passphrase: KEY });
    try {
      assert.equal(snap.pragma("integrity_check", { simple: true }), "ok");
      assert.deepEqual(snap.prepare("SELECT id, content FROM memories").all(), [{
        id: m.id,
        content: MARKER,
      }]);
    } finally {
      snap.close();
    }
    assert.throws(
      () => openSqlite(path),
      (err: unknown) => err instanceof MemoryError && /encrypted/.test(err.message),
    );
    await fails(h.call("memory_backup", { path }), "conflict", /exists/);
    await fails(h.call("memory_backup", { path: "/tmp/ai-memory-outside.db" }), "unavailable", /permission/);
    const noPath = await fails(h.call("memory_backup", {}), "invalid_input");
    assert.deepEqual(issueFields(noPath), ["path"]);

    // Restore into a fresh location needs no --force; over an existing database it does.
    const target = `${dir}/restored.db`;
    const config = loadConfig({ db: target, passphrase: KEY });
    assert.deepEqual(restoreDatabase(config, { path, force: false }), { memories: 1 });
    const before = await Deno.readFile(target);
    assert.throws(
      () => restoreDatabase(config, { path, force: false }),
      (err: unknown) => err instanceof MemoryError && err.code === "conflict" && /--force/.test(err.message),
    );
    assert.deepEqual(await Deno.readFile(target), before, "the refused restore left the database alone");
    const restored = await harness({ db: target, passphrase: KEY }, dir);
    try {
      assert.equal((await restored.get(m.id)).content, MARKER);
    } finally {
      restored.close();
    }
    // The wrong key cannot read the backup.
    assert.throws(
      () =>
        restoreDatabase(loadConfig({ db: `${dir}/other.db`, passphrase: "wrong" }), { path, force: true }),
      (err: unknown) => err instanceof MemoryError && err.code !== "internal",
    );
  } finally {
    h.close();
  }
});

Deno.test("restoreDatabase runs integrity_check and refuses a backup with a corrupt page", async () => {
  const dir = await tempDataDir();
  const h = await harness({}, dir);
  try {
    for (let i = 0; i < 300; i++) await h.store({ title: `row ${i}`, content: `content ${i} `.repeat(20) });
    const good = `${dir}/good.db`;
    await h.call("memory_backup", { path: good });
    const target = `${dir}/target.db`;
    const config = loadConfig({ db: target });
    restoreDatabase(config, { path: good, force: false });
    const targetBytes = await Deno.readFile(target);

    // Corrupt one index's root page, leaving the schema readable.
    const raw = openSqlite(good);
    const { rootpage } = raw.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'memories_live_title'")
      .get() as { rootpage: number };
    const pageSize = raw.pragma("page_size", { simple: true }) as number;
    raw.close();
    const bytes = await Deno.readFile(good);
    const at = (rootpage - 1) * pageSize;
    bytes.fill(0xa5, at + 12, at + pageSize);
    const corrupt = `${dir}/corrupt.db`;
    await Deno.writeFile(corrupt, bytes);
    assert.throws(
      () => restoreDatabase(config, { path: corrupt, force: true }),
      (err: unknown) =>
        err instanceof MemoryError && err.code === "invalid_input" &&
        /integrity_check|not an ai-memory backup/.test(err.message),
    );
    assert.deepEqual(await Deno.readFile(target), targetBytes, "the database is untouched");
  } finally {
    h.close();
  }
});

Deno.test("restoreDatabase reports a file that is not a backup as invalid input and changes nothing", async () => {
  const dir = await tempDataDir();
  const h = await harness({}, dir);
  try {
    await h.store({ title: "row", content: "content" });
    const good = `${dir}/good.db`;
    await h.call("memory_backup", { path: good });
    const target = `${dir}/target.db`;
    const config = loadConfig({ db: target });
    restoreDatabase(config, { path: good, force: false });
    const targetBytes = await Deno.readFile(target);
    await Deno.writeTextFile(`${dir}/notes.txt`, "not a database at all\n".repeat(100));
    assert.throws(
      () => restoreDatabase(config, { path: `${dir}/notes.txt`, force: true }),
      (err: unknown) => {
        assert.ok(err instanceof MemoryError, String(err));
        assert.match(err.message, /not (an ai-memory backup|a database)/);
        // restore.ts documents "invalid_input for a bad backup" (the CLI's exit 2).
        assert.equal(err.code, "invalid_input", err.message);
        return true;
      },
    );
    assert.deepEqual(await Deno.readFile(target), targetBytes, "the database is untouched");
  } finally {
    h.close();
  }
});
