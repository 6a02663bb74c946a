// memory_list: browse live memories, highest priority and most recently updated first.
import { z } from "zod";
import { agentIdSchema, limitSchema, prioritySchema, tierSchema } from "../core/fields.ts";
import { filterFields, formatSchema, memoryListSchema, toFilter } from "./_shared.ts";
import { asAgentSchema, resolveReader } from "./_reader.ts";
import { defineOperation, READ_ONLY } from "./operation.ts";

export const memoryList = defineOperation({
  name: "memory_list",
  title: "List memories",
  description: "List live memories, ordered by priority (highest first) then last update.",
  input: z.object({
    ...filterFields,
    tier: tierSchema.optional().describe("Only this tier"),
    agent_id: agentIdSchema.optional().describe("Only memories by this author"),
    min_priority: prioritySchema.optional().describe("Only memories with at least this priority"),
    limit: limitSchema(20, 200),
    offset: z.number({ error: "must be a number" }).int({ error: "must be an integer" })
      .min(0, { error: "must be at least 0" }).max(1_000_000, { error: "must be at most 1000000" })
      .default(0).describe("Skip this many memories (for paging)"),
    as_agent: asAgentSchema,
    format: formatSchema,
  }),
  output: memoryListSchema,
  annotations: READ_ONLY,
  http: [{ method: "GET", path: "/api/v1/memories" }],
  cli: { command: "list", short: { namespace: "n", tier: "t" } },
  async run(ctx, input) {
    const reader = await resolveReader(ctx, input.as_agent);
    const memories = await ctx.store.list({ ...toFilter(input), ...(reader ? { reader } : {}) }, {
      now: ctx.clock.now().toISOString(),
      limit: input.limit,
      offset: input.offset,
    });
    return { memories, count: memories.length };
  },
});
