// memory_kg_query: outbound multi-hop traversal of the knowledge graph, optionally "as of" a time.
import { z } from "zod";
import { agentIdSchema } from "../core/fields.ts";
import { relationSchema, sourceIdSchema, validTimeSchema } from "./_graph_shared.ts";
import { asAgentSchema, resolveReader } from "./_reader.ts";
import { getVisible } from "./_visible.ts";
import { defineOperation, READ_ONLY } from "./operation.ts";

export const memoryKgQuery = defineOperation({
  name: "memory_kg_query",
  title: "Query the knowledge graph",
  description: "Follow outbound links from a memory up to max_depth hops (1-5), never around a cycle. " +
    "With valid_at, only links valid at that time are followed (as-of queries).",
  input: z.object({
    source_id: sourceIdSchema,
    max_depth: z.number({ error: "must be a number" }).int({ error: "must be an integer" })
      .min(1, { error: "must be between 1 and 5" }).max(5, { error: "must be between 1 and 5" }).default(1)
      .describe("How many hops to follow (1-5, default 1)"),
    valid_at: validTimeSchema.optional().describe("Follow only links valid at this time"),
    allowed_agents: z.array(agentIdSchema, { error: "must be an array of agent ids" }).max(100, {
      error: "must have at most 100 entries",
    }).optional().describe("Follow only links recorded by these agents (an empty list follows none)"),
    limit: z.number({ error: "must be a number" }).int({ error: "must be an integer" })
      .min(1, { error: "must be between 1 and 1000" }).max(1000, { error: "must be between 1 and 1000" })
      .default(200).describe("Maximum rows (default 200, at most 1000)"),
    as_agent: asAgentSchema,
  }),
  output: z.object({
    source_id: z.string().describe("The source memory's id"),
    results: z.array(z.object({
      target_id: z.string().describe("Reached memory"),
      relation: relationSchema,
      valid_from: z.string().describe("Start of the last hop's validity"),
      valid_until: z.string().nullable().describe("End of the last hop's validity"),
      observed_by: z.string().nullable().describe("Who recorded the last hop"),
      title: z.string().describe("Title of the reached memory"),
      target_namespace: z.string().describe("Namespace of the reached memory"),
      depth: z.number().int().describe("Hops from the source"),
      path: z.string().describe("Ids from source to target, joined by ->"),
    })).describe("Reached memories, nearest first"),
    count: z.number().int().describe("Number of rows"),
  }),
  annotations: READ_ONLY,
  http: [{ method: "POST", path: "/api/v1/kg/query" }],
  cli: { command: "kg query", positional: ["source_id"] },
  async run(ctx, input) {
    const reader = await resolveReader(ctx, input.as_agent);
    const source = await getVisible(ctx, input.source_id, reader);
    const rows = input.allowed_agents?.length === 0 ? [] : await ctx.store.graph.query(source.id, {
      maxDepth: input.max_depth,
      ...(input.valid_at ? { validAt: new Date(input.valid_at).toISOString() } : {}),
      ...(input.allowed_agents ? { allowedAgents: input.allowed_agents } : {}),
      limit: input.limit,
      // The walk never passes through a hidden memory: its id would leak in the path.
      ...(reader ? { reader } : {}),
    });
    const results = rows.map((r) => ({ ...r, path: r.path.join("->") }));
    return { source_id: source.id, results, count: results.length };
  },
});
