import assert from "node:assert/strict";
import { resolveConfig } from "../core/config.ts";
import { MemoryError } from "../core/errors.ts";
import { EMBED_DIMENSIONS, startFakeOllama } from "../../test/support/fake_ollama.ts";
import { loadOllamaEmbedder } from "./ollama_embedder.ts";
import { loadModelSet } from "./model_set.ts";

function configFor(url: string, extra: Record<string, unknown> = {}) {
  return resolveConfig({
    file: {
      llm: { url, chatModel: "fake-chat:1b", embedModel: "fake-embed:1", timeoutMs: 2000 },
      embedder: "ollama",
      modelsDir: "data/absent-models",
      ...extra,
    },
  });
}

Deno.test("the Ollama embedder learns its width from a probe and answers unit vectors named ollama:<model>", async () => {
  const fake = startFakeOllama();
  try {
    const embedder = await loadOllamaEmbedder(configFor(fake.url));
    assert.equal(embedder.model, "ollama:fake-embed:1");
    assert.equal(embedder.dimensions, EMBED_DIMENSIONS);
    const [a, b, c] = await embedder.embed(["the blue sky", "The blue sky", "lunch menu today"]);
    const norm = Math.hypot(...a!);
    assert.ok(Math.abs(norm - 1) < 1e-6, `norm ${norm}`);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.deepEqual(await embedder.embed([]), []);
    assert.equal(fake.requests.at(-1)!.body.model, "fake-embed:1");
  } finally {
    await fake.stop();
  }
});

Deno.test("the Ollama embedder refuses a vector of the wrong width, a non-finite or an all-zero one", async () => {
  const fake = startFakeOllama();
  try {
    const embedder = await loadOllamaEmbedder(configFor(fake.url));
    const bad = async (rawBody: string, pattern: RegExp) => {
      fake.queue.set("/api/embed", [{ rawBody }]);
      await assert.rejects(embedder.embed(["x"]), (e: unknown) => {
        assert.ok(e instanceof MemoryError);
        assert.equal(e.code, "unavailable");
        assert.match(e.message, pattern);
        return true;
      });
    };
    await bad(
      JSON.stringify({ embeddings: [[1, 2, 3]] }),
      /vector 0 has 3 dimensions, expected 32\); nothing was stored/,
    );
    const wide = new Array(EMBED_DIMENSIONS).fill(1);
    await bad(`{"embeddings":[[1e999${",1".repeat(EMBED_DIMENSIONS - 1)}]]}`, /malformed answer/);
    await bad(JSON.stringify({ embeddings: [wide.map(() => 0)] }), /all zeros/);
    await bad(JSON.stringify({ embeddings: [wide, wide] }), /malformed answer/);
    await bad("not json", /malformed answer/);
  } finally {
    await fake.stop();
  }
});

Deno.test("an Ollama embedder whose endpoint is down leaves the keyword tier saying why, and a configured semantic tier refuses", async () => {
  const fake = startFakeOllama();
  await fake.stop();
  const set = await loadModelSet(configFor(fake.url));
  assert.equal(set.tier, "keyword");
  assert.deepEqual(set.unavailable.map((u) => u.tier), ["semantic", "smart"]);
  assert.match(
    set.unavailable[0]!.reason,
    new RegExp(
      `embedder ollama:fake-embed:1 did not load: Cannot reach the local LLM at 127.0.0.1:${fake.port}`,
    ),
  );
  await assert.rejects(
    loadModelSet(configFor(fake.url, { tier: "semantic" })),
    /The semantic tier cannot start: embedder ollama:fake-embed:1 did not load: Cannot reach/,
  );
});

Deno.test('embedder "ollama" without llm.embedModel is a config error naming embedder', () => {
  assert.throws(
    () => resolveConfig({ file: { embedder: "ollama", llm: { url: "http://127.0.0.1:1", chatModel: "c" } } }),
    (e: unknown) => {
      assert.match(String((e as Error).message), /embedder/);
      assert.match(String((e as Error).message), /llm\.embedModel/);
      return true;
    },
  );
});
