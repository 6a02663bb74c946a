// deno-lint-ignore-file no-console -- printing the results is this program's job
// Lifecycle benchmark: memory_gc archiving 10k expired memories (time advanced by a fixed clock),
// then memory_export of 100k memories to a file and memory_import of it into an empty database,
// each with its time and peak RSS; writes bench/results/lifecycle-latest.json.
import { parseArgs } from "node:util";
import { fixedClock } from "../src/core/clock.ts";
import { CATALOG } from "../src/ops/catalog.ts";
import { invokeOperation } from "../src/ops/invoke.ts";
import type { Deps, OpContext } from "../src/ops/operation.ts";
import { loadConfig, openDeps } from "../src/runtime.ts";
import { VERSION } from "../src/version.ts";
import { machineInfo } from "./_machine.ts";
import { PeakRss } from "./_stats.ts";
import { Workload } from "./_workload.ts";

const { values } = parseArgs({
  options: {
    "gc-size": { type: "string", default: "10000" },
    size: { type: "string", default: "100000" },
    seed: { type: "string", default: "20261125" },
  },
});
const GC_SIZE = Number(values["gc-size"]);
const SIZE = Number(values.size);
const SEED = Number(values.seed);
const T0 = new Date("2026-01-01T00:00:00.000Z");
const HOUR = 3_600_000;
const MIB = 2 ** 20;
const ACTOR = "bench:lifecycle";
const op = (name: string) => CATALOG.find((o) => o.name === name)!;

const dir = `data/bench/lifecycle-${crypto.randomUUID().slice(0, 8)}`;
await Deno.mkdir(dir, { recursive: true });
const rss = new PeakRss();

/** Deps on a new database under `dir`, with a fixed clock and a silent log. */
async function freshDeps(
  name: string,
): Promise<{ deps: Deps; ctx: OpContext; clock: ReturnType<typeof fixedClock> }> {
  const deps = await openDeps(loadConfig({ db: `${dir}/${name}.db`, logLevel: "error" }));
  const clock = fixedClock(T0);
  deps.clock = clock;
  deps.log = { debug() {}, info() {}, warn() {}, error() {} };
  return { deps, ctx: { ...deps, actor: ACTOR }, clock };
}

async function seed(
  ctx: OpContext,
  workload: Workload,
  count: number,
  tier?: "short" | "long",
): Promise<number> {
  const started = performance.now();
  const step = Math.max(1, Math.floor(count / 5));
  for (let i = 0; i < count; i++) {
    const draft = workload.next();
    await invokeOperation(op("memory_store"), tier ? { ...draft, tier } : draft, { ctx });
    if ((i + 1) % step === 0) {
      const s = (performance.now() - started) / 1000;
      console.error(`  seeded ${i + 1}/${count} (${((i + 1) / s).toFixed(0)} stores/s)`);
    }
  }
  return (performance.now() - started) / 1000;
}

/**
 * Time one awaited call and track its peak RSS: sampled before, every 2 ms while the event loop
 * is free (between the store's batches and the op's awaits) and right after.
 */
async function measured<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; seconds: number; baseline: number; peak: number }> {
  const baseline = rss.reset();
  const timer = setInterval(() => rss.sample(), 2);
  const started = performance.now();
  try {
    const result = await fn();
    const seconds = (performance.now() - started) / 1000;
    rss.sample();
    return { result, seconds, baseline, peak: rss.peak };
  } finally {
    clearInterval(timer);
  }
}

interface Row {
  phase: string;
  rows: number;
  seconds: number;
  rowsPerSec: number;
  baselineRssMiB: number;
  peakRssMiB: number;
  detail: string;
}
const rows: Row[] = [];
function record(
  phase: string,
  count: number,
  m: { seconds: number; baseline: number; peak: number },
  detail = "",
) {
  rows.push({
    phase,
    rows: count,
    seconds: m.seconds,
    rowsPerSec: count / m.seconds,
    baselineRssMiB: m.baseline / MIB,
    peakRssMiB: m.peak / MIB,
    detail,
  });
}

const runStarted = performance.now();
const workload = new Workload(SEED);
const seeding: Record<string, number> = {};

// 1. GC: GC_SIZE short memories and a tenth as many long ones; 7 h later memory_gc archives them.
console.error(`GC: seeding ${GC_SIZE} short + ${GC_SIZE / 10} long memories`);
{
  const { deps, ctx, clock } = await freshDeps("gc");
  seeding.gc = await seed(ctx, workload, GC_SIZE, "short");
  await seed(ctx, workload, GC_SIZE / 10, "long");
  clock.advance(7 * HOUR);
  const dry = await measured(() => invokeOperation(op("memory_gc"), { dry_run: true }, { ctx }));
  record("memory_gc dry_run", dry.result.archived as number, dry);
  const gc = await measured(() => invokeOperation(op("memory_gc"), {}, { ctx }));
  const archived = gc.result.archived as number;
  const stats = await invokeOperation(op("memory_archive_stats"), {}, { ctx });
  const live = await invokeOperation(op("memory_stats"), {}, { ctx });
  if (archived !== GC_SIZE || stats.total !== GC_SIZE || live.total !== GC_SIZE / 10) {
    throw new Error(
      `gc archived ${archived} (archive ${stats.total}, live ${live.total}); expected ${GC_SIZE}`,
    );
  }
  record("memory_gc", archived, gc, `all ${GC_SIZE} archived, ${live.total} long kept`);
  deps.store.close();
}

// 2. Export SIZE memories to a file, 3. import it into an empty database, then check the round trip.
console.error(`Export/import: seeding ${SIZE} memories`);
let exportBytes = 0;
let roundTrip = false;
{
  const source = await freshDeps("source");
  seeding.export = await seed(source.ctx, workload, SIZE);
  const path = `${dir}/export.jsonl`;
  const exp = await measured(() =>
    invokeOperation(op("memory_export"), { path, plaintext: true }, { ctx: source.ctx })
  );
  exportBytes = exp.result.bytes as number;
  const counts = exp.result.counts as Record<string, number>;
  if (counts.memories !== SIZE) throw new Error(`export wrote ${counts.memories} memories, expected ${SIZE}`);
  record("memory_export (file)", SIZE, exp, `${(exportBytes / MIB).toFixed(1)} MiB JSONL`);
  source.deps.store.close();

  const target = await freshDeps("target");
  const imp = await measured(() => invokeOperation(op("memory_import"), { path }, { ctx: target.ctx }));
  const added = (imp.result.added as Record<string, number>).memories;
  if (added !== SIZE) throw new Error(`import added ${added} memories, expected ${SIZE}`);
  record("memory_import (file, empty db)", SIZE, imp, "one transaction, FTS built by triggers");

  const again = await invokeOperation(op("memory_export"), {}, { ctx: target.ctx });
  roundTrip = again.jsonl === await Deno.readTextFile(path);
  if (!roundTrip) throw new Error("the re-export differs from the export");
  target.deps.store.close();
}
await Deno.remove(dir, { recursive: true });
const durationSeconds = (performance.now() - runStarted) / 1000;

console.log(`\nLifecycle benchmark (${GC_SIZE} expired for gc, ${SIZE} for export/import)\n`);
console.log("phase                             rows     seconds   rows/s    RSS before  peak RSS  note");
for (const r of rows) {
  console.log(
    [
      r.phase.padEnd(32),
      String(r.rows).padStart(7),
      r.seconds.toFixed(3).padStart(10),
      r.rowsPerSec.toFixed(0).padStart(9),
      `${r.baselineRssMiB.toFixed(1)} MiB`.padStart(11),
      `${r.peakRssMiB.toFixed(1)} MiB`.padStart(10),
      ` ${r.detail}`,
    ].join(" "),
  );
}
console.log(
  `\nseeding: ${GC_SIZE} in ${seeding.gc!.toFixed(1)} s, ${SIZE} in ${seeding.export!.toFixed(1)} s; ` +
    `round trip byte-identical: ${roundTrip}; total ${durationSeconds.toFixed(1)} s`,
);

const report = {
  benchmark: "lifecycle",
  version: VERSION,
  startedAt: new Date().toISOString(),
  durationSeconds,
  machine: machineInfo(),
  seed: SEED,
  gcSize: GC_SIZE,
  size: SIZE,
  seedingSeconds: seeding,
  exportBytes,
  roundTripIdentical: roundTrip,
  rssMethod: "Deno.memoryUsage().rss sampled every 2 ms while the event loop is free, and after the call",
  results: rows,
};
await Deno.mkdir("bench/results", { recursive: true });
await Deno.writeTextFile("bench/results/lifecycle-latest.json", JSON.stringify(report, null, 2) + "\n");
