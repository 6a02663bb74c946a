// memory_archive_list: browse the archive, most recently archived first.
import { z } from "zod";
import { limitSchema, namespaceSchema } from "../core/fields.ts";
import { archivedMemorySchema } from "./_archive_shared.ts";
import { defineOperation, READ_ONLY } from "./operation.ts";

export const memoryArchiveList = defineOperation({
  name: "memory_archive_list",
  title: "List archived memories",
  description: "Archived memories (expired, forgotten, consolidated), most recently archived first.",
  input: z.object({
    namespace: namespaceSchema.optional().describe("Only this namespace"),
    limit: limitSchema(50, 1000),
    offset: z.number({ error: "must be a number" }).int({ error: "must be an integer" })
      .min(0, { error: "must be at least 0" }).default(0).describe("Skip this many (for paging)"),
  }),
  output: z.object({
    memories: z.array(archivedMemorySchema).describe("Archived memories"),
    count: z.number().int().describe("Number returned"),
  }),
  annotations: READ_ONLY,
  http: [{ method: "GET", path: "/api/v1/archive" }],
  cli: { command: "archive list", short: { namespace: "n" } },
  async run(ctx, input) {
    const memories = await ctx.store.archive.list(input);
    return { memories, count: memories.length };
  },
});
