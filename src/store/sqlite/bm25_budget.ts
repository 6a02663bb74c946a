// Keyword scoring with a bound on the work. FTS5's bm25() costs about 2 us for every match it
// scores, plus a pass over each term's whole posting list for its IDF, so an OR query of a few
// mid-frequency words at 100k memories scores 5-20k matches (10-40 ms). Here at most about
// `budget` matches are scored per query:
//
// - the rarest terms' matches (as many terms as fit in the budget) are scored in full, the common
//   terms counted in only where they co-occur with a rare one (an AND, which FTS5 answers by
//   skipping through the long posting lists rather than scoring them). The rare terms' own scores
//   are computed in bm25_terms.ts, to the same value as bm25() in about a third of its time;
// - memories with two or more common terms (and no rare one) are scored too, one AND query per
//   pair of common terms, when the pairs' expected matches fit in what is left of the budget;
// - a common term is counted as one occurrence in a memory of its exact length (oneOccurrence):
//   bm25()'s value where it occurs once, less where it occurs more (a common word seldom does). Not
//   bm25() itself: it would first read each common term's whole posting list for an IDF whose
//   count is already known, then spend its 2 us per match. A pair of words in 7,000-8,000 of 100k
//   memories: 3.1-3.3 ms ranked by bm25(), 1.0-1.1 ms unranked (2026-11-26);
// - BM25 gives a term at most IDF * (k1 + 1), so a memory not scored scores at most the sum of
//   the common terms' ceilings, or the largest one when the pairs were scored (it has one common
//   term). The scores above are never more than bm25()'s, so when enough of them reach that, those
//   memories are provably the best ones (the MaxScore argument) and nothing else is read;
// - otherwise what is left of the budget goes to the most recent matches of the common terms
//   alone, ranked by the sum of the IDFs of the terms they contain (BM25 for one occurrence in a
//   memory of average length). Only there is a memory's place a guess, and only for memories that
//   share nothing but common words with the query; recall's ranking favours recent memories anyway.
import { type DocLengths, ftsIdf, IDF_FLOOR, K1, oneOccurrence, termMatches } from "./bm25_terms.ts";
import { ftsMatch } from "./filters.ts";
import type { SqliteSession } from "./session.ts";

/** The default number of matches scored per query (about 5 ms of FTS5 scoring on one core). */
export const SCORE_BUDGET = 2_500; // also the default of the scoreBudget setting (core/config.ts)

/** A query term with the number of indexed memories that contain it. */
export interface TermDocs {
  term: string;
  docs: number;
}

/** A scored match: [seq, rank], rank being FTS5's bm25() (negative; lower is better). */
export type Match = [number, number];

/** The matches a query scored and what is known of the rest. */
export interface ScoredMatches {
  matches: Match[];
  /**
   * Every match not in `matches` has a relevance (-rank) of at most this: 0 when all were scored,
   * Infinity when some were left unscored with nothing known of them.
   */
  ceiling: number;
}

const SCAN_SQL = "SELECT rowid, rank FROM memories_fts WHERE memories_fts MATCH ?";
const IDS_SQL = "SELECT rowid FROM memories_fts WHERE memories_fts MATCH ?";
/** The most recent matches of `match`, unscored, newest first. */
const RECENT_IDS_SQL =
  "SELECT rowid FROM memories_fts WHERE memories_fts MATCH ? ORDER BY rowid DESC LIMIT ?";
/** Matches of one expression (scored) that also match another (unscored: a filter). */
const FILTERED_SQL = `${SCAN_SQL} AND +rowid IN (SELECT rowid FROM memories_fts WHERE memories_fts MATCH ?)`;

/** The most one occurrence-set of a term can add to a memory's relevance: tf / (tf + k1 * L) < 1. */
export function termCeiling(rows: number, docs: number): number {
  return ftsIdf(rows, docs) * (K1 + 1);
}

/** Whether a term carries BM25 weight: a term in half of all rows or more has the floor IDF. */
export function isWeighted(rows: number, docs: number): boolean {
  return docs > 0 && docs * 2 < rows;
}

/** The matches of `match`, unscored. */
function ids(session: SqliteSession, match: string): number[] {
  return session.stmt(IDS_SQL).pluck().all(match) as number[];
}

/** The `n` most recent matches of `match`, newest first, all given `rank` (none is scored). */
function recentAt(session: SqliteSession, match: string, n: number, rank: number): Match[] {
  return (session.stmt(RECENT_IDS_SQL).pluck().all(match, n) as number[]).map((seq) => [seq, rank]);
}

/**
 * The `n` most recent matches of `terms` (OR), less those matching `except`, each with rank -sum of
 * the IDFs of the terms it contains: reading posting lists only from the oldest of them on.
 */
function recentByIdf(
  session: SqliteSession,
  terms: readonly TermDocs[],
  options: { rows: number; n: number; except?: string },
): Match[] {
  const any = ftsMatch(terms.map((t) => t.term), "any");
  const match = options.except ? `(${any}) NOT (${options.except})` : any;
  // One term: every match has its IDF.
  if (terms.length === 1) return recentAt(session, match, options.n, -ftsIdf(options.rows, terms[0]!.docs));
  const ids = session.stmt(RECENT_IDS_SQL).pluck().all(match, options.n) as number[];
  if (ids.length === 0) return [];
  const relevance = new Map(ids.map((seq) => [seq, 0]));
  // A term's matches from the oldest of `ids` on are all among `ids`, so they are its `ids.length`
  // most recent ones at most. Read newest first: FTS5 answers "rowid >= ?" by walking the whole
  // posting list (10 ms for a word in most of 100k memories), but stops a descending read early.
  const recent = session.stmt(RECENT_IDS_SQL).pluck();
  for (const t of terms) {
    const idf = ftsIdf(options.rows, t.docs);
    for (const seq of recent.all(ftsMatch([t.term], "any"), ids.length) as number[]) {
      const r = relevance.get(seq);
      if (r !== undefined) relevance.set(seq, r + idf);
    }
  }
  return ids.map((seq) => [seq, -relevance.get(seq)!]);
}

function sum(terms: readonly TermDocs[]): number {
  return terms.reduce((total, t) => total + t.docs, 0);
}

/**
 * Score the matches of `terms` joined by OR, within the budget (see the top of this file).
 * `need` is how many of the best the caller wants; with `complete`, the common terms' recent
 * matches are added even when the rare terms' would do (the caller's filters hid too many).
 * Terms are the query's weighted ones, or, when it has none (`weighted` false), its known ones.
 */
export function scoreAny(
  session: SqliteSession,
  terms: readonly TermDocs[],
  options: {
    rows: number;
    /** The index's tokens in all (FTS5's averages record) and its cached lengths (bm25_terms.ts). */
    tokens: number;
    lengths: DocLengths;
    need: number;
    budget: number;
    weighted: boolean;
    complete?: boolean;
  },
): ScoredMatches {
  if (terms.length === 0) return { matches: [], ceiling: 0 };
  const { budget } = options;
  // Rarest first; equal terms stay together.
  const sorted = [...terms].sort((a, b) =>
    a.docs - b.docs || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0)
  );
  // Single terms, OR: scored here as bm25() would, in a third of its time (bm25_terms.ts).
  const exactly = (some: readonly TermDocs[]) =>
    termMatches(session, some, {
      totals: { rows: options.rows, tokens: options.tokens },
      lengths: options.lengths,
    });
  if (sum(sorted) <= budget) return { matches: exactly(sorted), ceiling: 0 };
  const weigh = (seqs: readonly number[], t: TermDocs) =>
    oneOccurrence(session, seqs, ftsIdf(options.rows, t.docs), options);
  const all = ftsMatch(sorted.map((t) => t.term), "any");
  // Every term has the floor IDF: scores would differ by millionths, so take the most recent.
  if (!options.weighted) {
    return { matches: recentAt(session, all, budget, -IDF_FLOOR), ceiling: Infinity };
  }
  let split = 0;
  let used = 0;
  while (split < sorted.length && used + sorted[split]!.docs <= budget) used += sorted[split++]!.docs;
  const commonTerms = sorted.slice(split);
  const rare = split > 0 ? ftsMatch(sorted.slice(0, split).map((t) => t.term), "any") : undefined;
  const scores = new Map<number, number>();
  if (rare) {
    // bm25() sums over the query's terms: each common term met adds its one occurrence.
    for (const [seq, rank] of exactly(sorted.slice(0, split))) scores.set(seq, rank);
    for (const t of commonTerms) {
      const found = ids(session, `(${rare}) AND (${ftsMatch([t.term], "any")})`);
      const add = weigh(found, t);
      for (let i = 0; i < found.length; i++) scores.set(found[i]!, scores.get(found[i]!)! - add[i]!);
    }
  }
  let left = Math.max(budget - used, Math.ceil(budget / 4));
  const paired = pairScores(session, commonTerms, { rows: options.rows, budget: left, except: rare, weigh });
  if (paired) {
    left = Math.max(Math.ceil(left - paired.cost), Math.ceil(budget / 4));
    for (const [seq, rank] of paired.matches) scores.set(seq, rank);
  }
  // What a memory with common terms only, not yet scored, can reach: one common term when every
  // memory with two was scored, else all of them.
  const ceilings = commonTerms.map((t) => termCeiling(options.rows, t.docs));
  const ceiling = paired ? Math.max(...ceilings) : ceilings.reduce((a, b) => a + b, 0);
  if (!options.complete) {
    let above = 0;
    for (const rank of scores.values()) if (-rank >= ceiling) above++;
    if (above >= options.need) return { matches: [...scores], ceiling };
  }
  // The rest: the most recent memories with common terms only, with what is left of the budget.
  for (
    const [seq, rank] of recentByIdf(session, commonTerms, { rows: options.rows, n: left, except: rare })
  ) {
    if (!scores.has(seq)) scores.set(seq, rank);
  }
  return { matches: [...scores], ceiling: Infinity };
}

/** At most this many common terms are paired (6 pairs). */
const MAX_PAIRED_TERMS = 4;

/**
 * Every memory with two or more of `terms` (and nothing matching `except`), with its score (each
 * term weighed by `weigh`), when the pairs' expected matches (as if the terms were independent) fit
 * in `budget`: one AND query per pair; scores add per term, so a memory with m of the terms, found
 * by m(m-1)/2 pairs, has the sum of their scores divided by m - 1.
 */
function pairScores(
  session: SqliteSession,
  terms: readonly TermDocs[],
  options: {
    rows: number;
    budget: number;
    except?: string;
    weigh: (seqs: readonly number[], t: TermDocs) => Float64Array;
  },
): { matches: Match[]; cost: number } | undefined {
  if (terms.length < 2 || terms.length > MAX_PAIRED_TERMS) return undefined;
  const pairs: [TermDocs, TermDocs][] = [];
  let cost = 0;
  for (let i = 0; i < terms.length; i++) {
    for (let j = i + 1; j < terms.length; j++) {
      pairs.push([terms[i]!, terms[j]!]);
      cost += (terms[i]!.docs * terms[j]!.docs) / Math.max(options.rows, 1);
    }
  }
  if (cost > options.budget) return undefined;
  const found = new Map<number, { sum: number; pairs: number }>();
  for (const pair of pairs) {
    const both = ftsMatch(pair.map((t) => t.term), "all");
    const seqs = ids(session, options.except ? `(${both}) NOT (${options.except})` : both);
    const [a, b] = [options.weigh(seqs, pair[0]), options.weigh(seqs, pair[1])];
    for (let i = 0; i < seqs.length; i++) {
      const seq = seqs[i]!;
      const rank = -(a[i]! + b[i]!);
      const f = found.get(seq);
      if (f) {
        f.sum += rank;
        f.pairs++;
      } else found.set(seq, { sum: rank, pairs: 1 });
    }
  }
  const matches: Match[] = [];
  for (const [seq, { sum, pairs }] of found) {
    const m = Math.round((1 + Math.sqrt(1 + 8 * pairs)) / 2);
    matches.push([seq, sum / (m - 1)]);
  }
  return { matches, cost };
}

/**
 * Score the matches of every one of `terms` (AND). A term without weight (in half of all rows or
 * more) still has to match but is left out of the scoring, which would read its whole posting list
 * for an IDF of 0. When even the rarest weighted term matches more than the budget, the most recent
 * matches are taken, all with the same relevance (the sum of the IDFs: each contains every term).
 * A term that matches nothing makes the answer empty.
 */
export function scoreAll(
  session: SqliteSession,
  terms: readonly TermDocs[],
  options: { rows: number; budget: number },
): ScoredMatches {
  if (terms.length === 0 || terms.some((t) => t.docs === 0)) return { matches: [], ceiling: 0 };
  const all = ftsMatch(terms.map((t) => t.term), "all");
  const weighted = terms.filter((t) => isWeighted(options.rows, t.docs));
  if (weighted.length === 0 || Math.min(...weighted.map((t) => t.docs)) > options.budget) {
    const rank = weighted.length === 0
      ? -IDF_FLOOR
      : -weighted.reduce((total, t) => total + ftsIdf(options.rows, t.docs), 0);
    return { matches: recentAt(session, all, options.budget, rank), ceiling: Infinity };
  }
  const scored = ftsMatch(weighted.map((t) => t.term), "all");
  const matches = weighted.length < terms.length
    ? session.stmt(FILTERED_SQL).raw(true).all(scored, all)
    : session.stmt(SCAN_SQL).raw(true).all(scored);
  return { matches: matches as Match[], ceiling: 0 };
}
