// memory_auto_tag: topic tags from the local LLM added to a memory (smart tier); the model's tags
// are also kept in metadata.auto_tags, so they stay told apart from an author's own.
import { z } from "zod";
import { idSchema, TAGS_MAX } from "../core/fields.ts";
import { requireLlm } from "../models/local_llm.ts";
import { autoTagTask, normaliseTag } from "../models/llm_tasks.ts";
import { memorySchema } from "./_shared.ts";
import { changeOf } from "./_governed_changes.ts";
import { defineOperation } from "./operation.ts";

export const memoryAutoTag = defineOperation({
  name: "memory_auto_tag",
  title: "Tag a memory automatically",
  description: "Ask the local LLM for up to 8 topic tags for a memory and add them to its tags (kept " +
    "in metadata.auto_tags too). With dry_run, only say which tags it would add. Needs the smart tier.",
  input: z.object({
    id: idSchema.describe("The memory to tag (id or unique prefix)"),
    dry_run: z.boolean({ error: "must be true or false" }).default(false)
      .describe("Only report the tags; change nothing"),
  }),
  output: z.object({
    id: z.string().describe("The memory's id"),
    auto_tags: z.array(z.string()).describe("The tags the model gave, normalised"),
    added: z.array(z.string()).describe("Those the memory did not have yet"),
    dry_run: z.boolean().describe("True when nothing was changed"),
    memory: memorySchema.optional().describe("The memory after tagging (absent with dry_run)"),
    model: z.string().describe("The model that answered"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  http: [{ method: "POST", path: "/api/v1/memories/:id/auto_tag" }],
  cli: { command: "auto-tag", positional: ["id"] },
  governance: async (ctx, input) => input.dry_run ? [] : [changeOf("write", await ctx.store.get(input.id))],
  async run(ctx, input) {
    const llm = requireLlm(ctx, "id");
    const memory = await ctx.store.get(input.id);
    const answer = await llm.ask(autoTagTask(memory));
    const autoTags = [...new Set(answer.tags.map(normaliseTag).filter((t) => t.length > 0))];
    const added = autoTags.filter((t) => !memory.tags.includes(t));
    const base = { id: memory.id, auto_tags: autoTags, added, model: llm.config.chatModel };
    if (input.dry_run) return { ...base, dry_run: true };
    // The LLM answered before the write transaction starts: the write path never waits on it.
    const updated = await ctx.store.update(memory.id, {
      now: ctx.clock.now().toISOString(),
      patch: (
        { id: _id, access_count: _a, created_at: _c, updated_at: _u, last_accessed_at: _l, ...draft },
      ) => ({
        ...draft,
        tags: [...new Set([...draft.tags, ...autoTags])].slice(0, TAGS_MAX),
        metadata: { ...draft.metadata, auto_tags: autoTags },
      }),
    });
    return { ...base, dry_run: false, memory: updated };
  },
});
