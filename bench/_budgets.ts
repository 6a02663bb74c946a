// The Rust project's p95 budgets (PERFORMANCE.md v0.6.3, ../shared/reference/ai-memory-interface.md §7)
// and this project's claim against them: every measured p95 at least HEADROOM times inside its budget.

/** How far inside each budget a p95 must be: p95 x HEADROOM <= budget. */
export const HEADROOM = 4;

/** One budget of the Rust project's table. */
export interface Budget {
  /** Short key, e.g. `recall`. */
  key: string;
  /** The row as the Rust table names it. */
  label: string;
  /** The percentile the budget is for (the Rust CI gates p95; federation ack is a p99 budget). */
  percentile: "p95" | "p99";
  budgetMs: number;
  /** The benchmark rows (operation labels) judged against it; empty when not implemented here. */
  rows: readonly string[];
  /** Why it is not measured, when it is not. */
  notImplemented?: string;
  /** The benchmark that measures it instead, when `ai-memory bench` does not. */
  measuredBy?: string;
}

/**
 * The budgets of the issue, plus get_taxonomy, kg_query depth <= 5 and the full hybrid recall from the
 * same table.
 */
export const BUDGETS: readonly Budget[] = [
  {
    key: "session_start",
    label: "memory_session_start hook",
    percentile: "p95",
    budgetMs: 100,
    rows: ["memory_session_start"],
  },
  {
    key: "recall",
    label: "memory_recall (hot, depth=1)",
    percentile: "p95",
    budgetMs: 50,
    // The Rust bench measures this row as a keyword recall (db::recall, no embedding).
    rows: ["memory_recall"],
  },
  {
    key: "recall_hybrid",
    label: "memory_recall (cold, full hybrid)",
    percentile: "p95",
    budgetMs: 200,
    // The full pipeline on every call: the query embedded, the vector index searched, fused with
    // the keyword matches (no result is cached between calls).
    rows: ["memory_recall hybrid"],
  },
  {
    key: "store",
    label: "memory_store (no embedding)",
    percentile: "p95",
    budgetMs: 20,
    rows: ["memory_store", "memory_store (upsert)"],
  },
  {
    key: "store_embed",
    label: "memory_store (with embedding)",
    percentile: "p95",
    budgetMs: 200,
    rows: ["memory_store (with embedding)"],
  },
  { key: "search", label: "memory_search (FTS5)", percentile: "p95", budgetMs: 100, rows: ["memory_search"] },
  {
    key: "check_duplicate",
    label: "memory_check_duplicate",
    percentile: "p95",
    budgetMs: 50,
    rows: ["memory_check_duplicate"],
  },
  {
    key: "kg_query",
    label: "memory_kg_query (depth <= 3)",
    percentile: "p95",
    budgetMs: 100,
    rows: ["memory_kg_query depth 1", "memory_kg_query depth 3"],
  },
  {
    key: "kg_query_d5",
    label: "memory_kg_query (depth <= 5)",
    percentile: "p95",
    budgetMs: 250,
    rows: ["memory_kg_query depth 5"],
  },
  {
    key: "kg_timeline",
    label: "memory_kg_timeline",
    percentile: "p95",
    budgetMs: 100,
    rows: ["memory_kg_timeline"],
  },
  {
    key: "get_taxonomy",
    label: "memory_get_taxonomy (full tree)",
    percentile: "p95",
    budgetMs: 100,
    rows: ["memory_get_taxonomy"],
  },
  {
    key: "curator",
    label: "curator cycle (1k memories)",
    percentile: "p95",
    budgetMs: 60_000,
    rows: [],
    measuredBy: "deno task bench:curator (one cycle, fake LLM endpoint)",
  },
  {
    key: "federation_ack",
    label: "federation ack (W=2 quorum)",
    percentile: "p99",
    budgetMs: 2_000,
    rows: [],
    measuredBy: "deno task bench:federation (3 nodes on loopback, mutual TLS, HTTP stores)",
  },
];

/** The budget a benchmark row is judged against, if any. */
export function budgetOf(row: string): Budget | undefined {
  return BUDGETS.find((b) => b.rows.includes(row));
}

/** How a measured percentile compares with its budget. */
export interface BudgetVerdict {
  key: string;
  budgetMs: number;
  percentile: "p95" | "p99";
  /** budget / measured: 4 means four times inside. */
  headroom: number;
  /** measured x HEADROOM <= budget. */
  pass: boolean;
}

/** Judge one measured row (its p95, or p99 for a p99 budget). */
export function judgeBudget(
  row: string,
  stats: { p95: number; p99: number },
): BudgetVerdict | undefined {
  const budget = budgetOf(row);
  if (!budget) return undefined;
  const measured = budget.percentile === "p95" ? stats.p95 : stats.p99;
  return {
    key: budget.key,
    budgetMs: budget.budgetMs,
    percentile: budget.percentile,
    headroom: budget.budgetMs / measured,
    pass: measured * HEADROOM <= budget.budgetMs,
  };
}
