// Turns free user text into plain search terms: runs of letters, digits and marks, the same
// boundaries as FTS5's unicode61 tokenizer, so no quote, star, NEAR or bracket is ever syntax.

const TERM_REGEXP = /[\p{L}\p{N}\p{M}]+/gu;
const MAX_TERMS = 64;

/** Distinct lower-cased terms of `text`, in order of first appearance, at most 64. */
export function queryTerms(text: string): string[] {
  const seen = new Set<string>();
  for (const match of text.normalize("NFC").matchAll(TERM_REGEXP)) {
    seen.add(match[0].toLowerCase());
    if (seen.size >= MAX_TERMS) break;
  }
  return [...seen];
}
