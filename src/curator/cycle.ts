// One curator cycle: from its cursor on, tag new memories, link likely contradictions, propose
// consolidations of near-duplicates, then expire; bounded by memories, LLM calls and time. It sits
// above ops/ and runs catalog operations as an agent would, so governance and the audit trail apply.
import { MemoryError, toMemoryError } from "../core/errors.ts";
import type { Memory } from "../core/memory.ts";
import { LocalLlm } from "../models/local_llm.ts";
import { isPendingResult } from "../ops/_governance_guard.ts";
import { invokeOperation } from "../ops/invoke.ts";
import { memoryAutoTag } from "../ops/memory_auto_tag.ts";
import { memoryDetectContradiction } from "../ops/memory_detect_contradiction.ts";
import { memoryGc } from "../ops/memory_gc.ts";
import { memoryLink } from "../ops/memory_link.ts";
import type { Deps, Operation } from "../ops/operation.ts";
import { queryTerms } from "../recall/query_terms.ts";
import type { CuratorCursor } from "../store/curator_store.ts";
import { jaccard, wordSet } from "./similarity.ts";

/** The actor the curator's writes are recorded under. */
export const CURATOR_ACTOR = "system:curator";

/** What a cycle did (or, dry, would do), and where its time went. */
export interface CuratorReport {
  dry_run: boolean;
  started_at: string;
  cursor_from: CuratorCursor | null;
  cursor_to: CuratorCursor | null;
  examined: number;
  stopped_by: "caught_up" | "max_memories" | "max_llm_calls" | "budget" | "llm_error";
  tagged: { id: string; tags: string[]; status: "applied" | "queued" | "would_apply"; pending_id?: string }[];
  contradictions: {
    source_id: string;
    target_id: string;
    reason: string;
    status: "linked" | "would_link" | "queued";
    pending_id?: string;
  }[];
  proposals: { namespace: string; ids: string[]; titles: string[]; similarity: number }[];
  expired: number;
  errors: { id: string; code: string; message: string }[];
  timing: { total_ms: number; llm_request_ms: number; llm_parse_ms: number; other_ms: number };
  llm_calls: number;
  llm_retries: number;
}

// Keyword neighbours compared with each memory (for contradictions and duplicates).
const NEIGHBOURS = 4;

/**
 * Run one cycle. With `dryRun` nothing is written: no tags, links, expiry, cursor or report.
 * @throws {MemoryError} invalid_input when no local LLM is configured
 */
export async function runCuratorCycle(
  deps: Deps,
  options: { dryRun: boolean },
): Promise<CuratorReport> {
  const config = deps.config;
  if (!config.llm) {
    throw new MemoryError(
      "invalid_input",
      "Invalid input: llm: the curator needs a local LLM; none is configured (set llm.url and llm.chatModel)",
    );
  }
  const llm = deps.llm ?? new LocalLlm(config.llm);
  const limits = config.curator;
  const started = performance.now();
  const statsBefore = { ...llm.stats };
  const ctx = { ...deps, llm, actor: CURATOR_ACTOR };
  const run = (op: Operation, input: Record<string, unknown>) => invokeOperation(op, input, { ctx });
  const state = await deps.store.curator.state();
  const now = deps.clock.now().toISOString();
  const report: CuratorReport = {
    dry_run: options.dryRun,
    started_at: now,
    cursor_from: state.cursor,
    cursor_to: state.cursor,
    examined: 0,
    stopped_by: "caught_up",
    tagged: [],
    contradictions: [],
    proposals: [],
    expired: 0,
    errors: [],
    timing: { total_ms: 0, llm_request_ms: 0, llm_parse_ms: 0, other_ms: 0 },
    llm_calls: 0,
    llm_retries: 0,
  };
  const batch = await deps.store.curator.after(state.cursor, { now, limit: limits.maxMemories });
  // Pairs already proposed or asked about in this cycle.
  const proposed = new Set<string>();
  for (const memory of batch) {
    if (performance.now() - started > limits.budgetMs) {
      report.stopped_by = "budget";
      break;
    }
    // A memory takes up to two calls (tags, one verdict), each perhaps retried once.
    if (llm.stats.calls - statsBefore.calls + 2 > limits.maxLlmCalls) {
      report.stopped_by = "max_llm_calls";
      break;
    }
    try {
      await curateOne(memory, { deps, run, report, proposed, dryRun: options.dryRun });
    } catch (err) {
      const error = toMemoryError(err);
      // The endpoint is down or slow: stop here, and this memory is the first of the next cycle.
      if (error.code === "timeout" || (error.code === "unavailable" && !("task" in error.details))) {
        report.errors.push({ id: memory.id, code: error.code, message: error.message });
        report.stopped_by = "llm_error";
        break;
      }
      // Anything about this memory alone (a malformed answer, a refusal) is reported and passed.
      report.errors.push({ id: memory.id, code: error.code, message: error.message });
    }
    report.examined++;
    report.cursor_to = { created_at: memory.created_at, id: memory.id };
    if (!options.dryRun) await deps.store.curator.advance(report.cursor_to);
  }
  if (report.stopped_by === "caught_up" && batch.length === limits.maxMemories) {
    report.stopped_by = "max_memories";
  }
  const gc = await run(memoryGc, { dry_run: options.dryRun });
  report.expired = (gc.memories as unknown[]).length;
  const total = performance.now() - started;
  report.llm_calls = llm.stats.calls - statsBefore.calls;
  report.llm_retries = llm.stats.retries - statsBefore.retries;
  const requestMs = llm.stats.requestMs - statsBefore.requestMs;
  const parseMs = llm.stats.parseMs - statsBefore.parseMs;
  report.timing = {
    total_ms: round(total),
    llm_request_ms: round(requestMs),
    llm_parse_ms: round(parseMs),
    other_ms: round(total - requestMs - parseMs),
  };
  if (!options.dryRun) {
    await deps.store.curator.finish(report as unknown as Record<string, unknown>, {
      now: deps.clock.now().toISOString(),
    });
  }
  return report;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

async function curateOne(
  memory: Memory,
  options: {
    deps: Deps;
    run: (op: Operation, input: Record<string, unknown>) => Promise<Record<string, unknown>>;
    report: CuratorReport;
    proposed: Set<string>;
    dryRun: boolean;
  },
): Promise<void> {
  const { deps, run, report, dryRun } = options;
  const limits = deps.config.curator;
  if (new TextEncoder().encode(memory.content).length < limits.minContentBytes) return;
  if (!Array.isArray(memory.metadata.auto_tags)) {
    const r = await run(memoryAutoTag, { id: memory.id, dry_run: dryRun });
    if (isPendingResult(r)) {
      report.tagged.push({ id: memory.id, tags: [], status: "queued", pending_id: String(r.pending_id) });
    } else {
      const tags = r.auto_tags as string[];
      report.tagged.push({ id: memory.id, tags, status: dryRun ? "would_apply" : "applied" });
    }
  }
  const neighbours = await keywordNeighbours(deps, memory);
  // Near-duplicates: proposed, never merged by the curator (memory_consolidate is the agent's call).
  const words = wordSet(memory.content);
  for (const other of neighbours) {
    const similarity = jaccard(words, wordSet(other.content));
    const key = `duplicate ${[memory.id, other.id].sort().join(" ")}`;
    if (similarity >= limits.similarity && !options.proposed.has(key)) {
      options.proposed.add(key);
      report.proposals.push({
        namespace: memory.namespace,
        ids: [other.id, memory.id],
        titles: [other.title, memory.title],
        similarity: Math.round(similarity * 1000) / 1000,
      });
    }
  }
  // Contradictions: the nearest sibling by keywords, asked once; a yes is linked, nothing deleted.
  const sibling = neighbours.find((n) =>
    new TextEncoder().encode(n.content).length >= limits.minContentBytes
  );
  // A pair is asked once a cycle (a dry run links nothing, so the other side would ask again).
  const pair = `contradiction ${[memory.id, sibling?.id].sort().join(" ")}`;
  if (!sibling || options.proposed.has(pair)) return;
  options.proposed.add(pair);
  const verdict = await run(memoryDetectContradiction, { id_a: memory.id, id_b: sibling.id });
  if (verdict.contradicts !== true || verdict.linked === true) return;
  const found = { source_id: memory.id, target_id: sibling.id, reason: String(verdict.reason) };
  if (dryRun) {
    report.contradictions.push({ ...found, status: "would_link" });
    return;
  }
  const r = await run(memoryLink, { source_id: memory.id, target_id: sibling.id, relation: "contradicts" });
  // Under an approve rule the link waits for approval like any other write.
  if (isPendingResult(r)) {
    report.contradictions.push({ ...found, status: "queued", pending_id: String(r.pending_id) });
    return;
  }
  report.contradictions.push({ ...found, status: "linked" });
}

/** Memories of the same namespace sharing words with this one's title, best first. */
async function keywordNeighbours(deps: Deps, memory: Memory): Promise<Memory[]> {
  const terms = queryTerms(memory.title);
  if (terms.length === 0) return [];
  const hits = await deps.store.keyword(terms, {
    mode: "any",
    filter: { namespace: memory.namespace, excludeSuperseded: true },
    now: deps.clock.now().toISOString(),
    limit: NEIGHBOURS + 1,
  });
  return hits.map((h) => h.memory).filter((m) => m.id !== memory.id).slice(0, NEIGHBOURS);
}
