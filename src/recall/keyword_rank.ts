// Keyword-tier ranking: BM25 relevance decides, and the memory's own signals (priority,
// confidence, tier, recency, use) nudge it by at most 30 %, so they never drown relevance.
import { type Memory, tierRank } from "../core/memory.ts";
import type { KeywordHit } from "../store/store.ts";

const SIGNAL_SHARE = 0.3;
const DAY_MS = 86_400_000;

/** A memory's standing from 0 to 1, independent of the query. */
export function memorySignal(memory: Memory, now: Date): number {
  const ageDays = Math.max(0, (now.getTime() - Date.parse(memory.updated_at)) / DAY_MS);
  const recency = 1 / (1 + 0.1 * ageDays);
  const access = Math.min(memory.access_count, 50) / 50;
  const signal = 0.35 * (memory.priority - 1) / 9 +
    0.2 * memory.confidence +
    0.15 * tierRank(memory.tier) / 2 +
    0.2 * recency +
    0.1 * access;
  return Math.min(1, signal);
}

/** A scored memory. */
export interface Scored {
  memory: Memory;
  score: number;
}

/** Rank keyword hits by relevance scaled by the memory's signal, best first. */
export function rankKeywordHits(hits: KeywordHit[], now: Date): Scored[] {
  return hits
    .map((h) => ({
      memory: h.memory,
      score: h.relevance * (1 - SIGNAL_SHARE + SIGNAL_SHARE * memorySignal(h.memory, now)),
    }))
    .sort((a, b) => b.score - a.score);
}

/** Rough token count of a memory, as the reference estimates it: characters / 4. */
export function estimateTokens(memory: Memory): number {
  return Math.ceil((memory.title.length + memory.content.length) / 4);
}
