// Several processes on one database file at once, as in production: two in-process writers,
// the HTTP server and the MCP server all writing, and a reader, with no lost write and no lock error.
import assert from "node:assert/strict";
import { connectMcp, startServer, tempDataDir } from "../support/processes.ts";

const PER_WRITER = 500;

function spawnWorker(args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=cli", "test/support/load_worker.ts", ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function summary(child: Deno.ChildProcess): Promise<{ done: number; errors: string[] }> {
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout).trim();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(text);
}

Deno.test("four processes writing 500 memories each and one reading lose no write and never see a lock error", async () => {
  const dir = await tempDataDir();
  const db = `${dir}/shared.db`;
  const server = await startServer(db);
  const mcp = await connectMcp(db);
  try {
    const reader = spawnWorker([db, "read", "reader"]);
    const writers = [
      spawnWorker([db, "write", "alpha", String(PER_WRITER)]),
      spawnWorker([db, "write", "beta", String(PER_WRITER)]),
    ];
    const httpErrors: string[] = [];
    const httpWrites = (async () => {
      // Four requests in flight at a time, as a busy service would send them.
      for (let i = 0; i < PER_WRITER; i += 4) {
        await Promise.all([0, 1, 2, 3].map(async (k) => {
          const res = await fetch(`${server.url}/api/v1/memories`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              title: `http memory ${i + k}`,
              content: `written by http number ${i + k} about concurrency`,
              namespace: "concurrency",
            }),
          });
          const body = await res.text();
          if (res.status !== 201) httpErrors.push(`${res.status} ${body}`);
        }));
      }
    })();
    const mcpErrors: string[] = [];
    const mcpWrites = (async () => {
      for (let i = 0; i < PER_WRITER; i++) {
        const result = await mcp.callTool({
          name: "memory_store",
          arguments: {
            title: `mcp memory ${i}`,
            content: `written by mcp number ${i} about concurrency`,
            namespace: "concurrency",
          },
        });
        if (result.isError) mcpErrors.push(JSON.stringify(result.content));
      }
    })();
    const [alpha, beta] = await Promise.all(writers.map(summary));
    await Promise.all([httpWrites, mcpWrites]);
    await reader.stdin.close();
    const read = await summary(reader);

    assert.deepEqual(alpha!.errors, []);
    assert.deepEqual(beta!.errors, []);
    assert.deepEqual(httpErrors, []);
    assert.deepEqual(mcpErrors, []);
    assert.deepEqual(read.errors, []);
    assert.ok(read.done > 0, "the reader ran while the writers wrote");

    const stats = await fetch(`${server.url}/api/v1/stats`).then((r) => r.json());
    assert.equal(stats.by_namespace.concurrency, 4 * PER_WRITER);
    for (const prefix of ["alpha", "beta", "http", "mcp"]) {
      const res = await fetch(
        `${server.url}/api/v1/search?query=${prefix}&namespace=concurrency&limit=200`,
      );
      const found = await res.json();
      assert.equal(found.count, 200, `${prefix} writes are searchable`);
    }
    const list = await mcp.callTool({
      name: "memory_list",
      arguments: { namespace: "concurrency", limit: 200, offset: 4 * PER_WRITER - 200 },
    });
    assert.equal((list.structuredContent as { count: number }).count, 200);
  } finally {
    await mcp.close();
    await server.stop();
  }
});
