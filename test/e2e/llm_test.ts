// The smart tier's operations on every surface against a fake Ollama endpoint on loopback:
// memory_expand_query, memory_auto_tag, memory_detect_contradiction and memory_consolidate's
// generated summary; malformed answers retried once then reported with nothing stored; slow and
// failing endpoints; no LLM configured; bad input naming the field.
import assert from "node:assert/strict";
import { json, refused } from "../support/cli_assertions.ts";
import { answerByPrompt, jsonAnswer, llmConfig, script, startFakeOllama } from "../support/fake_ollama.ts";
import { assertInvalid, expectStatus } from "../support/http_assertions.ts";
import { httpClient } from "../support/http_client.ts";
import { mcpCalls } from "../support/mcp_calls.ts";
import { connectMcp, runCli, startServer, tempDataDir } from "../support/processes.ts";

interface Memory {
  id: string;
  title: string;
  content: string;
  tags: string[];
  metadata: Record<string, unknown>;
}

Deno.test("LLM operations over MCP: expand, auto-tag, detect, consolidate summary; malformed, slow, failing", async (t) => {
  const fake = startFakeOllama();
  answerByPrompt(fake);
  const dir = await tempDataDir();
  const config = await llmConfig(dir, fake);
  const client = await connectMcp(`${dir}/mcp.db`, ["--config", config], {
    denoFlags: [`--allow-net=127.0.0.1:${fake.port}`],
  });
  const mcp = mcpCalls(client);
  try {
    const store = async (title: string, content: string) =>
      (await mcp.ok<{ id: string }>("memory_store", { title, content, namespace: "team" })).id;
    const a = await store("sky colour", "The sky over the site is blue.");
    const b = await store("sky colour today", "The sky over the site is green.");

    await t.step("memory_expand_query returns the query and the model's terms", async () => {
      const r = await mcp.ok<{ expanded: string[]; terms: string[] }>("memory_expand_query", {
        query: "time off",
      });
      assert.deepEqual(r.expanded, ["time off", "holiday", "vacation", "leave"]);
      assert.equal(fake.requests.at(-1)!.model, "fake-chat:1b");
    });

    await t.step("memory_auto_tag adds normalised tags and keeps them in metadata.auto_tags", async () => {
      const r = await mcp.ok<{ added: string[]; memory: Memory }>("memory_auto_tag", { id: a });
      assert.deepEqual(r.added, ["travel-plans", "budget"]);
      const got = await mcp.ok<{ memory: Memory }>("memory_get", { id: a });
      assert.deepEqual(got.memory.tags, ["travel-plans", "budget"]);
      assert.deepEqual(got.memory.metadata.auto_tags, ["travel-plans", "budget"]);
    });

    await t.step("memory_auto_tag dry_run reports the tags and changes nothing", async () => {
      const r = await mcp.ok<{ dry_run: boolean; memory?: Memory }>("memory_auto_tag", {
        id: b,
        dry_run: true,
      });
      assert.equal(r.dry_run, true);
      assert.equal(r.memory, undefined);
      assert.deepEqual((await mcp.ok<{ memory: Memory }>("memory_get", { id: b })).memory.tags, []);
    });

    await t.step("memory_detect_contradiction gives the model's verdict and writes nothing", async () => {
      const r = await mcp.ok<{ contradicts: boolean; linked: boolean }>("memory_detect_contradiction", {
        id_a: a,
        id_b: b,
      });
      assert.equal(r.contradicts, true);
      assert.equal(r.linked, false);
    });

    await t.step("a malformed answer is asked again once and then succeeds", async () => {
      script(fake, "/api/chat", { content: "not json at all" });
      const before = fake.requests.length;
      const r = await mcp.ok<{ terms: string[] }>("memory_expand_query", { query: "time off" });
      assert.equal(r.terms.length, 3);
      assert.equal(fake.requests.length - before, 2);
    });

    await t.step(
      "malformed twice (bad JSON body, wrong shape) is reported and nothing is stored",
      async () => {
        script(fake, "/api/chat", { rawBody: "{not json" }, jsonAnswer({ tags: "one string" }));
        const before = fake.requests.length;
        await mcp.fails("memory_auto_tag", { id: b }, {
          mentions: ["malformed", "twice", "nothing was stored"],
        });
        assert.equal(fake.requests.length - before, 2);
        assert.deepEqual((await mcp.ok<{ memory: Memory }>("memory_get", { id: b })).memory.tags, []);
      },
    );

    await t.step("a slow endpoint fails with a timeout naming llm.timeoutMs", async () => {
      script(fake, "/api/chat", { delayMs: 1500, content: "{}" });
      await mcp.fails("memory_expand_query", { query: "slow" }, {
        mentions: ["did not answer", "llm.timeoutMs"],
      });
    });

    await t.step("a failing endpoint is a clear error naming the HTTP status", async () => {
      script(fake, "/api/chat", { status: 500 });
      await mcp.fails("memory_detect_contradiction", { id_a: a, id_b: b }, { mentions: ["HTTP 500"] });
    });

    await t.step("memory_consolidate without a summary stores the model's summary", async () => {
      const r = await mcp.ok<{ memory: Memory; archived: unknown[] }>("memory_consolidate", {
        ids: [a, b],
        title: "sky",
        namespace: "team",
      });
      assert.equal(r.memory.content, "The merged note, written by the model.");
      assert.equal(r.archived.length, 2);
      assert.equal(fake.requests.at(-1)!.path, "/api/generate");
    });

    await t.step("bad input names the field and sends nothing to the model", async () => {
      const before = fake.requests.length;
      await mcp.fails("memory_expand_query", { query: "" }, { mentions: ["query"] });
      await mcp.fails("memory_auto_tag", {}, { mentions: ["id"] });
      assert.equal(fake.requests.length, before);
    });

    await t.step("memory_capabilities reports the LLM and its features", async () => {
      const caps = await mcp.ok<{ llm: { chat_model: string } | null; features: Record<string, boolean> }>(
        "memory_capabilities",
      );
      assert.equal(caps.llm?.chat_model, "fake-chat:1b");
      assert.equal(caps.features.auto_tagging, true);
    });
  } finally {
    await client.close();
    await fake.stop();
  }
});

Deno.test("LLM operations over HTTP: routes, 503 for a failing model, 400 naming the field", async (t) => {
  const fake = startFakeOllama();
  answerByPrompt(fake);
  const dir = await tempDataDir();
  const server = await startServer(`${dir}/http.db`, ["--config", await llmConfig(dir, fake)]);
  const http = httpClient(server.url);
  try {
    const a = await http.created({ title: "door", content: "The door code is blue.", namespace: "ops" });
    const b = await http.created({ title: "door 2", content: "The door code is green.", namespace: "ops" });

    await t.step("POST /api/v1/expand_query, /memories/:id/auto_tag, /contradictions/detect", async () => {
      const e = await http.ok<{ terms: string[] }>("POST", "/api/v1/expand_query", {
        json: { query: "leave" },
      });
      assert.deepEqual(e.terms, ["holiday", "vacation", "leave"].filter((x) => x !== "leave"));
      const tagged = await http.ok<{ memory: Memory }>("POST", `/api/v1/memories/${a.id}/auto_tag`, {
        json: {},
      });
      assert.deepEqual(tagged.memory.tags, ["travel-plans", "budget"]);
      const d = await http.ok<{ contradicts: boolean }>("POST", "/api/v1/contradictions/detect", {
        json: { id_a: a.id, id_b: b.id },
      });
      assert.equal(d.contradicts, true);
    });

    await t.step("a failing model is 503 unavailable and the memory is unchanged", async () => {
      script(fake, "/api/chat", { status: 500 });
      const reply = await http.api("POST", `/api/v1/memories/${b.id}/auto_tag`, { json: {} });
      const body = expectStatus(reply, { status: 503 });
      assert.equal(body.error.code, "unavailable");
      const got = await http.ok<{ memory: Memory }>("GET", `/api/v1/memories/${b.id}`);
      assert.deepEqual(got.memory.tags, []);
    });

    await t.step("bad input is a 400 naming the field", async () => {
      assertInvalid(await http.api("POST", "/api/v1/expand_query", { json: { query: 7 } }), "query");
      assertInvalid(
        await http.api("POST", "/api/v1/consolidate", { json: { ids: [a.id], title: "x" } }),
        "ids",
      );
    });

    await t.step("POST /api/v1/consolidate without summary stores the generated one", async () => {
      const r = await http.ok<{ memory: Memory }>("POST", "/api/v1/consolidate", {
        status: 201,
        json: { ids: [a.id, b.id], title: "door codes", namespace: "ops" },
      });
      assert.equal(r.memory.content, "The merged note, written by the model.");
    });
  } finally {
    await server.stop();
    await fake.stop();
  }
});

Deno.test("LLM operations on the CLI; without an LLM they refuse naming the reason", async (t) => {
  const fake = startFakeOllama();
  answerByPrompt(fake);
  const dir = await tempDataDir();
  const db = `${dir}/cli.db`;
  const config = await llmConfig(dir, fake);
  const cli = (args: string[], withLlm = true) =>
    runCli(["--db", db, ...(withLlm ? ["--config", config] : []), "--json", ...args]);
  try {
    const a = json<{ id: string }>(
      await cli(["store", "-T", "plan", "-c", "The launch is on Monday."]),
      "store",
    );
    const b = json<{ id: string }>(
      await cli(["store", "-T", "plan b", "-c", "The launch is on Friday."]),
      "store",
    );

    await t.step("expand-query, auto-tag, detect-contradiction, consolidate print JSON", async () => {
      const e = json<{ terms: string[] }>(await cli(["expand-query", "time off"]), "expand-query");
      assert.equal(e.terms.length, 3);
      const tagged = json<{ added: string[] }>(await cli(["auto-tag", a.id]), "auto-tag");
      assert.deepEqual(tagged.added, ["travel-plans", "budget"]);
      const d = json<{ contradicts: boolean }>(await cli(["detect-contradiction", a.id, b.id]), "detect");
      assert.equal(d.contradicts, false);
    });

    await t.step("doctor reports that the endpoint answers and has the chat model", async () => {
      const r = await cli(["doctor"]);
      const report = JSON.parse(r.stdout) as {
        llm: { ok: boolean; missing_models: string[]; endpoint: string };
      };
      assert.equal(report.llm.ok, true, r.stdout);
      assert.deepEqual(report.llm.missing_models, []);
      assert.equal(report.llm.endpoint, `127.0.0.1:${fake.port}`);
      assert.ok(fake.requests.some((x) => x.path === "/api/tags"));
    });

    await t.step("without an LLM configured: exit 2 naming the field and the missing LLM", async () => {
      refused(await cli(["expand-query", "x"], false), "expand-query", { mentions: ["query", "local LLM"] });
      refused(await cli(["consolidate", "--ids", `${a.id},${b.id}`, "-T", "x"], false), "consolidate", {
        mentions: ["summary", "local LLM"],
      });
    });

    await t.step("bad input: exit 2 and stderr naming the field", async () => {
      const before = fake.requests.length;
      refused(await cli(["detect-contradiction", a.id, a.id]), "same ids", { mentions: ["id_b"] });
      assert.equal(fake.requests.length, before, "nothing was sent to the model");
    });

    await t.step("a slow endpoint: exit 1 with the timeout", async () => {
      script(fake, "/api/chat", { delayMs: 1500, content: "{}" });
      refused(await cli(["expand-query", "x"]), "slow", { code: 1, mentions: ["timeout", "800 ms"] });
    });
  } finally {
    await fake.stop();
  }
});
