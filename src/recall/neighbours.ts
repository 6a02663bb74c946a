// Context from neighbouring memories: what was stored just before and after a memory in its
// namespace raises its relevance, so a reply is found through the question it answers.
import type { KeywordHit } from "../store/store.ts";

/** How many memories on each side of a match count as its context. */
export const CONTEXT_SPAN = 2;
/** The share of each neighbour's relevance that a memory receives (0.3-0.45 measure alike on the
 * dev split; see bench/QUALITY.md). */
export const CONTEXT_WEIGHT = 0.4;

const WORD_REGEXP = /[\p{L}\p{N}\p{M}]+/gu;
const ASCII_REGEXP = /^\p{ASCII}*$/u;

function fold(text: string): string {
  const lower = text.toLowerCase();
  return ASCII_REGEXP.test(lower) ? lower : lower.normalize("NFKD").replace(/\p{M}/gu, "");
}

/** A memory's relevance plus a share of its neighbours' (flat over the span: in a dialogue the
 * same speaker's previous turn is two places back). */
export function relevanceInContext(hit: KeywordHit): number {
  const around = [...(hit.before ?? []), ...(hit.after ?? [])];
  return hit.relevance + CONTEXT_WEIGHT * around.reduce((sum, r) => sum + r, 0);
}

/** A test for whether text contains one of `terms` as a whole word, case and accents folded. */
export function anyTermMatcher(terms: readonly string[]): (text: string) => boolean {
  const wanted = new Set(terms.map(fold));
  return (text) => {
    const lower = text.toLowerCase();
    // Most texts are ASCII and contain no term at all: a substring search rejects them cheaply.
    if (ASCII_REGEXP.test(lower) && ![...wanted].some((w) => lower.includes(w))) return false;
    for (const match of lower.matchAll(WORD_REGEXP)) {
      if (wanted.has(fold(match[0]))) return true;
    }
    return false;
  };
}

/**
 * The best `keep` hits by relevance in context, best first. A memory that came only as context
 * (relevance 0: none of the weighted terms) stays only when it contains a query term, such as a
 * name so common that it was left out of the index query: recall never returns a memory that
 * shares no word with the query. That check reads text, so it runs only on what could be kept.
 */
export function foldContext(
  hits: readonly KeywordHit[],
  terms: readonly string[],
  options: { keep: number },
): KeywordHit[] {
  const ranked = hits.map((hit) => ({ hit, relevance: relevanceInContext(hit) }))
    .filter((r) => r.relevance > 0)
    .sort((a, b) => b.relevance - a.relevance);
  const containsTerm = anyTermMatcher(terms);
  const kept: KeywordHit[] = [];
  for (const { hit, relevance } of ranked) {
    if (kept.length >= options.keep) break;
    const { title, content, tags } = hit.memory;
    if (hit.relevance > 0 || containsTerm([title, content, ...tags].join(" "))) {
      kept.push({ memory: hit.memory, relevance });
    }
  }
  return kept;
}
