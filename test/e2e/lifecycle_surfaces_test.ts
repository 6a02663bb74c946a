// The memory lifecycle through the real surfaces: every lifecycle operation over HTTP (one server
// with a --config file), over MCP stdio and on the CLI, with their validation errors; the
// background sweeper at server start; an online backup taken while a server keeps writing; and
// `restore` with and without --force, and while a server has the database open.
import assert from "node:assert/strict";
import type { z } from "zod";
import { CATALOG } from "../../src/ops/catalog.ts";
import { invokeOperation } from "../../src/ops/invoke.ts";
import type { memoryArchiveList } from "../../src/ops/memory_archive_list.ts";
import type { memoryArchivePurge } from "../../src/ops/memory_archive_purge.ts";
import type { memoryArchiveStats } from "../../src/ops/memory_archive_stats.ts";
import type { memoryBackup } from "../../src/ops/memory_backup.ts";
import type { memoryConsolidate } from "../../src/ops/memory_consolidate.ts";
import type { memoryExport } from "../../src/ops/memory_export.ts";
import type { memoryForget } from "../../src/ops/memory_forget.ts";
import type { memoryGc } from "../../src/ops/memory_gc.ts";
import type { memoryGetLinks } from "../../src/ops/memory_get_links.ts";
import type { memoryImport } from "../../src/ops/memory_import.ts";
import type { memoryPromote } from "../../src/ops/memory_promote.ts";
import { loadConfig, openDeps } from "../../src/runtime.ts";
import { openSqlite } from "../../src/store/sqlite/open.ts";
import type { Client } from "../support/mcp_client.ts";
import { type CliResult, connectMcp, runCli, startServer, tempDataDir } from "../support/processes.ts";
import type { ListResult, Memory, RecallResult, StoreResult } from "../support/results.ts";

type Out<O extends { output: z.ZodType }> = z.output<O["output"]>;
type GcResult = Out<typeof memoryGc>;
type ForgetResult = Out<typeof memoryForget>;
type PromoteResult = Out<typeof memoryPromote>;
type ConsolidateResult = Out<typeof memoryConsolidate>;
type ArchiveList = Out<typeof memoryArchiveList>;
type ArchiveStats = Out<typeof memoryArchiveStats>;
type PurgeResult = Out<typeof memoryArchivePurge>;
type ExportResult = Out<typeof memoryExport>;
type ImportResult = Out<typeof memoryImport>;
type BackupResult = Out<typeof memoryBackup>;
type LinksResult = Out<typeof memoryGetLinks>;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const NO_ROWS = { memories: 0, links: 0, aliases: 0, agents: 0, namespaces: 0 };
const HEADER = JSON.stringify({ type: "header", format: "ai-memory-export", version: 1 });

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** One memory line of the export format, with sensible defaults. */
function memoryLine(fields: { id: string; title: string } & Record<string, unknown>): string {
  const created = iso(Date.now() - 2 * DAY_MS);
  return JSON.stringify({
    type: "memory",
    tier: "short",
    namespace: "global",
    content: `content of ${fields.title}`,
    tags: [],
    priority: 5,
    confidence: 1,
    source: "import",
    access_count: 0,
    created_at: created,
    updated_at: created,
    last_accessed_at: null,
    expires_at: null,
    metadata: {},
    agent_id: null,
    scope: "private",
    deleted_at: null,
    deleted_by: null,
    removal: null,
    archive_reason: null,
    ...fields,
  });
}

function jsonl(...lines: string[]): string {
  return [HEADER, ...lines].join("\n") + "\n";
}

/** Import JSON Lines into `db` in process (before any server has it open). */
async function seed(db: string, text: string): Promise<void> {
  const deps = await openDeps(loadConfig({ db, logLevel: "error" }));
  try {
    const op = CATALOG.find((o) => o.name === "memory_import")!;
    await invokeOperation(op, { jsonl: text }, { ctx: { ...deps, actor: "test:seed" } });
  } finally {
    deps.store.close();
  }
}

function near(actual: string | null, expectedMs: number, toleranceMs: number, what: string): void {
  assert.ok(actual !== null, `${what} is set`);
  const diff = Math.abs(Date.parse(actual) - expectedMs);
  assert.ok(diff <= toleranceMs, `${what} ${actual} is within ${toleranceMs} ms of ${iso(expectedMs)}`);
}

function sameSet(actual: string[], expected: string[], what: string): void {
  assert.deepEqual([...actual].sort(), [...expected].sort(), what);
}

function ids(rows: { id: string }[]): string[] {
  return rows.map((r) => r.id);
}

async function sha256Hex(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, "0")).join("");
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

interface ErrorBody {
  error: { code: string; message: string; details: { issues?: { field: string; message: string }[] } };
}
interface Reply<T> {
  status: number;
  body: T;
}

function httpClient(base: string) {
  return async <T = ErrorBody>(method: string, path: string, json?: unknown): Promise<Reply<T>> => {
    const res = await fetch(base + path, {
      method,
      headers: json === undefined ? {} : { "content-type": "application/json", "x-agent-id": "agent:http" },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`${method} ${path} answered ${res.status} with non-JSON: ${text.slice(0, 200)}`);
    }
    return { status: res.status, body: body as T };
  };
}

function okReply<T>(reply: Reply<T>, status = 200): T {
  assert.equal(reply.status, status, JSON.stringify(reply.body).slice(0, 600));
  return reply.body;
}

/** A 400 invalid_input whose message and issue for `field` mention every one of `mentions`. */
function assertInvalid(reply: Reply<unknown>, field: string, ...mentions: string[]): void {
  const shown = JSON.stringify(reply.body).slice(0, 600);
  assert.equal(reply.status, 400, shown);
  const { error } = reply.body as ErrorBody;
  assert.equal(error.code, "invalid_input", shown);
  assert.ok(error.message.includes(field), `message does not name ${field}: ${error.message}`);
  const issue = error.details.issues?.find((i) => i.field === field);
  assert.ok(issue, `no issue for field "${field}": ${shown}`);
  for (const m of mentions) {
    assert.ok(error.message.includes(m), `message lacks "${m}": ${error.message}`);
  }
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
  const api = httpClient(server.url);
  let archivedTotal = 1;
  try {
    await t.step("the server's sweeper archives what expired before it started", async () => {
      const stats = await eventually("the first sweep", async () => {
        const s = okReply(await api<ArchiveStats>("GET", "/api/v1/archive/stats"));
        return s.total === 1 ? s : undefined;
      });
      assert.deepEqual(stats, { total: 1, by_namespace: { global: 1 }, by_reason: { ttl_expired: 1 } });
      const list = okReply(await api<ArchiveList>("GET", "/api/v1/archive"));
      assert.deepEqual(ids(list.memories), [expiredId]);
      assert.equal(list.memories[0]!.archived_by, "system:sweeper");
      assert.equal(list.memories[0]!.archive_reason, "ttl_expired");
      assert.equal(okReply(await api("GET", `/api/v1/memories/${expiredId}`), 404).error.code, "not_found");
    });

    await t.step("the configured short lifetime applies, and recall touches what it returns", async () => {
      const stored = okReply(
        await api<StoreResult>("POST", "/api/v1/memories", {
          title: "Kite note",
          content: "kite lines are rigged with a larkshead",
          tier: "short",
        }),
        201,
      ).memory;
      near(
        stored.expires_at,
        Date.parse(stored.created_at) + 7200_000,
        0,
        "short expiry (shortTtlSecs 7200)",
      );
      const recalled = okReply(await api<RecallResult>("GET", "/api/v1/recall?context=larkshead"));
      assert.deepEqual(ids(recalled.memories), [stored.id]);
      const after = okReply(await api<{ memory: Memory }>("GET", `/api/v1/memories/${stored.id}`)).memory;
      assert.equal(after.access_count, 1);
      assert.ok(after.last_accessed_at !== null);
      assert.ok(after.expires_at! >= stored.expires_at!, "the expiry moved later, never earlier");
      near(after.expires_at, Date.parse(after.last_accessed_at) + 7200_000, 0, "extended from now");
    });

    await t.step("POST /api/v1/gc: a dry run reports, a run archives; a bad flag is a 400", async () => {
      const lateId = "00000000-0000-4000-8000-0000000000e2";
      const imported = okReply(
        await api<ImportResult>("POST", "/api/v1/import", {
          jsonl: jsonl(
            memoryLine({ id: lateId, title: "Expired later", expires_at: iso(Date.now() - 1000) }),
          ),
        }),
      );
      assert.deepEqual(imported.added, { ...NO_ROWS, memories: 1 });
      const dry = okReply(await api<GcResult>("POST", "/api/v1/gc", { dry_run: true }));
      assert.deepEqual(dry, {
        archived: 1,
        dry_run: true,
        memories: [{ id: lateId, title: "Expired later", namespace: "global" }],
      });
      assert.equal(okReply(await api<ArchiveStats>("GET", "/api/v1/archive/stats")).total, 1);
      const run = okReply(await api<GcResult>("POST", "/api/v1/gc"));
      assert.equal(run.archived, 1);
      assert.equal(run.dry_run, false);
      archivedTotal++;
      assert.equal(okReply(await api<ArchiveStats>("GET", "/api/v1/archive/stats")).total, archivedTotal);
      assertInvalid(await api("POST", "/api/v1/gc", { dry_run: "yes" }), "dry_run", "true or false");
    });

    await t.step("POST /api/v1/forget needs a filter, reports on dry_run and archives the rest", async () => {
      const made: Memory[] = [];
      for (
        const [title, content] of [["Heron one", "heron diet"], ["Heron two", "heron range"], ["Owl", "owl"]]
      ) {
        made.push(
          okReply(
            await api<StoreResult>("POST", "/api/v1/memories", { title, content, namespace: "http/f" }),
            201,
          ).memory,
        );
      }
      const empty = await api("POST", "/api/v1/forget", {});
      assert.equal(empty.status, 400);
      assert.equal(empty.body.error.code, "invalid_input");
      assert.match(empty.body.error.message, /at least one of namespace, pattern/);
      assertInvalid(await api("POST", "/api/v1/forget", { tier: "huge" }), "tier", "short, mid, long");
      const dry = okReply(
        await api<ForgetResult>("POST", "/api/v1/forget", {
          namespace: "http/f",
          pattern: "heron",
          dry_run: true,
        }),
      );
      assert.equal(dry.archived, 2);
      const run = okReply(
        await api<ForgetResult>("POST", "/api/v1/forget", { namespace: "http/f", pattern: "heron" }),
      );
      sameSet(ids(run.memories), ids(made.slice(0, 2)), "the two herons");
      archivedTotal += 2;
      const left = okReply(await api<ListResult>("GET", "/api/v1/memories?namespace=http/f"));
      assert.deepEqual(ids(left.memories), [made[2]!.id]);
    });

    await t.step("POST /api/v1/memories/:id/promote: to long, or a linked copy in an ancestor", async () => {
      const m = okReply(
        await api<StoreResult>("POST", "/api/v1/memories", {
          title: "Pin",
          content: "pin it",
          namespace: "http/p/q",
        }),
        201,
      ).memory;
      assertInvalid(
        await api("POST", `/api/v1/memories/${m.id}/promote`, { to_namespace: "other" }),
        "to_namespace",
        "proper ancestor",
      );
      const copy = okReply(
        await api<PromoteResult>("POST", `/api/v1/memories/${m.id}/promote`, { to_namespace: "http/p" }),
      );
      assert.equal(copy.copied, true);
      assert.equal(copy.memory.namespace, "http/p");
      assert.equal(copy.memory.tier, "long");
      const links = okReply(await api<LinksResult>("GET", `/api/v1/links/${copy.memory.id}`));
      assert.deepEqual(links.links.map((l) => [l.source_id, l.target_id, l.relation]), [[
        copy.memory.id,
        m.id,
        "derived_from",
      ]]);
      const up = okReply(await api<PromoteResult>("POST", `/api/v1/memories/${m.id}/promote`));
      assert.deepEqual([up.copied, up.memory.id, up.memory.tier, up.memory.expires_at], [
        false,
        m.id,
        "long",
        null,
      ]);
      assert.equal(
        okReply(await api("POST", "/api/v1/memories/no-such-id/promote"), 404).error.code,
        "not_found",
      );
    });

    await t.step("POST /api/v1/consolidate merges and archives; fewer than 2 ids is a 400", async () => {
      const a = okReply(
        await api<StoreResult>("POST", "/api/v1/memories", {
          title: "Part A",
          content: "a",
          namespace: "http/c",
          tags: ["x"],
          priority: 2,
        }),
        201,
      ).memory;
      const b = okReply(
        await api<StoreResult>("POST", "/api/v1/memories", {
          title: "Part B",
          content: "b",
          namespace: "http/c",
          tags: ["y"],
          priority: 6,
        }),
        201,
      ).memory;
      assertInvalid(
        await api("POST", "/api/v1/consolidate", { ids: [a.id], title: "T", summary: "s" }),
        "ids",
        "2 to 100",
      );
      const merged = okReply(
        await api<ConsolidateResult>("POST", "/api/v1/consolidate", {
          ids: [a.id, b.id],
          title: "Parts",
          summary: "a and b",
          namespace: "http/c",
        }),
        201,
      );
      assert.equal(merged.memory.priority, 6);
      sameSet(merged.memory.tags, ["x", "y"], "tag union");
      sameSet(ids(merged.archived), [a.id, b.id], "sources archived");
      archivedTotal += 2;
      const links = okReply(await api<LinksResult>("GET", `/api/v1/links/${merged.memory.id}`));
      sameSet(links.links.map((l) => `${l.relation}:${l.target_id}`), [
        `derived_from:${a.id}`,
        `derived_from:${b.id}`,
      ], "derived_from links");
    });

    await t.step("archive list / restore / stats / purge over HTTP", async () => {
      const forgotten = okReply(await api<ArchiveList>("GET", "/api/v1/archive?namespace=http/f"));
      assert.equal(forgotten.count, 2);
      for (const m of forgotten.memories) {
        assert.equal(m.archive_reason, "forget");
        assert.equal(m.archived_by, "agent:http");
      }
      assertInvalid(await api("GET", "/api/v1/archive?limit=0"), "limit");
      const target = forgotten.memories[0]!;
      const restored = okReply(
        await api<{ memory: Memory }>("POST", `/api/v1/archive/${target.id}/restore`),
      ).memory;
      assert.equal(restored.id, target.id);
      assert.equal(restored.title, target.title);
      archivedTotal--;
      const again = await api("POST", `/api/v1/archive/${target.id}/restore`);
      assert.equal(again.status, 404);
      assert.equal(again.body.error.code, "not_found");

      const stats = okReply(await api<ArchiveStats>("GET", "/api/v1/archive/stats"));
      assert.deepEqual(stats, {
        total: archivedTotal,
        by_namespace: { global: 2, "http/f": 1, "http/c": 2 },
        by_reason: { consolidated: 2, forget: 1, ttl_expired: 2 },
      });
      assertInvalid(
        await api("DELETE", "/api/v1/archive?older_than_days=-1"),
        "older_than_days",
        "0 and 36500",
      );
      assert.equal(okReply(await api<PurgeResult>("DELETE", "/api/v1/archive?older_than_days=1")).purged, 0);
      const all = okReply(await api<PurgeResult>("DELETE", "/api/v1/archive"));
      assert.deepEqual(all, { purged: archivedTotal, before: null });
      assert.equal(okReply(await api<ArchiveStats>("GET", "/api/v1/archive/stats")).total, 0);
    });

    await t.step("GET /api/v1/export and POST /api/v1/import: inline, by file, and a bad line", async () => {
      const inline = okReply(await api<ExportResult>("GET", "/api/v1/export"));
      const lines = inline.jsonl!.trimEnd().split("\n");
      assert.deepEqual(JSON.parse(lines[0]!), JSON.parse(HEADER));
      assert.equal(lines.filter((l) => JSON.parse(l).type === "memory").length, inline.counts.memories);
      // Kite, Owl, the restored heron, Pin and its copy, Parts; the copy's derived_from link (the
      // consolidation's links went with the purged sources).
      assert.deepEqual(inline.counts, { ...NO_ROWS, memories: 6, links: 1 });

      const path = `${dir}/http-export.jsonl`;
      const file = okReply(
        await api<ExportResult>("GET", `/api/v1/export?path=${encodeURIComponent(path)}`),
      );
      assert.equal(file.encrypted, false, "no database key configured");
      assert.equal(file.jsonl, undefined);
      assert.equal(file.sha256, await sha256Hex(path));
      assert.deepEqual(
        (await Deno.readTextFile(path)).trimEnd().split("\n").sort(),
        [...lines].sort(),
        "the file holds the same lines",
      );
      const outside = await api("GET", `/api/v1/export?path=${encodeURIComponent("/tmp/ai-memory-x.jsonl")}`);
      assert.equal(outside.status, 503);
      assert.match(outside.body.error.message, /permission set/);

      const reimport = okReply(await api<ImportResult>("POST", "/api/v1/import", { path }));
      assert.deepEqual(reimport.added, NO_ROWS);
      assert.deepEqual(reimport.unchanged, inline.counts);

      const bad = jsonl(
        memoryLine({ id: "00000000-0000-4000-8000-0000000000b1", title: "Fine" }),
        memoryLine({ id: "00000000-0000-4000-8000-0000000000b2", title: "Broken", priority: 99 }),
        memoryLine({ id: "00000000-0000-4000-8000-0000000000b3", title: "Fine too" }),
      );
      assertInvalid(await api("POST", "/api/v1/import", { jsonl: bad }), "line 3.priority", "line 3");
      const after = okReply(await api<ExportResult>("GET", "/api/v1/export"));
      assert.deepEqual(after.counts, inline.counts, "nothing from the bad file was written");
      assertInvalid(await api("POST", "/api/v1/import", {}), "path", "exactly one of");
    });

    await t.step("POST /api/v1/backup writes a snapshot; an existing path is a 409", async () => {
      const path = `${dir}/http-backup.db`;
      const out = okReply(await api<BackupResult>("POST", "/api/v1/backup", { path }));
      assert.equal(out.path, path);
      assert.equal(out.bytes, (await Deno.stat(path)).size);
      assert.equal(out.sha256, await sha256Hex(path));
      const snap = openSqlite(path);
      try {
        assert.equal(snap.pragma("integrity_check", { simple: true }), "ok");
        const n = snap.prepare("SELECT count(*) AS n FROM memories").get() as { n: number };
        const exported = okReply(await api<ExportResult>("GET", "/api/v1/export"));
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

interface ToolResult {
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

async function tool<T>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const result = await client.callTool({ name, arguments: args }) as ToolResult;
  assert.notEqual(result.isError, true, `${name} failed: ${JSON.stringify(result.content).slice(0, 400)}`);
  assert.ok(result.structuredContent, `${name} returned structuredContent`);
  return result.structuredContent as T;
}

async function toolError(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  const result = await client.callTool({ name, arguments: args }) as ToolResult;
  assert.equal(result.isError, true, `${name} ${JSON.stringify(args).slice(0, 200)} should be isError`);
  return result.content.map((c) => c.text ?? "").join("\n");
}

Deno.test("MCP: every lifecycle tool once, and isError for invalid input", async () => {
  const dir = await tempDataDir();
  const db = `${dir}/mcp.db`;
  const client = await connectMcp(db);
  try {
    await client.listTools(); // the client now checks structuredContent against each output schema
    const ACTOR = "ai:e2e-test";
    const expiredId = "00000000-0000-4000-8000-00000000ee01";

    // memory_import (inline, a bad line first), then memory_gc dry run and run.
    const bad = await toolError(client, "memory_import", {
      jsonl: jsonl(memoryLine({ id: expiredId, title: "x", tier: "weekly" })),
    });
    assert.match(bad, /line 2\.tier/);
    const imported = await tool<ImportResult>(client, "memory_import", {
      jsonl: jsonl(memoryLine({ id: expiredId, title: "Expired", expires_at: iso(Date.now() - 1000) })),
    });
    assert.deepEqual(imported.added, { ...NO_ROWS, memories: 1 });
    const dry = await tool<GcResult>(client, "memory_gc", { dry_run: true });
    assert.deepEqual([dry.archived, dry.dry_run], [1, true]);
    const gc = await tool<GcResult>(client, "memory_gc");
    assert.deepEqual(ids(gc.memories), [expiredId]);
    assert.match(await toolError(client, "memory_gc", { dry_run: 1 }), /dry_run/);

    // Recall touches.
    const store = async (args: Record<string, unknown>) =>
      (await tool<StoreResult>(client, "memory_store", args)).memory;
    const touched = await store({ title: "Puffin", content: "puffins nest in burrows", tier: "mid" });
    await tool(client, "memory_recall", { context: "puffins burrows" });
    const got = (await tool<{ memory: Memory }>(client, "memory_get", { id: touched.id })).memory;
    assert.equal(got.access_count, 1);
    assert.ok(got.expires_at! >= touched.expires_at!);

    // memory_forget.
    const f1 = await store({ title: "Gull one", content: "gull", namespace: "mcp/f" });
    const f2 = await store({ title: "Gull two", content: "gull", namespace: "mcp/f", tier: "short" });
    assert.match(await toolError(client, "memory_forget", {}), /at least one of/);
    assert.match(await toolError(client, "memory_forget", { tier: "huge" }), /tier/);
    const forgot = await tool<ForgetResult>(client, "memory_forget", { namespace: "mcp/f", tier: "short" });
    assert.deepEqual(ids(forgot.memories), [f2.id]);

    // memory_promote both ways.
    assert.match(
      await toolError(client, "memory_promote", { id: f1.id, to_namespace: "elsewhere" }),
      /to_namespace.*proper ancestor/,
    );
    const copy = await tool<PromoteResult>(client, "memory_promote", { id: f1.id, to_namespace: "mcp" });
    assert.deepEqual([copy.copied, copy.memory.namespace, copy.memory.tier], [true, "mcp", "long"]);
    const up = await tool<PromoteResult>(client, "memory_promote", { id: touched.id });
    assert.deepEqual([up.copied, up.memory.tier, up.memory.expires_at], [false, "long", null]);

    // memory_consolidate.
    const c1 = await store({ title: "Tern one", content: "tern", tags: ["a"] });
    const c2 = await store({ title: "Tern two", content: "tern", tags: ["b"], priority: 9 });
    assert.match(
      await toolError(client, "memory_consolidate", { ids: [c1.id], title: "T", summary: "s" }),
      /ids/,
    );
    const merged = await tool<ConsolidateResult>(client, "memory_consolidate", {
      ids: [c1.id, c2.id],
      title: "Terns",
      summary: "both terns",
    });
    assert.equal(merged.memory.priority, 9);
    sameSet(ids(merged.archived), [c1.id, c2.id], "sources archived");

    // The archive tools.
    const listed = await tool<ArchiveList>(client, "memory_archive_list", { format: "json" });
    sameSet(ids(listed.memories), [expiredId, f2.id, c1.id, c2.id], "everything archived so far");
    assert.equal(listed.memories.find((m) => m.id === f2.id)!.archived_by, ACTOR);
    const restored = await tool<{ memory: Memory }>(client, "memory_archive_restore", { id: c1.id });
    assert.equal(restored.memory.id, c1.id);
    assert.match(await toolError(client, "memory_archive_restore", { id: c1.id }), /archived memory/);
    const stats = await tool<ArchiveStats>(client, "memory_archive_stats");
    assert.deepEqual(stats.by_reason, { consolidated: 1, forget: 1, ttl_expired: 1 });
    assert.match(await toolError(client, "memory_archive_purge", { older_than_days: -1 }), /older_than_days/);
    const purged = await tool<PurgeResult>(client, "memory_archive_purge", { older_than_days: 0 });
    assert.equal(purged.purged, 3);

    // memory_export / memory_import by file, memory_backup.
    const exported = await tool<ExportResult>(client, "memory_export");
    const path = `${dir}/mcp-export.jsonl`;
    const file = await tool<ExportResult>(client, "memory_export", { path });
    assert.equal(file.sha256, await sha256Hex(path));
    assert.deepEqual(
      (await Deno.readTextFile(path)).split("\n").sort(),
      exported.jsonl!.split("\n").sort(),
    );
    const again = await tool<ImportResult>(client, "memory_import", { path });
    assert.deepEqual([again.added, again.unchanged], [NO_ROWS, exported.counts]);
    assert.match(await toolError(client, "memory_export", { path }), /exists/);
    const backupPath = `${dir}/mcp-backup.db`;
    const backup = await tool<BackupResult>(client, "memory_backup", { path: backupPath });
    assert.equal(backup.bytes, (await Deno.stat(backupPath)).size);
    assert.match(await toolError(client, "memory_backup", { path: backupPath }), /exists/);
  } finally {
    await client.close();
  }
});

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

function cliJson<T>(r: CliResult, what: string): T {
  assert.equal(r.code, 0, `${what} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

function cliRefused(r: CliResult, code: number, what: string, ...mentions: string[]): void {
  assert.equal(
    r.code,
    code,
    `${what} exited ${r.code}; stdout: ${r.stdout.slice(0, 300)} stderr: ${r.stderr}`,
  );
  for (const m of mentions) assert.ok(r.stderr.includes(m), `${what}: stderr lacks "${m}": ${r.stderr}`);
  assert.equal(r.stdout.trim(), "", `${what}: nothing on stdout`);
}

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

  const imported = cliJson<ImportResult>(await cli(["import", "--path", seedPath]), "import");
  assert.deepEqual(imported.added, { ...NO_ROWS, memories: 6 });

  const gc = cliJson<GcResult>(await cli(["gc"]), "gc");
  assert.deepEqual(ids(gc.memories), [id(1)]);

  const [dry, empty, tooFew] = await Promise.all([
    cli(["forget", "-n", "cli/f", "--dry-run"]),
    cli(["forget"]),
    cli(["consolidate", "--ids", id(5), "-T", "x", "-s", "y"]),
  ]);
  const dryOut = cliJson<ForgetResult>(dry, "forget --dry-run");
  assert.deepEqual([dryOut.archived, dryOut.dry_run], [2, true]);
  cliRefused(empty, 2, "forget without a filter", "invalid_input", "at least one of");
  cliRefused(tooFew, 2, "consolidate with one id", "ids", "2 to 100");

  const forgot = cliJson<ForgetResult>(await cli(["forget", "-n", "cli/f", "-p", "heron"]), "forget");
  assert.deepEqual(ids(forgot.memories), [id(2)]);

  const [promoted, merged] = await Promise.all([
    cli(["promote", id(4), "--to-namespace", "cli/p"]),
    cli(["consolidate", "--ids", `${id(5)},${id(6)}`, "-T", "Parts", "-s", "both parts", "-n", "cli"]),
  ]);
  const copy = cliJson<PromoteResult>(promoted, "promote");
  assert.deepEqual([copy.copied, copy.source_id, copy.memory.namespace, copy.memory.tier], [
    true,
    id(4),
    "cli/p",
    "long",
  ]);
  const m = cliJson<ConsolidateResult>(merged, "consolidate");
  assert.deepEqual([m.memory.namespace, m.memory.priority, m.memory.tier], ["cli", 8, "long"]);
  sameSet(m.memory.tags, ["a", "b"], "tags union");

  const [list, stats] = await Promise.all([
    cli(["archive", "list", "-n", "cli/f"]),
    cli(["archive", "stats"]),
  ]);
  assert.deepEqual(ids(cliJson<ArchiveList>(list, "archive list").memories), [id(2)]);
  assert.deepEqual(cliJson<ArchiveStats>(stats, "archive stats"), {
    total: 4,
    by_namespace: { "cli/f": 1, global: 3 },
    by_reason: { consolidated: 2, forget: 1, ttl_expired: 1 },
  });

  const restored = cliJson<{ memory: Memory }>(await cli(["archive", "restore", id(2)]), "archive restore");
  assert.deepEqual([restored.memory.id, restored.memory.title], [id(2), "Heron"]);
  assert.equal(restored.memory.expires_at, soon, "an expiry still ahead is kept");

  const purged = cliJson<PurgeResult>(
    await cli(["archive", "purge", "--older-than-days", "0"]),
    "archive purge",
  );
  assert.equal(purged.purged, 3);

  const exportPath = `${dir}/cli-export.jsonl`;
  const exported = cliJson<ExportResult>(
    await cli(["export", "--path", exportPath, "--plaintext"]),
    "export",
  );
  assert.equal(exported.encrypted, false);
  const lines = (await Deno.readTextFile(exportPath)).trimEnd().split("\n").map((l) => JSON.parse(l));
  sameSet(
    lines.filter((l) => l.type === "memory").map((l) => l.id as string),
    [id(2), id(3), id(4), copy.memory.id, m.memory.id],
    "the export holds every remaining memory (the purged are gone)",
  );
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
  let api = httpClient(server.url);
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
        assert.equal(out.sha256, await sha256Hex(snapshot));
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
      cliRefused(r, 1, "restore --force while serving", "another process has it open");
      const list = okReply(await api<ListResult>("GET", "/api/v1/memories?limit=1"));
      assert.equal(list.count, 1, "the server still works");
      const stats = okReply(await api<{ total: number }>("GET", "/api/v1/stats"));
      assert.equal(stats.total, completed, "and still has every write");
    });

    await t.step("restore without --force refuses to overwrite an existing database", async () => {
      await server.stop();
      const before = await sha256Hex(db);
      const r = await runCli(["--db", db, "restore", snapshot]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Refusing to overwrite the existing database/);
      assert.match(r.stderr, /--force/);
      assert.equal(await sha256Hex(db), before, "the database is untouched");
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
      api = httpClient(server.url);
      const stats = okReply(await api<{ total: number }>("GET", "/api/v1/stats"));
      assert.equal(stats.total, k, "a server on the restored database sees the snapshot");
    });
  } finally {
    await server.stop();
  }
});
