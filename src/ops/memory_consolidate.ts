// memory_consolidate: merge 2-100 memories into one; the sources go to the archive (not lost) and
// the result is linked derived_from each of them, all in one transaction.
import { z } from "zod";
import { invalidInput } from "../core/errors.ts";
import {
  contentSchema,
  idSchema,
  namespaceSchema,
  TAGS_MAX,
  tierSchema,
  titleSchema,
} from "../core/fields.ts";
import { maxTier } from "../core/memory.ts";
import { tierExpiry } from "../lifecycle/expiry.ts";
import { memorySchema } from "./_shared.ts";
import { moved, movedSchema } from "./_archive_shared.ts";
import { defineOperation } from "./operation.ts";
import { changeOf } from "./_governed_changes.ts";
import { requireLlm } from "../models/local_llm.ts";
import { summaryTask } from "../models/llm_tasks.ts";

export const memoryConsolidate = defineOperation({
  name: "memory_consolidate",
  title: "Consolidate memories",
  description: "Merge 2-100 memories into one new memory with the given title and summary (written by the " +
    "local LLM when omitted, smart tier). The sources " +
    "are archived (restorable) and the new memory is linked derived_from each; it takes the highest " +
    "priority and the union of the tags.",
  input: z.object({
    ids: z.array(idSchema, { error: "must be an array of ids" })
      .min(2, { error: "must list 2 to 100 ids" }).max(100, { error: "must list 2 to 100 ids" })
      .describe("The memories to merge (2-100)"),
    title: titleSchema,
    summary: contentSchema.optional()
      .describe("Content of the merged memory; omitted, the local LLM writes it (required without one)"),
    namespace: namespaceSchema.default("global"),
    tier: tierSchema.optional().describe("Tier of the result (default: the highest of the sources)"),
  }),
  output: z.object({
    memory: memorySchema.describe("The merged memory"),
    archived: z.array(movedSchema).describe("The sources, now archived"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  http: [{ method: "POST", path: "/api/v1/consolidate", status: 201 }],
  cli: { command: "consolidate", short: { title: "T", summary: "s", namespace: "n" } },
  // The merged memory is a write in its namespace; each source leaves: a delete in its own.
  governance: async (ctx, input) => [
    { class: "write" as const, namespace: input.namespace },
    ...(await Promise.all(input.ids.map((id) => ctx.store.get(id)))).map((m) => changeOf("delete", m)),
  ],
  async run(ctx, input) {
    // Without a summary the local LLM writes one; with none configured, the summary is required.
    const llm = input.summary === undefined ? requireLlm(ctx, "summary") : null;
    const sources = await Promise.all(input.ids.map((id) => ctx.store.get(id)));
    const ids = [...new Set(sources.map((s) => s.id))];
    if (ids.length !== sources.length) {
      throw invalidInput([{ field: "ids", message: "must not repeat a memory" }]);
    }
    // Asked before the write transaction: a slow or failing model leaves everything as it was.
    const summary = input.summary ?? (await llm!.ask(summaryTask(sources))).summary;
    const now = ctx.clock.now();
    const tier = input.tier ?? sources.map((s) => s.tier).reduce(maxTier);
    const { memory, sources: archived } = await ctx.store.archive.consolidate({
      tier,
      namespace: input.namespace,
      title: input.title,
      content: summary,
      tags: [...new Set(sources.flatMap((s) => s.tags))].slice(0, TAGS_MAX),
      priority: Math.max(...sources.map((s) => s.priority)),
      confidence: 1,
      source: "consolidation",
      expires_at: tierExpiry(tier, now, ctx.config),
      metadata: {
        derived_from: ids,
        consolidated_from_agents: [...new Set(sources.map((s) => s.agent_id).filter((a) => a !== null))],
        agent_id: ctx.actor,
      },
      agent_id: ctx.actor,
      scope: "private",
    }, { id: ctx.ids.next(), sourceIds: ids, now: now.toISOString(), actor: ctx.actor });
    return { memory, archived: archived.map(moved) };
  },
});
