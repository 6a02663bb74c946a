import assert from "node:assert/strict";
import { connectMcp, runCli, startServer, tempDataDir } from "../support/processes.ts";

Deno.test("smoke: a memory stored over HTTP is recalled over MCP and listed by the CLI", async () => {
  const dir = await tempDataDir();
  const db = `${dir}/m.db`;
  const server = await startServer(db);
  try {
    const res = await fetch(`${server.url}/api/v1/memories`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Deploy key", content: "The deploy key lives in the vault" }),
    });
    assert.equal(res.status, 201);
    await res.json();
  } finally {
    await server.stop();
  }
  const client = await connectMcp(db);
  try {
    const result = await client.callTool({ name: "memory_recall", arguments: { context: "deploy key" } });
    const sc = result.structuredContent as { count: number; memories: { title: string }[] };
    assert.equal(sc.count, 1);
    assert.equal(sc.memories[0]!.title, "Deploy key");
  } finally {
    await client.close();
  }
  const cli = await runCli(["list", "--db", db, "--json"]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.equal(JSON.parse(cli.stdout).count, 1);
});
