// The terms of the SQLite FTS index as its tokenizer ('porter unicode61 remove_diacritics 2') makes
// them: case and accents folded, then Martin Porter's stemmer, so vocabulary look-ups find them.
import { stemmer } from "stemmer";

/**
 * The index term for one plain query term, e.g. "Painting" -> "paint", "café" -> "cafe".
 * The `stemmer` package implements the same algorithm as FTS5's porter tokenizer; a word the two
 * would stem differently only makes a vocabulary look-up miss, never a wrong match.
 */
export function indexTerm(term: string): string {
  return stemmer(term.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase());
}
