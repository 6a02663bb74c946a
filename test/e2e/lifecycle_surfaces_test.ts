// The memory lifecycle through the real surfaces: every lifecycle operation over HTTP (one server
// with a --config file), over MCP stdio and on the CLI, with their validation errors; the
// background sweeper at server start; an online backup taken while a server keeps writing; and
// `restore` with and without --force, and while a server has the database open.
import assert from "node:assert/strict";
import { invokeOperation } from "../../src/ops/invoke.ts";
import { loadConfig, openDeps } from "../../src/runtime.ts";
import { openSqlite } from "../../src/store/sqlite/open.ts";
import { catalogOp } from "../support/catalog_ops.ts";
import { json, refused } from "../support/cli_assertions.ts";
import { HEADER_LINE, memoryLine } from "../support/export_lines.ts";
import { assertInvalid, expectStatus } from "../support/http_assertions.ts";
import { type ErrorBody, httpClient, type Reply } from "../support/http_client.ts";
import { ids, sameSet } from "../support/id_sets.ts";
import { CLIENT_ACTOR, mcpCalls } from "../support/mcp_calls.ts";
import { connectMcp, runCli, startServer, tempDataDir } from "../support/processes.ts";
import type {
  ArchiveList,
  ArchivePurgeResult,
  ArchiveStats,
  BackupResult,
  ConsolidateResult,
  ExportResult,
  ForgetResult,
  GcResult,
  ImportResult,
  LinksResult,
  ListResult,
  Memory,
  PromoteResult,
  RecallResult,
  StoreResult,
} from "../support/results.ts";
import { sha256File } from "../support/sha256.ts";
import { assertNear, DAY_MS, HOUR_MS, iso } from "../support/time.ts";

const NO_ROWS = { memories: 0, links: 0, aliases: 0, agents: 0, namespaces: 0 };

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

function jsonl(...lines: string[]): string {
  return [HEADER_LINE, ...lines].join("\n") + "\n";
}

/** Import JSON Lines into `db` in process (before any server has it open). */
async function seed(db: string, text: string): Promise<void> {
  const deps = await openDeps(loadConfig({ db, logLevel: "error" }));
  try {
    await invokeOperation(catalogOp("memory_import"), { jsonl: text }, {
      ctx: { ...deps, actor: "test:seed" },
    });
  } finally {
    deps.store.close();
  }
}

/** Poll until `probe` returns a value (for work a server does on its own, e.g. the sweeper). */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

/**
 * Requests to the server at `base` as these tests send them: a body goes as JSON from agent:http;
 * a request without one carries no agent.
 */
function httpApi(base: string) {
  const http = httpClient(base);
  return <T = ErrorBody>(method: string, path: string, json?: unknown): Promise<Reply<T>> =>
    http.api<T>(method, path, json === undefined ? {} : { json, agent: "agent:http" });
}

Deno.test("HTTP: the sweeper at start and every lifecycle route, with validation errors", async (t) => {
  const dir = await tempDataDir();
  const db = `${dir}/http.db`;
  const config = `${dir}/config.json`;
  await Deno.writeTextFile(config, JSON.stringify({ shortTtlSecs: 7200, gcIntervalSecs: 3600 }));
  const expiredId = "00000000-0000-4000-8000-0000000000e1";
  await seed(
    db,
    jsonl(
      memoryLine({ id: expiredId, title: "Expired before start", expires_at: iso(Date.now() - HOUR_MS) }),
    ),
  );
  const server = await startServer(db, ["--config", config]);
  const api = httpApi(server.url);
  let archivedTotal = 1;
  try {
    await t.step("the server's sweeper archives what expired before it started", async () => {
      const stats = await eventually("the first sweep", async () => {
        const s = expectStatus(await api<ArchiveStats>("GET", "/api/v1/archive/stats"));
        return s.total === 1 ? s : undefined;
      });
      assert.deepEqual(stats, { total: 1, by_namespace: { global: 1 }, by_reason: { ttl_expired: 1 } });
      const list = expectStatus(await api<ArchiveList>("GET", "/api/v1/archive"));
      assert.deepEqual(ids(list.memories), [expiredId]);
      assert.equal(list.memories[0]!.archived_by, "system:sweeper");
      assert.equal(list.memories[0]!.archive_reason, "ttl_expired");
      assert.equal(
        expectStatus(await api("GET", `/api/v1/memories/${expiredId}`), { status: 404 }).error.code,
        "not_found",
      );
    });

    await t.step("the configured short lifetime applies, and recall touches what it returns", async () => {
      const stored = expectStatus(
        await api<StoreResult>("POST", "/api/v1/memories", {
          title: "Kite note",
          content: "kite lines are rigged with a larkshead",
          tier: "short",
        }),
        { status: 201 },
      ).memory;
      assertNear(stored.expires_at, Date.parse(stored.created_at) + 7200_000, {
        toleranceMs: 0,
        what: "short expiry (shortTtlSecs 7200)",
      });
      const recalled = expectStatus(await api<RecallResult>("GET", "/api/v1/recall?context=larkshead"));
      assert.deepEqual(ids(recalled.memories), [stored.id]);
      const after =
        expectStatus(await api<{ memory: Memory }>("GET", `/api/v1/memories/${stored.id}`)).memory;
      assert.equal(after.access_count, 1);
      assert.ok(after.last_accessed_at !== null);
      // Recalled moments after it was stored, its expiry is within 5 min (1/24 of 2 h) of now + 2 h:
      // left as it is (lifecycle_test.ts covers a push).
      assert.equal(after.expires_at, stored.expires_at, "not rewritten for a few milliseconds");
      assert.ok(
        Date.parse(after.expires_at!) >= Date.parse(after.last_accessed_at!) + 7200_000 - 300_000,
        "still at least 2 h less the slack away",
      );
    });

    await t.step("POST /api/v1/gc: a dry run reports, a run archives; a bad flag is a 400", async () => {
      const lateId = "00000000-0000-4000-8000-0000000000e2";
      const imported = expectStatus(
        await api<ImportResult>("POST", "/api/v1/import", {
          jsonl: jsonl(
            memoryLine({ id: lateId, title: "Expired later", expires_at: iso(Date.now() - 1000) }),
          ),
        }),
      );
      assert.deepEqual(imported.added, { ...NO_ROWS, memories: 1 });
      const dry = expectStatus(await api<GcResult>("POST", "/api/v1/gc", { dry_run: true }));
      assert.deepEqual(dry, {
        archived: 1,
        dry_run: true,
        memories: [{ id: lateId, title: "Expired later", namespace: "global" }],
      });
      assert.equal(expectStatus(await api<ArchiveStats>("GET", "/api/v1/archive/stats")).total, 1);
      const run = expectStatus(await api<GcResult>("POST", "/api/v1/gc"));
      assert.equal(run.archived, 1);
      assert.equal(run.dry_run, false);
      archivedTotal++;
      assert.equal(
        expectStatus(await api<ArchiveStats>("GET", "/api/v1/archive/stats")).total,
        archivedTotal,
      );
      assertInvalid(await api("POST", "/api/v1/gc", { dry_run: "yes" }), "dry_run", {
        mentions: ["true or false"],
      });
    });

    await t.step("POST /api/v1/forget needs a filter, reports on dry_run and archives the rest", async () => {
      const made: Memory[] = [];
      for (
        const [title, content] of [["Heron one", "heron diet"], ["Heron two", "heron range"], ["Owl", "owl"]]
      ) {
        made.push(
          expectStatus(
            await api<StoreResult>("POST", "/api/v1/memories", { title, content, namespace: "http/f" }),
            { status: 201 },
          ).memory,
        );
      }
      const empty = await api("POST", "/api/v1/forget", {});
      assert.equal(empty.status, 400);
      assert.equal(empty.body.error.code, "invalid_input");
      assert.match(empty.body.error.message, /at least one of namespace, pattern/);
      assertInvalid(await api("POST", "/api/v1/forget", { tier: "huge" }), "tier", {
        mentions: ["short, mid, long"],
      });
      const dry = expectStatus(
        await api<ForgetResult>("POST", "/api/v1/forget", {
          namespace: "http/f",
          pattern: "heron",
          dry_run: true,
        }),
      );
      assert.equal(dry.archived, 2);
      const run = expectStatus(
        await api<ForgetResult>("POST", "/api/v1/forget", { namespace: "http/f", pattern: "heron" }),
      );
      sameSet(ids(run.memories), ids(made.slice(0, 2)), { what: "the two herons" });
      archivedTotal += 2;
      const left = expectStatus(await api<ListResult>("GET", "/api/v1/memories?namespace=http/f"));
      assert.deepEqual(ids(left.memories), [made[2]!.id]);
    });

    await t.step("POST /api/v1/memories/:id/promote: to long, or a linked copy in an ancestor", async () => {
      const m = expectStatus(
        await api<StoreResult>("POST", "/api/v1/memories", {
          title: "Pin",
          content: "pin it",
          namespace: "http/p/q",
        }),
        { status: 201 },
      ).memory;
      assertInvalid(
        await api("POST", `/api/v1/memories/${m.id}/promote`, { to_namespace: "other" }),
        "to_namespace",
        { mentions: ["proper ancestor"] },
      );
      const copy = expectStatus(
        await api<PromoteResult>("POST", `/api/v1/memories/${m.id}/promote`, { to_namespace: "http/p" }),
      );
      assert.equal(copy.copied, true);
      assert.equal(copy.memory.namespace, "http/p");
      assert.equal(copy.memory.tier, "long");
      const links = expectStatus(await api<LinksResult>("GET", `/api/v1/links/${copy.memory.id}`));
      assert.deepEqual(links.links.map((l) => [l.source_id, l.target_id, l.relation]), [[
        copy.memory.id,
        m.id,
        "derived_from",
      ]]);
      const up = expectStatus(await api<PromoteResult>("POST", `/api/v1/memories/${m.id}/promote`));
      assert.deepEqual([up.copied, up.memory.id, up.memory.tier, up.memory.expires_at], [
        false,
        m.id,
        "long",
        null,
      ]);
      assert.equal(
        expectStatus(await api("POST", "/api/v1/memories/no-such-id/promote"), { status: 404 }).error.code,
        "not_found",
      );
    });

    await t.step("POST /api/v1/consolidate merges and archives; fewer than 2 ids is a 400", async () => {
      const a = expectStatus(
        await api<StoreResult>("POST", "/api/v1/memories", {
          title: "Part A",
          content: "a",
          namespace: "http/c",
          tags: ["x"],
          priority: 2,
        }),
        { status: 201 },
      ).memory;
      const b = expectStatus(
        await api<StoreResult>("POST", "/api/v1/memories", {
          title: "Part B",
          content: "b",
          namespace: "http/c",
          tags: ["y"],
          priority: 6,
        }),
        { status: 201 },
      ).memory;
      assertInvalid(
        await api("POST", "/api/v1/consolidate", { ids: [a.id], title: "T", summary: "s" }),
        "ids",
        { mentions: ["2 to 100"] },
      );
      const merged = expectStatus(
        await api<ConsolidateResult>("POST", "/api/v1/consolidate", {
          ids: [a.id, b.id],
          title: "Parts",
          summary: "a and b",
          namespace: "http/c",
        }),
        { status: 201 },
      );
      assert.equal(merged.memory.priority, 6);
      sameSet(merged.memory.tags, ["x", "y"], { what: "tag union" });
      sameSet(ids(merged.archived), [a.id, b.id], { what: "sources archived" });
      archivedTotal += 2;
      const links = expectStatus(await api<LinksResult>("GET", `/api/v1/links/${merged.memory.id}`));
      sameSet(links.links.map((l) => `${l.relation}:${l.target_id}`), [
        `derived_from:${a.id}`,
        `derived_from:${b.id}`,
      ], { what: "derived_from links" });
    });

    await t.step("archive list / restore / stats / purge over HTTP", async () => {
      const forgotten = expectStatus(await api<ArchiveList>("GET", "/api/v1/archive?namespace=http/f"));
      assert.equal(forgotten.count, 2);
      for (const m of forgotten.memories) {
        assert.equal(m.archive_reason, "forget");
        assert.equal(m.archived_by, "agent:http");
      }
      assertInvalid(await api("GET", "/api/v1/archive?limit=0"), "limit");
      const target = forgotten.memories[0]!;
      const restored = expectStatus(
        await api<{ memory: Memory }>("POST", `/api/v1/archive/${target.id}/restore`),
      ).memory;
      assert.equal(restored.id, target.id);
      assert.equal(restored.title, target.title);
      archivedTotal--;
      const again = await api("POST", `/api/v1/archive/${target.id}/restore`);
      assert.equal(again.status, 404);
      assert.equal(again.body.error.code, "not_found");

      const stats = expectStatus(await api<ArchiveStats>("GET", "/api/v1/archive/stats"));
      assert.deepEqual(stats, {
        total: archivedTotal,
        by_namespace: { global: 2, "http/f": 1, "http/c": 2 },
        by_reason: { consolidated: 2, forget: 1, ttl_expired: 2 },
      });
      assertInvalid(await api("DELETE", "/api/v1/archive?older_than_days=-1"), "older_than_days", {
        mentions: ["0 and 36500"],
      });
      assert.equal(
        expectStatus(await api<ArchivePurgeResult>("DELETE", "/api/v1/archive?older_than_days=1")).purged,
        0,
      );
      const all = expectStatus(await api<ArchivePurgeResult>("DELETE", "/api/v1/archive"));
      assert.deepEqual(all, { purged: archivedTotal, before: null });
      assert.equal(expectStatus(await api<ArchiveStats>("GET", "/api/v1/archive/stats")).total, 0);
    });

    await t.step("GET /api/v1/export and POST /api/v1/import: inline, by file, and a bad line", async () => {
      const inline = expectStatus(await api<ExportResult>("GET", "/api/v1/export"));
      const lines = inline.jsonl!.trimEnd().split("\n");
      assert.deepEqual(JSON.parse(lines[0]!), JSON.parse(HEADER_LINE));
      assert.equal(lines.filter((l) => JSON.parse(l).type === "memory").length, inline.counts.memories);
      // Kite, Owl, the restored heron, Pin and its copy, Parts; the copy's derived_from link (the
      // consolidation's links went with the purged sources).
      assert.deepEqual(inline.counts, { ...NO_ROWS, memories: 6, links: 1 });

      const path = `${dir}/http-export.jsonl`;
      const file = expectStatus(
        await api<ExportResult>("GET", `/api/v1/export?path=${encodeURIComponent(path)}`),
      );
      assert.equal(file.encrypted, false, "no database key configured");
      assert.equal(file.jsonl, undefined);
      assert.equal(file.sha256, await sha256File(path));
      assert.deepEqual(
        (await Deno.readTextFile(path)).trimEnd().split("\n").sort(),
        [...lines].sort(),
        "the file holds the same lines",
      );
      const outside = await api("GET", `/api/v1/export?path=${encodeURIComponent("/tmp/ai-memory-x.jsonl")}`);
      assert.equal(outside.status, 503);
      assert.match(outside.body.error.message, /permission set/);

      const reimport = expectStatus(await api<ImportResult>("POST", "/api/v1/import", { path }));
      assert.deepEqual(reimport.added, NO_ROWS);
      assert.deepEqual(reimport.unchanged, inline.counts);

      const bad = jsonl(
        memoryLine({ id: "00000000-0000-4000-8000-0000000000b1", title: "Fine" }),
        memoryLine({ id: "00000000-0000-4000-8000-0000000000b2", title: "Broken", priority: 99 }),
        memoryLine({ id: "00000000-0000-4000-8000-0000000000b3", title: "Fine too" }),
      );
      assertInvalid(await api("POST", "/api/v1/import", { jsonl: bad }), "line 3.priority", {
        messageMentions: ["line 3"],
      });
      const after = expectStatus(await api<ExportResult>("GET", "/api/v1/export"));
      assert.deepEqual(after.counts, inline.counts, "nothing from the bad file was written");
      assertInvalid(await api("POST", "/api/v1/import", {}), "path", { mentions: ["exactly one of"] });
    });

    await t.step("POST /api/v1/backup writes a snapshot; an existing path is a 409", async () => {
      const path = `${dir}/http-backup.db`;
      const out = expectStatus(await api<BackupResult>("POST", "/api/v1/backup", { path }));
      assert.equal(out.path, path);
      assert.equal(out.bytes, (await Deno.stat(path)).size);
      assert.equal(out.sha256, await sha256File(path));
      const snap = openSqlite(path);
      try {
        assert.equal(snap.pragma("integrity_check", { simple: true }), "ok");
        const n = snap.prepare("SELECT count(*) AS n FROM memories").get() as { n: number };
        const exported = expectStatus(await api<ExportResult>("GET", "/api/v1/export"));
        assert.equal(n.n, exported.counts.memories, "the snapshot holds every memory row");
      } finally {
        snap.close();
      }
      const again = await api("POST", "/api/v1/backup", { path });
      assert.equal(again.status, 409);
      assert.match(again.body.error.message, /exists/);
      assertInvalid(await api("POST", "/api/v1/backup", {}), "path");
    });
  } finally {
    await server.stop();
  }
});

// ---------------------------------------------------------------------------------------------
// MCP
// ---------------------------------------------------------------------------------------------

Deno.test("MCP: every lifecycle tool once, and isError for invalid input", async () => {
  const dir = await tempDataDir();
  const db = `${dir}/mcp.db`;
  const client = await connectMcp(db);
  const mcp = mcpCalls(client);
  try {
    await client.listTools(); // the client now checks structuredContent against each output schema
    const expiredId = "00000000-0000-4000-8000-00000000ee01";

    // memory_import (inline, a bad line first), then memory_gc dry run and run.
    const bad = await mcp.fails("memory_import", {
      jsonl: jsonl(memoryLine({ id: expiredId, title: "x", tier: "weekly" })),
    });
    assert.match(bad, /line 2\.tier/);
    const imported = await mcp.ok<ImportResult>("memory_import", {
      jsonl: jsonl(memoryLine({ id: expiredId, title: "Expired", expires_at: iso(Date.now() - 1000) })),
    });
    assert.deepEqual(imported.added, { ...NO_ROWS, memories: 1 });
    const dry = await mcp.ok<GcResult>("memory_gc", { dry_run: true });
    assert.deepEqual([dry.archived, dry.dry_run], [1, true]);
    const gc = await mcp.ok<GcResult>("memory_gc");
    assert.deepEqual(ids(gc.memories), [expiredId]);
    assert.match(await mcp.fails("memory_gc", { dry_run: 1 }), /dry_run/);

    // Recall touches.
    const store = async (args: Record<string, unknown>) =>
      (await mcp.ok<StoreResult>("memory_store", args)).memory;
    const touched = await store({ title: "Puffin", content: "puffins nest in burrows", tier: "mid" });
    await mcp.ok("memory_recall", { context: "puffins burrows" });
    const got = (await mcp.ok<{ memory: Memory }>("memory_get", { id: touched.id })).memory;
    assert.equal(got.access_count, 1);
    assert.ok(got.expires_at! >= touched.expires_at!);

    // memory_forget.
    const f1 = await store({ title: "Gull one", content: "gull", namespace: "mcp/f" });
    const f2 = await store({ title: "Gull two", content: "gull", namespace: "mcp/f", tier: "short" });
    assert.match(await mcp.fails("memory_forget", {}), /at least one of/);
    assert.match(await mcp.fails("memory_forget", { tier: "huge" }), /tier/);
    const forgot = await mcp.ok<ForgetResult>("memory_forget", { namespace: "mcp/f", tier: "short" });
    assert.deepEqual(ids(forgot.memories), [f2.id]);

    // memory_promote both ways.
    assert.match(
      await mcp.fails("memory_promote", { id: f1.id, to_namespace: "elsewhere" }),
      /to_namespace.*proper ancestor/,
    );
    const copy = await mcp.ok<PromoteResult>("memory_promote", { id: f1.id, to_namespace: "mcp" });
    assert.deepEqual([copy.copied, copy.memory.namespace, copy.memory.tier], [true, "mcp", "long"]);
    const up = await mcp.ok<PromoteResult>("memory_promote", { id: touched.id });
    assert.deepEqual([up.copied, up.memory.tier, up.memory.expires_at], [false, "long", null]);

    // memory_consolidate.
    const c1 = await store({ title: "Tern one", content: "tern", tags: ["a"] });
    const c2 = await store({ title: "Tern two", content: "tern", tags: ["b"], priority: 9 });
    assert.match(
      await mcp.fails("memory_consolidate", { ids: [c1.id], title: "T", summary: "s" }),
      /ids/,
    );
    const merged = await mcp.ok<ConsolidateResult>("memory_consolidate", {
      ids: [c1.id, c2.id],
      title: "Terns",
      summary: "both terns",
    });
    assert.equal(merged.memory.priority, 9);
    sameSet(ids(merged.archived), [c1.id, c2.id], { what: "sources archived" });

    // The archive tools.
    const listed = await mcp.ok<ArchiveList>("memory_archive_list", { format: "json" });
    sameSet(ids(listed.memories), [expiredId, f2.id, c1.id, c2.id], { what: "everything archived so far" });
    assert.equal(listed.memories.find((m) => m.id === f2.id)!.archived_by, CLIENT_ACTOR);
    const restored = await mcp.ok<{ memory: Memory }>("memory_archive_restore", { id: c1.id });
    assert.equal(restored.memory.id, c1.id);
    assert.match(await mcp.fails("memory_archive_restore", { id: c1.id }), /archived memory/);
    const stats = await mcp.ok<ArchiveStats>("memory_archive_stats");
    assert.deepEqual(stats.by_reason, { consolidated: 1, forget: 1, ttl_expired: 1 });
    assert.match(await mcp.fails("memory_archive_purge", { older_than_days: -1 }), /older_than_days/);
    const purged = await mcp.ok<ArchivePurgeResult>("memory_archive_purge", { older_than_days: 0 });
    assert.equal(purged.purged, 3);

    // memory_export / memory_import by file, memory_backup.
    const exported = await mcp.ok<ExportResult>("memory_export");
    const path = `${dir}/mcp-export.jsonl`;
    const file = await mcp.ok<ExportResult>("memory_export", { path });
    assert.equal(file.sha256, await sha256File(path));
    assert.deepEqual(
      (await Deno.readTextFile(path)).split("\n").sort(),
      exported.jsonl!.split("\n").sort(),
    );
    const again = await mcp.ok<ImportResult>("memory_import", { path });
    assert.deepEqual([again.added, again.unchanged], [NO_ROWS, exported.counts]);
    assert.match(await mcp.fails("memory_export", { path }), /exists/);
    const backupPath = `${dir}/mcp-backup.db`;
    const backup = await mcp.ok<BackupResult>("memory_backup", { path: backupPath });
    assert.equal(backup.bytes, (await Deno.stat(backupPath)).size);
    assert.match(await mcp.fails("memory_backup", { path: backupPath }), /exists/);
  } finally {
    await client.close();
  }
});

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

Deno.test("CLI: gc, forget, promote, consolidate, archive, export and import commands", async () => {
  const dir = await tempDataDir();
  const db = `${dir}/cli.db`;
  let runs = 0;
  const cli = (args: string[]) => {
    runs++;
    return runCli([...args, "--db", db, "--json"]);
  };
  const id = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, "0")}`;
  const soon = iso(Date.now() + DAY_MS);
  const seedPath = `${dir}/seed.jsonl`;
  await Deno.writeTextFile(
    seedPath,
    jsonl(
      memoryLine({ id: id(1), title: "Expired", expires_at: iso(Date.now() - 1000) }),
      memoryLine({ id: id(2), title: "Heron", content: "heron facts", namespace: "cli/f", expires_at: soon }),
      memoryLine({ id: id(3), title: "Egret", content: "egret facts", namespace: "cli/f", expires_at: soon }),
      memoryLine({
        id: id(4),
        title: "Deep",
        content: "deep",
        namespace: "cli/p/q",
        tier: "mid",
        expires_at: soon,
      }),
      memoryLine({ id: id(5), title: "Part 1", content: "p1", tier: "long", tags: ["a"], priority: 3 }),
      memoryLine({ id: id(6), title: "Part 2", content: "p2", tier: "long", tags: ["b"], priority: 8 }),
    ),
  );

  const imported = json<ImportResult>(await cli(["import", "--path", seedPath]), "import");
  assert.deepEqual(imported.added, { ...NO_ROWS, memories: 6 });

  const gc = json<GcResult>(await cli(["gc"]), "gc");
  assert.deepEqual(ids(gc.memories), [id(1)]);

  const [dry, empty, tooFew] = await Promise.all([
    cli(["forget", "-n", "cli/f", "--dry-run"]),
    cli(["forget"]),
    cli(["consolidate", "--ids", id(5), "-T", "x", "-s", "y"]),
  ]);
  const dryOut = json<ForgetResult>(dry, "forget --dry-run");
  assert.deepEqual([dryOut.archived, dryOut.dry_run], [2, true]);
  refused(empty, "forget without a filter", { mentions: ["invalid_input", "at least one of"] });
  refused(tooFew, "consolidate with one id", { mentions: ["ids", "2 to 100"] });

  const forgot = json<ForgetResult>(await cli(["forget", "-n", "cli/f", "-p", "heron"]), "forget");
  assert.deepEqual(ids(forgot.memories), [id(2)]);

  const [promoted, merged] = await Promise.all([
    cli(["promote", id(4), "--to-namespace", "cli/p"]),
    cli(["consolidate", "--ids", `${id(5)},${id(6)}`, "-T", "Parts", "-s", "both parts", "-n", "cli"]),
  ]);
  const copy = json<PromoteResult>(promoted, "promote");
  assert.deepEqual([copy.copied, copy.source_id, copy.memory.namespace, copy.memory.tier], [
    true,
    id(4),
    "cli/p",
    "long",
  ]);
  const m = json<ConsolidateResult>(merged, "consolidate");
  assert.deepEqual([m.memory.namespace, m.memory.priority, m.memory.tier], ["cli", 8, "long"]);
  sameSet(m.memory.tags, ["a", "b"], { what: "tags union" });

  const [list, stats] = await Promise.all([
    cli(["archive", "list", "-n", "cli/f"]),
    cli(["archive", "stats"]),
  ]);
  assert.deepEqual(ids(json<ArchiveList>(list, "archive list").memories), [id(2)]);
  assert.deepEqual(json<ArchiveStats>(stats, "archive stats"), {
    total: 4,
    by_namespace: { "cli/f": 1, global: 3 },
    by_reason: { consolidated: 2, forget: 1, ttl_expired: 1 },
  });

  const restored = json<{ memory: Memory }>(await cli(["archive", "restore", id(2)]), "archive restore");
  assert.deepEqual([restored.memory.id, restored.memory.title], [id(2), "Heron"]);
  assert.equal(restored.memory.expires_at, soon, "an expiry still ahead is kept");

  const purged = json<ArchivePurgeResult>(
    await cli(["archive", "purge", "--older-than-days", "0"]),
    "archive purge",
  );
  assert.equal(purged.purged, 3);

  const exportPath = `${dir}/cli-export.jsonl`;
  const exported = json<ExportResult>(
    await cli(["export", "--path", exportPath, "--plaintext"]),
    "export",
  );
  assert.equal(exported.encrypted, false);
  const lines = (await Deno.readTextFile(exportPath)).trimEnd().split("\n").map((l) => JSON.parse(l));
  sameSet(lines.filter((l) => l.type === "memory").map((l) => l.id as string), [
    id(2),
    id(3),
    id(4),
    copy.memory.id,
    m.memory.id,
  ], { what: "the export holds every remaining memory (the purged are gone)" });
  assert.equal(
    lines.filter((l) => l.type === "link").length,
    1,
    "promote's link (consolidate's went with the purge)",
  );
  assert.ok(runs <= 15, `${runs} CLI runs`);
});

// ---------------------------------------------------------------------------------------------
// Backup under load and restore
// ---------------------------------------------------------------------------------------------

Deno.test("backup under write load is a consistent prefix; restore needs --force and an idle database", async (t) => {
  const dir = await tempDataDir();
  const db = `${dir}/live.db`;
  const snapshot = `${dir}/snapshot.db`;
  let server = await startServer(db);
  let api = httpApi(server.url);
  let completed = 0;
  let issued = 0;
  let k = 0;
  try {
    await t.step("a backup taken while the server keeps writing holds exactly writes 0..k-1", async () => {
      let stop = false;
      const writer = (async () => {
        while (!stop) {
          const i = issued++;
          const r = await api<StoreResult>("POST", "/api/v1/memories", {
            title: `load-${i}`,
            content: `sequential write number ${i} `.repeat(8),
            tier: "long",
          });
          assert.equal(r.status, 201, JSON.stringify(r.body));
          completed = i + 1;
        }
      })();
      try {
        await eventually("50 writes", () => Promise.resolve(completed >= 50 ? true : undefined), 30_000);
        const before = completed;
        const backup = await runCli(["--db", db, "backup", snapshot, "--json"]);
        const issuedByEnd = issued;
        const during = issuedByEnd - before;
        assert.equal(backup.code, 0, backup.stderr);
        const out = JSON.parse(backup.stdout) as BackupResult;
        assert.equal(out.sha256, await sha256File(snapshot));
        await eventually(
          "more writes after the backup",
          () => Promise.resolve(completed >= issuedByEnd + 5 ? true : undefined),
          30_000,
        );
        stop = true;
        await writer;

        const snap = openSqlite(snapshot);
        try {
          assert.equal(snap.pragma("integrity_check", { simple: true }), "ok");
          const titles = (snap.prepare("SELECT title FROM memories").all() as { title: string }[])
            .map((r) => r.title);
          const numbers = titles.map((t) => Number(/^load-(\d+)$/.exec(t)?.[1] ?? NaN)).sort((a, b) => a - b);
          k = numbers.length;
          assert.deepEqual(numbers, Array.from({ length: k }, (_, i) => i), "exactly a prefix 0..k-1");
          assert.ok(
            k >= before,
            `the snapshot has at least the ${before} writes done before it began (k=${k})`,
          );
          assert.ok(k <= issuedByEnd, `and none issued after it ended (k=${k}, issued ${issuedByEnd})`);
          const fts = snap.prepare(
            "SELECT count(*) AS n FROM memories_fts WHERE memories_fts MATCH 'sequential'",
          )
            .get() as { n: number };
          assert.equal(fts.n, k, "the full-text index matches the rows");
          // deno-lint-ignore no-console
          console.log(`  backup: ${before} writes before, ${during} during, snapshot k=${k}`);
        } finally {
          snap.close();
        }
        assert.ok(completed > k, "the server kept writing after the snapshot");
      } finally {
        stop = true;
        await writer.catch(() => {});
      }
    });

    await t.step("restore refuses to replace a database a server has open, even with --force", async () => {
      const r = await runCli(["--db", db, "restore", snapshot, "--force"]);
      refused(r, "restore --force while serving", { code: 1, mentions: ["another process has it open"] });
      const list = expectStatus(await api<ListResult>("GET", "/api/v1/memories?limit=1"));
      assert.equal(list.count, 1, "the server still works");
      const stats = expectStatus(await api<{ total: number }>("GET", "/api/v1/stats"));
      assert.equal(stats.total, completed, "and still has every write");
    });

    await t.step("restore without --force refuses to overwrite an existing database", async () => {
      await server.stop();
      const before = await sha256File(db);
      const r = await runCli(["--db", db, "restore", snapshot]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Refusing to overwrite the existing database/);
      assert.match(r.stderr, /--force/);
      assert.equal(await sha256File(db), before, "the database is untouched");
    });

    await t.step("restore --force with no server replaces the database with the snapshot", async () => {
      const r = await runCli(["--db", db, "restore", snapshot, "--force", "--json"]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { restored: true, memories: k });
      const live = openSqlite(db);
      try {
        assert.equal(live.pragma("integrity_check", { simple: true }), "ok");
        const n = live.prepare("SELECT count(*) AS n FROM memories").get() as { n: number };
        assert.equal(n.n, k, "the restored database holds the snapshot's rows, not the later writes");
      } finally {
        live.close();
      }
      server = await startServer(db);
      api = httpApi(server.url);
      const stats = expectStatus(await api<{ total: number }>("GET", "/api/v1/stats"));
      assert.equal(stats.total, k, "a server on the restored database sees the snapshot");
    });
  } finally {
    await server.stop();
  }
});
