// memory_check_duplicate: before writing, find the stored memory nearest in meaning to a draft,
// by cosine similarity of the embedder's vectors. Advisory: it never writes.
import { z } from "zod";
import { contentSchema, namespaceSchema, titleSchema } from "../core/fields.ts";
import { asAgentSchema, resolveReader } from "./_reader.ts";
import { defineOperation, READ_ONLY } from "./operation.ts";
import type { MemoryFilter } from "../store/store.ts";

export const memoryCheckDuplicate = defineOperation({
  name: "memory_check_duplicate",
  title: "Check for a duplicate",
  description: "Before storing, find the live memory whose meaning is nearest to this title and content " +
    "(cosine similarity of their embeddings) and say whether it is a duplicate at the threshold. " +
    "Needs the semantic tier (an embedding model). Writes nothing.",
  input: z.object({
    title: titleSchema.describe("Title of the memory you are about to store"),
    content: contentSchema.describe("Content of the memory you are about to store"),
    namespace: namespaceSchema.optional().describe("Only compare with memories in this namespace"),
    threshold: z.number({ error: "must be a number" })
      .min(0.5, { error: "must be at least 0.5" })
      .max(1, { error: "must be at most 1" })
      .optional()
      .describe("Cosine similarity from which the nearest memory counts as a duplicate (default 0.85)"),
    as_agent: asAgentSchema,
  }),
  output: z.object({
    is_duplicate: z.boolean().describe("Whether the nearest memory reaches the threshold"),
    threshold: z.number().describe("The threshold applied"),
    nearest: z.object({
      id: z.string().describe("Nearest memory's id"),
      title: z.string().describe("Its title"),
      namespace: z.string().describe("Its namespace"),
      similarity: z.number().describe("Cosine similarity to the draft, -1 to 1"),
    }).nullable().describe("The nearest live memory, or null when none has a vector yet"),
    candidates_scanned: z.number().int().describe(
      "Memories with a vector of the active embedder (the search space)",
    ),
    suggested_merge: z.string().optional()
      .describe("When a duplicate: the id to update (memory_update) instead of storing a new memory"),
    pending: z.number().int().describe("Memories not embedded yet, which this check cannot see"),
  }),
  annotations: READ_ONLY,
  http: [{ method: "POST", path: "/api/v1/check_duplicate" }],
  cli: { command: "check-duplicate", short: { title: "T", content: "c", namespace: "n" } },
  async run(ctx, input) {
    const threshold = input.threshold ?? ctx.config.duplicateThreshold;
    const embedder = await ctx.semantic.embedder("title");
    const reader = await resolveReader(ctx, input.as_agent);
    const filter: MemoryFilter = {};
    if (input.namespace !== undefined) filter.namespace = input.namespace;
    if (reader) filter.reader = reader;
    const [vector] = await embedder.embed([`${input.title} ${input.content}`]);
    const [nearest] = await ctx.semantic.nearest(vector!, {
      k: 1,
      filter,
      now: ctx.clock.now().toISOString(),
      minSimilarity: -1,
    });
    const stats = await ctx.store.vectors.stats({ model: embedder.model });
    const isDuplicate = nearest !== undefined && nearest.similarity >= threshold;
    return {
      is_duplicate: isDuplicate,
      threshold,
      nearest: nearest
        ? {
          id: nearest.memory.id,
          title: nearest.memory.title,
          namespace: nearest.memory.namespace,
          similarity: nearest.similarity,
        }
        : null,
      candidates_scanned: stats.vectors,
      ...(isDuplicate ? { suggested_merge: nearest.memory.id } : {}),
      pending: stats.pending,
    };
  },
});
