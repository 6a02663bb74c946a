// deno-lint-ignore-file no-console -- printing the results is this program's job
// Store/recall benchmark: seeds fresh databases through the real memory_store path, times the
// core operations in-process and over MCP stdio, and writes bench/results/*.json.
import { parseArgs } from "node:util";
import { invokeOperation } from "../src/ops/invoke.ts";
import { CATALOG } from "../src/ops/catalog.ts";
import type { Deps, OpContext, Operation } from "../src/ops/operation.ts";
import { CONTEXT_SPAN } from "../src/recall/neighbours.ts";
import { queryTerms } from "../src/recall/query_terms.ts";
import { withoutStopWords } from "../src/recall/stop_words.ts";
import { loadConfig, openDeps } from "../src/runtime.ts";
import { VERSION } from "../src/version.ts";
import { connectMcp } from "../test/support/processes.ts";
import { mixSeed, mulberry32, type Rng } from "./_prng.ts";
import {
  type BenchReport,
  judge,
  machineInfo,
  type OpResult,
  renderTable,
  type SizeResult,
  type Surface,
  TARGETS,
  writeReport,
} from "./_report.ts";
import { PeakRss, summarise } from "./_stats.ts";
import { NAMESPACES, Workload } from "./_workload.ts";

const DEFAULT_SEED = 20_240_601;
const DATA_DIR = "data/bench";
const ACTOR = "bench:store_recall";
/** Share of queries cut from stored memories (guaranteed hits); the rest are Zipf-drawn words. */
const STORED_QUERY_SHARE = 0.5;
/** Sample RSS every this many calls (outside the timed region). */
const RSS_EVERY = 25;

function usage(): string {
  return [
    "Usage: deno task bench [--seed N] [--iterations N] [--warmup N] [--large] [--sizes 1000,10000] [--skip-mcp]",
    "  --seed N        PRNG seed for the synthetic data (default " + DEFAULT_SEED + ")",
    "  --iterations N  measured calls per operation (default 300)",
    "  --warmup N      unmeasured calls per operation before measuring (default 30)",
    "  --large         add the 100k size (and its MCP round trips)",
    "  --sizes LIST    comma-separated database sizes, replacing the defaults",
    "  --skip-mcp      skip the MCP stdio round trips",
  ].join("\n");
}

interface Options {
  seed: number;
  iterations: number;
  warmup: number;
  large: boolean;
  sizes: number[];
  mcp: boolean;
}

function positiveInt(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    throw new Error(`--${name} must be an integer >= ${min}, got "${text}"`);
  }
  return n;
}

function parseOptions(args: string[]): Options | undefined {
  const { values } = parseArgs({
    args,
    options: {
      seed: { type: "string" },
      iterations: { type: "string" },
      warmup: { type: "string" },
      large: { type: "boolean", default: false },
      sizes: { type: "string" },
      "skip-mcp": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const large = values.large ?? false;
  const sizes = values.sizes === undefined
    ? [1_000, 10_000, ...(large ? [100_000] : [])]
    : values.sizes.split(",").map((s) => positiveInt("sizes", s.trim().replaceAll("_", ""), 0));
  return {
    seed: positiveInt("seed", values.seed, DEFAULT_SEED, 0),
    iterations: positiveInt("iterations", values.iterations, 300),
    warmup: positiveInt("warmup", values.warmup, 30, 0),
    large,
    sizes,
    mcp: !(values["skip-mcp"] ?? false),
  };
}

function operation(name: string): Operation {
  const op = CATALOG.find((o) => o.name === name);
  if (!op) throw new Error(`Operation ${name} is not in the catalog`);
  return op;
}

const STORE = operation("memory_store");
const RECALL = operation("memory_recall");
const SEARCH = operation("memory_search");
const LIST = operation("memory_list");
const GET = operation("memory_get");

/** One timed workload: builds input i outside the clock, then awaits one call on the clock. */
interface Phase<I> {
  surface: Surface;
  op: string;
  input(i: number): I;
  /** Runs the call; returns how many memories it returned, when that means something. */
  call(input: I): Promise<number | undefined>;
}

async function measure<I>(
  phase: Phase<I>,
  size: number,
  options: Options,
  rss: PeakRss,
): Promise<OpResult> {
  const samples: number[] = [];
  let results = 0;
  let counted = 0;
  const total = options.warmup + options.iterations;
  for (let i = 0; i < total; i++) {
    const input = phase.input(i);
    const started = performance.now();
    const returned = await phase.call(input);
    const elapsed = performance.now() - started;
    if (i >= options.warmup) {
      samples.push(elapsed);
      if (returned !== undefined) {
        results += returned;
        counted += 1;
      }
    }
    if (i % RSS_EVERY === 0) rss.sample();
  }
  rss.sample();
  const stats = summarise(samples);
  const result: OpResult = { surface: phase.surface, op: phase.op, size, stats };
  if (counted > 0) result.meanResults = results / counted;
  const target = judge(phase.surface, phase.op, size, stats);
  if (target) result.target = target;
  console.error(
    `  ${phase.surface.padEnd(11)} ${phase.op.padEnd(22)} p50 ${stats.p50.toFixed(3)} ms  p95 ${
      stats.p95.toFixed(3)
    } ms  p99 ${stats.p99.toFixed(3)} ms`,
  );
  return result;
}

/** A dedicated, reproducible random stream for one phase at one size. */
function stream(options: Options, size: number, tag: string): Rng {
  let h = 0;
  for (const c of tag) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  return mulberry32(mixSeed(options.seed, size, h));
}

async function seedDatabase(ctx: OpContext, deps: Deps, workload: Workload, size: number, rss: PeakRss) {
  const ids: string[] = [];
  const started = performance.now();
  const step = Math.max(1, Math.floor(size / 10));
  for (let i = 0; i < size; i++) {
    const out = await invokeOperation(STORE, workload.next(), { ctx, metrics: deps.metrics });
    if (out.action !== "created") throw new Error(`Seeding store ${i} was not a create: ${out.action}`);
    ids.push(out.id as string);
    if (i % 100 === 0) rss.sample();
    if ((i + 1) % step === 0) {
      const seconds = (performance.now() - started) / 1000;
      console.error(`  seeded ${i + 1}/${size} (${((i + 1) / seconds).toFixed(0)} stores/s)`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return { ids, seeding: { count: size, seconds, storesPerSec: size / seconds } };
}

function inProcessPhases(
  ctx: OpContext,
  deps: Deps,
  workload: Workload,
  ids: readonly string[],
  options: Options,
  size: number,
): Phase<unknown>[] {
  const invoke = (op: Operation) => async (input: unknown) => {
    const out = await invokeOperation(op, input, { ctx, metrics: deps.metrics });
    return typeof out.count === "number" ? out.count : undefined;
  };
  const seeded = size;
  const upsertRng = stream(options, size, "upsert");
  const recallRng = stream(options, size, "recall");
  const searchRng = stream(options, size, "search");
  const listRng = stream(options, size, "list");
  const getRng = stream(options, size, "get");
  const keywordRecallRng = stream(options, size, "recall");
  const keywordSearchRng = stream(options, size, "search");
  const now = () => ctx.clock.now().toISOString();
  return [
    {
      surface: "in-process",
      op: "memory_store",
      input: () => workload.next(),
      call: async (input) => {
        const out = await invokeOperation(STORE, input, { ctx, metrics: deps.metrics });
        if (out.action !== "created") throw new Error("memory_store of a new title did not create");
        return undefined;
      },
    },
    {
      surface: "in-process",
      op: "memory_store (upsert)",
      input: () => workload.upsertOf(Math.floor(upsertRng() * seeded), upsertRng),
      call: async (input) => {
        const out = await invokeOperation(STORE, input, { ctx, metrics: deps.metrics });
        if (out.action !== "updated") throw new Error("memory_store of an existing title did not update");
        return undefined;
      },
    },
    {
      surface: "in-process",
      op: "memory_recall",
      input: () => ({ context: workload.query(recallRng, STORED_QUERY_SHARE), limit: 10 }),
      call: invoke(RECALL),
    },
    {
      // The same queries as memory_recall, against the store alone, as recall calls it (stop words
      // out, the best 20 matches and the memories stored around them): SQL (FTS5 MATCH + bm25, the
      // neighbour reads) and row decoding, without zod validation, ranking or result shaping.
      surface: "store-layer",
      op: "keyword any (recall)",
      input: () => withoutStopWords(queryTerms(workload.query(keywordRecallRng, STORED_QUERY_SHARE))),
      call: async (terms) =>
        (await deps.store.keyword(terms as string[], {
          mode: "any",
          filter: {},
          now: now(),
          limit: 20,
          context: CONTEXT_SPAN,
        })).length,
    },
    {
      surface: "in-process",
      op: "memory_search",
      input: () => ({ query: workload.query(searchRng, STORED_QUERY_SHARE), limit: 20 }),
      call: invoke(SEARCH),
    },
    {
      surface: "store-layer",
      op: "keyword all (search)",
      input: () => queryTerms(workload.query(keywordSearchRng, STORED_QUERY_SHARE)),
      call: async (terms) =>
        (await deps.store.keyword(terms as string[], { mode: "all", filter: {}, now: now(), limit: 20 }))
          .length,
    },
    {
      // Every other call filters by namespace, as agents scoped to a project do.
      surface: "in-process",
      op: "memory_list",
      input: (i) =>
        i % 2 === 0
          ? { limit: 20 }
          : { limit: 20, namespace: NAMESPACES[Math.floor(listRng() * NAMESPACES.length)]! },
      call: invoke(LIST),
    },
    {
      surface: "in-process",
      op: "memory_get",
      input: () => ({ id: ids[Math.floor(getRng() * ids.length)]! }),
      call: async (input) => {
        await invokeOperation(GET, input, { ctx, metrics: deps.metrics });
        return undefined;
      },
    },
  ];
}

type McpClient = Awaited<ReturnType<typeof connectMcp>>;

async function callTool(client: McpClient, name: string, args: Record<string, unknown>) {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`MCP ${name} failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent as Record<string, unknown> | undefined;
}

function mcpPhases(client: McpClient, workload: Workload, options: Options, size: number): Phase<unknown>[] {
  const recallRng = stream(options, size, "mcp-recall");
  return [
    {
      surface: "mcp-stdio",
      op: "memory_store",
      input: () => workload.next(),
      call: async (input) => {
        const out = await callTool(client, "memory_store", input as Record<string, unknown>);
        if (out?.action !== "created") throw new Error("MCP memory_store of a new title did not create");
        return undefined;
      },
    },
    {
      surface: "mcp-stdio",
      op: "memory_recall",
      input: () => ({ context: workload.query(recallRng, STORED_QUERY_SHARE), limit: 10 }),
      call: async (input) => {
        const out = await callTool(client, "memory_recall", input as Record<string, unknown>);
        return typeof out?.count === "number" ? out.count : undefined;
      },
    },
  ];
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return 0;
    throw err;
  }
}

async function benchSize(size: number, options: Options, rss: PeakRss): Promise<SizeResult> {
  await Deno.mkdir(DATA_DIR, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: DATA_DIR, prefix: `store_recall-${size}-` });
  const db = `${dir}/bench.db`;
  const baselineBytes = rss.reset();
  try {
    console.error(`size ${size}: database ${db}`);
    const deps = await openDeps(loadConfig({ db }));
    const ctx: OpContext = { ...deps, actor: ACTOR };
    const workload = new Workload(options.seed);
    const ops: OpResult[] = [];
    let seeding: SizeResult["seeding"];
    try {
      const seeded = await seedDatabase(ctx, deps, workload, size, rss);
      seeding = seeded.seeding;
      for (const phase of inProcessPhases(ctx, deps, workload, seeded.ids, options, size)) {
        ops.push(await measure(phase, size, options, rss));
      }
    } finally {
      deps.store.close();
    }
    const result: SizeResult = {
      size,
      seeding,
      rss: { baselineBytes, peakBytes: rss.peak },
      dbBytes: 0,
      ops,
    };
    if (options.mcp && size >= 10_000 && (size < 100_000 || options.large)) {
      const started = performance.now();
      const client = await connectMcp(db);
      result.mcpConnectMs = performance.now() - started;
      try {
        for (const phase of mcpPhases(client, workload, options, size)) {
          ops.push(await measure(phase, size, options, rss));
        }
      } finally {
        await client.close();
      }
    }
    result.rss.peakBytes = rss.peak;
    result.dbBytes = (await fileSize(db)) + (await fileSize(`${db}-wal`));
    return result;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function main(): Promise<void> {
  const options = parseOptions(Deno.args);
  if (!options) {
    console.log(usage());
    return;
  }
  const startedAt = new Date();
  const rss = new PeakRss();
  // Also sample whenever the event loop turns (MCP waits); the loops above sample inline.
  const sampler = setInterval(() => rss.sample(), 100);
  const results: SizeResult[] = [];
  try {
    for (const size of options.sizes) results.push(await benchSize(size, options, rss));
  } finally {
    clearInterval(sampler);
    await Deno.remove(DATA_DIR).catch(() => {/* not empty or already gone */});
  }
  const report: BenchReport = {
    benchmark: "store_recall",
    productVersion: VERSION,
    startedAt: startedAt.toISOString(),
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    args: Deno.args,
    machine: machineInfo(),
    seed: options.seed,
    sizes: options.sizes,
    iterations: options.iterations,
    warmup: options.warmup,
    targets: TARGETS,
    results,
  };
  const path = await writeReport(report);
  console.log(renderTable(report));
  console.log("");
  const misses = results.flatMap((r) => r.ops).filter((o) => o.target && !o.target.pass);
  console.log(
    misses.length === 0
      ? "All targets met (targets are informative)."
      : `${misses.length} target(s) missed (informative only; exit status stays 0).`,
  );
  console.log(
    `Seed ${options.seed}; ${options.iterations} measured + ${options.warmup} warmup calls per row.`,
  );
  console.log(`Wrote ${path} and bench/results/latest.json (${report.durationSeconds.toFixed(0)} s).`);
}

await main();
