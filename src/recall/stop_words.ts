// Stop words for OR-semantics recall: function words ("the", "what", "did") match most memories and
// carry no meaning, so they are left out of the query. The list is Snowball's English one, as
// packaged by @orama/stopwords (it suits the Porter stemmer of the index).
import { stopwords } from "@orama/stopwords/english";

// Snowball's list starts its articles with "a"; the package's copy leaves it out.
const ENGLISH: ReadonlySet<string> = new Set([...stopwords.map((w) => w.toLowerCase()), "a"]);

/** True when `term` (lower-cased) is an English stop word. */
export function isStopWord(term: string): boolean {
  return ENGLISH.has(term);
}

/**
 * The terms that are not stop words, in order; all of `terms` when every one is a stop word, so a
 * query made only of function words still finds what contains them.
 */
export function withoutStopWords(terms: readonly string[]): string[] {
  const kept = terms.filter((t) => !isStopWord(t));
  return kept.length > 0 ? kept : [...terms];
}
