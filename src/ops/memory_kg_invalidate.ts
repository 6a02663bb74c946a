// memory_kg_invalidate: end a link's validity; idempotent, and it reports the previous value.
import { z } from "zod";
import {
  linkSchema,
  relationSchema,
  sourceIdSchema,
  targetIdSchema,
  validTimeSchema,
} from "./_graph_shared.ts";
import { defineOperation } from "./operation.ts";

export const memoryKgInvalidate = defineOperation({
  name: "memory_kg_invalidate",
  title: "Invalidate a link",
  description: "Set valid_until on the link identified by (source_id, target_id, relation), default now. " +
    "The link stays for as-of queries. Calling again without a time keeps the first end; with a time, " +
    "sets that time.",
  input: z.object({
    source_id: sourceIdSchema,
    target_id: targetIdSchema,
    relation: relationSchema,
    valid_until: validTimeSchema.optional().describe("End of validity (default now)"),
  }),
  output: z.object({
    link: linkSchema,
    previous_valid_until: z.string().nullable().describe("valid_until before this call"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  http: [{ method: "POST", path: "/api/v1/kg/invalidate" }],
  cli: { command: "kg invalidate", positional: ["source_id", "target_id", "relation"] },
  async run(ctx, input) {
    const source = await ctx.store.get(input.source_id);
    const target = await ctx.store.get(input.target_id);
    const triple = { source_id: source.id, target_id: target.id, relation: input.relation };
    // Without an explicit time, a link that has already ended keeps its end: repeating is a no-op.
    const { link, previous } = await ctx.store.graph.invalidate(triple, {
      validUntil: input.valid_until
        ? new Date(input.valid_until).toISOString()
        : ctx.clock.now().toISOString(),
      keepExisting: input.valid_until === undefined,
    });
    return { link, previous_valid_until: previous };
  },
});
