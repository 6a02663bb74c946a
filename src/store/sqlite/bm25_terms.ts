// FTS5's bm25() for OR queries of single terms, computed here from the index's own data, to the
// same value. FTS5 spends about 2 us on every match it scores, most of it reading the match's
// length from its docsize table (one B-tree look-up per row). Here a term's occurrences come from
// the instance vocabulary (fts5vocab 'instance': about 0.3 us each, in one pass over the posting
// list) and lengths from a cache kept per connection, so scoring a query's rare terms costs about a
// third of what bm25() does. The formula is fts5_aux.c's, term by term in the query's order:
//
//   score = sum over terms of IDF * (tf * (k1 + 1)) / (tf + k1 * (1 - b + b * length / avgdl))
//
// with FTS5's IDF (ftsIdf), k1 = 1.2, b = 0.75, tf the term's occurrences in the memory (all
// columns), length its tokens (all columns) and avgdl the index's tokens per row.
import { indexTerm } from "./stemming.ts";
import type { Match, TermDocs } from "./bm25_budget.ts";
import type { SqliteSession } from "./session.ts";

/** FTS5's bm25() constants (fts5_aux.c). */
export const K1 = 1.2;
const B = 0.75;

/** FTS5's floor for an IDF that would be zero or negative (terms in half of all rows or more). */
export const IDF_FLOOR = 1e-6;

/** What the index holds in all: FTS5's row count (the N of its IDF) and every row's tokens. */
export interface FtsTotals {
  rows: number;
  tokens: number;
}

/** SQLite's variable-length integer at `at` (big-endian 7-bit groups; a ninth byte carries 8 bits), and where the next one starts. */
function varintAt(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const byte = bytes[at + i];
    if (byte === undefined) throw new Error("Truncated varint in an FTS5 record");
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) return [value, at + i + 1];
  }
  const last = bytes[at + 8];
  if (last === undefined) throw new Error("Truncated varint in an FTS5 record");
  return [value * 256 + last, at + 9];
}

/** SQLite's variable-length integer at `at`. */
export function readVarint(bytes: Uint8Array, at = 0): number {
  return varintAt(bytes, at)[0];
}

/** SQLite's variable-length integers, one after the other to the end. */
function varints(bytes: Uint8Array): number[] {
  const values: number[] = [];
  for (let at = 0; at < bytes.length;) {
    const [value, next] = varintAt(bytes, at);
    values.push(value);
    at = next;
  }
  return values;
}

/** The sum of a record of varints (a docsize record: one length per column). */
function varintSum(bytes: Uint8Array): number {
  let total = 0;
  for (const v of varints(bytes)) total += v;
  return total;
}

/**
 * FTS5's "averages" record (row 1 of %_data): the number of rows, then each column's total tokens,
 * read in the caller's snapshot. A new index has an empty record until its first row.
 */
export function ftsTotals(session: SqliteSession): FtsTotals {
  const [rows = 0, ...columns] = averages(session);
  return { rows, tokens: columns.reduce((a, b) => a + b, 0) };
}

/** The FTS table's number of columns, as its averages record has them (0 before the first row). */
function ftsColumns(session: SqliteSession): number {
  return Math.max(averages(session).length - 1, 0);
}

function averages(session: SqliteSession): number[] {
  const row = session.stmt("SELECT block FROM memories_fts_data WHERE id = 1").get() as
    | { block: Uint8Array }
    | undefined;
  return row ? varints(row.block) : [];
}

/** FTS5's IDF of a term found in `docs` of `rows` indexed rows. */
export function ftsIdf(rows: number, docs: number): number {
  const idf = Math.log((rows - docs + 0.5) / (docs + 0.5));
  return idf <= 0 ? IDF_FLOOR : idf;
}

/** Past this many feed entries since the last look, the cache is dropped rather than mended. */
const FORGET_ALL_AFTER = 4_096;

/** Every indexed memory's seq (comma-separated) and its docsize record, all records end to end. */
const ALL_LENGTHS_SQL = `SELECT group_concat(id) AS ids, CAST(group_concat(sz, x'') AS BLOB) AS sizes
  FROM (SELECT id, sz FROM memories_fts_docsize ORDER BY id)`;

/**
 * Each indexed memory's length in tokens, by seq, as FTS5's docsize table has it; kept per
 * connection. A length changes only when a memory's title, content or tags do (or a seq is used
 * again after a purge). Every such write, in any process or from a peer, gives the memory a new
 * entry in the replication feed (replica_versions.seq, migration 0015), so before each use the
 * entries since the last look say which lengths to forget. Recall's own access updates add
 * entries too; forgetting those lengths only costs reading them again.
 *
 * The first query reads the lengths it needs one by one (what bm25() would have read), so a
 * one-off command pays nothing more. A second query reads all of them at once (about 40 ms at
 * 100,000 memories): a process that asks twice is a server that will ask again.
 */
export class DocLengths {
  #lengths = new Uint32Array(0);
  /** The feed position the cache is valid for; undefined before the first use. */
  #feed: number | undefined;
  #asked = false;
  #loadedAll = false;

  /** The lengths of `seqs` (indexed memories), in the caller's read snapshot. */
  of(session: SqliteSession, seqs: Iterable<number>): Uint32Array {
    this.#sync(session);
    let missing = this.#missing(seqs);
    if (missing.length > 0 && this.#asked && !this.#loadedAll) {
      this.#loadAll(session);
      missing = this.#missing(seqs);
    }
    this.#asked = true;
    if (missing.length > 0) {
      const rows = session.stmt(
        "SELECT id, sz FROM memories_fts_docsize WHERE id IN (SELECT value FROM json_each(?))",
      ).raw(true).all(JSON.stringify(missing)) as [number, Uint8Array][];
      this.#grow(Math.max(...missing) + 1);
      for (const [seq, sz] of rows) this.#lengths[seq] = varintSum(sz);
    }
    return this.#lengths;
  }

  #missing(seqs: Iterable<number>): number[] {
    const missing: number[] = [];
    // A memory with no tokens matches no term: 0 is never a length asked for.
    for (const seq of seqs) if (!(this.#lengths[seq]! > 0)) missing.push(seq);
    return missing;
  }

  #sync(session: SqliteSession): void {
    const head = session.stmt("SELECT coalesce(max(seq), 0) FROM replica_versions").pluck().get() as number;
    const since = this.#feed;
    this.#feed = head;
    if (since === undefined || head === since) return;
    // A feed that went back is another file (restored from a backup): nothing cached holds.
    if (head < since || head - since > FORGET_ALL_AFTER) {
      this.#lengths = new Uint32Array(0);
      this.#loadedAll = false;
      return;
    }
    const changed = session.stmt(
      `SELECT m.seq FROM replica_versions v JOIN memories m ON m.id = v.id
        WHERE v.seq > ? AND v.seq <= ?`,
    ).pluck().all(since, head) as number[];
    for (const seq of changed) if (seq < this.#lengths.length) this.#lengths[seq] = 0;
  }

  /** Every length in one statement; each docsize record holds one varint per column. */
  #loadAll(session: SqliteSession): void {
    this.#loadedAll = true;
    const columns = ftsColumns(session);
    const all = session.stmt(ALL_LENGTHS_SQL).get() as { ids: string | null; sizes: Uint8Array | null };
    if (!all.ids || !all.sizes || columns === 0) return;
    const ids = all.ids;
    const sizes = all.sizes;
    const lengths: [number, number][] = [];
    let at = 0;
    for (let p = 0; p < ids.length; p++) {
      let seq = 0;
      for (let c = ids.charCodeAt(p); c >= 48 && c <= 57; c = ids.charCodeAt(++p)) seq = seq * 10 + (c - 48);
      let total = 0;
      for (let col = 0; col < columns; col++) {
        const [value, next] = varintAt(sizes, at);
        total += value;
        at = next;
      }
      lengths.push([seq, total]);
    }
    // Records that do not add up (another FTS5 record format) are left to the one-by-one reads.
    if (at !== sizes.length || lengths.length === 0) return;
    this.#grow(lengths[lengths.length - 1]![0] + 1);
    for (const [seq, length] of lengths) this.#lengths[seq] = length;
  }

  #grow(size: number): void {
    if (size <= this.#lengths.length) return;
    const next = new Uint32Array(Math.max(size, this.#lengths.length * 2, 1_024));
    next.set(this.#lengths);
    this.#lengths = next;
  }
}

/** Every occurrence of an index term (a stem): the seq of the memory it is in, one per occurrence. */
const INSTANCES_SQL = "SELECT doc FROM memories_fts_instance WHERE term = ?";

/**
 * Every memory matching any of `terms`, with the rank FTS5's bm25() gives it for the query
 * `"t1" OR "t2" ...` (the terms in this order), as [seq, rank] in no particular order. Terms are
 * plain query terms (queryTerms), each one index term once stemmed.
 */
export function termMatches(
  session: SqliteSession,
  terms: readonly TermDocs[],
  index: { totals: FtsTotals; lengths: DocLengths },
): Match[] {
  const { rows, tokens } = index.totals;
  if (rows === 0) return [];
  const avgdl = tokens / rows;
  const perTerm = terms.map((t) => {
    const tf = new Map<number, number>();
    for (const seq of session.stmt(INSTANCES_SQL).pluck().all(indexTerm(t.term)) as number[]) {
      tf.set(seq, (tf.get(seq) ?? 0) + 1);
    }
    return { idf: ftsIdf(rows, t.docs), tf };
  });
  const seqs = new Set<number>();
  for (const { tf } of perTerm) for (const seq of tf.keys()) seqs.add(seq);
  const lengths = index.lengths.of(session, seqs);
  const score = new Map<number, number>();
  // In the query's order, as FTS5 adds them, so the sums round alike.
  for (const { idf, tf } of perTerm) {
    for (const [seq, f] of tf) {
      const norm = K1 * (1 - B + B * lengths[seq]! / avgdl);
      score.set(seq, (score.get(seq) ?? 0) + idf * ((f * (K1 + 1)) / (f + norm)));
    }
  }
  return Array.from(score, ([seq, s]) => [seq, -1 * s]);
}

/**
 * What one occurrence of a term of IDF `idf` adds to the score of each of `seqs` (indexed
 * memories), as bm25() would count it: its exact length, tf taken as 1.
 */
export function oneOccurrence(
  session: SqliteSession,
  seqs: readonly number[],
  idf: number,
  index: { rows: number; tokens: number; lengths: DocLengths },
): Float64Array {
  const lengths = index.lengths.of(session, seqs);
  const avgdl = index.tokens / index.rows;
  const out = new Float64Array(seqs.length);
  for (let i = 0; i < seqs.length; i++) {
    out[i] = idf * (K1 + 1) / (1 + K1 * (1 - B + B * lengths[seqs[i]!]! / avgdl));
  }
  return out;
}
