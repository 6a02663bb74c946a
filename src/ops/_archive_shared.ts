// Schemas shared by the archive operations.
import { z } from "zod";
import { memorySchema } from "./_shared.ts";

export const archivedMemorySchema = memorySchema.extend({
  archived_at: z.string().describe("When it was archived"),
  archive_reason: z.string().describe("Why: ttl_expired, forget, consolidated"),
  archived_by: z.string().nullable().describe("Who archived it"),
});

/** A short reference to a memory that was (or would be) moved. */
export const movedSchema = z.object({
  id: z.string().describe("Memory id"),
  title: z.string().describe("Title"),
  namespace: z.string().describe("Namespace"),
});

/** The short reference of a memory. */
export function moved(m: { id: string; title: string; namespace: string }): z.infer<typeof movedSchema> {
  return { id: m.id, title: m.title, namespace: m.namespace };
}

/** What gc and forget report: how many memories moved (or would), and the first hundred. */
export const archiveOutcomeSchema = z.object({
  archived: z.number().int().describe("How many memories were (or would be) archived"),
  dry_run: z.boolean().describe("True when nothing was changed"),
  memories: z.array(movedSchema).describe("The memories (at most 100 listed)"),
});
