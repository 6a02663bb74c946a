import assert from "node:assert/strict";
import { fileExists } from "../support/files.ts";
import { startServer, tempDataDir } from "../support/processes.ts";

Deno.test("serve checkpoints the WAL on a worker thread under its own permission set, and a clean stop leaves no WAL", async () => {
  const db = `${await tempDataDir()}/m.db`;
  const server = await startServer(db, [], { env: { AI_MEMORY_LOG_LEVEL: "debug" } });
  try {
    const checkpoints = () =>
      server.logs().filter((l) => l.msg === "wal checkpoint" && (l.checkpointed as number) > 0);
    const deadline = Date.now() + 20_000;
    for (let i = 0; checkpoints().length === 0; i++) {
      assert.ok(Date.now() < deadline, `a checkpoint within 20 s; log: ${JSON.stringify(server.logs())}`);
      const res = await fetch(`${server.url}/api/v1/memories`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: `Note ${i}`, content: `checkpoint test note ${i}` }),
      });
      assert.equal(res.status, 201);
      await res.json();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const warnings = server.logs().filter((l) => l.level === "warn" || l.level === "error");
    assert.deepEqual(warnings, [], "the worker started with the serve permission set (no read of src/)");
  } finally {
    await server.stop();
  }
  assert.equal(fileExists(`${db}-wal`), false, "the worker's connection closed before the server's own");
});
