// End-to-end tests of the MCP surface: the real `ai-memory mcp` subprocess driven over stdio by the
// MCP SDK client. The client validates every structuredContent against the tool's declared
// outputSchema (once tools/list has been called), so each successful call also proves the contract.
import assert from "node:assert/strict";
import type { Readable } from "node:stream";
import { CATALOG } from "../../src/ops/catalog.ts";
import { VERSION } from "../../src/version.ts";
import { CLIENT_ACTOR, type McpCalls, mcpCalls, textOf } from "../support/mcp_calls.ts";
import type { Client } from "../support/mcp_client.ts";
import {
  CORE_OPERATIONS,
  GOVERNANCE_OPERATIONS,
  GRAPH_OPERATIONS,
  LIFECYCLE_OPERATIONS,
  LLM_OPERATIONS,
  MESSAGING_OPERATIONS,
  SEMANTIC_OPERATIONS,
  WEBHOOK_OPERATIONS,
} from "../support/operation_names.ts";
import { connectMcp, tempDataDir } from "../support/processes.ts";
import type {
  Capabilities,
  ListResult,
  Memory,
  ScoredMemory,
  Stats,
  StoreResult,
} from "../support/results.ts";
import { assertNear, DAY_MS, HOUR_MS } from "../support/time.ts";

type RankedResult = { memories: ScoredMemory[]; count: number };

interface ListedTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: { type: string; properties?: Record<string, { description?: string }>; required?: string[] };
  outputSchema?: { type: string; properties?: Record<string, unknown> };
  annotations?: Record<string, unknown>;
}

function store(mcp: McpCalls, args: Record<string, unknown>): Promise<StoreResult> {
  return mcp.ok<StoreResult>("memory_store", args);
}

/** Everything observable about the database: all live memories and the stats. */
async function snapshot(mcp: McpCalls): Promise<{ list: ListResult; stats: Stats }> {
  return {
    list: await mcp.ok<ListResult>("memory_list", { limit: 200, format: "json" }),
    stats: await mcp.ok<Stats>("memory_stats"),
  };
}

/** Collect a subprocess stream's text (the MCP server's structured logs on stderr). */
function collect(stream: Readable | null | undefined): () => string {
  let text = "";
  stream?.on("data", (chunk: Uint8Array | string) => {
    text += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
  });
  return () => text;
}

function stderrOf(client: Client): Readable | null | undefined {
  return (client.transport as unknown as { stderr?: Readable | null } | undefined)?.stderr;
}

// memory_recall is not read-only: it records an access on every memory it returns.
const READ_ONLY_TOOLS = [
  "memory_search",
  "memory_list",
  "memory_get",
  "memory_stats",
  "memory_capabilities",
  "memory_session_start",
  "memory_get_links",
  "memory_kg_query",
  "memory_kg_timeline",
  "memory_entity_get_by_alias",
  "memory_get_taxonomy",
  "memory_agent_list",
  "memory_namespace_get_standard",
  "memory_archive_list",
  "memory_archive_stats",
  "memory_list_subscriptions",
  "memory_pending_list",
];
const DESTRUCTIVE_TOOLS = [
  "memory_delete",
  "memory_gc",
  "memory_forget",
  "memory_consolidate",
  "memory_archive_purge",
  "memory_purge",
  "memory_update",
  "memory_namespace_clear_standard",
  "memory_unsubscribe",
];
const EXPECTED_TOOLS = [
  ...CORE_OPERATIONS,
  ...GRAPH_OPERATIONS,
  ...GOVERNANCE_OPERATIONS,
  ...LIFECYCLE_OPERATIONS,
  ...SEMANTIC_OPERATIONS,
  ...LLM_OPERATIONS,
  ...WEBHOOK_OPERATIONS,
  ...MESSAGING_OPERATIONS,
];

Deno.test("MCP server over stdio: tools, prompts, validation, upsert, delete and persistence", async (t) => {
  const dir = await tempDataDir();
  const db = `${dir}/mcp.db`;
  let client = await connectMcp(db);
  let mcp = mcpCalls(client);
  let stderr = collect(stderrOf(client));
  let open = true;
  try {
    await t.step("MCP: the handshake reports the server name ai-memory and the product version", () => {
      assert.deepEqual(client.getServerVersion(), { name: "ai-memory", version: VERSION });
      const caps = client.getServerCapabilities();
      assert.ok(caps?.tools, "tools capability");
      assert.ok(caps?.prompts, "prompts capability");
    });

    await t.step(
      "MCP: tools/list lists every catalog operation in catalog order with described inputs, an output schema and the catalog's honest annotations",
      async () => {
        // listTools also makes the client validate structuredContent against each outputSchema.
        const { tools } = await client.listTools() as { tools: ListedTool[] };
        assert.deepEqual(tools.map((tool) => tool.name), CATALOG.map((op) => op.name));
        assert.deepEqual([...tools.map((tool) => tool.name)].sort(), [...EXPECTED_TOOLS].sort());
        for (const op of CATALOG) {
          const tool = tools.find((candidate) => candidate.name === op.name)!;
          assert.equal(tool.title, op.title, `${op.name} title`);
          assert.equal(tool.description, op.description, `${op.name} description`);
          assert.equal(tool.inputSchema.type, "object", `${op.name} inputSchema is an object`);
          for (const [prop, schema] of Object.entries(tool.inputSchema.properties ?? {})) {
            assert.equal(typeof schema.description, "string", `${op.name}.${prop} has a description`);
            assert.ok(schema.description!.length > 0, `${op.name}.${prop} description is not empty`);
          }
          assert.ok(tool.outputSchema, `${op.name} has an outputSchema`);
          assert.equal(tool.outputSchema.type, "object", `${op.name} outputSchema is an object`);
          assert.ok(
            Object.keys(tool.outputSchema.properties ?? {}).length > 0,
            `${op.name} outputSchema declares properties`,
          );
          for (const [hint, value] of Object.entries(op.annotations)) {
            assert.equal(tool.annotations?.[hint], value, `${op.name} annotation ${hint}`);
          }
        }
        const annotationsOf = (name: string) => tools.find((tool) => tool.name === name)!.annotations!;
        for (const name of READ_ONLY_TOOLS) {
          assert.equal(annotationsOf(name).readOnlyHint, true, `${name} is read-only`);
          assert.equal(annotationsOf(name).destructiveHint, false, `${name} is not destructive`);
        }
        for (const name of DESTRUCTIVE_TOOLS) {
          assert.equal(annotationsOf(name).readOnlyHint, false, `${name} writes`);
          assert.equal(annotationsOf(name).destructiveHint, true, `${name} is destructive`);
        }
        assert.equal(annotationsOf("memory_store").readOnlyHint, false, "memory_store writes");
        assert.equal(annotationsOf("memory_recall").readOnlyHint, false, "memory_recall records access");
        assert.equal(annotationsOf("memory_recall").destructiveHint, false, "memory_recall destroys nothing");
        // Required inputs are exactly the fields without defaults.
        const required = (name: string) =>
          [...(tools.find((tool) => tool.name === name)!.inputSchema.required ?? [])].sort();
        assert.deepEqual(required("memory_store"), ["content", "title"]);
        assert.deepEqual(required("memory_recall"), ["context"]);
        assert.deepEqual(required("memory_search"), ["query"]);
        assert.deepEqual(required("memory_get"), ["id"]);
        assert.deepEqual(required("memory_update"), ["id"]);
        assert.deepEqual(required("memory_delete"), ["id"]);
        assert.deepEqual(required("memory_list"), []);
      },
    );

    await t.step(
      "MCP: every tool succeeds with structuredContent matching its output schema and a text item",
      async () => {
        const before = Date.now();
        const stored = await store(mcp, {
          title: "Walk: build command",
          content: "The project builds with deno task check before every release",
          namespace: "walk",
          tags: ["build", "release"],
          priority: 6,
          confidence: 0.8,
          source: "user",
          metadata: { origin: "e2e" },
        });
        assert.equal(stored.action, "created");
        assert.equal(stored.duplicate, false);
        assert.equal(stored.id, stored.memory.id);
        assert.match(stored.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.equal(stored.tier, "mid", "tier defaults to mid");
        assert.equal(stored.namespace, "walk");
        assert.equal(stored.title, "Walk: build command");
        assert.equal(stored.agent_id, CLIENT_ACTOR);
        const m = stored.memory;
        assert.equal(m.content, "The project builds with deno task check before every release");
        assert.deepEqual(m.tags, ["build", "release"]);
        assert.equal(m.priority, 6);
        assert.equal(m.confidence, 0.8);
        assert.equal(m.source, "user");
        assert.equal(m.scope, "private");
        assert.equal(m.access_count, 0);
        assert.equal(m.metadata.origin, "e2e");
        assert.equal(m.metadata.agent_id, CLIENT_ACTOR);
        assertNear(m.created_at, before, { toleranceMs: 60_000, what: "created_at" });
        assert.equal(m.updated_at, m.created_at);
        assertNear(m.expires_at, Date.parse(m.created_at) + 7 * DAY_MS, {
          toleranceMs: 1_000,
          what: "mid expires_at (7 days)",
        });

        const got = await mcp.ok<{ memory: Memory }>("memory_get", { id: stored.id });
        assert.deepEqual(got.memory, m);

        const recalled = await mcp.ok<RankedResult & { mode: string; tokens_used: number }>("memory_recall", {
          context: "how do we build a release?",
          namespace: "walk",
        });
        assert.equal(recalled.count, 1);
        assert.equal(recalled.memories[0]!.id, stored.id);
        assert.ok(recalled.memories[0]!.score > 0, "recall score is positive");
        assert.equal(recalled.mode, "keyword");
        assert.ok(recalled.tokens_used > 0, "tokens_used counts the returned memory");

        const searched = await mcp.ok<RankedResult>("memory_search", {
          query: "deno release",
          namespace: "walk",
        });
        assert.deepEqual(searched.memories.map((x) => x.id), [stored.id]);
        assert.equal(searched.count, 1);

        const listed = await mcp.ok<ListResult>("memory_list", { namespace: "walk", tags: ["build"] });
        assert.deepEqual(listed.memories.map((x) => x.id), [stored.id]);
        const wrongTag = await mcp.ok<ListResult>("memory_list", { namespace: "walk", tags: "nope" });
        assert.equal(wrongTag.count, 0);

        const updated = await mcp.ok<{ memory: Memory }>("memory_update", {
          id: stored.id,
          content: "The project builds with deno task test",
          tier: "long",
        });
        assert.equal(updated.memory.id, stored.id);
        assert.equal(updated.memory.content, "The project builds with deno task test");
        assert.equal(updated.memory.tier, "long");
        assert.equal(updated.memory.expires_at, null, "a long memory never expires");
        assert.equal(updated.memory.title, m.title, "unpatched fields are kept");
        assert.equal(updated.memory.priority, 6);
        assert.equal(updated.memory.agent_id, CLIENT_ACTOR);
        assert.equal(updated.memory.created_at, m.created_at);
        assert.ok(updated.memory.updated_at >= m.updated_at, "updated_at moves forward");
        const regot = await mcp.ok<{ memory: Memory }>("memory_get", { id: stored.id });
        assert.deepEqual(regot.memory, updated.memory, "the update is persisted");

        const stats = await mcp.ok<Stats>("memory_stats");
        assert.equal(stats.backend, "sqlite");
        assert.equal(stats.total, 1);
        assert.deepEqual(stats.by_namespace, { walk: 1 });
        assert.deepEqual(stats.by_tier, { long: 1 });
        assert.equal(stats.expiring_soon, 0);
        assert.equal(stats.deleted, 0);
        assert.ok(stats.db_size_bytes > 0, "db_size_bytes is positive");

        const caps = await mcp.ok<Capabilities>("memory_capabilities");
        assert.equal(caps.schema_version, 2);
        assert.equal(caps.version, VERSION);
        assert.equal(caps.tier, "keyword");
        assert.deepEqual(caps.recall_modes, ["keyword"]);
        assert.deepEqual(caps.models, { embedder: null, reranker: null, llm: null });
        assert.equal(caps.features.keyword_recall, true);
        assert.equal(caps.features.soft_delete, true);
        assert.equal(caps.features.encryption_at_rest, false);
        assert.deepEqual(caps.storage, { backend: "sqlite", schema_version: stats.schema_version });

        const deleted = await mcp.ok<{ deleted: boolean; id: string; title: string; namespace: string }>(
          "memory_delete",
          { id: stored.id },
        );
        assert.deepEqual(deleted, { deleted: true, id: stored.id, title: m.title, namespace: "walk" });

        const purgeStarted = Date.now();
        const purged = await mcp.ok<{ purged: number; before: string }>("memory_purge", {
          older_than_days: 0,
        });
        assert.equal(purged.purged, 1);
        assertNear(purged.before, purgeStarted, {
          toleranceMs: 60_000,
          what: "purge cutoff with older_than_days 0",
        });
        const defaultPurge = await mcp.ok<{ purged: number; before: string }>("memory_purge", {});
        assert.equal(defaultPurge.purged, 0);
        assertNear(defaultPurge.before, Date.now() - 30 * DAY_MS, {
          toleranceMs: 60_000,
          what: "default retention cutoff (30 days)",
        });
      },
    );

    await t.step(
      "MCP: storing the same title and namespace updates one memory: content replaced, priority and confidence keep the max, the tier never downgrades",
      async () => {
        const first = await store(mcp, {
          title: "Upsert probe",
          content: "first version of the probe",
          namespace: "ups",
          tier: "long",
          priority: 7,
          confidence: 0.9,
          tags: ["one"],
          source: "user",
        });
        assert.equal(first.action, "created");
        assert.equal(first.duplicate, false);
        assert.equal(first.memory.expires_at, null);

        const second = await store(mcp, {
          title: "Upsert probe",
          content: "second version of the probe",
          namespace: "ups",
          tier: "short",
          priority: 3,
          confidence: 0.5,
          tags: ["two"],
          source: "cli",
        });
        assert.equal(second.id, first.id, "same title and namespace -> same id");
        assert.equal(second.duplicate, true);
        assert.equal(second.action, "updated");
        assert.equal(second.tier, "long", "long is not downgraded to short");
        assert.equal(second.memory.tier, "long");
        assert.equal(second.memory.expires_at, null, "still never expires");
        assert.equal(second.memory.content, "second version of the probe", "content is replaced");
        assert.deepEqual(second.memory.tags, ["two"], "tags are replaced");
        assert.equal(second.memory.source, "cli", "source is replaced");
        assert.equal(second.memory.priority, 7, "priority keeps the higher value");
        assert.equal(second.memory.confidence, 0.9, "confidence keeps the higher value");
        assert.equal(second.memory.created_at, first.memory.created_at, "created_at is kept");

        const third = await store(mcp, {
          title: "Upsert probe",
          content: "third version of the probe",
          namespace: "ups",
          priority: 9,
          confidence: 1,
        });
        assert.equal(third.id, first.id);
        assert.equal(third.memory.priority, 9, "a higher priority wins");
        assert.equal(third.memory.confidence, 1, "a higher confidence wins");
        assert.equal(third.memory.tier, "long", "a mid store does not downgrade long either");

        const got = await mcp.ok<{ memory: Memory }>("memory_get", { id: first.id });
        assert.deepEqual(got.memory, third.memory, "memory_get sees the merged memory");
        const inNs = await mcp.ok<ListResult>("memory_list", { namespace: "ups" });
        assert.equal(inNs.count, 1, "one memory, not three");

        const elsewhere = await store(mcp, {
          title: "Upsert probe",
          content: "same title in another namespace",
          namespace: "ups/other",
        });
        assert.equal(elsewhere.action, "created");
        assert.equal(elsewhere.duplicate, false);
        assert.notEqual(elsewhere.id, first.id, "a different namespace is a different memory");
        const original = await mcp.ok<{ memory: Memory }>("memory_get", { id: first.id });
        assert.equal(
          original.memory.content,
          "third version of the probe",
          "the other namespace is untouched",
        );

        // short -> mid is an upgrade, and the expiry is extended to the mid TTL.
        const short = await store(mcp, {
          title: "Tier climb",
          content: "scratch",
          namespace: "ups",
          tier: "short",
        });
        assert.equal(short.memory.tier, "short");
        assertNear(short.memory.expires_at, Date.parse(short.memory.created_at) + 6 * HOUR_MS, {
          toleranceMs: 1_000,
          what: "short expiry",
        });
        const mid = await store(mcp, {
          title: "Tier climb",
          content: "working",
          namespace: "ups",
          tier: "mid",
        });
        assert.equal(mid.id, short.id);
        assert.equal(mid.memory.tier, "mid");
        assertNear(mid.memory.expires_at, Date.parse(mid.memory.updated_at) + 7 * DAY_MS, {
          toleranceMs: 1_000,
          what: "mid expiry",
        });
        const backToShort = await store(mcp, {
          title: "Tier climb",
          content: "still working",
          namespace: "ups",
          tier: "short",
        });
        assert.equal(backToShort.memory.tier, "mid", "mid is not downgraded to short");
        assert.equal(backToShort.memory.expires_at, mid.memory.expires_at, "the expiry is not shortened");

        const refused = await mcp.fails("memory_update", { id: first.id, tier: "short" });
        assert.match(refused, /tier/);
        assert.match(refused, /downgrade/);
        const after = await mcp.ok<{ memory: Memory }>("memory_get", { id: first.id });
        assert.equal(after.memory.tier, "long", "memory_update cannot downgrade either");
      },
    );

    await t.step(
      "MCP: a deleted memory leaves get, recall, search and list, is counted as a tombstone, and purge removes it",
      async () => {
        const doomed = await store(mcp, {
          title: "Doomed memory",
          content: "ephemeral zebra crossing",
          namespace: "del",
        });
        const keeper = await store(mcp, {
          title: "Keeper memory",
          content: "permanent zebra stripes",
          namespace: "del",
        });
        const before = await mcp.ok<Stats>("memory_stats");
        assert.equal(before.by_namespace.del, 2);
        const recalledBefore = await mcp.ok<RankedResult>("memory_recall", {
          context: "ephemeral zebra",
          namespace: "del",
        });
        assert.deepEqual(recalledBefore.memories.map((x) => x.id).sort(), [doomed.id, keeper.id].sort());

        const deleted = await mcp.ok<{ deleted: boolean; id: string }>("memory_delete", {
          id: doomed.id,
        });
        assert.equal(deleted.deleted, true);
        assert.equal(deleted.id, doomed.id);

        const gone = await mcp.fails("memory_get", { id: doomed.id });
        assert.match(gone, /not_found/);
        assert.ok(gone.includes(doomed.id), `the not-found message names the id: ${gone}`);
        const gonePrefix = await mcp.fails("memory_get", { id: doomed.id.slice(0, 8) });
        assert.match(gonePrefix, /not_found/, "a deleted memory is not found by prefix either");

        const recalled = await mcp.ok<RankedResult>("memory_recall", {
          context: "ephemeral zebra",
          namespace: "del",
        });
        assert.deepEqual(recalled.memories.map((x) => x.id), [keeper.id]);
        const searched = await mcp.ok<RankedResult>("memory_search", { query: "ephemeral zebra" });
        assert.equal(searched.count, 0);
        const listed = await mcp.ok<ListResult>("memory_list", { namespace: "del" });
        assert.deepEqual(listed.memories.map((x) => x.id), [keeper.id]);
        const all = await mcp.ok<ListResult>("memory_list", { limit: 200 });
        assert.ok(!all.memories.some((x) => x.id === doomed.id), "unfiltered list omits it too");

        const after = await mcp.ok<Stats>("memory_stats");
        assert.equal(after.deleted, before.deleted + 1, "stats.deleted counts the tombstone");
        assert.equal(after.total, before.total - 1);
        assert.equal(after.by_namespace.del, 1);

        const again = await mcp.fails("memory_delete", { id: doomed.id });
        assert.match(again, /not_found/);
        const updateGone = await mcp.fails("memory_update", { id: doomed.id, content: "revived?" });
        assert.match(updateGone, /not_found/);

        // The title is free again while the tombstone waits.
        const reborn = await store(mcp, {
          title: "Doomed memory",
          content: "a new memory with the old title",
          namespace: "del",
        });
        assert.equal(reborn.action, "created");
        assert.notEqual(reborn.id, doomed.id);
        await mcp.ok("memory_delete", { id: reborn.id });

        const purged = await mcp.ok<{ purged: number }>("memory_purge", { older_than_days: 0 });
        assert.equal(purged.purged, before.deleted + 2, "every tombstone is purged");
        const final = await mcp.ok<Stats>("memory_stats");
        assert.equal(final.deleted, 0);
        assert.equal(final.total, after.total, "purge never touches live memories");
        const keeperStill = await mcp.ok<{ memory: Memory }>("memory_get", { id: keeper.id });
        assert.equal(keeperStill.memory.content, "permanent zebra stripes");
        const purgedAgain = await mcp.ok<{ purged: number }>("memory_purge", { older_than_days: 0 });
        assert.equal(purgedAgain.purged, 0);
      },
    );

    await t.step(
      "MCP: values exactly at each limit are accepted (512-char title, 65536-byte content, 50 tags, 8 namespace levels, priority 1 and 10, confidence 0 and 1)",
      async () => {
        const title = "T".repeat(512);
        const big = await store(mcp, {
          title,
          content: "é".repeat(32_768), // 2 bytes each: exactly 65536 bytes
          namespace: "a/b/c/d/e/f/g/h",
          tags: Array.from({ length: 50 }, (_, i) => `tag${i}`),
          priority: 10,
          confidence: 0,
        });
        assert.equal(big.memory.title, title);
        assert.equal(big.memory.content.length, 32_768);
        assert.equal(big.memory.namespace, "a/b/c/d/e/f/g/h");
        assert.equal(big.memory.tags.length, 50);
        assert.equal(big.memory.priority, 10);
        assert.equal(big.memory.confidence, 0);
        const low = await store(mcp, {
          title: "Limits low",
          content: "x".repeat(65_536),
          namespace: "limits",
          tags: ["t".repeat(128)],
          priority: 1,
          confidence: 1,
        });
        assert.equal(low.memory.content.length, 65_536);
        assert.equal(low.memory.priority, 1);
        assert.equal(low.memory.confidence, 1);
        assert.deepEqual(low.memory.tags, ["t".repeat(128)]);
        const recalled = await mcp.ok<RankedResult>("memory_recall", {
          context: "anything",
          limit: 50,
        });
        assert.ok(recalled.count <= 50);
        const listed = await mcp.ok<ListResult>("memory_list", { limit: 200 });
        assert.ok(listed.count >= 2);
        for (const id of [big.id, low.id]) await mcp.ok("memory_delete", { id });
        await mcp.ok("memory_purge", { older_than_days: 0 });
      },
    );

    await t.step(
      "MCP: invalid inputs are isError results naming the field and the limit, and leave the database unchanged",
      async () => {
        const target = await store(mcp, {
          title: "Validation target",
          content: "must survive every invalid call",
          namespace: "valid",
          tier: "long",
        });
        const other = await store(mcp, { title: "Validation other", content: "x", namespace: "valid" });
        const before = await snapshot(mcp);

        const cases: { name: string; tool: string; args: Record<string, unknown>; expect: RegExp[] }[] = [
          {
            name: "empty title",
            tool: "memory_store",
            args: { title: "", content: "x" },
            expect: [/title: must not be empty/],
          },
          {
            name: "blank title",
            tool: "memory_store",
            args: { title: "   ", content: "x" },
            expect: [/title: must not be empty/],
          },
          {
            name: "513-character title",
            tool: "memory_store",
            args: { title: "T".repeat(513), content: "x" },
            expect: [/title: .*512 characters/],
          },
          {
            name: "title with a control character",
            tool: "memory_store",
            args: { title: "bell\u0007", content: "x" },
            expect: [/title: .*control characters/],
          },
          {
            name: "content of 65537 bytes",
            tool: "memory_store",
            args: { title: "Too big", content: "x".repeat(65_537) },
            expect: [/content: .*65536 bytes/],
          },
          {
            name: "content of 21846 three-byte characters (65538 bytes)",
            tool: "memory_store",
            args: { title: "Too big", content: "€".repeat(21_846) },
            expect: [/content: .*65536 bytes/],
          },
          {
            name: "51 tags",
            tool: "memory_store",
            args: { title: "Tags", content: "x", tags: Array.from({ length: 51 }, (_, i) => `t${i}`) },
            expect: [/tags: .*at most 50 tags/],
          },
          {
            name: "a 129-byte tag",
            tool: "memory_store",
            args: { title: "Tags", content: "x", tags: ["ok", "t".repeat(129)] },
            expect: [/tags\.1: .*128 bytes/],
          },
          {
            name: "priority 11",
            tool: "memory_store",
            args: { title: "P", content: "x", priority: 11 },
            expect: [/priority: must be between 1 and 10/],
          },
          {
            name: "priority 0",
            tool: "memory_store",
            args: { title: "P", content: "x", priority: 0 },
            expect: [/priority: must be between 1 and 10/],
          },
          {
            name: "priority 5.5",
            tool: "memory_store",
            args: { title: "P", content: "x", priority: 5.5 },
            expect: [/priority: must be an integer/],
          },
          {
            name: 'priority "high"',
            tool: "memory_store",
            args: { title: "P", content: "x", priority: "high" },
            expect: [/priority: must be a number/],
          },
          {
            name: "confidence 2",
            tool: "memory_store",
            args: { title: "C", content: "x", confidence: 2 },
            expect: [/confidence: must be between 0 and 1/],
          },
          {
            name: "confidence -0.1",
            tool: "memory_store",
            args: { title: "C", content: "x", confidence: -0.1 },
            expect: [/confidence: must be between 0 and 1/],
          },
          {
            name: "namespace with a space",
            tool: "memory_store",
            args: { title: "N", content: "x", namespace: "my project" },
            expect: [/namespace: .*spaces/],
          },
          {
            name: "namespace with 9 levels",
            tool: "memory_store",
            args: { title: "N", content: "x", namespace: "a/b/c/d/e/f/g/h/i" },
            expect: [/namespace: .*at most 8 levels/],
          },
          {
            name: "namespace with a .. segment",
            tool: "memory_store",
            args: { title: "N", content: "x", namespace: "a/../b" },
            expect: [/namespace: .*'\.\.'/],
          },
          {
            name: "unknown tier",
            tool: "memory_store",
            args: { title: "Tier", content: "x", tier: "forever" },
            expect: [/tier: must be one of short, mid, long/],
          },
          {
            name: "metadata that is an array",
            tool: "memory_store",
            args: { title: "Meta", content: "x", metadata: [1, 2] },
            expect: [/metadata: must be a JSON object/],
          },
          {
            name: "missing content",
            tool: "memory_store",
            args: { title: "No content" },
            expect: [/content:/],
          },
          {
            name: "two bad fields at once",
            tool: "memory_store",
            args: { title: "", content: "x", priority: 11 },
            expect: [/title: must not be empty/, /priority: must be between 1 and 10/],
          },
          {
            name: "an expires_at in the past",
            tool: "memory_store",
            args: { title: "Exp", content: "x", expires_at: "2001-01-01T00:00:00Z" },
            expect: [/expires_at: must be in the future/],
          },
          {
            name: "both expires_at and ttl_secs",
            tool: "memory_store",
            args: { title: "Exp", content: "x", expires_at: "2999-01-01T00:00:00Z", ttl_secs: 60 },
            expect: [/ttl_secs: .*not both/],
          },
          {
            name: "ttl_secs 0",
            tool: "memory_store",
            args: { title: "Exp", content: "x", ttl_secs: 0 },
            expect: [/ttl_secs: must be between 1 and 31536000/],
          },
          {
            name: "an invalid agent id in metadata",
            tool: "memory_store",
            args: { title: "Meta", content: "x", metadata: { agent_id: "bad agent" } },
            expect: [/metadata\.agent_id: must be 1-128 characters/],
          },
          {
            name: "metadata nested 33 levels",
            tool: "memory_store",
            args: {
              title: "Meta",
              content: "x",
              metadata: Array.from({ length: 32 }).reduce<Record<string, unknown>>(
                (inner) => ({ a: inner }),
                {
                  a: 1,
                },
              ),
            },
            expect: [/metadata: must nest at most 32 levels/],
          },
          {
            name: "an unknown scope",
            tool: "memory_store",
            args: { title: "Scope", content: "x", scope: "galaxy" },
            expect: [/scope: must be one of private, team, unit, org, collective/],
          },
          {
            name: "tags as a plain string on store",
            tool: "memory_store",
            args: { title: "Tags", content: "x", tags: "one,two" },
            expect: [/tags: must be an array of strings/],
          },
          {
            name: "recall with a since that is not a timestamp",
            tool: "memory_recall",
            args: { context: "anything", since: "yesterday" },
            expect: [/since: must be an RFC 3339 timestamp/],
          },
          {
            name: "recall limit 51",
            tool: "memory_recall",
            args: { context: "anything", limit: 51 },
            expect: [/limit: must be between 1 and 50/],
          },
          {
            name: "recall without context",
            tool: "memory_recall",
            args: { namespace: "valid" },
            expect: [/context:/],
          },
          {
            name: "recall with an empty context",
            tool: "memory_recall",
            args: { context: "  " },
            expect: [/context: must not be empty/],
          },
          {
            name: "search limit 201",
            tool: "memory_search",
            args: { query: "anything", limit: 201 },
            expect: [/limit: must be between 1 and 200/],
          },
          {
            name: "list with a bad tier filter",
            tool: "memory_list",
            args: { tier: "eternal" },
            expect: [/tier: must be one of short, mid, long/],
          },
          {
            name: "list with since after until",
            tool: "memory_list",
            args: { since: "2030-01-01T00:00:00Z", until: "2020-01-01T00:00:00Z" },
            expect: [/since: must not be later than until/],
          },
          {
            name: "get with an empty id",
            tool: "memory_get",
            args: { id: "" },
            expect: [/id: must not be empty/],
          },
          {
            name: "update with priority 11",
            tool: "memory_update",
            args: { id: target.id, priority: 11 },
            expect: [/priority: must be between 1 and 10/],
          },
          {
            name: "update with a 513-character title",
            tool: "memory_update",
            args: { id: target.id, title: "T".repeat(513) },
            expect: [/title: .*512 characters/],
          },
          {
            name: "update downgrading long to mid",
            tool: "memory_update",
            args: { id: target.id, tier: "mid" },
            expect: [/tier: .*never downgrade/],
          },
          {
            name: "update with an expires_at in the past",
            tool: "memory_update",
            args: { id: target.id, expires_at: "2001-01-01T00:00:00Z" },
            expect: [/expires_at: must be in the future/],
          },
          {
            name: "update with nothing to change",
            tool: "memory_update",
            args: { id: target.id },
            expect: [/at least one field/],
          },
          {
            name: "delete without id",
            tool: "memory_delete",
            args: {},
            expect: [/id:/],
          },
          {
            name: "purge with a negative age",
            tool: "memory_purge",
            args: { older_than_days: -1 },
            expect: [/older_than_days: must be between 0 and 36500/],
          },
        ];
        for (const c of cases) {
          const text = await mcp.fails(c.tool, c.args);
          assert.match(text, /^invalid_input: /, `${c.name}: error code in ${text}`);
          for (const pattern of c.expect) assert.match(text, pattern, `${c.name}: ${text}`);
          assert.ok(text.length < 2_000, `${c.name}: the message does not echo the input`);
        }

        // Renaming onto another live memory's title is a conflict, not a silent merge.
        const clash = await mcp.fails("memory_update", { id: other.id, title: "Validation target" });
        assert.match(clash, /^conflict: /);
        assert.ok(clash.includes("valid"), `the conflict names the namespace: ${clash}`);

        const after = await snapshot(mcp);
        assert.deepEqual(after, before, "no invalid call changed the database");
        const survivor = await mcp.ok<{ memory: Memory }>("memory_get", { id: target.id });
        assert.deepEqual(survivor.memory, target.memory);
      },
    );

    await t.step(
      "MCP: FTS syntax in recall and search queries is plain text and never an error",
      async () => {
        const probe = await store(mcp, {
          title: "FTS syntax probe",
          content: "unbalanced foo col x near a b and or not 東京タワー",
          namespace: "fts",
        });
        const longQuery = "unbalanced " +
          Array.from({ length: 9_000 }, (_, i) => `w${i}`).join(" ").slice(0, 60_000);
        // recall: any term may match; search: every term must match. Terms are runs of letters and
        // digits, so operators, quotes, stars, brackets and column filters are plain words or nothing.
        const queries: { q: string; recall: boolean; search: boolean }[] = [
          { q: '"unbalanced', recall: true, search: true },
          { q: "foo*", recall: true, search: true },
          { q: "NEAR(a b)", recall: true, search: true },
          { q: "a AND OR NOT", recall: true, search: true },
          { q: "(((", recall: false, search: false },
          { q: "col:x", recall: true, search: true },
          { q: "title:foo", recall: true, search: false }, // the probe has "foo" but not the word "title"
          { q: "-foo ^col", recall: true, search: true },
          { q: "🚀🔥", recall: false, search: false },
          { q: "東京タワー", recall: true, search: true },
          { q: longQuery, recall: true, search: false },
        ];
        for (const { q, recall, search } of queries) {
          const label = JSON.stringify(q.slice(0, 40));
          const recalled = await mcp.ok<RankedResult>("memory_recall", { context: q, namespace: "fts" });
          assert.equal(recalled.memories.some((x) => x.id === probe.id), recall, `recall ${label}`);
          const searched = await mcp.ok<RankedResult>("memory_search", { query: q, namespace: "fts" });
          assert.equal(searched.memories.some((x) => x.id === probe.id), search, `search ${label}`);
        }
      },
    );

    await t.step(
      "MCP: recall ranks a memory matching two query words above memories matching one (OR), while search requires every word (AND)",
      async () => {
        const both = await store(mcp, {
          title: "Field notes one",
          content: "kestrel and falcon seen over the ridge",
          namespace: "rank",
        });
        const kestrel = await store(mcp, {
          title: "Field notes two",
          content: "kestrel seen over the ridge today",
          namespace: "rank",
        });
        const falcon = await store(mcp, {
          title: "Field notes three",
          content: "falcon seen over the ridge today",
          namespace: "rank",
        });
        await store(mcp, { title: "Unrelated", content: "nothing about birds", namespace: "rank" });
        const recalled = await mcp.ok<RankedResult>("memory_recall", {
          context: "kestrel falcon",
          namespace: "rank",
        });
        assert.equal(recalled.count, 3, "OR semantics: every memory with either word");
        assert.equal(recalled.memories[0]!.id, both.id, "the two-word match ranks first");
        assert.deepEqual(
          recalled.memories.slice(1).map((x) => x.id).sort(),
          [kestrel.id, falcon.id].sort(),
        );
        const scores = recalled.memories.map((x) => x.score);
        assert.ok(scores[0]! > scores[1]! && scores[0]! > scores[2]!, `scores ${scores}`);
        assert.ok(scores[1]! >= scores[2]!, "results are sorted best first");

        const limited = await mcp.ok<RankedResult>("memory_recall", {
          context: "kestrel falcon",
          namespace: "rank",
          limit: 1,
        });
        assert.deepEqual(limited.memories.map((x) => x.id), [both.id]);

        const searched = await mcp.ok<RankedResult>("memory_search", {
          query: "kestrel falcon",
          namespace: "rank",
        });
        assert.deepEqual(
          searched.memories.map((x) => x.id),
          [both.id],
          "AND semantics: only the two-word match",
        );
        const elsewhere = await mcp.ok<RankedResult>("memory_recall", {
          context: "kestrel falcon",
          namespace: "ups",
        });
        assert.equal(elsewhere.count, 0, "the namespace filter applies");
      },
    );

    await t.step(
      "MCP: recall records each return in the memory's access_count and last_accessed_at, as the memory schema documents",
      async () => {
        const m = await store(mcp, {
          title: "Access probe",
          content: "ocelot habitat notes",
          namespace: "access",
        });
        assert.equal(m.memory.access_count, 0);
        assert.equal(m.memory.last_accessed_at, null);
        const started = Date.now();
        for (let i = 0; i < 2; i++) {
          const recalled = await mcp.ok<RankedResult>("memory_recall", {
            context: "ocelot",
            namespace: "access",
          });
          assert.deepEqual(recalled.memories.map((x) => x.id), [m.id]);
        }
        const got = await mcp.ok<{ memory: Memory }>("memory_get", { id: m.id });
        assert.equal(got.memory.access_count, 2, "access_count: 'How often recall returned it'");
        assertNear(got.memory.last_accessed_at, started, {
          toleranceMs: 60_000,
          what: "last_accessed_at: 'Last recall that returned it'",
        });
        assert.equal(got.memory.content, "ocelot habitat notes");
      },
    );

    await t.step(
      "MCP: memory_get finds a memory by a unique 8-character id prefix and refuses an ambiguous prefix as a conflict",
      async () => {
        const made: StoreResult[] = [];
        // 17 random UUIDs over 16 possible first characters: at least two share a prefix.
        for (let i = 0; i < 17; i++) {
          made.push(
            await store(mcp, { title: `Prefix ${i}`, content: `prefix probe ${i}`, namespace: "prefix" }),
          );
        }
        const ids = (await mcp.ok<ListResult>("memory_list", { limit: 200 })).memories.map((x) => x.id);
        const target = made[0]!;
        const short = target.id.slice(0, 8);
        assert.equal(
          ids.filter((id) => id.startsWith(short)).length,
          1,
          "precondition: the prefix is unique",
        );
        const got = await mcp.ok<{ memory: Memory }>("memory_get", { id: short });
        assert.equal(got.memory.id, target.id);
        assert.deepEqual(got.memory, target.memory);

        const sorted = [...ids].sort();
        let shared = "";
        for (let i = 1; i < sorted.length; i++) {
          const a = sorted[i - 1]!;
          const b = sorted[i]!;
          let n = 0;
          while (n < a.length && a[n] === b[n]) n++;
          if (n > shared.length) shared = a.slice(0, n);
        }
        assert.ok(shared.length >= 1, "two live ids share a prefix");
        const statsBefore = await mcp.ok<Stats>("memory_stats");
        const ambiguous = await mcp.fails("memory_get", { id: shared });
        assert.match(ambiguous, /^conflict: /);
        assert.ok(ambiguous.includes(shared), `the conflict names the prefix: ${ambiguous}`);
        const ambiguousDelete = await mcp.fails("memory_delete", { id: shared });
        assert.match(ambiguousDelete, /^conflict: /);
        const ambiguousUpdate = await mcp.fails("memory_update", { id: shared, priority: 9 });
        assert.match(ambiguousUpdate, /^conflict: /);
        assert.deepEqual(await mcp.ok<Stats>("memory_stats"), statsBefore, "nothing was deleted");

        // LIKE wildcards in a prefix are literal characters, not patterns.
        for (const id of ["%", "_", "________"]) {
          const text = await mcp.fails("memory_get", { id });
          assert.match(text, /^not_found: /, `prefix ${id}: ${text}`);
        }
      },
    );

    await t.step(
      'MCP: format "json" renders the text as exactly the structuredContent; the default text is a compact rendering',
      async () => {
        const m = await store(mcp, {
          title: "Format probe",
          content: "rendering check for walrus",
          namespace: "fmt",
          format: "json",
        });
        const calls: [string, Record<string, unknown>][] = [
          ["memory_store", {
            title: "Format probe",
            content: "rendering check for walrus",
            namespace: "fmt",
          }],
          ["memory_recall", { context: "walrus", namespace: "fmt" }],
          ["memory_search", { query: "walrus", namespace: "fmt" }],
          ["memory_list", { namespace: "fmt" }],
          ["memory_get", { id: m.id }],
          ["memory_stats", {}],
          ["memory_capabilities", {}],
        ];
        for (const [name, args] of calls) {
          const json = await mcp.call(name, { ...args, format: "json" });
          assert.notEqual(json.isError, true, `${name}: ${JSON.stringify(json.content)}`);
          assert.deepEqual(JSON.parse(textOf(json)), json.structuredContent, `${name} json text`);
        }
        for (const name of ["memory_recall", "memory_search", "memory_list"]) {
          const args = calls.find(([n]) => n === name)![1];
          const compact = await mcp.call(name, args);
          const text = textOf(compact);
          assert.ok(text.includes(m.id), `${name} default text names the id`);
          assert.ok(text.includes("Format probe"), `${name} default text names the title`);
          assert.throws(() => JSON.parse(text), `${name} default text is not JSON`);
        }
        {
          // memory_list has no side effects and no scores, so its renderings can be compared exactly.
          const listArgs = { namespace: "fmt" };
          const plain = textOf(await mcp.call("memory_list", listArgs));
          const toon = textOf(await mcp.call("memory_list", { ...listArgs, format: "toon_compact" }));
          assert.equal(toon, plain, "toon_compact is the default rendering");
        }
        const bad = await mcp.fails("memory_list", { format: "yaml" });
        assert.match(bad, /format: must be one of json, toon, toon_compact/);
      },
    );

    await t.step(
      "MCP: prompts/list offers recall-first and memory-workflow, and each renders a user message",
      async () => {
        const { prompts } = await client.listPrompts();
        const names = prompts.map((p) => p.name).sort();
        assert.deepEqual(names, ["memory-workflow", "recall-first"]);
        const recallFirst = prompts.find((p) => p.name === "recall-first")!;
        assert.deepEqual(
          recallFirst.arguments?.map((a) => ({ name: a.name, required: a.required })),
          [{ name: "namespace", required: false }],
        );
        assert.ok(recallFirst.description && recallFirst.description.length > 0);
        const workflow = prompts.find((p) => p.name === "memory-workflow")!;
        assert.equal(workflow.arguments?.length ?? 0, 0);

        for (const name of ["recall-first", "memory-workflow"]) {
          const got = await client.getPrompt({ name });
          assert.equal(got.messages.length, 1);
          const msg = got.messages[0]!;
          assert.equal(msg.role, "user");
          assert.equal(msg.content.type, "text");
          const text = (msg.content as { text: string }).text;
          assert.ok(text.length > 50, `${name} has guidance text`);
          assert.match(text, /memory_recall/, `${name} points at memory_recall`);
          assert.match(text, /memory_store/, `${name} points at memory_store`);
        }
        const plain = await client.getPrompt({ name: "recall-first" });
        const scoped = await client.getPrompt({ name: "recall-first", arguments: { namespace: "proj" } });
        const scopedText = (scoped.messages[0]!.content as { text: string }).text;
        const plainText = (plain.messages[0]!.content as { text: string }).text;
        assert.match(scopedText, /"proj"/);
        assert.doesNotMatch(plainText, /proj/);

        await assert.rejects(() => client.getPrompt({ name: "no-such-prompt" }), /no-such-prompt/);
      },
    );

    await t.step("MCP: an unknown tool name is an isError result naming the tool", async () => {
      const text = await mcp.fails("memory_teleport", { id: "x" });
      assert.match(text, /memory_teleport/);
      // The server is still healthy afterwards.
      await mcp.ok("memory_stats");
    });

    await t.step("MCP: no call logged an internal error on the server's stderr", () => {
      const errors = stderr().split("\n").filter((line) => line.includes('"level":"error"'));
      assert.deepEqual(errors, []);
    });

    await t.step(
      "MCP: a memory stored over one server process is there, unchanged, after a restart on the same database",
      async () => {
        const stored = await store(mcp, {
          title: "Survives restart",
          content: "written before the restart",
          namespace: "persist/deep",
          tier: "long",
          tags: ["durable", "restart"],
          priority: 8,
          confidence: 0.75,
          metadata: { ticket: 42, nested: { ok: true } },
        });
        const before = await snapshot(mcp);
        open = false;
        await client.close();

        client = await connectMcp(db);
        mcp = mcpCalls(client);
        open = true;
        stderr = collect(stderrOf(client));
        await client.listTools();
        const got = await mcp.ok<{ memory: Memory }>("memory_get", { id: stored.id });
        assert.deepEqual(got.memory, stored.memory);
        assert.equal(got.memory.metadata.ticket, 42);
        assert.deepEqual(got.memory.metadata.nested, { ok: true });
        const after = await snapshot(mcp);
        assert.deepEqual(after.list, before.list, "every memory survived unchanged");
        assert.deepEqual(after.stats, before.stats);
        const recalled = await mcp.ok<RankedResult>("memory_recall", { context: "restart" });
        assert.equal(recalled.memories[0]?.id, stored.id, "the full-text index survived too");
        const again = await store(mcp, {
          title: "Survives restart",
          content: "written after the restart",
          namespace: "persist/deep",
        });
        assert.equal(again.id, stored.id, "upsert still finds it by title");
        assert.equal(again.action, "updated");
        assert.equal(again.memory.priority, 8);
        assert.equal(again.memory.tier, "long");
        assert.equal(again.memory.agent_id, CLIENT_ACTOR);
        assert.equal(stderr().includes('"level":"error"'), false, stderr());
      },
    );
  } finally {
    if (open) await client.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
