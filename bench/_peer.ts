// The peer: the official MCP memory server (`@modelcontextprotocol/server-memory`, a dev dependency),
// run with node over stdio and spoken to with the MCP SDK client, as any MCP host would. It keeps its
// knowledge graph in one JSONL file (MEMORY_FILE_PATH), read whole and rewritten whole per call.
import { Client, StdioClientTransport } from "../test/support/mcp_client.ts";
import type { Draft } from "./_workload.ts";

/** The server's entry point, run with `node` (the package's `bin`). */
export const SERVER_MEMORY_ENTRY = "node_modules/@modelcontextprotocol/server-memory/dist/index.js";

/** The package's version, from its package.json (read at run time; nothing is downloaded). */
export async function serverMemoryVersion(): Promise<string> {
  try {
    const text = await Deno.readTextFile("node_modules/@modelcontextprotocol/server-memory/package.json");
    return String((JSON.parse(text) as { version?: unknown }).version ?? "unknown");
  } catch {
    return "unknown";
  }
}

/** One entity per fact: the same title, namespace and content memory_store gets, as one observation. */
export function entityOf(draft: Draft): { name: string; entityType: string; observations: string[] } {
  return { name: `${draft.namespace}: ${draft.title}`, entityType: "memory", observations: [draft.content] };
}

/** A running server-memory and its client. */
export interface Peer {
  call(tool: string, args: Record<string, unknown>): Promise<Record<string, unknown>>;
  pid(): number | undefined;
  close(): Promise<void>;
}

/** Start server-memory on `file` (made absolute: the server resolves relative paths from its own dir). */
export async function connectServerMemory(file: string): Promise<Peer> {
  const dir = file.slice(0, file.lastIndexOf("/"));
  const absolute = `${await Deno.realPath(dir)}/${file.slice(file.lastIndexOf("/") + 1)}`;
  const transport = new StdioClientTransport({
    command: "node",
    args: [SERVER_MEMORY_ENTRY],
    env: { MEMORY_FILE_PATH: absolute },
    stderr: "pipe",
  });
  const client = new Client({ name: "ai-memory-bench", version: "1.0.0" });
  await client.connect(transport);
  return {
    call: async (tool, args) => {
      const result = await client.callTool({ name: tool, arguments: args });
      if (result.isError) throw new Error(`server-memory ${tool} failed: ${JSON.stringify(result.content)}`);
      return (result.structuredContent ?? {}) as Record<string, unknown>;
    },
    pid: () => transport.pid ?? undefined,
    close: () => client.close(),
  };
}

/** Seed `drafts` with create_entities in batches (not timed per fact: the file is rewritten per call). */
export async function seedPeer(peer: Peer, drafts: readonly Draft[], batch = 1000): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < drafts.length; i += batch) {
    const entities = drafts.slice(i, i + batch).map(entityOf);
    const out = await peer.call("create_entities", { entities });
    const created = Array.isArray(out.entities) ? out.entities.length : -1;
    if (created !== entities.length) {
      throw new Error(`server-memory created ${created} of ${entities.length} entities (duplicate names?)`);
    }
  }
  return (performance.now() - started) / 1000;
}
