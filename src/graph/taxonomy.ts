// The namespace tree with counts, built from per-namespace counts: every ancestor appears, with its
// own count and the count of its whole subtree.

/** One namespace of the tree. */
export interface TaxonomyNode {
  namespace: string;
  depth: number;
  count: number;
  subtree_count: number;
}

/**
 * Tree nodes under `prefix` (all when absent) down to `depth` levels below it, in tree order,
 * at most `limit` of them.
 */
export function buildTaxonomy(
  counts: Map<string, number>,
  options: { prefix?: string | undefined; depth: number; limit: number },
): { nodes: TaxonomyNode[]; total: number; truncated: boolean } {
  const base = options.prefix ? options.prefix.split("/").length : 0;
  const nodes = new Map<string, TaxonomyNode>();
  let total = 0;
  for (const [namespace, count] of counts) {
    total += count;
    const parts = namespace.split("/");
    for (let d = Math.max(base, 1); d <= parts.length; d++) {
      const ns = parts.slice(0, d).join("/");
      const node = nodes.get(ns) ?? { namespace: ns, depth: d, count: 0, subtree_count: 0 };
      node.subtree_count += count;
      if (d === parts.length) node.count += count;
      nodes.set(ns, node);
    }
  }
  const shown = [...nodes.values()]
    .filter((n) => n.depth - base <= options.depth)
    .sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
  return { nodes: shown.slice(0, options.limit), total, truncated: shown.length > options.limit };
}
