import assert from "node:assert/strict";
import { z } from "zod";
import { coerceTextInput, fieldKind } from "./coerce.ts";

const schema = z.object({
  n: z.number().int().default(3),
  b: z.boolean().optional(),
  tags: z.union([z.string(), z.array(z.string())]).optional(),
  list: z.array(z.string()).optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
  s: z.string().nullable().optional(),
});

Deno.test("fieldKind() looks through optional, default, nullable and unions", () => {
  assert.equal(fieldKind(schema.shape.n), "number");
  assert.equal(fieldKind(schema.shape.b), "boolean");
  assert.equal(fieldKind(schema.shape.tags), "array");
  assert.equal(fieldKind(schema.shape.list), "array");
  assert.equal(fieldKind(schema.shape.meta), "object");
  assert.equal(fieldKind(schema.shape.s), "string");
});

Deno.test("coerceTextInput() converts text to the schema's types and leaves bad text for zod to name", () => {
  assert.deepEqual(
    coerceTextInput(schema, { n: "7", b: "false", tags: "a, b,,c", meta: '{"k":1}', s: "x", extra: "y" }),
    { n: 7, b: false, tags: ["a", "b", "c"], meta: { k: 1 }, s: "x", extra: "y" },
  );
  assert.deepEqual(coerceTextInput(schema, { n: "high", meta: "{oops" }), { n: "high", meta: "{oops" });
  assert.deepEqual(coerceTextInput(schema, { list: ["a,b", "c"], n: ["1", "2"] }), {
    list: ["a", "b", "c"],
    n: 2,
  });
  const parsed = schema.safeParse(coerceTextInput(schema, { n: "high" }));
  assert.equal(parsed.success, false);
});
