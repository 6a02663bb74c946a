import assert from "node:assert/strict";
import { openBruteForceIndex } from "./brute_force.ts";
import { openHnswIndex } from "./hnsw_wasm.ts";

const v = (...xs: number[]) => new Float32Array(xs);

/** Seeded clustered unit-ish vectors: 40 centres plus gaussian noise (mulberry32 + Box-Muller). */
function clustered(count: number, dimensions: number, seed: number): Float32Array[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: 40 }, () => Float32Array.from({ length: dimensions }, gaussian));
  return Array.from({ length: count }, () => {
    const centre = centres[Math.floor(random() * centres.length)]!;
    return centre.map((x) => x + gaussian());
  });
}

Deno.test("hnsw search returns the nearest labels first, with cosine similarity", async () => {
  const index = await openHnswIndex({ dimensions: 3 });
  index.upsert(1, v(1, 0, 0));
  index.upsert(2, v(0, 1, 0));
  index.upsert(3, v(2, 2, 0)); // not unit length: compared by direction
  const hits = index.search(v(1, 0.1, 0), 3);
  assert.deepEqual(hits.map((h) => h.label), [1, 3, 2]);
  assert.ok(Math.abs(hits[1]!.similarity - 1.1 / Math.SQRT2 / Math.hypot(1, 0.1)) < 1e-6);
  assert.deepEqual(index.search(v(1, 0, 0), 0), []);
  assert.equal(index.search(v(1, 0, 0), 50).length, 3);
});

Deno.test("hnsw remove hides a label from search, has and size", async () => {
  const index = await openHnswIndex({ dimensions: 2 });
  index.upsert(1, v(1, 0));
  index.upsert(2, v(0, 1));
  index.remove(1);
  index.remove(1); // twice, and an absent label: no-ops
  index.remove(42);
  assert.equal(index.has(1), false);
  assert.equal(index.size, 1);
  assert.deepEqual(index.search(v(1, 0), 5).map((h) => h.label), [2]);
  index.remove(2);
  assert.deepEqual(index.search(v(1, 0), 5), []);
});

Deno.test("hnsw upsert replaces a live or removed label's vector", async () => {
  const index = await openHnswIndex({ dimensions: 2 });
  index.upsert(7, v(1, 0));
  index.upsert(8, v(0.6, 0.8));
  index.upsert(7, v(0, 1));
  assert.equal(index.size, 2);
  assert.deepEqual(index.search(v(0, 1), 2).map((h) => h.label), [7, 8]);
  index.remove(7);
  index.upsert(7, v(-1, 0));
  assert.equal(index.size, 2);
  assert.deepEqual(index.search(v(-1, 0), 1).map((h) => h.label), [7]);
});

Deno.test("hnsw reuses removed slots for new labels and can still bring every old label back", async () => {
  const index = await openHnswIndex({ dimensions: 2, capacity: 3 });
  const at = (degrees: number) => v(Math.cos(degrees * Math.PI / 180), Math.sin(degrees * Math.PI / 180));
  index.upsert(1, at(0));
  index.upsert(2, at(90));
  index.upsert(3, at(180));
  index.remove(1);
  index.remove(2);
  index.upsert(4, at(270)); // takes the slot of label 1 or 2 (hnswlib picks)
  index.upsert(1, at(45)); // one of these revives its slot, the other lost it and gets a new one
  index.upsert(2, at(135));
  assert.equal(index.size, 4);
  const all = index.search(at(45), 10).map((h) => h.label);
  assert.deepEqual(all.toSorted(), [1, 2, 3, 4]); // no label twice
  for (const [label, degrees] of [[1, 45], [2, 135], [3, 180], [4, 270]] as const) {
    assert.equal(index.search(at(degrees), 1)[0]!.label, label);
  }
});

Deno.test("hnsw grows past its initial capacity", async () => {
  const index = await openHnswIndex({ dimensions: 8, capacity: 4 });
  const vectors = clustered(300, 8, 3);
  vectors.forEach((vector, label) => index.upsert(label, vector));
  assert.equal(index.size, 300);
  for (const label of [0, 5, 150, 299]) {
    assert.equal(index.search(vectors[label]!, 1)[0]!.label, label);
  }
});

Deno.test("hnsw serialize then open with the bytes gives identical results", async () => {
  const index = await openHnswIndex({ dimensions: 16, capacity: 50, m: 8, efConstruction: 50 });
  const vectors = clustered(200, 16, 5);
  vectors.forEach((vector, label) => index.upsert(label * 2, vector));
  for (const label of [0, 10, 20]) index.remove(label);
  const bytes = await index.serialize();
  const copy = await openHnswIndex({ dimensions: 16, bytes });
  assert.equal(copy.size, 197);
  assert.equal(copy.has(10), false);
  assert.equal(copy.has(12), true);
  for (const query of clustered(20, 16, 6)) {
    assert.deepEqual(copy.search(query, 10), index.search(query, 10));
  }
  copy.upsert(10, vectors[5]!); // a removed label comes back after the reload
  copy.upsert(100_000, vectors[7]!); // and the reopened index keeps growing
  assert.equal(copy.size, 199);
  assert.equal(copy.search(vectors[7]!, 2).some((h) => h.label === 100_000), true);
  const framed = new Uint8Array(bytes.byteLength + 11); // e.g. behind a caller's file header
  framed.set(bytes, 11);
  assert.equal((await openHnswIndex({ dimensions: 16, bytes: framed.subarray(11) })).size, 197);
  const empty = await openHnswIndex({ dimensions: 16 });
  assert.equal((await openHnswIndex({ dimensions: 16, bytes: await empty.serialize() })).size, 0);
});

Deno.test("hnsw search honours the filter and rethrows the filter's error", async () => {
  const index = await openHnswIndex({ dimensions: 8 });
  const vectors = clustered(200, 8, 7);
  vectors.forEach((vector, label) => index.upsert(label, vector));
  const hits = index.search(vectors[4]!, 10, (label) => label % 2 === 1);
  assert.equal(hits.length, 10);
  assert.ok(hits.every((h) => h.label % 2 === 1));
  assert.throws(() =>
    index.search(vectors[4]!, 10, () => {
      throw new Error("filter broke");
    }), { message: "filter broke" });
  assert.equal(index.search(vectors[4]!, 1)[0]!.label, 4); // still usable afterwards
});

Deno.test("hnsw rejects a wrong dimension with a RangeError naming both", async () => {
  const index = await openHnswIndex({ dimensions: 4 });
  assert.throws(() => index.upsert(1, v(1, 2, 3)), {
    name: "RangeError",
    message: "vector has 3 dimensions, the index expects 4",
  });
  assert.throws(() => index.search(v(1, 2, 3, 4, 5), 1), {
    name: "RangeError",
    message: "vector has 5 dimensions, the index expects 4",
  });
  assert.throws(() => index.upsert(-3, v(1, 2, 3, 4)), { name: "RangeError", message: /label/ });
  index.upsert(1, v(1, 2, 3, 4));
  const bytes = await index.serialize();
  await assert.rejects(() => openHnswIndex({ dimensions: 5, bytes }), {
    name: "RangeError",
    message: "serialized index has 4 dimensions, expected 5",
  });
  await assert.rejects(() => openHnswIndex({ dimensions: 4, bytes: bytes.subarray(0, 40) }), RangeError);
});

Deno.test("hnsw agrees with brute force on 2k clustered vectors (recall@10 >= 0.95)", async () => {
  const dimensions = 32;
  const hnsw = await openHnswIndex({ dimensions, capacity: 256 });
  const exact = openBruteForceIndex({ dimensions });
  clustered(2000, dimensions, 11).forEach((vector, label) => {
    hnsw.upsert(label, vector);
    exact.upsert(label, vector);
  });
  let found = 0;
  const queries = clustered(100, dimensions, 12);
  for (const query of queries) {
    const truth = new Set(exact.search(query, 10).map((h) => h.label));
    found += hnsw.search(query, 10).filter((h) => truth.has(h.label)).length;
  }
  const recall = found / (queries.length * 10);
  assert.ok(recall >= 0.95, `recall@10 ${recall}`);
});

Deno.test("hnsw indexes open and save concurrently, print nothing and leave no global behind", async () => {
  // deno-lint-ignore no-console -- the test watches stdout writes through console.log
  const log = console.log;
  const printed: unknown[][] = [];
  const spy = (...args: unknown[]) => void printed.push(args);
  // deno-lint-ignore no-console -- see above
  console.log = spy;
  try {
    const indexes = await Promise.all([1, 2, 3].map(() => openHnswIndex({ dimensions: 2 })));
    indexes.forEach((index, i) => index.upsert(i, v(1, i)));
    const saved = await Promise.all(indexes.flatMap((index) => [index.serialize(), index.serialize()]));
    const reopened = await Promise.all(saved.map((bytes) => openHnswIndex({ dimensions: 2, bytes })));
    assert.deepEqual(reopened.map((index) => index.has(0)), [true, true, false, false, false, false]);
    // deno-lint-ignore no-console -- see above
    assert.equal(console.log, spy);
  } finally {
    // deno-lint-ignore no-console -- restoring the original
    console.log = log;
  }
  assert.deepEqual(printed, []);
  assert.equal("window" in globalThis, false);
  assert.equal("indexedDB" in globalThis, false);
});
