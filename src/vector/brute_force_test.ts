import assert from "node:assert/strict";
import { normalised, openBruteForceIndex } from "./brute_force.ts";

const v = (...xs: number[]) => new Float32Array(xs);
const near = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-6, `${actual} is not ${expected}`);

Deno.test("brute force returns the most similar labels first, with their cosine similarity", () => {
  const index = openBruteForceIndex({ dimensions: 3 });
  index.upsert(1, v(1, 0, 0));
  index.upsert(2, v(0, 1, 0));
  index.upsert(3, v(2, 2, 0)); // not unit length: compared by direction
  const hits = index.search(v(1, 0.1, 0), 3);
  assert.deepEqual(hits.map((h) => h.label), [1, 3, 2]);
  near(hits[1]!.similarity, 1.1 / Math.SQRT2 / Math.hypot(1, 0.1));
  assert.equal(index.size, 3);
});

Deno.test("brute force keeps the right vectors after removals reorder its rows", () => {
  const index = openBruteForceIndex({ dimensions: 2, capacity: 1 });
  for (let i = 0; i < 50; i++) index.upsert(i, v(Math.cos(i / 10), Math.sin(i / 10)));
  for (let i = 0; i < 50; i += 3) index.remove(i);
  index.remove(999); // absent: a no-op
  assert.equal(index.size, 33);
  assert.equal(index.has(3), false);
  for (const i of [1, 2, 4, 47, 49]) {
    assert.equal(index.search(v(Math.cos(i / 10), Math.sin(i / 10)), 1)[0]!.label, i);
  }
});

Deno.test("brute force upsert replaces a label's vector", () => {
  const index = openBruteForceIndex({ dimensions: 2 });
  index.upsert(7, v(1, 0));
  index.upsert(8, v(0.7, 0.7));
  index.upsert(7, v(0, 1));
  assert.equal(index.size, 2);
  assert.equal(index.search(v(0, 1), 1)[0]!.label, 7);
  assert.equal(index.search(v(1, 0), 1)[0]!.label, 8);
});

Deno.test("brute force search honours the filter and orders ties by label", () => {
  const index = openBruteForceIndex({ dimensions: 2 });
  for (const label of [5, 3, 9, 1]) index.upsert(label, v(1, 1));
  assert.deepEqual(index.search(v(1, 1), 10).map((h) => h.label), [1, 3, 5, 9]);
  assert.deepEqual(index.search(v(1, 1), 10, (l) => l > 3).map((h) => h.label), [5, 9]);
  assert.deepEqual(index.search(v(1, 1), 0), []);
});

Deno.test("brute force serialize then open gives the same index", async () => {
  const index = openBruteForceIndex({ dimensions: 4 });
  for (let i = 0; i < 20; i++) index.upsert(i * 3, v(i, 1, -i, 2));
  index.remove(9);
  const bytes = await index.serialize();
  const copy = openBruteForceIndex({ dimensions: 4, bytes });
  assert.equal(copy.size, 19);
  assert.equal(copy.has(9), false);
  assert.deepEqual(copy.search(v(3, 1, -2, 2), 5), index.search(v(3, 1, -2, 2), 5));
  copy.upsert(1000, v(0, 0, 0, 1));
  assert.ok(copy.has(1000));
});

Deno.test("brute force rejects a wrong dimension, label or blob with a RangeError", async () => {
  const index = openBruteForceIndex({ dimensions: 3 });
  assert.throws(() => index.upsert(1, v(1, 2)), {
    name: "RangeError",
    message: "vector has 2 dimensions, the index expects 3",
  });
  assert.throws(() => index.search(v(1, 2, 3, 4), 1), {
    name: "RangeError",
    message: "vector has 4 dimensions, the index expects 3",
  });
  assert.throws(() => index.upsert(-1, v(1, 2, 3)), { name: "RangeError", message: /label/ });
  assert.throws(() => index.upsert(1.5, v(1, 2, 3)), { name: "RangeError", message: /label/ });
  assert.throws(() => index.upsert(1, v(1, NaN, 3)), { name: "RangeError", message: /not a finite number/ });
  index.upsert(1, v(1, 2, 3));
  const bytes = await index.serialize();
  assert.throws(() => openBruteForceIndex({ dimensions: 4, bytes }), {
    name: "RangeError",
    message: "serialized index has 3 dimensions, expected 4",
  });
  assert.throws(() => openBruteForceIndex({ dimensions: 3, bytes: bytes.subarray(1) }), RangeError);
});

Deno.test("normalised scales to unit length and leaves a zero vector alone", () => {
  const unit = normalised(v(3, 4));
  near(unit[0]!, 0.6);
  near(unit[1]!, 0.8);
  assert.deepEqual(normalised(v(0, 0)), v(0, 0));
});
