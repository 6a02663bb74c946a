// The benchmark's results: their shape, the informative latency targets, the printed table and
// the JSON files under bench/results/. Nothing here measures; it only formats and writes.
import { writeResultFiles } from "./_results.ts";
import type { LatencyStats } from "./_stats.ts";

/** Where a measured call ran: in this process, the store layer alone, or over MCP stdio. */
export type Surface = "in-process" | "store-layer" | "mcp-stdio";

/** One measured operation at one database size. */
export interface OpResult {
  surface: Surface;
  op: string;
  size: number;
  stats: LatencyStats;
  /** Mean number of memories the call returned (read operations only). */
  meanResults?: number;
  target?: { p95Ms: number; pass: boolean };
}

/** Everything measured for one database size. */
export interface SizeResult {
  size: number;
  seeding: { count: number; seconds: number; storesPerSec: number };
  rss: { baselineBytes: number; peakBytes: number };
  dbBytes: number;
  mcpConnectMs?: number;
  ops: OpResult[];
}

/** The whole run, as written to JSON. */
export interface BenchReport {
  benchmark: "store_recall";
  productVersion: string;
  startedAt: string;
  durationSeconds: number;
  args: string[];
  machine: Record<string, unknown>;
  seed: number;
  sizes: number[];
  iterations: number;
  warmup: number;
  targets: readonly Target[];
  results: SizeResult[];
}

/** An informative p95 goal; a miss is reported, never fatal. */
export interface Target {
  surface: Surface;
  op: string;
  p95Ms: number;
  /** Sizes the target applies to; absent = every size. */
  sizes?: readonly number[];
  note: string;
}

/** The targets printed beside the figures. */
export const TARGETS: readonly Target[] = [
  { surface: "in-process", op: "memory_store", p95Ms: 5, note: "store p95 < 5 ms" },
  { surface: "in-process", op: "memory_store (upsert)", p95Ms: 5, note: "store p95 < 5 ms" },
  {
    surface: "in-process",
    op: "memory_recall",
    p95Ms: 20,
    sizes: [1_000, 10_000],
    note: "recall p95 < 20 ms at 10k",
  },
  { surface: "in-process", op: "memory_search", p95Ms: 20, note: "search p95 < 20 ms" },
  {
    surface: "mcp-stdio",
    op: "memory_store",
    p95Ms: 10,
    sizes: [10_000],
    note: "MCP store p95 < 10 ms at 10k",
  },
  {
    surface: "mcp-stdio",
    op: "memory_recall",
    p95Ms: 10,
    sizes: [10_000],
    note: "MCP recall p95 < 10 ms at 10k",
  },
];

/** The target for an operation at a size, if any, judged against its p95. */
export function judge(
  surface: Surface,
  op: string,
  size: number,
  stats: LatencyStats,
): OpResult["target"] {
  const target = TARGETS.find((t) =>
    t.surface === surface && t.op === op && (t.sizes === undefined || t.sizes.includes(size))
  );
  return target ? { p95Ms: target.p95Ms, pass: stats.p95 < target.p95Ms } : undefined;
}

/** What can be learned about the machine with the bench permission set (no `sys`: no os release). */
export function machineInfo(): Record<string, unknown> {
  const info: Record<string, unknown> = {
    build: { ...Deno.build },
    hardwareConcurrency: navigator.hardwareConcurrency,
    deno: { ...Deno.version },
    userAgent: navigator.userAgent,
  };
  if (Deno.permissions.querySync({ name: "sys", kind: "osRelease" }).state === "granted") {
    info.osRelease = Deno.osRelease();
  }
  return info;
}

function ms(value: number): string {
  return Number.isNaN(value) ? "-" : value.toFixed(value < 10 ? 3 : 1);
}

function sizeLabel(size: number): string {
  return size >= 1000 && size % 1000 === 0 ? `${size / 1000}k` : String(size);
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

function grid(rows: string[][], rightAligned: ReadonlySet<number>): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r.map((cell, i) => rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))
      .join("  ").trimEnd()
  ).join("\n");
}

/** The readable summary: seeding and memory per size, then one latency row per operation. */
export function renderTable(report: BenchReport): string {
  const sizes = [[
    "size",
    "seeded",
    "seed s",
    "stores/s",
    "rss base MiB",
    "rss peak MiB",
    "db MiB",
    "mcp connect ms",
  ]];
  for (const r of report.results) {
    sizes.push([
      sizeLabel(r.size),
      String(r.seeding.count),
      r.seeding.seconds.toFixed(1),
      r.seeding.storesPerSec.toFixed(0),
      mib(r.rss.baselineBytes),
      mib(r.rss.peakBytes),
      mib(r.dbBytes),
      r.mcpConnectMs === undefined ? "-" : r.mcpConnectMs.toFixed(0),
    ]);
  }
  const ops = [[
    "surface",
    "operation",
    "size",
    "n",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "mean ms",
    "max ms",
    "hits",
    "target p95",
    "result",
  ]];
  for (const r of report.results) {
    for (const o of r.ops) {
      ops.push([
        o.surface,
        o.op,
        sizeLabel(o.size),
        String(o.stats.n),
        ms(o.stats.p50),
        ms(o.stats.p95),
        ms(o.stats.p99),
        ms(o.stats.mean),
        ms(o.stats.max),
        o.meanResults === undefined ? "-" : o.meanResults.toFixed(1),
        o.target ? `< ${o.target.p95Ms} ms` : "-",
        o.target ? (o.target.pass ? "PASS" : "MISS") : "-",
      ]);
    }
  }
  return [
    grid(sizes, new Set([1, 2, 3, 4, 5, 6, 7])),
    "",
    grid(ops, new Set([3, 4, 5, 6, 7, 8, 9])),
  ].join("\n");
}

/** Write the report to bench/results/store_recall-<timestamp>.json and latest.json; returns the first path. */
export async function writeReport(report: BenchReport, dir = "bench/results"): Promise<string> {
  return (await writeResultFiles(report, { name: "store_recall", latest: "latest.json", dir })).path;
}
