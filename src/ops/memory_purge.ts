// memory_purge: remove tombstones of deleted memories older than a retention period, for good.
import { z } from "zod";
import { defineOperation } from "./operation.ts";

export const memoryPurge = defineOperation({
  name: "memory_purge",
  title: "Purge deleted memories",
  description: "Permanently remove deleted memories whose tombstones are older than older_than_days " +
    "(default: the configured retention, 30 days). Live memories are never touched.",
  input: z.object({
    older_than_days: z.number({ error: "must be a number" })
      .min(0, { error: "must be between 0 and 36500" }).max(36_500, { error: "must be between 0 and 36500" })
      .optional().describe("Only tombstones older than this many days (default: configured retention)"),
  }),
  output: z.object({
    purged: z.number().int().describe("How many tombstones were removed"),
    before: z.string().describe("Tombstones from before this time were removed"),
  }),
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false,
  },
  http: [{ method: "POST", path: "/api/v1/purge" }],
  cli: { command: "purge" },
  async run(ctx, input) {
    const days = input.older_than_days ?? ctx.config.deletedRetentionDays;
    const before = new Date(ctx.clock.now().getTime() - days * 86_400_000).toISOString();
    return { purged: await ctx.store.purgeDeleted(before), before };
  },
});
