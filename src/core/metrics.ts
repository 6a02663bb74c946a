// In-process operation metrics (calls, errors, latency histograms), rendered as Prometheus text.
// Owned by the process's deps, never a module global, so tests and servers each get their own.

const BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

interface OpStats {
  calls: number;
  errors: Map<string, number>;
  buckets: number[];
  sum: number;
}

/** Counters and histograms per operation. */
export class OperationMetrics {
  #ops = new Map<string, OpStats>();
  #running = 0;
  #lastActive = Number.NEGATIVE_INFINITY;

  /** A call started (record() ends it); background work asks quietMs() before it runs. */
  begin(): void {
    this.#running += 1;
    this.#lastActive = performance.now();
  }

  /** Milliseconds since the last call ended; 0 while one runs, Infinity before the first. */
  quietMs(): number {
    return this.#running > 0 ? 0 : performance.now() - this.#lastActive;
  }

  #stats(op: string): OpStats {
    let s = this.#ops.get(op);
    if (!s) {
      s = { calls: 0, errors: new Map(), buckets: BUCKETS_SECONDS.map(() => 0), sum: 0 };
      this.#ops.set(op, s);
    }
    return s;
  }

  /** Record one finished call; `errorCode` is set when it failed. */
  record(op: string, seconds: number, errorCode?: string): void {
    if (this.#running > 0) this.#running -= 1;
    this.#lastActive = performance.now();
    const s = this.#stats(op);
    s.calls += 1;
    s.sum += seconds;
    BUCKETS_SECONDS.forEach((b, i) => {
      if (seconds <= b) s.buckets[i]! += 1;
    });
    if (errorCode) s.errors.set(errorCode, (s.errors.get(errorCode) ?? 0) + 1);
  }

  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    const lines: string[] = [
      "# HELP ai_memory_operation_calls_total Operation calls by operation.",
      "# TYPE ai_memory_operation_calls_total counter",
    ];
    const ops = [...this.#ops.entries()].sort(([a], [b]) => a.localeCompare(b));
    for (const [op, s] of ops) lines.push(`ai_memory_operation_calls_total{op="${op}"} ${s.calls}`);
    lines.push(
      "# HELP ai_memory_operation_errors_total Failed operation calls by operation and code.",
      "# TYPE ai_memory_operation_errors_total counter",
    );
    for (const [op, s] of ops) {
      for (const [code, n] of s.errors) {
        lines.push(`ai_memory_operation_errors_total{op="${op}",code="${code}"} ${n}`);
      }
    }
    lines.push(
      "# HELP ai_memory_operation_duration_seconds Operation latency.",
      "# TYPE ai_memory_operation_duration_seconds histogram",
    );
    for (const [op, s] of ops) {
      BUCKETS_SECONDS.forEach((b, i) => {
        lines.push(`ai_memory_operation_duration_seconds_bucket{op="${op}",le="${b}"} ${s.buckets[i]}`);
      });
      lines.push(`ai_memory_operation_duration_seconds_bucket{op="${op}",le="+Inf"} ${s.calls}`);
      lines.push(`ai_memory_operation_duration_seconds_sum{op="${op}"} ${s.sum}`);
      lines.push(`ai_memory_operation_duration_seconds_count{op="${op}"} ${s.calls}`);
    }
    return lines.join("\n") + "\n";
  }
}
