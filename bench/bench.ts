// deno-lint-ignore-file no-console -- printing the results is this program's job
// `ai-memory bench`: every budgeted operation on seeded databases of 1k, 10k and 100k memories,
// through the chosen surfaces, judged against the Rust project's p95 budgets (must be 4x inside),
// and side by side with the official MCP memory server over MCP stdio. Writes bench/results/bench-*.
import { parseArgs } from "node:util";
import { VERSION } from "../src/version.ts";
import {
  type BenchReport,
  type BenchRow,
  type BenchSize,
  budgetSummary,
  type PeerSide,
  type PeerSize,
  renderText,
  sizeLabel,
  writeBenchReport,
} from "./_bench_report.ts";
import { HEADROOM, judgeBudget } from "./_budgets.ts";
import { Calibration } from "./_calibrate.ts";
import { machineDetails } from "./_machine.ts";
import { measureRows, median, type Plan, type RowMeasurement } from "./_measure.ts";
import { type OpSpec, opSpecs, ROWS, STORED_QUERY_SHARE, stream, writesLast } from "./_ops.ts";
import { connectServerMemory, entityOf, seedPeer, serverMemoryVersion } from "./_peer.ts";
import { cachedDatabasePath, copyFromCache, seedDatabase } from "./_seed.ts";
import { mixSeed } from "./_prng.ts";
import { dirname } from "node:path";
import { drainQueue } from "../src/recall/embed_worker.ts";
import { readManifest } from "../src/models/model_set.ts";
import type { Deps } from "../src/ops/operation.ts";
import { PeakRss } from "./_stats.ts";
import {
  type Driver,
  inProcessDriverOf,
  openDriver,
  openInProcess,
  ProcessPeak,
  type SurfaceName,
  SURFACES,
} from "./_surfaces.ts";
import { type Draft, Workload } from "./_workload.ts";

const DEFAULT_SEED = 20_240_601;
/** Mixed into the seed for the ids of memories stored while measuring. */
const MEASURED_IDS = 0x6d656173;
const DEFAULT_MODELS = "test/fixtures/models";
const DATA_DIR = "data/bench";
const ACTOR = "bench:bench";
const PEER_PACKAGE = "@modelcontextprotocol/server-memory";
/** A row's round stops early after this long (with at least 20 calls): slow rows get fewer calls. */
const MAX_ROUND_MS = 4000;

function usage(): string {
  return [
    "Usage: ai-memory bench (deno task cli bench, or deno task bench) [--sizes 1000,10000,100000]",
    "         [--surface inproc,mcp,http] [--quick] [options]",
    "  --sizes LIST        database sizes (default 1000,10000,100000)",
    "  --quick             sizes 1000,10000",
    "  --surface LIST      inproc, mcp, http or all (default inproc); each is measured at every size",
    "  --rounds N          interleaved rounds per row (default 3)",
    "  --iterations N      measured calls per row, over all rounds (default 300)",
    "  --warmup N          unmeasured calls per row, over all rounds (default 30)",
    "  --peer-sizes LIST   sizes of the server-memory comparison (default 1000,10000; 'none' to skip)",
    "  --peer-iterations N measured calls per operation and server in the comparison (default 200)",
    "  --seed N            PRNG seed for the synthetic data (default " + DEFAULT_SEED + ")",
    "  --models DIR        models for the semantic rows (default " + DEFAULT_MODELS + ", random-weight",
    "                      fixtures: costs of the right shape, meaningless similarities; 'none' skips them)",
    "  --semantic-sizes L  sizes with the semantic rows, after embedding the seeded memories (default 1000,10000)",
    "  --only LIST         measure only these rows (row names, or operation names for all their rows)",
    "  --db-cache DIR      keep each seeded database under DIR (inside ./data) and start from it next time",
    "  --results DIR       where the JSON and Markdown reports go (default bench/results)",
  ].join("\n");
}

interface Options {
  seed: number;
  sizes: number[];
  surfaces: SurfaceName[];
  plan: Plan;
  peerSizes: number[];
  peerPlan: Plan;
  /** Models directory for the semantic rows; undefined skips them. */
  models: string | undefined;
  semanticSizes: number[];
  /** Row or operation names to measure; undefined measures every row. */
  only: string[] | undefined;
  /** Where seeded databases are kept between runs; undefined seeds afresh every time. */
  dbCache: string | undefined;
  /** Where the JSON and Markdown reports go. */
  results: string;
}

function positiveInt(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const n = Number(text.replaceAll("_", ""));
  if (!Number.isInteger(n) || n < min) {
    throw new Error(`--${name} must be an integer >= ${min}, got "${text}"`);
  }
  return n;
}

function sizeList(name: string, text: string): number[] {
  if (text === "none") return [];
  return text.split(",").map((s) => positiveInt(name, s.trim(), 0, 2));
}

function onlyList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const names = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const name of names) {
    if (!ROWS.includes(name) && !ROWS.some((row) => row.startsWith(`${name} `))) {
      throw new Error(`--only: unknown row or operation "${name}" (rows: ${ROWS.join(", ")})`);
    }
  }
  if (names.length === 0) throw new Error("--only: give at least one row or operation name");
  return names;
}

/** Whether `spec` is selected by `--only` (its row name, or its operation's name). */
function selected(spec: OpSpec, only: string[] | undefined): boolean {
  return only === undefined || only.includes(spec.row) || only.includes(spec.op);
}

function parseOptions(args: string[]): Options | undefined {
  const { values } = parseArgs({
    args,
    options: {
      seed: { type: "string" },
      sizes: { type: "string" },
      quick: { type: "boolean", default: false },
      surface: { type: "string", default: "inproc" },
      rounds: { type: "string" },
      iterations: { type: "string" },
      warmup: { type: "string" },
      "peer-sizes": { type: "string" },
      "peer-iterations": { type: "string" },
      models: { type: "string" },
      "semantic-sizes": { type: "string" },
      only: { type: "string" },
      "db-cache": { type: "string" },
      results: { type: "string", default: "bench/results" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const surfaceText = values.surface ?? "inproc";
  const surfaces = surfaceText === "all" ? [...SURFACES] : surfaceText.split(",").map((s) => s.trim());
  for (const s of surfaces) {
    if (!SURFACES.includes(s as SurfaceName)) throw new Error(`--surface: unknown surface "${s}"`);
  }
  const rounds = positiveInt("rounds", values.rounds, 3);
  const iterations = positiveInt("iterations", values.iterations, 300);
  const warmup = positiveInt("warmup", values.warmup, 30, 0);
  const peerIterations = positiveInt("peer-iterations", values["peer-iterations"], 200);
  const plan = (n: number): Plan => ({
    rounds,
    perRound: Math.ceil(n / rounds),
    warmup: Math.ceil(warmup / rounds),
    calibrationUnits: 5,
    repeatInputs: false,
    maxRoundMs: MAX_ROUND_MS,
  });
  return {
    seed: positiveInt("seed", values.seed, DEFAULT_SEED, 0),
    sizes: values.sizes !== undefined
      ? sizeList("sizes", values.sizes)
      : values.quick
      ? [1_000, 10_000]
      : [1_000, 10_000, 100_000],
    surfaces: SURFACES.filter((s) => surfaces.includes(s)),
    plan: plan(iterations),
    peerSizes: sizeList("peer-sizes", values["peer-sizes"] ?? "1000,10000"),
    peerPlan: plan(peerIterations),
    models: values.models === "none" ? undefined : values.models ?? DEFAULT_MODELS,
    semanticSizes: sizeList("semantic-sizes", values["semantic-sizes"] ?? "1000,10000"),
    only: onlyList(values.only),
    dbCache: values["db-cache"],
    results: values.results,
  };
}

const progress = (line: string) => console.error(line);

async function fileSize(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return 0;
    throw err;
  }
}

function logRows(surface: string, size: number, rows: readonly BenchRow[]): void {
  for (const r of rows) {
    const b = r.budget;
    progress(
      `  ${surface.padEnd(6)} ${sizeLabel(size).padStart(4)} ${r.row.padEnd(24)} p50 ${
        r.stats.p50.toFixed(3)
      } ` +
        `p95 ${r.stats.p95.toFixed(3)} p99 ${r.stats.p99.toFixed(3)} ms` +
        (b ? `  (${b.headroom.toFixed(0)}x inside ${b.budgetMs} ms)` : ""),
    );
  }
}

/** Copy the manifest and the files it lists from `from` into `to`, as an operator places models. */
async function placeModels(from: string, to: string): Promise<string> {
  await Deno.mkdir(to, { recursive: true });
  await Deno.copyFile(`${from}/manifest.json`, `${to}/manifest.json`);
  for (const model of await readManifest(from)) {
    for (const file of model.files) {
      const target = `${to}/${model.path}/${file.path}`;
      await Deno.mkdir(dirname(target), { recursive: true });
      await Deno.copyFile(`${from}/${model.path}/${file.path}`, target);
    }
  }
  return to;
}

/** Embed every seeded memory and save the vector index, so every surface starts with it loaded. */
async function embedSeeded(deps: Deps): Promise<void> {
  const embedder = (await deps.semantic.models()).embedder;
  if (!embedder) throw new Error("--models: no embedder could be loaded (see `ai-memory doctor`)");
  const started = performance.now();
  const embedded = await drainQueue(deps.store.vectors, { embedder, clock: deps.clock });
  await deps.semantic.rebuildIndex();
  progress(
    `  embedded ${embedded} memories with ${embedder.model} (${embedder.dimensions}-d) in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s`,
  );
}

/**
 * Embed what the previous surface's writes queued and save the vector index, so that each surface
 * starts from a fully embedded database, as the first one does. Otherwise the next server spends its
 * first rows (hybrid recall among them) embedding the memories the previous surface stored.
 */
async function settleEmbeddings(db: string, modelsDir: string): Promise<void> {
  const { deps } = await openInProcess(db, ACTOR, undefined, modelsDir);
  try {
    const embedder = (await deps.semantic.models()).embedder;
    if (!embedder) return;
    const embedded = await drainQueue(deps.store.vectors, { embedder, clock: deps.clock });
    if (embedded === 0) return;
    await (await deps.semantic.index()).catchUp();
    await deps.semantic.saveIndex();
    progress(`  embedded the ${embedded} memories the previous surface stored`);
  } finally {
    deps.store.close();
  }
}

/**
 * A cached seeded database stands in for seeding: its memories' ids in order, and the workload moved
 * past the memories it holds (memory_store rows must create new ones). Seeding times are not known.
 */
async function cachedSeeding(
  deps: Deps,
  workload: Workload,
  size: number,
): Promise<{ ids: string[]; seeding: BenchSize["seeding"] }> {
  const all = await deps.store.list({}, { now: deps.clock.now().toISOString(), limit: size + 1 });
  if (all.length !== size) {
    throw new Error(`--db-cache: the cached database has ${all.length} memories, not ${size}`);
  }
  // Seeded one at a time, so creation order is seeding order (ties kept in the list's order).
  const ids = all.map((m, i) => ({ m, i })).sort((a, b) =>
    a.m.created_at.localeCompare(b.m.created_at) || a.i - b.i
  ).map(({ m }) => m.id);
  for (let i = 0; i < size; i++) workload.next();
  return {
    ids,
    seeding: { memories: size, links: 0, memorySeconds: 0, linkSeconds: 0, storesPerSec: 0, linksPerSec: 0 },
  };
}

/** Seed one database, then measure every row through each surface in turn. */
async function benchSize(
  size: number,
  options: Options,
  rss: PeakRss,
  calibration: Calibration,
): Promise<BenchSize> {
  await Deno.mkdir(DATA_DIR, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: DATA_DIR, prefix: `bench-${size}-` });
  const db = `${dir}/bench.db`;
  const baselineBytes = rss.reset();
  try {
    progress(`size ${sizeLabel(size)}: seeding ${db}`);
    const workload = new Workload(options.seed);
    const semantic = options.models !== undefined && options.semanticSizes.includes(size);
    // Placed under the database's directory, where the servers' permission sets may read them.
    const modelsDir = semantic ? await placeModels(options.models!, `${dir}/models`) : undefined;
    const cached = options.dbCache === undefined
      ? undefined
      : cachedDatabasePath(options.dbCache, options.seed, size, semantic);
    const fromCache = cached !== undefined &&
      await copyFromCache(cached, db, (line) => progress(`  ${line}`));
    const { deps, ctx } = await openInProcess(db, ACTOR, options.seed, modelsDir);
    let inproc: Driver | undefined = inProcessDriverOf(deps, ctx);
    const { ids, seeding } = fromCache
      ? await cachedSeeding(deps, workload, size)
      : await seedDatabase(ctx, workload, size, { seed: options.seed, rss, progress });
    // The servers read the models directory from a config file beside the database.
    const serverArgs: string[] = [];
    if (modelsDir && !fromCache) await embedSeeded(deps);
    // Closing the last connection checkpoints the write-ahead log: what seeding (or migrating a
    // cached copy to the current schema) wrote moves into the database file, as it would on a server
    // that has been idle, so the first rows do not pay for reading through a large log.
    await inproc.close();
    if (cached !== undefined && !fromCache) {
      // A checkpointed copy: the database file alone, as the servers will find it.
      await Deno.mkdir(options.dbCache!, { recursive: true });
      await Deno.copyFile(db, cached);
    }
    // Memories stored while measuring take ids from a stream of their own: this connection's would
    // start again at the seeded memories' first id (and a cached copy's ids were never drawn here).
    const reopened = await openInProcess(db, ACTOR, mixSeed(options.seed, MEASURED_IDS), modelsDir);
    inproc = inProcessDriverOf(reopened.deps, reopened.ctx);
    if (modelsDir) {
      const config = `${dir}/config.json`;
      await Deno.writeTextFile(config, JSON.stringify({ modelsDir }));
      serverArgs.push("--config", config);
    }
    const result: BenchSize = {
      size,
      seeding,
      rss: { baselineBytes, peakBytes: 0 },
      serverPeakRssBytes: {},
      dbBytes: 0,
      rows: [],
    };
    for (const [n, surface] of options.surfaces.entries()) {
      // The other surfaces run their own server process on the file: close this connection first.
      if (surface !== "inproc") {
        await inproc?.close();
        inproc = undefined;
      }
      if (modelsDir && n > 0) await settleEmbeddings(db, modelsDir);
      // The file was just written (seeded or copied: 500 MB at 100k), or closing the previous surface's
      // connection checkpointed its writes into it: wait for the kernel to write it out, so that the
      // rows measure the product rather than the disk's writeback.
      await syncToDisk(db);
      const driver = surface === "inproc" ? inproc! : await openDriver(surface, db, ACTOR, serverArgs);
      try {
        const plan = options.plan;
        const pool = plan.rounds * (plan.warmup + plan.perRound);
        const specs = opSpecs(workload, ids, { seed: options.seed, size, surface, pool, semantic })
          .filter((spec) => selected(spec, options.only));
        const server = new ProcessPeak(() => driver.pid());
        const afterRound = () => server.sample();
        // Reading rows first, on exactly `size` memories; memory_store last, as it adds memories.
        const measured: RowMeasurement[] = [];
        for (const group of writesLast(specs)) {
          measured.push(...await measureRows(group, driver.call, plan, { calibration, rss, afterRound }));
        }
        measured.sort((a, b) => ROWS.indexOf(a.row) - ROWS.indexOf(b.row));
        const rows = measured.map((m): BenchRow => {
          const row: BenchRow = {
            surface,
            size,
            row: m.row,
            op: m.op,
            stats: m.stats,
            throughput: m.throughput,
          };
          if (m.meanHits !== undefined) row.meanHits = m.meanHits;
          const budget = judgeBudget(m.row, m.stats);
          if (budget) row.budget = budget;
          return row;
        });
        logRows(surface, size, rows);
        result.rows.push(...rows);
        if (server.peak !== undefined && surface !== "inproc") {
          result.serverPeakRssBytes[surface] = server.peak;
        }
      } finally {
        if (surface !== "inproc") await driver.close();
      }
    }
    await inproc?.close();
    result.rss.peakBytes = rss.peak;
    result.dbBytes = (await fileSize(db)) + (await fileSize(`${db}-wal`));
    return result;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Wait until the file's written pages are on disk (fsync). */
async function syncToDisk(path: string): Promise<void> {
  const file = await Deno.open(path, { read: true, write: true });
  try {
    await file.sync();
  } finally {
    file.close();
  }
}

/**
 * The comparison at one size: a fresh ai-memory database and a fresh server-memory file seeded with
 * the same `size` facts; then the same new facts stored and the same queries asked of both, over
 * MCP stdio, in interleaved rounds (both servers stay up, so both see the same moments).
 */
async function comparePeer(size: number, options: Options, calibration: Calibration): Promise<PeerSize> {
  await Deno.mkdir(DATA_DIR, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: DATA_DIR, prefix: `peer-${size}-` });
  const db = `${dir}/bench.db`;
  try {
    progress(`peer comparison at ${sizeLabel(size)}: seeding both with the same ${size} facts`);
    const workload = new Workload(options.seed);
    const opened = await openInProcess(db, ACTOR, options.seed);
    const ours = await seedDatabase(opened.ctx, workload, size, { seed: options.seed, linksPerMemory: 0 });
    opened.deps.store.close();
    const seedFacts: Draft[] = [];
    for (let i = 0; i < size; i++) seedFacts.push(workload.memory(i));
    const plan = options.peerPlan;
    const calls = plan.rounds * (plan.warmup + plan.perRound);
    const facts: Draft[] = [];
    for (let i = 0; i < calls; i++) facts.push(workload.next());
    const queryRng = stream(options.seed, size, "peer:search");
    const queries: string[] = [];
    for (let i = 0; i < calls; i++) queries.push(workload.query(queryRng, STORED_QUERY_SHARE));

    const driver = await openDriver("mcp", db, ACTOR);
    const peer = await connectServerMemory(`${dir}/server-memory.jsonl`);
    try {
      const theirSeedSeconds = await seedPeer(peer, seedFacts);
      const hitsOf = (out: Record<string, unknown>) => Array.isArray(out.entities) ? out.entities.length : 0;
      const specs: OpSpec[] = [
        {
          row: "ours store",
          op: "memory_store",
          input: (i) => ({ ...facts[i]! }),
          check: (out) => {
            if (out.action !== "created") throw new Error("memory_store of a new fact did not create");
            return undefined;
          },
        },
        {
          row: "theirs store",
          op: "peer:create_entities",
          input: (i) => ({ entities: [entityOf(facts[i]!)] }),
          check: (out) => {
            if (hitsOf(out) !== 1) throw new Error("create_entities of a new fact did not create it");
            return undefined;
          },
        },
        {
          row: "ours search",
          op: "memory_search",
          input: (i) => ({ query: queries[i]!, limit: 20 }),
          check: (out) => out.count as number,
        },
        {
          row: "theirs search",
          op: "peer:search_nodes",
          input: (i) => ({ query: queries[i]! }),
          check: hitsOf,
        },
      ];
      const call = (op: string, input: Record<string, unknown>) =>
        op.startsWith("peer:") ? peer.call(op.slice("peer:".length), input) : driver.call(op, input);
      const oursRss = new ProcessPeak(() => driver.pid());
      const theirsRss = new ProcessPeak(() => peer.pid());
      const afterRound = async () => {
        await oursRss.sample();
        await theirsRss.sample();
      };
      // No early end of rounds here: both servers must get exactly the same facts and queries.
      const measured = await measureRows(specs, call, { ...plan, maxRoundMs: undefined }, {
        calibration,
        afterRound,
      });
      const by = (row: string) => measured.find((m) => m.row === row)!;
      const side = (who: "ours" | "theirs", seedSeconds: number, rss: ProcessPeak): PeerSide => {
        const s: PeerSide = {
          store: by(`${who} store`).stats,
          search: by(`${who} search`).stats,
          searchMeanHits: by(`${who} search`).meanHits ?? 0,
          seedSeconds,
        };
        if (rss.peak !== undefined) s.peakRssBytes = rss.peak;
        return s;
      };
      const result: PeerSize = {
        size,
        ours: side("ours", ours.seeding.memorySeconds, oursRss),
        theirs: side("theirs", theirSeedSeconds, theirsRss),
      };
      for (const op of ["store", "search"] as const) {
        progress(
          `  ${op.padEnd(6)} ours p50 ${result.ours[op].p50.toFixed(3)} p95 ${
            result.ours[op].p95.toFixed(3)
          } ms; ` +
            `server-memory p50 ${result.theirs[op].p50.toFixed(3)} p95 ${
              result.theirs[op].p95.toFixed(3)
            } ms`,
        );
      }
      return result;
    } finally {
      await peer.close();
      await driver.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function main(): Promise<number> {
  let options: Options | undefined;
  try {
    options = parseOptions(Deno.args);
  } catch (err) {
    // Bad flags, as every CLI command answers them: exit 2, the flag named on stderr.
    console.error(`error (invalid_input): ${(err as Error).message}\n${usage()}`);
    return 2;
  }
  if (!options) {
    console.log(usage());
    return 0;
  }
  const startedAt = new Date();
  const machine = machineDetails();
  const rss = new PeakRss();
  const sampler = setInterval(() => rss.sample(), 100);
  const calibration = new Calibration();
  const calibrationUnits: number[] = [];
  const sizes: BenchSize[] = [];
  const peerSizes: PeerSize[] = [];
  try {
    calibrationUnits.push(...calibration.units(200));
    for (const size of options.sizes) sizes.push(await benchSize(size, options, rss, calibration));
    for (const size of options.peerSizes) peerSizes.push(await comparePeer(size, options, calibration));
    calibrationUnits.push(...calibration.units(200));
  } finally {
    clearInterval(sampler);
    calibration.close();
    await Deno.remove(DATA_DIR).catch(() => {/* not empty or already gone */});
  }
  const report: BenchReport = {
    benchmark: "bench",
    productVersion: VERSION,
    startedAt: startedAt.toISOString(),
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    args: Deno.args,
    machine,
    seed: options.seed,
    surfaces: options.surfaces,
    plan: options.plan,
    calibrationMedianMs: median(calibrationUnits),
    headroomRequired: HEADROOM,
    sizes,
    budgets: budgetSummary(sizes),
  };
  if (peerSizes.length > 0) {
    report.peer = {
      package: PEER_PACKAGE,
      version: await serverMemoryVersion(),
      surface: "mcp-stdio",
      plan: options.peerPlan,
      sizes: peerSizes,
    };
  }
  const path = await writeBenchReport(report, options.results);
  console.log(renderText(report));
  console.log("");
  const failed = report.budgets.filter((b) => b.pass === false);
  console.log(
    failed.length === 0
      ? `Every measured budget is at least ${HEADROOM}x inside (${
        report.budgets.filter((b) => b.notImplemented).length
      } not implemented).`
      : `${failed.length} budget(s) not ${HEADROOM}x inside: ${failed.map((b) => b.key).join(", ")}.`,
  );
  console.log(
    `Wrote ${path}, ${options.results}/bench-latest.json and bench-latest.md (${
      report.durationSeconds.toFixed(0)
    } s).`,
  );
  return failed.length === 0 ? 0 : 1;
}

Deno.exit(await main());
