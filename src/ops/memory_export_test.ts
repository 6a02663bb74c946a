import assert from "node:assert/strict";
import { catalogOp } from "../../test/support/catalog_ops.ts";
import { loadConfig, openDeps } from "../runtime.ts";
import { invokeOperation } from "./invoke.ts";
import { tempDataDir } from "../../test/support/processes.ts";

Deno.test("memory_export with as_agent exports only what that reader may see, and the links among them", async () => {
  const dir = await tempDataDir();
  const deps = await openDeps(loadConfig({ db: `${dir}/e.db` }));
  deps.log = { debug() {}, info() {}, warn() {}, error() {} };
  const ctx = { ...deps, actor: "author" };
  try {
    const run = (name: string, input: Record<string, unknown>) =>
      invokeOperation(catalogOp(name), input, { ctx });
    const hidden = await run("memory_store", { title: "Hidden", content: "private to a", namespace: "a" });
    const shared = await run("memory_store", {
      title: "Shared",
      content: "for everyone",
      namespace: "a",
      scope: "collective",
    });
    const other = await run("memory_store", {
      title: "Other",
      content: "for everyone too",
      scope: "collective",
    });
    await run("memory_link", { source_id: shared.id, target_id: hidden.id });
    await run("memory_link", { source_id: shared.id, target_id: other.id });
    await run("memory_namespace_set_standard", { namespace: "a", id: hidden.id });

    const full = await run("memory_export", {}) as { counts: Record<string, number> };
    assert.deepEqual(full.counts, { memories: 3, links: 2, aliases: 0, agents: 0, namespaces: 1 });
    const seen = await run("memory_export", { as_agent: "b" }) as {
      counts: Record<string, number>;
      jsonl: string;
    };
    assert.deepEqual(seen.counts, { memories: 2, links: 1, aliases: 0, agents: 0, namespaces: 1 });
    assert.equal(seen.jsonl.includes(hidden.id as string), false, "no trace of the hidden memory");
    const insider = await run("memory_export", { as_agent: "a" }) as { counts: Record<string, number> };
    assert.equal(insider.counts.memories, 3);
  } finally {
    deps.store.close();
  }
});
