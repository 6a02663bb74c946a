// Comparing what a read returned by id, without regard to order: the ids of rows, and the
// assertion that two lists hold the same ids.
import assert from "node:assert/strict";

/** The ids of `rows`, in their order. */
export function ids(rows: { id: string }[]): string[] {
  return rows.map((r) => r.id);
}

/** `actual` and `expected` hold the same strings, each as often, in any order; `what` names the check. */
export function sameSet(actual: string[], expected: string[], options: { what?: string } = {}): void {
  assert.deepEqual([...actual].sort(), [...expected].sort(), options.what);
}
