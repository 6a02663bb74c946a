// The semantic tier through the real servers: with the fixture models over MCP stdio and HTTP
// (background embedding, hybrid and reranked recall, check_duplicate, the namespace and soft-delete
// filters), a keyword-tier server refusing semantic requests on all three surfaces, a configured
// tier that cannot run refusing to start, and the vector index across a clean stop and a kill -9.
// The fixture models have random weights: nothing here relies on what a text means, only on equal
// texts (or equally long runs of unknown words) getting equal vectors.
import assert from "node:assert/strict";
import { json, refused } from "../support/cli_assertions.ts";
import { assertInvalid } from "../support/http_assertions.ts";
import { httpClient } from "../support/http_client.ts";
import { ids, sameSet } from "../support/id_sets.ts";
import type { Client } from "../support/mcp_client.ts";
import { mcpCalls } from "../support/mcp_calls.ts";
import {
  copyFixtureModels,
  type DoctorReport,
  type DuplicateCheck,
  FIXTURE_EMBEDDER,
  FIXTURE_RERANKER,
  flipByte,
  startKillableServer,
  unknownWords,
  untilEmbedded,
} from "../support/model_fixtures.ts";
import { connectMcp, runCli, startServer, tempDataDir } from "../support/processes.ts";
import type {
  Capabilities,
  ListResult,
  Memory,
  RecallResult,
  Stats,
  StoreResult,
} from "../support/results.ts";
import { sha256File } from "../support/sha256.ts";

/** One server as the semantic scenario drives it. */
interface SemanticSurface {
  capabilities(): Promise<Capabilities>;
  store(fields: { title: string; content: string; namespace?: string }): Promise<Memory>;
  /** memory_store with every field given (e.g. merge_threshold), answering the whole result. */
  storeResult(fields: Record<string, unknown>): Promise<StoreResult>;
  remove(id: string): Promise<void>;
  recall(args: Record<string, unknown>): Promise<RecallResult>;
  checkDuplicate(args: Record<string, unknown>): Promise<DuplicateCheck>;
  /** A check_duplicate that must be refused as invalid input naming `field`. */
  refusedCheck(args: Record<string, unknown>, field: string): Promise<void>;
}

function overMcp(client: Client): SemanticSurface {
  const mcp = mcpCalls(client);
  return {
    capabilities: () => mcp.ok<Capabilities>("memory_capabilities"),
    store: async (fields) => (await mcp.ok<StoreResult>("memory_store", fields)).memory,
    storeResult: (fields) => mcp.ok<StoreResult>("memory_store", fields),
    remove: async (id) => void await mcp.ok("memory_delete", { id }),
    recall: (args) => mcp.ok<RecallResult>("memory_recall", args),
    checkDuplicate: (args) => mcp.ok<DuplicateCheck>("memory_check_duplicate", args),
    refusedCheck: async (args, field) =>
      void await mcp.fails("memory_check_duplicate", args, { mentions: [`${field}:`] }),
  };
}

function overHttp(url: string): SemanticSurface {
  const http = httpClient(url);
  return {
    capabilities: () => http.ok<Capabilities>("GET", "/api/v1/capabilities"),
    store: (fields) => http.created(fields),
    storeResult: (fields) => http.ok<StoreResult>("POST", "/api/v1/memories", { json: fields, status: 201 }),
    remove: async (id) => void await http.ok("DELETE", `/api/v1/memories/${id}`),
    recall: (args) => http.ok<RecallResult>("POST", "/api/v1/recall", { json: args }),
    checkDuplicate: (args) => http.ok<DuplicateCheck>("POST", "/api/v1/check_duplicate", { json: args }),
    refusedCheck: async (args, field) =>
      assertInvalid(await http.api("POST", "/api/v1/check_duplicate", { json: args }), field),
  };
}

/** The config file an MCP server needs to find `modelsDir` (connectMcp passes no environment). */
async function modelsConfig(dir: string, modelsDir: string): Promise<string> {
  const path = `${dir}/config-${crypto.randomUUID().slice(0, 8)}.json`;
  await Deno.writeTextFile(path, JSON.stringify({ modelsDir }));
  return path;
}

// Unknown-word texts (see unknownWords): stored memories use ideographs from 0x4e00, queries from
// 0x5000, so keyword search never matches while equally long texts share one vector.
const TWIN = { title: unknownWords(2, 0x4e00), content: unknownWords(2, 0x4e02), namespace: "sem/main" };
const TWIN_ELSEWHERE = {
  title: unknownWords(2, 0x4e10),
  content: unknownWords(2, 0x4e12),
  namespace: "sem/other",
};
const DELETED = { title: unknownWords(3, 0x4e20), content: unknownWords(3, 0x4e23), namespace: "sem/main" };
const QUERY_OF_FOUR = unknownWords(4, 0x5000);
const QUERY_OF_SIX = unknownWords(6, 0x5000);
const DEPLOY = {
  title: "Deploy pipeline",
  content: "Blue green releases run every Tuesday",
  namespace: "sem/main",
};
const COFFEE = {
  title: "Coffee machine",
  content: "The espresso grinder needs descaling monthly",
  namespace: "sem/main",
};

async function semanticScenario(t: Deno.TestContext, surface: SemanticSurface): Promise<void> {
  const stored: Record<string, Memory> = {};

  await t.step("capabilities report the smart tier with both fixture models", async () => {
    const caps = await surface.capabilities();
    assert.equal(caps.tier, "smart");
    assert.deepEqual(caps.recall_modes, ["keyword", "hybrid", "hybrid+rerank"]);
    assert.deepEqual(caps.unavailable, []);
    assert.deepEqual(caps.models, { embedder: FIXTURE_EMBEDDER, reranker: FIXTURE_RERANKER, llm: null });
    assert.equal(caps.features.semantic_recall, true);
    assert.equal(caps.features.cross_encoder_rerank, true);
    assert.equal(caps.features.check_duplicate, true);
  });

  await t.step(
    "stored memories get vectors in the background, then one is soft-deleted",
    async () => {
      for (const [name, fields] of Object.entries({ DEPLOY, COFFEE, TWIN, TWIN_ELSEWHERE, DELETED })) {
        stored[name] = await surface.store(fields);
      }
      const queue = await untilEmbedded(async () => (await surface.capabilities()).embeddings, {
        vectors: 5,
      });
      assert.deepEqual(queue, { vectors: 5, pending: 0, index: "ready" });
      await surface.remove(stored.DELETED!.id);
    },
  );

  await t.step("a query sharing no word finds nothing by keyword and its vector twin by hybrid", async () => {
    const keyword = await surface.recall({ context: QUERY_OF_FOUR, mode: "keyword" });
    assert.equal(keyword.mode, "keyword");
    assert.equal(keyword.count, 0);
    const hybrid = await surface.recall({ context: QUERY_OF_FOUR, mode: "hybrid" });
    assert.equal(hybrid.mode, "hybrid");
    assert.ok(
      ids(hybrid.memories).includes(stored.TWIN!.id),
      `twin in ${JSON.stringify(ids(hybrid.memories))}`,
    );
    assert.ok(ids(hybrid.memories).includes(stored.TWIN_ELSEWHERE!.id), "without a namespace, both twins");
  });

  await t.step("hybrid recall with a namespace never returns a sibling namespace's memory", async () => {
    const hybrid = await surface.recall({ context: QUERY_OF_FOUR, mode: "hybrid", namespace: "sem/main" });
    assert.equal(hybrid.mode, "hybrid");
    assert.ok(ids(hybrid.memories).includes(stored.TWIN!.id));
    assert.ok(!ids(hybrid.memories).includes(stored.TWIN_ELSEWHERE!.id));
    for (const m of hybrid.memories) assert.ok(["sem/main", "sem"].includes(m.namespace), m.namespace);
  });

  await t.step(
    "read as another namespace, hybrid recall and check_duplicate skip what its scope hides",
    async () => {
      const asOther = await surface.recall({ context: QUERY_OF_FOUR, mode: "hybrid", as_agent: "sem/other" });
      assert.ok(!ids(asOther.memories).includes(stored.TWIN!.id), "a private memory of sem/main");
      assert.ok(ids(asOther.memories).includes(stored.TWIN_ELSEWHERE!.id));
      const check = await surface.checkDuplicate({
        title: TWIN.title,
        content: TWIN.content,
        as_agent: "sem/other",
      });
      assert.equal(check.nearest?.id, stored.TWIN_ELSEWHERE!.id, "the same vector, but the visible memory");
    },
  );

  await t.step(
    "a soft-deleted memory never appears in hybrid recall, even as the exact vector match",
    async () => {
      const hybrid = await surface.recall({ context: QUERY_OF_SIX, mode: "hybrid", limit: 50 });
      assert.equal(hybrid.mode, "hybrid");
      assert.ok(!ids(hybrid.memories).includes(stored.DELETED!.id));
      assert.ok(ids(hybrid.memories).includes(stored.TWIN!.id), "the live near neighbour is still found");
    },
  );

  await t.step("hybrid+rerank answers in that mode and reorders the same memories", async () => {
    const hybrid = await surface.recall({ context: QUERY_OF_FOUR, mode: "hybrid", limit: 50 });
    const reranked = await surface.recall({ context: QUERY_OF_FOUR, mode: "hybrid+rerank", limit: 50 });
    assert.equal(reranked.mode, "hybrid+rerank");
    sameSet(ids(reranked.memories), ids(hybrid.memories), { what: "rerank adds or drops nothing" });
    const byDefault = await surface.recall({ context: QUERY_OF_FOUR });
    assert.equal(byDefault.mode, "hybrid+rerank", "the default is the best mode the server runs");
  });

  await t.step("check_duplicate: the exact text of a memory is its duplicate, similarity 1", async () => {
    const check = await surface.checkDuplicate({ title: DEPLOY.title, content: DEPLOY.content });
    assert.equal(check.is_duplicate, true);
    assert.equal(check.threshold, 0.85);
    assert.equal(check.nearest?.id, stored.DEPLOY!.id);
    assert.equal(check.nearest?.title, DEPLOY.title);
    assert.equal(check.nearest?.namespace, "sem/main");
    assert.ok(
      check.nearest!.similarity > 0.9999 && check.nearest!.similarity <= 1,
      `${check.nearest!.similarity}`,
    );
    assert.equal(check.suggested_merge, stored.DEPLOY!.id);
    assert.equal(check.pending, 0);
    assert.ok(check.candidates_scanned >= 4, `scanned ${check.candidates_scanned}`);
  });

  await t.step("check_duplicate: another text is no duplicate at threshold 0.99", async () => {
    const check = await surface.checkDuplicate({
      title: "Quarterly budget",
      content: "Finance approved the hardware spend",
      threshold: 0.99,
    });
    assert.equal(check.is_duplicate, false);
    assert.equal(check.threshold, 0.99);
    assert.ok(check.nearest !== null && check.nearest.similarity < 0.99, JSON.stringify(check.nearest));
    assert.equal(check.suggested_merge, undefined);
  });

  await t.step("check_duplicate skips soft-deleted memories and honours its namespace", async () => {
    const deleted = await surface.checkDuplicate(DELETED);
    assert.notEqual(deleted.nearest?.id, stored.DELETED!.id);
    assert.equal(deleted.is_duplicate, true, "its equally long twin is near enough");
    const inMain = await surface.checkDuplicate({ ...TWIN_ELSEWHERE, namespace: "sem/main" });
    assert.equal(inMain.nearest?.id, stored.TWIN!.id, "the same vector, but in the asked namespace");
    assert.equal(inMain.nearest?.namespace, "sem/main");
  });

  await t.step("check_duplicate refuses a threshold outside 0.5..1, naming it", async () => {
    await surface.refusedCheck({ ...DEPLOY, threshold: 1.5 }, "threshold");
    await surface.refusedCheck({ ...DEPLOY, threshold: 0.2 }, "threshold");
  });

  await t.step("store with merge_threshold and no near duplicate creates a new memory", async () => {
    const out = await surface.storeResult({
      title: "Quarterly budget",
      content: "Finance approved the hardware spend",
      namespace: "sem/main",
      merge_threshold: 0.99,
    });
    assert.equal(out.action, "created");
    assert.equal(out.duplicate, false);
    assert.equal(out.similarity, undefined);
  });

  await t.step(
    "store with merge_threshold updates its near duplicate, keeping that memory's title",
    async () => {
      // Four unknown words, as TWIN: the same vector, so similarity 1 with TWIN (and no shared title).
      const content = unknownWords(2, 0x4e42);
      const out = await surface.storeResult({
        title: unknownWords(2, 0x4e40),
        content,
        namespace: "sem/main",
        merge_threshold: 0.99,
        priority: 9,
      });
      assert.equal(out.action, "merged");
      assert.equal(out.duplicate, true);
      assert.equal(out.id, stored.TWIN!.id);
      assert.equal(out.title, TWIN.title, "the merged memory keeps its title");
      assert.equal(out.memory.content, content, "the new text replaces the old");
      assert.equal(out.memory.priority, 9, "priority keeps the higher value");
      assert.ok(out.similarity! > 0.99, `${out.similarity}`);
    },
  );
}

Deno.test("with the fixture models, MCP and HTTP servers embed in the background and answer hybrid, reranked and duplicate queries", async (t) => {
  const dir = await tempDataDir();
  const modelsDir = await copyFixtureModels(dir);
  const [server, client] = await Promise.all([
    startServer(`${dir}/http.db`, [], { env: { AI_MEMORY_MODELS_DIR: modelsDir } }),
    connectMcp(`${dir}/mcp.db`, ["--config", await modelsConfig(dir, modelsDir)]),
  ]);
  try {
    await t.step("over MCP", (t) => semanticScenario(t, overMcp(client)));
    await t.step("over HTTP", (t) => semanticScenario(t, overHttp(server.url)));
  } finally {
    await client.close();
    await server.stop();
  }
});

Deno.test("a keyword-tier server says why semantic is unavailable and refuses hybrid recall and check_duplicate on every surface, writing nothing", async (t) => {
  const dir = await tempDataDir();
  const db = `${dir}/keyword.db`;
  const absent = `${dir}/no-models`;
  const empty = `${dir}/empty-models`;
  await Deno.mkdir(empty);
  await Deno.writeTextFile(`${empty}/manifest.json`, JSON.stringify({ format: 1, models: [] }));
  const env = { AI_MEMORY_MODELS_DIR: absent };
  const [server, client] = await Promise.all([
    startServer(db, [], { env }),
    connectMcp(db, ["--config", await modelsConfig(dir, empty)]),
  ]);
  const http = httpClient(server.url);
  const mcp = mcpCalls(client);
  const cli = (...args: string[]) => runCli(["--db", db, ...args], { env });
  try {
    await t.step(
      "capabilities: keyword tier, semantic and smart unavailable for want of a manifest embedder",
      async () => {
        for (
          const caps of [
            await http.ok<Capabilities>("GET", "/api/v1/capabilities"),
            await mcp.ok<Capabilities>("memory_capabilities"),
          ]
        ) {
          assert.equal(caps.tier, "keyword");
          assert.deepEqual(caps.recall_modes, ["keyword"]);
          assert.deepEqual(caps.unavailable.map((u) => u.tier), ["semantic", "smart"]);
          for (const u of caps.unavailable) assert.match(u.reason, /manifest/);
          assert.deepEqual(caps.models, { embedder: null, reranker: null, llm: null });
          assert.equal(caps.features.semantic_recall, false);
          assert.equal(caps.features.check_duplicate, false);
        }
      },
    );

    await http.created({ title: "Kite lines", content: "rigged with a larkshead knot" });
    await http.created({ title: "Harbour tides", content: "spring tides peak after the full moon" });
    const before = {
      list: await http.ok<ListResult>("GET", "/api/v1/memories"),
      stats: await http.ok<Stats>("GET", "/api/v1/stats"),
    };

    await t.step("store with merge_threshold is invalid input naming merge_threshold", async () => {
      assertInvalid(
        await http.api("POST", "/api/v1/memories", {
          json: { title: "Merged?", content: "no embedder here", merge_threshold: 0.9 },
        }),
        "merge_threshold",
      );
      await mcp.fails("memory_store", { title: "Merged?", content: "no embedder", merge_threshold: 0.9 }, {
        mentions: ["merge_threshold:"],
      });
    });

    await t.step(
      "recall in a semantic mode is invalid input naming mode (MCP isError, HTTP 400, CLI exit 2)",
      async () => {
        for (const mode of ["hybrid", "hybrid+rerank"]) {
          await mcp.fails("memory_recall", { context: "kite", mode }, {
            mentions: ["mode:", "keyword tier"],
          });
          assertInvalid(
            await http.api("GET", `/api/v1/recall?context=kite&mode=${encodeURIComponent(mode)}`),
            "mode",
            {
              mentions: ["keyword tier"],
            },
          );
          assertInvalid(
            await http.api("POST", "/api/v1/recall", { json: { context: "kite", mode } }),
            "mode",
          );
          refused(await cli("recall", "kite", "--mode", mode), `recall --mode ${mode}`, {
            mentions: ["mode:", "keyword tier"],
          });
        }
      },
    );

    await t.step(
      "check_duplicate is invalid input naming title, saying it needs an embedding model",
      async () => {
        const draft = { title: "Kite lines", content: "rigged with a larkshead knot" };
        await mcp.fails("memory_check_duplicate", draft, {
          mentions: ["title:", "needs an embedding model"],
        });
        assertInvalid(await http.api("POST", "/api/v1/check_duplicate", { json: draft }), "title", {
          mentions: ["needs an embedding model"],
        });
        refused(await cli("check-duplicate", "-T", draft.title, "-c", draft.content), "check-duplicate", {
          mentions: ["title:", "needs an embedding model"],
        });
      },
    );

    await t.step("the database is exactly as before the refused requests", async () => {
      assert.deepEqual(await http.ok<ListResult>("GET", "/api/v1/memories"), before.list);
      assert.deepEqual(await http.ok<Stats>("GET", "/api/v1/stats"), before.stats);
    });

    await t.step("recall without a mode answers in the keyword mode", async () => {
      const keyword = await mcp.ok<RecallResult>("memory_recall", { context: "kite" });
      assert.equal(keyword.mode, "keyword");
      assert.deepEqual(keyword.memories.map((m) => m.title), ["Kite lines"]);
    });
  } finally {
    await client.close();
    await server.stop();
  }
});

Deno.test("a configured tier whose models are missing or altered refuses to start; an unconfigured one falls back and says why", async (t) => {
  const dir = await tempDataDir();
  const db = `${dir}/tiers.db`;
  const tampered = await copyFixtureModels(`${dir}/tampered-embedder`);
  await flipByte(`${tampered}/tiny-embedder/onnx/model.onnx`);
  const badReranker = await copyFixtureModels(`${dir}/tampered-reranker`);
  await flipByte(`${badReranker}/tiny-reranker/onnx/model.onnx`);

  await t.step("serve with AI_MEMORY_TIER=semantic and no embedder exits before listening", async () => {
    await assert.rejects(
      startServer(db, [], { env: { AI_MEMORY_TIER: "semantic", AI_MEMORY_MODELS_DIR: `${dir}/absent` } }),
      /The semantic tier cannot start: no embedder is listed in the model manifest/,
    );
  });

  await t.step(
    "mcp --tier semantic with a tampered embedder names the file and the sha256 mismatch",
    async () => {
      const r = await runCli(["mcp", "--tier", "semantic", "--db", db], {
        env: { AI_MEMORY_MODELS_DIR: tampered },
      });
      refused(r, "mcp --tier semantic", {
        code: 1,
        mentions: ["The semantic tier cannot start", "tiny-embedder/onnx/model.onnx", "sha256 mismatch"],
      });
      await assert.rejects(
        connectMcp(db, ["--tier", "semantic", "--config", await modelsConfig(dir, tampered)]),
        "the MCP server under its own permission set does not come up either",
      );
    },
  );

  await t.step("mcp --tier smart with a tampered reranker names the reranker file", async () => {
    const r = await runCli(["mcp", "--tier", "smart", "--db", db], {
      env: { AI_MEMORY_MODELS_DIR: badReranker },
    });
    refused(r, "mcp --tier smart", {
      code: 1,
      mentions: ["The smart tier cannot start", "tiny-reranker/onnx/model.onnx", "sha256 mismatch"],
    });
  });

  await t.step(
    "with no tier configured, a tampered embedder leaves the server in the keyword tier, saying why",
    async () => {
      const server = await startServer(db, [], { env: { AI_MEMORY_MODELS_DIR: tampered } });
      try {
        const caps = await httpClient(server.url).ok<Capabilities>("GET", "/api/v1/capabilities");
        assert.equal(caps.tier, "keyword");
        assert.deepEqual(caps.unavailable.map((u) => u.tier), ["semantic", "smart"]);
        for (const u of caps.unavailable) {
          assert.match(u.reason, /tiny-embedder\/onnx\/model\.onnx sha256 mismatch/);
        }
        assert.equal(caps.models.embedder, null);
      } finally {
        await server.stop();
      }
    },
  );

  await t.step("with no tier configured, a tampered reranker leaves the semantic tier running", async () => {
    const caps = json<Capabilities>(
      await runCli(["--db", db, "--json", "capabilities"], { env: { AI_MEMORY_MODELS_DIR: badReranker } }),
      "capabilities",
    );
    assert.equal(caps.tier, "semantic");
    assert.deepEqual(caps.recall_modes, ["keyword", "hybrid"]);
    assert.equal(caps.unavailable.length, 1);
    assert.equal(caps.unavailable[0]!.tier, "smart");
    assert.match(caps.unavailable[0]!.reason, /tiny-reranker\/onnx\/model\.onnx sha256 mismatch/);
    assert.deepEqual(caps.models, { embedder: FIXTURE_EMBEDDER, reranker: null, llm: null });
  });
});

Deno.test("the vector index is saved beside the database at a clean stop, and after a kill -9 the restarted server catches up from the database", async (t) => {
  const dir = await tempDataDir();
  const db = `${dir}/persist.db`;
  const indexFile = `${db}.vectors`;
  const env = { AI_MEMORY_MODELS_DIR: await copyFixtureModels(dir) };
  const doctor = async () =>
    json<DoctorReport>(await runCli(["--db", db, "--json", "doctor"], { env }), "doctor");
  const queueOf = (url: string) => async () =>
    (await httpClient(url).ok<Capabilities>("GET", "/api/v1/capabilities")).embeddings;
  const later: Memory[] = [];
  let savedDigest = "";

  await t.step("50 memories embedded, then a clean stop writes <db>.vectors", async () => {
    const server = await startServer(db, [], { env });
    try {
      const http = httpClient(server.url);
      for (let i = 0; i < 50; i++) {
        await http.created({ title: `Field note ${i}`, content: `Observation ${i} from the survey log` });
      }
      assert.deepEqual(await untilEmbedded(queueOf(server.url), { vectors: 50 }), {
        vectors: 50,
        pending: 0,
        index: "ready",
      });
    } finally {
      await server.stop();
    }
    const stat = await Deno.stat(indexFile);
    assert.ok(stat.isFile && stat.size > 50 * 64 * 4, `index file of ${stat.size} bytes holds 50 vectors`);
    savedDigest = await sha256File(indexFile);
  });

  await t.step("doctor opens the saved index from its file with all 50 entries", async () => {
    const report = await doctor();
    assert.equal(report.ok, true);
    assert.deepEqual(report.embeddings, { vectors: 50, pending: 0, failing: 0, other_model: 0 });
    assert.deepEqual(report.vector_index, {
      file: indexFile,
      file_bytes: (await Deno.stat(indexFile)).size,
      entries: 50,
      opened_from: "file",
    });
  });

  await t.step(
    "a restarted server has the 50 vectors; it embeds 6 more and is killed with SIGKILL",
    async () => {
      const server = await startKillableServer(db, { env });
      try {
        const queue = await queueOf(server.url)();
        assert.deepEqual({ vectors: queue.vectors, pending: queue.pending }, { vectors: 50, pending: 0 });
        const http = httpClient(server.url);
        for (let i = 0; i < 5; i++) {
          later.push(
            await http.created({ title: `Late entry ${i}`, content: `Written before the crash, item ${i}` }),
          );
        }
        later.push(await http.created({ title: unknownWords(3, 0x4e40), content: unknownWords(4, 0x4e43) }));
        // Nothing left queued, so the kill interrupts no lease (see the report on lease recovery).
        assert.deepEqual(await untilEmbedded(queueOf(server.url), { vectors: 56 }), {
          vectors: 56,
          pending: 0,
          index: "ready",
        });
      } finally {
        assert.equal((await server.kill("SIGKILL")).signal, "SIGKILL");
      }
      assert.equal(
        await sha256File(indexFile),
        savedDigest,
        "the killed server never rewrote the index file",
      );
    },
  );

  await t.step("while no server runs, the CLI stores 3 more, which wait in the queue", async () => {
    const cli = async (title: string, content: string) =>
      json<StoreResult>(
        await runCli(["--db", db, "--json", "store", "-T", title, "-c", content], { env }),
        "store",
      );
    for (let i = 0; i < 2; i++) {
      later.push((await cli(`Offline entry ${i}`, `Stored while the server was down ${i}`)).memory);
    }
    later.push((await cli(unknownWords(4, 0x4e50), unknownWords(4, 0x4e54))).memory);
    const report = await doctor();
    assert.deepEqual(report.embeddings, { vectors: 56, pending: 3, failing: 0, other_model: 0 });
    assert.equal(report.vector_index.opened_from, "file", "the stale file is still this database's");
    assert.equal(report.vector_index.entries, 56, "opening caught up with the 6 vectors the file lacks");
  });

  await t.step(
    "restarted, the server embeds the queue and finds every later memory by its vector",
    async () => {
      const server = await startServer(db, [], { env });
      try {
        assert.deepEqual(await untilEmbedded(queueOf(server.url), { vectors: 59 }), {
          vectors: 59,
          pending: 0,
          index: "ready",
        });
        const http = httpClient(server.url);
        for (const memory of later) {
          const check = await http.ok<DuplicateCheck>("POST", "/api/v1/check_duplicate", {
            json: { title: memory.title, content: memory.content },
          });
          assert.equal(check.nearest?.id, memory.id, `${memory.title} is its own nearest neighbour`);
          assert.ok(check.nearest!.similarity > 0.9999);
        }
        for (const [words, memory] of [[7, later[5]!], [8, later[8]!]] as const) {
          const context = unknownWords(words, 0x5000);
          const keyword = await http.ok<RecallResult>("POST", "/api/v1/recall", {
            json: { context, mode: "keyword" },
          });
          assert.equal(keyword.count, 0);
          const hybrid = await http.ok<RecallResult>("POST", "/api/v1/recall", {
            json: { context, mode: "hybrid" },
          });
          assert.ok(ids(hybrid.memories).includes(memory.id), `hybrid recall of ${words} unknown words`);
        }
      } finally {
        await server.stop();
      }
      const report = await doctor();
      assert.equal(report.vector_index.opened_from, "file");
      assert.equal(report.vector_index.entries, 59);
      assert.notEqual(await sha256File(indexFile), savedDigest, "the clean stop saved the caught-up index");
    },
  );
});
