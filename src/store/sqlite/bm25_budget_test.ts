import assert from "node:assert/strict";
import { type Match, scoreAll, scoreAny, termCeiling } from "./bm25_budget.ts";
import { ftsIdf, ftsTotals } from "./bm25_terms.ts";
import { ftsMatch } from "./filters.ts";
import { corpus, docsOf, exhaustive, indexOf, NOW } from "../../../test/support/fts_corpus.ts";

function assertSameScores(got: readonly Match[], reference: Map<number, number>): void {
  for (const [seq, rank] of got) {
    const want = reference.get(seq);
    assert.ok(want !== undefined, `seq ${seq} does not match the query`);
    assert.ok(Math.abs(rank - want) < 1e-9, `seq ${seq}: rank ${rank}, FTS5 says ${want}`);
  }
}

// 200 memories: "otter" in 6 of them (some also with "river"), "river" in 80, "stone" in 60, filler.
function riverCorpus(): string[] {
  return Array.from({ length: 200 }, (_, i) => {
    const words = [`note ${i}`];
    if (i % 33 === 5) words.push("otter seen here");
    if (i % 5 < 2) words.push("by the river");
    if (i % 10 < 3) words.push("a stone wall");
    return words.join(", ");
  });
}

Deno.test("ftsTotals() is the number of indexed memories, deleted ones excluded", async () => {
  const empty = await corpus([]);
  try {
    assert.equal(ftsTotals(empty.session).rows, 0);
    assert.deepEqual(
      scoreAny(empty.session, [], { ...indexOf(empty.session), need: 5, budget: 10, weighted: false }),
      {
        matches: [],
        ceiling: 0,
      },
    );
  } finally {
    empty.db.close();
  }
  const { db, session } = await corpus(riverCorpus());
  try {
    assert.equal(ftsTotals(session).rows, 200);
    db.prepare("UPDATE memories SET deleted_at = ? WHERE seq <= 10").run(NOW);
    assert.equal(ftsTotals(session).rows, 190);
  } finally {
    db.close();
  }
});

Deno.test("scoreAny() within the budget scores every match as FTS5 does", async () => {
  const { db, session } = await corpus(riverCorpus());
  try {
    const terms = docsOf(db, ["otter", "stone"]);
    const out = scoreAny(session, terms, { ...indexOf(session), need: 5, budget: 1000, weighted: true });
    const reference = exhaustive(db, ftsMatch(["otter", "stone"], "any"));
    assert.equal(out.ceiling, 0);
    assert.equal(out.matches.length, reference.size);
    assertSameScores(out.matches, reference);
  } finally {
    db.close();
  }
});

Deno.test("scoreAny() stops at the rare term's matches when they provably outrank the common term's", async () => {
  const { db, session } = await corpus(riverCorpus());
  try {
    const terms = docsOf(db, ["river", "otter"]);
    assert.deepEqual(terms.map((t) => t.docs), [80, 6]);
    const reference = exhaustive(db, ftsMatch(["otter", "river"], "any"));
    const out = scoreAny(session, terms, { ...indexOf(session), need: 3, budget: 20, weighted: true });
    // Only the otter memories were read, each with its full score (river counted where present).
    assert.equal(out.matches.length, 6);
    assertSameScores(out.matches, reference);
    assert.ok(Math.abs(out.ceiling - termCeiling(200, 80)) < 1e-12);
    // The promise: nothing left out scores above the ceiling, and the best 3 are the true best 3.
    const scored = new Set(out.matches.map(([seq]) => seq));
    for (const [seq, rank] of reference) if (!scored.has(seq)) assert.ok(-rank <= out.ceiling);
    const top = (ms: Iterable<Match>) => [...ms].sort((a, b) => a[1] - b[1]).slice(0, 3).map(([s]) => s);
    assert.deepEqual(top(out.matches), top(reference));
  } finally {
    db.close();
  }
});

Deno.test("scoreAny() adds the most recent common-term matches when the rare ones are too few", async () => {
  const { db, session } = await corpus(riverCorpus());
  try {
    const terms = docsOf(db, ["otter", "river"]);
    const otter = exhaustive(db, ftsMatch(["otter", "river"], "any"));
    const otterOnly = exhaustive(db, '"otter"');
    const riverOnly = [...otter.keys()].filter((s) => !otterOnly.has(s)).sort((a, b) => b - a);
    for (const options of [{ need: 30 }, { need: 3, complete: true }]) {
      const out = scoreAny(session, terms, { ...indexOf(session), budget: 20, weighted: true, ...options });
      assert.equal(out.ceiling, Infinity);
      // The 6 otter memories with FTS5's score, plus max(20 - 6, 20 / 4) = 14 river-only ones, the
      // newest, each ranked by river's IDF (one occurrence in a memory of average length).
      assertSameScores(out.matches.filter(([seq]) => otterOnly.has(seq)), otter);
      const rest = out.matches.filter(([seq]) => !otterOnly.has(seq));
      assert.equal(out.matches.length - rest.length, 6);
      assert.deepEqual(rest.map(([seq]) => seq), riverOnly.slice(0, 14));
      assert.ok(rest.every(([, rank]) => Math.abs(rank + ftsIdf(200, 80)) < 1e-12));
    }
  } finally {
    db.close();
  }
});

Deno.test("scoreAny() takes the most recent matches when even the rarest term exceeds the budget", async () => {
  const { db, session } = await corpus(riverCorpus());
  try {
    const terms = docsOf(db, ["river", "stone"]);
    // Budget 20: the pairs' expected 80 * 60 / 200 = 24 matches do not fit either.
    const out = scoreAny(session, terms, { ...indexOf(session), need: 3, budget: 20, weighted: true });
    const reference = exhaustive(db, ftsMatch(["river", "stone"], "any"));
    assert.equal(out.ceiling, Infinity);
    assert.deepEqual(out.matches.map(([s]) => s), [...reference.keys()].sort((a, b) => b - a).slice(0, 20));
    // Ranked by the IDFs of the terms each contains: both terms score more than one.
    const river = exhaustive(db, '"river"');
    const stone = exhaustive(db, '"stone"');
    for (const [seq, rank] of out.matches) {
      const want = (river.has(seq) ? ftsIdf(200, 80) : 0) + (stone.has(seq) ? ftsIdf(200, 60) : 0);
      assert.ok(Math.abs(-rank - want) < 1e-12, `seq ${seq}`);
    }
    assert.ok(
      out.matches.some(([seq]) => river.has(seq) && stone.has(seq)),
      "the corpus has memories with both",
    );
    // Unweighted terms (the caller found none with weight): the most recent, unscored.
    const flat = scoreAny(session, terms, { ...indexOf(session), need: 3, budget: 20, weighted: false });
    assert.equal(flat.matches.length, 20);
    assert.ok(flat.matches.every(([, rank]) => rank === -1e-6));
  } finally {
    db.close();
  }
});

Deno.test("scoreAny() scores every memory with two or more common terms exactly when their pairs fit", async () => {
  // 300 memories: alpha in every 4th, beta every 5th, gamma every 6th: pairs and triples occur.
  // The others are longer, so that a memory with all three is short and scores high.
  const texts = Array.from({ length: 300 }, (_, i) => {
    const words = [i % 4 === 0 ? "alpha" : "", i % 5 === 0 ? "beta" : "", i % 6 === 0 ? "gamma" : ""];
    const filler = words.filter(Boolean).length === 3 ? "" : " with some filler words around it";
    return `entry ${i} ${words.join(" ")}${filler}`;
  });
  const { db, session } = await corpus(texts);
  try {
    const terms = docsOf(db, ["alpha", "beta", "gamma"]);
    assert.deepEqual(terms.map((t) => t.docs), [75, 60, 50]);
    const reference = exhaustive(db, ftsMatch(["gamma", "beta", "alpha"], "any"));
    const count = (seq: number) =>
      ["alpha", "beta", "gamma"].filter((t) => exhaustive(db, t).has(seq)).length;
    // Every term is over a budget of 45, but the pairs expect (75*60 + 75*50 + 60*50) / 300 = 37.5.
    const out = scoreAny(session, terms, { ...indexOf(session), need: 500, budget: 45, weighted: true });
    const multi = [...reference.keys()].filter((seq) => count(seq) >= 2);
    assert.equal(multi.filter((seq) => count(seq) === 3).length, 5);
    const got = new Map(out.matches);
    for (const seq of multi) {
      assert.ok(Math.abs(got.get(seq)! - reference.get(seq)!) < 1e-9, `seq ${seq} (${count(seq)} terms)`);
    }
    // One-term memories come from the recent window: max(45 - 37.5, 45 / 4) = 12 newest matches.
    const window = [...reference.keys()].sort((a, b) => b - a).slice(0, 12);
    const singles = out.matches.filter(([seq]) => count(seq) === 1).map(([seq]) => seq).sort((a, b) => b - a);
    assert.deepEqual(singles, window.filter((seq) => count(seq) === 1));
    assert.equal(out.ceiling, Infinity);
    // Needing only what provably outranks any one-term memory, nothing else is read.
    const single = Math.max(...terms.map((t) => termCeiling(300, t.docs)));
    const sure = multi.filter((seq) => -reference.get(seq)! >= single).length;
    assert.ok(sure > 0, "some memories with two or three terms outrank any with one");
    const top = scoreAny(session, terms, { ...indexOf(session), need: sure, budget: 45, weighted: true });
    assert.ok(Math.abs(top.ceiling - single) < 1e-12);
    assert.deepEqual(new Set(top.matches.map(([seq]) => seq)), new Set(multi));
  } finally {
    db.close();
  }
});

Deno.test("scoreAny() counts a common term once per memory: bm25()'s score where it occurs once, a lower bound where more", async () => {
  // 200 memories: "otter" (rare) in 7, "river" and "stone" (common) in 80 and 60, some of each twice.
  const texts = Array.from({ length: 200 }, (_, i) => {
    const words = [`note ${i}`];
    if (i % 29 === 3) words.push("otter seen here");
    if (i % 5 < 2) words.push(i % 3 === 0 ? "by the river, the river" : "by the river");
    if (i % 10 < 3) words.push(i % 7 === 0 ? "a stone wall of stone" : "a stone wall");
    return words.join(", ");
  });
  const { db, session } = await corpus(texts);
  try {
    const terms = docsOf(db, ["otter", "river", "stone"]);
    assert.deepEqual(terms.map((t) => t.docs), [7, 80, 60]);
    const query = ftsMatch(["otter", "river", "stone"], "any");
    const reference = exhaustive(db, query);
    // Occurrences of each term per memory, from FTS5's own instance vocabulary.
    const tf = (term: string, seq: number) =>
      (db.prepare("SELECT count(*) AS n FROM memories_fts_instance WHERE term = ? AND doc = ?").get(
        term,
        seq,
      ) as {
        n: number;
      }).n;
    // Budget 32: otter is scored in full; river and stone only where they meet otter or each other
    // (their pair expects 80 * 60 / 200 = 24 matches, within the 32 - 7 left).
    const out = scoreAny(session, terms, { ...indexOf(session), need: 500, budget: 32, weighted: true });
    const got = new Map(out.matches);
    const checked = { once: 0, more: 0 };
    for (const [seq, want] of reference) {
      const rank = got.get(seq);
      const counts = ["river", "stone"].map((t) => tf(t, seq));
      // Memories with one common term and no rare one come from the recent window (tested above).
      if (tf("otter", seq) === 0 && counts.filter((n) => n > 0).length < 2) continue;
      assert.ok(rank !== undefined, `seq ${seq} was scored`);
      if (counts.every((n) => n <= 1)) {
        assert.ok(Math.abs(rank - want) < 1e-9, `seq ${seq}: rank ${rank}, FTS5 says ${want}`);
        checked.once++;
      } else {
        // A lower bound (ranks are negative): never above what FTS5 gives, so the ceiling argument holds.
        assert.ok(-rank < -want - 1e-9, `seq ${seq}: ${-rank} is not below FTS5's ${-want}`);
        checked.more++;
      }
    }
    assert.ok(checked.once > 10 && checked.more > 5, JSON.stringify(checked));
  } finally {
    db.close();
  }
});

Deno.test("scoreAll() requires every term, scores the weighted ones and bounds the work", async () => {
  // "common" is in 150 of 200 memories: it must still match but has no weight.
  const texts = riverCorpus().map((t, i) => (i % 4 === 0 ? t : `${t}, common`));
  const { db, session } = await corpus(texts);
  try {
    const terms = docsOf(db, ["river", "common"]);
    const reference = exhaustive(db, ftsMatch(["river", "common"], "all"));
    const out = scoreAll(session, terms, { rows: 200, budget: 1000 });
    assert.equal(out.ceiling, 0);
    assert.deepEqual(new Set(out.matches.map(([s]) => s)), new Set(reference.keys()));
    // Scored without the weightless term: equal to FTS5's rank up to its floor IDF.
    for (const [seq, rank] of out.matches) assert.ok(Math.abs(rank - reference.get(seq)!) < 1e-5);

    const bounded = scoreAll(session, terms, { rows: 200, budget: 10 });
    assert.equal(bounded.ceiling, Infinity);
    assert.deepEqual(
      bounded.matches.map(([s]) => s),
      [...reference.keys()].sort((a, b) => b - a).slice(0, 10),
    );

    assert.deepEqual(scoreAll(session, docsOf(db, ["river", "zebra"]), { rows: 200, budget: 1000 }), {
      matches: [],
      ceiling: 0,
    });
    const flat = scoreAll(session, docsOf(db, ["common", "note"]), { rows: 200, budget: 5 });
    assert.equal(flat.matches.length, 5);
  } finally {
    db.close();
  }
});
