import assert from "node:assert/strict";
import { catalogOp } from "../../test/support/catalog_ops.ts";
import { loadConfig, openDeps } from "../runtime.ts";
import { invokeOperation } from "../ops/invoke.ts";
import { fixedClock } from "../core/clock.ts";
import { exportAuditTrail, verifyAuditTrail } from "./audit_trail.ts";
import { auditHash } from "../core/audit_chain.ts";
import { tempDataDir } from "../../test/support/processes.ts";

// deno-lint-ignore no-explicit-any
type Loose = Record<string, any>;

Deno.test("every write operation appends one audit record per change, with the caller, the operation and the ids; reads and refusals append none", async () => {
  const dir = await tempDataDir();
  const deps = await openDeps(loadConfig({ db: `${dir}/a.db` }));
  deps.log = { debug() {}, info() {}, warn() {}, error() {} };
  deps.clock = fixedClock(new Date("2026-01-02T03:04:05.000Z"));
  const ctx = { ...deps, actor: "auditor-test" };
  const run = async (name: string, input: Record<string, unknown>) =>
    await invokeOperation(catalogOp(name), input, { ctx }) as Loose;
  try {
    const a = (await run("memory_store", { title: "A", content: "alpha text", namespace: "x/y" })).memory;
    const b = (await run("memory_store", { title: "B", content: "beta text", namespace: "x" })).memory;
    const c =
      (await run("memory_store", { title: "C", content: "gamma text", namespace: "x", tier: "short" }))
        .memory;
    await run("memory_update", { id: a.id, content: "alpha text again" });
    await run("memory_link", { source_id: a.id, target_id: b.id });
    await run("memory_link", { source_id: a.id, target_id: b.id }); // existing: no change
    await run("memory_kg_invalidate", { source_id: a.id, target_id: b.id, relation: "related_to" });
    await run("memory_recall", { context: "alpha" });
    await run("memory_list", {});
    await run("memory_entity_register", { canonical_name: "Kestrel", namespace: "x", aliases: ["k"] });
    await run("memory_agent_register", { agent_id: "bot-1", agent_type: "human" });
    await run("memory_namespace_set_standard", { namespace: "x", id: b.id });
    await run("memory_namespace_clear_standard", { namespace: "x" });
    await run("memory_promote", { id: b.id });
    await assert.rejects(run("memory_delete", { id: "no-such-id" }));
    await run("memory_delete", { id: c.id });
    await run("memory_purge", { older_than_days: 0 });
    const d = (await run("memory_store", { title: "D", content: "delta text", namespace: "z" })).memory;
    const e = (await run("memory_store", { title: "E", content: "epsilon text", namespace: "z" })).memory;
    await run("memory_consolidate", {
      ids: [d.id, e.id],
      title: "DE",
      summary: "delta and epsilon",
      namespace: "z",
    });
    await run("memory_forget", { namespace: "z", dry_run: true });
    await run("memory_forget", { namespace: "z" });
    const archived = await run("memory_archive_list", {});
    await run("memory_archive_restore", { id: archived.memories[0].id });
    await run("memory_archive_purge", {});
    await run("memory_gc", {});
    const exported = await run("memory_export", {});
    const other = await openDeps(loadConfig({ db: `${dir}/b.db` }));
    other.log = deps.log;
    await invokeOperation(catalogOp("memory_import"), { jsonl: exported.jsonl }, {
      ctx: { ...other, actor: "importer" },
    });
    const imported = await other.store.audit.page({ afterSeq: 0, limit: 10 });
    other.store.close();
    assert.deepEqual(imported.map((r) => [r.actor, r.operation, r.action]), [[
      "importer",
      "memory_import",
      "import",
    ]]);

    let text = "";
    await exportAuditTrail(deps.store.audit, { write: (t) => Promise.resolve(void (text += t)) });
    const records = text.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(records.map((r) => [r.operation, r.action]), [
      ["memory_store", "memory.create"],
      ["memory_store", "memory.create"],
      ["memory_store", "memory.create"],
      ["memory_update", "memory.update"],
      ["memory_link", "link.create"],
      ["memory_kg_invalidate", "link.invalidate"],
      ["memory_recall", "memory.touch"],
      ["memory_entity_register", "memory.create"],
      ["memory_entity_register", "entity.alias"],
      ["memory_agent_register", "agent.register"],
      ["memory_namespace_set_standard", "standard.set"],
      ["memory_namespace_clear_standard", "standard.clear"],
      ["memory_promote", "memory.update"],
      ["memory_delete", "memory.delete"],
      ["memory_purge", "memory.purge"],
      ["memory_store", "memory.create"],
      ["memory_store", "memory.create"],
      ["memory_consolidate", "memory.consolidate"],
      ["memory_forget", "memory.archive"],
      ["memory_archive_restore", "archive.restore"],
      ["memory_archive_purge", "archive.purge"],
    ]);
    assert.ok(records.every((r) => r.actor === "auditor-test" && r.at === "2026-01-02T03:04:05.000Z"));
    assert.deepEqual(records[0].ids, [a.id]);
    assert.deepEqual(records[0].namespaces, ["x/y"]);
    assert.deepEqual(records[4].ids, [a.id, b.id]);
    assert.deepEqual(records[4].namespaces, ["x", "x/y"]);
    assert.deepEqual(records[14].ids, [c.id]);
    assert.equal(records.at(-1).hash, auditHash({ ...records.at(-1), hash: undefined }));
    assert.deepEqual(await verifyAuditTrail(deps.store.audit), {
      ok: true,
      records: records.length,
      head_hash: records.at(-1).hash,
    });
  } finally {
    deps.store.close();
  }
});
