// What an API key may touch: namespace patterns for reading and for writing. A pattern is an
// exact namespace (`proj-1`), a subtree (`proj-1/*`: proj-1 itself and everything below it) or `*`.
import { invalidInput } from "./errors.ts";
import { namespaceProblem } from "./fields.ts";

/** The namespaces a caller may read and write; `*` in a list means every namespace. */
export interface Grant {
  read: string[];
  write: string[];
}

/** True when `pattern` covers `namespace` (exact, `a/*` subtree including `a`, or `*`). */
export function patternCovers(pattern: string, namespace: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith("/*")) {
    const root = pattern.slice(0, -2);
    return namespace === root || namespace.startsWith(root + "/");
  }
  return namespace === pattern;
}

/** True when any of `patterns` covers `namespace`. */
export function grantCovers(patterns: readonly string[], namespace: string): boolean {
  return patterns.some((p) => patternCovers(p, namespace));
}

/** True when the patterns cover every namespace. */
export function coversAll(patterns: readonly string[]): boolean {
  return patterns.includes("*");
}

/** True when the grant reads and writes everything (an operator key). */
export function isFullGrant(grant: Grant): boolean {
  return coversAll(grant.read) && coversAll(grant.write);
}

/** Patterns split for SQL: exact namespaces and subtree roots (null when `*` covers all). */
export function patternParts(patterns: readonly string[]): { exact: string[]; subtrees: string[] } | null {
  if (coversAll(patterns)) return null;
  const exact: string[] = [];
  const subtrees: string[] = [];
  for (const p of patterns) (p.endsWith("/*") ? subtrees : exact).push(p.endsWith("/*") ? p.slice(0, -2) : p);
  return { exact, subtrees };
}

const MAX_PATTERNS = 64;

/**
 * Parse a comma-separated pattern list (or an array) for `field`.
 * @throws {MemoryError} invalid_input naming the field and the pattern
 */
export function parsePatterns(value: string | readonly string[], field: string): string[] {
  const list = (typeof value === "string" ? value.split(",") : [...value]).map((p) => p.trim())
    .filter((p) => p !== "");
  if (list.length > MAX_PATTERNS) {
    throw invalidInput([{ field, message: `must have at most ${MAX_PATTERNS} patterns` }]);
  }
  for (const pattern of list) {
    if (pattern === "*") continue;
    const namespace = pattern.endsWith("/*") ? pattern.slice(0, -2) : pattern;
    const problem = namespaceProblem(namespace);
    if (problem || namespace.includes("*")) {
      throw invalidInput([{
        field,
        message: `"${pattern}" is not a namespace pattern (a namespace, namespace/* or *)` +
          (problem ? `: ${problem}` : ""),
      }]);
    }
  }
  return [...new Set(list)];
}
