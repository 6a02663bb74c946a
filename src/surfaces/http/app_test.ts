import assert from "node:assert/strict";
import { z } from "zod";
import { defineOperation, type Deps, type Operation, READ_ONLY } from "../../ops/operation.ts";
import { loadConfig, openDeps } from "../../runtime.ts";
import { createApp } from "./app.ts";
import { tempDataDir } from "../../../test/support/processes.ts";

/** Operations that fail in ways no real operation should: the seams for these tests. */
const failing = [
  defineOperation({
    name: "memory_test_throw",
    title: "Throw",
    description: "Throws a plain Error carrying a path, a stack and a secret.",
    input: z.object({}),
    output: z.object({}),
    annotations: READ_ONLY,
    http: [{ method: "GET", path: "/api/v1/test/throw" }],
    cli: { command: "test-throw" },
    run() {
      throw new TypeError("secret-token-123 at /srv/ai-memory/src/store/sqlite/x.ts:12:3");
    },
  }),
  defineOperation({
    name: "memory_test_slow",
    title: "Slow",
    description: "Answers after 600 ms.",
    input: z.object({}),
    output: z.object({ done: z.boolean() }),
    annotations: READ_ONLY,
    http: [{ method: "GET", path: "/api/v1/test/slow" }],
    cli: { command: "test-slow" },
    async run() {
      await new Promise((resolve) => setTimeout(resolve, 600));
      return { done: true };
    },
  }),
] as unknown as Operation[];

async function withDeps(fn: (deps: Deps) => Promise<void>): Promise<void> {
  const dir = await tempDataDir();
  const deps = await openDeps(loadConfig({ db: `${dir}/a.db`, requestTimeoutMs: 150 }));
  const logged: unknown[] = [];
  deps.log = { debug() {}, info() {}, warn() {}, error: (_msg, fields) => void logged.push(fields) };
  try {
    await fn(deps);
  } finally {
    deps.store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("an unexpected error reaches the client as a JSON 500 with no stack, path or message detail", async () => {
  await withDeps(async (deps) => {
    const app = createApp(deps, { catalog: failing, loopback: true });
    const res = await app.request("/api/v1/test/throw");
    const text = await res.text();
    assert.equal(res.status, 500);
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    assert.deepEqual(JSON.parse(text), {
      error: { code: "internal", message: "Internal error", details: {} },
    });
    for (const leak of ["secret-token-123", "TypeError", ".ts", "/srv/", "    at "]) {
      assert.ok(!text.includes(leak), `the body leaks "${leak}": ${text}`);
    }
  });
});

Deno.test("a request past requestTimeoutMs gets 503 with code timeout naming the limit", async () => {
  await withDeps(async (deps) => {
    const app = createApp(deps, { catalog: failing, loopback: true });
    const started = performance.now();
    const res = await app.request("/api/v1/test/slow");
    const body = await res.json();
    assert.equal(res.status, 503);
    assert.equal(body.error.code, "timeout");
    assert.match(body.error.message, /150 ms/);
    assert.equal(body.error.details.limit_ms, 150);
    assert.ok(performance.now() - started < 550, "the client did not wait for the slow handler");
    await new Promise((resolve) => setTimeout(resolve, 600)); // let the abandoned handler finish
  });
});

Deno.test("a server on a non-loopback address refuses a request without a key even when no key exists", async () => {
  await withDeps(async (deps) => {
    const app = createApp(deps, { catalog: [], loopback: false });
    const res = await app.request("/api/v1/memories");
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error.code, "unauthorized");
    assert.equal((await app.request("/api/v1/health")).status, 200, "health stays open");
  });
});
