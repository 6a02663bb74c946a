// memory_promote: make a memory long-term, or copy it up into an ancestor namespace.
import { z } from "zod";
import { invalidInput } from "../core/errors.ts";
import { idSchema, namespaceSchema, TAGS_MAX } from "../core/fields.ts";
import { ancestorsOrSelf } from "../core/visibility.ts";
import { mergeOnUpsert } from "../lifecycle/upsert_merge.ts";
import { memorySchema } from "./_shared.ts";
import { defineOperation } from "./operation.ts";
import { changeOf } from "./_governed_changes.ts";

export const memoryPromote = defineOperation({
  name: "memory_promote",
  title: "Promote a memory",
  description: "Without to_namespace: make the memory long-term (no expiry). With to_namespace (a proper " +
    "ancestor of its namespace): store a long-term copy there, linked derived_from the original.",
  input: z.object({
    id: idSchema,
    to_namespace: namespaceSchema.optional().describe("A proper ancestor namespace to copy the memory into"),
  }),
  output: z.object({
    memory: memorySchema.describe("The promoted memory, or the copy"),
    source_id: z.string().describe("The memory that was promoted"),
    copied: z.boolean().describe("True when a copy was made in to_namespace"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  http: [{ method: "POST", path: "/api/v1/memories/:id/promote" }],
  cli: { command: "promote", positional: ["id"] },
  governance: async (ctx, input) => {
    const source = await ctx.store.get(input.id);
    const targets = [changeOf("promote", source)];
    // A copy also lands in the ancestor: that namespace's promote rule applies too.
    if (input.to_namespace !== undefined) targets.push({ class: "promote", namespace: input.to_namespace });
    return targets;
  },
  async run(ctx, input) {
    const now = ctx.clock.now().toISOString();
    const source = await ctx.store.get(input.id);
    if (input.to_namespace === undefined) {
      const memory = await ctx.store.update(source.id, {
        now,
        patch: (m) => ({ ...m, tier: "long", expires_at: null }),
      });
      return { memory, source_id: source.id, copied: false };
    }
    const target = input.to_namespace;
    if (target === source.namespace || !ancestorsOrSelf(source.namespace).includes(target)) {
      throw invalidInput([{
        field: "to_namespace",
        message: `must be a proper ancestor of "${source.namespace}"`,
      }]);
    }
    const { memory } = await ctx.store.upsert({
      ...source,
      namespace: target,
      tier: "long",
      expires_at: null,
      tags: source.tags.slice(0, TAGS_MAX),
      metadata: { ...source.metadata, promoted_from: source.id },
    }, { id: ctx.ids.next(), now, merge: mergeOnUpsert });
    await ctx.store.graph.link({
      source_id: memory.id,
      target_id: source.id,
      relation: "derived_from",
      created_at: now,
      valid_from: now,
      valid_until: null,
      observed_by: ctx.actor,
    });
    return { memory, source_id: source.id, copied: true };
  },
});
