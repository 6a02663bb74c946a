// memory_update: patch fields of a live memory; tiers never downgrade, the author never changes.
import { z } from "zod";
import type { Config } from "../core/config.ts";
import { invalidInput } from "../core/errors.ts";
import {
  confidenceSchema,
  contentSchema,
  idSchema,
  metadataSchema,
  namespaceSchema,
  prioritySchema,
  tagsSchema,
  tierSchema,
  timestampSchema,
  titleSchema,
} from "../core/fields.ts";
import { isDowngrade, type Memory } from "../core/memory.ts";
import { laterExpiry, tierExpiry } from "../lifecycle/expiry.ts";
import type { MemoryDraft } from "../store/store.ts";
import { memorySchema } from "./_shared.ts";
import { defineOperation } from "./operation.ts";
import { changeOf } from "./_governed_changes.ts";

const input = z.object({
  id: idSchema,
  title: titleSchema.optional(),
  content: contentSchema.optional(),
  tier: tierSchema.optional().describe("New tier; it may rise but never fall"),
  namespace: namespaceSchema.optional(),
  tags: tagsSchema.optional(),
  priority: prioritySchema.optional(),
  confidence: confidenceSchema.optional(),
  expires_at: z.union([timestampSchema, z.literal(""), z.null()]).optional()
    .describe('New expiry (RFC 3339, in the future), or null or "" to never expire'),
  metadata: metadataSchema.optional().describe("Replaces the metadata; agent_id is kept"),
});

type UpdateInput = z.output<typeof input>;

function applyPatch(
  existing: Memory,
  patch: UpdateInput,
  options: { now: Date; config: Config },
): MemoryDraft {
  const tier = patch.tier ?? existing.tier;
  if (isDowngrade(existing.tier, tier)) {
    throw invalidInput([{
      field: "tier",
      message: `cannot go down from ${existing.tier} to ${tier}; tiers never downgrade`,
    }]);
  }
  let expiresAt = existing.expires_at;
  if (tier === "long") expiresAt = null;
  else if (tier !== existing.tier) {
    expiresAt = laterExpiry(existing.expires_at, tierExpiry(tier, options.now, options.config));
  }
  if (patch.expires_at === null || patch.expires_at === "") expiresAt = null;
  else if (patch.expires_at !== undefined) expiresAt = new Date(patch.expires_at).toISOString();
  const metadata = patch.metadata
    ? { ...patch.metadata, agent_id: existing.agent_id, scope: existing.scope }
    : existing.metadata;
  return {
    tier,
    namespace: patch.namespace ?? existing.namespace,
    title: patch.title ?? existing.title,
    content: patch.content ?? existing.content,
    tags: patch.tags ? [...new Set(patch.tags)] : existing.tags,
    priority: patch.priority ?? existing.priority,
    confidence: patch.confidence ?? existing.confidence,
    source: existing.source,
    expires_at: expiresAt,
    metadata,
    agent_id: existing.agent_id,
    scope: existing.scope,
  };
}

export const memoryUpdate = defineOperation({
  name: "memory_update",
  title: "Update a memory",
  description: "Change fields of a memory by id. Tiers may rise but never fall; the author is kept.",
  input,
  output: z.object({ memory: memorySchema }),
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false,
  },
  http: [{ method: "PUT", path: "/api/v1/memories/:id" }],
  cli: {
    command: "update",
    positional: ["id"],
    short: { title: "T", content: "c", tier: "t", namespace: "n", priority: "p" },
    stdin: ["content"],
  },
  governance: async (ctx, patch) => {
    const existing = await ctx.store.get(patch.id);
    const targets = [changeOf("write", existing)];
    // Moving a memory writes into the namespace it moves to.
    if (patch.namespace !== undefined && patch.namespace !== existing.namespace) {
      targets.push({ class: "write", namespace: patch.namespace });
    }
    return targets;
  },
  async run(ctx, patch) {
    const now = ctx.clock.now();
    const { id: _id, ...fields } = patch;
    if (Object.values(fields).every((v) => v === undefined)) {
      throw invalidInput([{ field: "", message: "give at least one field to change" }]);
    }
    if (typeof patch.expires_at === "string" && patch.expires_at !== "") {
      if (new Date(patch.expires_at).getTime() <= now.getTime()) {
        throw invalidInput([{ field: "expires_at", message: "must be in the future" }]);
      }
    }
    const memory = await ctx.store.update(patch.id, {
      now: now.toISOString(),
      patch: (existing) => applyPatch(existing, patch, { now, config: ctx.config }),
    });
    return { memory };
  },
});
