// deno-lint-ignore-file no-console -- printing the results is this program's job
// Semantic-tier benchmark: at each size, stores the workload with the embedding worker running,
// then times index build, save and start-up, recall per mode, store+embed and check_duplicate.
import { writeResultFiles } from "./_results.ts";
import { parseArgs } from "node:util";
import { loadConfig, openDeps } from "../src/runtime.ts";
import type { OpContext } from "../src/ops/operation.ts";
import { invokeOperation } from "../src/ops/invoke.ts";
import { startEmbedWorker } from "../src/recall/embed_worker.ts";
import { SemanticIndex } from "../src/recall/semantic_index.ts";
import { indexFilePath } from "../src/recall/semantic_engine.ts";
import { dot } from "../src/recall/query_vector.ts";
import { VERSION } from "../src/version.ts";
import { mixSeed, mulberry32 } from "./_prng.ts";
import { sizeLabel } from "./_bench_report.ts";
import { machineDetails } from "./_machine.ts";
import { type LatencyStats, PeakRss, summarise } from "./_stats.ts";
import { operation, seededIds } from "./_surfaces.ts";
import { Workload } from "./_workload.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    sizes: { type: "string", default: "10000,100000" },
    queries: { type: "string", default: "200" },
    seed: { type: "string", default: "20240601" },
    models: { type: "string", default: "test/fixtures/models" },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});
if (values.help) {
  console.log(
    "Usage: deno task bench:semantic [--sizes 10000,100000] [--queries 200] [--seed N] [--models DIR]\n" +
      "Times the semantic tier with the models in DIR (default: the random-weight test fixtures, which\n" +
      "give realistic shapes and costs for their size, and meaningless similarities).",
  );
  Deno.exit(0);
}
const SIZES = values.sizes!.split(",").map(Number);
const QUERIES = Number(values.queries);
const SEED = Number(values.seed);
const MODELS = values.models!;
const ACTOR = "bench:semantic";
const SILENT = { debug() {}, info() {}, warn() {}, error() {} };
const STORE = operation("memory_store");
const RECALL = operation("memory_recall");
const CHECK = operation("memory_check_duplicate");
const MODES = ["keyword", "hybrid", "hybrid+rerank"] as const;

/** One size's figures. */
interface SizeReport {
  size: number;
  dimensions: number;
  embedder: string;
  reranker: string | null;
  storeWithWorkerMs: LatencyStats;
  embedSeconds: number;
  embedPerSec: number;
  indexBuildSeconds: number;
  indexBuildRssMiB: number;
  indexFileMiB: number;
  indexSaveSeconds: number;
  indexStartupSeconds: number;
  indexRecallAt10: number;
  recallMs: Record<string, LatencyStats>;
  storeEmbedMs: LatencyStats;
  checkDuplicateMs: LatencyStats;
  peakRssMiB: number;
}

const mib = (bytes: number) => Math.round(bytes / 1024 / 1024 * 10) / 10;

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const out = await fn();
  return [out, performance.now() - started];
}

async function waitForQueue(ctx: OpContext, rss: PeakRss): Promise<void> {
  for (;;) {
    const stats = await ctx.store.vectors.stats({ model: null });
    rss.sample();
    if (stats.pending === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Exact top-10 over all stored vectors vs the index's top-10, averaged over the queries. */
async function indexRecall(ctx: OpContext, index: SemanticIndex, queries: Float32Array[]): Promise<number> {
  const all = await ctx.store.vectors.changedSince(0, { model: index.model, limit: Number.MAX_SAFE_INTEGER });
  let found = 0;
  for (const q of queries) {
    const exact = all.map((v) => ({ seq: v.seq, s: dot(q, v.vector) })).sort((a, b) => b.s - a.s).slice(
      0,
      10,
    );
    const approx = new Set((await index.search(q, 10)).map((h) => h.label));
    found += exact.filter((e) => approx.has(e.seq)).length;
  }
  return found / (queries.length * 10);
}

async function runSize(size: number): Promise<SizeReport> {
  const dir = `data/bench/semantic-${size}`;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  const config = loadConfig({ db: `${dir}/semantic.db`, modelsDir: MODELS, tier: "smart" });
  const deps = await openDeps(config);
  deps.log = SILENT;
  deps.ids = seededIds(SEED);
  const ctx: OpContext = { ...deps, actor: ACTOR };
  const rss = new PeakRss();
  rss.reset();
  const models = await deps.semantic.models();
  const embedder = models.embedder!;
  await deps.semantic.index();
  const workload = new Workload(SEED);
  try {
    // Stores while the worker embeds in the background, as in a server.
    const stopWorker = startEmbedWorker(deps.store.vectors, {
      embedder,
      clock: deps.clock,
      log: SILENT,
      idleMs: 50,
    });
    const storeMs: number[] = [];
    const started = performance.now();
    for (let i = 0; i < size; i++) {
      const [, ms] = await time(() => invokeOperation(STORE, workload.next(), { ctx }));
      storeMs.push(ms);
      if (i % 500 === 0) rss.sample();
      if ((i + 1) % Math.max(1, Math.floor(size / 5)) === 0) console.error(`  stored ${i + 1}/${size}`);
    }
    await waitForQueue(ctx, rss);
    const embedSeconds = (performance.now() - started) / 1000;
    await stopWorker();
    console.error(`  embedded ${size} in ${embedSeconds.toFixed(1)} s (stores included)`);

    const rssBefore = Deno.memoryUsage().rss;
    const [index, buildMs] = await time(() => deps.semantic.rebuildIndex());
    const indexBuildRssMiB = mib(Deno.memoryUsage().rss - rssBefore);
    rss.sample();
    const [, saveMs] = await time(() => index.save());
    const fileBytes = (await Deno.stat(indexFilePath(config))).size;
    const [reopened, startupMs] = await time(() =>
      SemanticIndex.open(deps.store.vectors, {
        model: embedder.model,
        dimensions: embedder.dimensions,
        file: { path: indexFilePath(config) },
      })
    );
    if (reopened.origin !== "file") throw new Error(`index reopened as "${reopened.origin}"`);
    console.error(`  index: build ${(buildMs / 1000).toFixed(1)} s, start-up ${startupMs.toFixed(0)} ms`);

    const rng = mulberry32(mixSeed(SEED, size, 0x73656d));
    const queries = Array.from({ length: QUERIES }, () => workload.query(rng, 0.5));
    const queryVectors = await embedder.embed(queries.slice(0, 100));
    const indexRecallAt10 = await indexRecall(ctx, index, queryVectors);

    const recallMs: Record<string, LatencyStats> = {};
    for (const mode of MODES) {
      const samples: number[] = [];
      for (const context of queries) {
        const [, ms] = await time(() => invokeOperation(RECALL, { context, mode, limit: 10 }, { ctx }));
        samples.push(ms);
      }
      recallMs[mode] = summarise(samples);
      rss.sample();
    }
    const storeEmbed: number[] = [];
    const check: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const draft = workload.next();
      const [, c] = await time(() =>
        invokeOperation(CHECK, { title: draft.title, content: draft.content }, { ctx })
      );
      check.push(c);
      const [, s] = await time(() => invokeOperation(STORE, { ...draft, merge_threshold: 0.99 }, { ctx }));
      storeEmbed.push(s);
    }
    rss.sample();
    return {
      size,
      dimensions: embedder.dimensions,
      embedder: embedder.model,
      reranker: models.reranker?.model ?? null,
      storeWithWorkerMs: summarise(storeMs),
      embedSeconds,
      embedPerSec: size / embedSeconds,
      indexBuildSeconds: buildMs / 1000,
      indexBuildRssMiB,
      indexFileMiB: mib(fileBytes),
      indexSaveSeconds: saveMs / 1000,
      indexStartupSeconds: startupMs / 1000,
      indexRecallAt10,
      recallMs,
      storeEmbedMs: summarise(storeEmbed),
      checkDuplicateMs: summarise(check),
      peakRssMiB: mib(rss.peak),
    };
  } finally {
    deps.store.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

function render(reports: SizeReport[]): string {
  const f = (n: number) => n.toFixed(n < 10 ? 2 : 1);
  const lat = (s: LatencyStats) => `${f(s.p50)} / ${f(s.p95)} / ${f(s.p99)}`;
  const rows: [string, (r: SizeReport) => string][] = [
    ["store p50/p95/p99 ms (worker embedding meanwhile)", (r) => lat(r.storeWithWorkerMs)],
    ["store + embed (merge_threshold) p50/p95/p99 ms", (r) => lat(r.storeEmbedMs)],
    ["check_duplicate p50/p95/p99 ms", (r) => lat(r.checkDuplicateMs)],
    ...MODES.map((m): [string, (r: SizeReport) => string] => [
      `recall ${m} p50/p95/p99 ms`,
      (r) => lat(r.recallMs[m]!),
    ]),
    [
      "stores + background embedding, s (vectors/s)",
      (r) => `${f(r.embedSeconds)} (${r.embedPerSec.toFixed(0)}/s)`,
    ],
    ["index build s (RSS growth MiB)", (r) => `${f(r.indexBuildSeconds)} (${r.indexBuildRssMiB})`],
    ["index file MiB, save s", (r) => `${r.indexFileMiB}, ${f(r.indexSaveSeconds)}`],
    ["index start-up (load + catch-up) s", (r) => f(r.indexStartupSeconds)],
    ["index recall@10 vs exact", (r) => r.indexRecallAt10.toFixed(3)],
    ["peak RSS MiB", (r) => String(r.peakRssMiB)],
  ];
  const header = ["", ...reports.map((r) => `${sizeLabel(r.size)} (${r.dimensions}-d)`)];
  const table = [header, ...rows.map(([name, cell]) => [name, ...reports.map(cell)])];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table.map((row) =>
    row.map((c, i) => i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)).join("  ")
  )
    .join("\n");
}

const startedAt = new Date();
const reports: SizeReport[] = [];
for (const size of SIZES) {
  console.error(`size ${size}`);
  reports.push(await runSize(size));
}
const report = {
  benchmark: "semantic",
  productVersion: VERSION,
  startedAt: startedAt.toISOString(),
  seed: SEED,
  queries: QUERIES,
  models: MODELS,
  sizes: reports,
  machine: machineDetails(),
};
const written = await writeResultFiles(report, { name: "semantic" });
console.log(render(reports));
console.log(`Wrote ${written.path} and ${written.latest}.`);
