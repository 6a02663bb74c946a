// Schemas shared by the knowledge-graph operations.
import { z } from "zod";
import { idSchema, timestampSchema } from "../core/fields.ts";
import { RELATIONS } from "../store/graph_store.ts";

export const relationSchema = z.enum(RELATIONS, { error: `must be one of ${RELATIONS.join(", ")}` })
  .describe("Link type: related_to, supersedes (source replaces target), contradicts or derived_from");

export const linkSchema = z.object({
  source_id: z.string().describe("The memory the link starts from"),
  target_id: z.string().describe("The memory the link points to"),
  relation: relationSchema,
  created_at: z.string().describe("When the link was recorded"),
  valid_from: z.string().describe("Start of the link's validity"),
  valid_until: z.string().nullable().describe("End of validity (exclusive); null = still valid"),
  observed_by: z.string().nullable().describe("The agent that recorded the link"),
});

export const sourceIdSchema = idSchema.describe("Id (or unique prefix) of the source memory");
export const targetIdSchema = idSchema.describe("Id (or unique prefix) of the target memory");
export const validTimeSchema = timestampSchema;
