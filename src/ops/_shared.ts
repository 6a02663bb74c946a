// Schemas several operations share: the memory result, filter fields and time normalisation.
import { z } from "zod";
import { forbidden, invalidInput } from "../core/errors.ts";
import { namespaceSchema, tagSchema, tagsSchema, tierSchema, timestampSchema } from "../core/fields.ts";
import { memorySchema } from "../core/memory.ts";
import type { MemoryFilter } from "../store/store.ts";
import type { OpContext } from "./operation.ts";

export { memorySchema };

/** A list of memories with its count. */
export const memoryListSchema = z.object({
  memories: z.array(memorySchema).describe("Matching memories, best first"),
  count: z.number().int().describe("Number of memories returned"),
});

/** Tags as an array, or one tag / a comma-separated string (the reference's single `tags`). */
export const tagFilterSchema = z.union([tagSchema, tagsSchema])
  .transform((v) => (typeof v === "string" ? v.split(",").map((t) => t.trim()).filter(Boolean) : v))
  .describe("Only memories carrying all of these tags (array, or comma-separated string)");

/** Filter fields shared by recall, search and list. */
export const filterFields = {
  namespace: namespaceSchema.optional().describe("Only this namespace"),
  tags: tagFilterSchema.optional(),
  since: timestampSchema.optional().describe("Only memories created at or after this time"),
  until: timestampSchema.optional().describe("Only memories created at or before this time"),
};

/** Output rendering for list results on MCP; JSON is always in structuredContent. */
export const formatSchema = z.enum(["json", "toon", "toon_compact"], {
  error: "must be one of json, toon, toon_compact",
}).optional().describe("Text rendering of the result: json, toon or toon_compact (default)");

/** Normalise an RFC 3339 time to the stored UTC form. */
export function utc(ts: string | undefined): string | undefined {
  return ts === undefined ? undefined : new Date(ts).toISOString();
}

/** Build a store filter from parsed filter fields; since must not be after until. */
export function toFilter(input: {
  namespace?: string | undefined;
  tags?: string[] | undefined;
  since?: string | undefined;
  until?: string | undefined;
  tier?: z.infer<typeof tierSchema> | undefined;
  agent_id?: string | undefined;
  min_priority?: number | undefined;
}): MemoryFilter {
  const since = utc(input.since);
  const until = utc(input.until);
  if (since && until && since > until) {
    throw invalidInput([{ field: "since", message: "must not be later than until" }]);
  }
  const filter: MemoryFilter = {};
  if (input.namespace !== undefined) filter.namespace = input.namespace;
  if (input.tags !== undefined && input.tags.length > 0) filter.tags = input.tags;
  if (since !== undefined) filter.since = since;
  if (until !== undefined) filter.until = until;
  if (input.tier !== undefined) filter.tier = input.tier;
  if (input.agent_id !== undefined) filter.agentId = input.agent_id;
  if (input.min_priority !== undefined) filter.minPriority = input.min_priority;
  return filter;
}

/**
 * The author of a write: the agent id the input claims, or the caller. A caller authenticated by an
 * API key acts as the key's agent and may not claim another.
 * @throws {MemoryError} forbidden naming `field` when a keyed caller claims another agent
 */
export function authorOf(ctx: OpContext, claimed: string | undefined, field = "agent_id"): string {
  if (claimed === undefined || claimed === ctx.actor) return ctx.actor;
  if (ctx.grant) {
    throw forbidden(`${field}: this API key acts as "${ctx.actor}" and may not write as "${claimed}"`, {
      field,
    });
  }
  return claimed;
}
