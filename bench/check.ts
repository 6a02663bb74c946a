// deno-lint-ignore-file no-console -- printing the results is this program's job
// `deno task bench:check`: the regression gate. Reruns the quick set (every budgeted operation in
// process at 1k and 10k memories) and fails when an operation's p95, divided by a calibration
// workload measured in the same run, is more than 10% above bench/baseline.json. Built for a noisy
// shared machine: 25 interleaved windows of the same 100 inputs per row, a calibration batch between
// windows, the lower quartile of the windows' p95 / calibration. A row over the threshold is then
// confirmed side by side against the baseline's own commit (bench/_ab.ts) and fails only if it is
// still over; without that commit (a shallow clone, a baseline without one), or when that commit's
// code cannot run under this harness, it is measured once more, twice as long, instead. `--update`
// writes the baseline.
import { AbPair, type AbRow, headCommit, prepareBaselineTree, resolveCommit } from "./_ab.ts";
import { writeResultFiles } from "./_results.ts";
import { parseArgs } from "node:util";
import { VERSION } from "../src/version.ts";
import { sizeLabel } from "./_bench_report.ts";
import { Calibration } from "./_calibrate.ts";
import { loadAverage, machineDetails } from "./_machine.ts";
import { measureRows, median, type Plan, type RoundRecord } from "./_measure.ts";
import { type OpSpec, opSpecs, ROWS, writesLast, writesRow } from "./_ops.ts";
import { seedDatabase } from "./_seed.ts";
import { inProcessDriverOf, openInProcess } from "./_surfaces.ts";
import { Workload } from "./_workload.ts";

const BASELINE = "bench/baseline.json";
const DATA_DIR = "data/bench";
const ACTOR = "bench:check";
const SEED = 20_240_601;
/** The quick set's sizes. */
const SIZES = [1_000, 10_000];
/**
 * Many short rounds: each is one window of 100 calls sending the same 100 inputs, so the windows are
 * interchangeable and differ only in the moment they ran at.
 */
const DEFAULT_PLAN: Plan = { rounds: 25, perRound: 100, warmup: 5, calibrationUnits: 6, repeatInputs: true };
/**
 * The quantile taken over the windows' p95 and over the calibration batches. The machine alternates
 * between its normal speed and slower spells (neighbours), which inflate whole windows; the lower
 * quartile of the windows is a p95 at normal speed as long as the slow spells cover less than 3/4
 * of the run, while a real regression raises every window.
 */
const QUIET_QUANTILE = 0.25;
/**
 * Pairs of windows per row in the A/B confirmation: twice as many for the writing rows, whose p95
 * moved most between same-code sides (-14 % to +9 % on 15 pairs; why, not known).
 */
function abPairs(row: string): number {
  return writesRow(row) ? 30 : 15;
}
/** Where the baseline's tree is written for the A/B confirmation, and this tree's A/B databases. */
const AB_BASE_DIR = `${DATA_DIR}/ab-baseline`;
const AB_WORK_DIR = `${DATA_DIR}/ab-candidate`;

/** One gated figure: a row at a size. */
interface Figure {
  key: string;
  size: number;
  row: string;
  /** p95Ms / calibrationMs: the gated figure. */
  ratio: number;
  /** Lower quartile of the windows' p95 (ms). */
  p95Ms: number;
  /** Lower quartile of the calibration batches around the windows (ms per unit). */
  calibrationMs: number;
  /** Every window, for the record. */
  rounds: RoundRecord[];
}

/** bench/baseline.json. */
interface Baseline {
  benchmark: "bench:check";
  createdAt: string;
  productVersion: string;
  machine: Record<string, unknown>;
  seed: number;
  plan: Plan;
  threshold: number;
  /** How many runs each figure is the median of. */
  runs: number;
  /** The commit whose code was measured (the A/B confirmation runs it); absent in old baselines. */
  commit?: string;
  figures: Record<string, { p95Ms: number; calibrationMs: number; ratio: number; runRatios: number[] }>;
}

interface Verdict {
  key: string;
  baselineRatio: number;
  ratio: number;
  /** ratio / baselineRatio - 1. */
  change: number;
  /** The second measurement of a row over the threshold (when no A/B is possible). */
  remeasured?: { ratio: number; change: number; p95Ms: number; calibrationMs: number };
  /** The A/B confirmation of a row over the threshold: this tree against the baseline's commit. */
  ab?: AbRow & { change: number; commit: string };
  /** Why a row over the threshold could not be confirmed side by side. */
  abError?: string;
  pass: boolean;
}

function usage(): string {
  return [
    "Usage: deno task bench:check [--update [--runs N]] [--threshold 0.10] [--samples]",
    "       deno task bench:check --ab-only ROWS [--base COMMIT] [--sizes 1000,10000]",
    "  --update         measure --runs times and write bench/baseline.json (median ratio per figure)",
    "  --runs N         runs for --update (default 3)",
    "  --threshold X    allowed growth of p95 / calibration (default 0.10)",
    "  --skip LIST      rows not gated, comma-separated (e.g. memory_get_taxonomy); still measured and shown",
    "  --samples        keep every call's duration in bench/results/check-*.json (for noise studies)",
    "  --base COMMIT    the commit figures over the threshold are confirmed against (default: the baseline's)",
    "  --ab-only ROWS   no gate: measure these rows (comma-separated) side by side with --base (default HEAD)",
    "  --sizes LIST     with --ab-only: the database sizes (default 1000,10000)",
  ].join("\n");
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Keep every call's duration in the report (--samples). */
let keepSamples = false;

/** Measure rows in `rounds` windows (default DEFAULT_PLAN's) and reduce each to its figure. */
async function stableFigures(
  size: number,
  specs: readonly OpSpec[],
  call: (op: string, input: Record<string, unknown>) => Promise<Record<string, unknown>>,
  calibration: Calibration,
  rounds = DEFAULT_PLAN.rounds,
): Promise<Figure[]> {
  // One unmeasured round first: the code paths are compiled and the caches warm before any window.
  await measureRows(specs, call, { ...DEFAULT_PLAN, rounds: 1 });
  const measured = await measureRows(specs, call, { ...DEFAULT_PLAN, rounds }, { calibration, keepSamples });
  const calibrationMs = quantile(
    measured.flatMap((m) => m.rounds.flatMap((r) => [r.calBefore, r.calAfter])),
    QUIET_QUANTILE,
  );
  return measured.map((m) => {
    const p95Ms = quantile(m.rounds.map((r) => r.p95), QUIET_QUANTILE);
    return {
      key: `${sizeLabel(size)} ${m.row}`,
      size,
      row: m.row,
      ratio: p95Ms / calibrationMs,
      p95Ms,
      calibrationMs,
      rounds: m.rounds,
    };
  });
}

/** A figure over the threshold, and how to measure its row once more on the same database. */
interface Flagged {
  figure: Figure;
  again: () => Promise<Figure>;
}

/** What check() does while the quick set is measured. */
interface Judging {
  /** Judge a figure as soon as it is measured; true: it needs confirming. */
  judge(figure: Figure): boolean;
  /** Confirm the flagged figures of a group of rows before the next group changes the database. */
  confirm(size: number, flagged: Flagged[]): Promise<void>;
  /** A size is done. */
  endSize(size: number): Promise<void>;
}

/**
 * Measure the quick set once. With `judging`, each figure is judged as soon as it is measured, and
 * those flagged are confirmed after their group of rows (the reading rows, then memory_store).
 */
async function measureQuickSet(calibration: Calibration, judging?: Judging): Promise<Figure[]> {
  const figures: Figure[] = [];
  await Deno.mkdir(DATA_DIR, { recursive: true });
  for (const size of SIZES) {
    const dir = await Deno.makeTempDir({ dir: DATA_DIR, prefix: `check-${size}-` });
    try {
      const { deps, ctx } = await openInProcess(`${dir}/check.db`, ACTOR, SEED);
      const driver = inProcessDriverOf(deps, ctx);
      try {
        const workload = new Workload(SEED);
        const { ids } = await seedDatabase(ctx, workload, size, { seed: SEED });
        const specs = opSpecs(workload, ids, {
          seed: SEED,
          size,
          surface: "inproc",
          pool: DEFAULT_PLAN.perRound,
        });
        // The reading rows first, on exactly `size` memories (with any re-measurement); memory_store
        // last, since every store adds a memory that the reading rows would otherwise see.
        for (const group of writesLast(specs)) {
          const flagged: Flagged[] = [];
          for (const figure of await stableFigures(size, group, driver.call, calibration)) {
            figures.push(figure);
            const spec = group.find((s) => s.row === figure.row)!;
            // The second measurement runs twice as many windows: a longer look, not the same one again.
            const again = async () =>
              (await stableFigures(size, [spec], driver.call, calibration, 2 * DEFAULT_PLAN.rounds))[0]!;
            if (judging?.judge(figure)) flagged.push({ figure, again });
          }
          if (flagged.length > 0) await judging!.confirm(size, flagged);
        }
      } finally {
        await driver.close();
        await judging?.endSize(size);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
  return figures;
}

function pct(x: number): string {
  return `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;
}

async function update(
  threshold: number,
  runs: number,
  calibration: Calibration,
): Promise<number> {
  const head = await headCommit();
  if (!head) {
    console.error(
      "Not in a git repository: the baseline records no commit, so nothing can be confirmed side by side.",
    );
  } else if (head.srcChanged) {
    console.error(
      `src/ differs from ${head.commit.slice(0, 12)}: the baseline records that commit, ` +
        "and A/B confirmations will run its code, not this tree's. Commit first.",
    );
  }
  const all: Figure[][] = [];
  for (let run = 1; run <= runs; run++) {
    console.error(`baseline run ${run}/${runs}`);
    all.push(await measureQuickSet(calibration));
  }
  const figures: Baseline["figures"] = {};
  for (const f of all[0]!) {
    const same = all.map((figs) => figs.find((g) => g.key === f.key)!);
    figures[f.key] = {
      p95Ms: median(same.map((g) => g.p95Ms)),
      calibrationMs: median(same.map((g) => g.calibrationMs)),
      ratio: median(same.map((g) => g.ratio)),
      runRatios: same.map((g) => g.ratio),
    };
  }
  const baseline: Baseline = {
    benchmark: "bench:check",
    createdAt: new Date().toISOString(),
    productVersion: VERSION,
    machine: machineDetails(),
    seed: SEED,
    plan: DEFAULT_PLAN,
    threshold,
    runs,
    ...(head ? { commit: head.commit } : {}),
    figures,
  };
  await Deno.writeTextFile(BASELINE, JSON.stringify(baseline, null, 2) + "\n");
  console.log("figure                              p95 ms   calib ms    ratio  spread of runs");
  for (const [key, f] of Object.entries(figures)) {
    const spread = (Math.max(...f.runRatios) - Math.min(...f.runRatios)) / f.ratio;
    console.log(
      `${key.padEnd(32)} ${f.p95Ms.toFixed(3).padStart(9)} ${f.calibrationMs.toFixed(3).padStart(10)} ` +
        `${f.ratio.toFixed(3).padStart(8)}  ${(spread * 100).toFixed(1)}%`,
    );
  }
  console.log(`Wrote ${BASELINE} (median of ${runs} runs).`);
  return 0;
}

/** A table as text: the first column left-aligned, the others right-aligned, two spaces apart. */
function aligned(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")
  )
    .join("\n");
}

/** The rows with memory_store last (it grows the database the reading rows measure). */
function readsFirst(rows: readonly string[]): string[] {
  return [...rows.filter((r) => !writesRow(r)), ...rows.filter(writesRow)];
}

/** This tree and the baseline tree in AB_BASE_DIR side by side at `size`, as the gate seeds them. */
function openAbPair(size: number): Promise<AbPair> {
  return AbPair.open({
    baselineDir: AB_BASE_DIR,
    workDir: AB_WORK_DIR,
    size,
    seed: SEED,
    pool: DEFAULT_PLAN.perRound,
    actor: ACTOR,
  });
}

/** Remove what an A/B wrote. */
async function removeAbDirs(): Promise<void> {
  for (const dir of [AB_BASE_DIR, AB_WORK_DIR]) {
    await Deno.remove(dir, { recursive: true }).catch(() => {/* not made */});
  }
}

/**
 * Confirms figures over the threshold: side by side with the baseline's commit when there is one
 * (one A/B pair per size, seeded at its first use), else, or when the A/B cannot run (the commit's
 * code does not fit this harness), by measuring the row once more.
 */
class Confirmer {
  readonly #commit: string | null;
  readonly #threshold: number;
  /** Why side by side is not possible, once it failed. */
  #abError: string | undefined;
  #tree: Promise<void> | undefined;
  #pair: AbPair | undefined;

  constructor(commit: string | null, threshold: number) {
    this.#commit = commit;
    this.#threshold = threshold;
  }

  async confirm(
    size: number,
    flagged: readonly { figure: Figure; again: () => Promise<Figure>; verdict: Verdict }[],
  ): Promise<void> {
    if (this.#commit && this.#abError === undefined) {
      try {
        this.#tree ??= prepareBaselineTree(this.#commit, AB_BASE_DIR);
        await this.#tree;
        this.#pair ??= await openAbPair(size);
        for (const { figure, verdict } of flagged) {
          const r = await this.#pair.compare(figure.row, abPairs(figure.row), 1 + this.#threshold);
          verdict.ab = { ...r, change: r.ratio - 1, commit: this.#commit };
          verdict.pass = r.ratio - 1 <= this.#threshold;
          console.error(
            `  ${verdict.key.padEnd(30)} A/B ${pct(r.ratio - 1)} (${r.candidateP95Ms.toFixed(3)} ms against ${
              r.baselineP95Ms.toFixed(3)
            } at ${this.#commit.slice(0, 12)})`,
          );
        }
        return;
      } catch (err) {
        this.#abError = (err as Error).message;
        console.error(`  The A/B against ${this.#commit.slice(0, 12)} cannot run: ${this.#abError}`);
        console.error("  Figures over the threshold are measured once more instead.");
      }
    }
    for (const { figure, again, verdict } of flagged) {
      if (verdict.ab) continue;
      if (this.#abError) verdict.abError = this.#abError;
      const second = await again();
      const change = second.ratio / verdict.baselineRatio - 1;
      verdict.remeasured = {
        ratio: second.ratio,
        change,
        p95Ms: second.p95Ms,
        calibrationMs: second.calibrationMs,
      };
      verdict.pass = change <= this.#threshold;
      console.error(`  ${figure.key.padEnd(30)} measured again: ${pct(change)}`);
    }
  }

  /** Close the A/B pair of the size just done (the next size seeds its own). */
  async endSize(): Promise<void> {
    const pair = this.#pair;
    this.#pair = undefined;
    await pair?.close();
  }

  /** Remove what the A/B wrote. */
  async close(): Promise<void> {
    await this.endSize();
    await removeAbDirs();
  }
}

async function check(
  threshold: number,
  calibration: Calibration,
  skip: ReadonlySet<string>,
  baseOverride: string | undefined,
): Promise<number> {
  let baseline: Baseline;
  try {
    baseline = JSON.parse(await Deno.readTextFile(BASELINE)) as Baseline;
  } catch (err) {
    console.error(`Cannot read ${BASELINE} (${(err as Error).message}); run with --update to create it.`);
    return 2;
  }
  const startedAt = new Date();
  const loadBefore = loadAverage();
  const verdicts: Verdict[] = [];
  const wanted = baseOverride ?? baseline.commit;
  const baseCommit = wanted ? await resolveCommit(wanted) : null;
  if (!baseCommit) {
    console.error(
      wanted
        ? `The baseline's commit ${wanted} is not in this repository (a shallow clone?): figures over the threshold are measured once more instead of side by side.`
        : "The baseline records no commit (run --update): figures over the threshold are measured once more instead of side by side.",
    );
  }
  const confirmer = new Confirmer(baseCommit, threshold);
  let figures: Figure[];
  try {
    figures = await measureQuickSet(calibration, {
      judge(figure) {
        const base = baseline.figures[figure.key];
        if (skip.has(figure.row)) {
          console.error(`  ${figure.key}: skipped (--skip); not gated`);
          return false;
        }
        if (!base) {
          console.error(`  ${figure.key}: not in the baseline (run --update); not gated`);
          return false;
        }
        const change = figure.ratio / base.ratio - 1;
        verdicts.push({
          key: figure.key,
          baselineRatio: base.ratio,
          ratio: figure.ratio,
          change,
          pass: true,
        });
        console.error(`  ${figure.key.padEnd(30)} ratio ${figure.ratio.toFixed(3)} (${pct(change)})`);
        if (change <= threshold) return false;
        console.error(`  ${figure.key}: ${pct(change)} over the baseline; to be confirmed`);
        return true;
      },
      confirm: (size, flagged) =>
        confirmer.confirm(
          size,
          flagged.map((f) => ({ ...f, verdict: verdicts.find((v) => v.key === f.figure.key)! })),
        ),
      endSize: () => confirmer.endSize(),
    });
  } finally {
    await confirmer.close();
  }
  const rows = [[
    "figure",
    "p95 ms",
    "calib ms",
    "ratio",
    "baseline",
    "change",
    "confirmed",
    "verdict",
  ]];
  for (const f of figures) {
    const v = verdicts.find((x) => x.key === f.key);
    rows.push([
      f.key,
      f.p95Ms.toFixed(3),
      f.calibrationMs.toFixed(3),
      f.ratio.toFixed(3),
      v ? v.baselineRatio.toFixed(3) : "-",
      v ? pct(v.change) : "-",
      v?.ab
        ? `A/B ${pct(v.ab.change)}`
        : v?.remeasured
        ? `2nd ${pct(v.remeasured.change)}`
        : v?.abError
        ? "A/B failed"
        : "",
      v ? (v.pass ? (v.ab ? "ok (A/B)" : v.remeasured ? "ok (2nd)" : "ok") : "FAIL") : "not gated",
    ]);
  }
  console.log(aligned(rows));
  const failed = verdicts.filter((v) => !v.pass);
  /** A figure's change as judged: the confirmation's when there was one. */
  const judged = (v: Verdict) =>
    v.ab?.change ?? (v.remeasured ? Math.min(v.change, v.remeasured.change) : v.change);
  const worst = verdicts.reduce((a, v) => Math.max(a, judged(v)), -Infinity);
  const report = {
    benchmark: "bench:check",
    productVersion: VERSION,
    startedAt: startedAt.toISOString(),
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    machine: machineDetails(),
    loadBefore,
    loadAfter: loadAverage(),
    baselineCreatedAt: baseline.createdAt,
    baselineCommit: baseline.commit ?? null,
    confirmedAgainst: baseCommit,
    plan: DEFAULT_PLAN,
    threshold,
    figures,
    verdicts,
    worstChange: worst,
    pass: failed.length === 0,
  };
  await writeResultFiles(report, { name: "check" });
  console.log("");
  for (const size of SIZES) {
    const now = figures.find((f) => f.size === size)?.calibrationMs;
    const then = Object.entries(baseline.figures).find(([k]) => k.startsWith(`${sizeLabel(size)} `))?.[1]
      .calibrationMs;
    if (now !== undefined && then !== undefined) {
      console.log(
        `Calibration at ${sizeLabel(size)}: ${now.toFixed(3)} ms per unit, ${
          pct(now / then - 1)
        } against the ` +
          "baseline's (above 0: the machine was slower or busier than when the baseline was made).",
      );
    }
  }
  console.log(
    failed.length === 0
      ? `bench:check passed: ${verdicts.length} figures within +${
        (threshold * 100).toFixed(0)
      }% of the baseline ` +
        `(closest ${pct(worst)}; ${report.durationSeconds.toFixed(0)} s).`
      : `bench:check FAILED: ${failed.map((v) => `${v.key} ${pct(judged(v))}`).join(", ")} over +${
        (threshold * 100).toFixed(0)
      }% in the gate and in its confirmation (${
        failed.map((v) => v.ab ? "side by side" : "measured again").join(", ")
      }).`,
  );
  return failed.length === 0 ? 0 : 1;
}

/** `--ab-only`: the rows side by side with `base` at each of `sizes`, no gate. */
async function abOnly(rows: readonly string[], base: string, sizes: readonly number[]): Promise<number> {
  const commit = await resolveCommit(base);
  if (!commit) {
    console.error(`--base: ${base} is not a commit of this repository`);
    return 2;
  }
  const out = [[
    "figure",
    "this tree p95",
    `${commit.slice(0, 12)} p95`,
    "A/B",
    "pairs: median",
    "pairs: min..max",
  ]];
  try {
    await prepareBaselineTree(commit, AB_BASE_DIR);
    for (const size of sizes) {
      const pair = await openAbPair(size);
      try {
        for (const row of readsFirst(rows)) {
          const r = await pair.compare(row, abPairs(row));
          const line = [
            `${sizeLabel(size)} ${r.row}`,
            r.candidateP95Ms.toFixed(3),
            r.baselineP95Ms.toFixed(3),
            pct(r.ratio - 1),
            pct(median(r.pairRatios) - 1),
            `${pct(Math.min(...r.pairRatios) - 1)}..${pct(Math.max(...r.pairRatios) - 1)}`,
          ];
          console.error(`  ${line.join("  ")}`);
          out.push(line);
        }
      } finally {
        await pair.close();
      }
    }
  } finally {
    await removeAbDirs();
  }
  console.log(aligned(out));
  return 0;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      update: { type: "boolean", default: false },
      runs: { type: "string", default: "3" },
      threshold: { type: "string", default: "0.10" },
      samples: { type: "boolean", default: false },
      skip: { type: "string", default: "" },
      base: { type: "string" },
      "ab-only": { type: "string" },
      sizes: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage());
    return 0;
  }
  const threshold = Number(values.threshold);
  const runs = Number(values.runs);
  if (!(threshold > 0) || !Number.isInteger(runs) || runs < 1) {
    console.error(usage());
    return 2;
  }
  keepSamples = values.samples ?? false;
  if (values["ab-only"] !== undefined) {
    const rows = values["ab-only"].split(",").map((r) => r.trim()).filter(Boolean);
    const unknown = rows.filter((r) => !ROWS.includes(r));
    if (rows.length === 0 || unknown.length > 0) {
      console.error(
        `--ab-only: unknown rows ${unknown.join(", ") || "(none given)"}; rows are: ${ROWS.join(", ")}`,
      );
      return 2;
    }
    const sizes = (values.sizes ?? SIZES.join(",")).split(",").map(Number);
    if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 100_000)) {
      console.error(`--sizes: ${values.sizes} is not a list of memory counts from 1 to 100000`);
      return 2;
    }
    return await abOnly(rows, values.base ?? "HEAD", sizes);
  }
  const calibration = new Calibration();
  try {
    calibration.units(200);
    const skip = new Set((values.skip ?? "").split(",").map((r) => r.trim()).filter(Boolean));
    return values.update
      ? await update(threshold, runs, calibration)
      : await check(threshold, calibration, skip, values.base);
  } finally {
    calibration.close();
    await Deno.remove(DATA_DIR).catch(() => {/* not empty or already gone */});
  }
}

Deno.exit(await main());
