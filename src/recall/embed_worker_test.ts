import assert from "node:assert/strict";
import { copyFixtureModels } from "../../test/support/model_fixtures.ts";
import { tempDataDir } from "../../test/support/processes.ts";
import { OperationMetrics } from "../core/metrics.ts";
import { invokeOperation } from "../ops/invoke.ts";
import { CATALOG } from "../ops/catalog.ts";
import { loadConfig, openDeps } from "../runtime.ts";
import { startEmbedWorker } from "./embed_worker.ts";

Deno.test("OperationMetrics.quietMs(): 0 while a call runs, then the time since it ended", async () => {
  const metrics = new OperationMetrics();
  assert.equal(metrics.quietMs(), Infinity);
  metrics.begin();
  assert.equal(metrics.quietMs(), 0);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(metrics.quietMs(), 0, "still running");
  metrics.record("memory_store", 0.03);
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(metrics.quietMs() >= 15 && metrics.quietMs() < 1000, `${metrics.quietMs()}`);
});

Deno.test("the embedding worker waits for a quiet moment, but no longer than its deferral limit", async () => {
  const dir = await tempDataDir();
  const modelsDir = await copyFixtureModels(dir);
  const deps = await openDeps(loadConfig({ db: `${dir}/worker.db`, logLevel: "error", modelsDir }));
  const store = CATALOG.find((op) => op.name === "memory_store")!;
  try {
    for (let i = 0; i < 12; i++) {
      await invokeOperation(store, { title: `Note ${i}`, content: `text number ${i}` }, {
        ctx: { ...deps, actor: "test" },
      });
    }
    const pending = async () =>
      (await deps.store.vectors.stats({ model: (await deps.semantic.embedder("t")).model })).pending;
    assert.equal(await pending(), 12);
    const embedder = await deps.semantic.embedder("test");
    let busy = true;
    const stop = startEmbedWorker(deps.store.vectors, {
      embedder,
      clock: deps.clock,
      log: deps.log,
      idleMs: 20,
      quietMs: () => (busy ? 0 : Infinity),
      maxDeferMs: 400,
    });
    try {
      // Requests never stop: nothing within the first 400 ms (a slow machine may let one batch of 4
      // through)...
      await new Promise((r) => setTimeout(r, 250));
      const early = await pending();
      assert.ok(early >= 8, `at most one batch while busy, ${12 - early} embedded`);
      // ...and the next only once the limit has passed.
      await new Promise((r) => setTimeout(r, 600));
      assert.ok((await pending()) < early, "the deferral limit lets a batch through");
      // Quiet: the rest goes at once.
      busy = false;
      const until = Date.now() + 10_000;
      while ((await pending()) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      assert.equal(await pending(), 0);
    } finally {
      await stop();
    }
  } finally {
    deps.store.close();
  }
});
