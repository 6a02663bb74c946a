import assert from "node:assert/strict";
import { redactConfig, resolveConfig } from "./config.ts";

Deno.test("resolveConfig() layers defaults < file < environment < flags", () => {
  const config = resolveConfig({
    file: { port: 1000, host: "127.0.0.2", dataDir: "from-file" },
    env: { AI_MEMORY_PORT: "2000", AI_MEMORY_AGENT_ID: "env-agent" },
    flags: { port: 3000, db: undefined },
  });
  assert.equal(config.port, 3000);
  assert.equal(config.host, "127.0.0.2");
  assert.equal(config.agentId, "env-agent");
  assert.equal(config.db, "from-file/ai-memory.db");
  assert.equal(resolveConfig({}).db, "data/ai-memory.db");
});

Deno.test("resolveConfig() refuses an invalid value and redactConfig() hides the key", () => {
  assert.throws(() => resolveConfig({ env: { AI_MEMORY_PORT: "99999" } }));
  const shown = redactConfig(resolveConfig({ env: { AI_MEMORY_DB_PASSPHRASE: "s3cret" } }));
  assert.equal(JSON.stringify(shown).includes("s3cret"), false);
});
