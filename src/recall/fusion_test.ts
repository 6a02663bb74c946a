import assert from "node:assert/strict";
import type { Memory } from "../core/memory.ts";
import { memoryLine } from "../../test/support/export_lines.ts";
import { DAY_MS, iso } from "../../test/support/time.ts";
import { fuseBlend, fuseRrf, rerankHead } from "./fusion.ts";
import { memorySignal, type Scored } from "./keyword_rank.ts";

const NOW = new Date("2026-06-01T00:00:00.000Z");

/** A mid-tier memory created and updated `ageDays` before NOW; `fields` override the rest. */
function memory(id: string, options: { ageDays?: number; fields?: Record<string, unknown> } = {}): Memory {
  const at = iso(NOW.getTime() - (options.ageDays ?? 0) * DAY_MS);
  return JSON.parse(
    memoryLine({ id, title: id, tier: "mid", created_at: at, updated_at: at, ...options.fields }),
  );
}

function scored(...entries: [Memory, number][]): Scored[] {
  return entries.map(([m, score]) => ({ memory: m, score }));
}

function order(list: Scored[]): string[] {
  return list.map((s) => s.memory.id);
}

function scoreOf(list: Scored[], id: string): number {
  const found = list.find((s) => s.memory.id === id);
  assert.ok(found, `${id} is in the fused list`);
  return found.score;
}

Deno.test("fuseRrf: a memory in both lists outranks those in one list at the same ranks", () => {
  const [both, keywordOnly, vectorOnly] = [memory("both"), memory("keyword-only"), memory("vector-only")];
  const fused = fuseRrf(
    scored([keywordOnly, 9], [both, 3]),
    [{ memory: vectorOnly, similarity: 0.9 }, { memory: both, similarity: 0.5 }],
    NOW,
  );
  assert.equal(order(fused)[0], "both");
  assert.deepEqual(order(fused).slice(1).sort(), ["keyword-only", "vector-only"]);
  // Ranks only, 1/(60 + rank) with rank from 1, scaled by 0.7 + 0.3 * signal.
  const nudge = 0.7 + 0.3 * memorySignal(both, NOW);
  assert.ok(Math.abs(scoreOf(fused, "both") - (2 / 62) * nudge) < 1e-12);
  assert.ok(Math.abs(scoreOf(fused, "keyword-only") - (1 / 61) * nudge) < 1e-12);
  assert.equal(scoreOf(fused, "keyword-only"), scoreOf(fused, "vector-only"), "equal ranks, equal scores");
});

Deno.test("fuseRrf: the memory's own signals reorder equal ranks, by at most 30 %", () => {
  const strong = memory("strong", { fields: { priority: 10, tier: "long" } });
  const weak = memory("weak", { ageDays: 400, fields: { priority: 1, confidence: 0 } });
  const fused = fuseRrf(scored([weak, 5]), [{ memory: strong, similarity: 0.3 }], NOW);
  assert.deepEqual(order(fused), ["strong", "weak"]);
  assert.ok(scoreOf(fused, "weak") >= 0.7 * scoreOf(fused, "strong"));
});

Deno.test("fuseBlend: w * cosine + (1 - w) * keyword / max(1, best keyword), decayed by age per tier", () => {
  const a = memory("a"); // keyword only, cosine from the stored vector
  const b = memory("b"); // in both lists: the vector search's similarity wins
  const c = memory("c", { ageDays: 30 }); // vector only, one mid-tier half-life old
  const long = memory("long", { fields: { content: "x".repeat(2750) } }); // w = 0.5 - 0.35 * 2250 / 4500
  const fused = fuseBlend(
    scored([a, 4], [b, 2], [long, 1]),
    [{ memory: b, similarity: 0.8 }, { memory: c, similarity: 0.6 }],
    { cosines: new Map([["a", 0.5], ["b", 0.1], ["long", 0.4]]), now: NOW },
  );
  assert.deepEqual(order(fused), ["a", "b", "long", "c"]);
  const expected = {
    a: 0.5 * 0.5 + 0.5 * (4 / 4),
    b: 0.5 * 0.8 + 0.5 * (2 / 4),
    c: (0.5 * 0.6 + 0.5 * 0) * 0.5,
    long: 0.325 * 0.4 + 0.675 * (1 / 4),
  };
  for (const [id, score] of Object.entries(expected)) {
    assert.ok(Math.abs(scoreOf(fused, id) - score) < 1e-9, `${id}: ${scoreOf(fused, id)} != ${score}`);
  }
});

Deno.test("fuseBlend: keyword scores below 1 are not stretched to 1, and a missing cosine counts 0", () => {
  const only = memory("only");
  const fused = fuseBlend(scored([only, 0.4]), [], { cosines: new Map(), now: NOW });
  assert.ok(Math.abs(scoreOf(fused, "only") - 0.5 * 0.4) < 1e-12);
});

Deno.test("rerankHead: 0.6 * score / best + 0.4 * cross-encoder score reorders the head only", () => {
  const [a, b, c, d] = ["a", "b", "c", "d"].map((id) => memory(id));
  const out = rerankHead(scored([a!, 1], [b!, 0.8], [c!, 0.6], [d!, 0.4]), [0.1, 0.9]);
  assert.deepEqual(order(out), ["b", "a", "c", "d"]);
  assert.ok(Math.abs(scoreOf(out, "b") - (0.6 * 0.8 + 0.4 * 0.9)) < 1e-12);
  assert.ok(Math.abs(scoreOf(out, "a") - (0.6 * 1 + 0.4 * 0.1)) < 1e-12);
});

Deno.test("rerankHead keeps the whole tail below the head, in its order, even when its raw scores are higher", () => {
  const [a, b, c, d] = ["a", "b", "c", "d"].map((id) => memory(id));
  // The cross-encoder scores 0 for both head entries: the head falls to 0.6 and 0.48, under c's 0.7.
  const out = rerankHead(scored([a!, 1], [b!, 0.8], [c!, 0.7], [d!, 0.2]), [0, 0]);
  assert.deepEqual(order(out), ["a", "b", "c", "d"]);
  const lowestHead = Math.min(scoreOf(out, "a"), scoreOf(out, "b"));
  assert.ok(scoreOf(out, "c") < lowestHead && scoreOf(out, "d") < scoreOf(out, "c"), JSON.stringify(out));
  for (let i = 1; i < out.length; i++) assert.ok(out[i - 1]!.score >= out[i]!.score, "scores descend");
});
