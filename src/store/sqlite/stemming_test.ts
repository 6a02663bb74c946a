import assert from "node:assert/strict";
import Database from "better-sqlite3-multiple-ciphers";
import { nativeAddonPath } from "./open.ts";
import { indexTerm } from "./stemming.ts";

Deno.test("indexTerm() folds case and accents, then stems as Porter does", () => {
  assert.equal(indexTerm("Painting"), "paint");
  assert.equal(indexTerm("painted"), "paint");
  assert.equal(indexTerm("café"), "cafe");
  assert.equal(indexTerm("NAÏVE"), "naiv");
  assert.equal(indexTerm("東京"), "東京");
  assert.equal(indexTerm("42"), "42");
});

Deno.test("indexTerm() gives the terms FTS5's porter tokenizer puts in the vocabulary", () => {
  const words = [
    "running",
    "runs",
    "generalizations",
    "relational",
    "happiness",
    "adoption",
    "adopting",
    "camping",
    "meteor",
    "ponies",
    "caresses",
    "Zoë's",
    "résumé",
    "hopefully",
  ];
  const db = new Database(":memory:", { nativeBinding: nativeAddonPath() });
  try {
    db.exec(`CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = 'porter unicode61 remove_diacritics 2');
      CREATE VIRTUAL TABLE v USING fts5vocab (t, 'instance');`);
    const insert = db.prepare("INSERT INTO t (rowid, x) VALUES (?, ?)");
    words.forEach((w, i) => insert.run(i + 1, w.split("'")[0]));
    const indexed = db.prepare("SELECT doc, term FROM v ORDER BY doc").all() as {
      doc: number;
      term: string;
    }[];
    assert.deepEqual(indexed.map((r) => r.term), words.map((w) => indexTerm(w.split("'")[0]!)));
  } finally {
    db.close();
  }
});
