// memory_get_links: every live link of a memory, in both directions.
import { z } from "zod";
import { idSchema } from "../core/fields.ts";
import { linkSchema } from "./_graph_shared.ts";
import { asAgentSchema, resolveReader } from "./_reader.ts";
import { getVisible, visibleLinks } from "./_visible.ts";
import { defineOperation, READ_ONLY } from "./operation.ts";

export const memoryGetLinks = defineOperation({
  name: "memory_get_links",
  title: "Links of a memory",
  description: "All live links from and to a memory, with their validity intervals.",
  input: z.object({ id: idSchema, as_agent: asAgentSchema }),
  output: z.object({
    id: z.string().describe("The memory's id"),
    links: z.array(linkSchema).describe("Links in both directions, oldest first"),
    count: z.number().int().describe("Number of links"),
  }),
  annotations: READ_ONLY,
  http: [{ method: "GET", path: "/api/v1/links/:id" }],
  cli: { command: "links", positional: ["id"] },
  async run(ctx, input) {
    const reader = await resolveReader(ctx, input.as_agent);
    const memory = await getVisible(ctx, input.id, reader);
    const links = await visibleLinks(ctx, await ctx.store.graph.linksOf(memory.id), reader);
    return { id: memory.id, links, count: links.length };
  },
});
