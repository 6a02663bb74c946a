// Over-deep JSON for input-limit tests: an object nested to a given depth, so a test can show
// where the accepted nesting ends.

/** `{ n: { n: ... { leaf: true } } }` with `depth` objects in all (depth 1 is `{ leaf: true }`). */
export function nested(depth: number): Record<string, unknown> {
  let v: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < depth; i++) v = { n: v };
  return v;
}
