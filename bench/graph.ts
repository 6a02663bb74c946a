// deno-lint-ignore-file no-console -- printing the results is this program's job
// Knowledge-graph benchmark: 10k memories and 50k temporal links, then kg_query at depth 1, 3, 5
// (plain and as-of) and kg_timeline through the real operation path; writes bench/results/graph-*.json.
import { parseArgs } from "node:util";
import { CATALOG } from "../src/ops/catalog.ts";
import { invokeOperation } from "../src/ops/invoke.ts";
import type { OpContext } from "../src/ops/operation.ts";
import { RELATIONS } from "../src/store/graph_store.ts";
import { loadConfig, openDeps } from "../src/runtime.ts";
import { VERSION } from "../src/version.ts";
import { intBetween, mulberry32, pick } from "./_prng.ts";
import { machineInfo } from "./_machine.ts";
import { type LatencyStats, PeakRss, summarise } from "./_stats.ts";

const { values } = parseArgs({
  options: {
    memories: { type: "string", default: "10000" },
    links: { type: "string", default: "50000" },
    iterations: { type: "string", default: "300" },
    warmup: { type: "string", default: "30" },
    seed: { type: "string", default: "20261125" },
  },
});
const MEMORIES = Number(values.memories);
const LINKS = Number(values.links);
const ITERATIONS = Number(values.iterations);
const WARMUP = Number(values.warmup);
const rng = mulberry32(Number(values.seed));
const DAY = 86_400_000;
const T0 = Date.parse("2025-01-01T00:00:00.000Z");

const dir = `data/bench/graph-${crypto.randomUUID().slice(0, 8)}`;
await Deno.mkdir(dir, { recursive: true });
const deps = await openDeps(loadConfig({ db: `${dir}/graph.db` }));
deps.log = { debug() {}, info() {}, warn() {}, error() {} };
const ctx: OpContext = { ...deps, actor: "bench:graph" };
const op = (name: string) => CATALOG.find((o) => o.name === name)!;
const rss = new PeakRss();
rss.reset();

const seedStart = performance.now();
const ids: string[] = [];
for (let i = 0; i < MEMORIES; i++) {
  const out = await invokeOperation(op("memory_store"), {
    title: `graph node ${i}`,
    content: `node ${i} of the benchmark graph, topic ${i % 97}`,
    namespace: `graph/${i % 20}`,
    tier: "long",
  }, { ctx });
  ids.push(out.id as string);
}
// Each link gets a validity interval inside two years; a quarter have ended.
let made = 0;
while (made < LINKS) {
  const source = pick(rng, ids);
  const target = pick(rng, ids);
  if (source === target) continue;
  const from = T0 + intBetween(rng, 0, 600) * DAY;
  const ended = rng() < 0.25;
  const out = await invokeOperation(op("memory_link"), {
    source_id: source,
    target_id: target,
    relation: pick(rng, RELATIONS),
    valid_from: new Date(from).toISOString(),
    ...(ended ? { valid_until: new Date(from + intBetween(rng, 1, 120) * DAY).toISOString() } : {}),
  }, { ctx });
  if (out.created) made++;
  if (made % 10_000 === 0 && out.created) console.log(`  linked ${made}/${LINKS}`);
}
const seedSeconds = (performance.now() - seedStart) / 1000;
rss.sample();

async function measure(
  name: string,
  input: () => Record<string, unknown>,
): Promise<LatencyStats & { rows: number }> {
  let rows = 0;
  for (let i = 0; i < WARMUP; i++) await invokeOperation(op(name), input(), { ctx });
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const args = input();
    const start = performance.now();
    const out = await invokeOperation(op(name), args, { ctx });
    samples.push(performance.now() - start);
    rows += out.count as number;
    if (i % 25 === 0) rss.sample();
  }
  return { ...summarise(samples), rows: rows / ITERATIONS };
}

const asOf = () => new Date(T0 + intBetween(rng, 0, 700) * DAY).toISOString();
const cases: [string, string, () => Record<string, unknown>, number | null][] = [
  ["kg_query depth 1", "memory_kg_query", () => ({ source_id: pick(rng, ids), max_depth: 1 }), null],
  ["kg_query depth 3", "memory_kg_query", () => ({ source_id: pick(rng, ids), max_depth: 3 }), 10],
  ["kg_query depth 5", "memory_kg_query", () => ({ source_id: pick(rng, ids), max_depth: 5 }), null],
  [
    "kg_query depth 3 as-of",
    "memory_kg_query",
    () => ({ source_id: pick(rng, ids), max_depth: 3, valid_at: asOf() }),
    10,
  ],
  ["kg_timeline", "memory_kg_timeline", () => ({ source_id: pick(rng, ids) }), null],
  ["get_links", "memory_get_links", () => ({ id: pick(rng, ids) }), null],
];
const results: Record<string, unknown>[] = [];
console.log(`\n${MEMORIES} memories, ${LINKS} links (seeded in ${seedSeconds.toFixed(1)} s)\n`);
console.log("operation                  n     p50 ms  p95 ms  p99 ms  mean ms  rows  target p95");
for (const [label, name, input, target] of cases) {
  const s = await measure(name, input);
  results.push({
    operation: label,
    ...s,
    target_p95_ms: target,
    pass: target === null ? null : s.p95 < target,
  });
  console.log(
    [
      label.padEnd(25),
      String(s.n).padStart(4),
      s.p50.toFixed(3).padStart(9),
      s.p95.toFixed(3).padStart(7),
      s.p99.toFixed(3).padStart(7),
      s.mean.toFixed(3).padStart(8),
      s.rows.toFixed(0).padStart(5),
      target === null ? "  -" : `  < ${target} ms ${s.p95 < target ? "PASS" : "MISS"}`,
    ].join(" "),
  );
}
console.log(`\npeak RSS ${(rss.peak / 2 ** 20).toFixed(1)} MiB`);
deps.store.close();
await Deno.remove(dir, { recursive: true });

const report = {
  benchmark: "graph",
  version: VERSION,
  startedAt: new Date().toISOString(),
  machine: machineInfo(),
  seed: Number(values.seed),
  memories: MEMORIES,
  links: LINKS,
  seedSeconds,
  peakRssBytes: rss.peak,
  results,
};
await Deno.mkdir("bench/results", { recursive: true });
await Deno.writeTextFile("bench/results/graph-latest.json", JSON.stringify(report, null, 2) + "\n");
