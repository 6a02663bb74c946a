// Word-set similarity for the curator's near-duplicate proposals: the reference's Jaccard of the
// content's words of three letters or more (no model needed, cheap enough for every neighbour).

/** The distinct lower-case words of at least three letters in `text`. */
export function wordSet(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? []);
}

/** |a ∩ b| / |a ∪ b|; 0 for two empty sets. */
export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  return shared / (a.size + b.size - shared);
}
