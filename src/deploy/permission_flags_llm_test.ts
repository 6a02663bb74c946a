// The launcher's network grant for a local LLM: its host:port on every surface, nothing without one.
import assert from "node:assert/strict";
import { resolveConfig } from "../core/config.ts";
import { llmHost, permissionFlags } from "./permission_flags.ts";

const netOf = (flags: string[]) =>
  flags.find((f) => f.startsWith("--allow-net="))?.slice(12).split(",") ?? [];

Deno.test("the LLM endpoint's host:port is granted to serve, mcp and cli, and nothing else is added", () => {
  const config = resolveConfig({ file: { llm: { url: "http://10.1.2.3:11434", chatModel: "m" } } });
  for (const surface of ["serve", "mcp", "cli"] as const) {
    assert.ok(netOf(permissionFlags(config, { surface })).includes("10.1.2.3:11434"), surface);
  }
  assert.deepEqual(netOf(permissionFlags(config, { surface: "mcp" })), ["10.1.2.3:11434"]);
  assert.deepEqual(netOf(permissionFlags(resolveConfig({}), { surface: "mcp" })), []);
});

Deno.test("an LLM URL without a port is granted the scheme's port", () => {
  assert.equal(llmHost("https://llm.internal/"), "llm.internal:443");
  assert.equal(llmHost("http://llm.internal"), "llm.internal:80");
});
