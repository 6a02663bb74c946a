// memory_get_taxonomy: the namespace tree with live memory counts.
import { z } from "zod";
import { namespaceSchema } from "../core/fields.ts";
import { buildTaxonomy } from "../graph/taxonomy.ts";
import { asAgentSchema, resolveReader } from "./_reader.ts";
import { defineOperation, READ_ONLY } from "./operation.ts";

export const memoryGetTaxonomy = defineOperation({
  name: "memory_get_taxonomy",
  title: "Namespace tree",
  description: "The namespace tree under a prefix (or all of it) with each namespace's count of live " +
    "memories and the count of its whole subtree.",
  input: z.object({
    namespace_prefix: namespaceSchema.optional().describe("Only this namespace and its descendants"),
    depth: z.number({ error: "must be a number" }).int({ error: "must be an integer" })
      .min(0, { error: "must be between 0 and 8" }).max(8, { error: "must be between 0 and 8" }).default(8)
      .describe("Levels below the prefix to list (0-8, default 8)"),
    limit: z.number({ error: "must be a number" }).int({ error: "must be an integer" })
      .min(1, { error: "must be between 1 and 10000" }).max(10_000, { error: "must be between 1 and 10000" })
      .default(1000).describe("Maximum namespaces listed (default 1000)"),
    as_agent: asAgentSchema,
  }),
  output: z.object({
    namespace_prefix: z.string().nullable().describe("The prefix asked for"),
    namespaces: z.array(z.object({
      namespace: z.string().describe("Namespace"),
      depth: z.number().int().describe("Number of levels"),
      count: z.number().int().describe("Live memories in exactly this namespace"),
      subtree_count: z.number().int().describe("Live memories in it and all its descendants"),
    })).describe("Namespaces in tree order"),
    total_count: z.number().int().describe("Live memories under the prefix"),
    truncated: z.boolean().describe("True when the limit cut the list"),
  }),
  annotations: READ_ONLY,
  http: [{ method: "GET", path: "/api/v1/taxonomy" }],
  cli: { command: "taxonomy", short: { namespace_prefix: "n" } },
  async run(ctx, input) {
    const reader = await resolveReader(ctx, input.as_agent);
    const counts = await ctx.store.namespaces.counts({
      ...(input.namespace_prefix ? { prefix: input.namespace_prefix } : {}),
      filter: reader ? { reader } : {},
      now: ctx.clock.now().toISOString(),
    });
    const tree = buildTaxonomy(counts, {
      prefix: input.namespace_prefix,
      depth: input.depth,
      limit: input.limit,
    });
    return {
      namespace_prefix: input.namespace_prefix ?? null,
      namespaces: tree.nodes,
      total_count: tree.total,
      truncated: tree.truncated,
    };
  },
});
