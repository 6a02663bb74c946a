// memory_entity_get_by_alias: resolve an alias (case- and accent-insensitive) to its entity.
import { z } from "zod";
import { notFound } from "../core/errors.ts";
import { namespaceSchema, tagSchema } from "../core/fields.ts";
import { aliasKey } from "../graph/alias_key.ts";
import { memorySchema } from "./_shared.ts";
import { asAgentSchema, resolveReader } from "./_reader.ts";
import { visibleIds } from "./_visible.ts";
import { defineOperation, READ_ONLY } from "./operation.ts";

export const memoryEntityGetByAlias = defineOperation({
  name: "memory_entity_get_by_alias",
  title: "Find an entity by alias",
  description: "Resolve an alias to its entity, ignoring case and accents. Without a namespace the " +
    "newest matching entity wins.",
  input: z.object({
    alias: tagSchema.describe("The name to resolve"),
    namespace: namespaceSchema.optional().describe("Only entities in this namespace"),
    as_agent: asAgentSchema,
  }),
  output: z.object({
    entity_id: z.string().describe("Id of the entity memory"),
    canonical_name: z.string().describe("Canonical name"),
    aliases: z.array(z.string()).describe("All aliases"),
    entity: memorySchema,
  }),
  annotations: READ_ONLY,
  http: [{ method: "GET", path: "/api/v1/entities/by_alias" }],
  cli: { command: "entity get", positional: ["alias"], short: { namespace: "n" } },
  async run(ctx, input) {
    const reader = await resolveReader(ctx, input.as_agent);
    let ids = await ctx.store.entities.byAliasKey(aliasKey(input.alias), { namespace: input.namespace });
    if (reader) {
      const visible = await visibleIds(ctx, ids, reader);
      ids = ids.filter((id) => visible.has(id));
    }
    if (ids.length === 0) throw notFound("entity with alias", input.alias);
    const entity = await ctx.store.get(ids[0]!);
    return {
      entity_id: entity.id,
      canonical_name: entity.title,
      aliases: await ctx.store.entities.aliasesOf(entity.id),
      entity,
    };
  },
});
