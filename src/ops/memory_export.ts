// memory_export: everything (memories with their state, links, aliases, agents, standards) as
// JSON Lines, inline or into a new file sealed with the database key.
import { z } from "zod";
import { toJsonl } from "../lifecycle/export_format.ts";
import { writeNewFile } from "../lifecycle/export_file.ts";
import { isVisible, type Reader } from "../core/visibility.ts";
import type { ExportData } from "../store/transfer_store.ts";
import { asAgentSchema, resolveReader } from "./_reader.ts";
import { defineOperation } from "./operation.ts";

const countsSchema = z.object({
  memories: z.number().int().describe("Memories (live, archived and tombstones)"),
  links: z.number().int().describe("Links"),
  aliases: z.number().int().describe("Entity aliases"),
  agents: z.number().int().describe("Agents"),
  namespaces: z.number().int().describe("Namespace standards"),
});

/** Only what `reader` may see: its memories, the links among them, their aliases and standards. */
function visiblePart(data: ExportData, reader: Reader): ExportData {
  const memories = data.memories.filter((m) => isVisible(m, reader));
  const ids = new Set(memories.map((m) => m.id));
  return {
    memories,
    links: data.links.filter((l) => ids.has(l.source_id) && ids.has(l.target_id)),
    aliases: data.aliases.filter((a) => ids.has(a.entity_id)),
    agents: data.agents,
    namespaces: data.namespaces.map((n) =>
      n.standard_id && !ids.has(n.standard_id) ? { ...n, standard_id: null } : n
    ),
  };
}

export const memoryExport = defineOperation({
  name: "memory_export",
  title: "Export memories",
  description: "Export the whole database as JSON Lines (format version 1): inline, or into a new file " +
    "at path, which is encrypted with the database key unless plaintext is true. With as_agent, only " +
    "what that agent may see.",
  input: z.object({
    path: z.string({ error: "must be a string" }).min(1).max(4096).optional()
      .describe("Write to this new file instead of returning the text"),
    plaintext: z.boolean({ error: "must be true or false" }).default(false)
      .describe("Write the file unencrypted even when the database has a key"),
    as_agent: asAgentSchema,
  }),
  output: z.object({
    counts: countsSchema,
    jsonl: z.string().optional().describe("The export, when no path was given"),
    path: z.string().optional().describe("The file written"),
    bytes: z.number().int().optional().describe("Size of the file"),
    sha256: z.string().optional().describe("SHA-256 of the file"),
    encrypted: z.boolean().optional().describe("True when the file is sealed with the database key"),
  }),
  // Not read-only: with a path it writes a new file.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  http: [{ method: "GET", path: "/api/v1/export" }],
  cli: { command: "export" },
  async run(ctx, input) {
    const reader = await resolveReader(ctx, input.as_agent);
    const all = await ctx.store.transfer.exportAll();
    const data = reader ? visiblePart(all, reader) : all;
    const counts = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.length])) as z.infer<
      typeof countsSchema
    >;
    const text = toJsonl(data);
    if (input.path === undefined) return { counts, jsonl: text };
    const written = await writeNewFile(input.path, text, {
      passphrase: input.plaintext ? undefined : ctx.config.passphrase,
    });
    return { counts, path: input.path, ...written };
  },
});
