// Who may read what: scopes are relative to namespaces. A reader stands at a namespace position;
// a memory's scope decides how far from its own namespace it can be seen (reference §6.3).
import { grantCovers } from "./grant.ts";
import type { Memory } from "./memory.ts";

/**
 * A reader: a namespace position (scopes apply), the agent id whose own memories it always sees,
 * and the namespace patterns its credentials may read (an API key's grant: a hard limit that even
 * its own memories do not pass). Without a position only the patterns apply.
 */
export interface Reader {
  position?: string | undefined;
  agentId?: string | undefined;
  namespaces?: readonly string[] | undefined;
}

/** The namespace and its ancestors, nearest first: `a/b/c` -> [`a/b/c`, `a/b`, `a`]. */
export function ancestorsOrSelf(namespace: string): string[] {
  const parts = namespace.split("/");
  return parts.map((_, i) => parts.slice(0, parts.length - i).join("/"));
}

/** The parent namespace; a top-level namespace is its own parent (the root of its tree). */
export function parentNamespace(namespace: string): string {
  const cut = namespace.lastIndexOf("/");
  return cut < 0 ? namespace : namespace.slice(0, cut);
}

const SCOPE_LEVELS: Record<string, number> = { team: 1, unit: 2, org: 3 };

/**
 * The subtree a team/unit/org memory is visible in; null for private and collective.
 * Mirrors the `scope_root` column of the SQLite schema.
 */
export function scopeRoot(namespace: string, scope: Memory["scope"]): string | null {
  const levels = SCOPE_LEVELS[scope];
  if (levels === undefined) return null;
  let root = namespace;
  for (let i = 0; i < levels; i++) root = parentNamespace(root);
  return root;
}

/** True when `reader` may see `memory`. */
export function isVisible(memory: Pick<Memory, "namespace" | "scope" | "agent_id">, reader: Reader): boolean {
  if (reader.namespaces !== undefined && !grantCovers(reader.namespaces, memory.namespace)) return false;
  if (reader.position === undefined) return true;
  if (reader.agentId !== undefined && memory.agent_id === reader.agentId) return true;
  if (memory.scope === "collective") return true;
  if (memory.scope === "private") return memory.namespace === reader.position;
  const root = scopeRoot(memory.namespace, memory.scope)!;
  return reader.position === root || reader.position.startsWith(root + "/");
}
