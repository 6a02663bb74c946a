// The timing loop: every row measured in interleaved rounds (round 1 of every row, then round 2 of
// every row, ...), so a noisy moment on a shared machine spreads over all rows instead of ruining
// one. A short calibration batch runs between consecutive row-rounds, so each round is bracketed by
// a reference figure taken just before and just after it.
import type { Calibration } from "./_calibrate.ts";
import type { OpSpec } from "./_ops.ts";
import { type LatencyStats, type PeakRss, percentile, summarise } from "./_stats.ts";

/** How many calls to time, and how. */
export interface Plan {
  /** Interleaved rounds. */
  rounds: number;
  /** Measured calls per row per round. */
  perRound: number;
  /** Unmeasured calls per row at the start of every round. */
  warmup: number;
  /** Calibration units in each batch between row-rounds (0: no calibration). */
  calibrationUnits: number;
  /**
   * true: every round sends inputs 0..perRound-1 again, so rounds are interchangeable (the gate);
   * false: inputs continue across rounds, so every call has its own input (the report).
   */
  repeatInputs: boolean;
  /** A round ends early once it has run this long with at least 20 measured calls. */
  maxRoundMs?: number;
}

/** One round of one row. */
export interface RoundRecord {
  n: number;
  p50: number;
  p95: number;
  /** Median calibration unit (ms) of the batches right before and right after the round. */
  calBefore: number;
  calAfter: number;
  /** The measured calls' durations (ms) in call order, when asked for. */
  samples?: number[];
}

/** What one row measured. */
export interface RowMeasurement {
  row: string;
  op: string;
  /** Over all measured calls of all rounds. */
  stats: LatencyStats;
  rounds: RoundRecord[];
  /** Mean items returned, for rows that return items. */
  meanHits?: number;
  /** Calls per second over the measured calls, back to back. */
  throughput: number;
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Measure `specs` through `call` in `plan.rounds` interleaved rounds. */
export async function measureRows(
  specs: readonly OpSpec[],
  call: (op: string, input: Record<string, unknown>) => Promise<Record<string, unknown>>,
  plan: Plan,
  options: {
    calibration?: Calibration;
    rss?: PeakRss;
    afterRound?: () => Promise<void>;
    keepSamples?: boolean;
  } = {},
): Promise<RowMeasurement[]> {
  const { calibration, rss } = options;
  const batch = () =>
    calibration && plan.calibrationUnits > 0 ? median(calibration.units(plan.calibrationUnits)) : Number.NaN;
  const samples = specs.map(() => [] as number[]);
  const rounds = specs.map(() => [] as RoundRecord[]);
  const hits = specs.map(() => ({ sum: 0, n: 0 }));
  const calls = plan.warmup + plan.perRound;
  let before = batch();
  for (let round = 0; round < plan.rounds; round++) {
    for (const [k, spec] of specs.entries()) {
      const times: number[] = [];
      const roundStarted = performance.now();
      for (let i = 0; i < calls; i++) {
        if (
          plan.maxRoundMs !== undefined && times.length >= 20 &&
          performance.now() - roundStarted > plan.maxRoundMs
        ) break;
        const input = spec.input(plan.repeatInputs ? i : round * calls + i);
        const started = performance.now();
        const out = await call(spec.op, input);
        const elapsed = performance.now() - started;
        const returned = spec.check(out);
        if (i >= plan.warmup) {
          times.push(elapsed);
          if (returned !== undefined) {
            hits[k]!.sum += returned;
            hits[k]!.n++;
          }
        }
        if (i % 25 === 0) rss?.sample();
      }
      const after = batch();
      const sorted = [...times].sort((a, b) => a - b);
      rounds[k]!.push({
        n: times.length,
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        calBefore: before,
        calAfter: after,
        ...(options.keepSamples ? { samples: times } : {}),
      });
      samples[k]!.push(...times);
      before = after;
    }
    await options.afterRound?.();
  }
  rss?.sample();
  return specs.map((spec, k) => {
    const stats = summarise(samples[k]!);
    const m: RowMeasurement = {
      row: spec.row,
      op: spec.op,
      stats,
      rounds: rounds[k]!,
      throughput: 1000 / stats.mean,
    };
    if (hits[k]!.n > 0) m.meanHits = hits[k]!.sum / hits[k]!.n;
    return m;
  });
}
