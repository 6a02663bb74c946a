// OR-mode keyword matches with their stored context: the memories saved just before and after each
// match in its namespace (as when an agent stores a conversation turn by turn), with their relevance.
import type { KeywordHit } from "../store.ts";
import type { Match, ScoredMatches } from "./bm25_budget.ts";
import type { Clause } from "./filters.ts";
import { type MemoryRow, rowToMemory } from "./rows.ts";
import type { SqliteSession } from "./session.ts";

// The live, unexpired memories stored within `reach` places of each seq in its namespace.
const WINDOW_SQL = `SELECT m.seq AS seq,
  (SELECT json_group_array(seq) FROM (SELECT n.seq FROM memories n
    WHERE n.namespace = m.namespace AND n.deleted_at IS NULL AND n.seq < m.seq
      AND (n.expires_at IS NULL OR n.expires_at > @ctx_now)
    ORDER BY n.seq DESC LIMIT @ctx_reach)) AS before,
  (SELECT json_group_array(seq) FROM (SELECT n.seq FROM memories n
    WHERE n.namespace = m.namespace AND n.deleted_at IS NULL AND n.seq > m.seq
      AND (n.expires_at IS NULL OR n.expires_at > @ctx_now)
    ORDER BY n.seq LIMIT @ctx_reach)) AS after
  FROM memories m WHERE m.seq IN (SELECT value FROM json_each(@ctx_seqs))`;

/** `columns` of the memories among @ctx_seqs that pass `where`. */
function passingSql(columns: "m.seq AS seq" | "m.*", where: Clause): string {
  return `SELECT ${columns} FROM memories m
    WHERE m.seq IN (SELECT value FROM json_each(@ctx_seqs)) AND ${where.sql}`;
}

/** The `n` best [seq, rank] matches, best (lowest rank) first; only the ranks of all are sorted. */
export function bestFirst(matches: readonly Match[], n: number): Match[] {
  if (matches.length <= n) return [...matches].sort((a, b) => a[1] - b[1]);
  const ranks = new Float64Array(matches.length);
  for (let i = 0; i < matches.length; i++) ranks[i] = matches[i]![1];
  const cut = nthSmallest(ranks, n - 1);
  // Those better than the n-th, sorted; then those equal to it in the order given (as a stable
  // sort of them all would have it), without sorting the ties: unscored matches share one rank,
  // and may be thousands. Plain loops: at 2,500 matches, filter() and a sort of every rank cost
  // seven times this (0.40 against 0.056 ms).
  const best: Match[] = [];
  for (let i = 0; i < matches.length; i++) if (matches[i]![1] < cut) best.push(matches[i]!);
  best.sort((a, b) => a[1] - b[1]);
  for (let i = 0; i < matches.length && best.length < n; i++) {
    if (matches[i]![1] === cut) best.push(matches[i]!);
  }
  return best;
}

/** The `k`-th smallest of `values` (0-based), reordering them (Hoare's selection, ties split evenly). */
function nthSmallest(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const swap = values[i]!;
        values[i++] = values[j]!;
        values[j--] = swap;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k]!;
  }
  return values[k]!;
}

/** Which of `seqs` pass `where`. Call inside a read. */
export function visibleSeqs(session: SqliteSession, where: Clause, seqs: readonly number[]): Set<number> {
  if (seqs.length === 0) return new Set();
  const rows = session.stmt(passingSql("m.seq AS seq", where)).all({
    ...where.params,
    ctx_seqs: JSON.stringify(seqs),
  }) as {
    seq: number;
  }[];
  return new Set(rows.map((r) => r.seq));
}

/** The window of `seq` (itself alone if it has none) and the range of its places within `span` of it. */
function placesAround(windows: ReadonlyMap<number, number[]>, seq: number, span: number) {
  const window = windows.get(seq) ?? [seq];
  const at = window.indexOf(seq);
  return { window, from: Math.max(0, at - span), to: Math.min(window.length - 1, at + span) };
}

/**
 * The best `limit` matches that pass `where`, best first, from `score` (see bm25_budget.ts): the
 * best few checked first, all of them only when filters leave too few; and when some matches were
 * left unscored below a known ceiling, scored again completely unless the chosen ones all reach it.
 * Returns them with the scored matches they came from. Call inside a read.
 */
export function bestVisible(
  session: SqliteSession,
  score: (complete: boolean) => ScoredMatches,
  where: Clause,
  limit: number,
): { best: Match[]; matches: Match[] } {
  const pick = (matches: readonly Match[]): Match[] => {
    let best = bestFirst(matches, Math.max(limit * 2, 60));
    let shown = visibleSeqs(session, where, best.map(([seq]) => seq));
    if (shown.size < limit && matches.length > best.length) {
      best = bestFirst(matches, matches.length);
      shown = visibleSeqs(session, where, best.map(([seq]) => seq));
    }
    return best.filter(([seq]) => shown.has(seq)).slice(0, limit);
  };
  let scored = score(false);
  let best = pick(scored.matches);
  const last = best[limit - 1];
  if (scored.ceiling > 0 && Number.isFinite(scored.ceiling) && (!last || -last[1] < scored.ceiling)) {
    scored = score(true);
    best = pick(scored.matches);
  }
  return { best, matches: scored.matches };
}

/**
 * The best `limit` memories matching the query that pass `where`, then the visible memories within
 * `span` places of each in its namespace (relevance 0 when they match no term). Every returned hit
 * carries the relevance of its `span` neighbours on each side, nearest first; a neighbour that
 * matches nothing, is filtered out or was not scored (bm25_budget.ts) counts 0. Call inside a read.
 */
export function keywordWithContext(
  session: SqliteSession,
  score: (complete: boolean) => ScoredMatches,
  options: { where: Clause; now: string; limit: number; span: number },
): KeywordHit[] {
  const { where, limit, span } = options;
  const { best, matches } = bestVisible(session, score, where, limit);
  const ranked = best.map(([seq]) => seq);
  if (ranked.length === 0) return [];
  const shown = new Set(ranked);

  // Windows of twice the span, so that a neighbour's own neighbours are known too.
  const windows = new Map<number, number[]>();
  for (
    const w of session.stmt(WINDOW_SQL).all({
      ctx_seqs: JSON.stringify(ranked),
      ctx_reach: 2 * span,
      ctx_now: options.now,
    }) as { seq: number; before: string; after: string }[]
  ) {
    const before = (JSON.parse(w.before) as number[]).sort((a, b) => a - b);
    const after = (JSON.parse(w.after) as number[]).sort((a, b) => a - b);
    windows.set(w.seq, [...before, w.seq, ...after]);
  }
  // The members within `span` of a hit are returned if they pass `where`: their rows are read with
  // it, which tells which do. Beyond that, a member only lends its relevance, and one that matches
  // no term has none to lend: only the matched ones are checked (a row look-up each).
  const members = new Set<number>();
  for (const seq of ranked) {
    const { window, from, to } = placesAround(windows, seq, span);
    for (let i = from; i <= to; i++) if (!shown.has(window[i]!)) members.add(window[i]!);
  }
  const rows = new Map(
    (session.stmt(passingSql("m.*", where)).all({
      ...where.params,
      ctx_seqs: JSON.stringify([...ranked, ...members]),
    }) as MemoryRow[]).map((r) => [r.seq, r]),
  );
  const inWindows = new Set([...windows.values()].flat());
  const lending = matches.filter(([seq]) => inWindows.has(seq) && !rows.has(seq) && !members.has(seq));
  const seen = visibleSeqs(session, where, lending.map(([seq]) => seq));
  for (const seq of rows.keys()) seen.add(seq);
  // bm25() is lower-is-better and negative; relevance is its magnitude.
  const relevanceOf = new Map<number, number>();
  for (const [seq, rank] of matches) {
    if (inWindows.has(seq) && seen.has(seq)) relevanceOf.set(seq, -rank);
  }
  const relevance = (seq: number | undefined) => seq === undefined ? 0 : relevanceOf.get(seq) ?? 0;

  // Each hit and each visible memory within `span` of it, with its neighbours' relevance.
  const around = new Map<number, { before: number[]; after: number[] }>();
  for (const seq of ranked) {
    const { window, from, to } = placesAround(windows, seq, span);
    for (let i = from; i <= to; i++) {
      const member = window[i]!;
      if (around.has(member) || !seen.has(member)) continue;
      const side = (step: number) =>
        Array.from({ length: span }, (_, k) => relevance(window[i + step * (k + 1)]));
      around.set(member, { before: side(-1), after: side(1) });
    }
  }
  const order = [...ranked, ...[...around.keys()].filter((seq) => !shown.has(seq))];
  return order.flatMap((seq) => {
    const row = rows.get(seq);
    const context = around.get(seq);
    if (!row || !context) return [];
    return [{ memory: rowToMemory(row), relevance: relevance(seq), ...context }];
  });
}
