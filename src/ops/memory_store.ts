// memory_store: store a memory, or merge into the live one with the same title and namespace.
import { z } from "zod";
import { invalidInput } from "../core/errors.ts";
import {
  agentIdSchema,
  confidenceSchema,
  contentSchema,
  metadataSchema,
  namespaceSchema,
  prioritySchema,
  scopeSchema,
  sourceSchema,
  tagsSchema,
  tierSchema,
  timestampSchema,
  titleSchema,
  ttlSecsSchema,
} from "../core/fields.ts";
import { tierExpiry } from "../lifecycle/expiry.ts";
import { mergeOnUpsert } from "../lifecycle/upsert_merge.ts";
import type { MemoryDraft } from "../store/store.ts";
import { authorOf, memorySchema } from "./_shared.ts";
import { defineOperation, type OpContext } from "./operation.ts";
import type { Memory } from "../core/memory.ts";

/** A reference-compatible field carried in metadata (agent_id, scope), validated like the field itself. */
function fieldFromMetadata<T>(
  metadata: Record<string, unknown>,
  key: string,
  schema: z.ZodType<T>,
): T | undefined {
  if (metadata[key] === undefined) return undefined;
  const parsed = schema.safeParse(metadata[key]);
  if (!parsed.success) {
    throw invalidInput([{
      field: `metadata.${key}`,
      message: parsed.error.issues[0]?.message ?? "is invalid",
    }]);
  }
  return parsed.data;
}

/**
 * Update the live memory of the draft's namespace nearest in meaning, when it reaches `threshold`
 * and no memory has the draft's title (a title match is the ordinary upsert). Null when none does.
 */
async function mergeNearDuplicate(
  ctx: OpContext,
  draft: MemoryDraft,
  options: { threshold: number; now: Date },
): Promise<{ memory: Memory; similarity: number } | null> {
  const embedder = await ctx.semantic.embedder("merge_threshold");
  if (await ctx.store.findByTitle(draft.namespace, draft.title)) return null;
  const [vector] = await embedder.embed([`${draft.title} ${draft.content}`]);
  const [nearest] = await ctx.semantic.nearest(vector!, {
    k: 1,
    filter: { namespace: draft.namespace },
    now: options.now.toISOString(),
    minSimilarity: options.threshold,
  });
  if (!nearest) return null;
  const memory = await ctx.store.update(nearest.memory.id, {
    now: options.now.toISOString(),
    patch: (existing) => ({ ...mergeOnUpsert(existing, draft), title: existing.title }),
  });
  return { memory, similarity: nearest.similarity };
}

export const memoryStore = defineOperation({
  name: "memory_store",
  title: "Store a memory",
  description: "Store a memory. If a live memory with the same title exists in the namespace, it is " +
    "updated instead: content, tags, source and metadata are replaced, priority and confidence keep " +
    "the higher value, the tier never downgrades and the original author is kept.",
  input: z.object({
    title: titleSchema,
    content: contentSchema,
    tier: tierSchema.default("mid"),
    namespace: namespaceSchema.default("global"),
    tags: tagsSchema.default([]),
    priority: prioritySchema.default(5),
    confidence: confidenceSchema.default(1),
    source: sourceSchema.default("api"),
    metadata: metadataSchema.default({}),
    agent_id: agentIdSchema.optional().describe("Author; defaults to the caller's agent id"),
    scope: scopeSchema.optional().describe("Visibility scope (default private)"),
    expires_at: timestampSchema.optional().describe("Explicit expiry (must be in the future)"),
    ttl_secs: ttlSecsSchema.optional(),
    merge_threshold: z.number({ error: "must be a number" })
      .min(0.5, { error: "must be at least 0.5" })
      .max(1, { error: "must be at most 1" })
      .optional()
      .describe(
        "Near-duplicate merge: when a live memory of this namespace is at least this similar in meaning " +
          "(cosine of embeddings), update it (keeping its title) instead of creating a new one. Needs the " +
          "semantic tier; the store then waits for the embedding",
      ),
  }),
  output: z.object({
    id: z.string().describe("Id of the stored memory"),
    tier: tierSchema,
    title: z.string().describe("Title"),
    namespace: z.string().describe("Namespace"),
    agent_id: z.string().nullable().describe("Author"),
    duplicate: z.boolean().describe(
      "True when an existing memory (same title, or a near duplicate) was updated",
    ),
    action: z.enum(["created", "updated", "merged"])
      .describe("What happened: created, updated (same title) or merged (near duplicate)"),
    similarity: z.number().optional().describe(
      "When merged: the cosine similarity to the memory merged into",
    ),
    memory: memorySchema,
  }),
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  http: [{ method: "POST", path: "/api/v1/memories", status: 201 }],
  cli: {
    command: "store",
    short: { title: "T", content: "c", tier: "t", namespace: "n", priority: "p", source: "S" },
    stdin: ["content"],
    defaults: { source: "cli" },
  },
  governance: (_ctx, input) => Promise.resolve([{ class: "write", namespace: input.namespace }]),
  async run(ctx, input) {
    const now = ctx.clock.now();
    if (input.expires_at !== undefined && input.ttl_secs !== undefined) {
      throw invalidInput([{ field: "ttl_secs", message: "give either expires_at or ttl_secs, not both" }]);
    }
    let expiresAt = tierExpiry(input.tier, now, ctx.config);
    if (input.expires_at !== undefined) {
      expiresAt = new Date(input.expires_at).toISOString();
      if (expiresAt <= now.toISOString()) {
        throw invalidInput([{ field: "expires_at", message: "must be in the future" }]);
      }
    } else if (input.ttl_secs !== undefined) {
      expiresAt = new Date(now.getTime() + input.ttl_secs * 1000).toISOString();
    }
    const metaAgent = fieldFromMetadata(input.metadata, "agent_id", agentIdSchema);
    const agentId = authorOf(
      ctx,
      input.agent_id ?? metaAgent,
      input.agent_id ? "agent_id" : "metadata.agent_id",
    );
    const scope = input.scope ?? fieldFromMetadata(input.metadata, "scope", scopeSchema) ?? "private";
    const draft: MemoryDraft = {
      tier: input.tier,
      namespace: input.namespace,
      title: input.title,
      content: input.content,
      tags: [...new Set(input.tags)],
      priority: input.priority,
      confidence: input.confidence,
      source: input.source,
      expires_at: input.tier === "long" && input.expires_at === undefined && input.ttl_secs === undefined
        ? null
        : expiresAt,
      metadata: { ...input.metadata, agent_id: agentId, scope },
      agent_id: agentId,
      scope,
    };
    if (input.merge_threshold !== undefined) {
      const merged = await mergeNearDuplicate(ctx, draft, { threshold: input.merge_threshold, now });
      if (merged) {
        return {
          id: merged.memory.id,
          tier: merged.memory.tier,
          title: merged.memory.title,
          namespace: merged.memory.namespace,
          agent_id: merged.memory.agent_id,
          duplicate: true,
          action: "merged" as const,
          similarity: merged.similarity,
          memory: merged.memory,
        };
      }
    }
    const outcome = await ctx.store.upsert(draft, {
      id: ctx.ids.next(),
      now: now.toISOString(),
      merge: mergeOnUpsert,
    });
    const m = outcome.memory;
    return {
      id: m.id,
      tier: m.tier,
      title: m.title,
      namespace: m.namespace,
      agent_id: m.agent_id,
      duplicate: outcome.action === "updated",
      action: outcome.action,
      memory: m,
    };
  },
});
