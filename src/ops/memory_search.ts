// memory_search: exact keyword search where every word must match (AND semantics).
import { z } from "zod";
import { agentIdSchema, limitSchema, prioritySchema, tierSchema } from "../core/fields.ts";
import { rankKeywordHits } from "../recall/keyword_rank.ts";
import { queryTerms } from "../recall/query_terms.ts";
import { filterFields, formatSchema, memorySchema, toFilter } from "./_shared.ts";
import { asAgentSchema, resolveReader } from "./_reader.ts";
import { defineOperation, READ_ONLY } from "./operation.ts";

export const memorySearch = defineOperation({
  name: "memory_search",
  title: "Search memories",
  description: "Find memories containing every word of the query (AND semantics), best match first.",
  input: z.object({
    query: z.string({ error: "must be a string" })
      .refine((t) => t.trim().length > 0, { error: "must not be empty" })
      .refine((t) => t.length <= 65_536, { error: "must be at most 65536 characters" })
      .describe("Words that must all appear"),
    ...filterFields,
    tier: tierSchema.optional().describe("Only this tier"),
    agent_id: agentIdSchema.optional().describe("Only memories by this author"),
    min_priority: prioritySchema.optional().describe("Only memories with at least this priority"),
    limit: limitSchema(20, 200),
    as_agent: asAgentSchema,
    format: formatSchema,
  }),
  output: z.object({
    memories: z.array(memorySchema.extend({ score: z.number().describe("Ranking score") }))
      .describe("Matching memories, best first"),
    count: z.number().int().describe("Number of memories returned"),
  }),
  annotations: READ_ONLY,
  http: [{ method: "GET", path: "/api/v1/search" }],
  cli: { command: "search", positional: ["query"], short: { namespace: "n", tier: "t" } },
  async run(ctx, input) {
    const reader = await resolveReader(ctx, input.as_agent);
    const now = ctx.clock.now();
    const hits = await ctx.store.keyword(queryTerms(input.query), {
      mode: "all",
      filter: { ...toFilter(input), ...(reader ? { reader } : {}) },
      now: now.toISOString(),
      limit: input.limit,
    });
    const memories = rankKeywordHits(hits, now).map(({ memory, score }) => ({ ...memory, score }));
    return { memories, count: memories.length };
  },
});
