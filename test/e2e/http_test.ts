// End-to-end tests of the HTTP surface: one real `ai-memory serve` subprocess on an ephemeral
// loopback port, driven by fetch. Every case is a step of one test so the server starts once.
import assert from "node:assert/strict";
import { nested } from "../support/deep_json.ts";
import { assertInvalid } from "../support/http_assertions.ts";
import { type ErrorBody, type HttpClient, httpClient, qs, type Reply } from "../support/http_client.ts";
import { ids, sameSet } from "../support/id_sets.ts";
import { CORE_OPERATIONS } from "../support/operation_names.ts";
import { startServer, tempDataDir } from "../support/processes.ts";
import type {
  Capabilities,
  ListResult,
  Memory,
  RecallResult,
  SearchResult,
  Stats,
  StoreResult,
} from "../support/results.ts";
import { sleep } from "../support/time.ts";

let BASE = "";
/** Requests to the server under test (see useServer). */
let api: HttpClient["api"];
let created: HttpClient["created"];
/** Successful (2xx) responses per operation, to check the metrics against. */
const successes = new Map<string, number>();

function opOf(method: string, path: string): string | undefined {
  const p = path.split("?")[0]!;
  if (p === "/api/v1/memories") {
    return method === "POST" ? "memory_store" : method === "GET" ? "memory_list" : undefined;
  }
  if (p.startsWith("/api/v1/memories/")) {
    return ({ GET: "memory_get", PUT: "memory_update", DELETE: "memory_delete" } as Record<string, string>)[
      method
    ];
  }
  return ({
    "/api/v1/recall": "memory_recall",
    "/api/v1/search": "memory_search",
    "/api/v1/purge": "memory_purge",
    "/api/v1/stats": "memory_stats",
    "/api/v1/capabilities": "memory_capabilities",
  } as Record<string, string>)[p];
}

async function store(
  fields: Record<string, unknown>,
  agent?: string,
): Promise<Reply<StoreResult>> {
  return await api<StoreResult>("POST", "/api/v1/memories", {
    json: fields,
    ...(agent ? { headers: { "x-agent-id": agent } } : {}),
  });
}

/** Point the helpers at the server under test; its 2xx replies count in `successes`. */
function useServer(url: string): void {
  BASE = url;
  ({ api, created } = httpClient(url, {
    onReply: (method, path, reply) => {
      if (reply.status < 200 || reply.status > 299) return;
      const op = opOf(method, path);
      if (op) successes.set(op, (successes.get(op) ?? 0) + 1);
    },
  }));
}

async function snapshot(): Promise<{ list: ListResult; stats: Stats }> {
  const list = await api<ListResult>("GET", "/api/v1/memories" + qs({ limit: 200 }));
  assert.equal(list.status, 200);
  const stats = await api<Stats>("GET", "/api/v1/stats");
  assert.equal(stats.status, 200);
  return { list: list.body, stats: stats.body };
}

/** Tokens the reference estimates for a memory: (title + content characters) / 4, rounded up. */
function estimate(m: Memory): number {
  return Math.ceil((m.title.length + m.content.length) / 4);
}

/** The same instant written with a +02:00 offset instead of Z. */
function withOffset(iso: string): string {
  const d = new Date(Date.parse(iso) + 2 * 3600_000).toISOString();
  return d.replace("Z", "+02:00");
}

function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

async function metrics(path = "/metrics"): Promise<{ text: string; type: string | null }> {
  const res = await fetch(BASE + path);
  const text = await res.text();
  assert.equal(res.status, 200);
  return { text, type: res.headers.get("content-type") };
}

Deno.test("HTTP API end to end against a real server process", async (t) => {
  const dir = await tempDataDir();
  const server = await startServer(`${dir}/http.db`);
  useServer(server.url);
  try {
    await t.step("health and capabilities describe a keyword-tier SQLite server", async () => {
      const health = await api<Record<string, unknown>>("GET", "/api/v1/health");
      assert.equal(health.status, 200);
      assert.equal(health.body.status, "ok");
      assert.equal(health.body.backend, "sqlite");
      const caps = await api<Capabilities>("GET", "/api/v1/capabilities");
      assert.equal(caps.status, 200);
      assert.equal(caps.body.schema_version, 2);
      assert.equal(caps.body.tier, "keyword");
      assert.deepEqual(caps.body.recall_modes, ["keyword"]);
      assert.deepEqual(caps.body.models, { embedder: null, reranker: null, llm: null });
      assert.equal(caps.body.features.keyword_recall, true);
      assert.equal(caps.body.features.soft_delete, true);
      assert.equal(caps.body.features.encryption_at_rest, false);
      assert.equal(caps.body.storage.backend, "sqlite");
      assert.ok(caps.body.storage.schema_version >= 1);
      assert.equal(health.body.schema_version, caps.body.storage.schema_version);
      assert.equal(health.body.version, caps.body.version);
    });

    await t.step(
      "a new memory is created with 201 and reads back identically by id and by id prefix",
      async () => {
        const before = Date.now();
        const r = await store({
          title: "Deploy key location",
          content: "The deploy key lives in the vault under ops/deploy",
          namespace: "ops/keys",
          tags: ["secrets", "deploy", "secrets"],
          priority: 7,
          confidence: 0.8,
          source: "user",
          metadata: { ticket: "OPS-12", nested: { a: [1, 2] } },
        }, "agent:alice@laptop");
        assert.equal(r.status, 201, JSON.stringify(r.body));
        assert.equal(r.body.action, "created");
        assert.equal(r.body.duplicate, false);
        const m = r.body.memory;
        assert.equal(r.body.id, m.id);
        assert.match(m.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.equal(m.title, "Deploy key location");
        assert.equal(m.content, "The deploy key lives in the vault under ops/deploy");
        assert.equal(m.namespace, "ops/keys");
        assert.deepEqual(m.tags, ["secrets", "deploy"], "duplicate tags are dropped");
        assert.equal(m.priority, 7);
        assert.equal(m.confidence, 0.8);
        assert.equal(m.source, "user");
        assert.equal(m.tier, "mid", "default tier");
        assert.equal(m.agent_id, "agent:alice@laptop", "X-Agent-Id is the author");
        assert.equal(r.body.agent_id, "agent:alice@laptop");
        assert.equal(m.metadata.ticket, "OPS-12");
        assert.deepEqual(m.metadata.nested, { a: [1, 2] });
        assert.equal(m.metadata.agent_id, "agent:alice@laptop");
        assert.equal(m.scope, "private");
        assert.equal(m.access_count, 0);
        const createdAt = Date.parse(m.created_at);
        assert.ok(createdAt >= before - 1000 && createdAt <= Date.now() + 1000, m.created_at);
        assert.equal(m.updated_at, m.created_at);
        assert.equal(Date.parse(m.expires_at!) - createdAt, 7 * 24 * 3600 * 1000, "mid expires in 7 days");

        const full = await api<{ memory: Memory }>("GET", `/api/v1/memories/${m.id}`);
        assert.equal(full.status, 200);
        assert.deepEqual(full.body.memory, m);
        const prefix = await api<{ memory: Memory }>("GET", `/api/v1/memories/${m.id.slice(0, 8)}`);
        assert.equal(prefix.status, 200);
        assert.deepEqual(prefix.body.memory, m);

        for (const wildcard of ["%25", "_", "%25%25"]) {
          const w = await api("GET", `/api/v1/memories/${wildcard}`);
          assert.equal(w.status, 404, `the LIKE wildcard ${wildcard} is matched literally`);
          assert.equal(w.body.error.code, "not_found");
        }

        const short = await created({ title: "Short lived", content: "gone in six hours", tier: "short" });
        assert.equal(Date.parse(short.expires_at!) - Date.parse(short.created_at), 6 * 3600 * 1000);
        const long = await created({ title: "Forever", content: "never expires", tier: "long" });
        assert.equal(long.expires_at, null);
        assert.equal(long.namespace, "global", "default namespace");
        assert.equal(long.agent_id, "anonymous:http", "default author without X-Agent-Id");
      },
    );

    await t.step("values exactly at each limit are accepted", async () => {
      const m = await created({
        title: "t".repeat(511) + "L",
        content: "é".repeat(32_768),
        tags: [...Array.from({ length: 49 }, (_, i) => `tag${i}`), "é".repeat(64)],
        metadata: { ...nested(32), pad: "p".repeat(1000) },
        namespace: "a/b/c/d/e/f/g/h",
        priority: 10,
        confidence: 0,
        ttl_secs: 365 * 24 * 3600,
      });
      assert.equal(m.title.length, 512);
      assert.equal(new TextEncoder().encode(m.content).length, 65_536);
      assert.equal(m.tags.length, 50);
      assert.equal(m.namespace, "a/b/c/d/e/f/g/h");
      assert.equal(m.confidence, 0);
      assert.equal(Date.parse(m.expires_at!) - Date.parse(m.created_at), 365 * 24 * 3600 * 1000);
      const got = await api<{ memory: Memory }>("GET", `/api/v1/memories/${m.id}`);
      assert.deepEqual(got.body.memory, m);
    });

    await t.step(
      "storing the same title again updates one memory: new text, max priority/confidence, no tier downgrade, first author kept",
      async () => {
        const first = await created({
          title: "Upsert target",
          content: "first version",
          tier: "long",
          priority: 8,
          confidence: 0.4,
          tags: ["x", "y"],
          namespace: "upsert",
          source: "user",
          metadata: { first: 1 },
        }, { agent: "alice" });
        await sleep(5);
        const second = await store({
          title: "Upsert target",
          content: "second version",
          tier: "short",
          priority: 3,
          confidence: 0.9,
          tags: ["z"],
          namespace: "upsert",
          source: "hook",
          metadata: { second: 2 },
        }, "bob");
        assert.equal(second.status, 200, "an upsert-update answers 200, not 201");
        assert.equal(second.body.duplicate, true);
        assert.equal(second.body.action, "updated");
        assert.equal(second.body.id, first.id);
        const m2 = second.body.memory;
        assert.equal(m2.content, "second version");
        assert.deepEqual(m2.tags, ["z"]);
        assert.equal(m2.priority, 8, "priority keeps the higher value");
        assert.equal(m2.confidence, 0.9, "confidence keeps the higher value");
        assert.equal(m2.tier, "long", "long then short stays long");
        assert.equal(m2.expires_at, null);
        assert.equal(m2.agent_id, "alice", "the original author is kept");
        assert.equal(second.body.agent_id, "alice");
        assert.equal(m2.source, "hook", "source is replaced");
        assert.equal(m2.metadata.second, 2, "metadata is replaced");
        assert.equal(m2.metadata.first, undefined, "metadata is replaced, not merged");
        assert.equal(m2.metadata.agent_id, "alice");
        assert.equal(m2.created_at, first.created_at);
        assert.ok(m2.updated_at > first.updated_at, "updated_at moves forward");

        const third = await store({
          title: "Upsert target",
          content: "third version",
          tier: "mid",
          priority: 10,
          confidence: 0.2,
          namespace: "upsert",
        }, "carol");
        assert.equal(third.status, 200);
        assert.equal(third.body.id, first.id);
        assert.equal(third.body.memory.priority, 10, "a higher priority raises it");
        assert.equal(third.body.memory.confidence, 0.9);
        assert.equal(third.body.memory.tier, "long");
        assert.equal(third.body.memory.expires_at, null);
        assert.equal(third.body.memory.agent_id, "alice");
        assert.deepEqual(third.body.memory.tags, [], "tags are replaced, even by none");

        const got = await api<{ memory: Memory }>("GET", `/api/v1/memories/${first.id}`);
        assert.deepEqual(got.body.memory, third.body.memory);
        const list = await api<ListResult>("GET", "/api/v1/memories" + qs({ namespace: "upsert" }));
        assert.deepEqual(ids(list.body.memories), [first.id], "still exactly one memory");
      },
    );

    await t.step(
      "upsert raises a short memory to long (no expiry) and never shortens a mid expiry",
      async () => {
        const short = await created({ title: "Tier climb", content: "starts short", tier: "short" });
        const up = await store({ title: "Tier climb", content: "now long", tier: "long" });
        assert.equal(up.status, 200);
        assert.equal(up.body.id, short.id);
        assert.equal(up.body.memory.tier, "long");
        assert.equal(up.body.memory.expires_at, null);

        const mid = await created({ title: "Tier hold", content: "starts mid", tier: "mid" });
        await sleep(5);
        const down = await store({ title: "Tier hold", content: "asks for short", tier: "short" });
        assert.equal(down.status, 200);
        assert.equal(down.body.id, mid.id);
        assert.equal(down.body.memory.tier, "mid");
        assert.ok(down.body.memory.expires_at! >= mid.expires_at!, "expiry is never shortened");
      },
    );

    await t.step(
      "concurrent stores of one title make exactly one memory (one 201, the rest 200)",
      async () => {
        const replies = await Promise.all(
          Array.from(
            { length: 12 },
            (_, i) =>
              store({ title: "Race", content: `writer ${i}`, namespace: "race", priority: 1 + (i % 10) }),
          ),
        );
        const statuses = replies.map((r) => r.status).sort();
        assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
        assert.equal(new Set(replies.map((r) => r.body.id)).size, 1);
        const list = await api<ListResult>("GET", "/api/v1/memories" + qs({ namespace: "race" }));
        assert.equal(list.body.count, 1);
        assert.equal(list.body.memories[0]!.priority, 10, "the highest priority of all writers");
      },
    );

    await t.step("the same title in another namespace is a different memory", async () => {
      const a = await created({ title: "Shared title", content: "in alpha", namespace: "alpha" });
      const b = await created({ title: "Shared title", content: "in beta", namespace: "beta/sub" });
      assert.notEqual(a.id, b.id);
      const ga = await api<{ memory: Memory }>("GET", `/api/v1/memories/${a.id}`);
      const gb = await api<{ memory: Memory }>("GET", `/api/v1/memories/${b.id}`);
      assert.equal(ga.body.memory.content, "in alpha");
      assert.equal(gb.body.memory.content, "in beta");
    });

    await t.step("recall (GET and POST) matches any word; search requires every word", async () => {
      const a = await created({
        title: "Kestrel migration plan",
        content: "Move the kestrel cluster onto fjord storage",
        namespace: "sem",
      });
      const b = await created({
        title: "Fjord outage notes",
        content: "Fjord storage failed during the nightly backup",
        namespace: "sem",
      });
      const c = await created({ title: "Lunch menu", content: "soup and bread", namespace: "sem" });

      const get = await api<RecallResult>(
        "GET",
        "/api/v1/recall" + qs({ context: "kestrel backup", namespace: "sem" }),
      );
      assert.equal(get.status, 200);
      sameSet(ids(get.body.memories), [a.id, b.id], {
        what: "recall: a memory matching one word is returned",
      });
      assert.equal(get.body.count, 2);
      assert.equal(get.body.mode, "keyword");
      for (const m of get.body.memories) assert.ok(m.score > 0, "scores are positive");
      const scores = get.body.memories.map((m) => m.score);
      assert.deepEqual(scores, [...scores].sort((x, y) => y - x), "best first");

      const post = await api<RecallResult>("POST", "/api/v1/recall", {
        json: { context: "kestrel backup", namespace: "sem" },
      });
      assert.equal(post.status, 200);
      assert.deepEqual(ids(post.body.memories), ids(get.body.memories), "GET and POST recall agree");

      const none = await api<SearchResult>(
        "GET",
        "/api/v1/search" + qs({ query: "kestrel backup", namespace: "sem" }),
      );
      assert.equal(none.status, 200);
      assert.deepEqual(none.body.memories, [], "search: no memory has both words");
      assert.equal(none.body.count, 0);

      const both = await api<SearchResult>(
        "GET",
        "/api/v1/search" + qs({ query: "fjord storage", namespace: "sem" }),
      );
      sameSet(ids(both.body.memories), [a.id, b.id], { what: "search: both memories have both words" });
      const one = await api<SearchResult>(
        "GET",
        "/api/v1/search" + qs({ query: "FJORD nightly", namespace: "sem" }),
      );
      assert.deepEqual(ids(one.body.memories), [b.id], "search: only the memory with every word");
      assert.ok(!ids(one.body.memories).includes(c.id));
    });

    await t.step(
      "namespace, tags, since/until, limit and offset filters narrow recall, search and list",
      async () => {
        const f1 = await created({
          title: "Zebra one",
          content: "zebra stripes red blue",
          namespace: "filt",
          tags: ["red", "blue"],
          priority: 3,
        });
        await sleep(10);
        const f2 = await created({
          title: "Zebra two",
          content: "zebra stripes red",
          namespace: "filt",
          tags: ["red"],
          priority: 9,
        });
        await sleep(10);
        const f3 = await created({
          title: "Zebra three",
          content: "zebra stripes green",
          namespace: "filt",
          tags: ["green"],
          priority: 6,
        });
        await created({
          title: "Zebra elsewhere",
          content: "zebra stripes red",
          namespace: "filt2",
          tags: ["red"],
        });
        assert.ok(f1.created_at < f2.created_at && f2.created_at < f3.created_at);

        const list = async (p: Record<string, string | number | string[]>) => {
          const r = await api<ListResult>("GET", "/api/v1/memories" + qs(p));
          assert.equal(r.status, 200, JSON.stringify(r.body));
          assert.equal(r.body.count, r.body.memories.length);
          return ids(r.body.memories);
        };
        assert.deepEqual(await list({ namespace: "filt" }), [f2.id, f3.id, f1.id], "priority order");
        assert.deepEqual(await list({ namespace: "filt", limit: 2 }), [f2.id, f3.id]);
        assert.deepEqual(await list({ namespace: "filt", limit: 1, offset: 1 }), [f3.id]);
        assert.deepEqual(await list({ namespace: "filt", tags: "red" }), [f2.id, f1.id]);
        assert.deepEqual(
          await list({ namespace: "filt", tags: "red,blue" }),
          [f1.id],
          "every tag must match",
        );
        assert.deepEqual(
          await list({ namespace: "filt", tags: ["red", "blue"] }),
          [f1.id],
          "repeated ?tags=",
        );
        assert.deepEqual(await list({ namespace: "filt", since: f2.created_at }), [f2.id, f3.id]);
        assert.deepEqual(await list({ namespace: "filt", until: f2.created_at }), [f2.id, f1.id]);
        assert.deepEqual(
          await list({ namespace: "filt", since: f2.created_at, until: f2.created_at }),
          [f2.id],
        );
        assert.deepEqual(
          await list({ namespace: "filt", since: withOffset(f2.created_at) }),
          [f2.id, f3.id],
          "an offset timestamp means the same instant",
        );
        assert.deepEqual(await list({ namespace: "filt", tier: "long" }), []);
        assert.deepEqual(await list({ namespace: "filt", min_priority: 6 }), [f2.id, f3.id]);

        const recall = async (p: Record<string, string | number>) => {
          const r = await api<RecallResult>("GET", "/api/v1/recall" + qs({ context: "zebra", ...p }));
          assert.equal(r.status, 200, JSON.stringify(r.body));
          return ids(r.body.memories);
        };
        const all = await recall({});
        assert.equal(all.length, 4, "without a namespace every namespace is searched");
        sameSet(await recall({ namespace: "filt" }), [f1.id, f2.id, f3.id], { what: "namespace filter" });
        assert.deepEqual(await recall({ namespace: "filt", tags: "green" }), [f3.id]);
        sameSet(await recall({ namespace: "filt", since: f2.created_at }), [f2.id, f3.id], {
          what: "recall since",
        });
        sameSet(await recall({ namespace: "filt", until: f1.created_at }), [f1.id], { what: "recall until" });
        assert.equal((await recall({ namespace: "filt", limit: 1 })).length, 1);

        const search = async (p: Record<string, string | number>) => {
          const r = await api<SearchResult>("GET", "/api/v1/search" + qs({ query: "zebra red", ...p }));
          assert.equal(r.status, 200, JSON.stringify(r.body));
          return ids(r.body.memories);
        };
        assert.equal((await search({})).length, 3, "zebra+red in filt and filt2");
        sameSet(await search({ namespace: "filt" }), [f1.id, f2.id], { what: "namespace filter" });
        assert.deepEqual(await search({ namespace: "filt", tags: "blue" }), [f1.id]);
        assert.deepEqual(await search({ namespace: "filt", since: f2.created_at }), [f2.id]);
        assert.equal((await search({ limit: 2 })).length, 2);
      },
    );

    await t.step(
      "budget_tokens stops adding memories once the next one would exceed the budget",
      async () => {
        for (const [title, words] of [["Quokka A", 10], ["Quokka B", 40], ["Quokka C", 90]] as const) {
          await created({ title, content: "quokka " + "facts ".repeat(words), namespace: "budget" });
        }
        const full = await api<RecallResult>(
          "GET",
          "/api/v1/recall" + qs({ context: "quokka", namespace: "budget" }),
        );
        assert.equal(full.body.count, 3);
        const order = full.body.memories;
        assert.equal(full.body.tokens_used, order.reduce((s, m) => s + estimate(m), 0));
        assert.equal(full.body.budget_tokens, undefined);

        const cases = [
          { budget: estimate(order[0]!) + estimate(order[1]!) - 1, expect: 1 },
          { budget: estimate(order[0]!) + estimate(order[1]!), expect: 2 },
          { budget: estimate(order[0]!) - 1, expect: 0 },
          { budget: 100_000, expect: 3 },
        ];
        for (const { budget, expect } of cases) {
          const r = await api<RecallResult>("POST", "/api/v1/recall", {
            json: { context: "quokka", namespace: "budget", budget_tokens: budget },
          });
          assert.equal(r.status, 200);
          assert.deepEqual(ids(r.body.memories), ids(order.slice(0, expect)), `budget ${budget}`);
          assert.equal(r.body.count, expect);
          assert.ok(r.body.tokens_used <= budget, `tokens_used ${r.body.tokens_used} > budget ${budget}`);
          assert.equal(r.body.tokens_used, order.slice(0, expect).reduce((s, m) => s + estimate(m), 0));
          assert.equal(r.body.budget_tokens, budget);
        }
      },
    );

    await t.step(
      "update changes the given fields, keeps the author, and refuses a tier downgrade",
      async () => {
        const m = await created({
          title: "Editable",
          content: "original text",
          tags: ["a"],
          priority: 4,
          tier: "mid",
          namespace: "edit",
        }, { agent: "alice" });
        const r = await api<{ memory: Memory }>("PUT", `/api/v1/memories/${m.id}`, {
          json: {
            content: "changed text",
            priority: 9,
            tags: ["b", "c"],
            metadata: { agent_id: "mallory", k: 1 },
          },
          headers: { "x-agent-id": "bob" },
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const u = r.body.memory;
        assert.equal(u.id, m.id);
        assert.equal(u.content, "changed text");
        assert.equal(u.priority, 9);
        assert.deepEqual(u.tags, ["b", "c"]);
        assert.equal(u.title, "Editable");
        assert.equal(u.tier, "mid");
        assert.equal(u.agent_id, "alice");
        assert.equal(u.metadata.agent_id, "alice", "metadata cannot rewrite the author");
        assert.equal(u.metadata.k, 1);
        assert.equal(u.created_at, m.created_at);

        const upgraded = await api<{ memory: Memory }>("PUT", `/api/v1/memories/${m.id.slice(0, 10)}`, {
          json: { tier: "long" },
        });
        assert.equal(upgraded.status, 200, "update by id prefix");
        assert.equal(upgraded.body.memory.tier, "long");
        assert.equal(upgraded.body.memory.expires_at, null);

        const down = await api("PUT", `/api/v1/memories/${m.id}`, { json: { tier: "short" } });
        assert.equal(down.status, 400);
        assertInvalid(down, "tier", { mentions: ["never downgrade"] });
        const after = await api<{ memory: Memory }>("GET", `/api/v1/memories/${m.id}`);
        assert.deepEqual(after.body.memory, upgraded.body.memory, "a refused update changes nothing");

        const search = await api<SearchResult>(
          "GET",
          "/api/v1/search" + qs({ query: "changed", namespace: "edit" }),
        );
        assert.deepEqual(ids(search.body.memories), [m.id], "the new content is indexed");
        const old = await api<SearchResult>(
          "GET",
          "/api/v1/search" + qs({ query: "original", namespace: "edit" }),
        );
        assert.deepEqual(old.body.memories, [], "the old content is no longer indexed");

        const other = await created({ title: "Other title", content: "x", namespace: "edit" });
        const clash = await api("PUT", `/api/v1/memories/${other.id}`, { json: { title: "Editable" } });
        assert.equal(clash.status, 409);
        assert.equal(clash.body.error.code, "conflict");

        const missing = await api("PUT", "/api/v1/memories/ffffffff-0000-4000-8000-000000000000", {
          json: { content: "x" },
        });
        assert.equal(missing.status, 404);
        assert.equal(missing.body.error.code, "not_found");
      },
    );

    await t.step(
      "a deleted memory leaves get, recall, search and list, counts as a tombstone, and its title can be reused",
      async () => {
        const m = await created({
          title: "Doomed memory",
          content: "wombat burrow secret",
          namespace: "del",
        });
        const keep = await created({ title: "Survivor", content: "wombat survivor", namespace: "del" });
        const before = (await api<Stats>("GET", "/api/v1/stats")).body;

        const del = await api<Record<string, unknown>>("DELETE", `/api/v1/memories/${m.id}`);
        assert.equal(del.status, 200);
        assert.deepEqual(del.body, { deleted: true, id: m.id, title: "Doomed memory", namespace: "del" });

        const get = await api("GET", `/api/v1/memories/${m.id}`);
        assert.equal(get.status, 404);
        assert.equal(get.body.error.code, "not_found");
        assert.ok(get.body.error.message.includes(m.id));
        assert.equal((await api("GET", `/api/v1/memories/${m.id.slice(0, 8)}`)).status, 404);
        const again = await api("DELETE", `/api/v1/memories/${m.id}`);
        assert.equal(again.status, 404);
        assert.equal(
          (await api("PUT", `/api/v1/memories/${m.id}`, { json: { content: "zombie" } })).status,
          404,
        );

        // In its namespace: recall stems words, so "secret" also finds another step's "secrets" tag.
        const recall = await api<RecallResult>(
          "GET",
          "/api/v1/recall" + qs({ context: "wombat secret", namespace: "del" }),
        );
        assert.deepEqual(ids(recall.body.memories), [keep.id]);
        const search = await api<SearchResult>("GET", "/api/v1/search" + qs({ query: "wombat" }));
        assert.deepEqual(ids(search.body.memories), [keep.id]);
        const list = await api<ListResult>("GET", "/api/v1/memories" + qs({ limit: 200 }));
        assert.ok(!ids(list.body.memories).includes(m.id));

        const after = (await api<Stats>("GET", "/api/v1/stats")).body;
        assert.equal(after.deleted, before.deleted + 1);
        assert.equal(after.total, before.total - 1);
        assert.equal(after.by_namespace.del, before.by_namespace.del! - 1);

        const reborn = await store({ title: "Doomed memory", content: "wombat reborn", namespace: "del" });
        assert.equal(reborn.status, 201);
        assert.equal(reborn.body.action, "created");
        assert.equal(reborn.body.duplicate, false);
        assert.notEqual(reborn.body.id, m.id, "a new id, not the tombstone's");
        assert.equal((await api("GET", `/api/v1/memories/${m.id}`)).status, 404, "the old id stays deleted");
      },
    );

    await t.step(
      "purge keeps fresh tombstones by default; older_than_days 0 removes all of them and no live memory",
      async () => {
        const dflt = await api<{ purged: number; before: string }>("POST", "/api/v1/purge", { json: {} });
        assert.equal(dflt.status, 200);
        assert.equal(dflt.body.purged, 0, "a seconds-old tombstone is within the 30-day retention");
        const expectedBefore = Date.now() - 30 * 86_400_000;
        assert.ok(Math.abs(Date.parse(dflt.body.before) - expectedBefore) < 60_000, dflt.body.before);

        const snap = await snapshot();
        assert.ok(snap.stats.deleted >= 1);
        const purge = await api<{ purged: number }>("POST", "/api/v1/purge", {
          json: { older_than_days: 0 },
        });
        assert.equal(purge.status, 200);
        assert.equal(purge.body.purged, snap.stats.deleted);
        const after = await snapshot();
        assert.equal(after.stats.deleted, 0);
        assert.equal(after.stats.total, snap.stats.total);
        assert.deepEqual(after.stats.by_namespace, snap.stats.by_namespace);
        assert.deepEqual(after.stats.by_tier, snap.stats.by_tier);
        assert.deepEqual(after.list, snap.list, "live memories are untouched");
        const twice = await api<{ purged: number }>("POST", "/api/v1/purge", {
          json: { older_than_days: 0 },
        });
        assert.equal(twice.body.purged, 0);
      },
    );

    await t.step("an id prefix shared by several memories is refused with 409 conflict", async () => {
      const { list } = await snapshot();
      const byFirst = new Map<string, number>();
      for (const m of list.memories) byFirst.set(m.id[0]!, (byFirst.get(m.id[0]!) ?? 0) + 1);
      const shared = [...byFirst].find(([, n]) => n >= 2);
      assert.ok(shared, "more than 16 memories share a first hex digit");
      for (const method of ["GET", "DELETE"]) {
        const r: Reply<ErrorBody> = await api(method, `/api/v1/memories/${shared[0]}`);
        assert.equal(r.status, 409, `${method} ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, "conflict");
      }
      assert.equal((await snapshot()).list.count, list.count, "an ambiguous delete deletes nothing");
    });

    await t.step("stats agree with the live memories list", async () => {
      const { list, stats } = await snapshot();
      assert.equal(stats.backend, "sqlite");
      assert.equal(stats.total, list.count);
      const byNs: Record<string, number> = {};
      const byTier: Record<string, number> = {};
      for (const m of list.memories) {
        byNs[m.namespace] = (byNs[m.namespace] ?? 0) + 1;
        byTier[m.tier] = (byTier[m.tier] ?? 0) + 1;
      }
      assert.deepEqual(stats.by_namespace, byNs);
      assert.deepEqual(stats.by_tier, byTier);
      const soon = Date.now() + 86_400_000;
      const expiring = list.memories.filter((m) => m.expires_at !== null && Date.parse(m.expires_at) <= soon);
      assert.equal(stats.expiring_soon, expiring.length);
      assert.ok(stats.db_size_bytes > 0);
    });

    await t.step(
      "bad inputs are refused with 400 naming the field and the limit; the database is unchanged",
      async (t) => {
        const snap = await snapshot();
        const target = snap.list.memories.find((m) => m.tier === "long")!;
        const post = (json: unknown, headers?: Record<string, string>) =>
          api("POST", "/api/v1/memories", { json, ...(headers ? { headers } : {}) });
        const ok = { title: "Valid title", content: "valid content" };
        const cases: [string, () => Promise<Reply<ErrorBody>>, string, ...string[]][] = [
          ["empty title", () => post({ ...ok, title: "" }), "title", "must not be empty"],
          ["blank title", () => post({ ...ok, title: "   " }), "title", "must not be empty"],
          ["missing title", () => post({ content: "c" }), "title"],
          ["title of 513 characters", () => post({ ...ok, title: "t".repeat(513) }), "title", "512"],
          [
            "content of 32769 two-byte characters (65538 bytes)",
            () => post({ ...ok, content: "é".repeat(32_769) }),
            "content",
            "65536 bytes",
          ],
          [
            "51 tags",
            () => post({ ...ok, tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }),
            "tags",
            "50",
          ],
          [
            "a tag of 65 two-byte characters (130 bytes)",
            () => post({ ...ok, tags: ["ok", "é".repeat(65)] }),
            "tags.1",
            "128 bytes",
          ],
          [
            "metadata over 64 KiB",
            () => post({ ...ok, metadata: { blob: "x".repeat(65_600) } }),
            "metadata",
            "65536",
          ],
          ["metadata nested 33 levels", () => post({ ...ok, metadata: nested(33) }), "metadata", "32"],
          ["metadata that is not an object", () => post({ ...ok, metadata: [1] }), "metadata", "JSON object"],
          ["priority 0", () => post({ ...ok, priority: 0 }), "priority", "between 1 and 10"],
          ["priority 11", () => post({ ...ok, priority: 11 }), "priority", "between 1 and 10"],
          ["priority 5.5", () => post({ ...ok, priority: 5.5 }), "priority", "integer"],
          ["priority as a string", () => post({ ...ok, priority: "5" }), "priority", "number"],
          ["confidence 1.5", () => post({ ...ok, confidence: 1.5 }), "confidence", "between 0 and 1"],
          ["confidence -0.1", () => post({ ...ok, confidence: -0.1 }), "confidence", "between 0 and 1"],
          ["namespace with a space", () => post({ ...ok, namespace: "has space" }), "namespace", "spaces"],
          ["namespace with a leading /", () => post({ ...ok, namespace: "/lead" }), "namespace", "'/'"],
          ["namespace with a .. segment", () => post({ ...ok, namespace: "a/../b" }), "namespace", "'..'"],
          [
            "namespace of 9 levels",
            () => post({ ...ok, namespace: "a/b/c/d/e/f/g/h/i" }),
            "namespace",
            "at most 8 levels",
          ],
          ["namespace with //", () => post({ ...ok, namespace: "a//b" }), "namespace", "//"],
          ["unknown tier", () => post({ ...ok, tier: "eternal" }), "tier", "short, mid, long"],
          ["unknown source", () => post({ ...ok, source: "telepathy" }), "source", "must be one of"],
          ["bad agent_id", () => post({ ...ok, agent_id: "bad agent!" }), "agent_id", "1-128 characters"],
          [
            "bad metadata.agent_id",
            () => post({ ...ok, metadata: { agent_id: "bad agent!" } }),
            "metadata.agent_id",
            "1-128 characters",
          ],
          [
            "bad X-Agent-Id header",
            () => post(ok, { "x-agent-id": "bad agent!" }),
            "X-Agent-Id",
            "1-128 characters",
          ],
          [
            "expires_at in the past",
            () => post({ ...ok, expires_at: "2001-01-01T00:00:00Z" }),
            "expires_at",
            "in the future",
          ],
          [
            "expires_at not RFC 3339",
            () => post({ ...ok, expires_at: "tomorrow" }),
            "expires_at",
            "RFC 3339",
          ],
          [
            "expires_at without a time zone",
            () => post({ ...ok, expires_at: "2099-01-01T00:00:00" }),
            "expires_at",
            "RFC 3339",
          ],
          ["ttl_secs 0", () => post({ ...ok, ttl_secs: 0 }), "ttl_secs", "between 1 and 31536000"],
          [
            "ttl_secs and expires_at together",
            () => post({ ...ok, ttl_secs: 60, expires_at: "2099-01-01T00:00:00Z" }),
            "ttl_secs",
            "not both",
          ],
          [
            "recall limit 51 (GET)",
            () => api("GET", "/api/v1/recall" + qs({ context: "x", limit: 51 })),
            "limit",
            "between 1 and 50",
          ],
          [
            "recall limit 51 (POST)",
            () => api("POST", "/api/v1/recall", { json: { context: "x", limit: 51 } }),
            "limit",
            "between 1 and 50",
          ],
          ["recall without context", () => api("GET", "/api/v1/recall"), "context"],
          [
            "recall with an empty context",
            () => api("POST", "/api/v1/recall", { json: { context: " " } }),
            "context",
            "must not be empty",
          ],
          [
            "recall budget_tokens 0",
            () => api("POST", "/api/v1/recall", { json: { context: "x", budget_tokens: 0 } }),
            "budget_tokens",
            "at least 1",
          ],
          [
            "search limit 201",
            () => api("GET", "/api/v1/search" + qs({ query: "x", limit: 201 })),
            "limit",
            "between 1 and 200",
          ],
          ["search without query", () => api("GET", "/api/v1/search"), "query"],
          [
            "list limit 201",
            () => api("GET", "/api/v1/memories" + qs({ limit: 201 })),
            "limit",
            "between 1 and 200",
          ],
          [
            "list limit not a number",
            () => api("GET", "/api/v1/memories" + qs({ limit: "ten" })),
            "limit",
            "must be a number",
          ],
          [
            "list bad namespace",
            () => api("GET", "/api/v1/memories" + qs({ namespace: "a//b" })),
            "namespace",
            "//",
          ],
          [
            "list since after until",
            () =>
              api(
                "GET",
                "/api/v1/memories" + qs({ since: "2026-02-01T00:00:00Z", until: "2026-01-01T00:00:00Z" }),
              ),
            "since",
            "later than until",
          ],
          [
            "recall since after until",
            () =>
              api("POST", "/api/v1/recall", {
                json: { context: "x", since: "2026-02-01T00:00:00Z", until: "2026-01-01T00:00:00Z" },
              }),
            "since",
            "later than until",
          ],
          [
            "search since after until",
            () =>
              api(
                "GET",
                "/api/v1/search" +
                  qs({ query: "x", since: "2026-02-01T00:00:00Z", until: "2026-01-01T00:00:00Z" }),
              ),
            "since",
            "later than until",
          ],
          [
            "search since not RFC 3339",
            () => api("GET", "/api/v1/search" + qs({ query: "x", since: "yesterday" })),
            "since",
            "RFC 3339",
          ],
          [
            "get with a 129-byte id",
            () => api("GET", `/api/v1/memories/${"a".repeat(129)}`),
            "id",
            "128 bytes",
          ],
          [
            "update priority 11",
            () => api("PUT", `/api/v1/memories/${target.id}`, { json: { priority: 11 } }),
            "priority",
            "between 1 and 10",
          ],
          [
            "update title empty",
            () => api("PUT", `/api/v1/memories/${target.id}`, { json: { title: "" } }),
            "title",
            "must not be empty",
          ],
          [
            "update to a lower tier",
            () => api("PUT", `/api/v1/memories/${target.id}`, { json: { tier: "mid" } }),
            "tier",
            "never downgrade",
          ],
          [
            "update expires_at in the past",
            () =>
              api("PUT", `/api/v1/memories/${target.id}`, { json: { expires_at: "2001-01-01T00:00:00Z" } }),
            "expires_at",
            "in the future",
          ],
          [
            "update with no field",
            () => api("PUT", `/api/v1/memories/${target.id}`, { json: {} }),
            "",
            "at least one field",
          ],
          [
            "purge older_than_days -1",
            () => api("POST", "/api/v1/purge", { json: { older_than_days: -1 } }),
            "older_than_days",
            "between 0 and 36500",
          ],
          [
            "malformed JSON body",
            () => api("POST", "/api/v1/memories", { raw: '{"title": "x", ' }),
            "",
            "valid JSON",
          ],
          [
            "a JSON array body",
            () => api("POST", "/api/v1/memories", { raw: JSON.stringify([ok]) }),
            "",
            "JSON object",
          ],
          ["a JSON null body", () => api("POST", "/api/v1/memories", { raw: "null" }), "", "JSON object"],
          ["a JSON string body", () => api("POST", "/api/v1/recall", { raw: '"x"' }), "", "JSON object"],
        ];
        for (const [name, run, field, ...mentions] of cases) {
          await t.step(`${name} -> 400 on ${field || "the body"}`, async () => {
            assertInvalid(await run(), field, { mentions });
          });
        }

        await t.step("a body over 2 MiB -> 413 payload_too_large", async () => {
          const r = await post({ title: "Huge", content: "x".repeat(2 * 1024 * 1024 + 10) });
          assert.equal(r.status, 413);
          assert.equal(r.body.error.code, "payload_too_large");
          assert.ok(r.body.error.message.includes("2 MiB"), r.body.error.message);
          assert.equal(r.body.error.details.limit_bytes, 2 * 1024 * 1024);
        });

        await t.step("a streamed (chunked) body over 2 MiB -> 413 payload_too_large", async () => {
          const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
          let sent = 0;
          const stream = new ReadableStream<Uint8Array>({
            pull(controller) {
              if (sent === 0) controller.enqueue(new TextEncoder().encode('{"title":"Huge","content":"'));
              if (sent > 2 * 1024 * 1024 + 100_000) {
                controller.enqueue(new TextEncoder().encode('"}'));
                controller.close();
                return;
              }
              controller.enqueue(chunk);
              sent += chunk.length;
            },
          });
          const res = await fetch(BASE + "/api/v1/memories", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: stream,
          });
          const body = await res.json() as ErrorBody;
          assert.equal(res.status, 413);
          assert.equal(body.error.code, "payload_too_large");
        });

        await t.step("an unknown route -> 404 JSON not_found", async () => {
          for (
            const [method, path] of [["GET", "/api/v1/nope"], ["POST", "/api/v1/stats"], [
              "PATCH",
              `/api/v1/memories/${target.id}`,
            ]]
          ) {
            const res = await fetch(BASE + path!, { method });
            const text = await res.text();
            assert.equal(res.status, 404, `${method} ${path}`);
            assert.match(res.headers.get("content-type") ?? "", /application\/json/);
            const body = JSON.parse(text) as ErrorBody;
            assert.equal(body.error.code, "not_found");
            assert.ok(body.error.message.includes(path!), body.error.message);
          }
        });

        await t.step("the database is exactly as before", async () => {
          assert.deepEqual(await snapshot(), snap);
        });
      },
    );

    await t.step("FTS syntax, scripts and huge queries in user text never error", async (t) => {
      const cafe = await created({
        title: "Meeting notes",
        content: "Met at the cafe to review the resume",
        namespace: "fts",
      });
      const creme = await created({
        title: "Dessert",
        content: "Crème brûlée with a naïve garnish",
        namespace: "fts",
      });
      const tokyo = await created({
        title: "東京 データベース",
        content: "مرحبا بالعالم and 🔥 emoji",
        namespace: "fts",
      });
      const secret = await created({ title: "secret", content: "NEAR the title column", namespace: "fts" });

      const weird = [
        '"unbalanced',
        "foo*",
        "NEAR(a b)",
        "a AND OR NOT",
        "(((",
        "title:secret",
        "^x",
        "-x",
        "+",
        "🔥🚀",
        "東京",
        "مرحبا",
        "café résumé",
        "*",
        "'; DROP TABLE memories; --",
        'content:"x" OR title:*',
      ];
      for (const q of weird) {
        await t.step(`query ${JSON.stringify(q)} answers 200 on recall GET/POST and search`, async () => {
          const g = await api<RecallResult>("GET", "/api/v1/recall" + qs({ context: q }));
          assert.equal(g.status, 200, JSON.stringify(g.body));
          assert.ok(Array.isArray(g.body.memories));
          assert.equal(g.body.count, g.body.memories.length);
          const p = await api<RecallResult>("POST", "/api/v1/recall", { json: { context: q } });
          assert.equal(p.status, 200, JSON.stringify(p.body));
          assert.deepEqual(ids(p.body.memories), ids(g.body.memories));
          const s = await api<SearchResult>("GET", "/api/v1/search" + qs({ query: q }));
          assert.equal(s.status, 200, JSON.stringify(s.body));
          assert.equal(s.body.count, s.body.memories.length);
        });
      }

      await t.step("query words are plain words: title:secret finds the memory titled secret", async () => {
        const s = await api<SearchResult>(
          "GET",
          "/api/v1/search" + qs({ query: "title:secret", namespace: "fts" }),
        );
        assert.deepEqual(ids(s.body.memories), [secret.id]);
        const none = await api<SearchResult>("GET", "/api/v1/search" + qs({ query: "+", namespace: "fts" }));
        assert.deepEqual(none.body.memories, [], "a query without words matches nothing");
      });

      await t.step("accents are ignored both ways", async () => {
        const s = await api<SearchResult>(
          "GET",
          "/api/v1/search" + qs({ query: "café résumé", namespace: "fts" }),
        );
        assert.deepEqual(ids(s.body.memories), [cafe.id], "accented query, unaccented text");
        const r = await api<RecallResult>(
          "GET",
          "/api/v1/recall" + qs({ context: "Café", namespace: "fts" }),
        );
        assert.deepEqual(ids(r.body.memories), [cafe.id]);
        const back = await api<SearchResult>(
          "GET",
          "/api/v1/search" + qs({ query: "creme brulee naive", namespace: "fts" }),
        );
        assert.deepEqual(ids(back.body.memories), [creme.id], "unaccented query, accented text");
      });

      await t.step("CJK and Arabic words are found", async () => {
        const cjk = await api<SearchResult>(
          "GET",
          "/api/v1/search" + qs({ query: "東京", namespace: "fts" }),
        );
        assert.deepEqual(ids(cjk.body.memories), [tokyo.id]);
        const ar = await api<RecallResult>(
          "GET",
          "/api/v1/recall" + qs({ context: "مرحبا", namespace: "fts" }),
        );
        assert.deepEqual(ids(ar.body.memories), [tokyo.id]);
      });

      await t.step("a 10 KB query answers 200 on GET and POST", async () => {
        const words = Array.from({ length: 2000 }, (_, i) => `w${i}x`).join(" ");
        const big = (words + " cafe").slice(-10_240);
        assert.equal(big.length, 10_240);
        const p = await api<RecallResult>("POST", "/api/v1/recall", { json: { context: big } });
        assert.equal(p.status, 200, JSON.stringify(p.body).slice(0, 300));
        const g = await api<RecallResult>("GET", "/api/v1/recall" + qs({ context: big }));
        assert.equal(g.status, 200, JSON.stringify(g.body).slice(0, 300));
        const s = await api<SearchResult>("GET", "/api/v1/search" + qs({ query: big }));
        assert.equal(s.status, 200, JSON.stringify(s.body).slice(0, 300));
        assert.equal(s.body.count, 0, "no memory has every word");
      });

      const health = await api<{ status: string }>("GET", "/api/v1/health");
      assert.equal(health.body.status, "ok", "the server is still up");
    });

    await t.step(
      "GET /metrics counts calls, errors and latency per operation in Prometheus text",
      async () => {
        const first = await metrics();
        assert.match(first.type ?? "", /^text\/plain; version=0\.0\.4/);
        for (
          const [name, type] of [["calls_total", "counter"], ["errors_total", "counter"], [
            "duration_seconds",
            "histogram",
          ]]
        ) {
          assert.ok(
            first.text.includes(`# TYPE ai_memory_operation_${name} ${type}\n`),
            `TYPE line for ${name}`,
          );
        }
        const m0 = parseMetrics(first.text);
        // A known batch of calls: 3 stats, 2 refused stores, 1 get of a missing memory.
        for (let i = 0; i < 3; i++) assert.equal((await api("GET", "/api/v1/stats")).status, 200);
        for (let i = 0; i < 2; i++) {
          assert.equal((await store({ title: "x", content: "y", priority: 0 })).status, 400);
        }
        assert.equal((await api("GET", "/api/v1/memories/ffffffff-0000-4000-8000-000000000000")).status, 404);
        const second = await metrics("/api/v1/metrics");
        assert.match(second.type ?? "", /^text\/plain; version=0\.0\.4/);
        const m1 = parseMetrics(second.text);

        const calls = (m: Map<string, number>, op: string) =>
          m.get(`ai_memory_operation_calls_total{op="${op}"}`) ?? 0;
        const errors = (m: Map<string, number>, op: string, code: string) =>
          m.get(`ai_memory_operation_errors_total{op="${op}",code="${code}"}`) ?? 0;
        assert.equal(calls(m1, "memory_stats") - calls(m0, "memory_stats"), 3);
        assert.equal(calls(m1, "memory_store") - calls(m0, "memory_store"), 2);
        assert.equal(
          errors(m1, "memory_store", "invalid_input") - errors(m0, "memory_store", "invalid_input"),
          2,
        );
        assert.equal(errors(m1, "memory_get", "not_found") - errors(m0, "memory_get", "not_found"), 1);

        for (const op of ["memory_store", "memory_stats", "memory_get"]) {
          const h = (m: Map<string, number>) =>
            m.get(`ai_memory_operation_duration_seconds_count{op="${op}"}`) ?? 0;
          assert.equal(
            h(m1) - h(m0),
            calls(m1, op) - calls(m0, op),
            `${op} histogram count moves with calls`,
          );
        }

        const ops = CORE_OPERATIONS;
        assert.ok(!second.text.includes('code="internal"'), "no internal errors were recorded");
        for (const op of ops) {
          const total = calls(m1, op);
          let failed = 0;
          for (const [key, value] of m1) {
            if (key.startsWith(`ai_memory_operation_errors_total{op="${op}",`)) {
              failed += value;
            }
          }
          assert.equal(total - failed, successes.get(op) ?? 0, `${op}: successful calls = calls - errors`);
          assert.ok(total >= 1, `${op} was called`);
          const buckets = [...m1].filter(([k]) =>
            k.startsWith(`ai_memory_operation_duration_seconds_bucket{op="${op}",`)
          );
          assert.equal(buckets.length, 13, `${op}: 12 buckets and +Inf`);
          const counts = buckets.map(([, v]) => v);
          for (let i = 1; i < counts.length; i++) {
            assert.ok(counts[i]! >= counts[i - 1]!, `${op} buckets are cumulative`);
          }
          assert.equal(m1.get(`ai_memory_operation_duration_seconds_bucket{op="${op}",le="+Inf"}`), total);
          assert.equal(m1.get(`ai_memory_operation_duration_seconds_count{op="${op}"}`), total);
          const sum = m1.get(`ai_memory_operation_duration_seconds_sum{op="${op}"}`)!;
          assert.ok(
            sum > 0 && sum < total * 2.5,
            `${op}: latency sum ${sum} is plausible for ${total} calls`,
          );
        }
      },
    );
  } finally {
    await server.stop();
  }
});

Deno.test("HTTP: a server started with an invalid --agent-id never stores a memory it cannot read back", async () => {
  const dir = await tempDataDir();
  let server;
  try {
    server = await startServer(`${dir}/agent.db`, ["--agent-id", "bad agent!"]);
  } catch (err) {
    // Refusing to start, naming the agent id, is a correct answer too.
    assert.match(String(err), /agent/i, String(err));
    return;
  }
  useServer(server.url);
  try {
    const r = await store({ title: "Authorless", content: "stored with the server's default agent id" });
    assert.ok(r.status === 201 || r.status === 400, `store answered ${r.status}: ${JSON.stringify(r.body)}`);
    const list = await api<ListResult>("GET", "/api/v1/memories");
    assert.equal(list.status, 200, `the database must stay readable: ${JSON.stringify(list.body)}`);
    assert.equal(list.body.count, r.status === 201 ? 1 : 0);
  } finally {
    await server.stop();
  }
});
