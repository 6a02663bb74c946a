import assert from "node:assert/strict";
import { memoryDraft } from "../../../test/support/memory_drafts.ts";
import { tempDataDir } from "../../../test/support/processes.ts";
import { mergeOnUpsert } from "../../lifecycle/upsert_merge.ts";
import type { KeywordHit, MemoryDraft, MemoryFilter } from "../store.ts";
import { bestFirst } from "./keyword_context.ts";
import { SqliteStore } from "./sqlite_store.ts";

const NOW = "2026-06-01T12:00:00.000Z";

function draft(namespace: string, title: string, content: string, tags: string[] = []): MemoryDraft {
  return memoryDraft({ tier: "long", namespace, title, content, tags });
}

async function withStore(
  fn: (store: SqliteStore, add: (d: MemoryDraft) => Promise<string>) => Promise<void>,
) {
  const store = await SqliteStore.open(`${await tempDataDir()}/ctx.db`, { now: NOW });
  let n = 0;
  const add = async (d: MemoryDraft) =>
    (await store.upsert(d, { id: `m${++n}`, now: NOW, merge: mergeOnUpsert })).memory.id;
  try {
    await fn(store, add);
  } finally {
    store.close();
  }
}

function inContext(store: SqliteStore, terms: string[], filter: MemoryFilter = {}, limit = 10) {
  return store.keyword(terms, { mode: "any", filter, now: NOW, limit, context: 2 });
}

function byId(hits: KeywordHit[]): Record<string, Omit<KeywordHit, "memory">> {
  return Object.fromEntries(
    hits.map((h) => [h.memory.id, { relevance: h.relevance, before: h.before, after: h.after }]),
  );
}

Deno.test("keyword() with context returns the memories stored around a match, with their neighbours' relevance", async () => {
  await withStore(async (store, add) => {
    await add(draft("chat", "t1", "Good morning!"));
    await add(draft("chat", "t2", "Did you adopt the puppy?"));
    await add(draft("chat", "t3", "Yes, her name is Luna."));
    await add(draft("other", "o1", "A puppy in another namespace"));
    await add(draft("chat", "t4", "Lovely name."));
    await add(draft("chat", "t5", "Talk soon."));
    await add(draft("chat", "t6", "Bye."));
    const hits = await inContext(store, ["puppy"]);
    const got = byId(hits);
    assert.deepEqual(hits.slice(0, 2).map((h) => h.memory.id).sort(), ["m2", "m4"], "matches first");
    assert.deepEqual(Object.keys(got).sort(), ["m1", "m2", "m3", "m4", "m5"]);
    const puppy = got.m2!.relevance;
    assert.ok(puppy > 0);
    assert.deepEqual(got.m2, { relevance: puppy, before: [0, 0], after: [0, 0] });
    assert.deepEqual(
      got.m3,
      { relevance: 0, before: [puppy, 0], after: [0, 0] },
      "the reply sees its question",
    );
    assert.deepEqual(got.m5, { relevance: 0, before: [0, puppy], after: [0, 0] }, "two places away counts");
    assert.deepEqual(got.m1, { relevance: 0, before: [0, 0], after: [puppy, 0] });
    assert.equal(got.m6, undefined, "three places away is not context");
    assert.deepEqual(got.m4!.before, [0, 0], "neighbours come from the memory's own namespace only");
  });
});

Deno.test("keyword() with context skips deleted and filtered-out neighbours, which count for nothing", async () => {
  await withStore(async (store, add) => {
    await add(draft("chat", "t1", "kestrel nest spotted", ["birds"]));
    const deleted = await add(draft("chat", "t2", "a deleted reply about kestrel"));
    await add(draft("chat", "t3", "it was near the river", ["birds"]));
    await add(draft("chat", "t4", "kestrel chicks hatched", ["private"]));
    await add(draft("chat", "t5", "how many?", ["birds"]));
    await store.softDelete(deleted, { now: NOW, actor: "test" });
    const got = byId(await inContext(store, ["kestrel"], { tags: ["birds"] }));
    // m4 is filtered out but keeps its place, so m5 is three places from the match.
    assert.deepEqual(Object.keys(got).sort(), ["m1", "m3"]);
    assert.deepEqual(got.m3!.before, [got.m1!.relevance, 0], "the deleted memory takes no place");
    assert.deepEqual(got.m3!.after, [0, 0], "a filtered-out match lends no relevance");
  });
});

Deno.test("keyword() with context: a match beyond the span lends its relevance to nearer neighbours, if it passes the filter", async () => {
  for (const tag of ["birds", "private"]) {
    await withStore(async (store, add) => {
      await add(draft("chat", "t1", "kestrel kestrel nest", ["birds"]));
      await add(draft("chat", "t2", "near the river", ["birds"]));
      await add(draft("chat", "t3", "it rained", ["birds"]));
      await add(draft("chat", "t4", "kestrel chick", [tag]));
      await add(draft("chat", "t5", "how many?", ["birds"]));
      // Only the best match is a hit; m4 is three places from it, so it is not returned itself.
      const got = byId(await inContext(store, ["kestrel"], { tags: ["birds"] }, 1));
      assert.deepEqual(Object.keys(got).sort(), ["m1", "m2", "m3"], tag);
      const lent = tag === "birds"
        ? (await inContext(store, ["kestrel"], { tags: ["birds"] }, 2))[1]!
        : undefined;
      assert.equal(lent?.memory.id, tag === "birds" ? "m4" : undefined);
      const m4 = lent?.relevance ?? 0;
      assert.ok(tag === "private" || m4 > 0);
      assert.deepEqual(got.m3!.after, [m4, 0], `${tag}: m4 next to m3`);
      assert.deepEqual(got.m2!.after, [0, m4], `${tag}: m4 two places from m2`);
    });
  }
});

Deno.test("keyword() with context stems terms and still drops terms found in half of all memories", async () => {
  await withStore(async (store, add) => {
    for (let i = 0; i < 6; i++) await add(draft("chat", `f${i}`, `Melanie: filler ${i}`));
    await add(draft("chat", "p", "Melanie: I painted a lake sunrise"));
    const hits = await inContext(store, ["melanie", "painting"]);
    assert.equal(hits[0]!.memory.id, "m7", "painting finds painted");
    assert.ok(hits[0]!.relevance > 0);
    assert.ok(hits.slice(1).every((h) => h.relevance === 0), "melanie, in every memory, gives no weight");
  });
});

Deno.test("bestFirst() returns the n lowest ranks in order without sorting everything", () => {
  const matches: [number, number][] = [[1, -1], [2, -5], [3, -3], [4, -5], [5, -2]];
  assert.deepEqual(bestFirst(matches, 3), [[2, -5], [4, -5], [3, -3]]);
  assert.deepEqual(bestFirst(matches, 10).map(([seq]) => seq), [2, 4, 3, 5, 1]);
  assert.deepEqual(bestFirst([], 3), []);
});

Deno.test("bestFirst() keeps ties at the cut in the order given, as a stable sort of every match does", () => {
  // Few distinct ranks, so most cuts fall among ties (unscored matches all share one rank).
  let state = 7;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  // Then as many ranks as matches, and thousands of matches (a budget's worth) with either.
  for (let round = 0; round < 260; round++) {
    const distinct = round < 200 || round % 2 === 0 ? 4 : 100_000;
    const length = round < 230 ? 1 + Math.floor(random() * 80) : 2_000 + Math.floor(random() * 1_000);
    const matches: [number, number][] = Array.from(
      { length },
      (_, i) => [i, -Math.floor(random() * distinct) / 100],
    );
    const n = 1 + Math.floor(random() * 60);
    const stable = [...matches].sort((a, b) => a[1] - b[1]).slice(0, n);
    assert.deepEqual(bestFirst(matches, n), stable, `round ${round}, n ${n}`);
  }
});
