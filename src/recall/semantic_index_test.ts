import assert from "node:assert/strict";
import { catalogOp } from "../../test/support/catalog_ops.ts";
import { copyFixtureModels, type DuplicateCheck } from "../../test/support/model_fixtures.ts";
import { tempDataDir } from "../../test/support/processes.ts";
import type { StoreResult } from "../../test/support/results.ts";
import { invokeOperation } from "../ops/invoke.ts";
import type { Deps } from "../ops/operation.ts";
import { loadConfig, openDeps } from "../runtime.ts";
import { drainQueue } from "./embed_worker.ts";
import { SemanticIndex } from "./semantic_index.ts";
import type { EmbedJob } from "../store/vector_store.ts";

const MODEL = "hand-made@1";
const DIMENSIONS = 4;

/** A distinct direction per `n`: the hand-made vector of a memory's text. */
function direction(n: number): Float32Array {
  return new Float32Array([Math.cos(n), Math.sin(n), Math.cos(2 * n) / 2, Math.sin(2 * n) / 2]);
}

/** A real SQLite store (through openDeps) at `<dir>/index.db`, with the keyword tier's config. */
async function openDatabase(dir: string): Promise<Deps> {
  return await openDeps(loadConfig({ db: `${dir}/index.db`, logLevel: "error" }));
}

function op(deps: Deps, name: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
  return invokeOperation(catalogOp(name), input, { ctx: { ...deps, actor: "test:semantic-index" } });
}

/**
 * Store `count` memories and save a hand-made vector for everything queued, as a worker would:
 * row `seq` gets direction(seq). Returns the row numbers that got a vector.
 */
async function storeAndEmbed(deps: Deps, count: number): Promise<number[]> {
  for (let i = 0; i < count; i++) {
    await op(deps, "memory_store", { title: `Memory ${crypto.randomUUID()}`, content: "hand-made vector" });
  }
  return await embedQueued(deps);
}

/** Lease everything queued and free, for a minute, as a worker does. */
async function leaseQueued(deps: Deps): Promise<EmbedJob[]> {
  const now = new Date();
  return await deps.store.vectors.claim({
    now: now.toISOString(),
    leaseUntil: new Date(now.getTime() + 60_000).toISOString(),
    limit: 1000,
    maxAttempts: 5,
  });
}

/** Save `vector` for a leased job; returns how many were saved (0 when the store refused it). */
function saveVector(deps: Deps, job: EmbedJob, vector: Float32Array): Promise<number> {
  return deps.store.vectors.save([{ seq: job.seq, gen: job.gen, vector }], {
    model: MODEL,
    now: new Date().toISOString(),
  });
}

/** Save direction(seq + offset) for every queued row `seq`; returns the rows. */
async function embedQueued(deps: Deps, offset = 0): Promise<number[]> {
  const jobs = await leaseQueued(deps);
  let saved = 0;
  for (const job of jobs) saved += await saveVector(deps, job, direction(job.seq + offset));
  assert.equal(saved, jobs.length, "every leased job got its vector saved");
  return jobs.map((j) => j.seq);
}

function openIndex(
  deps: Deps,
  file: string,
  options: { model?: string; fresh?: boolean; signal?: AbortSignal } = {},
) {
  return SemanticIndex.open(deps.store.vectors, {
    model: options.model ?? MODEL,
    dimensions: DIMENSIONS,
    file: { path: file },
    ...(options.fresh ? { fresh: true } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/** The label the index finds nearest to `vector`, which must be an exact match. */
async function exactMatch(index: SemanticIndex, vector: Float32Array): Promise<number> {
  const [hit] = await index.search(vector, 1);
  assert.ok(hit, "the index found a neighbour");
  assert.ok(hit.similarity > 0.9999, `an exact match, not ${hit.similarity}`);
  return hit.label;
}

Deno.test("SemanticIndex: catch-up adds vectors saved after open, and a re-embedded memory replaces its entry", async () => {
  const dir = await tempDataDir();
  const deps = await openDatabase(dir);
  try {
    const first = await storeAndEmbed(deps, 3);
    const index = await openIndex(deps, `${dir}/index.db.vectors`);
    assert.equal(index.origin, "rebuilt: no index file");
    assert.equal(index.size, 3);
    const later = await storeAndEmbed(deps, 2);
    assert.equal(index.size, 3, "nothing is added before the next catch-up");
    assert.equal(await exactMatch(index, direction(later[1]!)), later[1], "search catches up first");
    assert.equal(index.size, 5);
    assert.equal(index.change, (await deps.store.vectors.stats({ model: MODEL })).head);

    const rewritten = first[0]!;
    const [target] = await deps.store.vectors.liveBySeq([rewritten], {
      filter: {},
      now: new Date().toISOString(),
      model: MODEL,
    });
    await op(deps, "memory_update", { id: target!.memory.id, content: "a rewritten text" });
    assert.deepEqual(await embedQueued(deps, 10), [rewritten], "the rewrite queued the memory again");
    assert.equal(await index.catchUp(), 1);
    assert.equal(index.size, 5, "the rewritten memory keeps one entry");
    assert.equal(await exactMatch(index, direction(rewritten + 10)), rewritten);
    const [stale] = await index.search(direction(rewritten), 1);
    assert.ok(stale!.label !== rewritten || stale!.similarity < 0.9999, "the old vector is gone");
  } finally {
    deps.store.close();
  }
});

Deno.test("SemanticIndex: a saved index reopens from its file and catches up with what was written since", async () => {
  const dir = await tempDataDir();
  const file = `${dir}/index.db.vectors`;
  const deps = await openDatabase(dir);
  try {
    const first = await storeAndEmbed(deps, 3);
    const built = await openIndex(deps, file);
    assert.equal(built.unsaved, 3);
    await built.save();
    assert.equal(built.unsaved, 0);

    const reopened = await openIndex(deps, file);
    assert.equal(reopened.origin, "file");
    assert.equal(reopened.size, 3);
    assert.equal(reopened.change, built.change);
    assert.equal(await exactMatch(reopened, direction(first[2]!)), first[2]);

    const later = await storeAndEmbed(deps, 2);
    const caughtUp = await openIndex(deps, file);
    assert.equal(caughtUp.origin, "file");
    assert.equal(caughtUp.size, 5);
    assert.equal(caughtUp.unsaved, 2, "the 2 vectors the file lacks");
    assert.equal(await exactMatch(caughtUp, direction(later[0]!)), later[0]);

    const fresh = await openIndex(deps, file, { fresh: true });
    assert.equal(fresh.origin, "rebuilt: asked to");
    assert.equal(fresh.size, 5);
  } finally {
    deps.store.close();
  }
});

Deno.test("SemanticIndex: once its signal is aborted (a process stopping) catching up stops, and a saved index is gone on from by the next open", async () => {
  const dir = await tempDataDir();
  const file = `${dir}/index.db.vectors`;
  const deps = await openDatabase(dir);
  try {
    const first = await storeAndEmbed(deps, 3);
    const stopping = new AbortController();
    const index = await openIndex(deps, file, { signal: stopping.signal });
    assert.equal(index.size, 3);
    const later = await storeAndEmbed(deps, 2);
    stopping.abort();
    assert.equal(await index.catchUp(), 0, "nothing is added once stopped");
    assert.equal(index.size, 3);
    await index.save();

    const stoppedAtOnce = new AbortController();
    stoppedAtOnce.abort();
    const unbuilt = await openIndex(deps, file, { fresh: true, signal: stoppedAtOnce.signal });
    assert.equal(unbuilt.size, 0, "a build asked to stop before it started adds nothing");
    assert.equal(unbuilt.change, 0);

    const next = await openIndex(deps, file);
    assert.equal(next.origin, "file", "the stopped index's file is trusted");
    assert.equal(next.size, 5, "and caught up with the 2 vectors it lacked");
    assert.equal(await exactMatch(next, direction(first[0]!)), first[0]);
    assert.equal(await exactMatch(next, direction(later[1]!)), later[1]);
  } finally {
    deps.store.close();
  }
});

Deno.test("SemanticIndex: a file written for another database is rebuilt from this one", async () => {
  const [dirA, dirB] = [await tempDataDir(), await tempDataDir()];
  const file = `${dirA}/index.db.vectors`;
  const a = await openDatabase(dirA);
  const b = await openDatabase(dirB);
  try {
    await storeAndEmbed(a, 4);
    await (await openIndex(a, file)).save();
    const onlyB = await storeAndEmbed(b, 2);
    const index = await openIndex(b, file);
    assert.equal(index.origin, "rebuilt: the index file belongs to another database");
    assert.equal(index.size, 2);
    assert.equal(await exactMatch(index, direction(onlyB[1]!)), onlyB[1]);
    const hits = await index.search(direction(3), 10);
    assert.deepEqual(hits.map((h) => h.label).sort(), [...onlyB].sort(), "none of the other database's rows");
  } finally {
    a.store.close();
    b.store.close();
  }
});

/**
 * A database restored from a copy taken when it had 2 vectors, with `<dir>/index.db.vectors` saved
 * by the original afterwards, at 4 vectors: the file of a history the restored database does not have.
 */
async function restoredWithNewerFile(): Promise<{ restored: Deps; file: string; close(): void }> {
  const dir = await tempDataDir();
  const restoredDir = await tempDataDir();
  const file = `${dir}/index.db.vectors`;
  const original = await openDatabase(dir);
  await storeAndEmbed(original, 2);
  original.store.close();
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.startsWith("index.db")) {
      await Deno.copyFile(`${dir}/${entry.name}`, `${restoredDir}/${entry.name}`);
    }
  }
  const reopened = await openDatabase(dir);
  const restored = await openDatabase(restoredDir);
  await storeAndEmbed(reopened, 2);
  const newer = await openIndex(reopened, file);
  await newer.save();
  assert.equal(newer.size, 4);
  return {
    restored,
    file,
    close: () => {
      reopened.store.close();
      restored.store.close();
    },
  };
}

Deno.test("SemanticIndex: a file ahead of its database (restored from an older copy) is rebuilt", async () => {
  const { restored, file, close } = await restoredWithNewerFile();
  try {
    const index = await openIndex(restored, file);
    assert.equal(index.origin, "rebuilt: the index file is ahead of the database");
    assert.equal(index.size, 2);
    assert.equal(index.change, (await restored.store.vectors.stats({ model: MODEL })).head);
  } finally {
    close();
  }
});

Deno.test("SemanticIndex: a file of a history the restored database has since written past is not trusted", async () => {
  const { restored, file, close } = await restoredWithNewerFile();
  try {
    // Written after the restore: rows 3 to 5, with vectors unlike the original's rows 3 and 4.
    for (let i = 0; i < 3; i++) {
      await op(restored, "memory_store", { title: `After restore ${i}`, content: "new" });
    }
    const rows = await embedQueued(restored, 20);
    assert.deepEqual(rows, [3, 4, 5]);
    const index = await openIndex(restored, file);
    for (const row of rows) {
      const [hit] = await index.search(direction(row + 20), 1);
      assert.ok(
        hit?.label === row && hit.similarity > 0.9999,
        `row ${row} is not found by its own vector (index ${index.origin}, nearest ${JSON.stringify(hit)})`,
      );
    }
    assert.equal(index.size, 5);
  } finally {
    close();
  }
});

Deno.test("SemanticIndex: a file for another model, or one that is not an index, is rebuilt", async () => {
  const dir = await tempDataDir();
  const file = `${dir}/index.db.vectors`;
  const deps = await openDatabase(dir);
  try {
    await storeAndEmbed(deps, 2);
    await (await openIndex(deps, file)).save();
    const otherModel = await openIndex(deps, file, { model: "another@2" });
    assert.equal(otherModel.origin, "rebuilt: the index file is for another model");
    assert.equal(otherModel.size, 0, "no vectors of that model are stored");
    await Deno.writeTextFile(file, "not an index");
    const garbage = await openIndex(deps, file);
    assert.equal(garbage.origin, "rebuilt: the index file is not readable");
    assert.equal(garbage.size, 2);
  } finally {
    deps.store.close();
  }
});

Deno.test("check_duplicate never answers with a new memory for the vector of a purged one that had its row number", async () => {
  const dir = await tempDataDir();
  const modelsDir = await copyFixtureModels(dir);
  const deps = await openDeps(loadConfig({ db: `${dir}/reuse.db`, logLevel: "error", modelsDir }));
  try {
    const check = (title: string, content: string) =>
      op(deps, "memory_check_duplicate", { title, content }) as Promise<DuplicateCheck>;
    await op(deps, "memory_store", { title: "Alpha", content: "first memory" });
    const bravo = (await op(deps, "memory_store", {
      title: "Bravo",
      content: "second memory about sailing",
    })) as StoreResult;
    await drainQueue(deps.store.vectors, {
      embedder: await deps.semantic.embedder("title"),
      clock: deps.clock,
    });
    assert.equal((await check("Bravo", "second memory about sailing")).nearest?.id, bravo.id);

    await op(deps, "memory_delete", { id: bravo.id });
    assert.equal((await op(deps, "memory_purge", { older_than_days: 0 })).purged, 1);
    // Bravo had the highest row number, so the next memory gets it again.
    const charlie =
      (await op(deps, "memory_store", { title: "Charlie", content: "cooking pasta" })) as StoreResult;

    const after = await check("Bravo", "second memory about sailing");
    assert.notEqual(
      after.nearest?.id,
      charlie.id,
      `Charlie, not yet embedded, is reported as Bravo's text: ${JSON.stringify(after)}`,
    );
    assert.equal(after.is_duplicate, false);
  } finally {
    deps.store.close();
  }
});

Deno.test("a vector computed from a text two rewrites ago is never saved over the newest text", async () => {
  const dir = await tempDataDir();
  const deps = await openDatabase(dir);
  try {
    const { id } = await op(deps, "memory_store", { title: "Rewritten", content: "text one" });
    const lease = async () => {
      const jobs = await leaseQueued(deps);
      assert.equal(jobs.length, 1, "the memory is queued and free to lease");
      return jobs[0]!;
    };
    const save = (job: EmbedJob, n: number) => saveVector(deps, job, direction(n));
    // A slow worker leases "text one"; the text is rewritten; a second worker embeds "text two".
    const slow = await lease();
    assert.equal(slow.text, "Rewritten text one");
    await op(deps, "memory_update", { id, content: "text two" });
    const fast = await lease();
    assert.equal(fast.text, "Rewritten text two");
    assert.equal(await save(fast, 2), 1);
    // The text is rewritten again, and only then does the slow worker finish with "text one".
    await op(deps, "memory_update", { id, content: "text three" });
    const stale = await save(slow, 1);
    const stats = await deps.store.vectors.stats({ model: MODEL });
    assert.equal(
      stale,
      0,
      `the vector of "text one" was saved over "text three" (queue now ${stats.pending})`,
    );
    assert.equal(stats.pending, 1, '"text three" still waits for its vector');
  } finally {
    deps.store.close();
  }
});
