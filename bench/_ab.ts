// bench:check's A/B confirmation. A figure over the gate's threshold may be a regression, or the
// machine in a slower phase that the calibration workload did not follow. To tell them apart, the
// row is measured again side by side with the code the baseline was measured on: that commit's
// `src/` (from git) under this tree's harness, and this tree, each on a database of its own seeded
// with the gate's seed, both in this one process (two processes differ by themselves: same-code A/Bs
// across processes were up to 30 % apart on one row), taking turns window by window (ABBA), so each
// side sees the machine's spells alike.
//
// The figure judged is the p95 of all of a side's calls (1,500 at 15 pairs of 100-call windows) over
// the other side's. One window's p95 is its 5th-slowest call and moves by a third from window to
// window; the pooled one moved by about 5 % between same-code sides. A row above the line gets as
// many pairs again before it is judged.
import { type AbSide, openSide } from "./_ab_side.ts";
import { percentile } from "./_stats.ts";

/** The repository root (where deno.json is). */
const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** One row judged side by side. */
export interface AbRow {
  row: string;
  /** candidateP95Ms / baselineP95Ms: the figure judged. */
  ratio: number;
  /** The p95 of all of each side's measured calls (ms). */
  candidateP95Ms: number;
  baselineP95Ms: number;
  /** Each pair of windows' candidate p95 / baseline p95, in the order measured (for the record). */
  pairRatios: number[];
}

/** Run `producer | consumer` (argv lists) in `cwd`; throws with the stderr of the one that failed. */
async function pipe(producer: string[], consumer: string[], cwd = ROOT): Promise<void> {
  const a = new Deno.Command(producer[0]!, { args: producer.slice(1), cwd, stdout: "piped", stderr: "piped" })
    .spawn();
  const b = new Deno.Command(consumer[0]!, { args: consumer.slice(1), cwd, stdin: "piped", stderr: "piped" })
    .spawn();
  const [, sa, sb, ea, eb] = await Promise.all([
    a.stdout.pipeTo(b.stdin),
    a.status,
    b.status,
    new Response(a.stderr).text(),
    new Response(b.stderr).text(),
  ]);
  for (const [argv, status, err] of [[producer, sa, ea], [consumer, sb, eb]] as const) {
    if (!status.success) throw new Error(`${argv.join(" ")} failed: ${err.trim()}`);
  }
}

/** The full id of `commit` if this repository has it, else null (e.g. a shallow clone). */
export async function resolveCommit(commit: string): Promise<string | null> {
  const out = await new Deno.Command("git", {
    args: ["rev-parse", "--verify", "--quiet", `${commit}^{commit}`],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
  }).output().catch(() => null);
  return out?.success ? new TextDecoder().decode(out.stdout).trim() : null;
}

/** The commit this tree is at, and whether `src/` differs from it. */
export async function headCommit(): Promise<{ commit: string; srcChanged: boolean } | null> {
  const commit = await resolveCommit("HEAD");
  if (!commit) return null;
  const status = await new Deno.Command("git", {
    args: ["status", "--porcelain", "--", "src"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
  }).output();
  return { commit, srcChanged: new TextDecoder().decode(status.stdout).trim() !== "" };
}

/**
 * Write into `dir` (under ./data) the baseline side's tree: `commit`'s src/ and this tree's bench/,
 * test/support/ (the harness must be the same on both sides) and package.json, and a link to this
 * tree's node_modules. Both sides run with this tree's deno.json and dependencies: the A/B compares
 * the product's code, not its dependencies.
 */
export async function prepareBaselineTree(commit: string, dir: string): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch(() => {/* not there */});
  await Deno.mkdir(dir, { recursive: true });
  await pipe(["git", "archive", "--format=tar", commit, "src"], ["tar", "-x", "-C", dir]);
  await pipe(["tar", "-c", "--exclude=bench/results", "bench", "test/support", "package.json"], [
    "tar",
    "-x",
    "-C",
    dir,
  ]);
  // The product finds its native addon next to its own src/. `ln`, not Deno.symlink: that needs
  // unscoped read and write permissions.
  const ln = await new Deno.Command("ln", {
    args: ["-s", `${ROOT}/node_modules`, `${dir}/node_modules`],
    cwd: ROOT,
  }).output();
  if (!ln.success) {
    throw new Error(`ln -s node_modules failed: ${new TextDecoder().decode(ln.stderr).trim()}`);
  }
}

/** The side module of the baseline tree in `dir` (relative to the repository root). */
async function baselineSideModule(dir: string): Promise<typeof import("./_ab_side.ts")> {
  return await import(new URL(`${dir}/bench/_ab_side.ts`, `file://${ROOT}/`).href);
}

/** This tree and the baseline's, each on a seeded database of its own at one size. */
export class AbPair {
  readonly #candidate: AbSide;
  readonly #baseline: AbSide;

  private constructor(candidate: AbSide, baseline: AbSide) {
    this.#candidate = candidate;
    this.#baseline = baseline;
  }

  /** Seed both sides' databases (in `workDir`, under ./data); the baseline's tree is in `baselineDir`. */
  static async open(options: {
    baselineDir: string;
    workDir: string;
    size: number;
    seed: number;
    pool: number;
    actor: string;
  }): Promise<AbPair> {
    const { size, seed, pool, actor } = options;
    await Deno.mkdir(options.workDir, { recursive: true });
    const theirs = await baselineSideModule(options.baselineDir);
    const db = (side: string) => `${options.workDir}/${side}-${size}.db`;
    const candidate = await openSide({ db: db("candidate"), size, seed, pool, actor });
    try {
      return new AbPair(candidate, await theirs.openSide({ db: db("baseline"), size, seed, pool, actor }));
    } catch (err) {
      await candidate.close();
      throw err;
    }
  }

  /**
   * `row` side by side for `pairs` pairs of windows; a ratio above `extendAbove` gets as many pairs
   * again, and the figure of all of them (half the variance).
   */
  async compare(row: string, pairs: number, extendAbove = Infinity): Promise<AbRow> {
    const [candidate, baseline] = [this.#candidate, this.#baseline];
    // One unmeasured window each: compiled code paths and warm caches on both sides.
    await candidate.window(row);
    await baseline.window(row);
    const cand: number[][] = [];
    const base: number[][] = [];
    const measurePairs = async (n: number) => {
      for (let i = 0; i < n; i++) {
        if (cand.length % 2 === 0) {
          cand.push(await candidate.window(row));
          base.push(await baseline.window(row));
        } else {
          base.push(await baseline.window(row));
          cand.push(await candidate.window(row));
        }
      }
    };
    const p95 = (samples: number[]) => percentile([...samples].sort((a, b) => a - b), 95);
    const figure = (): AbRow => {
      const candidateP95Ms = p95(cand.flat());
      const baselineP95Ms = p95(base.flat());
      return {
        row,
        ratio: candidateP95Ms / baselineP95Ms,
        candidateP95Ms,
        baselineP95Ms,
        pairRatios: cand.map((c, i) => p95(c) / p95(base[i]!)),
      };
    };
    await measurePairs(pairs);
    if (figure().ratio > extendAbove) await measurePairs(pairs);
    return figure();
  }

  async close(): Promise<void> {
    try {
      await this.#baseline.close();
    } finally {
      await this.#candidate.close();
    }
  }
}
