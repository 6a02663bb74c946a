// Latency statistics for the benchmark: nearest-rank percentiles and a summary of one sample,
// plus the peak-RSS tracker sampled between calls.

/** Summary of one operation's measured latencies, in milliseconds. */
export interface LatencyStats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

/** Nearest-rank percentile of an ascending sample: the value at rank ceil(p/100 * n). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** Summarise a sample of durations (ms). */
export function summarise(samples: readonly number[]): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((total, v) => total + v, 0);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** Tracks the highest resident set size seen since the last reset. */
export class PeakRss {
  #peak = 0;

  /** Take one sample of Deno.memoryUsage().rss. */
  sample(): void {
    const rss = Deno.memoryUsage().rss;
    if (rss > this.#peak) this.#peak = rss;
  }

  /** Start a new window; returns the current RSS, the window's baseline. */
  reset(): number {
    this.#peak = 0;
    this.sample();
    return this.#peak;
  }

  get peak(): number {
    return this.#peak;
  }
}
