// The chain of namespace standards that applies in a namespace: the global `*`, the explicit
// parents above the namespace's root, then its `/` ancestors top-down, then itself (reference §6.9).
import type { Memory } from "../core/memory.ts";
import { ancestorsOrSelf, isVisible, type Reader } from "../core/visibility.ts";
import type { MemoryStore } from "../store/store.ts";

/** The global standard's namespace key. */
export const GLOBAL_STANDARD = "*";
const MAX_EXPLICIT_PARENTS = 8;

/** Namespaces whose standards apply in `namespace`, outermost first. */
export async function standardNamespaces(store: MemoryStore, namespace: string): Promise<string[]> {
  const ancestors = ancestorsOrSelf(namespace).reverse();
  const explicit: string[] = [];
  const seen = new Set<string>([GLOBAL_STANDARD, ...ancestors]);
  let current = ancestors[0]!;
  for (let i = 0; i < MAX_EXPLICIT_PARENTS; i++) {
    const parent = (await store.namespaces.meta(current))?.parent_namespace;
    if (!parent || seen.has(parent)) break;
    seen.add(parent);
    explicit.unshift(parent);
    current = parent;
  }
  return [GLOBAL_STANDARD, ...explicit, ...ancestors];
}

/** A standard in force: its namespace and memory. */
export interface StandardEntry {
  namespace: string;
  memory: Memory;
}

/**
 * The live standards that apply in `namespace` (only the global one when absent), outermost first;
 * with a reader, only those it may see.
 */
export async function standardsChain(
  store: MemoryStore,
  namespace?: string,
  reader?: Reader,
): Promise<StandardEntry[]> {
  const namespaces = namespace === undefined || namespace === GLOBAL_STANDARD
    ? [GLOBAL_STANDARD]
    : await standardNamespaces(store, namespace);
  const chain: StandardEntry[] = [];
  for (const ns of namespaces) {
    const id = (await store.namespaces.meta(ns))?.standard_id;
    if (!id) continue;
    const memory = await store.get(id);
    if (!reader || isVisible(memory, reader)) chain.push({ namespace: ns, memory });
  }
  return chain;
}
