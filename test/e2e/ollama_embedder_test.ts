// The semantic tier on the local LLM endpoint's embeddings (embedder "ollama") through the real
// servers, against the fake endpoint's bag-of-words vectors: hybrid recall and check_duplicate over
// MCP, a malformed answer storing nothing, the index file of that model, an endpoint down at start.
import assert from "node:assert/strict";
import { json, refused } from "../support/cli_assertions.ts";
import { bucketOf, EMBED_DIMENSIONS, type FakeOllama, startFakeOllama } from "../support/fake_ollama.ts";
import { httpClient } from "../support/http_client.ts";
import { ids } from "../support/id_sets.ts";
import { mcpCalls } from "../support/mcp_calls.ts";
import {
  copyFixtureModels,
  type DoctorReport,
  type DuplicateCheck,
  untilEmbedded,
} from "../support/model_fixtures.ts";
import { connectMcp, runCli, startServer, tempDataDir } from "../support/processes.ts";
import type { Capabilities, RecallResult, StoreResult } from "../support/results.ts";

const MODEL = "ollama:fake-embed:1";

/** A config file using the endpoint's embeddings; `extra` is merged in. */
async function ollamaConfig(
  dir: string,
  fake: FakeOllama,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const path = `${dir}/config-${crypto.randomUUID().slice(0, 8)}.json`;
  await Deno.writeTextFile(
    path,
    JSON.stringify({
      llm: { url: fake.url, chatModel: "fake-chat:1b", embedModel: "fake-embed:1", timeoutMs: 2000 },
      embedder: "ollama",
      modelsDir: `${dir}/no-models`,
      ...extra,
    }),
  );
  return path;
}

/**
 * Words sharing no word with `text` whose bag-of-words vector is the same as `text`'s: each word
 * replaced by another falling into the same bucket. Keyword search finds nothing with them.
 */
function bucketTwin(text: string): string {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu)!.map((word, n) => {
    for (let i = 0;; i++) {
      const candidate = `zz${n}q${i}`;
      if (bucketOf(candidate) === bucketOf(word)) return candidate;
    }
  }).join(" ");
}

const DEPLOY = {
  title: "Deploy pipeline",
  content: "Blue green releases run every Tuesday",
  namespace: "emb",
};
const COFFEE = {
  title: "Coffee machine",
  content: "The espresso grinder needs descaling monthly",
  namespace: "emb",
};
const PLANTS = { title: "Office plants", content: "Water the ferns on Friday afternoons", namespace: "emb" };

Deno.test('with embedder "ollama" an MCP server embeds through the endpoint: hybrid recall, check_duplicate, malformed answers store nothing, the index file is that model\'s', async (t) => {
  const fake = startFakeOllama();
  const dir = await tempDataDir();
  const db = `${dir}/ollama.db`;
  const config = await ollamaConfig(dir, fake);
  const client = await connectMcp(db, ["--config", config], {
    denoFlags: [`--allow-net=127.0.0.1:${fake.port}`],
  });
  const mcp = mcpCalls(client);
  const embeddings = async () => (await mcp.ok<Capabilities>("memory_capabilities")).embeddings;
  const stored: Record<string, string> = {};
  let closed = false;
  let vectorsByEndpoint = 0;
  try {
    await t.step(
      "capabilities: the semantic tier on ollama:<embedModel>, smart unavailable saying why",
      async () => {
        const caps = await mcp.ok<Capabilities>("memory_capabilities");
        assert.equal(caps.tier, "semantic");
        assert.deepEqual(caps.recall_modes, ["keyword", "hybrid"]);
        assert.equal(caps.models.embedder, MODEL);
        assert.deepEqual(caps.unavailable.map((u) => u.tier), ["smart"]);
        assert.match(caps.unavailable[0]!.reason, /no reranker is listed in the model manifest/);
        assert.equal(caps.features.check_duplicate, true);
        const probe = fake.requests.find((r) => r.path === "/api/embed");
        assert.equal(probe?.model, "fake-embed:1", "the start-up probe asked the embedding model");
      },
    );

    await t.step("stored memories are embedded in the background by the endpoint", async () => {
      for (const [name, fields] of Object.entries({ DEPLOY, COFFEE, PLANTS })) {
        stored[name] = (await mcp.ok<StoreResult>("memory_store", fields)).memory.id;
      }
      assert.deepEqual(await untilEmbedded(embeddings, { vectors: 3 }), {
        vectors: 3,
        pending: 0,
        index: "ready",
      });
      assert.ok(fake.requests.some((r) => r.path === "/api/embed" && r.prompt.includes("espresso grinder")));
    });

    await t.step("a query sharing no word finds nothing by keyword and its memory by hybrid", async () => {
      const query = bucketTwin(`${COFFEE.title} ${COFFEE.content}`);
      const keyword = await mcp.ok<RecallResult>("memory_recall", { context: query, mode: "keyword" });
      assert.equal(keyword.count, 0);
      const hybrid = await mcp.ok<RecallResult>("memory_recall", { context: query, mode: "hybrid" });
      assert.equal(hybrid.mode, "hybrid");
      assert.equal(ids(hybrid.memories)[0], stored.COFFEE, JSON.stringify(ids(hybrid.memories)));
      assert.equal(fake.requests.at(-1)!.path, "/api/embed", "the query was embedded by the endpoint");
    });

    await t.step("check_duplicate flags an exact copy with similarity 1, and not another text", async () => {
      const copy = await mcp.ok<DuplicateCheck>("memory_check_duplicate", DEPLOY);
      assert.equal(copy.is_duplicate, true);
      assert.equal(copy.nearest?.id, stored.DEPLOY);
      assert.ok(copy.nearest!.similarity > 0.9999, `${copy.nearest!.similarity}`);
      const other = await mcp.ok<DuplicateCheck>("memory_check_duplicate", {
        title: "Quarterly budget",
        content: "Finance approved the hardware spend",
      });
      assert.equal(other.is_duplicate, false);
    });

    await t.step(
      "a malformed /api/embed answer (wrong length) is an error and stores no vector",
      async () => {
        fake.fallback.set(
          "/api/embed",
          (prompt) => ({ embeddings: prompt.split("\n").map(() => [1, 2, 3]) }),
        );
        await mcp.fails("memory_check_duplicate", COFFEE, {
          mentions: ["malformed answer", `3 dimensions, expected ${EMBED_DIMENSIONS}`, "nothing was stored"],
        });
        await mcp.fails("memory_recall", { context: "espresso", mode: "hybrid" }, {
          mentions: ["malformed"],
        });
        const before = fake.requests.length;
        stored.BAD = (await mcp.ok<StoreResult>("memory_store", {
          title: "Parking rules",
          content: "Visitors park on level two",
          namespace: "emb",
        })).memory.id;
        const deadline = Date.now() + 15_000;
        while (
          !fake.requests.slice(before).some((r) => r.path === "/api/embed" && r.prompt.includes("Parking"))
        ) {
          assert.ok(Date.now() < deadline, "the worker never asked the endpoint");
          await new Promise((r) => setTimeout(r, 50));
        }
        await new Promise((r) => setTimeout(r, 300));
        assert.deepEqual(await embeddings(), { vectors: 3, pending: 1, index: "ready" });
        fake.fallback.delete("/api/embed");
      },
    );

    await t.step(
      "the index file beside the database is this model's, and index rebuild uses it",
      async () => {
        await client.close();
        closed = true;
        // The CLI set may reach 127.0.0.1. The memory whose embedding failed is leased for 15 s after
        // the failure; it is embedded here only when that has passed.
        const rebuilt = json<{ model: string; dimensions: number; embedded: number; entries: number }>(
          await runCli(["--db", db, "--config", config, "--json", "index", "rebuild"]),
          "index rebuild",
        );
        assert.deepEqual([rebuilt.model, rebuilt.dimensions], [MODEL, EMBED_DIMENSIONS]);
        assert.equal(rebuilt.entries, 3 + rebuilt.embedded, JSON.stringify(rebuilt));
        vectorsByEndpoint = rebuilt.entries;
        const bytes = await Deno.readFile(`${db}.vectors`);
        const head = new TextDecoder().decode(bytes.subarray(0, 400)).split("\n");
        assert.equal(head[0], "AIMEMVEC1");
        const header = JSON.parse(head[1]!) as { model: string; dimensions: number };
        assert.deepEqual([header.model, header.dimensions], [MODEL, EMBED_DIMENSIONS]);
      },
    );

    await t.step(
      "another embedder on the same database ignores that file and re-queues its vectors",
      async () => {
        const modelsDir = await copyFixtureModels(dir);
        const onnx = `${dir}/onnx.json`;
        await Deno.writeTextFile(onnx, JSON.stringify({ modelsDir }));
        // Exit 1 while a memory's embedding has failed; the report is printed all the same.
        const r = await runCli(["--db", db, "--config", onnx, "--json", "doctor"]);
        const report = JSON.parse(r.stdout) as DoctorReport;
        assert.equal(report.vector_index.opened_from, "rebuilt: the index file is for another model");
        assert.notEqual(report.embedder?.model, MODEL);
        // The endpoint's vectors stay (and are queued again for the new embedder).
        assert.equal(report.embeddings.other_model, vectorsByEndpoint);
      },
    );
  } finally {
    if (!closed) await client.close();
    await fake.stop();
  }
});

Deno.test('with embedder "ollama" and the endpoint down at start, the semantic tier is unavailable saying why; --tier semantic refuses to start', async (t) => {
  const fake = startFakeOllama();
  await fake.stop();
  const dir = await tempDataDir();
  const db = `${dir}/down.db`;
  const config = await ollamaConfig(dir, fake);
  const reason = `embedder ${MODEL} did not load: Cannot reach the local LLM at 127.0.0.1:${fake.port}`;

  await t.step(
    "with no tier configured the server runs the keyword tier and capabilities say why",
    async () => {
      const server = await startServer(db, ["--config", config]);
      try {
        const caps = await httpClient(server.url).ok<Capabilities>("GET", "/api/v1/capabilities");
        assert.equal(caps.tier, "keyword");
        assert.deepEqual(caps.unavailable.map((u) => u.tier), ["semantic", "smart"]);
        for (const u of caps.unavailable) assert.ok(u.reason.includes(reason), u.reason);
        assert.equal(caps.models.embedder, null);
      } finally {
        await server.stop();
      }
    },
  );

  await t.step("serve --tier semantic exits before listening, naming the reason", async () => {
    await assert.rejects(
      startServer(db, ["--config", config, "--tier", "semantic"]),
      (e: Error) => e.message.includes(`The semantic tier cannot start: ${reason}`),
    );
    refused(
      await runCli(["mcp", "--tier", "semantic", "--db", db, "--config", config]),
      "mcp --tier semantic",
      {
        code: 1,
        mentions: ["The semantic tier cannot start", reason],
      },
    );
  });

  await t.step('embedder "ollama" without llm.embedModel is refused naming the field', async () => {
    const bad = `${dir}/bad.json`;
    await Deno.writeTextFile(
      bad,
      JSON.stringify({ embedder: "ollama", llm: { url: fake.url, chatModel: "fake-chat:1b" } }),
    );
    refused(await runCli(["--db", db, "--config", bad, "capabilities"]), "capabilities", {
      mentions: ["config.embedder", "llm.embedModel"],
    });
  });
});
