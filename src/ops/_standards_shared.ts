// Schemas shared by the namespace-standard operations.
import { z } from "zod";
import { namespaceSchema } from "../core/fields.ts";
import type { StandardEntry } from "../graph/standards.ts";
import { memorySchema } from "./_shared.ts";

export const standardNamespaceSchema = z.union([z.literal("*"), namespaceSchema], {
  error: "must be a namespace or * (global)",
}).describe("Namespace, or * for the global standard");

export const standardEntrySchema = z.object({
  namespace: z.string().describe("Namespace the standard belongs to"),
  id: z.string().describe("Id of the standard memory"),
  title: z.string().describe("Title of the standard"),
  content: z.string().describe("Text of the standard"),
});

/** The compact form of a standard that recall and session start prepend. */
export function standardEntry(entry: StandardEntry): z.infer<typeof standardEntrySchema> {
  return {
    namespace: entry.namespace,
    id: entry.memory.id,
    title: entry.memory.title,
    content: entry.memory.content,
  };
}

export { memorySchema };
