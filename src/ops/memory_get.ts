// memory_get: one live memory by id or unique id prefix.
import { z } from "zod";
import { idSchema } from "../core/fields.ts";
import { memorySchema } from "./_shared.ts";
import { linkSchema } from "./_graph_shared.ts";
import { asAgentSchema, resolveReader } from "./_reader.ts";
import { getVisible, visibleIds, visibleLinks } from "./_visible.ts";
import { defineOperation, READ_ONLY } from "./operation.ts";

export const memoryGet = defineOperation({
  name: "memory_get",
  title: "Get a memory",
  description: "Get one memory by its id or a unique prefix of its id, with its links and the " +
    "memories that currently supersede it.",
  input: z.object({ id: idSchema, as_agent: asAgentSchema }),
  output: z.object({
    memory: memorySchema,
    links: z.array(linkSchema).describe("Live links in both directions"),
    superseded_by: z.array(z.string()).describe("Ids of memories that currently supersede this one"),
  }),
  annotations: READ_ONLY,
  http: [{ method: "GET", path: "/api/v1/memories/:id" }],
  cli: { command: "get", positional: ["id"] },
  async run(ctx, input) {
    const reader = await resolveReader(ctx, input.as_agent);
    const memory = await getVisible(ctx, input.id, reader);
    const links = await visibleLinks(ctx, await ctx.store.graph.linksOf(memory.id), reader);
    let supersededBy = await ctx.store.graph.supersededBy(memory.id, ctx.clock.now().toISOString());
    if (reader) {
      const visible = await visibleIds(ctx, supersededBy, reader);
      supersededBy = supersededBy.filter((id) => visible.has(id));
    }
    return { memory, links, superseded_by: supersededBy };
  },
});
