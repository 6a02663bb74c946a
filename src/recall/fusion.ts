// Hybrid recall: merging the keyword ranking with the vector ranking. Reciprocal rank fusion uses
// ranks only; the blend is the reference's weighted sum of normalised BM25 and cosine with decay.
import type { Memory } from "../core/memory.ts";
import type { Scored } from "./keyword_rank.ts";
import { memorySignal } from "./keyword_rank.ts";

/** A memory found by vector search, with its cosine similarity to the query. */
export interface VectorScored {
  memory: Memory;
  similarity: number;
}

/** The RRF constant: 60, as in Cormack et al. and most hybrid search engines. */
const RRF_K = 60;
const DAY_MS = 86_400_000;
const HALF_LIFE_DAYS = { short: 7, mid: 30, long: 365 } as const;

/**
 * Reciprocal rank fusion: each list adds 1/(60 + rank); the memory's own signals nudge the sum by
 * at most 30 %, as in keyword ranking. Both lists are best first.
 */
export function fuseRrf(keyword: Scored[], vector: VectorScored[], now: Date): Scored[] {
  const byId = new Map<string, { memory: Memory; score: number }>();
  const add = (memory: Memory, rank: number) => {
    const entry = byId.get(memory.id) ?? { memory, score: 0 };
    entry.score += 1 / (RRF_K + rank + 1);
    byId.set(memory.id, entry);
  };
  keyword.forEach((s, rank) => add(s.memory, rank));
  vector.forEach((v, rank) => add(v.memory, rank));
  return [...byId.values()]
    .map(({ memory, score }) => ({ memory, score: score * (0.7 + 0.3 * memorySignal(memory, now)) }))
    .sort((a, b) => b.score - a.score);
}

/** The reference's semantic weight: 0.5 for short texts, down to 0.15 from 5000 bytes. */
function semanticWeight(memory: Memory): number {
  const bytes = new TextEncoder().encode(memory.content).length;
  if (bytes <= 500) return 0.5;
  if (bytes >= 5000) return 0.15;
  return 0.5 - 0.35 * (bytes - 500) / 4500;
}

/**
 * The reference's blend: w*cosine + (1-w)*keyword/max(1, best keyword), times an exponential decay
 * by age with a half-life per tier. `cosines` holds the stored vectors' similarity for keyword hits.
 */
export function fuseBlend(
  keyword: Scored[],
  vector: VectorScored[],
  options: { cosines: Map<string, number>; now: Date },
): Scored[] {
  const maxKeyword = Math.max(1, ...keyword.map((s) => s.score));
  const byId = new Map<string, { memory: Memory; keyword: number; cosine: number }>();
  for (const s of keyword) {
    byId.set(s.memory.id, {
      memory: s.memory,
      keyword: s.score / maxKeyword,
      cosine: options.cosines.get(s.memory.id) ?? 0,
    });
  }
  for (const v of vector) {
    const entry = byId.get(v.memory.id);
    if (entry) entry.cosine = v.similarity;
    else byId.set(v.memory.id, { memory: v.memory, keyword: 0, cosine: v.similarity });
  }
  return [...byId.values()].map(({ memory, keyword: k, cosine }) => {
    const w = semanticWeight(memory);
    const ageDays = Math.max(0, (options.now.getTime() - Date.parse(memory.created_at)) / DAY_MS);
    const decay = Math.exp(-Math.LN2 * ageDays / HALF_LIFE_DAYS[memory.tier]);
    return { memory, score: (w * cosine + (1 - w) * k) * decay };
  }).sort((a, b) => b.score - a.score);
}

/**
 * Cross-encoder rerank of the head of a ranking: 0.6 * score/best + 0.4 * cross-encoder score,
 * as the reference weighs them; the tail keeps its order below the reranked head.
 */
export function rerankHead(ranked: Scored[], crossScores: number[]): Scored[] {
  const head = ranked.slice(0, crossScores.length);
  const best = Math.max(...head.map((s) => s.score), Number.MIN_VALUE);
  const reranked = head
    .map((s, i) => ({ memory: s.memory, score: 0.6 * s.score / best + 0.4 * crossScores[i]! }))
    .sort((a, b) => b.score - a.score);
  // The tail stays below the head: scale it under the lowest reranked score.
  const floor = Math.min(...reranked.map((s) => s.score));
  const tail = ranked.slice(crossScores.length);
  const tailBest = Math.max(...tail.map((s) => s.score), Number.MIN_VALUE);
  return [...reranked, ...tail.map((s) => ({ memory: s.memory, score: floor * 0.99 * s.score / tailBest }))];
}
