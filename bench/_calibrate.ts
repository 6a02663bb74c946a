// The calibration workload: a fixed piece of work that does not depend on the product's code (a
// pure-JS loop, ranked FTS5 queries and a write, and a scan through 2 MB of a 10 MB table, all on an
// in-memory SQLite database), timed in short units interleaved with the measured operations. An
// operation's p95 divided by the calibration is a figure that a faster or slower machine, or a busier
// moment, moves much less than the p95 alone. The scan matters: neighbours that compete for memory
// bandwidth and cache slow the operations that read many rows (taxonomy, search and recall at 10k)
// while leaving a small CPU-bound loop untouched.
import Database from "better-sqlite3-multiple-ciphers";
import { mixSeed, mulberry32 } from "./_prng.ts";
import { Workload } from "./_workload.ts";

/** Rows of the in-memory FTS5 table. */
const ROWS = 2000;
/** Rows of the scanned table (about 1 KiB each) and of one unit's slice of it. */
const SCAN_ROWS = 10_000;
const SCAN_SLICE = 2_000;
/** Seed of the calibration data; fixed, unrelated to --seed. */
const CALIBRATION_SEED = 0x63616c69;

function addonPath(): string {
  const os = Deno.build.os === "windows" ? "win32" : Deno.build.os;
  const arch = Deno.build.arch === "aarch64" ? "arm64" : "x64";
  const url = new URL(
    `../node_modules/better-sqlite3-multiple-ciphers/prebuilds/${os}-${arch}.node`,
    import.meta.url,
  );
  return decodeURIComponent(url.pathname);
}

type Db = InstanceType<typeof Database>;
type Stmt = Database.Statement<unknown[]>;

/** A reusable calibration workload; `unit()` runs one unit of work and returns its duration in ms. */
export class Calibration {
  readonly #db: Db;
  readonly #match: Stmt;
  readonly #insert: Stmt;
  readonly #remove: Stmt;
  readonly #scan: Stmt;
  readonly #queries: string[];
  readonly #texts: string[];
  #next = 0;

  constructor() {
    this.#db = new Database(":memory:", { nativeBinding: addonPath() });
    this.#db.exec(
      "CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT NOT NULL, content TEXT NOT NULL);" +
        "CREATE VIRTUAL TABLE docs_fts USING fts5(title, content, content='docs', content_rowid='id');" +
        "CREATE TRIGGER docs_ai AFTER INSERT ON docs BEGIN " +
        "INSERT INTO docs_fts(rowid, title, content) VALUES (new.id, new.title, new.content); END;" +
        "CREATE TRIGGER docs_ad AFTER DELETE ON docs BEGIN " +
        "INSERT INTO docs_fts(docs_fts, rowid, title, content) VALUES ('delete', old.id, old.title, old.content); END;",
    );
    const workload = new Workload(CALIBRATION_SEED);
    const insert = this.#db.prepare("INSERT INTO docs (title, content) VALUES (?, ?)");
    this.#db.transaction(() => {
      for (let i = 0; i < ROWS; i++) {
        const d = workload.next();
        insert.run(d.title, d.content);
      }
    })();
    const rng = mulberry32(mixSeed(CALIBRATION_SEED, 1));
    this.#queries = [];
    for (let i = 0; i < 64; i++) {
      // Two or three mid-frequency words, OR-ed, as keyword recall does.
      const words = [0, 1, 2].slice(0, 2 + (i % 2)).map(() =>
        workload.vocabulary[60 + Math.floor(rng() * 400)]!
      );
      this.#queries.push(words.map((w) => `"${w}"`).join(" OR "));
    }
    this.#texts = [];
    for (let i = 0; i < 64; i++) this.#texts.push(workload.next().content);
    this.#match = this.#db.prepare(
      "SELECT d.id, d.title, d.content, bm25(docs_fts) AS score FROM docs_fts JOIN docs d ON d.id = docs_fts.rowid " +
        "WHERE docs_fts MATCH ? ORDER BY score LIMIT 20",
    );
    this.#insert = this.#db.prepare("INSERT INTO docs (title, content) VALUES (?, ?)");
    this.#remove = this.#db.prepare("DELETE FROM docs WHERE id = ?");
    this.#db.exec("CREATE TABLE pages (id INTEGER PRIMARY KEY, ns TEXT NOT NULL, body TEXT NOT NULL)");
    const page = this.#db.prepare("INSERT INTO pages (ns, body) VALUES (?, ?)");
    this.#db.transaction(() => {
      for (let i = 0; i < SCAN_ROWS; i++) {
        const text = this.#texts[i % this.#texts.length]!;
        page.run(`ns-${i % 20}`, (text + " ").repeat(Math.ceil(1000 / (text.length + 1))).slice(0, 1000) + i);
      }
    })();
    this.#scan = this.#db.prepare(
      "SELECT ns, count(*) AS n, sum(length(body)) AS bytes FROM pages WHERE id BETWEEN ? AND ? GROUP BY ns",
    );
  }

  /** One unit: a pure-JS part (JSON, strings, sort) and a SQLite part (FTS5 queries, a write). */
  unit(): number {
    const i = this.#next++ % 64;
    const started = performance.now();
    // JS: serialise and parse an object, tokenise text, sort numbers.
    const text = this.#texts[i]!;
    const doc = { id: i, text, words: text.toLowerCase().split(/[^a-z]+/), n: [3, 1, 2] };
    const back = JSON.parse(JSON.stringify(doc)) as typeof doc;
    const counts = new Map<string, number>();
    for (const w of back.words) counts.set(w, (counts.get(w) ?? 0) + 1);
    const scores: number[] = [];
    for (let k = 0; k < 2000; k++) {
      scores.push(((k * 7919) % 1009) / (1 + (counts.get(back.words[k % back.words.length]!) ?? 0)));
    }
    scores.sort((a, b) => a - b);
    // SQLite: two ranked FTS5 queries, one insert and its delete (each its own implicit transaction).
    let rows = this.#match.all(this.#queries[i]!).length;
    rows += this.#match.all(this.#queries[(i + 17) % 64]!).length;
    const { lastInsertRowid } = this.#insert.run(`calibration ${i}`, text);
    this.#remove.run(lastInsertRowid);
    // Memory: one slice of the scanned table, a different one each unit.
    const first = (i % (SCAN_ROWS / SCAN_SLICE)) * SCAN_SLICE + 1;
    rows += this.#scan.all(first, first + SCAN_SLICE - 1).length;
    const elapsed = performance.now() - started;
    if (rows < 0 || scores.length !== 2000) throw new Error("unreachable");
    return elapsed;
  }

  /** Run `n` units; returns their durations. */
  units(n: number): number[] {
    const out: number[] = [];
    for (let k = 0; k < n; k++) out.push(this.unit());
    return out;
  }

  close(): void {
    this.#db.close();
  }
}
