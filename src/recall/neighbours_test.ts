import assert from "node:assert/strict";
import type { Memory } from "../core/memory.ts";
import type { KeywordHit } from "../store/store.ts";
import { anyTermMatcher, CONTEXT_WEIGHT, foldContext, relevanceInContext } from "./neighbours.ts";

const NOW = "2026-06-01T00:00:00.000Z";

function hit(id: string, relevance: number, around: { before?: number[]; after?: number[] } = {}, text = id) {
  const memory: Memory = {
    id,
    tier: "mid",
    namespace: "chat",
    title: id,
    content: text,
    tags: [],
    priority: 5,
    confidence: 1,
    source: "api",
    access_count: 0,
    created_at: NOW,
    updated_at: NOW,
    last_accessed_at: null,
    expires_at: null,
    metadata: {},
    agent_id: null,
    scope: "private",
  };
  return { memory, relevance, before: around.before ?? [0, 0], after: around.after ?? [0, 0] } as KeywordHit;
}

Deno.test("relevanceInContext() adds a share of every neighbour's relevance, near or far in the span", () => {
  assert.equal(relevanceInContext(hit("a", 2)), 2);
  assert.equal(
    relevanceInContext(hit("a", 2, { before: [1, 3], after: [0, 1] })),
    2 + CONTEXT_WEIGHT * 5,
  );
  assert.equal(relevanceInContext({ memory: hit("a", 1).memory, relevance: 1 }), 1, "no context given");
});

Deno.test("foldContext() finds the reply through the question stored just before it", () => {
  const question = hit("question", 5, { after: [0.1, 0] }, "What was the name of your first dog?");
  const reply = hit("reply", 0.1, { before: [5, 0] }, "Rex, a scruffy terrier.");
  const unrelated = hit("unrelated", 0.3, {}, "a dog show");
  const folded = foldContext([question, unrelated, reply], ["name", "dog"], { keep: 10 });
  assert.deepEqual(folded.map((h) => h.memory.id), ["question", "reply", "unrelated"]);
  assert.ok(folded[1]!.relevance > folded[2]!.relevance, "context lifts the weak reply above the weak match");
});

Deno.test("foldContext() keeps a context-only memory only when it contains a query word", () => {
  const match = hit("match", 4, { after: [0, 0] }, "kestrel migration");
  const named = hit("named", 0, { before: [4, 0] }, "Melanie: sounds good");
  const silent = hit("silent", 0, { before: [4, 0] }, "lunch menu");
  const folded = foldContext([match, named, silent], ["kestrel", "melanie"], { keep: 10 });
  assert.deepEqual(
    folded.map((h) => h.memory.id),
    ["match", "named"],
    "recall never returns a memory with no query word",
  );
});

Deno.test("foldContext() returns at most `keep` hits, best in context first", () => {
  const hits = [1, 3, 2, 5, 4].map((r) => hit(`m${r}`, r));
  assert.deepEqual(foldContext(hits, ["x"], { keep: 3 }).map((h) => h.memory.id), ["m5", "m4", "m3"]);
});

Deno.test("anyTermMatcher() matches whole words with case and accents folded", () => {
  const matches = anyTermMatcher(["cafe", "Zoë"]);
  assert.equal(matches("Meet at the CAFÉ"), true);
  assert.equal(matches("zoe said hi"), true);
  assert.equal(matches("cafeteria food"), false, "a word, not a substring");
  assert.equal(matches("nothing here"), false);
  assert.equal(anyTermMatcher([])("anything"), false);
});
