// The operations of the catalog for in-process tests: one looked up by name, failing the test
// when the catalog has no such operation.
import assert from "node:assert/strict";
import { CATALOG } from "../../src/ops/catalog.ts";

/** The catalog's operation called `name`; fails the test if there is none. */
export function catalogOp(name: string): (typeof CATALOG)[number] {
  const found = CATALOG.find((o) => o.name === name);
  assert.ok(found, `operation ${name} is in the catalog`);
  return found;
}
