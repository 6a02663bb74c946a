import assert from "node:assert/strict";
import Database from "better-sqlite3-multiple-ciphers";
import type { Match } from "./bm25_budget.ts";
import { DocLengths, ftsTotals, readVarint, termMatches } from "./bm25_terms.ts";
import { ftsMatch } from "./filters.ts";
import { nativeAddonPath } from "./open.ts";
import type { SqliteSession } from "./session.ts";
import {
  corpus,
  type CorpusEntry,
  docsOf,
  exhaustive,
  insertMemories,
} from "../../../test/support/fts_corpus.ts";

// Memories of many lengths, terms repeated within one and found in titles and tags too.
function mixedCorpus(): CorpusEntry[] {
  return Array.from({ length: 120 }, (_, i) => {
    const filler = Array.from({ length: (i * 7) % 40 }, (_, k) => `w${(i + k) % 50}`).join(" ");
    const content = [
      filler,
      i % 4 === 0 ? "heron" : "",
      i % 9 === 1 ? "heron heron by the heron pond" : "",
      i % 6 === 2 ? "kestrel" : "",
      i % 5 === 3 ? "pond life" : "",
    ].join(" ");
    return i % 3 === 0
      ? {
        title: i % 2 === 0 ? `kestrel report ${i}` : `notes ${i}`,
        content,
        tags: i % 10 === 0 ? ["heron", "pond"] : [],
      }
      : content;
  });
}

/** termMatches() must give exactly what FTS5's bm25() gives for the same OR query. */
function assertAsFts5(
  db: Database.Database,
  session: SqliteSession,
  terms: string[],
  lengths: DocLengths,
): void {
  const counted = docsOf(db, terms);
  const got = new Map(termMatches(session, counted, { totals: ftsTotals(session), lengths }));
  const want = exhaustive(db, ftsMatch(terms, "any"));
  assert.ok(want.size > 0, `the corpus has matches of ${terms.join(" OR ")}`);
  assert.deepEqual([...got.keys()].sort((a, b) => a - b), [...want.keys()].sort((a, b) => a - b));
  for (const [seq, rank] of want) assert.equal(got.get(seq), rank, `seq ${seq} of ${terms.join(" OR ")}`);
}

/** A session that records the SQL of every statement it prepares. */
function recording(session: SqliteSession): { session: SqliteSession; sql: string[] } {
  const sql: string[] = [];
  return { session: { ...session, stmt: (s) => (sql.push(s), session.stmt(s)) }, sql };
}

Deno.test("readVarint() decodes SQLite varints of one, two and nine bytes", () => {
  assert.equal(readVarint(Uint8Array.of(0x05)), 5);
  assert.equal(readVarint(Uint8Array.of(0x81, 0x00)), 128);
  assert.equal(readVarint(Uint8Array.of(0x86, 0xa0, 0x00), 0), (6 * 128 + 0x20) * 128);
  assert.equal(readVarint(Uint8Array.of(0x00, 0x81, 0x01), 1), 129);
  assert.equal(readVarint(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81, 0x01)), 2 ** 8 + 1);
  assert.throws(() => readVarint(Uint8Array.of(0x81)), /Truncated varint/);
});

Deno.test("ftsTotals() has the index's rows and tokens in all columns", async () => {
  const { db, session } = await corpus([
    { title: "one two", content: "three four five", tags: ["six"] },
    "seven",
  ]);
  try {
    // Titles: "one two" and "t1"; contents 3 + 1 tokens; tags: "six" and none.
    assert.deepEqual(ftsTotals(session), { rows: 2, tokens: 2 + 1 + 3 + 1 + 1 });
  } finally {
    db.close();
  }
});

Deno.test("termMatches() gives every match of single terms FTS5's bm25() rank, to the last bit", async () => {
  const { db, session } = await corpus(mixedCorpus());
  try {
    const lengths = new DocLengths();
    for (
      const terms of [["heron"], ["kestrel"], ["heron", "kestrel"], ["kestrel", "heron", "pond"], [
        "pond",
        "w3",
      ]]
    ) {
      assertAsFts5(db, session, terms, lengths);
    }
    // Plain query terms are stemmed as the index is: "herons" finds "heron".
    const plural = termMatches(session, [{ term: "herons", docs: docsOf(db, ["heron"])[0]!.docs }], {
      totals: ftsTotals(session),
      lengths,
    });
    assert.deepEqual(new Map(plural), exhaustive(db, ftsMatch(["herons"], "any")));
  } finally {
    db.close();
  }
});

Deno.test("the length cache reads one by one first, then all at once, then only what changed", async () => {
  const { db, session: plain } = await corpus(mixedCorpus());
  try {
    const { session, sql } = recording(plain);
    const lengths = new DocLengths();
    const bulk = () => sql.filter((s) => s.includes("group_concat(sz")).length;
    const oneByOne = () => sql.filter((s) => s.includes("WHERE id IN")).length;
    assertAsFts5(db, session, ["heron"], lengths);
    assert.deepEqual([bulk(), oneByOne()], [0, 1], "the first query reads its lengths one by one");
    assertAsFts5(db, session, ["kestrel"], lengths);
    assert.deepEqual([bulk(), oneByOne()], [1, 1], "a second query with lengths missing reads them all");
    assertAsFts5(db, session, ["pond", "heron", "kestrel"], lengths);
    assert.deepEqual([bulk(), oneByOne()], [1, 1], "then every length is known");
  } finally {
    db.close();
  }
});

Deno.test("lengths another connection changes are read again: edits, deletions, a seq used again, many writes", async () => {
  const { db, session, path } = await corpus(mixedCorpus());
  const other = new Database(path, { nativeBinding: nativeAddonPath() });
  try {
    const lengths = new DocLengths();
    const terms = ["heron", "kestrel", "pond"];
    assertAsFts5(db, session, terms, lengths);
    assertAsFts5(db, session, ["w7"], lengths); // every length now cached
    // A match grows by 60 tokens and another shrinks to one; both stay matches.
    other.prepare("UPDATE memories SET content = content || ? WHERE id = 'id-4'").run(" filler".repeat(60));
    other.prepare("UPDATE memories SET content = 'kestrel', title = 'x' WHERE id = 'id-2'").run();
    assertAsFts5(db, session, terms, lengths);
    // The newest memory is purged and its seq given to a new one of another length.
    const last = other.prepare("SELECT max(seq) AS seq FROM memories").get() as { seq: number };
    other.prepare("DELETE FROM memories WHERE seq = ?").run(last.seq);
    insertMemories(other, [`heron ${"long ".repeat(30)}`], 1000);
    const reused = other.prepare("SELECT seq FROM memories WHERE id = 'id-1000'").get() as { seq: number };
    assert.equal(reused.seq, last.seq, "SQLite gives the purged seq to the next memory");
    assertAsFts5(db, session, terms, lengths);
    // More writes than the cache mends one by one: it starts again.
    insertMemories(other, Array.from({ length: 4_200 }, (_, i) => `heron ${"x ".repeat(i % 30)}`), 2000);
    other.prepare("UPDATE memories SET content = 'kestrel kestrel' WHERE id = 'id-9'").run();
    assertAsFts5(db, session, terms, lengths);
    assertAsFts5(db, session, ["kestrel"], lengths);
  } finally {
    other.close();
    db.close();
  }
});

Deno.test("termMatches() of an empty index or of terms that match nothing is empty", async () => {
  const empty = await corpus([]);
  try {
    const none: Match[] = termMatches(empty.session, [{ term: "heron", docs: 0 }], {
      totals: ftsTotals(empty.session),
      lengths: new DocLengths(),
    });
    assert.deepEqual(none, []);
  } finally {
    empty.db.close();
  }
  const { db, session } = await corpus(mixedCorpus());
  try {
    assert.deepEqual(
      termMatches(session, [{ term: "albatross", docs: 0 }], {
        totals: ftsTotals(session),
        lengths: new DocLengths(),
      }),
      [],
    );
  } finally {
    db.close();
  }
});
