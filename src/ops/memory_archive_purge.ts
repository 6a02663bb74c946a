// memory_archive_purge: delete archived memories for good (the only way anything leaves the database).
import { z } from "zod";
import { defineOperation } from "./operation.ts";

export const memoryArchivePurge = defineOperation({
  name: "memory_archive_purge",
  title: "Purge the archive",
  description: "Permanently delete archived memories archived more than older_than_days ago (all when " +
    "omitted), with their links. This cannot be undone.",
  input: z.object({
    older_than_days: z.number({ error: "must be a number" })
      .min(0, { error: "must be between 0 and 36500" }).max(36_500, { error: "must be between 0 and 36500" })
      .optional().describe("Only memories archived more than this many days ago"),
  }),
  output: z.object({
    purged: z.number().int().describe("How many archived memories were deleted"),
    before: z.string().nullable().describe("Cut-off time, null for all"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  http: [{ method: "DELETE", path: "/api/v1/archive" }],
  cli: { command: "archive purge" },
  async run(ctx, input) {
    const before = input.older_than_days === undefined
      ? null
      : new Date(ctx.clock.now().getTime() - input.older_than_days * 86_400_000).toISOString();
    return { purged: await ctx.store.archive.purge({ before: before ?? undefined }), before };
  },
});
