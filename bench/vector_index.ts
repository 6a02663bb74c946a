// deno-lint-ignore-file no-console -- printing the results is this program's job
// Vector index benchmark: builds the hnswlib-wasm index on clustered unit vectors, then measures
// query latency, recall@k against the exact index (plain and filtered), serialize and reopen
// ("start-up") time and peak RSS; writes bench/results/vector_index-*.json.
import { writeResultFiles } from "./_results.ts";
import { parseArgs } from "node:util";
import { openBruteForceIndex } from "../src/vector/brute_force.ts";
import { openHnswIndex } from "../src/vector/hnsw_wasm.ts";
import type { VectorHit, VectorIndex } from "../src/vector/index.ts";
import { VERSION } from "../src/version.ts";
import { mixSeed, mulberry32, type Rng } from "./_prng.ts";
import { sizeLabel } from "./_bench_report.ts";
import { machineDetails } from "./_machine.ts";
import { type LatencyStats, PeakRss, summarise } from "./_stats.ts";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "100000" },
    dim: { type: "string", default: "384" },
    queries: { type: "string", default: "200" },
    k: { type: "string", default: "10" },
    seed: { type: "string", default: "1" },
    clusters: { type: "string", default: "500" },
    spread: { type: "string", default: "1" },
    m: { type: "string", default: "16" },
    "ef-construction": { type: "string", default: "200" },
    "ef-search": { type: "string", default: "64" },
    capacity: { type: "string" },
    warmup: { type: "string", default: "20" },
    save: { type: "string" },
  },
});
const N = Number(values.n);
const DIM = Number(values.dim);
const QUERIES = Number(values.queries);
const K = Number(values.k);
const SEED = Number(values.seed);
const CLUSTERS = Number(values.clusters);
const SPREAD = Number(values.spread);
const M = Number(values.m);
const EF_CONSTRUCTION = Number(values["ef-construction"]);
const EF_SEARCH = Number(values["ef-search"]);
const CAPACITY = values.capacity === undefined ? N : Number(values.capacity);
const WARMUP = Number(values.warmup);
/** Optional file to write the serialized index to and time reading back (needs read+write on it). */
const SAVE = values.save;
const MIB = 2 ** 20;

function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

function unit(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * scale;
  return v;
}

/**
 * Embedding-like data: random unit centres, each point a centre plus gaussian noise whose expected
 * norm is `spread` (1: a point's cosine to its centre is about 0.7, to a cluster mate about 0.5).
 */
class ClusteredVectors {
  readonly #centres: Float32Array[] = [];
  readonly #rng: Rng;

  constructor(seed: number) {
    this.#rng = mulberry32(seed);
    for (let c = 0; c < CLUSTERS; c++) {
      this.#centres.push(unit(Float32Array.from({ length: DIM }, () => gaussian(this.#rng))));
    }
  }

  next(): Float32Array {
    const centre = this.#centres[Math.floor(this.#rng() * CLUSTERS)]!;
    const sigma = SPREAD / Math.sqrt(DIM);
    return unit(centre.map((x) => x + sigma * gaussian(this.#rng)));
  }
}

function time<T>(work: () => T): [T, number] {
  const start = performance.now();
  const out = work();
  return [out, performance.now() - start];
}

async function timeAsync<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const out = await work();
  return [out, performance.now() - start];
}

interface SearchRun {
  stats: LatencyStats;
  results: VectorHit[][];
}

function runQueries(
  index: VectorIndex,
  queries: Float32Array[],
  filter?: (label: number) => boolean,
): SearchRun {
  for (let i = 0; i < Math.min(WARMUP, queries.length); i++) index.search(queries[i]!, K, filter);
  const samples: number[] = [];
  const results: VectorHit[][] = [];
  for (const q of queries) {
    const [hits, ms] = time(() => index.search(q, K, filter));
    samples.push(ms);
    results.push(hits);
  }
  return { stats: summarise(samples), results };
}

/** Mean share of the exact top-k that the approximate search found. */
function recallAt(found: VectorHit[][], exact: VectorHit[][]): number {
  let sum = 0;
  found.forEach((hits, i) => {
    const truth = new Set(exact[i]!.map((h) => h.label));
    if (truth.size === 0) return void (sum += 1);
    sum += hits.filter((h) => truth.has(h.label)).length / truth.size;
  });
  return sum / found.length;
}

const meanHits = (results: VectorHit[][]) => results.reduce((a, r) => a + r.length, 0) / results.length;

const startedAt = new Date();
const rss = new PeakRss();
const rssBaseline = rss.reset();
const data = new ClusteredVectors(mixSeed(SEED, 1));
const queryData = new ClusteredVectors(mixSeed(SEED, 1)); // same centres
const [vectors, generateMs] = time(() => Array.from({ length: N }, () => data.next()));
// Queries come from the same clusters but are not indexed points.
for (let i = 0; i < N; i++) queryData.next();
const queries = Array.from({ length: QUERIES }, () => queryData.next());
rss.sample();
console.error(`generated ${N} x ${DIM} clustered vectors in ${(generateMs / 1000).toFixed(1)} s`);

const [emptyIndex, moduleMs] = await timeAsync(() => openHnswIndex({ dimensions: DIM, capacity: 1 }));
void emptyIndex;
const hnsw = await openHnswIndex({
  dimensions: DIM,
  capacity: CAPACITY,
  m: M,
  efConstruction: EF_CONSTRUCTION,
  efSearch: EF_SEARCH,
});
const buildStart = performance.now();
let lap = buildStart;
const step = Math.max(1, Math.floor(N / 10));
for (let i = 0; i < N; i++) {
  hnsw.upsert(i, vectors[i]!);
  if ((i + 1) % 1000 === 0) rss.sample();
  if ((i + 1) % step === 0) {
    const now = performance.now();
    console.error(
      `  built ${i + 1}/${N}: ${((now - buildStart) / 1000).toFixed(1)} s, last ${step} at ${
        ((now - lap) / step).toFixed(3)
      } ms/insert`,
    );
    lap = now;
  }
}
const buildSeconds = (performance.now() - buildStart) / 1000;
rss.sample();
const buildPeakRss = rss.peak;

const exact = openBruteForceIndex({ dimensions: DIM, capacity: N });
vectors.forEach((v, i) => exact.upsert(i, v));
rss.sample();

const half = (label: number) => label % 2 === 0;
const rare = (label: number) => label % 100 === 0;
const runs = {
  hnsw: runQueries(hnsw, queries),
  exact: runQueries(exact, queries),
  hnswHalf: runQueries(hnsw, queries, half),
  exactHalf: runQueries(exact, queries, half),
  hnswRare: runQueries(hnsw, queries, rare),
  exactRare: runQueries(exact, queries, rare),
};
rss.sample();

const [bytes, serializeMs] = await timeAsync(() => hnsw.serialize());
rss.sample();
let fileReadMs: number | undefined;
if (SAVE) {
  await Deno.writeFile(SAVE, bytes);
  [, fileReadMs] = await timeAsync(() => Deno.readFile(SAVE));
}
const [reopened, openMs] = await timeAsync(() =>
  openHnswIndex({ dimensions: DIM, bytes, efSearch: EF_SEARCH })
);
rss.sample();
const reopenedRun = runQueries(reopened, queries);
const identical = reopenedRun.results.every((hits, i) =>
  JSON.stringify(hits) === JSON.stringify(runs.hnsw.results[i])
);

const rows: { name: string; run: SearchRun; recall?: number }[] = [
  { name: `hnsw k=${K}`, run: runs.hnsw, recall: recallAt(runs.hnsw.results, runs.exact.results) },
  { name: `exact k=${K}`, run: runs.exact },
  {
    name: "hnsw filter 50%",
    run: runs.hnswHalf,
    recall: recallAt(runs.hnswHalf.results, runs.exactHalf.results),
  },
  { name: "exact filter 50%", run: runs.exactHalf },
  {
    name: "hnsw filter 1%",
    run: runs.hnswRare,
    recall: recallAt(runs.hnswRare.results, runs.exactRare.results),
  },
  { name: "exact filter 1%", run: runs.exactRare },
  {
    name: "hnsw reopened",
    run: reopenedRun,
    recall: recallAt(reopenedRun.results, runs.exact.results),
  },
];

const f3 = (x: number) => x.toFixed(3);
console.log(
  `\n${
    sizeLabel(N)
  } x ${DIM} (${CLUSTERS} clusters, spread ${SPREAD}), M=${M} efConstruction=${EF_CONSTRUCTION} efSearch=${EF_SEARCH}, ${QUERIES} queries\n`,
);
console.log(
  `build ${buildSeconds.toFixed(1)} s (${(buildSeconds * 1000 / N).toFixed(3)} ms/insert), ` +
    `peak RSS ${(buildPeakRss / MIB).toFixed(0)} MiB (baseline ${(rssBaseline / MIB).toFixed(0)})`,
);
console.log(
  `module instantiate ${moduleMs.toFixed(0)} ms; serialize ${serializeMs.toFixed(0)} ms (${
    (bytes.byteLength / MIB).toFixed(1)
  } MiB); reopen from bytes ${openMs.toFixed(0)} ms; reopened results identical: ${identical}`,
);
if (fileReadMs !== undefined) {
  console.log(`start-up from ${SAVE}: read ${fileReadMs.toFixed(0)} ms + open ${openMs.toFixed(0)} ms`);
}
console.log(`peak RSS overall ${(rss.peak / MIB).toFixed(0)} MiB\n`);
console.log("search                 n     p50 ms   p95 ms   p99 ms  mean ms  hits  recall@k");
for (const r of rows) {
  const s = r.run.stats;
  console.log(
    [
      r.name.padEnd(18),
      String(s.n).padStart(5),
      f3(s.p50).padStart(10),
      f3(s.p95).padStart(8),
      f3(s.p99).padStart(8),
      f3(s.mean).padStart(8),
      meanHits(r.run.results).toFixed(1).padStart(5),
      r.recall === undefined ? "         -" : r.recall.toFixed(4).padStart(10),
    ].join(" "),
  );
}

const report = {
  benchmark: "vector_index",
  productVersion: VERSION,
  startedAt: startedAt.toISOString(),
  durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
  args: Deno.args,
  machine: machineDetails(),
  library: "hnswlib-wasm@0.8.2",
  data: { n: N, dimensions: DIM, clusters: CLUSTERS, spread: SPREAD, queries: QUERIES, seed: SEED },
  params: { k: K, m: M, efConstruction: EF_CONSTRUCTION, efSearch: EF_SEARCH, capacity: CAPACITY },
  build: { seconds: buildSeconds, msPerInsert: buildSeconds * 1000 / N, peakRssBytes: buildPeakRss },
  moduleInstantiateMs: moduleMs,
  serialize: { ms: serializeMs, bytes: bytes.byteLength },
  reopen: { ms: openMs, identicalResults: identical, fileReadMs },
  rss: { baselineBytes: rssBaseline, peakBytes: rss.peak },
  searches: rows.map((r) => ({
    name: r.name,
    ...r.run.stats,
    meanHits: meanHits(r.run.results),
    recall: r.recall,
  })),
};
await writeResultFiles(report, {
  name: "vector_index",
  latest: `vector_index-${sizeLabel(N)}-${DIM}d-latest.json`,
});
