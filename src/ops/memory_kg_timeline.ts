// memory_kg_timeline: a memory's outbound links in the order they became valid.
import { z } from "zod";
import { limitSchema } from "../core/fields.ts";
import { linkSchema, sourceIdSchema, validTimeSchema } from "./_graph_shared.ts";
import { asAgentSchema, resolveReader } from "./_reader.ts";
import { getVisible } from "./_visible.ts";
import { defineOperation, READ_ONLY } from "./operation.ts";

export const memoryKgTimeline = defineOperation({
  name: "memory_kg_timeline",
  title: "Timeline of a memory's links",
  description: "Outbound links of a memory ordered by valid_from, oldest first, optionally within a window.",
  input: z.object({
    source_id: sourceIdSchema,
    since: validTimeSchema.optional().describe("Only links valid from this time or later"),
    until: validTimeSchema.optional().describe("Only links valid from this time or earlier"),
    limit: limitSchema(200, 1000),
    as_agent: asAgentSchema,
  }),
  output: z.object({
    source_id: z.string().describe("The source memory's id"),
    links: z.array(linkSchema).describe("Outbound links, oldest valid_from first"),
    count: z.number().int().describe("Number of links"),
  }),
  annotations: READ_ONLY,
  http: [{ method: "GET", path: "/api/v1/kg/timeline" }],
  cli: { command: "kg timeline", positional: ["source_id"] },
  async run(ctx, input) {
    const reader = await resolveReader(ctx, input.as_agent);
    const source = await getVisible(ctx, input.source_id, reader);
    const links = await ctx.store.graph.timeline(source.id, {
      ...(input.since ? { since: new Date(input.since).toISOString() } : {}),
      ...(input.until ? { until: new Date(input.until).toISOString() } : {}),
      limit: input.limit,
      ...(reader ? { reader } : {}),
    });
    return { source_id: source.id, links, count: links.length };
  },
});
