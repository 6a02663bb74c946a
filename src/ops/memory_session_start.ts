// memory_session_start: what an agent should know when a session begins, in one call: the
// namespace's standards and its top memories.
import { z } from "zod";
import { limitSchema, namespaceSchema } from "../core/fields.ts";
import { standardsChain } from "../graph/standards.ts";
import { formatSchema, memorySchema, toFilter } from "./_shared.ts";
import { asAgentSchema, resolveReader } from "./_reader.ts";
import { standardEntry, standardEntrySchema } from "./_standards_shared.ts";
import { defineOperation, READ_ONLY } from "./operation.ts";

export const memorySessionStart = defineOperation({
  name: "memory_session_start",
  title: "Start a session",
  description: "The standards in force in a namespace (global first) and its top memories by priority " +
    "then recency. Call once at the start of a session.",
  input: z.object({
    namespace: namespaceSchema.optional().describe("Namespace to start in (default: all)"),
    limit: limitSchema(10, 50),
    as_agent: asAgentSchema,
    format: formatSchema,
  }),
  output: z.object({
    namespace: z.string().nullable().describe("The namespace"),
    standards: z.array(standardEntrySchema).describe("Standards in force, outermost first"),
    memories: z.array(memorySchema).describe("Top memories, highest priority first"),
    count: z.number().int().describe("Number of memories"),
  }),
  annotations: READ_ONLY,
  http: [{ method: "POST", path: "/api/v1/session/start" }],
  cli: { command: "session-start", short: { namespace: "n" } },
  async run(ctx, input) {
    const reader = await resolveReader(ctx, input.as_agent);
    const memories = await ctx.store.list(
      { ...toFilter({ namespace: input.namespace }), ...(reader ? { reader } : {}) },
      { now: ctx.clock.now().toISOString(), limit: input.limit },
    );
    const chain = await standardsChain(ctx.store, input.namespace, reader);
    return {
      namespace: input.namespace ?? null,
      standards: chain.map(standardEntry),
      memories,
      count: memories.length,
    };
  },
});
