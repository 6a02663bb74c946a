// The benchmark as a tool: `deno task bench` at a tiny size, through every surface, with the fixture
// models and the server-memory comparison, must run every row and report it. Nothing here judges a
// timing (the budgets' verdicts are the benchmark's business, on a quiet machine); a crash, a missing
// row or an empty measurement is a defect of the tool.
import assert from "node:assert/strict";
import { opSpecs, ROWS } from "../../bench/_ops.ts";
import { Workload } from "../../bench/_workload.ts";
import { cacheGoodUntil, cacheUsable } from "../../bench/_seed.ts";
import { mergeOnUpsert } from "../../src/lifecycle/upsert_merge.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite_store.ts";
import { memoryDraft } from "../support/memory_drafts.ts";
import { tempDataDir } from "../support/processes.ts";

interface Report {
  sizes: { size: number; rows: { surface: string; row: string; stats: { n: number; p95: number } }[] }[];
  peer?: { sizes: { size: number }[] };
  budgets: { key: string }[];
}

Deno.test("deno task bench measures every row through every surface and writes its report", async () => {
  const dir = await tempDataDir();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-P=bench",
      "bench/bench.ts",
      ...["--sizes", "120", "--surface", "inproc,mcp,http", "--rounds", "1", "--iterations", "3"],
      ...["--warmup", "1", "--peer-sizes", "120", "--peer-iterations", "3", "--semantic-sizes", "120"],
      ...["--results", dir],
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  // 0: every budget 4x inside; 1: some not (a timing, not judged here), or a crash, which leaves no
  // report: the report is written last.
  assert.ok(out.code === 0 || out.code === 1, `exit ${out.code}: ${stderr.slice(-2000)}`);
  const text = await Deno.readTextFile(`${dir}/bench-latest.json`).catch(() => "");
  assert.ok(text !== "", `no report was written (exit ${out.code}): ${stderr.slice(-2000)}`);
  const report = JSON.parse(text) as Report;
  assert.equal(report.sizes.length, 1);
  const rows = report.sizes[0]!.rows;
  for (const surface of ["inproc", "mcp", "http"]) {
    const got = rows.filter((r) => r.surface === surface).map((r) => r.row);
    assert.deepEqual(got.toSorted(), [...ROWS].sort(), `rows through ${surface}`);
  }
  for (const r of rows) {
    assert.equal(r.stats.n, 3, `${r.surface} ${r.row}: measured calls`);
    assert.ok(Number.isFinite(r.stats.p95) && r.stats.p95 > 0, `${r.surface} ${r.row}: p95 ${r.stats.p95}`);
  }
  // The in-process rows stored memories without embedding them: the next surface starts embedded.
  assert.match(stderr, /embedded the \d+ memories the previous surface stored/);
  assert.deepEqual(report.peer?.sizes.map((s) => s.size), [120]);
  assert.ok(report.budgets.length > 0);
  assert.ok((await Deno.stat(`${dir}/bench-latest.md`)).size > 0);
});

Deno.test("a cached bench database stands in for seeding only while none of its memories expires within the hour", async () => {
  const dir = await tempDataDir();
  const now = new Date("2026-06-01T12:00:00.000Z");
  const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
  const cache = async (name: string, expiries: (string | null)[]) => {
    const path = `${dir}/${name}.db`;
    const store = await SqliteStore.open(path, { now: now.toISOString() });
    for (const [i, expires_at] of expiries.entries()) {
      await store.upsert(memoryDraft({ title: `${name} ${i}`, expires_at }), {
        id: crypto.randomUUID(),
        now: now.toISOString(),
        merge: mergeOnUpsert,
      });
    }
    store.close();
    return cacheGoodUntil(path);
  };
  const HOUR = 3_600_000;
  // A short memory seeded 5.5 hours ago expires in 30 minutes: within the margin.
  const aging = await cache("aging", [null, at(HOUR / 2), at(100 * HOUR)]);
  assert.equal(aging?.toISOString(), at(-HOUR / 2));
  assert.equal(cacheUsable(aging, now), false);
  const fresh = await cache("fresh", [null, at(5 * HOUR)]);
  assert.equal(cacheUsable(fresh, now), true);
  assert.equal(cacheUsable(fresh, new Date(now.getTime() + 4.5 * HOUR)), false);
  assert.equal(await cache("forever", [null, null]), null);
  assert.equal(cacheUsable(null, now), true);
});

Deno.test("every surface is asked the same reading inputs, even after an earlier surface stored memories", () => {
  const seed = 20240601;
  const size = 200;
  const workload = new Workload(seed);
  for (let i = 0; i < size; i++) workload.next();
  const ids = Array.from({ length: size }, (_, i) => `id-${i}`);
  const inputsOf = (surface: string) => {
    const specs = opSpecs(workload, ids, { seed, size, surface, pool: 50, semantic: true });
    // Building memory_store inputs takes new memories from the workload, as a surface's writing rows do.
    return new Map(specs.map((s) => [s.row, Array.from({ length: 50 }, (_, i) => s.input(i))]));
  };
  const first = inputsOf("inproc");
  const second = inputsOf("mcp");
  for (const row of ["memory_recall", "memory_search", "memory_session_start", "memory_kg_query depth 3"]) {
    assert.deepEqual(second.get(row), first.get(row), `${row}: the same inputs through every surface`);
  }
  assert.deepEqual(second.get("memory_check_duplicate"), first.get("memory_check_duplicate"));
  // Writing rows: new memories for each surface, and upserts of memories of its own draw.
  const titles = (rows: Map<string, unknown[]>) =>
    (rows.get("memory_store") as { title: string }[]).map((d) => d.title);
  assert.notDeepEqual(titles(second), titles(first));
  assert.notDeepEqual(second.get("memory_store (upsert)"), first.get("memory_store (upsert)"));
});

Deno.test("bench:check --ab-only measures this tree side by side with a commit; a bad row or commit exits 2 naming it", async () => {
  const check = (...args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-P=bench", "bench/check.ts", ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);

  const out = await check("--ab-only", "memory_get", "--base", "HEAD", "--sizes", "300,600");
  assert.equal(out.code, 0, text(out.stderr).slice(-2000));
  // The table: one line per size, this tree's p95, the commit's p95 (both from real calls), their ratio.
  for (const size of ["300", "600"]) {
    const line = text(out.stdout).split("\n").find((l) => l.startsWith(`${size} memory_get `));
    assert.ok(line, `no ${size} line in:\n${text(out.stdout)}`);
    const [mine, theirs, ab] = line.trim().split(/\s{2,}/).slice(1);
    assert.ok(Number(mine) > 0 && Number(theirs) > 0, line);
    assert.match(ab!, /^[+-]\d+\.\d%$/, line);
  }
  // The commit's tree and both databases are gone afterwards.
  for (const dir of ["data/bench/ab-baseline", "data/bench/ab-candidate"]) {
    await assert.rejects(Deno.stat(dir), Deno.errors.NotFound, dir);
  }

  const badRow = await check("--ab-only", "memory_nothing");
  assert.equal(badRow.code, 2);
  assert.match(text(badRow.stderr), /--ab-only: unknown rows memory_nothing/);
  const badBase = await check("--ab-only", "memory_get", "--base", "no-such-commit");
  assert.equal(badBase.code, 2);
  assert.match(text(badBase.stderr), /--base: no-such-commit is not a commit/);
  const badSizes = await check("--ab-only", "memory_get", "--sizes", "0");
  assert.equal(badSizes.code, 2);
  assert.match(text(badSizes.stderr), /--sizes: 0 is not a list of memory counts from 1 to 100000/);
});
