import assert from "node:assert/strict";
import type { Memory } from "../core/memory.ts";
import { memorySignal, rankKeywordHits } from "./keyword_rank.ts";
import { queryTerms } from "./query_terms.ts";

const NOW = new Date("2026-06-01T00:00:00.000Z");

function memory(overrides: Partial<Memory>): Memory {
  return {
    id: "id",
    tier: "mid",
    namespace: "global",
    title: "t",
    content: "c",
    tags: [],
    priority: 5,
    confidence: 1,
    source: "api",
    access_count: 0,
    created_at: NOW.toISOString(),
    updated_at: NOW.toISOString(),
    last_accessed_at: null,
    expires_at: null,
    metadata: {},
    agent_id: null,
    scope: "private",
    ...overrides,
  };
}

Deno.test("memorySignal() stays within 0..1 and rises with priority, confidence, tier and recency", () => {
  const low = memory({ priority: 1, confidence: 0, tier: "short", updated_at: "2020-01-01T00:00:00.000Z" });
  const high = memory({ priority: 10, confidence: 1, tier: "long", access_count: 500 });
  assert.ok(memorySignal(low, NOW) >= 0);
  assert.ok(memorySignal(high, NOW) <= 1);
  assert.ok(memorySignal(high, NOW) > memorySignal(memory({}), NOW));
  assert.ok(memorySignal(memory({}), NOW) > memorySignal(low, NOW));
});

Deno.test("rankKeywordHits() lets signals break near-ties but never overturn clearly better relevance", () => {
  const strong = memory({ id: "strong", priority: 1, confidence: 0, tier: "short" });
  const weak = memory({ id: "weak", priority: 10, tier: "long" });
  assert.deepEqual(
    rankKeywordHits([{ memory: weak, relevance: 1 }, { memory: strong, relevance: 1.5 }], NOW).map((s) =>
      s.memory.id
    ),
    ["strong", "weak"],
  );
  assert.deepEqual(
    rankKeywordHits([{ memory: strong, relevance: 1 }, { memory: weak, relevance: 1.05 }], NOW).map((s) =>
      s.memory.id
    ),
    ["weak", "strong"],
  );
  assert.deepEqual(
    rankKeywordHits([{ memory: weak, relevance: 1 }, { memory: strong, relevance: 1.05 }], NOW).map((s) =>
      s.memory.id
    ),
    ["weak", "strong"],
  );
});

Deno.test("queryTerms() keeps only words, folds case, and drops every FTS operator character", () => {
  assert.deepEqual(queryTerms('"Deploy" key* NEAR(vault) OR (x:y) ^z'), [
    "deploy",
    "key",
    "near",
    "vault",
    "or",
    "x",
    "y",
    "z",
  ]);
  assert.deepEqual(queryTerms("東京 café 🚀"), ["東京", "café"]);
  assert.deepEqual(queryTerms('*** () ""'), []);
  assert.equal(queryTerms(Array.from({ length: 200 }, (_, i) => `w${i}`).join(" ")).length, 64);
});
