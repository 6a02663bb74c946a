// deno-lint-ignore-file no-console -- printing the results is this program's job
// What keyword recall's scoring budget (`scoreBudget`, docs/keyword-recall.md) costs in quality at
// scale: the benchmark's synthetic memories (100k by default), asked known-item queries, a run of 2-6
// consecutive words from one stored memory, through the real memory_recall (keyword mode, limit 10),
// once per budget. Reports how often the source memory is in the top 10 and first, how far each
// budget's top 10 agrees with scoring every match (the largest budget given), and the latency. Each
// budget gets its own copy of the database, so one budget's touches (access counts, priority) never
// rank another's results. Writes bench/results/score_budget-latest.json.
import { parseArgs } from "node:util";
import { CATALOG } from "../src/ops/catalog.ts";
import { invokeOperation } from "../src/ops/invoke.ts";
import type { Deps } from "../src/ops/operation.ts";
import { loadConfig, openDeps } from "../src/runtime.ts";
import { VERSION } from "../src/version.ts";
import { machineInfo } from "./_machine.ts";
import { mixSeed, mulberry32 } from "./_prng.ts";
import { writeResultFiles } from "./_results.ts";
import { cachedDatabasePath, copyFromCache, seedDatabase } from "./_seed.ts";
import { summarise } from "./_stats.ts";
import { seededIds } from "./_surfaces.ts";
import { Workload } from "./_workload.ts";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "100000" },
    queries: { type: "string", default: "500" },
    seed: { type: "string", default: "20240601" },
    "query-seed": { type: "string", default: "7" },
    budgets: { type: "string", default: "1000000,2500,1000" },
    "db-cache": { type: "string" },
  },
});
const SIZE = Number(values.size);
const QUERIES = Number(values.queries);
const SEED = Number(values.seed);
const BUDGETS = values.budgets.split(",").map(Number);
for (
  const [name, n] of [
    ["size", SIZE],
    ["queries", QUERIES],
    ["seed", SEED],
    ...BUDGETS.map((b) => ["budgets", b]),
  ]
) {
  if (!Number.isInteger(n) || (n as number) < 1) throw new Error(`--${name}: must be a positive integer`);
}
const LIMIT = 10;
const ACTOR = "bench:score_budget";
const RECALL = CATALOG.find((o) => o.name === "memory_recall")!;
const SILENT = { debug() {}, info() {}, warn() {}, error() {} };

const dir = `data/bench/score-budget-${crypto.randomUUID().slice(0, 8)}`;
await Deno.mkdir(dir, { recursive: true });
const startedAt = new Date().toISOString();

/** The seeded database: from the bench's cache (same file name as `deno task bench`), or seeded now. */
async function seeded(workload: Workload): Promise<string> {
  const db = `${dir}/seeded.db`;
  const cached = values["db-cache"] && cachedDatabasePath(values["db-cache"], SEED, SIZE);
  if (cached && await copyFromCache(cached, db, console.error)) {
    for (let i = 0; i < SIZE; i++) workload.next();
    return db;
  }
  console.error(`seeding ${SIZE} memories in ${db}`);
  const deps = await openDeps(loadConfig({ db, logLevel: "error" }));
  deps.log = SILENT;
  deps.ids = seededIds(SEED);
  try {
    await seedDatabase({ ...deps, actor: ACTOR }, workload, SIZE, { seed: SEED, progress: console.error });
  } finally {
    deps.store.close();
  }
  if (cached) {
    await Deno.mkdir(values["db-cache"]!, { recursive: true });
    await Deno.copyFile(db, cached);
  }
  return db;
}

interface Variant {
  budget: number;
  deps: Deps;
  found: number;
  first: number;
  overlap: number;
  times: number[];
}

try {
  const workload = new Workload(SEED);
  const source = await seeded(workload);
  const variants: Variant[] = [];
  for (const budget of BUDGETS) {
    const db = `${dir}/budget-${budget}.db`;
    await Deno.copyFile(source, db);
    const deps = await openDeps(loadConfig({ db, logLevel: "error", scoreBudget: budget }));
    deps.log = SILENT;
    variants.push({ budget, deps, found: 0, first: 0, overlap: 0, times: [] });
  }
  const rng = mulberry32(mixSeed(Number(values["query-seed"]), SIZE, 0x6b6e6f77));
  let identical = 0;
  for (let q = 0; q < QUERIES; q++) {
    const memory = workload.memory(Math.floor(rng() * SIZE));
    const words = memory.content.toLowerCase().match(/[a-z0-9]+/g) ?? [];
    const n = 2 + Math.floor(rng() * 5);
    const start = Math.floor(rng() * Math.max(1, words.length - n));
    const context = words.slice(start, start + n).join(" ");
    const lists: string[][] = [];
    for (const v of variants) {
      const started = performance.now();
      const out = await invokeOperation(RECALL, { context, limit: LIMIT, mode: "keyword" }, {
        ctx: { ...v.deps, actor: ACTOR },
      });
      v.times.push(performance.now() - started);
      const memories = out.memories as { id: string; content: string }[];
      const at = memories.findIndex((m) => m.content === memory.content);
      if (at >= 0) v.found++;
      if (at === 0) v.first++;
      lists.push(memories.map((m) => m.id));
    }
    // Agreement with the first budget (every match scored when it is large enough).
    const reference = new Set(lists[0]);
    variants.forEach((v, i) => {
      v.overlap += reference.size === 0
        ? 1
        : lists[i]!.filter((id) => reference.has(id)).length / reference.size;
    });
    if (lists.every((l) => l.join() === lists[0]!.join())) identical++;
    if ((q + 1) % 100 === 0) console.error(`  ${q + 1}/${QUERIES} queries`);
  }
  const rows = variants.map((v) => ({
    budget: v.budget,
    knownItemAt10: v.found / QUERIES,
    knownItemFirst: v.first / QUERIES,
    overlapAt10WithFirst: v.overlap / QUERIES,
    latencyMs: summarise(v.times),
  }));
  const report = {
    benchmark: "score_budget",
    startedAt,
    productVersion: VERSION,
    machine: machineInfo(),
    size: SIZE,
    queries: QUERIES,
    seed: SEED,
    querySeed: Number(values["query-seed"]),
    identicalTop10AcrossBudgets: identical / QUERIES,
    rows,
  };
  const { latest } = await writeResultFiles(report, { name: "score_budget" });
  console.log(`${SIZE} memories, ${QUERIES} known-item queries (memory_recall, keyword, limit ${LIMIT})\n`);
  console.log(
    "| scoreBudget | source in top 10 | source first | top 10 shared with the first row | p50 ms | p95 ms |",
  );
  console.log(
    "| ----------: | ---------------: | -----------: | -------------------------------: | -----: | -----: |",
  );
  for (const r of rows) {
    console.log(
      `| ${r.budget} | ${(100 * r.knownItemAt10).toFixed(1)} % | ${(100 * r.knownItemFirst).toFixed(1)} % | ${
        (100 * r.overlapAt10WithFirst).toFixed(1)
      } % | ${r.latencyMs.p50.toFixed(1)} | ${r.latencyMs.p95.toFixed(1)} |`,
    );
  }
  console.log(
    `\nidentical top 10 under every budget: ${(100 * identical / QUERIES).toFixed(1)} %; ${latest}`,
  );
  for (const v of variants) v.deps.store.close();
} finally {
  await Deno.remove(dir, { recursive: true });
}
