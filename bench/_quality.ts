// Recall-quality scoring for the LoCoMo protocol: any@k and recall@k per question, their shares
// overall and per category, the printed table and the JSON report under bench/results/.
import { writeResultFiles } from "./_results.ts";
import type { LatencyStats } from "./_stats.ts";

/** What one question got back: its evidence and the dia_ids recalled, best first. */
export interface Answered {
  conversation: string;
  category: number;
  evidence: string[];
  recalled: string[];
}

/** Shares (0..1) over a group of questions. */
export interface Scores {
  questions: number;
  evidenceTurns: number;
  any5: number;
  any10: number;
  recall10: number;
}

/** The whole run, as written to JSON. */
export interface QualityReport {
  benchmark: "recall_quality";
  productVersion: string;
  startedAt: string;
  durationSeconds: number;
  data: string;
  /** Recall mode, and for hybrid modes the fusion and the embedder (with its dimension). */
  mode: string;
  fusion?: string;
  embedder?: string;
  conversations: { id: string; turns: number; stored: number; questions: number }[];
  overall: Scores;
  byCategory: Record<string, Scores>;
  byConversation: Record<string, Scores>;
  recallLatencyMs: LatencyStats;
  machine: Record<string, unknown>;
}

/** True when one of the first `k` recalled turns is evidence. */
export function anyAt(answered: Answered, k: number): boolean {
  return answered.recalled.slice(0, k).some((id) => answered.evidence.includes(id));
}

/** How many of the evidence turns are among the first `k` recalled. */
export function foundAt(answered: Answered, k: number): number {
  const top = new Set(answered.recalled.slice(0, k));
  return answered.evidence.filter((id) => top.has(id)).length;
}

/** any@5, any@10 (share of questions) and recall@10 (share of all evidence turns) of a group. */
export function score(group: readonly Answered[]): Scores {
  const evidenceTurns = group.reduce((n, a) => n + a.evidence.length, 0);
  const share = (n: number, of: number) => (of === 0 ? 0 : n / of);
  return {
    questions: group.length,
    evidenceTurns,
    any5: share(group.filter((a) => anyAt(a, 5)).length, group.length),
    any10: share(group.filter((a) => anyAt(a, 10)).length, group.length),
    recall10: share(group.reduce((n, a) => n + foundAt(a, 10), 0), evidenceTurns),
  };
}

/** Scores grouped by a key, keys in natural order. */
export function scoreBy(
  answered: readonly Answered[],
  key: (a: Answered) => string,
): Record<string, Scores> {
  const groups = new Map<string, Answered[]>();
  for (const a of answered) groups.set(key(a), [...(groups.get(key(a)) ?? []), a]);
  const keys = [...groups.keys()].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  return Object.fromEntries(keys.map((k) => [k, score(groups.get(k)!)]));
}

/** LoCoMo's names for the question categories. */
export const CATEGORY_NAMES: Record<string, string> = {
  "1": "multi-hop",
  "2": "temporal",
  "3": "open-domain",
  "4": "single-hop",
};

function pct(share: number): string {
  return (share * 100).toFixed(1);
}

function grid(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r.map((cell, i) => i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)).join("  ")
  )
    .join("\n");
}

/** The readable summary: one row per category, per conversation and overall, then latency. */
export function renderQualityTable(report: QualityReport): string {
  const rows = [["group", "questions", "evidence", "any@5 %", "any@10 %", "recall@10 %"]];
  const row = (name: string, s: Scores) =>
    rows.push([
      name,
      String(s.questions),
      String(s.evidenceTurns),
      pct(s.any5),
      pct(s.any10),
      pct(s.recall10),
    ]);
  for (const [c, s] of Object.entries(report.byCategory)) {
    row(`category ${c} (${CATEGORY_NAMES[c] ?? "?"})`, s);
  }
  for (const [c, s] of Object.entries(report.byConversation)) row(`conversation ${c}`, s);
  row("all", report.overall);
  const l = report.recallLatencyMs;
  return [
    grid(rows),
    "",
    `memory_recall latency over ${l.n} calls: p50 ${l.p50.toFixed(2)} ms, p95 ${l.p95.toFixed(2)} ms, ` +
    `p99 ${l.p99.toFixed(2)} ms, max ${l.max.toFixed(2)} ms`,
  ].join("\n");
}

/** Write the report to bench/results/recall_quality-<timestamp>.json and recall_quality-latest.json. */
export async function writeQualityReport(report: QualityReport, dir = "bench/results"): Promise<string> {
  const variant = report.mode === "keyword" ? "" : `-${report.mode.replace("+", "-")}-${report.fusion}`;
  return (await writeResultFiles(report, { name: `recall_quality${variant}`, dir })).path;
}
