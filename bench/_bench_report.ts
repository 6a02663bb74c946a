// The report of `ai-memory bench`: its JSON shape, and the same figures as plain-text tables (stdout)
// and Markdown tables (bench/results/bench-latest.md, the source of bench/RESULTS.md).
import { writeResultFiles } from "./_results.ts";
import { BUDGETS, type BudgetVerdict, HEADROOM } from "./_budgets.ts";
import type { Plan } from "./_measure.ts";
import type { Seeding } from "./_seed.ts";
import type { LatencyStats } from "./_stats.ts";
import type { SurfaceName } from "./_surfaces.ts";

/** One measured row at one size through one surface. */
export interface BenchRow {
  surface: SurfaceName;
  size: number;
  row: string;
  op: string;
  stats: LatencyStats;
  /** Calls per second, back to back (1000 / mean ms). */
  throughput: number;
  meanHits?: number;
  budget?: BudgetVerdict;
}

/** Everything measured at one database size. */
export interface BenchSize {
  size: number;
  seeding: Seeding;
  /** The benchmark process (seeding, in-process calls, clients). */
  rss: { baselineBytes: number; peakBytes: number };
  /** Peak RSS (VmHWM) of the server process per surface that runs one; absent when unreadable. */
  serverPeakRssBytes: Partial<Record<SurfaceName, number>>;
  dbBytes: number;
  rows: BenchRow[];
}

/** One side of the peer comparison at one size. */
export interface PeerSide {
  store: LatencyStats;
  search: LatencyStats;
  searchMeanHits: number;
  seedSeconds: number;
  peakRssBytes?: number;
}

/** The comparison with server-memory at one size. */
export interface PeerSize {
  size: number;
  ours: PeerSide;
  theirs: PeerSide;
}

/** The whole run, as written to JSON. */
export interface BenchReport {
  benchmark: "bench";
  productVersion: string;
  startedAt: string;
  durationSeconds: number;
  args: string[];
  machine: Record<string, unknown>;
  seed: number;
  surfaces: SurfaceName[];
  plan: Plan;
  /** Median calibration unit over the run (ms): compare runs of different machines with it. */
  calibrationMedianMs: number;
  headroomRequired: number;
  sizes: BenchSize[];
  budgets: {
    key: string;
    label: string;
    percentile: string;
    budgetMs: number;
    /** The largest measured percentile over every row, size and surface judged against it. */
    worstMs?: number;
    worstRow?: string;
    headroom?: number;
    pass?: boolean;
    notImplemented?: string;
    measuredBy?: string;
  }[];
  peer?: { package: string; version: string; surface: "mcp-stdio"; plan: Plan; sizes: PeerSize[] };
}

/** Summarise the budgets over every row. */
export function budgetSummary(sizes: readonly BenchSize[]): BenchReport["budgets"] {
  return BUDGETS.map((b) => {
    const base = { key: b.key, label: b.label, percentile: b.percentile, budgetMs: b.budgetMs };
    if (b.notImplemented) return { ...base, notImplemented: b.notImplemented };
    if (b.measuredBy) return { ...base, measuredBy: b.measuredBy };
    let worst: { ms: number; row: string } | undefined;
    for (const s of sizes) {
      for (const r of s.rows) {
        if (r.budget?.key !== b.key) continue;
        const ms = b.percentile === "p95" ? r.stats.p95 : r.stats.p99;
        if (!worst || ms > worst.ms) worst = { ms, row: `${r.row} @ ${sizeLabel(r.size)} ${r.surface}` };
      }
    }
    if (!worst) return { ...base, notImplemented: "not measured in this run" };
    return {
      ...base,
      worstMs: worst.ms,
      worstRow: worst.row,
      headroom: b.budgetMs / worst.ms,
      pass: worst.ms * HEADROOM <= b.budgetMs,
    };
  });
}

export function sizeLabel(size: number): string {
  return size >= 1000 && size % 1000 === 0 ? `${size / 1000}k` : String(size);
}

function ms(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return "-";
  return value.toFixed(value < 10 ? 3 : 1);
}

function mib(bytes: number | undefined): string {
  return bytes === undefined ? "-" : (bytes / 1024 / 1024).toFixed(1);
}

function times(x: number | undefined): string {
  return x === undefined ? "-" : `${x >= 100 ? x.toFixed(0) : x.toFixed(1)}x`;
}

/** A table: header row, body rows, and which columns are numbers (right-aligned). */
interface Table {
  title: string;
  head: string[];
  rows: string[][];
  numeric: ReadonlySet<number>;
}

function tables(report: BenchReport): Table[] {
  const out: Table[] = [];
  out.push({
    title: "Databases",
    head: [
      "size",
      "memories",
      "links",
      "stores/s",
      "links/s",
      "rss base MiB",
      "rss peak MiB",
      ...report.surfaces.filter((s) => s !== "inproc").map((s) => `${s} server peak MiB`),
      "db MiB",
    ],
    rows: report.sizes.map((s) => [
      sizeLabel(s.size),
      String(s.seeding.memories),
      String(s.seeding.links),
      s.seeding.storesPerSec.toFixed(0),
      s.seeding.linksPerSec.toFixed(0),
      mib(s.rss.baselineBytes),
      mib(s.rss.peakBytes),
      ...report.surfaces.filter((x) => x !== "inproc").map((x) => mib(s.serverPeakRssBytes[x])),
      mib(s.dbBytes),
    ]),
    numeric: new Set([1, 2, 3, 4, 5, 6, 7, 8, 9]),
  });
  out.push({
    title: "Latency (ms)",
    head: [
      "surface",
      "size",
      "operation",
      "n",
      "p50",
      "p95",
      "p99",
      "mean",
      "max",
      "calls/s",
      "hits",
      "budget p95",
      "inside",
      `${HEADROOM}x`,
    ],
    rows: report.sizes.flatMap((s) =>
      s.rows.map((r) => [
        r.surface,
        sizeLabel(r.size),
        r.row,
        String(r.stats.n),
        ms(r.stats.p50),
        ms(r.stats.p95),
        ms(r.stats.p99),
        ms(r.stats.mean),
        ms(r.stats.max),
        r.throughput.toFixed(0),
        r.meanHits === undefined ? "-" : r.meanHits.toFixed(1),
        r.budget ? `${r.budget.budgetMs}` : "-",
        times(r.budget?.headroom),
        r.budget ? (r.budget.pass ? "PASS" : "FAIL") : "-",
      ])
    ),
    numeric: new Set([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
  });
  out.push({
    title:
      `Budgets (Rust PERFORMANCE.md): worst case over every size and surface, must be ${HEADROOM}x inside`,
    head: ["budget", "pct", "budget ms", "worst ms", "worst row", "inside", `${HEADROOM}x`],
    rows: report.budgets.map((b) => [
      b.label,
      b.percentile,
      String(b.budgetMs),
      ms(b.worstMs),
      b.notImplemented ? `not implemented: ${b.notImplemented}` : b.measuredBy ?? b.worstRow ?? "-",
      times(b.headroom),
      b.notImplemented || b.measuredBy ? "n/a" : b.pass ? "PASS" : "FAIL",
    ]),
    numeric: new Set([2, 3, 5]),
  });
  if (report.peer && report.peer.sizes.length > 0) {
    const peer = report.peer;
    const rows: string[][] = [];
    for (const p of peer.sizes) {
      for (
        const [op, ours, theirs] of [
          ["store a fact", p.ours.store, p.theirs.store],
          ["keyword query", p.ours.search, p.theirs.search],
        ] as const
      ) {
        rows.push([
          sizeLabel(p.size),
          op,
          ms(ours.p50),
          ms(ours.p95),
          ms(theirs.p50),
          ms(theirs.p95),
          times(theirs.p50 / ours.p50),
          times(theirs.p95 / ours.p95),
          op === "keyword query"
            ? `${p.ours.searchMeanHits.toFixed(1)} / ${p.theirs.searchMeanHits.toFixed(1)}`
            : "-",
        ]);
      }
    }
    out.push({
      title: `ai-memory vs ${peer.package}@${peer.version}, both over MCP stdio (ratio = theirs / ours)`,
      head: [
        "size",
        "operation",
        "ours p50",
        "ours p95",
        "theirs p50",
        "theirs p95",
        "ratio p50",
        "ratio p95",
        "hits ours / theirs",
      ],
      rows,
      numeric: new Set([2, 3, 4, 5, 6, 7, 8]),
    });
    const first = peer.sizes[0]!;
    const last = peer.sizes[peer.sizes.length - 1]!;
    if (peer.sizes.length > 1) {
      const grow = (a: LatencyStats, b: LatencyStats) => times(b.p50 / a.p50);
      out.push({
        title: `Scaling ${sizeLabel(first.size)} -> ${sizeLabel(last.size)} (p50 at ${
          sizeLabel(last.size)
        } / p50 at ${sizeLabel(first.size)})`,
        head: [
          "operation",
          "ai-memory",
          peer.package,
          "ai-memory peak RSS MiB",
          "server-memory peak RSS MiB",
        ],
        rows: [
          [
            "store a fact",
            grow(first.ours.store, last.ours.store),
            grow(first.theirs.store, last.theirs.store),
            `${mib(first.ours.peakRssBytes)} -> ${mib(last.ours.peakRssBytes)}`,
            `${mib(first.theirs.peakRssBytes)} -> ${mib(last.theirs.peakRssBytes)}`,
          ],
          [
            "keyword query",
            grow(first.ours.search, last.ours.search),
            grow(first.theirs.search, last.theirs.search),
            "",
            "",
          ],
        ],
        numeric: new Set([1, 2]),
      });
    }
  }
  return out;
}

function grid(table: Table): string {
  const all = [table.head, ...table.rows];
  const widths = table.head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const lines = all.map((r) =>
    r.map((cell, i) => table.numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)).join("  ")
      .trimEnd()
  );
  return [table.title, ...lines].join("\n");
}

function markdown(table: Table): string {
  const escape = (cell: string) => cell.replaceAll("|", "\\|");
  return [
    `**${table.title}**`,
    "",
    `| ${table.head.map(escape).join(" | ")} |`,
    `| ${table.head.map((_, i) => table.numeric.has(i) ? "---:" : "---").join(" | ")} |`,
    ...table.rows.map((r) => `| ${r.map(escape).join(" | ")} |`),
  ].join("\n");
}

/** The tables as plain text, for the terminal. */
export function renderText(report: BenchReport): string {
  return tables(report).map(grid).join("\n\n");
}

/** The tables as Markdown, with the machine and the run's settings. */
export function renderMarkdown(report: BenchReport): string {
  const m = report.machine as {
    build?: { target?: string };
    hardwareConcurrency?: number;
    deno?: { deno?: string };
    osRelease?: string;
    loadavg?: number[];
  };
  const plan = report.plan;
  return [
    `Run ${report.startedAt} (${report.durationSeconds.toFixed(0)} s), ai-memory ${report.productVersion}, ` +
    `\`${["bench", ...report.args].join(" ")}\``,
    "",
    `Machine: ${m.hardwareConcurrency ?? "?"} logical CPUs, ` +
    `${m.build?.target ?? "?"}${m.osRelease ? `, kernel ${m.osRelease}` : ""}, Deno ${m.deno?.deno ?? "?"}` +
    `${m.loadavg ? `, load average at start ${m.loadavg.map((x) => x.toFixed(2)).join(" ")}` : ""}; ` +
    `calibration unit median ${report.calibrationMedianMs.toFixed(3)} ms.`,
    "",
    `Seed ${report.seed}; ${plan.rounds} interleaved rounds of ${plan.perRound} measured calls per row ` +
    `(${plan.warmup} warmup calls per round).`,
    "",
    ...tables(report).flatMap((t) => [markdown(t), ""]),
  ].join("\n");
}

/** Write the JSON and Markdown reports under `dir`; returns the JSON path. */
export async function writeBenchReport(report: BenchReport, dir = "bench/results"): Promise<string> {
  const { path } = await writeResultFiles(report, { name: "bench", dir });
  await Deno.writeTextFile(`${dir}/bench-latest.md`, renderMarkdown(report));
  return path;
}
