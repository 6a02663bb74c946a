// memory_entity_register: an entity (a long-tier memory tagged `entity`) and its aliases; idempotent.
import { z } from "zod";
import { MemoryError } from "../core/errors.ts";
import { agentIdSchema, metadataSchema, namespaceSchema, tagSchema, titleSchema } from "../core/fields.ts";
import { aliasKey } from "../graph/alias_key.ts";
import { mergeOnUpsert } from "../lifecycle/upsert_merge.ts";
import { authorOf, memorySchema } from "./_shared.ts";
import { defineOperation } from "./operation.ts";

export const memoryEntityRegister = defineOperation({
  name: "memory_entity_register",
  title: "Register an entity",
  description: "Register a named entity (person, system, place...) with aliases, stored as a long-tier " +
    "memory tagged `entity`. Registering again adds new aliases and changes nothing else. Alias lookups " +
    "ignore case and accents.",
  input: z.object({
    canonical_name: titleSchema.describe("The entity's canonical name"),
    namespace: namespaceSchema,
    aliases: z.array(tagSchema.describe("An alias"), { error: "must be an array of strings" })
      .max(50, { error: "must have at most 50 aliases" }).default([])
      .describe("Other names for the entity (at most 50)"),
    metadata: metadataSchema.default({}),
    agent_id: agentIdSchema.optional().describe("Author; defaults to the caller's agent id"),
  }),
  output: z.object({
    entity_id: z.string().describe("Id of the entity memory"),
    canonical_name: z.string().describe("Canonical name"),
    namespace: z.string().describe("Namespace"),
    aliases: z.array(z.string()).describe("All aliases, including the canonical name"),
    created: z.boolean().describe("False when the entity already existed"),
    entity: memorySchema,
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  http: [{ method: "POST", path: "/api/v1/entities", status: 201 }],
  cli: { command: "entity register", positional: ["canonical_name"], short: { namespace: "n" } },
  governance: (_ctx, input) => Promise.resolve([{ class: "write", namespace: input.namespace }]),
  async run(ctx, input) {
    const now = ctx.clock.now().toISOString();
    const existing = await ctx.store.findByTitle(input.namespace, input.canonical_name);
    if (existing && existing.metadata.kind !== "entity") {
      throw new MemoryError(
        "conflict",
        `A memory that is not an entity (${existing.id}) already has this title in namespace "${input.namespace}"`,
        { details: { id: existing.id } },
      );
    }
    const author = authorOf(ctx, input.agent_id);
    const entity = existing ?? (await ctx.store.upsert({
      tier: "long",
      namespace: input.namespace,
      title: input.canonical_name,
      content: [input.canonical_name, ...input.aliases].join(" / "),
      tags: ["entity"],
      priority: 5,
      confidence: 1,
      source: "api",
      expires_at: null,
      metadata: { ...input.metadata, kind: "entity", agent_id: author },
      agent_id: author,
      scope: "private",
    }, { id: ctx.ids.next(), now, merge: mergeOnUpsert })).memory;
    const names = [input.canonical_name, ...input.aliases];
    await ctx.store.entities.addAliases(entity.id, names.map((alias) => ({ alias, key: aliasKey(alias) })), {
      now,
    });
    return {
      entity_id: entity.id,
      canonical_name: entity.title,
      namespace: entity.namespace,
      aliases: await ctx.store.entities.aliasesOf(entity.id),
      created: existing === null,
      entity,
    };
  },
});
